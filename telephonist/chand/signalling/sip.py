"""SIP lines: the E1's message-based call control (the sip driver speaks it), plus what only a SIP call
has: when the call ends, RTP and RTCP's figures (loss, jitter, round trip) go into its record as an
"rtp" event of its timeline.

A span of phones (SIP phones registering as extensions, csrc/sip_phones.c) adds messages of its own:
REGISTERED/UNREGISTERED on the extension's line (shown by `status`, told to subscribers as
sip_registration), REFUSED and BANNED on the span's first line for every refused authentication (logged,
told to subscribers as sip_refused/sip_banned). Any sip line hears HOLD/RESUME when the far end holds the
call (a re-INVITE with sendonly or inactive) or takes it back: a `held`/`resumed` event to the application
and the call's record.

Transfers (csrc/sip_transfer.c, chand/sip_transfers.py): REFER to= [replaces=<engine channel>] is the far end
asking us to transfer (answered with NOTIFY status=N), REFER_DONE status=N the outcome of our own REFER
(REFER to=N, when the span's transfer = "refer"), REPLACED calling= an INVITE with Replaces that took over
the call.

A sip line whose bridge with a card's audio line became a T.38 gateway (csrc/t38_gw.c) hears MEDIA
kind=t38_gateway (kept as a `media` event: to="t38_gateway", by="gateway", audio_line), then
kind=t38_gateway_page and kind=t38_gateway_end with spandsp's figures (pages, bit_rate, ecm; why it ended),
kept as events of those names."""
from __future__ import annotations

import logging

from telephonist.chand.signalling.base import LineOptions, SigContext
from telephonist.chand.signalling.digital import DigitalTrunk
from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Event, SigMsg, format_sigmsg

log = logging.getLogger(__name__)

PAYLOADS = {0: "PCMU", 8: "PCMA"}


def _int(text: str | None) -> int:
    """A number field of an engine message (0 when absent or not a number)."""
    return int(text) if text and text.isdigit() else 0


