"""What one call sets is the call's: its no-answer time, its owner, its media end with it."""
import pytest

from telephonist.chand.routing import Route
from telephonist.client import ApiCallError
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


async def rang_for(app, chand, **dial) -> int:
    """Dial, wait for the failure and for the line to be free again; how long (engine ms) the call rang
    after the number was sent."""
    await app.call("subscribe", lines=True)
    mark = app.mark()
    r = await app.call("dial", trunk_group="out", **dial)
    sent = await app.wait_for("line_state", chan=r["chan"], state="proceeding", since=mark, timeout=60)
    failed = await app.wait_for("dial_failed", chan=r["chan"], since=mark, timeout=60)
    ended = await app.wait_for("ended", chan=r["chan"], since=mark, timeout=60)
    await app.wait_for("line_state", chan=r["chan"], state="idle", since=mark, timeout=60)
    assert failed["disposition"] == ended["disposition"] == "no_answer"
    return failed["time_ms"] - sent["time_ms"]


@pytest.mark.parametrize("kind", ["e1", "fxo"])
async def test_a_calls_no_answer_time_is_not_left_on_the_line_for_the_next_call(tmp_path, kind):
    spans = [SpanSpec("out", kind, 1), SpanSpec("in", "e1", 2)]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("out", ["out/*"])],
                             numbers=[NumberBehaviour("139*", "no_answer")], records=True) as chand:
        app = await chand.client("dialler")
        short = await rang_for(app, chand, number="13900000001", timeout_ms=6000)
        default = await rang_for(app, chand, number="13900000002")
        again = await rang_for(app, chand, number="13900000003", timeout_ms=9000)
        line_default = chand.board.lines["out/1"].sig.opt.no_answer_ms
        assert (short, again) == (6000, 9000) and default == line_default, (short, default, again, line_default)


async def test_a_transfers_no_answer_time_stays_with_the_transfer(tmp_path):
    spans = [SpanSpec("out", "e1", 1), SpanSpec("in", "e1", 2)]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("out", ["out/*"])],
                             routes=[Route("app:ivr", lines=("in/*",))],
                             numbers=[NumberBehaviour("139*", "no_answer")], records=True) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
        await tester.call("subscribe", lines=True)
        mark = ivr.mark()
        far = (await tester.call("sim.call", span="in", caller="1380000", dialled="4008"))["far"]
        await tester.wait_for("far", far=far, what="connected", since=0)
        up = await ivr.wait_for("answered", since=mark)
        await ivr.call("transfer", chan=up["chan"], trunk_group="out", number="13900000009", timeout_ms=4000)
        # the transfer gives up after 4 s and hangs up the caller
        await tester.wait_for("far", far=far, what="released", since=0, timeout=60)
        failed = await tester.wait_for("line_state", chan="out/1", state="clearing", since=0, timeout=60)
        sent = await tester.wait_for("line_state", chan="out/1", state="proceeding", since=0)
        assert failed["time_ms"] - sent["time_ms"] == 4000
        await tester.wait_for("line_state", chan="out/1", state="idle", since=0, timeout=60)
        default = await rang_for(ivr, chand, number="13900000010")
        assert default == chand.board.lines["out/1"].sig.opt.no_answer_ms


async def test_a_call_belongs_to_its_application_until_it_ends(tmp_path):
    spans = [SpanSpec("in", "e1", 1)]
    async with running_chand(tmp_path, spans, default_route="app:ivr") as chand:
        ivr = await chand.client("ivr")
        other = await chand.client("crm")
        tester = await chand.client("tester")
        ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
        far = (await tester.call("sim.call", span="in", caller="1380000", dialled="4008"))["far"]
        await tester.wait_for("far", far=far, what="connected", since=0)
        with pytest.raises(ApiCallError) as e:
            await other.call("play", chan="in/1", items=[{"tone": "busy", "ms": 100}])
        assert e.value.code == "not_owner"
        status = await tester.call("status")
        assert status["lines"][0]["owner"] == ivr.session
        mark = ivr.mark()
        await tester.call("sim.hangup", far=far)
        await ivr.wait_for("ended", chan="in/1", since=mark)
        status = await tester.call("status")
        assert status["lines"][0]["owner"] is None and "call_id" not in status["lines"][0]
        with pytest.raises(ApiCallError) as e:
            await ivr.call("play", chan="in/1", items=[{"tone": "busy", "ms": 100}])
        assert e.value.code == "not_owner"


async def test_keys_typed_ahead_of_a_password_are_hidden_in_the_record(tmp_path):
    """Keys pressed while no collection runs land in the call's record; once the application says they
    were a password (a secret collect starting with them, or `conceal` when they already answered the
    question), the record keeps them as '*'."""
    async with running_chand(tmp_path, [SpanSpec("in", "e1", 1)], default_route="app:ivr", records=True) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
        far = (await tester.call("sim.call", span="in", caller="1380000", dialled="4008"))["far"]
        await tester.wait_for("far", far=far, what="connected", since=0)

        async def press(keys: str) -> None:
            mark = ivr.mark()
            await tester.call("sim.dtmf", far=far, digits=keys)
            await ivr.wait_for(lambda e: e["event"] == "dtmf" and e["digit"] == keys[-1], since=mark)
        await press("8001#")                          # an account: stays as pressed
        await press("2468")                           # typed ahead of the password question
        r = await ivr.call("collect", chan="in/1", min=6, max=6, secret=True, initial="2468")
        await press("10")                             # the rest, into the secret collection
        await ivr.wait_for("collect_done", collect=r["collect"], since=0)
        await press("99#")                            # answered ahead, then declared a secret
        await ivr.call("conceal", chan="in/1", keys=3)
        await press("5")
        await tester.call("sim.hangup", far=far)
        await ivr.wait_for("ended", since=0)
        await chand.board.recorder.drain()
        [leg] = await chand.store.recent(1)
        pressed = "".join(e.data["digit"] for e in await chand.store.events(leg.id) if e.kind == "dtmf")
        assert pressed == "8001#" + "*" * 9 + "5", pressed
        collected = [e.data for e in await chand.store.events(leg.id) if e.kind == "collect"]
        assert collected == [{"digits": "******", "reason": "max_digits"}]
