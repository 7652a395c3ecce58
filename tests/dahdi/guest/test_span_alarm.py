"""A span alarm reaches the engine as EV_ALARM (chan = -DAHDI span number).

dahdi_dynamic raises RED on a span that has received nothing for a second. Taking span 2
away (dahdi_cfg -s with a config naming only span 2 destroys that dynamic span) leaves
span 1's loopback without a peer: the one alarm these loopback spans can produce. The test
runs last (conftest) because span 2 stays gone.
"""
from __future__ import annotations

import subprocess

from telephonist.engine import EventType

ALARM_RED = 1 << 3


def test_losing_the_peer_span_raises_red_alarm_on_span_1(rig_factory, tmp_path):
    rig = rig_factory([3])
    rig.pump(1.5)
    assert not [e for e in rig.events if e.type == EventType.ALARM], "alarm before the peer went away"
    assert rig.engine.dahdi_span_status(1).alarms == 0
    only_span2 = tmp_path / "span2.conf"
    only_span2.write_text("dynamic=loc,1:1,24,0\n")
    subprocess.run(["dahdi_cfg", "-s", "-c", str(only_span2)], capture_output=True, text=True, timeout=30)
    ev = rig.wait_for(lambda e: e.type == EventType.ALARM and e.chan == -1 and e.a & ALARM_RED,
                      "a RED alarm on span 1", timeout=15)
    assert "RED" in ev.text
    st = rig.engine.dahdi_span_status(1)
    assert st.alarms & ALARM_RED and "RED" in st.alarm_text
