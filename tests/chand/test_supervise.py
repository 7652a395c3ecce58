"""A supervisor joins an agent's call already bridged: listens, coaches the agent, barges in; an agent
holds the caller (music) and takes them back. What each far end hears is checked by its keys."""

import pytest

from telephonist.client import ApiCallError
from tests.support.chand_harness import SpanSpec, running_chand


class Party:
    def __init__(self, tester, chan: str) -> None:
        self.tester = tester
        self.chan = chan
        self.far = f"{chan}~far"

    async def say(self, digit: str) -> None:
        await self.tester.call("sim.dtmf", far=self.far, digits=digit)

    def heard_since(self, mark: int) -> str:
        return "".join(e["digit"] for e in self.tester.events[mark:]
                       if e.get("what") == "dtmf" and e.get("far") == self.far)


async def setup_call(chand, tester, ivr, n):
    parties = []
    for i in range(n):
        mark = ivr.mark()
        r = await tester.call("sim.call", span="e1a", caller=f"1380000{i}", dialled="4008")
        await tester.wait_for("far", far=r["far"], what="connected", since=0)
        await ivr.wait_for("answered", chan=r["chan"], since=mark)
        parties.append(Party(tester, r["chan"]))
    return parties


async def round_of(tester, speaker: Party, digit: str, listeners: list[Party], everyone: list[Party]) -> None:
    """speaker says digit, then a marker D; exactly `listeners` hear both (the others hear nothing)."""
    mark = tester.mark()
    await speaker.say(digit + "D")
    await tester.wait_for("far", far=speaker.far, what="dtmf_sent", since=mark)
    # 300 ms of engine time after the keys ended: whatever was heard has been reported by then
    settle = (await tester.call("sim.play", far=speaker.far, items=[{"silence": 300}]))["playback"]
    await tester.wait_for(lambda e: e.get("what") == "play_done" and e["far"] == speaker.far
                          and e.get("playback") == settle, since=mark)
    for p in listeners:
        await tester.wait_for(lambda e, p=p: e.get("what") == "dtmf" and e["far"] == p.far and e["digit"] == "D",
                              since=mark)
    # the marker reached the listeners after the digit: a far end that heard nothing by now hears nothing
    for p in everyone:
        want = digit + "D" if p in listeners else ""
        assert p.heard_since(mark) == want, \
            f"{p.chan} heard {p.heard_since(mark)!r} after {speaker.chan} said {digit!r}, expected {want!r}"


async def test_supervisor_listens_coaches_and_barges_in(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], default_route="app:acd") as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        acd.on("offer", lambda ev: acd.call("answer", chan=ev["chan"]))
        caller, agent, sup = await setup_call(chand, tester, acd, 3)
        everyone = [caller, agent, sup]
        b = (await acd.call("bridge", chans=[caller.chan, agent.chan]))["bridge"]

        r = await acd.call("bridge_join", chan=sup.chan, **{"with": agent.chan}, role="listen")
        assert r["bridge"] == b
        await round_of(tester, caller, "1", [agent, sup], everyone)
        await round_of(tester, agent, "2", [caller, sup], everyone)
        await round_of(tester, sup, "3", [], everyone)                     # listening only: nobody hears

        await acd.call("bridge_join", chan=sup.chan, bridge=b, role="whisper", whisper_to=agent.chan)
        await round_of(tester, sup, "4", [agent], everyone)                # coaching: the agent only
        await round_of(tester, caller, "5", [agent, sup], everyone)

        await acd.call("bridge_join", chan=sup.chan, bridge=b, role="speak")
        await round_of(tester, sup, "6", [caller, agent], everyone)        # barged in: everyone
        status = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert status[sup.chan]["bridge"] == status[caller.chan]["bridge"] == b

        # an application that owns none of the bridge's calls may not listen in
        other = await chand.client("crm")
        with pytest.raises(ApiCallError) as e:
            await other.call("bridge_join", chan=sup.chan, bridge=b)
        assert e.value.code in ("not_owner",)

        # the caller leaves: agent and supervisor still talk (two talkers left); then the agent leaves
        mark = acd.mark()
        await tester.call("sim.hangup", far=caller.far)
        await acd.wait_for("ended", chan=caller.chan, since=mark)
        await round_of(tester, agent, "7", [sup], [agent, sup])
        await tester.call("sim.hangup", far=agent.far)
        await acd.wait_for("unbridged", chan=sup.chan, since=mark)


