"""A campaign's results for its account manager: an XLSX workbook (the figures, the days, the records) and
the sending of it — by e-mail (the workbook attached) to the addresses of the campaign's `report_to`, by SMS
(the figures in one message) to its numbers — when the campaign finishes and once a day while it runs
(`due()`: at the first look on a new local day). `Reporter.serve` is a task of the dialer daemon; what was
sent last is the campaign's `reported_at` (a day, or "final"), so a restart sends nothing twice."""
from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from telephonist.dialer import results
from telephonist.dialer import schema as T
from telephonist.dialer.store import writing

log = logging.getLogger("telephonist.dialer")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")


def recipients(report_to: str) -> tuple[list[str], list[str]]:
    """(e-mail addresses, phone numbers) of a campaign's report_to (comma, semicolon or space separated)."""
    parts = [p for p in re.split(r"[\s,;]+", report_to or "") if p]
    return [p for p in parts if EMAIL.match(p)], [p for p in parts if re.fullmatch(r"\+?\d{3,20}", p)]


def workbook(conn: sa.Connection, campaign_id: int, tz: ZoneInfo) -> bytes:
    """Summary, By day and Records sheets; texts that look like formulas stay texts (webadmin/export.py)."""
    from openpyxl import Workbook

    from telephonist.webadmin.export import append_row
    camp = conn.execute(T.campaigns.select().where(T.campaigns.c.id == campaign_id)).one()
    f = results.figures(conn, campaign_id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Summary")
    for row in (["campaign", camp.name], ["kind", camp.kind], ["mode", camp.mode], ["state", camp.state],
                *([k, f[k]] for k in ("records", "attempts", "dialled", "answered", "contact_rate", "success",
                                      "success_rate", "refusals", "wrong_numbers")),
                *([f"records {s}", n] for s, n in sorted(f["by_state"].items()))):
        append_row(ws, row)
    labels, series = results.over_time(conn, campaign_id, tz)
    ws = wb.create_sheet("By day")
    append_row(ws, ["day", *results.DAILY])
    for i, day in enumerate(labels):
        append_row(ws, [day, *(series[k][i] for k in results.DAILY)])
    ws = wb.create_sheet("Records")
    for row in results.export_rows(conn, campaign_id, "all"):
        append_row(ws, row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_text(name: str, f: dict[str, Any], final: bool) -> str:
    rate = f"{f['contact_rate'] * 100:.1f}%" if f["contact_rate"] is not None else "-"
    return (f"{'Final' if final else 'Daily'} results of campaign {name}: {f['records']} records, "
            f"{f['dialled']} dialled, contact rate {rate}, success {f['success']}, refusals {f['refusals']}, "
            f"wrong numbers {f['wrong_numbers']}.")


def due(state: str, reported_at: str, today: str) -> str | None:
    """What to send now: "final" once a finished campaign, today's date once a day while it runs."""
    if state == "finished":
        return "final" if reported_at != "final" else None
    if state == "running" and reported_at != today:
        return today
    return None


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)


class Reporter:
    def __init__(self, engine: sa.Engine, tz: ZoneInfo, smtp: Any = None, sms: Any = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """smtp: SmtpSettings for e-mail; sms: an SmsModem; either may be None (that way is not used)."""
        self.engine, self.tz, self.smtp, self.sms, self.clock = engine, tz, smtp, sms, clock

    async def run_once(self) -> list[tuple[str, str]]:
        """(campaign, what) for each report sent."""
        today = self.clock().astimezone(self.tz).date().isoformat()
        with self.engine.connect() as conn:
            camps = conn.execute(sa.select(T.campaigns.c.id, T.campaigns.c.name, T.campaigns.c.state,
                                           T.campaigns.c.report_to, T.campaigns.c.reported_at)
                                 .where(T.campaigns.c.report_to != "")).all()
        sent = []
        for c in camps:
            what = due(c.state, c.reported_at, today)
            if what is None:
                continue
            try:
                await self.send(c.id, c.name, what == "final", c.report_to)
            except Exception as exc:                   # noqa: BLE001 — tried again at the next look
                log.warning("event=dialer_report_failed campaign=%s error=%s", c.name, exc)
                continue
            with writing(self.engine) as conn:
                conn.execute(T.campaigns.update().where(T.campaigns.c.id == c.id).values(reported_at=what))
            log.info("event=dialer_report_sent campaign=%s what=%s", c.name, what)
            sent.append((c.name, what))
        return sent

    async def send(self, campaign_id: int, name: str, final: bool, report_to: str) -> None:
        from telephonist.mail import Attachment, send_mail
        mails, numbers = recipients(report_to)
        with self.engine.connect() as conn:
            f = results.figures(conn, campaign_id)
            book = workbook(conn, campaign_id, self.tz) if mails and self.smtp else b""
        text = summary_text(name, f, final)
        if mails and self.smtp:
            with tempfile.TemporaryDirectory(prefix="campaign-report-") as d:
                path = os.path.join(d, f"campaign-{campaign_id}.xlsx")
                await asyncio.to_thread(_write, path, book)
                for to in mails:
                    await send_mail(self.smtp, to, text.split(":")[0], text + "\n", Attachment(path))
        if numbers and self.sms:
            for number in numbers:
                await self.sms.send(number, text)

    async def serve(self, stop: asyncio.Event, tick_s: float = 60.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("event=dialer_report_pass_failed")
            try:
                await asyncio.wait_for(stop.wait(), tick_s)
            except TimeoutError:
                pass

