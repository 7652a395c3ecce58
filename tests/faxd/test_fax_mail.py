"""A received fax is recorded before it is mailed: a station ID with CR/LF, or an SMTP server that is down,
loses no fax, and the mail goes when it can."""
import asyncio
import os

from telephonist.chand.routing import Route
from telephonist.faxd.service import FaxService, FaxSettings
from telephonist.faxd.store import FaxStore
from telephonist.mail import SmtpSettings
from telephonist.storage import migrate
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.fax_docs import make_fax_tiff
from tests.support.smtp_inbox import free_port, smtp_server


async def until(check, seconds: float = 60.0, what: str = "the condition"):
    """check()'s first true value, looked at every 20 ms for up to `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        found = check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        await asyncio.sleep(0.02)


async def start_faxd(chand, tmp_path, port: int, **kw):
    url = f"sqlite:///{tmp_path}/t.db"
    migrate(url)
    store = FaxStore(url)
    settings = FaxSettings(socket=chand.socket, database_url=url, spool_dir=str(tmp_path / "spool"), poll_s=0.02,
                           mailboxes={"sales": "sales@example.com"},
                           smtp=SmtpSettings("127.0.0.1", port, "fax@example.com"), **kw)
    service = FaxService(await chand.client("fax"), store, settings)
    task = asyncio.get_running_loop().create_task(service.run_jobs())
    return store, task


async def fax_in(chand, tester, doc: str, caller: str, ident: str = "", chan: str = "e1a/1") -> None:
    """A far end calls the fax number on `chan` and sends `doc`, introducing itself as `ident` (its TSI)."""
    r = await tester.call("sim.call", chan=chan, caller=caller, dialled="8008101234")
    await tester.wait_for("far", far=r["far"], what="connected", since=0)
    far = chand.board.far(r["far"])
    chand.board.engine.fax(far.chan, doc, send=True, calling=True, ident=ident)


async def test_a_station_id_with_cr_lf_is_recorded_and_mailed_on_one_line(tmp_path):
    doc = make_fax_tiff(tmp_path / "two.tif", pages=2)
    with smtp_server() as inbox:
        async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)],
                                 routes=[Route("fax:sales", dialled="8008*")]) as chand:
            store, task = await start_faxd(chand, tmp_path, inbox.port)
            tester = await chand.client("tester")
            await fax_in(chand, tester, doc, caller="", ident="AC\r\nBcc: x@ev.il")
            first = await until(lambda: store.faxes(), what="fax row")
            # faxd goes on with the next fax
            await fax_in(chand, tester, doc, caller="02155550000", ident="NEXT", chan="e1a/2")
            rows = await until(lambda: mailed if len(mailed := [f for f in store.faxes() if f["emailed_to"]]) == 2
                               else None, what="two mailed faxes")
            task.cancel()
    row = first[0]
    assert row["remote_ident"] == "AC Bcc: x@ev.il" and row["result_code"] == 0 and row["pages"] == 2
    assert os.path.getsize(row["pdf_path"]) > 0 and os.path.getsize(row["tiff_path"]) > 0
    assert {r["emailed_to"] for r in rows} == {"sales@example.com"} and not any(r["mail_error"] for r in rows)
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == ["Fax from 02155550000 (2 pages)", "Fax from AC Bcc: x@ev.il (2 pages)"]
    assert all(m["Bcc"] is None for m in inbox.messages)
    assert all(m["To"] == "sales@example.com" for m in inbox.messages)


async def test_a_fax_whose_mail_fails_is_kept_and_mailed_once_the_server_is_back(tmp_path):
    doc = make_fax_tiff(tmp_path / "one.tif", pages=1)
    port = free_port()                                  # nobody listens there yet
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)],
                             routes=[Route("fax:sales", dialled="8008*")]) as chand:
        store, task = await start_faxd(chand, tmp_path, port, mail_retry_s=0.1)
        tester = await chand.client("tester")
        await fax_in(chand, tester, doc, caller="02155550000", ident="SENDER")
        failed = await until(lambda: [f for f in store.faxes() if f["mail_error"]], what="failed mail")
        assert failed[0]["emailed_to"] is None and failed[0]["pdf_path"] and failed[0]["result_code"] == 0
        assert failed[0]["mail_to"] == "sales@example.com"
        with smtp_server(port) as inbox:
            mailed = await until(lambda: [f for f in store.faxes() if f["emailed_to"]], what="mail sent")
            msg, = inbox.messages
        task.cancel()
    assert mailed[0]["id"] == failed[0]["id"] and mailed[0]["mail_error"] is None
    att, = list(msg.iter_attachments())
    assert att.get_content_type() == "application/pdf" and att.get_content().startswith(b"%PDF")