async def test_a_listener_does_not_keep_a_finished_call_bridged(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], default_route="app:acd") as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        acd.on("offer", lambda ev: acd.call("answer", chan=ev["chan"]))
        caller, agent, sup = await setup_call(chand, tester, acd, 3)
        await acd.call("bridge", chans=[caller.chan, agent.chan])
        await acd.call("bridge_join", chan=sup.chan, **{"with": agent.chan}, role="listen")
        mark = acd.mark()
        await tester.call("sim.hangup", far=caller.far)
        # one talker left: the bridge ends, the agent and the listening supervisor are told
        await acd.wait_for("unbridged", chan=agent.chan, since=mark)
        await acd.wait_for("unbridged", chan=sup.chan, since=mark)
        status = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert "bridge" not in status[agent.chan] and "bridge" not in status[sup.chan]


async def test_hold_takes_the_caller_out_and_gives_music(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], default_route="app:acd", records=True) as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        acd.on("offer", lambda ev: acd.call("answer", chan=ev["chan"]))
        caller, agent = await setup_call(chand, tester, acd, 2)
        both = [caller, agent]
        await acd.call("bridge", chans=[caller.chan, agent.chan])
        await round_of(tester, caller, "1", [agent], both)

        await acd.call("hold", chan=caller.chan)
        mark = tester.mark()
        await tester.call("sim.record", far=caller.far, path=str(tmp_path / "held.wav"), max_ms=5000)
        await round_of(tester, caller, "2", [], both)                      # the agent hears nothing of the caller
        await round_of(tester, agent, "3", [], both)                       # nor the caller of the agent
        await tester.wait_for("far", far=caller.far, what="rec_done", since=mark)
        assert music_heard(tmp_path / "held.wav")                          # the caller hears music (a cycle of it)

        await acd.call("unhold", chan=caller.chan)
        await round_of(tester, caller, "4", [agent], both)
        await round_of(tester, agent, "5", [caller], both)
        status = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert status[caller.chan]["bridge"] == status[agent.chan]["bridge"]
        # a held caller who hangs up ends the call; the agent is told
        await acd.call("hold", chan=caller.chan)
        mark = acd.mark()
        await tester.call("sim.hangup", far=caller.far)
        await acd.wait_for("unbridged", chan=agent.chan, since=mark)
        await acd.wait_for("ended", chan=caller.chan, since=mark)
        await chand.board.recorder.drain()
        legs = {f"{leg.span}/{leg.channel}": leg for leg in await chand.store.recent(5)}
        kinds = [e.kind for e in await chand.store.events(legs[caller.chan].id)]
        assert kinds.count("hold") == 2 and kinds.count("unhold") == 1


def music_heard(path) -> bool:
    """The call-waiting tone (450 Hz in the cn zone) is in the recording."""
    from tests.support import signals as S
    wav = S.read_wav(str(path))
    samples = wav.samples[0]
    return any(S.goertzel_dbm0(samples, 450, s, s + 800) > -30 for s in range(0, len(samples) - 800, 800))


async def test_dial_rings_the_phone_with_that_extension(tmp_path):
    from tests.support.chand_harness import TrunkGroupSpec
    spans = [SpanSpec("phones", "fxs", 3, extensions=["8001", "8002", "8003"])]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("desks", ["phones/*"])]) as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        await tester.call("sim.take", far="phones/3~far")
        r = await acd.call("dial", trunk_group="desks", number="8003", caller_id="4008001234")
        assert r["chan"] == "phones/3"
        await tester.wait_for("far", far="phones/3~far", what="ringing", since=0)
        with pytest.raises(ApiCallError) as e:
            await acd.call("dial", trunk_group="desks", number="8003")
        assert e.value.code == "unavailable" and "8003" in e.value.message
