"""A span alarm reaches the engine as EV_ALARM (chan = -DAHDI span number), and chand acts on it.

dahdi_dynamic raises RED on a span that has received nothing for a second. Taking span 2
away (dahdi_cfg -s with a config naming only span 2 destroys that dynamic span) leaves
span 1's loopback without a peer: the one alarm these loopback spans can produce. The test
runs last (conftest) because span 2 stays gone. chand, whose spans all sit on span 1, must
tell its subscribers `span_alarm`, show the alarm in `telephonist status` and block the lines.
"""
from __future__ import annotations

import asyncio
import json
import subprocess

from chand_rig import AsyncRig

from telephonist.client import Client
from telephonist.engine import AlarmEvent

ALARM_RED = 1 << 3


async def lose_the_peer(chand, tmp_path) -> None:
    noc = await Client.connect_unix(chand.socket, app="noc", role="monitor")
    await noc.call("subscribe")
    rig = AsyncRig([3])
    try:
        await asyncio.sleep(1.5)
        assert not [e for e in rig.events if isinstance(e, AlarmEvent)], "alarm before the peer went away"
        assert rig.engine.dahdi_span_status(1).alarms == 0
        told = {name: noc.expect("span_alarm", span=name) for name in ("pstn", "phones", "e1")}
        only_span2 = tmp_path / "span2.conf"
        only_span2.write_text("dynamic=loc,1:1,24,0\n")
        await asyncio.to_thread(subprocess.run, ["dahdi_cfg", "-s", "-c", str(only_span2)], capture_output=True,
                                text=True, timeout=30)
        ev = await rig.wait_for(lambda e: isinstance(e, AlarmEvent) and e.span == 1 and e.bits & ALARM_RED,
                                "a RED alarm on span 1", timeout=15)
        assert "RED" in ev.text
        st = rig.engine.dahdi_span_status(1)
        assert st.alarms & ALARM_RED and "RED" in st.alarm_text

        for name, fut in told.items():
            alarm = await asyncio.wait_for(fut, 15)
            assert alarm["dahdi_span"] == 1 and "RED" in alarm["alarms"] and alarm["bits"] & ALARM_RED, alarm
        status = await noc.call("status")
        assert {s["name"]: "RED" in s["alarms"] for s in status["spans"]} == {"pstn": True, "phones": True, "e1": True}
        assert {ln["state"] for ln in status["lines"]} == {"blocked"}, status["lines"]
        text = chand.cli("status", "--socket", chand.socket)
        assert text.returncode == 0 and "alarms: RED" in text.stdout, text.stdout + text.stderr
        js = json.loads(chand.cli("status", "--socket", chand.socket, "--json").stdout)
        assert "RED" in js["spans"][0]["dahdi"][0]["alarms"]
    finally:
        rig.close()
        await noc.close()


def test_losing_the_peer_span_raises_red_alarm_on_span_1(chand, tmp_path):
    asyncio.run(lose_the_peer(chand, tmp_path))
