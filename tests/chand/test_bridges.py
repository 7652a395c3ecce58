"""Bridges keep their calls apart: made and torn down in any order, a bridge never shares its
engine conference with another one, so every far end hears its partner and nobody else."""
import asyncio
import random

from tests.support.chand_harness import SpanSpec, running_chand

DIGITS = "0123456789*#ABCD"


class Pair:
    def __init__(self, number: int, a: str, b: str) -> None:
        self.number = number
        self.chans = (a, b)
        self.fars = (f"{a}~far", f"{b}~far")
        self.sent = {far: "" for far in self.fars}     # what each far end said while bridged

    def partner(self, far: str) -> str:
        return self.fars[1] if far == self.fars[0] else self.fars[0]


async def test_two_hundred_bridges_in_random_order_never_cross(tmp_path):
    rng = random.Random(20261206)
    spans = [SpanSpec("a", "e1", 16), SpanSpec("b", "e1", 16)]
    async with running_chand(tmp_path, spans, default_route="app:bridger") as chand:
        app = await chand.client("bridger")
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=True)
        app.on("offer", lambda ev: app.call("answer", chan=ev["chan"]))
        # a partner left the bridge: the app hangs up the one left alone
        app.on("unbridged", lambda ev: app.call("hangup", chan=ev["chan"]))
        heard: dict[str, str] = {}                 # far end -> the digits it heard while in its pair
        wanted: dict[str, tuple[int, asyncio.Future]] = {}

        def on_far(ev):
            far = ev["far"]
            if ev["what"] == "dtmf" and far in heard:
                heard[far] += ev["digit"]
                n, fut = wanted.get(far, (0, None))
                if fut is not None and len(heard[far]) >= n and not fut.done():
                    fut.set_result(None)
        tester.on("far", on_far)

        async def hears(far: str, n: int) -> None:
            if len(heard[far]) < n:
                wanted[far] = (n, asyncio.get_running_loop().create_future())
                try:
                    await asyncio.wait_for(wanted[far][1], 10)
                except TimeoutError:
                    pass            # the assertion below says what it heard instead

        async def connect(span: str, mark: int) -> str:
            r = await tester.call("sim.call", span=span, caller="1390000", dialled="4008001234")
            await tester.wait_for("far", far=r["far"], what="connected", since=mark)
            return r["chan"]

        active: list[Pair] = []
        made = 0
        while made < 200 or active:
            if made < 200 and (len(active) < 2 or len(active) < 12 and rng.random() < 0.55):
                mark = tester.mark()
                a, b = await asyncio.gather(connect("a", mark), connect("b", mark))
                made += 1
                pair = Pair(made, a, b)
                for far in pair.fars:
                    heard[far] = ""
                await app.call("bridge", chans=[a, b])
                active.append(pair)
            else:
                pair = active.pop(rng.randrange(len(active)))
                how = rng.choice(("a hangs up", "b hangs up", "app unbridges"))
                for far in pair.fars:
                    del heard[far]
                mark = tester.mark()
                if how == "app unbridges":
                    await app.call("unbridge", chan=pair.chans[0])
                    await app.call("hangup", chan=pair.chans[0])
                else:
                    await tester.call("sim.hangup", far=pair.fars[0 if how == "a hangs up" else 1])
                for chan in pair.chans:
                    await tester.wait_for("line_state", chan=chan, state="idle", since=mark, timeout=30)
                continue
            # every pair up now says a digit of its own at the same time; each far end must hear
            # exactly what its partner said
            for p in active:
                for side, far in enumerate(p.fars):
                    digit = DIGITS[(p.number * 2 + side + made) % len(DIGITS)]
                    p.sent[far] += digit
                    await tester.call("sim.dtmf", far=far, digits=digit)
            for p in active:
                for far in p.fars:
                    await hears(far, len(p.sent[p.partner(far)]))
            for p in active:
                for far in p.fars:
                    assert heard[far] == p.sent[p.partner(far)], (heard, [(q.number, q.sent) for q in active], [e for e in tester.events[-60:] if e.get("what") in ("dtmf", "dtmf_sent")],
                        f"pair {p.number} {far} heard {heard[far]!r}, its partner said {p.sent[p.partner(far)]!r}")
