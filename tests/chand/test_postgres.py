"""chand's call records on PostgreSQL: the same call flow as on SQLite, end to end."""

import pytest

from telephonist.chand.routing import Route
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


@pytest.mark.postgres
async def test_calls_are_recorded_on_postgresql(tmp_path, postgres_url):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], routes=[Route("app:desk")], records=True,
                             db_url=postgres_url) as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")

        async def on_offer(ev):
            await desk.call("answer", chan=ev["chan"])
        desk.on("offer", on_offer)
        for i in range(3):
            r = await tester.call("sim.call", chan=f"e1a/{i + 1}", caller=f"1390000{i}", dialled="4008001234")
            await tester.wait_for("far", far=r["far"], what="connected", since=0)
            await tester.call("sim.dtmf", far=r["far"], digits="12")
            await desk.wait_for("dtmf", chan=f"e1a/{i + 1}", digit="2", since=0)
            await tester.call("sim.hangup", far=r["far"])
            await desk.wait_for("ended", chan=f"e1a/{i + 1}", since=0)
        await chand.board.recorder.drain()
        legs = await chand.store.recent(10)
        assert sorted(leg.caller for leg in legs) == ["13900000", "13900001", "13900002"]
        assert {leg.disposition for leg in legs} == {"answered"} and all(leg.talk_ms is not None for leg in legs)
        kinds = [e.kind for e in await chand.store.events(legs[0].id)]
        assert kinds.count("dtmf") == 2
