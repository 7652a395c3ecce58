"""Hook signalling between DAHDI channels wired back to back, seen as engine events.

Channel 1 is fxoks (our FXS port: a phone hangs on it), channel 25 is fxsks (our FXO port:
a trunk to the exchange); 3 and 27 are E&M. DAHDI debounces on purpose (kewlstart on-hook
~1.25 s, E&M ~0.3 s), so the deadlines are seconds.

The call-level flows on top (ring -> answer -> prompt -> DTMF -> hangup -> CDR) are chand's
and belong in test_call_flow.py here once chand drives DAHDI lines.
"""
from __future__ import annotations

from telephonist.engine import CidEvent, CidSent, ErrorEvent, Hook, HookEvent, Kind, RingEvent

PHONE_PORT, TRUNK_PORT = 1, 25      # fxoks <-> fxsks


def test_kinds_follow_the_signalling(rig_factory):
    rig = rig_factory([PHONE_PORT, TRUNK_PORT, 3, 5])
    kinds = {ch: rig.engine.chan_info(rig.chan[ch])[0] for ch in rig.chan}
    assert kinds == {PHONE_PORT: Kind.FXS, TRUNK_PORT: Kind.FXO, 3: Kind.E1, 5: Kind.E1}
    info = rig.engine.dahdi_chan_info(rig.chan[TRUNK_PORT])
    assert (info.channo, info.spanno) == (TRUNK_PORT, 2)


def test_trunk_port_off_and_on_hook_reach_the_phone_port(rig_factory):
    rig = rig_factory([PHONE_PORT, TRUNK_PORT])
    rig.pump(0.5)
    rig.engine.hook(rig.chan[TRUNK_PORT], Hook.OFF)
    rig.event_on(PHONE_PORT, HookEvent, state=Hook.OFF)
    rig.engine.hook(rig.chan[TRUNK_PORT], Hook.ON)
    rig.event_on(PHONE_PORT, HookEvent, state=Hook.ON)


def test_ring_answer_and_kewlstart_disconnect(rig_factory):
    rig = rig_factory([PHONE_PORT, TRUNK_PORT])
    rig.pump(0.5)
    rig.engine.hook(rig.chan[PHONE_PORT], Hook.RING_ON)
    rig.event_on(TRUNK_PORT, RingEvent, on=True)
    # the trunk port answers: the phone port sees its line go off hook (DAHDI stops ringing)
    rig.engine.hook(rig.chan[TRUNK_PORT], Hook.OFF)
    rig.event_on(PHONE_PORT, HookEvent, state=Hook.OFF)
    rig.engine.hook(rig.chan[PHONE_PORT], Hook.RING_OFF)     # what chand does on answer
    # a disconnect during the trunk port's off-hook debounce (~600 ms) is not seen by DAHDI;
    # no real call ends that fast
    rig.pump(2.0)
    # the phone-port side hangs up: the open-loop (kewl) reaches the trunk port as a disconnect
    rig.engine.hook(rig.chan[PHONE_PORT], Hook.ON)
    rig.event_on(TRUNK_PORT, HookEvent, state=Hook.OPEN_LOOP)
    rig.engine.hook(rig.chan[TRUNK_PORT], Hook.ON)


def test_em_hook_both_ways(rig_factory):
    rig = rig_factory([3, 27])
    rig.pump(0.5)
    rig.engine.hook(rig.chan[3], Hook.OFF)
    rig.event_on(27, HookEvent, state=Hook.OFF)
    rig.engine.hook(rig.chan[27], Hook.OFF)
    rig.event_on(3, HookEvent, state=Hook.OFF)
    rig.engine.hook(rig.chan[3], Hook.ON)
    rig.event_on(27, HookEvent, state=Hook.ON)


def test_message_waiting_fsk_reaches_the_idle_phone_and_the_lamp_needs_a_card(rig_factory):
    """FSK message waiting from a phone port on hook is decoded at the phone (a dynamic span has no
    line feed: on-hook transfer is not asked there), every burst, the first time; a port without a
    lamp driver says so.

    Between two bursts the phone port has nothing to send and is not ticked, so the kernel's queue
    of audio ahead of the card drains: each burst starts from an idle port. The driver used to
    start it with no slack at all, and a tick that woke a few milliseconds late cut silence into
    the burst (about one burst in four was lost, and the test sent each up to three times)."""
    from telephonist.engine import CidStandard, Dsp, Vmwi
    rig = rig_factory([PHONE_PORT, TRUNK_PORT])
    rig.engine.set_dsp(rig.chan[TRUNK_PORT], Dsp.CID)
    rig.pump(0.5)
    for messages in (4, 0, 7, 0, 1, 0, 12, 0):
        rig.engine.send_mwi(rig.chan[PHONE_PORT], CidStandard.BELL202, messages)
        rig.event_on(PHONE_PORT, CidSent)
        fields = rig.event_on(TRUNK_PORT, CidEvent, timeout=5).fields
        assert fields["mwi"] == ("1" if messages else "0"), (messages, fields)
        if messages:
            assert fields["messages"] == str(messages), fields
        rig.pump(0.5)               # the port is idle again
    for ch in (PHONE_PORT, TRUNK_PORT):
        info = rig.engine.dahdi_chan_info(rig.chan[ch])
        assert (info.rx_dropped_bytes, info.tx_dropped_bytes) == (0, 0), info
    assert not [e for e in rig.events if isinstance(e, ErrorEvent)], rig.events
    rig.engine.set_vmwi(rig.chan[PHONE_PORT], Vmwi.NEON, 1)
    err = rig.event_on(PHONE_PORT, ErrorEvent)
    assert "message waiting indicator" in err.text, err.text
