"""Analog lines end to end on sim spans: FXO inbound and outbound, FXS phones."""
import shutil
import subprocess

import pytest

from telephonist.chand.signalling import LineOptions
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory):
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.fail("espeak-ng and sox are needed (scripts/bootstrap.sh installs them)")
    d = tmp_path_factory.mktemp("speech")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(d / "raw.wav"),
                    "Hello, this is Wang from the gas company, how can I help you today?"], check=True)
    subprocess.run(["sox", str(d / "raw.wav"), "-r", "8000", "-c", "1", "-b", "16", str(d / "hello.wav")], check=True)
    return str(d / "hello.wav")


async def answer_all(client, chand_app_events):
    async def on_offer(ev):
        chand_app_events.append(ev)
        await client.call("answer", chan=ev["chan"])
    client.on("offer", on_offer)


@pytest.mark.parametrize("disconnect", ["open_loop", "busy_tone"])
async def test_fxo_inbound_ring_answer_dtmf_and_far_hangup(tmp_path, disconnect):
    spans = [SpanSpec("pstn", "fxo", 2, far_disconnect=disconnect, far_cid="bell202")]
    async with running_chand(tmp_path, spans, default_route="app:desk", records=True) as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        offers = []
        await answer_all(desk, offers)
        mark = tester.mark()
        r = await tester.call("sim.call", chan="pstn/2", caller="13812345678")
        far = r["far"]
        await tester.wait_for("far", far=far, what="connected", since=mark, timeout=60)
        await desk.wait_for("answered", chan="pstn/2", since=0)
        await tester.call("sim.dtmf", far=far, digits="58#")
        for d in "58#":
            await desk.wait_for("dtmf", chan="pstn/2", digit=d, since=0)
        await tester.call("sim.hangup", far=far)
        ended = await desk.wait_for("ended", chan="pstn/2", since=0, timeout=60)
        assert ended["disposition"] == "answered"
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(5)
        assert leg.disposition == "answered" and leg.span == "pstn" and leg.channel == 2
        assert leg.hangup_cause in ("open_loop", "busy_tone")
        assert offers[0]["direction"] == "inbound"
        assert offers[0]["caller"] == "13812345678"          # FSK caller ID between the rings
        assert leg.caller == "13812345678"


@pytest.mark.parametrize("cid", ["dtmf", "v23"])
async def test_fxo_caller_id_standards(tmp_path, cid):
    from telephonist.chand.signalling import LineOptions
    spans = [SpanSpec("pstn", "fxo", 1, options=LineOptions(cid=cid), far_cid=cid)]
    async with running_chand(tmp_path, spans, default_route="app:desk") as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        await tester.call("sim.call", chan="pstn/1", caller="02161234567", cid_name="Zhang San")
        offer = await desk.wait_for("offer", since=0, timeout=60)
        assert offer["caller"] == "02161234567"
        if cid == "v23":
            assert offer["cid_name"] == "Zhang San"


async def far_hangs_up_by_polarity(chand, tester, app, far):
    """The far end hangs up by reversing the loop: the application hears it and the record says so."""
    await tester.call("sim.hangup", far=far)
    hangup = await app.wait_for("hangup", chan="pstn/1", since=0, timeout=60)
    assert hangup["cause"] == "polarity"
    await app.wait_for("ended", chan="pstn/1", since=0, timeout=60)
    await chand.board.recorder.drain()
    leg, = await chand.store.recent(5)
    assert (leg.disposition, leg.hangup_cause) == ("answered", "polarity")


async def test_fxo_polarity_reversal_disconnect(tmp_path):
    """Lines that signal hang-up by reversing the loop (DAHDI loopback spans cannot reverse one)."""
    opts = LineOptions(polarity_disconnect=True, busy_tone_disconnect=False, open_loop_disconnect=False)
    spans = [SpanSpec("pstn", "fxo", 1, options=opts, far_disconnect="polarity")]
    async with running_chand(tmp_path, spans, default_route="app:desk", records=True) as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        await answer_all(desk, [])
        mark = tester.mark()
        r = await tester.call("sim.call", chan="pstn/1", caller="13812345678")
        await tester.wait_for("far", far=r["far"], what="connected", since=mark, timeout=60)
        await far_hangs_up_by_polarity(chand, tester, desk, r["far"])


