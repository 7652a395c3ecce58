"""Nodes that talk to the caller: play, menu, collect, language, hangup."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from telephonist.ivrd.nodes.registry import MAX_FLOW_MS, CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

DIGITS = "0123456789*#"


@register
class Play(NodeType):
    """Prompts, one after the other; with barge_in a key ends them (and counts for the next menu)."""
    name = "play"
    fields = (Field("prompts", "prompts", required=True), Field("barge_in", "bool", default=False),
              Field("next", "node"))

    async def run(self, node: "Node", call: "Call") -> str | None:
        r = await call.play(node.get("prompts"), barge_in=node.get("barge_in"))
        call.step(r.reason, digits=r.digit or None)
        return node.get("next")


class _Asking(NodeType):
    """Shared by menu and collect: retries with their own prompts on a time-out or a bad entry."""
    asking_fields = (
        Field("prompts", "prompts", required=True),
        Field("timeout_ms", "int", default=5000, help="from the end of the prompt to the first key",
              range=(100, MAX_FLOW_MS)),
        Field("inter_digit_ms", "int", default=3000, range=(100, MAX_FLOW_MS)),
        Field("retries", "int", default=3, help="attempts in all before on_fail", range=(1, 20)),
        Field("timeout_prompts", "prompts", help="heard after a time-out, before the prompt again"),
        Field("invalid_prompts", "prompts", help="heard after a wrong entry, before the prompt again"),
        Field("fail_prompts", "prompts", help="heard when the attempts are used up"),
        Field("on_fail", "node", help="where to go when the attempts are used up (unset: hang up)"),
        Field("barge_in", "bool", default=True),
    )

    async def ask(self, node: "Node", call: "Call", min_d: int, max_d: int, terms: str,
                  accept, secret: bool = False) -> tuple[str | None, str]:
        """(the accepted entry or None when the attempts are used up, the last result)."""
        result = ""
        for attempt in range(node.get("retries")):
            r = await call.collect(node.get("prompts"), min_d, max_d, terms, node.get("timeout_ms"),
                                   node.get("inter_digit_ms"), barge_in=node.get("barge_in"), secret=secret)
            if r.reason in ("timeout", "too_short") and not r.digits:
                result = "timeout"
                call.step("timeout", detail={"attempt": attempt + 1})
                if attempt + 1 < node.get("retries"):
                    await call.play(node.get("timeout_prompts"))
                continue
            if accept(r.digits):
                return r.digits, "ok"
            result = "invalid"
            call.step("invalid", digits=r.digits, detail={"attempt": attempt + 1})
            if attempt + 1 < node.get("retries"):
                await call.play(node.get("invalid_prompts"))
        await call.play(node.get("fail_prompts"))
        return None, result


@register
class Menu(_Asking):
    """A key for each choice, at any depth (a choice may go to another menu)."""
    name = "menu"
    fields = _Asking.asking_fields + (Field("choices", "node_map", required=True),)

    def check(self, node: "Node", ctx: CheckContext) -> None:
        super().check(node, ctx)
        for key in node.get("choices"):
            if len(key) != 1 or key not in DIGITS:
                ctx.problem("choices", f"choice key {key!r} must be one of {DIGITS}")

    async def run(self, node: "Node", call: "Call") -> str | None:
        choices = node.get("choices")
        digit, result = await self.ask(node, call, 1, 1, "", lambda d: d in choices)
        if digit is None:
            call.step("failed", detail={"last": result})
            return node.get("on_fail")
        call.step("ok", digits=digit)
        return choices[digit]


@register
class Collect(_Asking):
    """Digits into a variable: min/max, terminator, validation by pattern or check digit."""
    name = "collect"
    fields = _Asking.asking_fields + (
        Field("var", "str", required=True),
        Field("min_digits", "int", default=1),
        Field("max_digits", "int", default=20),
        Field("terminator", "str", default="#"),
        Field("pattern", "str", help="a regular expression the whole entry must match"),
        Field("check_digit", "str", help="luhn (bank cards) or mod11 (ID numbers)"),
        Field("next", "node"),
    )
    CHECKS = ("luhn", "mod10", "mod11")

    def check(self, node: "Node", ctx: CheckContext) -> None:
        super().check(node, ctx)
        if not 0 <= node.get("min_digits") <= node.get("max_digits") <= 64:
            ctx.problem("max_digits", "need 0 <= min_digits <= max_digits <= 64")
        if any(t not in DIGITS for t in node.get("terminator")):
            ctx.problem("terminator", "terminator must be keys of the phone (# or *)")
        if node.get("pattern"):
            try:
                node.compiled["pattern"] = re.compile(node.get("pattern"))
            except re.error as exc:
                ctx.problem("pattern", f"pattern does not compile: {exc}")
        if node.get("check_digit") and node.get("check_digit") not in self.CHECKS:
            ctx.problem("check_digit", f"check_digit must be one of {', '.join(self.CHECKS)}")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", node.get("var")):
            ctx.problem("var", "var must be a variable name")

    def valid(self, node: "Node", digits: str) -> bool:
        if len(digits) < node.get("min_digits"):
            return False
        pat = node.compiled.get("pattern")
        if pat is not None and not pat.fullmatch(digits):
            return False
        check = node.get("check_digit")
        if check in ("luhn", "mod10"):
            return luhn_ok(digits)
        if check == "mod11":
            return mod11_ok(digits)
        return True

    async def run(self, node: "Node", call: "Call") -> str | None:
        secret = "password" in node.get("var") or "pin" in node.get("var")
        digits, result = await self.ask(node, call, node.get("min_digits"), node.get("max_digits"),
                                        node.get("terminator"), lambda d: self.valid(node, d), secret=secret)
        if digits is None:
            call.step("failed", detail={"last": result})
            return node.get("on_fail")
        call.vars[node.get("var")] = digits
        call.step("ok", digits="*" * len(digits) if secret else digits)
        return node.get("next")


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mod11_ok(digits: str) -> bool:
    """GB 11643 (Chinese resident ID): 17 digits and a check character; * stands for X on a phone."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(digits[:17], weights)) % 11]
    return digits[17].upper() == check or (check == "X" and digits[17] == "*")


@register
class Language(_Asking):
    """The caller chooses the language of the prompts from here on ({lang} in prompt names)."""
    name = "language"
    fields = _Asking.asking_fields + (Field("choices", "str_map", required=True), Field("next", "node"))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        super().check(node, ctx)
        for key, lang in node.get("choices").items():
            if len(key) != 1 or key not in DIGITS:
                ctx.problem("choices", f"choice key {key!r} must be one of {DIGITS}")
            if lang not in ctx.languages:
                ctx.problem("choices", f"unknown language {lang!r}; configured: {', '.join(ctx.languages)}")

    async def run(self, node: "Node", call: "Call") -> str | None:
        choices = node.get("choices")
        digit, _ = await self.ask(node, call, 1, 1, "", lambda d: d in choices)
        if digit is not None:
            call.set_language(choices[digit])
            call.vars["language_chosen"] = True      # a flow entered later need not ask again
        call.step("ok" if digit else "default", digits=digit, detail={"language": call.lang})
        return node.get("next")


@register
class Hangup(NodeType):
    """Say goodbye (optional prompts) and hang up."""
    name = "hangup"
    terminal = True
    fields = (Field("prompts", "prompts"), Field("cause", "str", default="normal"))

    async def run(self, node: "Node", call: "Call") -> str | None:
        await call.play(node.get("prompts"))
        call.step("ok")
        call.end("hangup")
        await call.hangup(node.get("cause"))
        return None
