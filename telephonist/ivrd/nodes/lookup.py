"""The lookup node: read the customer's records (a bill, a policy, a balance) into call variables."""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from telephonist.ivrd.lookup_sources import LookupFailed, LookupSources, fill_url, json_path, valid_json_path
from telephonist.ivrd.nodes.fallthrough import FallthroughExits
from telephonist.ivrd.nodes.registry import MAX_FLOW_MS, CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

log = logging.getLogger("telephonist.ivrd")

VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SQL_STRING = re.compile(r"'(?:[^']|'')*'")
SQL_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")          # SQLAlchemy text()'s own rule
SQL_ONLY = ("params",)
HTTP_ONLY = ("method", "body", "rows_path")


def sql_parameters(query: str) -> set[str]:
    """The :name parameters of a query (not counting text inside '...' literals, like '12:30')."""
    return set(SQL_PARAM.findall(SQL_STRING.sub("''", query)))


LOOKUP_SOURCES = "lookup_sources"       # the key of ivrd's one LookupSources among its shared helpers


def lookup_sources(call: "Call") -> LookupSources:
    return call.services.shared(LOOKUP_SOURCES, lambda: LookupSources(call.services.settings.sources),
                                LookupSources.close)


@register
class Lookup(FallthroughExits, NodeType):
    """Read records from a source of [[ivrd.sources]] into call variables.

    SQL (a source of kind sql): one statement, values only as bound parameters:
        source = "billing"
        query = "SELECT balance, due FROM bills WHERE account = :account"
        params = { account = "${account}" }
    The database refuses any change unless the source says writes = true (an INSERT of a meter
    reading needs it).
    HTTP (kind http): GET, or POST with a JSON body, to the source's URL + path (each ${var} URL-encoded):
        source = "crm"
        path = "/policies/${policy_no}"
        into = { "data.holder" = "holder", "data.premium" = "premium" }
    The path never names another host: a request or redirect leaving the source's own scheme, host
    and port is refused (the source's headers are its credentials).

    into: column (SQL) or JSON path (HTTP, "data.bills[0].due") = variable; unset: every column of
    the first row (every scalar of the first record) as a variable named prefix + column.
    rows_path (HTTP): where the list of records is ("data.bills"); the document itself otherwise.
    count_var: the number of rows (records) found. timeout_ms: the source's unless set.
    Exits: next; on_empty when nothing is found (unset: next, with no variables set); on_error on a
    time-out or an error (unset: the caller hears the fallback)."""
    name = "lookup"
    fields = (Field("source", "str", required=True),
              Field("query", "str", help="SQL with :name parameters"),
              Field("params", "str_map", help="SQL parameters: name = \"${var}\""),
              Field("path", "str", help="HTTP: appended to the source's URL; ${var} are URL-encoded"),
              Field("method", "str", default="GET", help="HTTP: GET or POST"),
              Field("body", "str_map", help="HTTP POST: a JSON object of name = \"${var}\""),
              Field("rows_path", "str", help="HTTP: the JSON path of the list of records"),
              Field("into", "str_map", help="column or JSON path = variable"),
              Field("prefix", "str", default="", help="without into: prefix of the variables"),
              Field("count_var", "str", help="a variable for the number of rows found"),
              Field("timeout_ms", "int", range=(1, MAX_FLOW_MS)),
              Field("next", "node", required=True),
              Field("on_empty", "str", help="the node when nothing is found (unset: next)"),
              Field("on_error", "str", help="the node on a time-out or error (unset: fallback)"))
    fallthrough_exits = ("on_empty", "on_error")

    def check(self, node: "Node", ctx: CheckContext) -> None:
        source = node.get("source")
        if source not in ctx.lookup_sources:
            known = ", ".join(sorted(ctx.lookup_sources)) or "none configured"
            ctx.problem("source", f"no lookup source named {source!r} in [[ivrd.sources]] ({known})")
        query, path = node.get("query"), node.params.get("path")
        if query is None and path is None:
            ctx.problem(None, "a lookup needs query (SQL) or path (HTTP)")
        elif query is not None and path is not None:
            ctx.problem("path", "a lookup has query (SQL) or path (HTTP), not both")
        elif query is not None:
            self._check_sql(node, ctx)
        else:
            self._check_http(node, ctx)
        for key in ("prefix",):
            if node.get(key) and not VAR_NAME.match(node.get(key)):
                ctx.problem(key, f"{key} must start a variable name (letters, digits, _)")
        if node.get("count_var") is not None and not VAR_NAME.match(node.get("count_var")):
            ctx.problem("count_var", "count_var must be a variable name")
        for var in (node.get("into") or {}).values():
            if not VAR_NAME.match(var):
                ctx.problem("into", f"{var!r} is not a variable name")
        ms = node.get("timeout_ms")
        if ms is not None and not 1 <= ms <= 600_000:
            ctx.problem("timeout_ms", "timeout_ms must be between 1 and 600000")

    def _check_sql(self, node: "Node", ctx: CheckContext) -> None:
        query: str = node.get("query")
        for key in HTTP_ONLY:
            if key in node.key_lines:
                ctx.problem(key, f"{key} is for HTTP lookups (path); a SQL lookup has query and params")
        if "${" in query:
            ctx.problem("query", "values go into a query as bound parameters (:name, with params = "
                        "{ name = \"${var}\" }), never as ${var} in its text")
            return
        if re.search(r";\s*\S", SQL_STRING.sub("''", query)):
            ctx.problem("query", "one statement per lookup")
        wanted = sql_parameters(query)
        given = set(node.get("params") or {})
        for name in sorted(wanted - given):
            ctx.problem("query", f"query uses :{name}, which params does not give")
        for name in sorted(given - wanted):
            ctx.problem("params", f"params gives {name!r}, which the query does not use (:{name})")

    def _check_http(self, node: "Node", ctx: CheckContext) -> None:
        if "params" in node.key_lines:
            ctx.problem("params", "params is for SQL lookups; an HTTP lookup has ${var} in path, or body")
        if "://" in (node.get("path") or "") or (node.get("path") or "").startswith("//"):
            ctx.problem("path", "path is appended to the source's URL; it cannot name another host (no ://)")
        method = node.get("method").upper()
        if method not in ("GET", "POST"):
            ctx.problem("method", "method must be GET or POST")
        if node.get("body") is not None and method != "POST":
            ctx.problem("body", "body goes with method = \"POST\"")
        for path in list((node.get("into") or {}).keys()) + ([node.get("rows_path")] if node.get("rows_path") else []):
            if not valid_json_path(path):
                ctx.problem("into" if path != node.get("rows_path") else "rows_path",
                            f"{path!r} is not a JSON path like data.bills[0].due")

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        source = node.get("source")
        sources = lookup_sources(call)
        call.mark_idle()                      # waits on the customer's system, not on chand
        try:
            if node.get("query") is not None:
                params = {k: call.expand(v) for k, v in (node.get("params") or {}).items()}
                rows = await sources.sql(source, node.get("query"), params, node.get("timeout_ms"))
                found = self._from_rows(node, rows)
            else:
                found, rows = await self._http(node, call, sources)
        except LookupFailed as exc:
            log.error("event=ivr_lookup_failed call=%s node=%s at=%s:%d source=%s kind=%s error=%s", call.call_id,
                      node.name, node.file, node.line, source, exc.kind, exc)
            if node.get("on_error"):
                call.step(exc.kind, detail={"source": source, "error": str(exc)})
                return node.get("on_error")
            raise FlowRuntimeError(f"node {node.name!r}: lookup in {source!r}: {exc.kind}: {exc}") from None
        if node.get("count_var"):
            call.vars[node.get("count_var")] = len(rows)
        if not rows:
            call.step("empty", detail={"source": source, "rows": 0})
            return node.get("on_empty") or node.get("next")
        call.vars.update(found)
        call.step("ok", detail={"source": source, "rows": len(rows), "vars": sorted(found)})
        return node.get("next")

    def _from_rows(self, node: "Node", rows: list[dict[str, Any]]) -> dict[str, Any]:
        if not rows:
            return {}
        first = rows[0]
        into = node.get("into")
        if into:
            return {var: first.get(col) for col, var in into.items()}
        return {node.get("prefix") + col: value for col, value in first.items() if VAR_NAME.match(col)}

    async def _http(self, node: "Node", call: "Call", sources: LookupSources) -> tuple[dict[str, Any], list[Any]]:
        path = fill_url(node.get("path") or "", call.vars)
        body = {k: call.expand(v) for k, v in node.get("body").items()} if node.get("body") is not None else None
        answer = await sources.http(node.get("source"), node.get("method").upper(), path, body, node.get("timeout_ms"))
        doc = answer.document
        records: Any = doc
        if node.get("rows_path") and doc is not None:
            records = json_path(doc, node.get("rows_path"))[1]
        rows = records if isinstance(records, list) else ([records] if records not in (None, {}, "") else [])
        if not rows:
            return {}, []
        into = node.get("into")
        if into:
            found = {}
            for path_, var in into.items():
                ok, value = json_path(doc, path_)
                found[var] = _scalar(value) if ok else ""
            return found, rows
        first = rows[0] if isinstance(rows[0], dict) else {}
        return {node.get("prefix") + k: v for k, v in first.items()
                if VAR_NAME.match(k) and isinstance(v, (str, int, float, bool))}, rows


def _scalar(value: Any) -> Any:
    """A JSON value as a variable: scalars as they are, lists and objects as they are too (an expression
    may index them), null as ""."""
    return "" if value is None else value