async def test_fxo_outbound_answer_and_hang_up_by_polarity_reversal(tmp_path):
    """A line with the reversal service: a callee who answers without a word is answered at once (the
    loop reverses), and its hang-up reverses it back. Loopback DAHDI spans cannot reverse a loop."""
    opts = LineOptions(answer_on_polarity=True, answer_on_voice=False, polarity_disconnect=True,
                       busy_tone_disconnect=False, open_loop_disconnect=False)
    spans = [SpanSpec("pstn", "fxo", 1, options=opts, far_disconnect="polarity")]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("local", ["pstn/*"])],
                             numbers=[NumberBehaviour("138*", "answer", after_rings=2)], records=True) as chand:
        app = await chand.client("dialer")
        tester = await chand.client("tester")
        await tester.call("sim.take", far="pstn/1~far")
        r = await app.call("dial", trunk_group="local", number="13800138000")
        ev = await app.wait_for(lambda e: e.get("chan") == r["chan"] and e["event"] in ("answered", "dial_failed"),
                                since=0, timeout=60)
        assert ev["event"] == "answered" and ev["how"] == "polarity", ev
        far_answered = await tester.wait_for("far", what="answered", since=0, timeout=60)
        assert ev["time_ms"] - far_answered["time_ms"] <= 100     # at the reversal, not after a voice
        await far_hangs_up_by_polarity(chand, tester, app, "pstn/1~far")


async def test_fxo_inbound_caller_gives_up_is_abandoned(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)], default_route="app:slow", records=True) as chand:
        slow = await chand.client("slow")          # is offered the call but never answers
        tester = await chand.client("tester")
        r = await tester.call("sim.call", chan="pstn/1", caller="13800000000")
        await slow.wait_for("offer", chan="pstn/1", since=0, timeout=60)
        await tester.call("sim.hangup", far=r["far"])
        ended = await slow.wait_for("ended", chan="pstn/1", since=0, timeout=60)
        assert ended["disposition"] == "abandoned"


async def test_fxo_outbound_answered_by_voice(tmp_path, speech_wav):
    spans = [SpanSpec("pstn", "fxo", 2)]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("local", ["pstn/*"], "descending")],
                             numbers=[NumberBehaviour("138*", "answer", after_rings=2, audio=speech_wav),
                                      NumberBehaviour("139*", "busy")], records=True) as chand:
        app = await chand.client("dialer")
        r = await app.call("dial", trunk_group="local", number="13800138000", caller_id="88880000")
        assert r["chan"] == "pstn/2"          # descending hunting
        ev = await app.wait_for(lambda e: e.get("chan") == "pstn/2" and e["event"] in ("answered", "dial_failed"),
                                since=0, timeout=60)
        assert ev["event"] == "answered", ev
        far = chand.board.sim.by_name["pstn/2"]
        assert far.dialled == "13800138000"
        await app.call("hangup", chan="pstn/2")
        await app.wait_for("ended", chan="pstn/2", since=0)
        mark = app.mark()
        r = await app.call("dial", trunk_group="local", number="13900000000")
        ev = await app.wait_for(lambda e: e.get("chan") == r["chan"] and e["event"] in ("answered", "dial_failed"),
                                since=mark, timeout=60)
        assert ev["event"] == "dial_failed" and ev["disposition"] == "busy", ev


