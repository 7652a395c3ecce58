"""Nodes that send the call on: transfer (queue, extension, number, another flow, an application), fax."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from telephonist.ivrd.nodes.registry import MAX_FLOW_MS, CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

TARGET = re.compile(r"^(queue|ext|number|flow|app|ivr|fax):(.+)$")


@register
class Transfer(NodeType):
    """to = "queue:claims" | "ext:8001" | "number:13812345678" | "flow:gas" | "app:crm" (${var} allowed).
    A queue or application gets the call with the flow's variables (handoff); an extension or a
    number is dialled and bridged by chand (blind transfer); a flow goes on in that flow."""
    name = "transfer"
    terminal = True
    fields = (Field("to", "str", required=True), Field("prompts", "prompts", help="heard first (please hold)"),
              Field("trunk_group", "str", help="for ext: and number: (default: ivrd's)"),
              Field("timeout_ms", "int", default=30000, help="no answer after this long", range=(1000, MAX_FLOW_MS)),
              Field("on_fail", "node", help="when the target is busy or not there (unset: fallback)"))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        m = TARGET.match(node.get("to"))
        if not m:
            ctx.problem("to", "to must be queue:NAME, ext:NUMBER, number:NUMBER, flow:NAME or app:NAME")
            return
        kind, rest = m.groups()
        if kind == "flow" and "${" not in rest and rest not in ctx.flow_names:
            ctx.problem("to", f"no flow named {rest!r}; flows: {', '.join(sorted(ctx.flow_names))}")
        if kind in ("ext", "number") and "${" not in rest and not re.fullmatch(r"[0-9*#]{1,32}", rest):
            ctx.problem("to", f"{rest!r} is not a phone number")

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        kind, target = TARGET.match(call.expand(node.get("to"))).groups()     # checked at load
        if kind == "flow":
            call.step("ok", detail={"to": f"flow:{target}"})
            return call.enter_flow(target)
        await call.play(node.get("prompts"))
        settings = call.services.settings
        try:
            if kind in ("ext", "number"):
                group = node.get("trunk_group") or (settings.extensions_trunk_group if kind == "ext"
                                                    else settings.external_trunk_group)
                if not group:
                    raise FlowRuntimeError(f"node {node.name!r}: no trunk group for {kind}:{target}")
                leg = await call.transfer(target, group, timeout_ms=node.get("timeout_ms"))
                call.step("ok", detail={"to": f"{kind}:{target}", "leg": leg})
                call.end("extension" if kind == "ext" else "external", target)
            else:
                app = f"{kind}:{target}" if kind != "app" else f"app:{target}"
                await call.handoff(app, reason="ivr")
                call.step("ok", detail={"to": app})
                call.end("queue" if kind == "queue" else "application", app)
        except FlowRuntimeError as exc:
            if node.get("on_fail") is None:
                raise
            call.step("failed", detail={"to": f"{kind}:{target}", "error": str(exc)})
            return node.get("on_fail")
        return None


@register
class Fax(NodeType):
    """Fax on demand: hand the call to faxd with the chosen document, sent on this call
    (the caller presses start) or by call-back to a fax number the caller entered."""
    name = "fax"
    terminal = True
    fields = (Field("document", "str", help="the document's number, usually ${var} from a collect; "
                                          "unset: faxd asks the caller"),
              Field("mode", "str", default="ask", help="same_call | callback | ask"),
              Field("fax_number", "str", help="callback: where to send it (${var})"),
              Field("app", "str", default="fax:demand"),
              Field("prompts", "prompts"))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        if node.get("mode") not in ("same_call", "callback", "ask"):
            ctx.problem("mode", "mode must be same_call, callback or ask")

    async def run(self, node: "Node", call: "Call") -> str | None:
        await call.play(node.get("prompts"))
        data = {"document": call.expand(node.get("document") or ""), "caller": call.caller}
        if node.get("mode") != "ask":
            data["mode"] = node.get("mode")
        if node.get("fax_number"):
            data["fax_number"] = call.expand(node.get("fax_number"))
        await call.handoff(node.get("app"), reason="fax_on_demand", data=data)
        call.step("ok", detail=data)
        call.end("fax", data["document"])
        return None
