"""Voicemail: leave a message in a mailbox (`voicemail`), and listen to one's messages by phone
(`voicemail_access`). Mailboxes, messages and their files: telephonist/ivrd/voicemail/."""
from __future__ import annotations

import os
import re
import secrets
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telephonist.ivrd.call import CallerHungUp, FlowRuntimeError
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register
from telephonist.ivrd.voicemail import notifier_of, store_of
from telephonist.ivrd.voicemail.prompts import all_prompts, count_prompt, prompt
from telephonist.ivrd.voicemail.store import CATEGORY_RE, Box, Message, VoicemailError

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

DIGITS = "0123456789*#"


def _check_system_prompts(node: "Node", ctx: CheckContext) -> None:
    """The nodes' own prompts ({lang}/vm/...) must exist for every language, like a flow's own."""
    if not ctx.prompts_dir or not os.path.isdir(ctx.prompts_dir):
        return
    missing = [p.replace("{lang}", lang) for p in all_prompts() for lang in ctx.languages
               if not os.path.exists(os.path.join(ctx.prompts_dir, p.replace("{lang}", lang)))]
    if missing:
        ctx.problem("type", f"{len(missing)} voicemail prompt file(s) missing under {ctx.prompts_dir}, "
                            f"e.g. {', '.join(missing[:3])} (telephonist/prompts.py makes them)")


def _read_out(call: "Call", what: str, value: object, **options: object) -> list[str] | None:
    """The say fragments ({lang}/say/...) that read `value`, or None when they cannot: a language
    without read-outs, or fragments the site has not recorded (the nodes then say less)."""
    from telephonist.ivrd import say
    from telephonist.ivrd.say import zh
    from telephonist.ivrd.say.fragments import fragment_name
    try:
        if what == "count" and call.lang == "zh":       # before a measure word: 两条, not 二条
            names = [fragment_name("zh", w) for w in zh.integer(int(value), measure=True)]   # type: ignore[arg-type]
        else:
            names = say.fragments("number" if what == "count" else what, value, call.lang, **options)
    except (say.SayError, ValueError):
        return None
    prompts_dir = call.services.prompts_dir
    return names if all(os.path.exists(os.path.join(prompts_dir, n)) for n in names) else None


def _count(call: "Call", n: int) -> list[str]:
    return _read_out(call, "count", n) or [count_prompt(n)]


def _about(call: "Call", msg: Message) -> list[str]:
    """Who left a message and when, as far as the say fragments can tell it."""
    out: list[str] = []
    caller = _read_out(call, "digits", msg.caller) if msg.caller.isdigit() else None
    if caller:
        out += [prompt("from")] + caller
    tz = ZoneInfo(call.services.time_zone)
    at = msg.created_at.astimezone(tz)
    day = [] if at.date() == call.now().astimezone(tz).date() else \
        _read_out(call, "date", at.strftime("%Y-%m-%d"), weekday=False)
    time = _read_out(call, "time", at.strftime("%H:%M"))
    if time and day is not None:
        out += [prompt("received")] + day + time
    return out


async def _ask(call: "Call", prompts, keys: str, attempts: int = 3) -> str | None:
    """One key among `keys`, with the invalid prompt and a repeat on a wrong key or none; None when
    the attempts are used up."""
    for _ in range(attempts):
        r = await call.collect(prompts, 1, 1, "", 5000, 3000, barge_in=True)
        if r.digits and r.digits in keys:
            return r.digits
        if r.digits:
            await call.play(prompt("invalid"))
    return None