async def test_fxs_phone_lifts_and_dials(tmp_path):
    opts = LineOptions(interdigit_ms=2000)
    spans = [SpanSpec("phones", "fxs", 2, options=opts, extensions=["8001", "8002"])]
    async with running_chand(tmp_path, spans, default_route="app:pbx") as chand:
        pbx = await chand.client("pbx")
        tester = await chand.client("tester")
        offers = []
        await answer_all(pbx, offers)
        await tester.call("sim.call", chan="phones/1", dialled="8002")
        offer = await pbx.wait_for("offer", since=0, timeout=60)
        assert offer["chan"] == "phones/1" and offer["dialled"] == "8002" and offer["caller"] == "8001"
        # ring the other phone; it answers after two rings
        await tester.call("sim.take", far="phones/2~far", auto_answer_rings=2)
        r = await pbx.call("dial", trunk_group="__phones", number="8002") if "__phones" in chand.board.trunk_groups \
            else None
        assert r is None   # no trunk group of phones configured in this test: ringing phones is tested below


async def test_hook_flash_both_ways(tmp_path):
    """A phone's recall key reaches the application owning its call as `flash` (and the call record);
    our flash on a trunk (to the exchange, for its transfer service) reaches the exchange."""
    spans = [SpanSpec("phones", "fxs", 1, extensions=["8001"]), SpanSpec("pstn", "fxo", 1)]
    async with running_chand(tmp_path, spans, default_route="app:pbx", records=True) as chand:
        pbx = await chand.client("pbx")
        tester = await chand.client("tester")
        await answer_all(pbx, [])
        await tester.call("sim.call", chan="phones/1", dialled="8002#")
        await pbx.wait_for("answered", chan="phones/1", since=0, timeout=60)
        await tester.call("sim.flash", far="phones/1~far")
        flash = await pbx.wait_for("flash", chan="phones/1", since=0, timeout=60)
        assert flash["chan"] == "phones/1"
        assert chand.board.lines["phones/1"].state.value == "up"        # a flash is not a hang-up

        mark = tester.mark()
        r = await tester.call("sim.call", chan="pstn/1", caller="13812345678")
        await tester.wait_for("far", far=r["far"], what="connected", since=mark, timeout=60)
        mark = tester.mark()
        await pbx.call("flash", chan="pstn/1")
        await tester.wait_for("far", far=r["far"], what="flash", since=mark, timeout=60)
        with pytest.raises(Exception, match="phone|not possible"):
            await pbx.call("flash", chan="phones/1")
        await tester.call("sim.hangup", far="phones/1~far")
        await pbx.wait_for("ended", chan="phones/1", since=0, timeout=60)
        await chand.board.recorder.drain()
        [phone_leg] = [leg for leg in await chand.store.recent(5) if leg.span == "phones"]
        assert "flash" in [e.kind for e in await chand.store.events(phone_leg.id)]


@pytest.mark.parametrize("cid", ["bell202", "dtmf"])
async def test_a_rung_phone_shows_the_callers_number(tmp_path, cid):
    """A phone chand rings answers by going off hook after two rings; its display shows the caller:
    FSK in the first ring pause, or DTMF before the first ring."""
    spans = [SpanSpec("phones", "fxs", 1, options=LineOptions(cid=cid), extensions=["8001"], far_cid=cid)]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])]) as chand:
        pbx = await chand.client("pbx")
        tester = await chand.client("tester")
        await tester.call("sim.take", far="phones/1~far", auto_answer_rings=2)
        r = await pbx.call("dial", trunk_group="agents", number="8001", caller_id="13811112222")
        ev = await pbx.wait_for(lambda e: e.get("chan") == r["chan"] and e["event"] in ("answered", "dial_failed"),
                                since=0, timeout=60)
        assert ev["event"] == "answered" and ev["how"] == "off_hook"
        assert len([e for e in tester.events if e.get("what") == "ringing"]) == 2
        seen = [(e["what"], e.get("text", "")) for e in tester.events if e.get("what") in ("ringing", "cid")]
        shown = [i for i, (what, text) in enumerate(seen) if what == "cid" and "number=13811112222" in text]
        assert len(shown) == 1, seen
        first_ring = [what for what, _ in seen].index("ringing")
        assert (shown[0] < first_ring) if cid == "dtmf" else (shown[0] > first_ring), seen
