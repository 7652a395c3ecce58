"""faxd over a day's worth of calls: what its client and service hold does not grow with the traffic."""
import asyncio
import gc
import sys

import pytest

from telephonist.chand.routing import Route
from telephonist.client import RECENT_EVENTS, Client
from telephonist.faxd.service import FaxService, FaxSettings
from telephonist.faxd.store import FaxStore
from telephonist.storage import migrate
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.fax_docs import make_fax_tiff

CHANNELS = 30


async def calls(tester: Client, faxd: Client, first: int, count: int) -> None:
    """`count` callers reach the fax number and hang up once faxd has answered (they never send a page)."""
    for i in range(first, first + count):
        chan = f"e1a/{i % CHANNELS + 1}"
        mark = faxd.mark()
        r = await tester.call("sim.call", chan=chan, caller=f"021{i:08d}", dialled="8008101234")
        await faxd.wait_for("answered", chan=chan, since=mark)
        await tester.call("sim.hangup", far=r["far"])
        await faxd.wait_for("ended", chan=chan, since=mark)


def live_blocks() -> int:
    """Memory blocks the whole process (chand, faxd, the callers) holds, after a collection."""
    gc.collect()
    return sys.getallocatedblocks()


@pytest.mark.long
async def test_faxd_memory_stays_flat_over_thousands_of_calls(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    migrate(url)
    store = FaxStore(url)
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", CHANNELS)],
                             routes=[Route("fax:sales", dialled="8008*")]) as chand:
        # connected as faxd connects (telephonist faxd), not as a test client that keeps every event
        faxd = await Client.connect_unix(chand.socket, app="fax")
        tester = await Client.connect_unix(chand.socket, app="tester")
        chand.clients += [faxd, tester]
        service = FaxService(faxd, store, FaxSettings(socket=chand.socket, database_url=url,
                                                      spool_dir=str(tmp_path / "spool"), poll_s=0.05))
        jobs = asyncio.get_running_loop().create_task(service.run_jobs())
        await calls(tester, faxd, 0, 600)                       # past the history's bound: its steady state
        before = live_blocks()
        await calls(tester, faxd, 600, 1500)
        after = live_blocks()
        seen = faxd.events.end
        # a real fax after all that: faxd still follows its calls
        doc = make_fax_tiff(tmp_path / "one.tif", pages=1)
        mark = tester.mark()
        r = await tester.call("sim.call", chan="e1a/1", caller="02155550000", dialled="8008101234")
        await tester.wait_for("far", far=r["far"], what="connected", since=mark)
        await tester.call("sim.fax", far=r["far"], direction="send", path=doc, calling=True)
        await faxd.wait_for("ended", chan="e1a/1", since=seen, timeout=60)
        jobs.cancel()
    assert seen >= 4 * 2100 and len(faxd.events) == RECENT_EVENTS
    assert service.inbound == {} and faxd._waiters == [] and len(faxd._pending) == 0
    # 1,500 calls kept would be 6,000 more events of about 10 blocks each (measured: a few dozen either way)
    assert after - before < 2000, (before, after)
    fax, = store.faxes()
    assert fax["result_code"] == 0 and fax["pages"] == 1 and fax["caller"] == "02155550000"
