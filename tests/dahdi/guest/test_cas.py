"""CAS (ABCD) bits both ways between DAHDI channels 5-6 (span 1) and 29-30 (span 2).

dahdi_dynamic 2.11 masks received bits with 0xff instead of 0xf, so one channel's bits
leak into its neighbour's upper nibble and a change on one raises a false BITSCHANGED on
the other. The driver masks with 0xF and drops events whose bits did not change: here a
neighbour must never see an EV_CAS for a change that was not its own.
"""
from __future__ import annotations

from telephonist.engine import CasEvent


def test_cas_bits_both_ways_without_the_neighbours_bits(rig_factory):
    rig = rig_factory([5, 6, 29, 30])
    rig.pump(0.5)
    rig.events.clear()
    steps = [(29, 5, 0x1), (30, 6, 0x5), (5, 29, 0x9), (6, 30, 0xF), (29, 5, 0xD), (30, 6, 0x0)]
    for src, dst, bits in steps:
        rig.engine.cas(rig.chan[src], bits)
        ev = rig.event_on(dst, CasEvent)
        assert ev.bits == bits, f"channel {dst} got bits {ev.bits:04b} for {src}'s {bits:04b}"
        rig.pump(0.3)
        stray = [e for ch in rig.chan for e in rig.of_type(ch, CasEvent)]
        assert not stray, f"after {src} sent {bits:04b}, other channels told: {stray}"