@register
class Voicemail(NodeType):
    """Leave a message in a mailbox.

    mailbox           the box's number: literal or "${var}" (required)
    greeting          heard when the box has no greeting of its own (default {lang}/vm/leave-message.wav)
    categories        optional menu, key -> category: { "1" = "complaint", "2" = "suggestion", "3" = "other" }
    category_prompts  its question (default {lang}/vm/category.wav)
    category_when     "before" or "after" (default) the recording
    category          the category without a menu or a valid answer (default "other"; may be "${var}")
    max_s             the longest message in seconds (default: the box's max_message_s)
    beep              a tone before recording (default true)
    saved_prompts     heard once the message is stored (default {lang}/vm/message-saved.wav)
    next              where to go afterwards (unset: hang up)
    on_no_mailbox     where to go when there is no such box (unset: the fallback)

    The recording ends on #, after [ivrd.voicemail] silence_s of silence or at the maximum; a caller
    who hangs up while speaking still leaves the message (when longer than min_message_ms). The box's
    owner is told by e-mail and/or SMS. The call ends as ("voicemail", mailbox).
    """
    name = "voicemail"
    terminal = True
    tag = "voicemail"
    fields = (
        Field("mailbox", "str", required=True),
        Field("greeting", "prompts", default=prompt("leave-message")),
        Field("categories", "str_map"),
        Field("category_prompts", "prompts", default=prompt("category")),
        Field("category_when", "str", default="after"),
        Field("category", "str", default="other"),
        Field("max_s", "int"),
        Field("beep", "bool", default=True),
        Field("saved_prompts", "prompts", default=prompt("message-saved")),
        Field("next", "node"),
        Field("on_no_mailbox", "node"),
    )

    def check(self, node: "Node", ctx: CheckContext) -> None:
        _check_system_prompts(node, ctx)
        for key, cat in (node.get("categories") or {}).items():
            if len(key) != 1 or key not in DIGITS:
                ctx.problem("categories", f"key {key!r} must be one of {DIGITS}")
            if not CATEGORY_RE.fullmatch(cat):
                ctx.problem("categories", f"category {cat!r}: lower-case letters, digits and _, at most 16")
        if node.get("category_when") not in ("before", "after"):
            ctx.problem("category_when", "category_when must be \"before\" or \"after\"")
        if "${" not in node.get("category") and not CATEGORY_RE.fullmatch(node.get("category")):
            ctx.problem("category", "category: lower-case letters, digits and _, at most 16")
        if node.get("max_s") is not None and not 1 <= node.get("max_s") <= 3600:
            ctx.problem("max_s", "max_s must be between 1 and 3600")
        if not re.fullmatch(r"[0-9]{1,32}|.*\$\{.*", node.get("mailbox")):
            ctx.problem("mailbox", "mailbox must be digits or a ${variable}")

    async def _category(self, node: "Node", call: "Call") -> tuple[str, str] | None:
        cats = node.get("categories")
        key = await _ask(call, node.get("category_prompts"), "".join(cats), attempts=2)
        return (key, cats[key]) if key else None

    async def run(self, node: "Node", call: "Call") -> str | None:
        mailbox = str(call.expand(node.get("mailbox"))).strip()
        store = store_of(call.services)
        settings = call.services.settings.voicemail
        box = await call.in_thread(store.box, mailbox)
        if box is None:
            call.step("no_mailbox", detail={"mailbox": mailbox})
            if node.get("on_no_mailbox"):
                return node.get("on_no_mailbox")
            raise FlowRuntimeError(f"no voicemail box {mailbox!r}")
        category = str(call.expand(node.get("category"))) or "other"
        chosen: tuple[str, str] | None = None
        if node.get("categories") and node.get("category_when") == "before":
            chosen = await self._category(node, call)
        own = box.greeting_path if box.greeting_path and os.path.exists(box.greeting_path) else None
        await call.play([own] if own else node.get("greeting"), barge_in=True)
        call.typeahead = ""                  # a key that skipped the greeting is not the end of the message
        deposit = await call.in_thread(store.begin_deposit, mailbox, call.caller, call.dialled, call.call_id,
                                       chosen[1] if chosen else category)
        try:
            rec = await call.record(deposit.name, max_ms=(node.get("max_s") or box.max_message_s) * 1000,
                                    silence_ms=settings.silence_s * 1000, stop_digits="#", mode="rx",
                                    beep=node.get("beep"))
        except BaseException:
            await call.in_thread(store.abandon_deposit, deposit)    # no recording was made
            raise
        msg = await call.in_thread(store.finish_deposit, deposit, rec.path)
        if msg is None:
            return await self._nothing_kept(node, call, mailbox, rec.reason)
        call.end("voicemail", mailbox)
        try:
            if node.get("categories") and node.get("category_when") == "after" and not call.hung_up:
                try:
                    chosen = await self._category(node, call)
                except CallerHungUp:
                    chosen = None
                if chosen:
                    await call.in_thread(store.set_category, msg.id, chosen[1])
        finally:
            notifier_of(call.services).message_stored(msg.id)
            call.step("saved", digits=chosen[0] if chosen else None, detail={
                "mailbox": mailbox, "message": msg.id, "duration_ms": msg.duration_ms, "ended_by": rec.reason,
                "category": chosen[1] if chosen else msg.category})
        if call.hung_up:
            return None
        try:
            await call.play(node.get("saved_prompts"))
        except CallerHungUp:
            return None
        if node.get("next"):
            return node.get("next")
        await call.hangup()
        return None

    async def _nothing_kept(self, node: "Node", call: "Call", mailbox: str, reason: str) -> str | None:
        call.step("too_short", detail={"mailbox": mailbox, "ended_by": reason})
        if call.hung_up:
            call.end("abandoned", f"voicemail {mailbox}: no message")
            return None
        await call.play(prompt("too-short"))
        if node.get("next"):
            return node.get("next")
        call.end("hangup")
        await call.hangup()
        return None


