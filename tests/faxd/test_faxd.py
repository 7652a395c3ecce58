"""faxd on sim spans with the far end as a real fax terminal: inbound to PDF and e-mail, a broadcast with
retries, and documents that cannot be faxed."""
import asyncio
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from PIL import Image

from telephonist.chand.routing import Route
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.faxd.documents import DocumentError, render_to_tiff
from telephonist.mail import SmtpSettings
from telephonist.faxd.service import FaxService, FaxSettings
from telephonist.faxd.store import FaxStore
from telephonist.storage import migrate
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.fax_docs import differing_pixels, make_fax_tiff, pages_of


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        data = envelope.content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(data, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    ctl.start()
    yield inbox, port
    ctl.stop()


async def first_fax(store, seconds: float = 60.0) -> dict:
    """The one fax message faxd records (received, or sent on demand), waiting for it."""
    for _ in range(int(seconds / 0.05)):
        rows = store.faxes()
        if rows:
            assert len(rows) == 1, rows
            return rows[0]
        await asyncio.sleep(0.05)
    raise AssertionError("faxd recorded no fax")


async def start_faxd(chand, tmp_path, url, **kw):
    migrate(url)
    store = FaxStore(url)
    client = await chand.client("fax")
    settings = FaxSettings(socket=chand.socket, database_url=url, spool_dir=str(tmp_path / "spool"), poll_s=0.05, **kw)
    service = FaxService(client, store, settings)
    task = asyncio.get_running_loop().create_task(service.run_jobs())
    return store, service, task


async def test_inbound_fax_becomes_pdf_in_its_mailbox_and_email(tmp_path, smtp):
    inbox, port = smtp
    url = f"sqlite:///{tmp_path}/t.db"
    doc = make_fax_tiff(tmp_path / "three.tif", pages=3)
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)],
                             routes=[Route("fax:sales", dialled="8008*")]) as chand:
        store, service, task = await start_faxd(chand, tmp_path, url, mailboxes={"sales": "sales@example.com"},
                                                smtp=SmtpSettings("127.0.0.1", port, "fax@example.com"))
        tester = await chand.client("tester")
        r = await tester.call("sim.call", chan="e1a/1", caller="02155550000", dialled="8008101234")
        await tester.wait_for("far", far=r["far"], what="connected", since=0)
        await tester.call("sim.fax", far=r["far"], direction="send", path=doc, calling=True)
        row = await first_fax(store)
        for _ in range(1200):                  # the row comes first, then the mail, then its note in the row
            if store.fax(row["id"])["emailed_to"]:
                break
            await asyncio.sleep(0.05)
        row = store.fax(row["id"])
        task.cancel()
        assert row["mailbox"] == "sales" and row["pages"] == 3 and row["result_code"] == 0
        assert row["caller"] == "02155550000" and row["emailed_to"] == "sales@example.com"
        with Image.open(row["pdf_path"].replace(".pdf", ".tif")) as im:
            assert im.n_frames == 3
        for a, b in zip(pages_of(doc), pages_of(row["tiff_path"])):
            assert differing_pixels(a, b) == 0
        msg, = inbox.messages
        att, = list(msg.iter_attachments())
        assert att.get_content_type() == "application/pdf" and att.get_content().startswith(b"%PDF")
        assert "3 pages" in msg["Subject"]


async def test_broadcast_retries_busy_numbers_and_sends_each_once(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    numbers = [f"6688{i:04d}" for i in range(20)]
    busy_first = set(numbers[:5])
    plan = [NumberBehaviour(n, "fax", after_rings=1, busy_first=1) for n in busy_first] + \
           [NumberBehaviour("6688*", "fax", after_rings=1)]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 8)], numbers=plan,
                             trunk_groups=[TrunkGroupSpec("fax-out", ["e1a/*"])]) as chand:
        store, service, task = await start_faxd(chand, tmp_path, url, max_sending=6)
        doc = make_fax_tiff(tmp_path / "one.tif", pages=1)
        tiff = str(tmp_path / "job.tif")
        pages = render_to_tiff(doc, tiff)
        job = store.create_job(doc, tiff, pages, numbers, "fax-out", "88880000", max_attempts=3, retry_interval_s=1)
        for _ in range(2400):
            j = store.job(job)
            if j["state"] != "active":
                break
            await asyncio.sleep(0.05)
        task.cancel()
        assert j["state"] == "done", j
        by = {r["number"]: r for r in j["recipients"]}
        assert all(r["state"] == "sent" and r["pages_sent"] == 1 for r in by.values())
        assert {n for n, r in by.items() if r["attempts"] == 2} == busy_first
        assert all(r["attempts"] == 1 for n, r in by.items() if n not in busy_first)
        # every number took exactly one successful fax call
        assert chand.board.sim.calls_to == {n: (2 if n in busy_first else 1) for n in numbers}


