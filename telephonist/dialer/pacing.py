"""How many calls a campaign places now: one pure function, its inputs and output logged.

Agentless: up to the strategy's batch at once. Progressive: one call per ready agent of the campaign's
queue that no call of the campaign is already on its way to, within the batch. Both are bounded by the
lines free on the campaign's trunk group (what chand's status says).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("telephonist.dialer")


@dataclass(frozen=True)
class PaceInputs:
    campaign: str
    mode: str                # agentless | progressive
    batch: int               # the strategy's calls at once
    in_flight: int           # the campaign's attempts dialled and not yet ended (or handed on)
    free_lines: int          # idle lines of the trunk group
    ready_agents: int = 0    # progressive: ready agents of the queue
    waiting_answered: int = 0    # progressive: answered calls handed to the queue, not yet with an agent


def calls_to_place(p: PaceInputs) -> int:
    room = max(0, p.batch - p.in_flight)
    if p.mode == "progressive":
        room = min(room, max(0, p.ready_agents - p.in_flight - p.waiting_answered))
    n = max(0, min(room, p.free_lines))
    log.info("event=dialer_pace campaign=%s mode=%s batch=%d in_flight=%d free_lines=%d ready_agents=%d "
             "waiting_answered=%d place=%d", p.campaign, p.mode, p.batch, p.in_flight, p.free_lines,
             p.ready_agents, p.waiting_answered, n)
    return n
