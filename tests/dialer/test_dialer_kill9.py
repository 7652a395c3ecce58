"""`telephonist dialer` as its own process, killed with SIGKILL while its calls ring: the restarted dialer
settles what the killed one left and finishes the campaign, and no attempt is dialled twice."""
import textwrap

import pytest

from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.storage import migrate
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.daemon_process import Daemon

pytestmark = pytest.mark.slow        # a daemon killed and restarted: `make test` runs it, `make test-fast` does not
ALWAYS = {"hours": {"mon-sun": "00:00-24:00"}, "holiday_hours": "00:00-24:00"}     # any day the test runs on
STRATEGY = {"windows": {"default": ALWAYS}, "max_attempts": 2, "min_interval_s": 30, "retry": {"no_answer": 30,
                                                                                                "busy": 30}, "batch": 4}
LIST = "phone\n13700000001\n13700000002\n13700000003\n13900000001\n"


async def test_kill9_while_calls_ring(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "{db_url}"
        [control]
        socket = "{tmp_path / 'chand.sock'}"
        """))
    migrate(db_url)
    store = DialerStore(db_url)
    cid = store.create_campaign("renewals", "notice", "agentless", "renewal", "out", STRATEGY)
    header, rows = read_table("list.csv", LIST.encode())
    import_rows(store.engine, cid, header, rows, {"phones": "phone"})
    store.set_state(cid, "running")
    numbers = [NumberBehaviour("137*", "no_answer"), NumberBehaviour("139*", "busy")]
    async with running_chand(tmp_path, [SpanSpec("pstn", "e1", 4)], db_url=db_url, numbers=numbers,
                             trunk_groups=[TrunkGroupSpec("out", ["pstn/*"])]) as chand:
        watcher = await chand.client("watcher")
        await watcher.call("subscribe", lines=True, topics=["dialer"])
        m = watcher.mark()
        daemon = Daemon("dialer", str(conf))
        try:
            await daemon.ready()
            await watcher.wait_for(lambda e: e.get("event") == "line_state" and e.get("state") == "proceeding",
                                   since=m, timeout=60)
            daemon.kill()                                   # SIGKILL while its calls ring
            m = watcher.mark()
            daemon = Daemon("dialer", str(conf))
            await daemon.ready()
            await watcher.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") ==
                                   "campaign_finished", since=m, timeout=90)
            await chand.board.recorder.drain()
        finally:
            daemon.stop()
    with store.engine.connect() as conn:
        import sqlalchemy as sa
        legs = conn.execute(sa.text("SELECT call_id, COUNT(*) AS n FROM call_legs GROUP BY call_id")).all()
        attempts = conn.execute(sa.text("SELECT id, record_id, state, outcome FROM dl_attempts")).all()
        records = conn.execute(sa.text("SELECT state, attempts FROM dl_records")).all()
    store.close()
    assert legs and all(leg.n == 1 for leg in legs), (legs, attempts)     # no attempt dialled twice
    assert {leg.call_id for leg in legs} <= {f"dl-{a.id}" for a in attempts}
    assert all(a.state == "done" and a.outcome for a in attempts), attempts     # each settled, the killed too
    assert [(r.state, r.attempts) for r in records] == [("exhausted", 2)] * 4, (records, attempts)