class SipTrunk(DigitalTrunk):
    registered: str = ""                # a phone's contact while it is registered

    def __init__(self, ctx: SigContext, options: LineOptions, config: SipTrunkConfig | None = None) -> None:
        super().__init__(ctx, options)
        self.config = config            # the span's [spans.sip]: how transfers go

    @property
    def transfers_by_refer(self) -> bool:
        return bool(self.config and self.config.transfer == "refer" and not self.line.extension)

    def on_event(self, ev: Event) -> None:
        if isinstance(ev, SigMsg):
            if ev.kind == "DISCONNECT":
                self._keep_rtp_figures()
            elif ev.kind in SIP_ONLY:
                SIP_ONLY[ev.kind](self, ev.fields)
                return
        super().on_event(ev)

    def describe(self) -> dict[str, object]:
        return {"registered": self.registered} if self.line.extension else {}

    # ---- a span of phones ------------------------------------------------------------------------
    def _registered(self, f: dict[str, str]) -> None:
        self.registered = f.get("contact", "")
        log.info("event=sip_registered line=%s extension=%s contact=%s expires=%s", self.line.name,
                 self.line.extension, self.registered, f.get("expires", ""))
        self.line.listener.tell_subscribers("sip_registration", chan=self.line.name, extension=self.line.extension,
                                            contact=self.registered, expires_s=int(f.get("expires", "0") or 0))

    def _unregistered(self, f: dict[str, str]) -> None:
        self.registered = ""
        log.info("event=sip_unregistered line=%s extension=%s why=%s", self.line.name, self.line.extension,
                 f.get("why", ""))
        self.line.listener.tell_subscribers("sip_registration", chan=self.line.name, extension=self.line.extension,
                                            contact="", why=f.get("why", ""))

    def _refused(self, f: dict[str, str]) -> None:
        log.warning("event=sip_auth_refused span=%s source=%s user=%s why=%s failures=%s", self.line.span,
                    f.get("source", ""), f.get("user", ""), f.get("why", ""), f.get("failures", ""))
        self.line.listener.tell_subscribers("sip_refused", span=self.line.span, source=f.get("source", ""),
                                            user=f.get("user", ""), why=f.get("why", ""),
                                            failures=int(f.get("failures", "0") or 0))

    def _banned(self, f: dict[str, str]) -> None:
        log.warning("event=sip_source_banned span=%s source=%s for_s=%s failures=%s", self.line.span,
                    f.get("source", ""), f.get("for_s", ""), f.get("failures", ""))
        self.line.listener.tell_subscribers("sip_banned", span=self.line.span, source=f.get("source", ""),
                                            for_s=int(f.get("for_s", "0") or 0))

    # ---- hold ------------------------------------------------------------------------------------
    def _hold(self, f: dict[str, str]) -> None:
        self._far_hold("held", f.get("mode", ""))

    def _resume(self, f: dict[str, str]) -> None:
        self._far_hold("resumed", f.get("mode", ""))

    def _far_hold(self, kind: str, mode: str) -> None:
        """The far end holds the call or takes it back ("held"/"resumed": not our own `hold` command)."""
        line = self.line
        if line.call is None:
            return
        log.info("event=sip_%s line=%s mode=%s", kind, line.name, mode)
        line.listener.record_event(line, kind, mode=mode)
        line.listener.tell_owner(line, kind, mode=mode)

    def _media(self, f: dict[str, str]) -> None:
        """The call's media switched (T.38 fax by re-INVITE, or back to audio): kept in the call record."""
        line = self.line
        if line.call is None:
            return
        kind = f.get("kind", "")
        if kind in ("t38_gateway_page", "t38_gateway_end"):
            # the bridge's T.38 gateway (csrc/t38_gw.c): its figures so far, and why it ended
            figures: dict[str, object] = {"pages": _int(f.get("pages")), "bit_rate": _int(f.get("bit_rate")),
                                          "ecm": f.get("ecm") == "1"}
            if kind == "t38_gateway_end":
                figures["why"] = f.get("why", "")
            log.info("event=sip_%s line=%s pages=%s bit_rate=%s ecm=%s", kind, line.name, figures["pages"],
                     figures["bit_rate"], figures["ecm"])
            line.listener.record_event(line, kind, **figures)
            return
        if kind == "t38_gateway":
            # the engine made the line's bridge a T.38 gateway with the audio line `with` (a card's)
            other = line.listener.by_chan.get(_int(f.get("with")))
            name = other.name if other is not None else f.get("with", "")
            log.info("event=sip_media line=%s kind=t38_gateway with=%s", line.name, name)
            line.listener.record_event(line, "media", to=kind, by="gateway", audio_line=name)
            return
        log.info("event=sip_media line=%s kind=%s by=%s", line.name, kind, f.get("by", ""))
        line.listener.record_event(line, "media", to=kind, by=f.get("by", ""))

    # ---- transfers -------------------------------------------------------------------------------
    def refer(self, number: str) -> None:
        """Ask the far end to transfer the call to number (REFER); REFER_DONE says how it went."""
        self.engine.sigmsg(self.line.chan, format_sigmsg("REFER", to=number))

    def refer_progress(self, status: int) -> None:
        """How the far end's REFER goes: NOTIFY with a sipfrag of status."""
        self.engine.sigmsg(self.line.chan, format_sigmsg("NOTIFY", status=status))

    def _referred(self, f: dict[str, str]) -> None:
        line = self.line
        if line.call is None:
            self.refer_progress(603)
            return
        replaces = None
        if f.get("replaces", "").isdigit():
            replaces = line.listener.by_chan.get(int(f["replaces"]))
        line.listener.sip_transfers.referred(line, f.get("to", ""), replaces)

    def _refer_done(self, f: dict[str, str]) -> None:
        self.line.listener.sip_transfers.refer_done(self.line, int(f.get("status", "0") or 0))

    def _replaced(self, f: dict[str, str]) -> None:
        line = self.line
        if line.call is None:
            return
        log.info("event=sip_replaced line=%s by=%s", line.name, f.get("calling", ""))
        line.listener.record_event(line, "replaced", by=f.get("calling", ""))
        line.listener.tell_owner(line, "replaced", by=f.get("calling", ""))

    # ---- the call record -------------------------------------------------------------------------
    def hangup(self, cause: str = "normal") -> None:
        self._keep_rtp_figures()
        super().hangup(cause)

    def _keep_rtp_figures(self) -> None:
        line = self.line
        if line.call is None:
            return
        st = self.engine.rtp_stats(line.chan)
        if not (st.rx_packets or st.tx_packets):
            return                      # no media flowed: a call that never connected
        line.listener.record_event(
            line, "rtp", codec="t38" if st.t38 else PAYLOADS.get(st.payload_type, str(st.payload_type)),
            remote=st.remote,
            rx_packets=st.rx_packets, tx_packets=st.tx_packets, rx_lost=st.rx_lost, rx_late=st.rx_late,
            jitter_ms=st.jitter_ms, buffer_max_ms=st.buffer_max_ms, remote_jitter_ms=st.remote_jitter_ms,
            remote_loss_pct=st.remote_loss_pct, rtt_ms=st.rtt_ms, rx_dtmf=st.rx_dtmf, tx_dtmf=st.tx_dtmf,
            srtp=st.srtp, rx_refused=st.rx_refused,
            **({"t38_rx_ifp": st.t38_rx_ifp, "t38_tx_ifp": st.t38_tx_ifp, "t38_recovered": st.t38_recovered}
               if st.t38 else {}),
            **({"t38_gateway_pages": st.t38_gateway_pages, "t38_gateway_bit_rate": st.t38_gateway_bit_rate,
                "t38_gateway_ecm": st.t38_gateway_ecm} if st.t38_gateway else {}))


SIP_ONLY = {
    "REGISTERED": SipTrunk._registered, "UNREGISTERED": SipTrunk._unregistered, "REFUSED": SipTrunk._refused,
    "BANNED": SipTrunk._banned, "HOLD": SipTrunk._hold, "RESUME": SipTrunk._resume,
    "REFER": SipTrunk._referred, "REFER_DONE": SipTrunk._refer_done, "REPLACED": SipTrunk._replaced,
    "MEDIA": SipTrunk._media,
}
