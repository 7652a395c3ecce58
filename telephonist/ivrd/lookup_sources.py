"""The customer's own systems that lookup nodes read: databases (SQL) and HTTP/JSON services.

One LookupSources per ivrd (services.shared), built from [[ivrd.sources]]:

    [[ivrd.sources]]
    name = "billing"
    kind = "sql"
    url = "postgresql+psycopg://ivr:secret@db.example/billing"
    timeout_ms = 3000

    [[ivrd.sources]]
    name = "policies"
    kind = "http"
    url = "https://crm.example/api"
    headers = ["Authorization: Bearer ..."]

A query only ever gets values as bound parameters, never pasted into its
text. A SQL source is read-only unless it says ``writes = true``, and the
database enforces it, whatever the statement: SQLite files are opened with
``mode=ro``; PostgreSQL sessions default to read-only transactions, each
lookup runs in ``SET TRANSACTION READ ONLY``, and psycopg sends every
statement as a prepared one, so one lookup is one statement (no
``COMMIT; SET ...; INSERT``). No SQL source may ATTACH another database file.
An HTTP lookup only ever reaches its own source: the path is appended to the
source's URL, and a request (or a redirect) that would leave the source's
scheme, host and port is refused, so the source's headers (its credentials)
go nowhere else. Every lookup has a time limit, and a query past it really stops on the
database, not just in the caller's eyes: SQLite through a progress handler
that interrupts the statement, PostgreSQL through statement_timeout. Blocking
work runs in a thread; the event loop waits at most the limit (plus a little),
whatever the thread does. A failure is a LookupFailed with kind "timeout" or
"error".
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, time as dtime
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from telephonist.config.model import LookupSource

log = logging.getLogger("telephonist.ivrd")

GRACE_S = 1.0                      # the loop waits this much past the limit for the thread to report
PG_QUERY_CANCELED = "57014"        # SQLSTATE of a statement stopped by statement_timeout
PG_READ_ONLY = "25006"             # SQLSTATE of a write in a read-only transaction
MAX_BODY = 1 << 20                 # an HTTP answer larger than this is an error


class LookupFailed(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind           # timeout | error


@dataclass
class HttpAnswer:
    status: int
    document: Any                  # the decoded JSON (None for 404 or an empty body)


class SqlSource:
    def __init__(self, cfg: LookupSource) -> None:
        self.cfg = cfg
        self.engine: Engine = _sql_engine(cfg)
        self.dialect = self.engine.dialect.name
        self.read_only = not cfg.writes

    def query(self, sql: str, params: dict[str, Any], timeout_ms: int) -> list[dict[str, Any]]:
        """The rows of one statement (blocking: run it in a thread). A statement that returns no rows
        (an UPDATE of a meter reading) gives []."""
        deadline = time.monotonic() + timeout_ms / 1000.0
        try:
            with self.engine.connect() as conn:
                with conn.begin():
                    raw = conn.connection.dbapi_connection
                    if self.dialect == "sqlite":
                        # called every 1000 VM steps; a non-zero answer interrupts the statement
                        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
                    elif self.dialect == "postgresql":
                        if self.read_only:
                            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout_ms))}")
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(timeout_ms))}")
                    try:
                        result = conn.execute(text(sql), params)
                        rows = [dict(r._mapping) for r in result] if result.returns_rows else []
                    finally:
                        if self.dialect == "sqlite":
                            raw.set_progress_handler(None, 0)
        except DBAPIError as exc:
            if _timed_out(exc) or time.monotonic() > deadline:
                raise LookupFailed("timeout", f"query took longer than {timeout_ms} ms") from None
            if self.read_only and _refused_write(exc):
                raise LookupFailed("error", f"query failed: source {self.cfg.name!r} is read-only (writes = true in "
                                            f"its [[ivrd.sources]] allows writes): {_first_line(exc.orig)}") from None
            raise LookupFailed("error", f"query failed: {_first_line(exc.orig)}") from None
        except SQLAlchemyError as exc:
            raise LookupFailed("error", f"query failed: {_first_line(exc)}") from None
        return [{k: plain(v) for k, v in r.items()} for r in rows]

    def close(self) -> None:
        self.engine.dispose()


class HttpSource:
    def __init__(self, cfg: LookupSource) -> None:
        self.cfg = cfg
        self.origin = origin(cfg.url)
        self.headers = {"Accept": "application/json", "User-Agent": "telephonist-ivrd"}
        for line in cfg.headers:
            name, _, value = line.partition(":")
            self.headers[name.strip()] = value.strip()
        self.opener = urllib.request.build_opener(_RedirectsWithin(self.origin))

    def url(self, path: str) -> str:
        """The source's URL with ``path`` appended (never a URL of its own); LookupFailed if the result
        would leave the source's scheme, host and port."""
        url = self.cfg.url.rstrip("/") + "/" + path.lstrip("/") if path else self.cfg.url
        if origin(url) != self.origin:
            raise LookupFailed("error", f"path {path!r} would leave the source {self.cfg.name!r} ({self.cfg.url})")
        return url

    def request(self, method: str, path: str, body: dict[str, Any] | None, timeout_ms: int) -> HttpAnswer:
        """GET or POST JSON (blocking: run it in a thread)."""
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        req = urllib.request.Request(self.url(path), data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=timeout_ms / 1000.0) as resp:
                raw = resp.read(MAX_BODY + 1)
                status = resp.status
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return HttpAnswer(404, None)
            raise LookupFailed("error", f"HTTP {exc.code} {exc.reason}") from None
        except (TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise LookupFailed("timeout", f"no answer within {timeout_ms} ms") from None
            raise LookupFailed("error", f"request failed: {reason}") from None
        if len(raw) > MAX_BODY:
            raise LookupFailed("error", f"answer larger than {MAX_BODY} bytes")
        if not raw.strip():
            return HttpAnswer(status, None)
        try:
            return HttpAnswer(status, json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LookupFailed("error", f"answer is not JSON: {exc}") from None

    def close(self) -> None:
        pass


class LookupSources:
    """The configured sources by name, each opened on first use."""

    def __init__(self, configs: tuple[LookupSource, ...]) -> None:
        self.configs = {c.name: c for c in configs}
        self.open: dict[str, SqlSource | HttpSource] = {}

    def get(self, name: str) -> SqlSource | HttpSource:
        if name not in self.open:
            cfg = self.configs.get(name)
            if cfg is None:
                raise LookupFailed("error", f"no lookup source named {name!r} in [ivrd] sources")
            if cfg.kind == "sql":
                try:
                    self.open[name] = SqlSource(cfg)
                except (SQLAlchemyError, ImportError, ValueError) as exc:
                    raise LookupFailed("error", f"source {name!r}: cannot use {_shown(cfg.url)!r}: {exc}") from None
            elif cfg.kind == "http":
                self.open[name] = HttpSource(cfg)
            else:
                raise LookupFailed("error", f"source {name!r}: kind must be sql or http, not {cfg.kind!r}")
        return self.open[name]

    def timeout_ms(self, name: str, override: int | None) -> int:
        return override or self.configs[name].timeout_ms

    async def sql(self, name: str, sql: str, params: dict[str, Any], timeout_ms: int | None = None
                  ) -> list[dict[str, Any]]:
        src = self.get(name)
        if not isinstance(src, SqlSource):
            raise LookupFailed("error", f"source {name!r} is {src.cfg.kind}, not sql: use path, not query")
        ms = self.timeout_ms(name, timeout_ms)
        return await _bounded(asyncio.to_thread(src.query, sql, params, ms), ms, name)

    async def http(self, name: str, method: str, path: str, body: dict[str, Any] | None,
                   timeout_ms: int | None = None) -> HttpAnswer:
        src = self.get(name)
        if not isinstance(src, HttpSource):
            raise LookupFailed("error", f"source {name!r} is {src.cfg.kind}, not http: use query, not path")
        ms = self.timeout_ms(name, timeout_ms)
        return await _bounded(asyncio.to_thread(src.request, method, path, body, ms), ms, name)

    def close(self) -> None:
        for src in self.open.values():
            src.close()
        self.open.clear()


async def _bounded(work: Any, timeout_ms: int, name: str) -> Any:
    """The thread's result, or a time-out when it has not reported shortly after the limit (the
    database or socket limit normally ends it first; this only keeps a stuck driver from holding the call)."""
    try:
        return await asyncio.wait_for(work, timeout_ms / 1000.0 + GRACE_S)
    except asyncio.TimeoutError:
        log.warning("event=lookup_thread_overdue source=%s timeout_ms=%d", name, timeout_ms)
        raise LookupFailed("timeout", f"no result within {timeout_ms} ms") from None


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port filled in for http and https."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:                   # a port that is no number
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class _RedirectsWithin(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the source's origin: urllib would send the source's headers
    (its credentials) along to wherever the service points."""

    def __init__(self, allowed: tuple[str, str, int | None]) -> None:
        self.allowed = allowed

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if origin(newurl) != self.allowed:
            raise urllib.error.HTTPError(newurl, code, f"redirect to another host refused ({newurl})", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fill_url(template: str, variables: dict[str, Any]) -> str:
    """A path template with each ${var} URL-encoded ("/bills/${account}" -> "/bills/12%2F3")."""
    from telephonist.ivrd.expressions import VAR_REF, _lookup

    def sub(m: Any) -> str:
        v = _lookup(m.group(1), variables)
        return urllib.parse.quote("" if v is None else str(v), safe="")
    return VAR_REF.sub(sub, template)


def json_path(document: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of "data.bills[0].due" (or "data.bills.0.due") in a decoded JSON document."""
    value = document
    for part in _path_parts(path):
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
            value = value[part]
        else:
            return False, None
    return True, value


def valid_json_path(path: str) -> bool:
    try:
        return bool(_path_parts(path)) or path == ""
    except ValueError:
        return False


def _path_parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.replace("[", ".[").split("."):
        if not piece:
            continue
        if piece.startswith("["):
            if not piece.endswith("]") or not piece[1:-1].lstrip("-").isdigit():
                raise ValueError(f"bad index {piece!r}")
            parts.append(int(piece[1:-1]))
        elif piece.lstrip("-").isdigit():
            parts.append(int(piece))
        else:
            parts.append(piece)
    return parts


def plain(v: Any) -> Any:
    """A database value as a call variable: exact decimals as text ("120.50"), dates as ISO text."""
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, (datetime, date, dtime)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return v


def _sql_engine(cfg: LookupSource) -> Engine:
    """Plain engine settings: it is the customer's database (no WAL switch, no schema of ours), opened
    read-only by the database itself unless the source says ``writes = true``."""
    seconds = cfg.timeout_ms / 1000.0
    url = make_url(cfg.url)
    if url.get_backend_name() == "sqlite":
        if not cfg.writes:
            url = _sqlite_read_only(url)
        engine = create_engine(url, connect_args={"timeout": seconds})
        event.listen(engine, "connect", _no_attach)
        return engine
    if url.get_backend_name() == "postgresql":
        # libpq counts connect_timeout in whole seconds, at least 2
        args: dict[str, Any] = {"connect_timeout": max(2, math.ceil(seconds))}
        if not cfg.writes:
            if url.get_driver_name() != "psycopg":
                raise ValueError("a read-only PostgreSQL source needs the psycopg driver (postgresql+psycopg://...), "
                                 "or writes = true")
            args.update(options="-c default_transaction_read_only=on", prepare_threshold=0)
        return create_engine(url, pool_pre_ping=True, connect_args=args)
    if not cfg.writes:
        raise ValueError(f"read-only lookups are enforced on SQLite and PostgreSQL; for {url.get_backend_name()} "
                         f"set writes = true and give the source a database user that may only read")
    return create_engine(url, pool_pre_ping=True)


def _sqlite_read_only(url: Any) -> Any:
    """The same file opened read-only (a URI with mode=ro): no statement can change it."""
    path = url.database or ""
    if not path or path == ":memory:" or path.startswith("file:"):
        raise ValueError("a read-only SQLite source names its file (sqlite:////path/to/file.db)")
    return url.set(database=f"file:{urllib.parse.quote(os.path.abspath(path))}",
                   query={**url.query, "mode": "ro", "uri": "true"})


def _no_attach(dbapi_conn: Any, _record: Any) -> None:
    """No ATTACH: it would open any other file, read-write, the web console's database included."""
    dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)


def _shown(url: str) -> str:
    """A source's URL as it may be logged: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(an unreadable URL)"


def _refused_write(exc: DBAPIError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "readonly database" in str(orig)
    return getattr(orig, "sqlstate", None) == PG_READ_ONLY


def _timed_out(exc: DBAPIError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError) and "interrupted" in str(orig):
        return True
    return getattr(orig, "sqlstate", None) == PG_QUERY_CANCELED


def _first_line(exc: Any) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
