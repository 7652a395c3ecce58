"""Nodes on the caller lists: blacklist (stop blocked callers), add_to_blacklist, vip."""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from telephonist.ivrd import db
from telephonist.ivrd.caller_lists import block, find_block, find_vip
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

log = logging.getLogger("telephonist.ivrd")

VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_MINUTES = 10 * 366 * 24 * 60


@register
class Blacklist(NodeType):
    """Stop callers on the blacklist (an exact number or a prefix*, until its expiry or for good):
        type = "blacklist"
        prompts = "{lang}/blocked.wav"   # what a blocked caller hears
        next = "menu"                    # everyone else
        blocked = "..."                  # optional: where a blocked caller goes after the message
                                         # (unset: the call is hung up)
    number: whose number to check (default ${caller}). Sets ${blocked_until} (ISO time, "" for good)."""
    name = "blacklist"
    fields = (Field("number", "str", default="${caller}"),
              Field("prompts", "prompts", help="the message a blocked caller hears"),
              Field("blocked", "node", help="after the message (unset: hang up)"),
              Field("next", "node", required=True))

    async def run(self, node: "Node", call: "Call") -> str | None:
        number = call.expand(node.get("number"))
        call.mark_idle()
        entry = await call.in_thread(db.read, call.services.engine, find_block, number, call.now())
        if entry is None:
            call.step("ok")
            return node.get("next")
        until = entry.expires_at.isoformat(timespec="seconds") if entry.expires_at else ""
        call.vars["blocked_until"] = until
        log.info("event=ivr_caller_blocked call=%s caller=%s entry=%s until=%s", call.call_id, number,
                 entry.number, until or "forever")
        call.step("blocked", detail={"entry": entry.number, "until": until or "forever", "reason": entry.reason})
        await call.play(node.get("prompts"))
        if node.get("blocked"):
            return node.get("blocked")
        call.end("blocked", entry.number)
        await call.hangup()
        return None


@register
class AddToBlacklist(NodeType):
    """Put a caller on the blacklist, e.g. after too many wrong passwords:
        type = "add_to_blacklist"
        minutes = 30                     # 0: for good
        reason = "wrong passwords"
        next = "bye"                     # unset: hang up
    number: default ${caller}. An entry already there is extended, never shortened."""
    name = "add_to_blacklist"
    fields = (Field("number", "str", default="${caller}"),
              Field("minutes", "int", default=30, help="how long; 0 = for good"),
              Field("reason", "str", default=""),
              Field("next", "node"))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        if not 0 <= node.get("minutes") <= MAX_MINUTES:
            ctx.problem("minutes", "minutes must be 0 (for good) or a positive number of minutes")

    async def run(self, node: "Node", call: "Call") -> str | None:
        number = call.expand(node.get("number"))
        if not number:
            call.step("skipped", detail={"why": "no number"})
            return node.get("next")
        minutes = node.get("minutes") or None
        reason = call.expand(node.get("reason"))
        call.mark_idle()
        entry = await call.in_thread(db.write, call.services.engine, block, number, minutes, call.now(), reason,
                                     f"ivr:{call.flow.name}/{node.name}")
        until = entry.expires_at.isoformat(timespec="seconds") if entry.expires_at else "forever"
        log.info("event=ivr_caller_blacklisted call=%s number=%s until=%s reason=%s", call.call_id, number, until,
                 reason)
        call.step("ok", detail={"number": number, "until": until})
        return node.get("next")


@register
class Vip(NodeType):
    """VIP callers take their own path: by caller number, or by a customer class a lookup found:
        type = "vip"
        customer_class = "${customer_class}"
        vip = "vip_queue"
        next = "menu"
    number: default ${caller}. The VIP row's target (queue:vip ...) goes into ${vip_target} (or the
    variable target_var names) and its name into ${vip_name}, for a transfer to = "${vip_target}"."""
    name = "vip"
    fields = (Field("number", "str", default="${caller}"),
              Field("customer_class", "str", help="e.g. ${customer_class} from a lookup"),
              Field("target_var", "str", default="vip_target"),
              Field("vip", "node", required=True),
              Field("next", "node", required=True))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        if not VAR_NAME.match(node.get("target_var")):
            ctx.problem("target_var", "target_var must be a variable name")

    async def run(self, node: "Node", call: "Call") -> str | None:
        number = call.expand(node.get("number"))
        klass = call.expand(node.get("customer_class") or "")
        call.mark_idle()
        entry = await call.in_thread(db.read, call.services.engine, find_vip, number, klass)
        if entry is None:
            call.step("ok")
            return node.get("next")
        call.vars[node.get("target_var")] = entry.target
        call.vars["vip_name"] = entry.name
        call.step("vip", detail={"by": "number" if entry.number else "class", "class": entry.customer_class or "",
                                 "target": entry.target})
        return node.get("vip")
