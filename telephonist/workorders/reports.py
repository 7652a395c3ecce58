"""The work-order report of a period (orders created in it): volume by type, unit and branch; overdue count
and rate; the average time orders spend in each state; the branch comparison (per branch: volume, closed,
overdue, rate, average hours to done).

An order counts as overdue when it was finished (done) after its deadline, or is still open past it at
`now`. Times in a state come from the moves in wo_history: from the move into a state to the next move
(an order still in a state counts up to `now`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.schema import history, orders
from telephonist.workorders.workflow import FINAL_STATES, MOVES, OPEN_STATES, State

MOVE_ACTIONS = frozenset(MOVES) | {"create"}


@dataclass
class Report:
    total: int = 0
    by_type: Counter = field(default_factory=Counter)
    by_unit: Counter = field(default_factory=Counter)
    by_branch: Counter = field(default_factory=Counter)
    overdue: int = 0
    overdue_open: int = 0
    state_hours: dict[str, float] = field(default_factory=dict)       # state -> average hours spent in it
    branches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue_rate(self) -> float:
        return self.overdue / self.total if self.total else 0.0


def build(conn: Connection, cfg: WorkOrderConfig, since: datetime, until: datetime, now: datetime) -> Report:
    rows = conn.execute(select(orders.c.id, orders.c.type, orders.c.unit, orders.c.state, orders.c.due_at)
                        .where(orders.c.created_at >= since, orders.c.created_at < until)).all()
    moves: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    if rows:
        q = (select(history.c.order_id, history.c.at, history.c.to_state)
             .join(orders, orders.c.id == history.c.order_id)
             .where(orders.c.created_at >= since, orders.c.created_at < until, history.c.to_state.is_not(None))
             .order_by(history.c.order_id, history.c.at, history.c.id))
        for h in conn.execute(q):
            moves[h.order_id].append((h.at, h.to_state))
    rep = Report(total=len(rows))
    spent: dict[str, list[float]] = defaultdict(list)
    per_branch: dict[str, dict[str, Any]] = defaultdict(lambda: {"volume": 0, "closed": 0, "overdue": 0,
                                                                 "to_done": []})
    open_values = {s.value for s in OPEN_STATES}
    for o in rows:
        branch = cfg.branch_of(o.unit)
        rep.by_type[o.type] += 1
        rep.by_unit[o.unit] += 1
        rep.by_branch[branch] += 1
        b = per_branch[branch]
        b["volume"] += 1
        seq = moves.get(o.id, [])
        done_at = next((at for at, st in seq if st == State.DONE.value), None)
        late = (done_at is not None and done_at > o.due_at) or (done_at is None and o.state in open_values
                                                               and o.due_at <= now)
        if late:
            rep.overdue += 1
            b["overdue"] += 1
            rep.overdue_open += done_at is None
        if o.state == State.CLOSED.value:
            b["closed"] += 1
        if done_at is not None and seq:
            b["to_done"].append((done_at - seq[0][0]).total_seconds() / 3600)
        for (at, st), nxt in zip(seq, seq[1:] + [(None, None)]):
            if st in {s.value for s in FINAL_STATES}:
                continue
            end = nxt[0] or now
            spent[st].append(max(0.0, (end - at).total_seconds() / 3600))
    rep.state_hours = {s.value: round(sum(spent[s.value]) / len(spent[s.value]), 2)
                       for s in State if spent.get(s.value)}
    for bid, b in sorted(per_branch.items()):
        rep.branches.append({"branch": bid, "name": cfg.units[bid].name if bid in cfg.units else bid,
                             "volume": b["volume"], "closed": b["closed"], "overdue": b["overdue"],
                             "overdue_rate": round(b["overdue"] / b["volume"], 4) if b["volume"] else 0.0,
                             "hours_to_done": round(sum(b["to_done"]) / len(b["to_done"]), 2) if b["to_done"]
                             else None})
    return rep


def table(rep: Report, cfg: WorkOrderConfig) -> list[list[Any]]:
    """The report as rows for CSV/XLSX: section, key, name, figures."""
    out: list[list[Any]] = [["section", "key", "name", "volume", "closed", "overdue", "overdue_rate",
                             "hours"]]
    out.append(["total", "", "", rep.total, "", rep.overdue, round(rep.overdue_rate, 4), ""])
    for k, n in rep.by_type.most_common():
        out.append(["type", k, cfg.types[k].name if k in cfg.types else k, n, "", "", "", ""])
    for k, n in rep.by_unit.most_common():
        out.append(["unit", k, cfg.units[k].name if k in cfg.units else k, n, "", "", "", ""])
    for b in rep.branches:
        out.append(["branch", b["branch"], b["name"], b["volume"], b["closed"], b["overdue"], b["overdue_rate"],
                    b["hours_to_done"] if b["hours_to_done"] is not None else ""])
    for st, h in rep.state_hours.items():
        out.append(["state", st, st, "", "", "", "", h])
    return out
