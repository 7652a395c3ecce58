"""The learnt disconnect tones of the configuration ([busy_tones]) onto the analog lines, at start and reload.

A line's tone changes under a running call without harm (the engine rebuilds that line's detector),
so a reload applies it at once, as `telephonist learn-busy --write` expects."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telephonist.config.busy_tones import BusyTone

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


def apply_busy_tones(board: "Switchboard", tones: dict[str, BusyTone]) -> list[str]:
    """Give each analog line its tone (or none); returns the lines whose tone changed."""
    changed = []
    for name, line in board.lines.items():
        setter = getattr(line.sig, "set_disconnect_tone", None)
        if setter is None:
            continue
        tone = tones.get(name)
        if tone != line.sig.disconnect_tone:
            setter(tone)
            changed.append(name)
            log.info("event=busy_tone_set line=%s tone=%s", name, tone.describe() if tone else "none")
    return changed
