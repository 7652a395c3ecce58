"""The schedule node: office hours, nights and holidays go different ways."""
from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telephonist.ivrd import db
from telephonist.ivrd.nodes.fallthrough import FallthroughExits
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register
from telephonist.ivrd.schedules import Schedule, load_overrides

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node


@register
class ScheduleNode(FallthroughExits, NodeType):
    """Open, closed or holiday by a schedule of schedules.toml (hours per weekday, Chinese statutory
    holidays and make-up working days or a country's holidays, and the holiday overrides edited in the
    web admin), at the call's time (`call.now()`; a flow test fixes it per call):

        type = "schedule"
        schedule = "office"
        open = "menu"
        closed = "after_hours"
        holiday = "holiday_notice"     # unset: holidays go to `closed`

    Sets ${schedule_state} (open, closed or holiday) and ${holiday_name} (the holiday's or the
    make-up working day's name, "" on a normal day)."""
    name = "schedule"
    fields = (Field("schedule", "str", required=True, help="a [schedules.NAME] of schedules.toml"),
              Field("open", "node", required=True),
              Field("closed", "node", required=True),
              Field("holiday", "str", help="the node for holidays (unset: closed)"))
    fallthrough_exits = ("holiday",)

    def check(self, node: "Node", ctx: CheckContext) -> None:
        name = node.get("schedule")
        sched = ctx.schedules.get(name) if isinstance(ctx.schedules, dict) else None
        if sched is None:
            known = ", ".join(sorted(ctx.schedules)) or "none"
            ctx.problem("schedule", f"no schedule named {name!r} in schedules.toml (or it has errors); "
                        f"schedules: {known}")
            return
        node.compiled["schedule"] = sched

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        sched: Schedule | None = node.compiled.get("schedule")
        if sched is None:
            raise FlowRuntimeError(f"node {node.name!r}: schedule {node.get('schedule')!r} was not loaded")
        now = call.now()
        local_day = (now.astimezone(ZoneInfo(sched.time_zone)) if sched.time_zone else now).date()
        call.mark_idle()                       # a database read, not a wait on chand
        overrides = await call.in_thread(db.read, call.services.engine, load_overrides, local_day, sched.name)
        st = sched.state_at(now, overrides)
        call.vars["schedule_state"] = st.state
        call.vars["holiday_name"] = st.holiday
        call.step(st.state, detail={"schedule": sched.name, "at": st.local.isoformat(timespec="minutes"),
                                    "day": st.day_kind, "holiday": st.holiday})
        if st.state == "open":
            return node.get("open")
        if st.state == "holiday" and node.get("holiday"):
            return node.get("holiday")
        return node.get("closed")

