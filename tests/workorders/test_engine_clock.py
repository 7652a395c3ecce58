"""Deadlines on the calls' clock: with chand's engine clock run ahead (a fast clock for a while), an order whose
deadline the engine time has passed is overdue in the console's report and reminded by `telephonist workorders
sweep`, while the wall clock is still before its deadline. Without chand, the sweep takes the wall clock and
says so in the log."""
from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime

from sqlalchemy import text

from telephonist.chand.assembly import SpanSpec
from telephonist.cli import main
from telephonist.engine import Clock
from telephonist.storage import migrate
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.support.chand_harness import running_chand
from tests.webadmin.support import FAST_HASH, login, make_users, page_csrf
from tests.webadmin.wo_support import use_workorders
from tests.workorders.support import GAS

DEADLINE_S = 180                               # the repair type's urgent deadline: 0.05 h
SHORT = GAS.replace("deadline_h = { low = 72, normal = 24, high = 4, urgent = 1 }",
                    "deadline_h = { low = 72, normal = 24, high = 4, urgent = 0.05 }")


async def test_the_engine_clock_makes_an_order_overdue_before_the_wall_clock_does(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)], clock=Clock.REALTIME) as chand:
        (tmp_path / "recordings").mkdir(exist_ok=True)
        toml = tmp_path / "telephonist.toml"
        toml.write_text(f'[database]\nurl = "{url}"\n\n[control]\nsocket = "{chand.socket}"\n', encoding="utf-8")
        app = await asyncio.to_thread(create_app, WebConfig(
            database_url=url, control_socket=chand.socket, recordings_dir=str(tmp_path / "recordings"),
            config_path=str(toml), live_feed=True, testing=True, password_method=FAST_HASH))
        feed = app.extensions["chand_feed"]
        try:
            make_users(app)
            use_workorders(app, tmp_path, SHORT)
            assert await asyncio.to_thread(feed.wait_connected, 15)
            client = app.test_client()

            def create() -> int:
                login(client, "super")
                r = client.post("/workorders/new", data={"csrf_token": page_csrf(client, "/workorders/new"),
                                                         "type": "repair", "priority": "urgent", "f_address": "x"})
                assert r.status_code == 302, r.get_data(as_text=True)
                return int(re.search(r"/workorders/(\d+)", r.headers["Location"]).group(1))

            def overdue() -> str:
                page = client.get("/workorders/report").get_data(as_text=True)
                return re.search(r'id="wo-overdue">(\d+)<', page).group(1)

            oid = await asyncio.to_thread(create)
            assert await asyncio.to_thread(overdue) == "0"

            # the engine clock runs ahead past the deadline (a chand timer says when), then real time again
            app_client = await chand.client("clock-driver")
            m = app_client.mark()
            await app_client.call("timer", ms=(DEADLINE_S + 60) * 1000, key="past-deadline")
            chand.core.engine.set_clock(Clock.FAST)
            await app_client.wait_for("timer", key="past-deadline", since=m)
            chand.core.engine.set_clock(Clock.REALTIME)

            with db.reading(app) as conn:
                due = conn.execute(text("SELECT due_at FROM wo_orders WHERE id = :i"), {"i": oid}).scalar_one()
            due = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
            due = due if due.tzinfo else due.replace(tzinfo=UTC)
            assert datetime.now(UTC) < due, "the wall clock passed the deadline: the test proves nothing"
            assert await asyncio.to_thread(overdue) == "1"
            listed = await asyncio.to_thread(lambda: client.get("/workorders/?overdue=1").get_data(as_text=True))
            assert listed.count('class="late"') == 1

            capsys.readouterr()
            assert await asyncio.to_thread(main, ["workorders", "--config", str(toml), "sweep", "--json"]) == 0
            done = json.loads(capsys.readouterr().out)
            assert done["reminded"] == [oid]
            assert datetime.fromisoformat(done["now"]) > due
        finally:
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()


def test_without_chand_the_sweep_takes_the_wall_clock_and_logs_it(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 't.db'}"
    toml = tmp_path / "telephonist.toml"
    toml.write_text(f'[database]\nurl = "{url}"\n\n[control]\nsocket = "{tmp_path / "gone.sock"}"\n',
                    encoding="utf-8")
    (tmp_path / "workorders.toml").write_text(GAS, encoding="utf-8")
    migrate(url)
    before = datetime.now(UTC)
    assert main(["workorders", "--config", str(toml), "sweep", "--json"]) == 0
    out, err = capsys.readouterr()
    assert before <= datetime.fromisoformat(json.loads(out)["now"]) <= datetime.now(UTC)
    assert re.search(r"WARNING telephonist.workorders event=workorders_clock_fallback clock=wall "
                     r"reason=chand at \S*gone.sock", err), err
