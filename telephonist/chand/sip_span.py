"""A sip span's lines on the switchboard: engine channels of the sip driver (sofia-sip and RTP in the engine),
each driven by the same message-based signalling as an E1 bearer channel (signalling/digital.py), so that
routing, applications, the acd and the dialer see no difference between a SIP call and a card's."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from telephonist.chand.line import Line
from telephonist.chand.signalling import SigContext
from telephonist.chand.signalling.sip import SipTrunk
from telephonist.config.sip import DTMF_MODES, REFRESHERS, SRTP_MODES, T38_MODES, TRANSPORTS, SipTrunkConfig
from telephonist.engine import Codec, SipParams

if TYPE_CHECKING:
    from telephonist.chand.assembly import SpanSpec
    from telephonist.chand.switchboard import Switchboard


def sip_params(sip: SipTrunkConfig, extensions: list[str] = ()) -> SipParams:
    """extensions: a span of phones, line i the phone of extension i (with its password)."""
    return SipParams(bind=sip.bind, rtp_host=sip.rtp_host, rtp_port=sip.rtp_port, peer=sip.peer,
                     from_user=sip.from_user, username=sip.username, password=sip.password,
                     registrar=sip.registrar, jitter_min_ms=sip.jitter_min_ms, jitter_max_ms=sip.jitter_max_ms,
                     register_retry_s=sip.register_retry_s, phones=sip.phones(extensions) if extensions else (),
                     realm=sip.realm if extensions else "", ban_failures=sip.ban_failures,
                     ban_window_s=sip.ban_window_s, ban_s=sip.ban_s, session_expires_s=sip.session_expires_s,
                     min_se_s=sip.min_se_s, refresher=REFRESHERS.get(sip.session_refresher, 0),
                     tls_bind=sip.tls_bind, tls_cert_dir=sip.tls_cert_dir, tls_only=sip.tls_only,
                     srtp=SRTP_MODES.get(sip.srtp, 0), srtp_without_tls=sip.srtp_without_tls,
                     dtmf=DTMF_MODES.get(sip.dtmf, 0), transport=TRANSPORTS.get(sip.transport, 0),
                     tls_verify=sip.tls_verify, t38=T38_MODES.get(sip.t38, 0),
                     t38_gateway_cng=sip.t38_gateway_cng, symmetric_rtp=sip.symmetric_rtp,
                     nat_keepalive_s=sip.nat_keepalive_s if extensions else 0, outbound_proxy=sip.outbound_proxy,
                     trusted=tuple(sip.trusted))


def add_sip_span(board: "Switchboard", ctx: SigContext, spec: "SpanSpec", add_line) -> None:
    if spec.sip is None:
        raise ValueError(f"span {spec.name}: a sip span needs its [spans.sip] settings")
    codec = Codec.ULAW if spec.codec == "ulaw" else Codec.ALAW
    chans = board.engine.add_sip_span(sip_params(spec.sip, spec.extensions), spec.channels, codec, spec.zone)
    board.spans[spec.name] = {"driver": "sip", "kind": "e1", "channels": spec.channels, "zone": spec.zone,
                              "codec": spec.codec, "alarms": "", "bind": spec.sip.bind, "peer": spec.sip.peer}
    if spec.extensions:
        board.spans[spec.name]["phones"] = len(spec.extensions)
    for i, chan in enumerate(chans, start=1):
        opts = spec.options
        if i <= len(spec.extensions):       # a span of phones: the ACD and `dial` ring it by extension
            opts = dataclasses.replace(opts, extension=spec.extensions[i - 1])
        line = Line(f"{spec.name}/{i}", spec.name, i, chan, "e1", SipTrunk(ctx, opts, spec.sip), board)
        add_line(board, line, spec)
