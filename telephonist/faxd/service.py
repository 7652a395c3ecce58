"""The fax service on chand's control API: receive to PDF and mailboxes; send jobs with retries.

Inbound: a route such as "fax:sales" offers the call with target "sales" (the
mailbox); faxd answers, receives (called side), turns the TIFF into a PDF,
stores it with its metadata and mails it to the mailbox's address.
Outbound: recipients are taken from the database when due (and marked
'sending' in the same transaction), dialled on the job's trunk group and sent
the document; busy, no answer or a failed transfer are retried after the
job's interval until its attempts are used up. State lives in the database,
so a restart of faxd or chand loses and repeats nothing already recorded.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telephonist.client import ApiCallError, Client
from telephonist.faxd.documents import DocumentError, tiff_to_pdf
from telephonist.faxd.fax_mail import FaxMailer, one_line
from telephonist.faxd.store import Due, FaxStore
from telephonist.mail import SmtpSettings

log = logging.getLogger("telephonist.faxd")


@dataclass
class FaxSettings:
    socket: str
    database_url: str
    spool_dir: str
    mailboxes: dict[str, str] = field(default_factory=dict)   # mailbox -> e-mail address
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    ident: str = "TELEPHONIST"
    header: str = "TELEPHONIST FAX"           # printed at the top of every page we send
    documents_dir: str = ""                    # fax on demand: documents named by number (101.pdf ...)
    demand_trunk_group: str = ""               # fax on demand by call-back: the trunk group to send on
    poll_s: float = 1.0
    max_sending: int = 4
    answer_timeout_s: float = 120.0
    fax_timeout_s: float = 900.0
    mail_retry_s: float = 300.0                # a fax whose e-mail failed is mailed again after this long ...
    mail_give_up_s: float = 172800.0           # ... while it is younger than this


class FaxService:
    def __init__(self, client: Client, store: FaxStore, settings: FaxSettings, mailer: FaxMailer | None = None) -> None:
        self.c = client
        self.store = store
        self.s = settings
        self.inbound: dict[str, dict[str, Any]] = {}
        self.sending = 0
        self.tasks: set[asyncio.Task] = set()
        self.confirming: dict[str, tuple[Due, dict]] = {}   # chan -> the send whose last page is awaited
        self.mailer = mailer or FaxMailer(store, settings.smtp, settings.mail_retry_s, settings.mail_give_up_s)
        client.on("offer", self._offer)
        client.on("fax_page", self._fax_page)
        client.on("answered", self._answered)
        client.on("fax_done", self._fax_done)
        client.on("ended", self._ended)

    # ---- inbound ----------------------------------------------------------------------------
    async def _offer(self, ev: dict[str, Any]) -> None:
        chan = ev["chan"]
        mailbox = ev.get("target") or "inbox"
        if mailbox == "demand":
            await self._demand(ev)
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = os.path.join(self.s.spool_dir, "in", mailbox, f"{stamp}-{ev.get('call_id', 'call')}.tif")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.inbound[chan] = {"mailbox": mailbox, "path": path, "caller": ev.get("caller", ""),
                              "dialled": ev.get("dialled", ""), "call_id": ev.get("call_id")}
        if ev.get("state") == "up":
            # a voice call on which a fax tone was heard: it is answered already
            await self._answered({"chan": chan})
            return
        try:
            await self.c.call("answer", chan=chan)
        except ApiCallError as exc:
            log.warning("event=fax_answer_failed chan=%s error=%s", chan, exc)
            self.inbound.pop(chan, None)

    async def _demand(self, ev: dict[str, Any]) -> None:
        from telephonist.faxd.demand import FaxOnDemand
        chan = ev["chan"]
        if ev.get("state") != "up":
            mark = self.c.mark()
            await self.c.call("answer", chan=chan)
            await self.c.wait_for("answered", chan=chan, since=mark, timeout=30)
        # its own task: it waits on events, which this handler's lane must keep delivering
        task = asyncio.get_running_loop().create_task(
            FaxOnDemand(self).run(chan, {**(ev.get("data") or {}), "caller": ev.get("caller", "")}))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answered(self, ev: dict[str, Any]) -> None:
        rx = self.inbound.get(ev["chan"])
        if rx is None:
            return
        try:
            await self.c.call("fax", chan=ev["chan"], direction="receive", path=rx["path"], calling=False,
                              ident=self.s.ident)
        except ApiCallError as exc:
            log.error("event=fax_receive_failed chan=%s error=%s", ev["chan"], exc)
            await self._hangup(ev["chan"])

    async def _fax_done(self, ev: dict[str, Any]) -> None:
        rx = self.inbound.pop(ev["chan"], None)
        if rx is None:
            return
        await self._hangup(ev["chan"])
        row = dict(direction="inbound", mailbox=rx["mailbox"], caller=one_line(rx["caller"]), dialled=rx["dialled"],
                   remote_ident=one_line(ev.get("remote_ident")), pages=ev.get("pages", 0),
                   bit_rate=ev.get("bit_rate", 0), ecm=bool(ev.get("ecm")), result_code=ev.get("code", -1),
                   result=ev.get("result", ""), call_id=rx["call_id"], tiff_path=rx["path"])
        pdf = rx["path"][:-4] + ".pdf"
        if ev.get("ok") and os.path.exists(rx["path"]) and await _pdf_of(rx["path"], pdf):
            row["pdf_path"] = pdf
            row["mail_to"] = self.s.mailboxes.get(rx["mailbox"]) or None
        # the row first: whatever happens to the mail, the fax is recorded (and the mail is tried again)
        fid = await asyncio.to_thread(self.store.add_fax, row)
        log.info("event=fax_received id=%s mailbox=%s pages=%s ok=%s", fid, rx["mailbox"], row["pages"], ev.get("ok"))
        if row.get("mail_to"):
            await self.mailer.deliver({**row, "id": fid})

    async def _ended(self, ev: dict[str, Any]) -> None:
        """A call that ended before its fax did (the caller hung up first): nothing more will come of it."""
        rx = self.inbound.pop(ev["chan"], None)
        if rx is not None:
            log.info("event=fax_call_ended_without_fax chan=%s mailbox=%s caller=%s", ev["chan"], rx["mailbox"],
                     one_line(rx["caller"]))

    async def _fax_page(self, ev: dict[str, Any]) -> None:
        """The receiver confirmed a page (MCF). The last one is the moment of delivery: record it now, in
        the handler, before the event is acknowledged, so that neither a crash nor the rest of the call
        can make faxd send a delivered fax again (a lockstep clock even waits for this commit)."""
        pending = self.confirming.get(ev["chan"])
        if pending is None:
            return
        due, state = pending
        if due.pages and ev.get("page", 0) >= due.pages and not state.get("recorded"):
            row = dict(direction="outbound", dialled=due.number, pages=ev["page"], bit_rate=ev.get("bit_rate", 0),
                       result_code=0, result="all pages confirmed by the receiver", tiff_path=due.tiff_path)
            state["outcome"] = await asyncio.to_thread(self.store.finish, due, True, row["result"], ev["page"], row)
            state["recorded"] = True

    async def _hangup(self, chan: str) -> None:
        try:
            await self.c.call("hangup", chan=chan)
        except ApiCallError:
            pass

    # ---- outbound -----------------------------------------------------------------------------
    async def run_jobs(self) -> None:
        n = await asyncio.to_thread(self.store.recover)
        if n:
            log.warning("event=fax_sends_recovered count=%d", n)
        while not self.c.closed.is_set():
            await self.mailer.sweep_if_due()
            free = self.s.max_sending - self.sending
            if free > 0:
                for due in await asyncio.to_thread(self.store.take_due, free):
                    self.sending += 1
                    task = asyncio.get_running_loop().create_task(self._send(due))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(self.s.poll_s)

    async def _send(self, due: Due) -> None:
        try:
            await self._send_one(due)
        except Exception:
            log.exception("event=fax_send_crashed recipient=%s", due.recipient_id)
            await asyncio.to_thread(self.store.finish, due, False, "internal error", 0, None)
        finally:
            self.sending -= 1

    async def _send_one(self, due: Due) -> None:
        mark = self.c.mark()
        try:
            r = await self.c.call("dial", trunk_group=due.trunk_group, number=due.number, caller_id=due.caller_id,
                                  timeout_ms=int(self.s.answer_timeout_s * 1000))
        except ApiCallError as exc:
            if exc.code == "unavailable":
                await asyncio.to_thread(self.store.release, due, str(exc))
            else:
                await asyncio.to_thread(self.store.finish, due, False, str(exc), 0, None)
            return
        chan, call_id = r["chan"], r["call_id"]
        # this call's own events: the line's previous call may still be telling its end
        ev = await self.c.wait_for(lambda e: e.get("chan") == chan and e.get("call_id") == call_id
                                   and e["event"] in ("answered", "dial_failed", "ended"),
                                   timeout=self.s.answer_timeout_s + 30, since=mark)
        if ev["event"] != "answered":
            result = ev.get("disposition") or ev["event"]
            state = await asyncio.to_thread(self.store.finish, due, False, f"{result} ({ev.get('cause')})", 0, None)
            log.info("event=fax_attempt number=%s attempt=%s result=%s next=%s", due.number, due.attempts, result, state)
            return
        mark = self.c.mark()
        state: dict[str, Any] = {}
        self.confirming[chan] = (due, state)
        try:
            await self.c.call("fax", chan=chan, direction="send", path=due.tiff_path, calling=True,
                              ident=self.s.ident, header=self.s.header)
            done = await self.c.wait_for(lambda e: e.get("chan") == chan and e.get("call_id") == call_id
                                         and e["event"] in ("fax_done", "ended"),
                                         timeout=self.s.fax_timeout_s, since=mark)
        finally:
            self.confirming.pop(chan, None)
        if state.get("recorded"):
            await self._hangup(chan)
            log.info("event=fax_attempt number=%s attempt=%s ok=True next=%s", due.number, due.attempts,
                     state.get("outcome"))
            return
        ok = done["event"] == "fax_done" and bool(done.get("ok"))
        result = done.get("result", "hung up") if done["event"] == "fax_done" else "hung up during the fax"
        row = dict(direction="outbound", dialled=due.number, remote_ident=one_line(done.get("remote_ident")),
                   pages=done.get("pages", 0), bit_rate=done.get("bit_rate", 0), ecm=bool(done.get("ecm")),
                   result_code=done.get("code", -1), result=result, tiff_path=due.tiff_path)
        # record the result before anything else: the shorter the time between the last page and this
        # commit, the smaller the chance that a crash makes faxd send the same fax again
        state = await asyncio.to_thread(self.store.finish, due, ok, result, done.get("pages", 0), row)
        await self._hangup(chan)
        log.info("event=fax_attempt number=%s attempt=%s ok=%s next=%s", due.number, due.attempts, ok, state)


async def _pdf_of(tiff: str, pdf: str) -> bool:
    """The received TIFF as PDF; a TIFF that cannot be read is logged and the fax kept without one."""
    try:
        await asyncio.to_thread(tiff_to_pdf, tiff, pdf)
    except DocumentError as exc:
        log.error("event=fax_pdf_failed tiff=%s error=%s", tiff, exc)
        return False
    return True
