"""The work-order report from orders moved at known times: volume by type, unit and branch (a crew counts
under its branch), overdue (finished late, or open past the deadline at "now"), hours per state and the
branch comparison."""
from __future__ import annotations

from datetime import timedelta

from telephonist.storage.database import WRITE
from telephonist.workorders import reports, store
from telephonist.workorders.store import NewOrder
from tests.workorders.support import T0, write_config

H = timedelta(hours=1)


def test_volume_overdue_time_per_state_and_branches(engine, tmp_path):
    cfg = write_config(tmp_path)
    office = store.viewer(cfg, "admin", True, True)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        # a high repair (4 h): dispatched at once to the east crew, started after 1 h, done after 3 h more: on time
        a = store.create(conn, cfg, NewOrder("repair", "high", fields={"address": "x"}), "a", T0)
        store.move(conn, cfg, a, "dispatch", office, "", T0, unit="east-crew")
        store.move(conn, cfg, a, "start", office, "", T0 + H)
        store.move(conn, cfg, a, "finish", office, "ok", T0 + 4 * H)
        store.move(conn, cfg, a, "close", office, "", T0 + 5 * H)
        # an urgent repair (1 h) done after 2 h: late
        b = store.create(conn, cfg, NewOrder("repair", "urgent", fields={"address": "y"}), "a", T0)
        store.move(conn, cfg, b, "dispatch", office, "", T0 + H)
        store.move(conn, cfg, b, "start", office, "", T0 + H)
        store.move(conn, cfg, b, "finish", office, "ok", T0 + 2 * H)
        # a reading at the east branch, still accepted past its 8 h deadline at "now"
        store.create(conn, cfg, NewOrder("reading", "urgent", fields={"month": "3", "reading": "1"}), "a", T0)
        # created outside the period: not counted
        store.create(conn, cfg, NewOrder("complaint", fields={}), "a", T0 - 48 * H)
        rep = reports.build(conn, cfg, T0 - H, T0 + H, now=T0 + 10 * H)
    assert rep.total == 3 and dict(rep.by_type) == {"repair": 2, "reading": 1}
    assert dict(rep.by_unit) == {"east-crew": 1, "repair": 1, "east": 1}
    assert dict(rep.by_branch) == {"east": 2, "repair": 1}
    assert (rep.overdue, rep.overdue_open, round(rep.overdue_rate, 4)) == (2, 1, 0.6667)
    # accepted: a 0 h, b 1 h, the reading 10 h (still there); dispatched: a 1 h, b 0 h; in progress: 3 h and 1 h;
    # done: a 1 h until closed, b 8 h until now
    assert rep.state_hours == {"accepted": round(11 / 3, 2), "dispatched": 0.5, "in_progress": 2.0, "done": 4.5}
    assert rep.branches == [
        {"branch": "east", "name": "东区营业点", "volume": 2, "closed": 1, "overdue": 1, "overdue_rate": 0.5,
         "hours_to_done": 4.0},
        {"branch": "repair", "name": "维修部", "volume": 1, "closed": 0, "overdue": 1, "overdue_rate": 1.0,
         "hours_to_done": 2.0}]
