"""A sip span's lines on the switchboard: engine channels of the sip driver (sofia-sip and RTP in the engine),
each driven by the same message-based signalling as an E1 bearer channel (signalling/digital.py), so that
routing, applications, the acd and the dialer see no difference between a SIP call and a card's."""
from __future__ import annotations

from typing import TYPE_CHECKING

from telephonist.chand.line import Line
from telephonist.chand.signalling import SigContext
from telephonist.chand.signalling.sip import SipTrunk
from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Codec, SipParams

if TYPE_CHECKING:
    from telephonist.chand.assembly import SpanSpec
    from telephonist.chand.switchboard import Switchboard


def sip_params(sip: SipTrunkConfig) -> SipParams:
    return SipParams(bind=sip.bind, rtp_host=sip.rtp_host, rtp_port=sip.rtp_port, peer=sip.peer,
                     from_user=sip.from_user, username=sip.username, password=sip.password,
                     registrar=sip.registrar, jitter_min_ms=sip.jitter_min_ms, jitter_max_ms=sip.jitter_max_ms)


def add_sip_span(board: "Switchboard", ctx: SigContext, spec: "SpanSpec", add_line) -> None:
    if spec.sip is None:
        raise ValueError(f"span {spec.name}: a sip span needs its [spans.sip] settings")
    codec = Codec.ULAW if spec.codec == "ulaw" else Codec.ALAW
    chans = board.engine.add_sip_span(sip_params(spec.sip), spec.channels, codec, spec.zone)
    board.spans[spec.name] = {"driver": "sip", "kind": "e1", "channels": spec.channels, "zone": spec.zone,
                              "codec": spec.codec, "alarms": "", "bind": spec.sip.bind, "peer": spec.sip.peer}
    for i, chan in enumerate(chans, start=1):
        line = Line(f"{spec.name}/{i}", spec.name, i, chan, "e1", SipTrunk(ctx, spec.options), board)
        add_line(board, line, spec)
