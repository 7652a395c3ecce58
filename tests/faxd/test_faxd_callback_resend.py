"""Fax on demand by call-back, and `telephonist fax list|show|resend` on a job whose number failed, with
faxd on sim spans and the far ends as real fax terminals."""
import asyncio
import subprocess
import sys

import pytest

from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.faxd.test_faxd import start_faxd
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.fax_docs import pages_of

pytestmark = pytest.mark.slow        # whole fax transfers by call-back: `make test` runs it, `make test-fast` does not


async def job_settled(store, job_id: int, seconds: float = 120.0) -> dict:
    for _ in range(int(seconds / 0.05)):
        j = store.job(job_id)
        if j and j["state"] != "active":
            return j
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still active: {store.job(job_id)}")


async def test_fax_on_demand_by_call_back_to_the_number_the_caller_entered(tmp_path):
    from telephonist.prompts import ensure_prompts, tools_available
    assert tools_available(), "espeak-ng and sox are needed (scripts/bootstrap.sh installs them)"
    url = f"sqlite:///{tmp_path}/t.db"
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "205.txt").write_text("Price list 2026\n" * 70)       # two pages
    spans = [SpanSpec("pstn", "fxo", 1), SpanSpec("e1a", "e1", 2)]
    async with running_chand(tmp_path, spans, default_route="app:ivr", speed=20.0,
                             trunk_groups=[TrunkGroupSpec("fax-out", ["e1a/*"])],
                             numbers=[NumberBehaviour("6688*", "fax", after_rings=1)]) as chand:
        ensure_prompts(chand.board.media.prompts_dir, ["en/fax-queued"])
        store, service, task = await start_faxd(chand, tmp_path, url, documents_dir=str(docs),
                                                demand_trunk_group="fax-out")
        ivr = await chand.client("ivr")

        async def on_offer(ev):
            # what ivrd's fax node does once the caller chose the document and keyed a fax number
            await ivr.call("answer", chan=ev["chan"])
            await ivr.call("handoff", chan=ev["chan"], app="fax:demand",
                           data={"document": "205", "mode": "callback", "fax_number": "66880001",
                                 "caller": ev["caller"]})
        ivr.on("offer", on_offer)
        tester = await chand.client("tester")
        r = await tester.call("sim.call", chan="pstn/1", caller="13500002222")
        await tester.wait_for("far", far=r["far"], what="released", since=0, timeout=60)   # told, then hung up

        for _ in range(2400):
            jobs = store.jobs()
            if jobs:
                break
            await asyncio.sleep(0.05)
        [job] = jobs
        j = await job_settled(store, job["id"])
        task.cancel()
        assert (j["state"], j["document"], j["pages"], j["trunk_group"]) == ("done", "205", 2, "fax-out")
        [rcpt] = j["recipients"]
        assert (rcpt["number"], rcpt["state"], rcpt["pages_sent"], rcpt["attempts"]) == ("66880001", "sent", 2, 1)
        assert chand.board.sim.calls_to == {"66880001": 1}
        far = next(f for f in chand.board.sim.by_chan.values() if f.dialled == "66880001")
        assert len(pages_of(far.fax_path)) == 2          # what the caller's fax machine printed


async def test_resend_after_a_failed_number_and_the_operators_commands(tmp_path):
    url = f"sqlite:///{tmp_path}/s/t.db"
    (tmp_path / "s").mkdir()
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(f'[system]\nstate_dir = "s"\n[database]\nurl = "{url}"\n[faxd]\nspool_dir = "s/fax"\n'
                   f'trunk_group = "fax-out"\n')
    doc = tmp_path / "memo.txt"
    doc.write_text("Meeting moved to Friday.\n")

    def fax(*args):
        return subprocess.run([sys.executable, "-m", "telephonist.cli", "fax", "--config", str(cfg), *args],
                              capture_output=True, text=True, timeout=120)

    plan = [NumberBehaviour("66880002", "fax", after_rings=1, busy_first=1),
            NumberBehaviour("6688*", "fax", after_rings=1)]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], numbers=plan,
                             trunk_groups=[TrunkGroupSpec("fax-out", ["e1a/*"])]) as chand:
        r = await asyncio.to_thread(fax, "send", str(doc), "--to", "66880001", "--to", "66880002",
                                    "--retries", "1", "--json")
        assert r.returncode == 0, r.stderr
        store, service, task = await start_faxd(chand, tmp_path, url)
        j = await job_settled(store, 1)
        by = {x["number"]: x for x in j["recipients"]}
        assert (by["66880001"]["state"], by["66880002"]["state"]) == ("sent", "failed"), by
        assert "busy" in by["66880002"]["last_result"]

        shown = await asyncio.to_thread(fax, "show", "1")
        assert "66880002" in shown.stdout and "failed" in shown.stdout
        listed = await asyncio.to_thread(fax, "list")
        assert "memo.txt" in listed.stdout
        again = await asyncio.to_thread(fax, "resend", "1")
        assert again.returncode == 0 and "1 recipient(s) queued again" in again.stdout
        j = await job_settled(store, 1)
        task.cancel()
        by = {x["number"]: x for x in j["recipients"]}
        assert (j["state"], by["66880002"]["state"], by["66880002"]["pages_sent"]) == ("done", "sent", 1)
        # the number that had it already was not called again
        assert chand.board.sim.calls_to == {"66880001": 1, "66880002": 2}
        missing = await asyncio.to_thread(fax, "resend", "99")
        assert missing.returncode == 2 and "no job 99" in missing.stderr