@register
class VoicemailAccess(NodeType):
    """A mailbox's owner listens to the messages by phone.

    mailbox        the box: literal or "${var}"; unset: the caller keys it in
    order          "oldest" (default) or "newest" first
    pin_attempts   PIN attempts on this call (default 3); the box itself locks after [ivrd.voicemail]
                   pin_max_failures wrong PINs in a row, for pin_lockout_s
    next           where to go when the caller leaves with * (unset: goodbye and hang up)
    on_fail        where to go when the caller cannot log in (unset: goodbye and hang up)

    Counts, the caller's number and the time of each message are read out with the say fragments
    ({lang}/say/...) when the site has them; without them counts use {lang}/vm/count-N.wav.
    Keys. Main menu (after the count of new and saved messages): 1 new messages, 2 saved messages,
    3 record the greeting, 4 change the PIN, * leave. During or after a message: 1 replay, 2 save,
    3 delete, 4 forward to another mailbox, 5 next, * main menu. A new message heard stays new
    until it is saved or deleted. Greeting: record after the tone, hear it, then 1 keep, 2 record
    again, 3 use the standard greeting.
    """
    name = "voicemail_access"
    terminal = True
    tag = "voicemail_access"
    fields = (
        Field("mailbox", "str"),
        Field("order", "str", default="oldest"),
        Field("pin_attempts", "int", default=3),
        Field("next", "node"),
        Field("on_fail", "node"),
    )

    def check(self, node: "Node", ctx: CheckContext) -> None:
        _check_system_prompts(node, ctx)
        if node.get("order") not in ("oldest", "newest"):
            ctx.problem("order", "order must be \"oldest\" or \"newest\"")
        if not 1 <= node.get("pin_attempts") <= 10:
            ctx.problem("pin_attempts", "pin_attempts must be between 1 and 10")

    async def run(self, node: "Node", call: "Call") -> str | None:
        session = _Listening(node, call)
        box = await session.login()
        if box is None:
            await call.play(prompt("goodbye"))
            if node.get("on_fail"):
                return node.get("on_fail")
            call.end("hangup")
            await call.hangup()
            return None
        state = "main"
        while state != "leave":
            state = await getattr(session, state)()
        await call.play(prompt("goodbye"))
        if node.get("next"):
            return node.get("next")
        call.end("hangup")
        await call.hangup()
        return None


