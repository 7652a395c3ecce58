"""E1 channels with raw CAS: the ABCD bits received are told, the bits sent are set by command.

A raw CAS line carries no calls of its own: subscribers see its bits (`cas` events) and an admin
sets them (the `cas` command), and the line stays idle (or blocked while its span is in alarm).
Calls with register signalling on these bits (MFC-R2, China No.1) are signalling = "r2" (r2.py),
where openr2 in the engine owns the bits.
"""
from __future__ import annotations

from telephonist.chand.signalling.base import Signalling
from telephonist.engine import CasEvent, Event

NO_CALLS = "a raw E1 CAS line carries no calls: give its span signalling = \"r2\" for MFC-R2 calls"


def bits_text(bits: int | None) -> str:
    return "" if bits is None else format(bits & 0xF, "04b")


class CasLine(Signalling):
    has_bits = True

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.rx_bits: int | None = None
        self.tx_bits: int | None = None

    def on_event(self, ev: Event) -> None:
        if isinstance(ev, CasEvent):
            self.rx_bits = ev.bits & 0xF
            self.line.listener.cas_changed(self.line, self.rx_bits)

    def set_bits(self, bits: int) -> None:
        self.engine.cas(self.line.chan, bits & 0xF)
        self.tx_bits = bits & 0xF

    def describe(self) -> dict[str, object]:
        return {"cas_rx": bits_text(self.rx_bits), "cas_tx": bits_text(self.tx_bits)}

    def answer(self) -> None:
        raise NotImplementedError(NO_CALLS)

    def hangup(self, cause: str = "normal") -> None:
        raise NotImplementedError(NO_CALLS)

    def dial(self, number: str, caller_id: str = "") -> None:
        raise NotImplementedError(NO_CALLS)
