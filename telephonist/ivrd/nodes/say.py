"""The say node: a value read aloud from recorded fragments (numbers, money, dates ...) or, for free text,
spoken by espeak-ng."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from telephonist.ivrd import say
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register
from telephonist.ivrd.say.fragments import VOICES

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

WHATS = say.KINDS + ("text",)


@register
class Say(NodeType):
    """Reads `value` (${var} allowed) aloud as `what`:
    number ("-3", "2.05"), money (an amount; `currency` CNY → 元/角/分, USD, EUR), date ("2026-11-23";
    `weekday` adds 星期一 / Monday), time ("14:05"), digits (a phone or policy number, digit by digit;
    `yao` reads 1 as 幺 in Mandarin), percent ("12.5" or "12.5%"), or text (any words, spoken by
    espeak-ng and cached). `language` zh or en (default: the call's); `with_and` gives English
    "one hundred and five". `before`/`after` are prompts around the value ({lang} is the node's
    language). A value that cannot be read sends the caller to the fallback, with the reason logged.
    Fragments are "{lang}/say/{key}.wav" under the prompts directory (telephonist/ivrd/say/fragments.py)."""
    name = "say"
    fields = (
        Field("what", "str", required=True, help=" | ".join(WHATS)),
        Field("value", "str", required=True),
        Field("language", "str", default="", help="zh or en (default: the call's language)"),
        Field("before", "prompts"),
        Field("after", "prompts"),
        Field("currency", "str", default="CNY", help=", ".join(say.CURRENCIES)),
        Field("weekday", "bool", default=True),
        Field("yao", "bool", default=False),
        Field("with_and", "bool", default=False),
        Field("barge_in", "bool", default=False),
        Field("next", "node"),
    )

    def check(self, node: "Node", ctx: CheckContext) -> None:
        what, lang = node.get("what"), node.get("language")
        if what not in WHATS:
            ctx.problem("what", f"what must be one of {', '.join(WHATS)}")
            return
        supported = VOICES if what == "text" else say.LANGUAGES
        if lang and (lang not in ctx.languages or lang not in supported):
            ctx.problem("language", f"cannot say a {what} in {lang!r}; can: "
                        f"{', '.join(x for x in supported if x in ctx.languages)}")
            return
        if node.get("currency") not in say.CURRENCIES:
            ctx.problem("currency", f"currency must be one of {', '.join(say.CURRENCIES)}")
            return
        value = node.get("value")
        if what != "text" and "${" not in value:     # a fixed value: read it now, so a typo shows at load
            for lg in [lang] if lang else [x for x in ctx.languages if x in say.LANGUAGES]:
                try:
                    say.words(what, value, lg, **self._options(node))
                except say.SayError as exc:
                    ctx.problem("value", str(exc))
                    return

    @staticmethod
    def _options(node: "Node") -> dict[str, Any]:
        return dict(currency=node.get("currency"), weekday=node.get("weekday"), yao=node.get("yao"),
                    use_and=node.get("with_and"))

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        what, lang = node.get("what"), node.get("language") or call.lang
        value = call.expand(node.get("value"))
        if what == "text":
            spoken = [await self._speak(call, lang, value)]
        else:
            try:
                spoken = say.fragments(what, value, lang, **self._options(node))
            except say.SayError as exc:
                raise FlowRuntimeError(f"say {what} in {lang}: {exc}") from None
        items = _in(lang, node.get("before")) + spoken + _in(lang, node.get("after"))
        r = await call.play(items, barge_in=node.get("barge_in"))
        call.step(r.reason, digits=r.digit or None, detail={"what": what, "value": value, "language": lang})
        return node.get("next")

    @staticmethod
    async def _speak(call: "Call", lang: str, text: str) -> str:
        from telephonist.ivrd.call import FlowRuntimeError
        from telephonist.ivrd.tts import TtsCache, TtsError
        if lang not in VOICES:
            raise FlowRuntimeError(f"say text: no espeak-ng voice for language {lang!r}")
        services = call.services
        cache_dir = services.settings.tts_cache_dir or os.path.join(services.state_dir, "tts")
        cache: TtsCache = services.shared(f"tts:{cache_dir}", lambda: TtsCache(cache_dir))
        try:
            return await cache.render(VOICES[lang], text)
        except TtsError as exc:
            raise FlowRuntimeError(f"say text: {exc}") from None


def _in(lang: str, prompts: Any) -> list[Any]:
    """A prompts value as a list, with {lang} meaning the language the value is read in."""
    if prompts is None:
        return []
    items = prompts if isinstance(prompts, list) else [prompts]
    return [p.replace("{lang}", lang) if isinstance(p, str) else p for p in items]