class _Listening:
    """The states of a caller in a mailbox: main, new, saved, greeting, pin; each returns the next."""

    def __init__(self, node: "Node", call: "Call") -> None:
        self.node = node
        self.call = call
        self.store = store_of(call.services)
        self.settings = call.services.settings.voicemail
        self.box: Box | None = None

    @property
    def mailbox(self) -> str:
        assert self.box is not None
        return self.box.mailbox

    async def login(self) -> Box | None:
        call, preset = self.call, self.node.get("mailbox")
        for _ in range(self.node.get("pin_attempts")):
            if preset:
                mailbox = str(call.expand(preset)).strip()
            else:
                r = await call.collect(prompt("enter-mailbox"), 1, 32, "#", 8000, 4000)
                mailbox = r.digits
            r = await call.collect(prompt("enter-pin"), 1, 16, "#", 8000, 4000, secret=True)
            if not mailbox or not r.digits:
                call.step("timeout")
                continue
            check = await call.in_thread(self.store.check_pin, mailbox, r.digits)
            masked = "*" * len(r.digits)
            if check.ok:
                self.box = await call.in_thread(self.store.box, mailbox)
                call.step("login", digits=masked, detail={"mailbox": mailbox})
                return self.box
            if check.result == "locked":
                call.step("locked", digits=masked, detail={"mailbox": mailbox})
                await call.play(prompt("locked"))
                return None
            call.step("bad_pin", digits=masked, detail={"mailbox": mailbox})
            await call.play(prompt("wrong-pin"))
        return None

    async def main(self) -> str:
        counts = await self.call.in_thread(self.store.counts, self.mailbox)
        await self.call.play([prompt("you-have"), *_count(self.call, counts["new"]), prompt("new-messages"),
                              prompt("and"), *_count(self.call, counts["saved"]), prompt("saved-messages")],
                             barge_in=True)
        key = await _ask(self.call, prompt("main-menu"), "1234*")
        return {"1": "new", "2": "saved", "3": "greeting", "4": "pin"}.get(key or "*", "leave")

    async def new(self) -> str:
        return await self._listen("new")

    async def saved(self) -> str:
        return await self._listen("saved")

    async def _listen(self, state: str) -> str:
        call = self.call
        msgs = await call.in_thread(self.store.messages, self.mailbox, (state,),
                                    self.node.get("order") == "newest")
        for msg in msgs:
            if not await self._one(msg):
                return "main"
        await call.play(prompt("no-more-messages"))
        return "main"

    async def _play(self, msg: Message, intro: bool) -> None:
        if not os.path.exists(msg.path):
            raise FlowRuntimeError(f"voicemail message {msg.id}: its file is missing: {msg.path}")
        await self.call.play(([prompt("message"), *_about(self.call, msg)] if intro else []) + [msg.path],
                             barge_in=True)
        if msg.heard_at is None:
            await self.call.in_thread(self.store.mark_heard, msg.id)

    async def _one(self, msg: Message) -> bool:
        """One message: play it and act on it. False when the caller goes back to the main menu."""
        call = self.call
        await self._play(msg, intro=True)
        while True:
            key = await _ask(call, prompt("message-menu"), "12345*")
            detail = {"message": msg.id}
            if key == "1":
                call.step("replay", digits=key, detail=detail)
                await self._play(msg, intro=False)
            elif key == "2":
                await call.in_thread(self.store.set_state, msg.id, "saved")
                call.step("save", digits=key, detail=detail)
                await call.play(prompt("saved"))
                return True
            elif key == "3":
                await call.in_thread(self.store.set_state, msg.id, "deleted")
                call.step("delete", digits=key, detail=detail)
                await call.play(prompt("deleted"))
                return True
            elif key == "4":
                await self._forward(msg)
            elif key == "5":
                call.step("next", digits=key, detail=detail)
                return True
            else:
                return False

    async def _forward(self, msg: Message) -> None:
        call = self.call
        r = await call.collect(prompt("enter-forward-mailbox"), 1, 32, "#", 8000, 4000)
        try:
            if not r.digits:
                raise VoicemailError("no mailbox keyed in")
            copy = await call.in_thread(self.store.forward, msg.id, r.digits)
        except VoicemailError as exc:
            call.step("forward_failed", digits=r.digits or None, detail={"message": msg.id, "why": str(exc)})
            await call.play(prompt("no-such-mailbox"))
            return
        notifier_of(call.services).message_stored(copy.id)
        call.step("forward", digits=r.digits, detail={"message": msg.id, "to": r.digits, "copy": copy.id})
        await call.play(prompt("forwarded"))

    async def greeting(self) -> str:
        call = self.call
        for _ in range(3):
            await call.play(prompt("record-greeting"), barge_in=True)
            call.typeahead = ""
            rec = await call.record(f"vm-greeting-{self.mailbox}-{secrets.token_hex(4)}",
                                    max_ms=self.settings.greeting_max_s * 1000,
                                    silence_ms=self.settings.silence_s * 1000, stop_digits="#", mode="rx")
            if rec.reason == "hangup":
                raise CallerHungUp()         # a greeting half-said is not kept
            if rec.duration_ms < self.settings.min_message_ms:
                await call.play(prompt("too-short"))
                return "main"
            await call.play([rec.path], barge_in=True)
            key = await _ask(call, prompt("greeting-menu"), "123")
            if key == "1":
                await call.in_thread(self.store.set_greeting, self.mailbox, rec.path)
                call.step("greeting_set", digits=key, detail={"duration_ms": rec.duration_ms})
                await call.play(prompt("greeting-saved"))
                return "main"
            if key == "3":
                await call.in_thread(self.store.clear_greeting, self.mailbox)
                call.step("greeting_cleared", digits=key)
                await call.play(prompt("greeting-cleared"))
                return "main"
            if key is None:
                return "main"
        return "main"

    async def pin(self) -> str:
        call = self.call
        first = await call.collect(prompt("enter-new-pin"), 4, 16, "#", 8000, 4000, secret=True)
        again = await call.collect(prompt("confirm-pin"), 4, 16, "#", 8000, 4000, secret=True)
        if first.digits and first.digits == again.digits:
            try:
                await call.in_thread(self.store.set_pin, self.mailbox, first.digits)
            except VoicemailError:
                pass
            else:
                call.step("pin_changed")
                await call.play(prompt("pin-changed"))
                return "main"
        call.step("pin_mismatch")
        await call.play(prompt("pin-mismatch"))
        return "main"
