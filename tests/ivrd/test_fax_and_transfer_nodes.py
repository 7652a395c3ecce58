"""The nodes that send a call on: fax on demand through faxd (the caller picks the document in the
flow and gets it on the same call), and a transfer to an agent's extension."""
from __future__ import annotations

import asyncio

from telephonist.chand.assembly import TrunkGroupSpec
from telephonist.faxd.service import FaxService, FaxSettings
from telephonist.faxd.store import FaxStore
from tests.support.chand_harness import SpanSpec
from tests.support.fax_docs import pages_of
from tests.support.ivrd_harness import running_ivrd

FAX_FLOW = """
[flow]
numbers = ["4008*"]

[nodes.which]
type = "collect"
prompts = "en/fax-document.wav"
var = "document"
min_digits = 3
max_digits = 3
next = "send"

[nodes.send]
type = "fax"
tag = "fax_on_demand"
document = "${document}"
mode = "same_call"
"""


async def test_fax_on_demand_chosen_in_the_flow_arrives_on_the_same_call(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "205.txt").write_text("Premium rates 2026\n" * 70)          # two pages
    # faxd renders the document in a thread, which does not hold a lockstep clock: 20 x real time keeps
    # the caller's fax machine from timing out meanwhile
    async with running_ivrd(tmp_path, {"fax.toml": FAX_FLOW}, ["en/fax-document.wav", "en/fax-press-start.wav"],
                            speed=20.0) as ivr:
        store = FaxStore(ivr.db_url)
        faxd = FaxService(await ivr.chand.client("fax"), store, FaxSettings(
            socket=ivr.chand.socket, database_url=ivr.db_url, spool_dir=str(tmp_path / "spool"),
            documents_dir=str(docs), poll_s=0.05))
        tester = ivr.caller.tester
        received = str(tmp_path / "caller-fax.tif")

        async def press_start(ev):          # the caller hears "press start" and does
            if ev.get("what") == "handoff" and ev.get("to") == "fax:demand":
                await tester.call("sim.fax", far=ev["chan"] + "~far", direction="receive", path=received,
                                  calling=False)
        ivr.caller.monitor.on("call_event", press_start)
        out = await ivr.call([{"press": "205"}])
        for _ in range(600):
            if store.faxes():
                break
            await asyncio.sleep(0.05)
        row = store.faxes()[0]
        assert row["mailbox"] == "demand" and row["result_code"] == 0 and row["pages"] == 2
        assert len(pages_of(received)) == 2
        session = ivr.session(out.call_id)
        assert (session["outcome"], session["outcome_detail"]) == ("fax", "205")
        assert ivr.steps(out.call_id) == [("which", "205", "ok"), ("send", None, "ok")]
        store.close()
        del faxd


TRANSFER_FLOW = """
[flow]
numbers = ["4008*"]

[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "0" = "agent" }

[nodes.agent]
type = "transfer"
prompts = "zh/hold.wav"
to = "ext:8002"
on_fail = "busy"

[nodes.busy]
type = "hangup"
prompts = "zh/busy.wav"
"""


async def test_transfer_to_an_extension_rings_that_phone(tmp_path):
    spans = [SpanSpec("e1a", "e1", 4), SpanSpec("phones", "fxs", 2, extensions=["8001", "8002"])]
    async with running_ivrd(tmp_path, {"main.toml": TRANSFER_FLOW}, ["zh/menu.wav", "zh/hold.wav", "zh/busy.wav"],
                            spans=spans, trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])],
                            ivrd={"extensions_trunk_group": "agents"}) as ivr:
        tester = ivr.caller.tester
        rang = asyncio.get_running_loop().create_future()

        async def phone(ev):
            if ev.get("what") == "state" and ev["chan"].startswith("phones/") and ev.get("state") == "proceeding" \
                    and not rang.done():
                rang.set_result(ev["chan"])
        ivr.caller.monitor.on("call_event", phone)
        call = asyncio.get_running_loop().create_task(ivr.call([{"press": "0"}]))
        assert await asyncio.wait_for(rang, 30) == "phones/2"          # extension 8002, not any free phone
        await tester.call("sim.hangup", far="e1a/1~far")
        out = await asyncio.wait_for(call, 30)
        session = ivr.session(out.call_id)
        assert (session["outcome"], session["outcome_detail"]) == ("extension", "8002")
        assert out.prompts == ["zh/menu.wav", "zh/hold.wav"]
