"""The conference node: the caller keys the room's PIN and joins a conference room of chand's.

chand keeps the rooms ([[conferences]] in telephonist.toml, telephonist/chand/conferences.py): their PINs,
limit, lock, muting and recording. This node asks for the PIN (wrong 3 times: a message and the call ends),
then asks chand to put the caller in; a full or locked room is a message and the end of the call. The
caller then stays in the room until they hang up or a supervisor removes them. A route to `conf:NAME`
runs this node alone with its defaults (`conference_flow`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telephonist.client import ApiCallError
from telephonist.ivrd.flow_model import Flow, Node
from telephonist.ivrd.nodes.registry import MAX_FLOW_MS, CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call

REFUSALS = {"conference_full": "full_prompts", "conference_locked": "locked_prompts"}


@register
class Conference(NodeType):
    """room = "board" (${var} allowed): the caller enters room `board` after keying its PIN.
        type = "conference"
        room = "board"
        pin_prompts = "{lang}/conf/enter-pin.wav"
    On a wrong PIN the caller hears wrong_pin_prompts and tries again, `attempts` times in all, then
    fail_prompts and the call ends. A locked room (unless the leader's PIN was keyed) says locked_prompts,
    a full one full_prompts, and the call ends. In the room the node waits for the caller to leave."""
    name = "conference"
    terminal = True
    fields = (Field("room", "str", required=True, help="the [[conferences]] room"),
              Field("pin_prompts", "prompts", default="{lang}/conf/enter-pin.wav"),
              Field("wrong_pin_prompts", "prompts", default="{lang}/conf/wrong-pin.wav"),
              Field("fail_prompts", "prompts", default="{lang}/conf/goodbye.wav", help="after the last wrong PIN"),
              Field("full_prompts", "prompts", default="{lang}/conf/full.wav"),
              Field("locked_prompts", "prompts", default="{lang}/conf/locked.wav"),
              Field("attempts", "int", default=3, range=(1, 10)),
              Field("timeout_ms", "int", default=8000, range=(100, MAX_FLOW_MS)),
              Field("inter_digit_ms", "int", default=4000, range=(100, MAX_FLOW_MS)))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        room = node.get("room")
        if "${" not in room and not 0 < len(room) <= 32:
            ctx.problem("room", "room must name a [[conferences]] room (1-32 characters)")

    async def run(self, node: "Node", call: "Call") -> str | None:
        room = str(call.expand(node.get("room")))
        needed = (await _ask(call, "conf_check_pin", conf=room))["pin_needed"]
        pin = ""
        if needed:
            pin = await self._pin(node, call, room)
            if pin is None:
                await call.play(node.get("fail_prompts"))
                call.step("wrong_pin", detail={"room": room})
                call.end("conference_refused", f"{room}: wrong PIN")
                await call.hangup()
                return None
        try:
            r = await _ask(call, "conf_enter", conf=room, pin=pin)
        except ApiCallError as exc:
            if exc.code not in REFUSALS:
                raise _failed(exc) from exc
            await call.play(node.get(REFUSALS[exc.code]))
            call.step(exc.code.removeprefix("conference_"), detail={"room": room})
            call.end("conference_refused", f"{room}: {exc.code.removeprefix('conference_')}")
            await call.hangup()
            return None
        call.step("entered", detail={"room": room, "leader": r["leader"], "parties": r["parties"]})
        call.end("conference", room)
        await call.wait_event(lambda e: False)          # until the caller leaves (CallerHungUp)
        return None

    async def _pin(self, node: "Node", call: "Call", room: str) -> str | None:
        """The PIN keyed (the room's or the leader's), or None after `attempts` wrong ones."""
        for attempt in range(node.get("attempts")):
            r = await call.collect(node.get("pin_prompts"), 1, 12, "#", node.get("timeout_ms"),
                                   node.get("inter_digit_ms"), secret=True)
            if r.digits:
                try:
                    await _ask(call, "conf_check_pin", conf=room, pin=r.digits)
                    return r.digits
                except ApiCallError as exc:
                    if exc.code != "wrong_pin":
                        raise _failed(exc) from exc
            if attempt + 1 < node.get("attempts"):
                await call.play(node.get("wrong_pin_prompts"))
        return None


async def _ask(call: "Call", cmd: str, **args: Any) -> dict[str, Any]:
    """A conference command whose refusal the node reads by its code (CallerHungUp if the call is gone)."""
    from telephonist.ivrd.call import CallerHungUp
    try:
        return await call.client.call(cmd, chan=call.chan, **args) or {}
    except ApiCallError as exc:
        if call.hung_up or exc.code == "not_owner":
            raise CallerHungUp() from exc
        raise
    except ConnectionError as exc:
        raise CallerHungUp() from exc


def _failed(exc: ApiCallError) -> Exception:
    from telephonist.ivrd.call import FlowRuntimeError
    return FlowRuntimeError(f"conference refused: {exc}")


def conference_flow(target: str) -> Flow:
    """What a route to `conf:NAME` runs: one conference node with its defaults."""
    room = target.partition(":")[2]
    params = {f.name: f.default for f in Conference.fields}
    params.update(type="conference", room=room)
    node = Node("conference", "conference", params, file="<conf:route>", line=0)
    return Flow(name=target, file="<conf:route>", start="conference", nodes={"conference": node})


def espeak_table() -> dict[str, tuple[str, str]]:
    """The node's default prompts for `telephonist prompts` (espeak-ng)."""
    en, zh = "en-us", "cmn-latn-pinyin"
    return {
        "en/conf/enter-pin": (en, "Please enter the conference PIN, followed by the hash key."),
        "en/conf/wrong-pin": (en, "Sorry, that PIN is not right."),
        "en/conf/goodbye": (en, "Sorry, we could not let you in. Goodbye."),
        "en/conf/full": (en, "Sorry, this conference is full. Goodbye."),
        "en/conf/locked": (en, "Sorry, this conference is locked. Goodbye."),
        "zh/conf/enter-pin": (zh, "qing3 shu1 ru4 hui4 yi4 mi4 ma3, yi3 jing3 hao4 jian4 jie2 shu4."),
        "zh/conf/wrong-pin": (zh, "dui4 bu4 qi3, mi4 ma3 bu4 zheng4 que4."),
        "zh/conf/goodbye": (zh, "dui4 bu4 qi3, wu2 fa3 jin4 ru4 hui4 yi4. zai4 jian4."),
        "zh/conf/full": (zh, "dui4 bu4 qi3, hui4 yi4 ren2 shu4 yi3 man3. zai4 jian4."),
        "zh/conf/locked": (zh, "dui4 bu4 qi3, hui4 yi4 yi3 suo3 ding4. zai4 jian4."),
    }
