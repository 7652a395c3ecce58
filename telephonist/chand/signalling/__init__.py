"""Signalling: how each kind of line says ring, answer, dial and hang up.

Each module turns engine events into line signals (telephonist.chand.line)
and line actions into what the wire needs, through the engine only; none of
them knows whether the span is simulated or a DAHDI card.
"""
from telephonist.chand.signalling.analog_fxo import AnalogFxo
from telephonist.chand.signalling.analog_fxs import AnalogFxs
from telephonist.chand.signalling.base import LineOptions, SigContext, Signalling
from telephonist.chand.signalling.cas import CasLine
from telephonist.chand.signalling.digital import DigitalTrunk
from telephonist.chand.signalling.pri import PriTrunk
from telephonist.chand.signalling.r2 import R2Trunk

__all__ = ["AnalogFxo", "AnalogFxs", "CasLine", "DigitalTrunk", "LineOptions", "SigContext", "Signalling",
           "PriTrunk", "R2Trunk", "make_signalling"]


def make_signalling(kind: str, ctx: SigContext, options: LineOptions, signalling: str = "") -> Signalling:
    """signalling: "cas" makes an E1 channel a raw CAS line, "r2" an MFC-R2 trunk, "pri" a PRI B-channel;
    otherwise the kind decides."""
    if kind == "fxo":
        return AnalogFxo(ctx, options)
    if kind == "fxs":
        return AnalogFxs(ctx, options)
    if kind == "e1" and signalling == "cas":
        return CasLine(ctx, options)
    if kind == "e1" and signalling == "r2":
        return R2Trunk(ctx, options)
    if kind == "e1" and signalling == "pri":
        return PriTrunk(ctx, options)
    if kind == "e1":
        return DigitalTrunk(ctx, options)
    raise ValueError(f"no signalling for line kind {kind!r}")