def test_documents_that_cannot_be_faxed_are_refused_clearly(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(DocumentError, match="not a readable PDF"):
        render_to_tiff(str(bad), str(tmp_path / "x.tif"))
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DocumentError, match="not a PDF, an image or UTF-8 text"):
        render_to_tiff(str(binary), str(tmp_path / "y.tif"))
    text = tmp_path / "note.txt"
    text.write_text("传真测试 fax test\n" * 80)
    assert render_to_tiff(str(text), str(tmp_path / "t.tif")) == 2
    with Image.open(tmp_path / "t.tif") as im:
        assert im.size[0] == 1728 and im.mode == "1"


@pytest.mark.long
def test_fax_send_command_renders_a_pdf_and_queues_the_job(tmp_path):
    import subprocess
    import sys
    pdf = tmp_path / "letter.pdf"
    pages = [Image.new("RGB", (1240, 1754), "white") for _ in range(2)]
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=150)
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text('[system]\nstate_dir = "s"\n[database]\nurl = "sqlite:///s/t.db"\n[faxd]\nspool_dir = "s/fax"\n'
                   'trunk_group = "out"\n')
    (tmp_path / "s").mkdir()
    run = lambda *a: subprocess.run([sys.executable, "-m", "telephonist.cli", "fax", "--config", str(cfg), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    r = run("send", str(pdf), "--to", "123", "--to", "456", "--json")
    assert r.returncode == 0, r.stderr
    assert '"pages": 2' in r.stdout and '"recipients": 2' in r.stdout
    r = run("show", "1")
    assert "123" in r.stdout and "pending" in r.stdout
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    r = run("send", str(bad), "--to", "123")
    assert r.returncode == 2 and "not a readable PDF" in r.stderr


async def test_a_fax_tone_on_a_voice_call_sends_the_call_to_fax(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    doc = make_fax_tiff(tmp_path / "two.tif", pages=2)
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)], default_route="app:desk") as chand:
        chand.board.fax_route = "fax:inbox"
        store, service, task = await start_faxd(chand, tmp_path, url)
        desk = await chand.client("desk")

        async def on_offer(ev):
            await desk.call("answer", chan=ev["chan"])
            await desk.call("play", chan=ev["chan"], items=[{"tone": "dial", "ms": 30000}])   # a long greeting
        desk.on("offer", on_offer)
        tester = await chand.client("tester")
        r = await tester.call("sim.call", chan="pstn/1", caller="02166667777")
        await tester.wait_for("far", far=r["far"], what="connected", since=0)
        await tester.call("sim.fax", far=r["far"], direction="send", path=doc, calling=True)
        row = await first_fax(store)
        task.cancel()
        assert row["mailbox"] == "inbox" and row["pages"] == 2 and row["result_code"] == 0
        assert row["caller"] == "02166667777"
        offers = [e for e in desk.events if e.get("event") == "offer"]
        assert len(offers) == 1          # the desk had the call first; the fax tone took it away


async def test_fax_on_demand_on_the_same_call_after_an_ivr_handoff(tmp_path):
    """ivrd's fax node hands the caller over with the chosen document; faxd sends it on the same call."""
    from telephonist.prompts import ensure_prompts, tools_available
    assert tools_available(), "espeak-ng and sox are needed (scripts/bootstrap.sh installs them)"
    url = f"sqlite:///{tmp_path}/t.db"
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "101.txt").write_text("Gas tariff 2026\n" * 70)      # two pages
    # work done in threads (rendering) does not hold a lockstep clock: keep it to 20 x real time, so the
    # caller's fax machine does not time out (T.30 T1, 35 s) while the document is made
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)], default_route="app:ivr", speed=20.0) as chand:
        ensure_prompts(chand.board.media.prompts_dir, ["en/fax-press-start"])
        store, service, task = await start_faxd(chand, tmp_path, url, documents_dir=str(docs))
        ivr = await chand.client("ivr")

        async def on_offer(ev):
            await ivr.call("answer", chan=ev["chan"])
            await ivr.call("handoff", chan=ev["chan"], app="fax:demand",
                           data={"document": "101", "mode": "same_call"})
        ivr.on("offer", on_offer)
        tester = await chand.client("tester")
        r = await tester.call("sim.call", chan="pstn/1", caller="13500001111")
        far = r["far"]
        await tester.wait_for("far", far=far, what="connected", since=0)
        received = str(tmp_path / "caller-fax.tif")
        # the caller presses start: their machine answers our transmission as the called side
        await tester.call("sim.fax", far=far, direction="receive", path=received, calling=False)
        row = await first_fax(store)
        task.cancel()
        assert row["mailbox"] == "demand" and row["result_code"] == 0 and row["pages"] == 2
        assert row["caller"] == "13500001111"
        assert len(pages_of(received)) == 2
        await tester.wait_for("far", far=far, what="released", since=0, timeout=30)   # faxd hung up after it
