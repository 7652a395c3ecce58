"""Fax on demand: the caller picks a document by number and gets it on the same call, or by call-back.

Reached by a route or a handoff to "fax:demand" (ivrd's fax node hands over
with data {"document": "101"} when the caller already chose). Documents are
files named by their number in [faxd] documents_dir (101.pdf, 102.tif,
103.txt ...), rendered to TIFF-F once and kept. On the same call the caller
presses start and we transmit as the calling side (their machine, set to
receive, answers as the called side); a call-back queues an ordinary job.
"""
from __future__ import annotations

import asyncio
import glob
import logging
import os
from typing import TYPE_CHECKING, Any

from telephonist.client import ApiCallError
from telephonist.faxd.documents import DocumentError, render_to_tiff
from telephonist.faxd.fax_mail import one_line

if TYPE_CHECKING:
    from telephonist.faxd.service import FaxService

log = logging.getLogger("telephonist.faxd.demand")


def find_document(documents_dir: str, number: str, cache_dir: str) -> tuple[str, int] | None:
    """(TIFF-F path, pages) of document `number`, rendered once; None when there is no such document."""
    if not number.isdigit() or not documents_dir:
        return None
    found = sorted(glob.glob(os.path.join(documents_dir, number + ".*")))
    if not found:
        return None
    src = found[0]
    out = os.path.join(cache_dir, f"{number}.tif")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        os.makedirs(cache_dir, exist_ok=True)
        try:
            pages = render_to_tiff(src, out + ".tmp.tif")
        except DocumentError as exc:
            log.error("event=fax_document_unusable number=%s error=%s", number, exc)
            return None
        os.replace(out + ".tmp.tif", out)
        return out, pages
    from telephonist.faxd.documents import page_count
    return out, page_count(out)


class FaxOnDemand:
    def __init__(self, service: "FaxService") -> None:
        self.svc = service
        self.c = service.c

    async def _collect(self, chan: str, prompt: str, max_digits: int, timeout_ms: int = 8000) -> str:
        mark = self.c.mark()
        await self.c.call("collect", chan=chan, min=1, max=max_digits, terminators="#",
                          first_timeout_ms=timeout_ms, inter_timeout_ms=4000, prompt=[prompt])
        ev = await self.c.wait_for(lambda e: e.get("chan") == chan and e["event"] in ("collect_done", "ended"),
                                   since=mark, timeout=300)
        return ev.get("digits", "") if ev["event"] == "collect_done" else ""

    async def _play(self, chan: str, prompt: str) -> None:
        mark = self.c.mark()
        await self.c.call("play", chan=chan, items=[prompt])
        await self.c.wait_for(lambda e: e.get("chan") == chan and e["event"] in ("play_done", "ended"),
                              since=mark, timeout=300)

    async def run(self, chan: str, data: dict[str, Any]) -> None:
        s = self.svc.s
        cache = os.path.join(s.spool_dir, "demand")
        try:
            number = str(data.get("document") or "")
            doc = await asyncio.to_thread(find_document, s.documents_dir, number, cache) if number else None
            tries = 0
            while doc is None and tries < 3:
                if number:
                    await self._play(chan, "en/fax-unknown.wav")
                number = await self._collect(chan, "en/fax-document.wav", 6)
                doc = await asyncio.to_thread(find_document, s.documents_dir, number, cache) if number else None
                tries += 1
            if doc is None:
                log.info("event=fax_on_demand_no_document chan=%s number=%s", chan, number)
                await self.svc._hangup(chan)
                return
            tiff, pages = doc
            how = str(data.get("mode") or "") or await self._collect(chan, "en/fax-how.wav", 1)
            if how in ("1", "same_call"):
                await self._play(chan, "en/fax-press-start.wav")
                mark = self.c.mark()
                await self.c.call("fax", chan=chan, direction="send", path=tiff, calling=True, ident=s.ident,
                                  header=s.header)
                done = await self.c.wait_for(lambda e: e.get("chan") == chan and e["event"] in ("fax_done", "ended"),
                                             since=mark, timeout=s.fax_timeout_s)
                ok = done["event"] == "fax_done" and bool(done.get("ok"))
                await asyncio.to_thread(self.svc.store.add_fax, dict(
                    direction="outbound", mailbox="demand", caller=data.get("caller", ""), pages=done.get("pages", 0),
                    bit_rate=done.get("bit_rate", 0), ecm=bool(done.get("ecm")), result_code=done.get("code", -1),
                    result=done.get("result", "hung up"), tiff_path=tiff,
                    remote_ident=one_line(done.get("remote_ident"))))
                log.info("event=fax_on_demand document=%s same_call=true ok=%s", number, ok)
            elif how in ("2", "callback"):
                to = str(data.get("fax_number") or "") or await self._collect(chan, "en/fax-number.wav", 20)
                if to and s.demand_trunk_group:
                    await asyncio.to_thread(self.svc.store.create_job, number, tiff, pages, [to], s.demand_trunk_group,
                                            "", 3, 120)
                    await self._play(chan, "en/fax-queued.wav")
                    log.info("event=fax_on_demand document=%s callback=%s", number, to)
                elif to:
                    log.error("event=fax_on_demand_callback_refused document=%s callback=%s "
                              "why=no_trunk_group_for_call_backs ([faxd] trunk_group)", number, to)
            else:
                log.info("event=fax_on_demand_no_choice chan=%s choice=%r", chan, how)
            await self.svc._hangup(chan)
        except (ApiCallError, asyncio.TimeoutError) as exc:
            log.info("event=fax_on_demand_ended chan=%s why=%s", chan, exc)
