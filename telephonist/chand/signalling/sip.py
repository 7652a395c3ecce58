"""SIP lines: the E1's message-based call control (the sip driver speaks it), plus what only a SIP call
has: when the call ends, RTP and RTCP's figures (loss, jitter, round trip) go into its record as an
"rtp" event of its timeline."""
from __future__ import annotations

from telephonist.chand.signalling.digital import DigitalTrunk
from telephonist.engine import Event, SigMsg

PAYLOADS = {0: "PCMU", 8: "PCMA"}


class SipTrunk(DigitalTrunk):
    def on_event(self, ev: Event) -> None:
        if isinstance(ev, SigMsg) and ev.kind == "DISCONNECT":
            self._keep_rtp_figures()
        super().on_event(ev)

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
            line, "rtp", codec=PAYLOADS.get(st.payload_type, str(st.payload_type)), remote=st.remote,
            rx_packets=st.rx_packets, tx_packets=st.tx_packets, rx_lost=st.rx_lost, rx_late=st.rx_late,
            jitter_ms=st.jitter_ms, buffer_max_ms=st.buffer_max_ms, remote_jitter_ms=st.remote_jitter_ms,
            remote_loss_pct=st.remote_loss_pct, rtt_ms=st.rtt_ms, rx_dtmf=st.rx_dtmf, tx_dtmf=st.tx_dtmf)
