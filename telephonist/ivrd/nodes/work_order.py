"""The work_order node: what the caller gave the flow becomes a work order routed to its department."""
from __future__ import annotations

import os
import re
from datetime import timezone
from typing import TYPE_CHECKING

from telephonist.ivrd import db
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register
from telephonist.workorders.config import PRIORITIES, ConfigFile, config_path
from telephonist.workorders.store import NewOrder, OrderError, create

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node
    from telephonist.ivrd.services import IvrServices


@register
class WorkOrder(NodeType):
    """Create a work order of a type of workorders.toml (beside telephonist.toml) from the call: the
    caller's number, the call, the account the flow identified, and fields from the flow's variables.
        type = "work_order"
        order_type = "meter-reading"
        fields = { month = "${reading_month}", reading = "${reading}" }
        account = "${account}"            # the default
        unit = "${district}"              # optional: another unit than the type's department
        priority = "normal"
        next = "say_number"               # ${work_order} holds the new order's number
        on_fail = "operator"              # the type is unknown or a field is missing or wrong
    The order goes to its type's department (or `unit`) with the type's deadline for the priority."""
    name = "work_order"
    tag = "work_order"
    fields = (
        Field("order_type", "str", required=True, help="an order type id of workorders.toml"),
        Field("priority", "str", default="normal"),
        Field("title", "str", default=""),
        Field("description", "str", default=""),
        Field("fields", "str_map", default={}),
        Field("account", "str", default="${account}"),
        Field("caller_name", "str", default=""),
        Field("unit", "str", default=""),
        Field("next", "node"),
        Field("on_fail", "node", help="when the order is refused (unset: hang up)"),
    )

    def check(self, node: "Node", ctx: CheckContext) -> None:
        p = node.get("priority")
        if "${" not in p and p not in PRIORITIES:
            ctx.problem("priority", f"priority {p!r}: one of {', '.join(PRIORITIES)} (or a ${{variable}})")

    async def run(self, node: "Node", call: "Call") -> str | None:
        cfg = _config(call.services).get()
        new = NewOrder(type=str(call.expand(node.get("order_type"))), priority=str(call.expand(node.get("priority"))),
                       title=str(call.expand(node.get("title"))), description=str(call.expand(node.get("description"))),
                       fields={k: call.expand(v) for k, v in node.get("fields").items()},
                       caller_number=call.caller if re.fullmatch(r"\+?[0-9]{1,32}", call.caller or "") else "",
                       caller_name=str(call.expand(node.get("caller_name"))),
                       account=str(call.expand(node.get("account"))), call_id=call.call_id,
                       unit=str(call.expand(node.get("unit"))), source="ivr")
        when = call.now().astimezone(timezone.utc)
        call.mark_idle()
        try:
            order_id = await call.in_thread(db.write, call.services.engine, create, cfg, new, f"ivr:{call.flow.name}",
                                            when)
        except OrderError as exc:
            call.step("refused", detail={"order_type": new.type, "error": str(exc)})
            return node.get("on_fail")
        call.vars["work_order"] = str(order_id)
        call.step("ok", detail={"work_order": order_id, "order_type": new.type})
        return node.get("next")


def _config(services: "IvrServices") -> ConfigFile:
    folder = services.config_dir or os.path.dirname(os.path.abspath(services.settings.flows_dir))
    return services.shared("workorders.config", lambda: ConfigFile(config_path(folder)))
