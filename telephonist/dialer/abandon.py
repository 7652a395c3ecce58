"""Predictive campaigns: the answered customer no agent took. A mixin of DialerService (service.py).

The dialer hands the answered customer to the campaign's queue with `wait_limit_ms` and `on_wait_limit` =
"app:dialer:abandon" in the hand-off data; the ACD, which alone knows whether an agent is free, hands the call
back at the limit if no agent's phone rings for it. The dialer then plays the campaign's `abandon_prompt` and
hangs up when it ends; the attempt's outcome is "abandoned" (also when the customer hangs up in the queue
first), counted in the campaign's abandonment (measure.py) and retried by the strategy's `retry.abandoned`.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from telephonist.client import ApiCallError
from telephonist.dialer.store import Campaign

log = logging.getLogger("telephonist.dialer")
ABANDON_TARGET = "abandon"        # what the ACD hands back at the wait limit (the dialer's message)


@dataclass
class Waiting:
    """Predictive: an answered customer handed to the queue, no agent's yet (the wait limit runs)."""
    attempt_id: int
    campaign: Campaign
    number: str


class AbandonedCalls:
    """The dialer's side of a customer no agent took: the message, the hang-up, the outcome."""

    async def _on_offer(self, ev: dict[str, Any]) -> None:
        """The ACD hands back an answered customer of a predictive campaign at its wait limit (no agent was
        free): the campaign's message, then the hang-up. Anything else handed to the dialer is hung up."""
        self._clock(ev.get("time_ms"))
        chan, call_id = ev["chan"], str(ev.get("call_id") or "")
        w = self.waiting.pop(call_id, None)
        for key in [k for k in self.handed if k.endswith(f":{call_id}")]:
            del self.handed[key]
        if w is None or ev.get("target") != ABANDON_TARGET:
            log.warning("event=dialer_unexpected_offer chan=%s call_id=%s target=%s", chan, call_id, ev.get("target"))
            await self._quiet_hangup(chan)
            return
        try:
            reply = await self.c.call("play", chan=chan, items=[w.campaign.strategy.abandon_prompt])
            self.abandoning[chan] = reply["playback"]
        except ApiCallError as exc:                    # no such prompt: the customer is not kept on a silent line
            log.error("event=dialer_abandon_prompt_failed campaign=%s prompt=%s error=%s", w.campaign.name,
                      w.campaign.strategy.abandon_prompt, exc)
            await self._quiet_hangup(chan)
        await self._abandoned(w, "message")

    async def _on_play_done(self, ev: dict[str, Any]) -> None:
        self._clock(ev.get("time_ms"))
        if self.abandoning.get(ev.get("chan", "")) == ev.get("playback"):
            del self.abandoning[ev["chan"]]
            await self._quiet_hangup(ev["chan"])

    async def _abandoned(self, w: Waiting, how: str) -> None:
        m = self.measures.get(w.campaign.id)
        if m is not None:
            m.abandoned(self._today(w.campaign))
        state = await asyncio.to_thread(self.store.abandoned, w.attempt_id, self.now())
        log.info("event=dialer_outcome campaign=%s attempt=%d number=%s outcome=abandoned how=%s record=%s",
                 w.campaign.name, w.attempt_id, w.number, how, state and state.value)
        await self._publish("outcome", campaign=w.campaign.name, attempt=w.attempt_id, number=w.number,
                            outcome="abandoned", how=how)
