"""Working the running SMS, e-mail and fax campaigns: one pass (`run_once`) per tick of `serve`, on the wall
clock (or the one a test gives).

A pass, per campaign: settle the fax attempts faxd has finished; claim up to `batch` due records whose
customer type's window is open (DialerStore.claim: the attempt is committed before anything is sent, the
do-not-call list applies as for calls); fill the message and hand it to the medium; write `sent` or `failed`
(the strategy retries a failure after `retry.failed`, up to `max_attempts` per number). A campaign with
nothing left is `finished`. At start, attempts a stopped dialer left `claimed` (it died before or while
handing the message over: whether it went is not known) count as `lost`, retried as failures: a message
may then arrive twice, a call never does. A fax attempt left `dialing` is settled from faxd's job.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telephonist.dialer.media.fax import PREFIX
from telephonist.dialer.media.template import values_of
from telephonist.dialer.store import MEDIA, Campaign, DialerStore
from telephonist.dialer.strategy import may_call

log = logging.getLogger("telephonist.dialer")


class MediaRunner:
    def __init__(self, store: DialerStore, senders: dict[str, Any],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """senders: medium -> its sender (sms.SmsSender, email.EmailSender, fax.FaxSender); a medium without
        one is left alone (its campaigns wait)."""
        self.store = store
        self.senders = senders
        self.clock = clock
        self.finished: list[str] = []                  # campaigns this runner finished, in order

    async def recover(self) -> None:
        for att in await asyncio.to_thread(self.store.open_attempts, True):
            if att["state"] == "dialing" and (att["chan"] or "").startswith(PREFIX):
                continue                               # a fax faxd has: settled by the passes
            log.info("event=dialer_media_lost attempt=%d state=%s", att["id"], att["state"])
            await asyncio.to_thread(self.store.finish, att["id"], "lost", self.clock())

    async def run_once(self) -> int:
        """One pass over the running media campaigns; the messages handed over."""
        sent = 0
        for camp in await asyncio.to_thread(self.store.campaigns, ["running"]):
            if camp.mode in MEDIA and camp.mode in self.senders:
                sent += await self._campaign(camp)
        return sent

    async def _campaign(self, camp: Campaign) -> int:
        sender = self.senders[camp.mode]
        now = self.clock()
        if camp.mode == "fax":
            await self._settle_faxes(camp, sender, now)
        room = camp.strategy.batch - await asyncio.to_thread(self.store.in_flight, camp.id)
        claims = await asyncio.to_thread(self.store.claim, camp, now, room,
                                         functools.partial(may_call, camp.strategy, when=now))
        for claim in claims:
            values = values_of(claim.name, claim.number, claim.fields)
            try:
                if camp.mode == "fax":
                    ref = await sender.send(claim.number, camp.message, values, camp.trunk_group, camp.caller_id)
                else:
                    ref = await sender.send(claim.number, camp.message, values)
            except Exception as exc:                   # noqa: BLE001 — any failure of the medium is this attempt's
                log.warning("event=dialer_media_failed campaign=%s attempt=%d medium=%s error=%s", camp.name,
                            claim.attempt_id, camp.mode, exc)
                await asyncio.to_thread(self.store.finish, claim.attempt_id, "failed", self.clock())
                continue
            if ref:
                await asyncio.to_thread(self.store.dialing, claim.attempt_id, ref)
            else:
                await asyncio.to_thread(self.store.finish, claim.attempt_id, "sent", self.clock())
            log.info("event=dialer_media_sent campaign=%s attempt=%d medium=%s ref=%s", camp.name,
                     claim.attempt_id, camp.mode, ref)
        _, _, unfinished = await asyncio.to_thread(self.store.next_due, camp.id)
        if not unfinished and not claims:
            await asyncio.to_thread(self.store.set_state, camp.id, "finished")
            self.finished.append(camp.name)
            log.info("event=dialer_campaign_finished campaign=%s", camp.name)
        return len(claims)

    async def _settle_faxes(self, camp: Campaign, sender: Any, now: datetime) -> None:
        for att in await asyncio.to_thread(self.store.open_attempts, True):
            ref = att["chan"] or ""
            if att["campaign_id"] == camp.id and ref.startswith(PREFIX):
                outcome = await asyncio.to_thread(sender.outcome, ref)
                if outcome is not None:
                    await asyncio.to_thread(self.store.finish, att["id"], outcome, now)

    async def serve(self, stop: asyncio.Event, tick_s: float = 15.0) -> None:
        await self.recover()
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("event=dialer_media_pass_failed")
            try:
                await asyncio.wait_for(stop.wait(), tick_s)
            except TimeoutError:
                pass
