"""Mailboxes and messages on the iv01 tables (voicemail_boxes, voicemail_messages) and their files.

Blocking functions (SQLAlchemy Core, files): ivrd calls them through
`call.in_thread`, the command line directly.

A message is deposited in three steps, each safe to be cut by kill -9:
  1. before recording, an intent (DIR/.pending/NAME.json) says which box the
     recording NAME is for, from which caller;
  2. after recording, the audio is placed at DIR/MAILBOX/NAME.wav (a hard link
     to chand's file, or a synced copy across file systems; files.py);
  3. the row is inserted and committed, then the intent removed.
A row therefore never exists without its audio, and nothing touches a
committed message's file but `purge`. `recover()`, run when ivrd starts,
finishes what a crash cut short: an intent whose audio is in place gets its
row; one whose recording is still only in chand's directory (ivrd died while
the caller spoke) is placed and gets its row when it is long enough.

PINs are hashed by werkzeug.security (as the web admin's passwords); after
[ivrd.voicemail] pin_max_failures wrong ones in a row the box locks for
pin_lockout_s.
"""
from __future__ import annotations

import glob
import json
import logging
import os
import re
import secrets
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from werkzeug.security import check_password_hash, generate_password_hash

from telephonist.config.model import VoicemailConfig
from telephonist.ivrd.schema import voicemail_boxes as boxes
from telephonist.ivrd.schema import voicemail_messages as messages
from telephonist.ivrd.voicemail.files import place_durably, wav_duration_ms, write_durably
from telephonist.storage.database import WRITE

log = logging.getLogger("telephonist.ivrd.voicemail")

PENDING = ".pending"
STATES = ("new", "saved", "deleted")
CATEGORIES = ("complaint", "suggestion", "other")      # the usual ones; staff may use others later
MAILBOX_RE = re.compile(r"[0-9]{1,32}")                 # keyed in on a phone
PIN_RE = re.compile(r"[0-9]{4,16}")
CATEGORY_RE = re.compile(r"[a-z][a-z0-9_]{0,15}")
CRASH_ENV = "TELEPHONIST_CRASH_POINT"                   # tests: kill -9 ourselves at a named point
_DUMMY_HASH: list[str] = []


class VoicemailError(ValueError):
    """A request the rules refuse (no such box, a bad PIN format ...); the message says why."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def crash_point(name: str) -> None:
    """The kill -9 tests stop the process here, exactly between two steps of a deposit."""
    if os.environ.get(CRASH_ENV) == name:
        log.warning("event=crash_point name=%s", name)
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Box:
    id: int
    mailbox: str
    name: str
    email: str
    sms_number: str
    greeting_path: str | None
    max_message_s: int
    language: str
    pin_failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Message:
    id: int
    mailbox: str
    caller: str
    dialled: str
    call_id: str | None
    path: str
    duration_ms: int
    category: str
    state: str
    created_at: datetime
    heard_at: datetime | None
    forwarded_from: int | None
    notified_email_at: datetime | None
    notified_sms_at: datetime | None


@dataclass(frozen=True)
class PinCheck:
    result: str                          # ok, bad_pin, locked, no_box
    locked_until: datetime | None = None
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class Deposit:
    """A message being recorded: chand records it under `name`; the intent file says for which box."""
    name: str
    mailbox: str
    intent_path: str
    dst: str


def _box(row: Any) -> Box:
    return Box(row.id, row.mailbox, row.name, row.email, row.sms_number, row.greeting_path, row.max_message_s,
               row.language, row.pin_failures, row.locked_until)


def _message(row: Any) -> Message:
    return Message(row.id, row.mailbox, row.caller, row.dialled, row.call_id, row.path, row.duration_ms,
                   row.category, row.state, row.created_at, row.heard_at, row.forwarded_from,
                   row.notified_email_at, row.notified_sms_at)


def check_category(category: str) -> str:
    if not CATEGORY_RE.fullmatch(category):
        raise VoicemailError(f"category {category!r}: lower-case letters, digits and _, at most 16")
    return category


class VoicemailStore:
    def __init__(self, engine: Engine, settings: VoicemailConfig, recordings_dir: str = "") -> None:
        self.engine = engine
        self.settings = settings
        self.dir = os.path.abspath(settings.dir)
        self.recordings_dir = os.path.abspath(recordings_dir) if recordings_dir else ""
        self.listeners: list[Callable[[], None]] = []    # told after each write (may be on a worker thread)

    # ---- transactions ---------------------------------------------------------------------------
    def _write(self, fn, *args):
        with self.engine.connect().execution_options(**WRITE) as conn:
            with conn.begin():
                result = fn(conn, *args)
        for listener in self.listeners:
            listener()
        return result

    def _read(self, fn, *args):
        with self.engine.connect() as conn:
            return fn(conn, *args)

    # ---- boxes ----------------------------------------------------------------------------------
    def create_box(self, mailbox: str, pin: str, name: str = "", email: str = "", sms_number: str = "",
                   max_message_s: int | None = None, language: str = "zh") -> Box:
        if not MAILBOX_RE.fullmatch(mailbox):
            raise VoicemailError(f"mailbox {mailbox!r}: 1 to 32 digits (callers key it in)")
        _check_pin_format(pin)

        def go(conn: Connection) -> None:
            if conn.execute(sa.select(boxes.c.id).where(boxes.c.mailbox == mailbox)).first():
                raise VoicemailError(f"mailbox {mailbox} exists already")
            conn.execute(boxes.insert().values(
                mailbox=mailbox, name=name, pin_hash=generate_password_hash(pin), email=email,
                sms_number=sms_number, max_message_s=max_message_s or self.settings.max_message_s,
                language=language, pin_failures=0, created_at=utcnow()))
        self._write(go)
        log.info("event=voicemail_box_created mailbox=%s", mailbox)
        return self.require_box(mailbox)

    def update_box(self, mailbox: str, **values: Any) -> Box:
        allowed = {"name", "email", "sms_number", "max_message_s", "language"}
        unknown = set(values) - allowed
        if unknown:
            raise VoicemailError(f"cannot set {', '.join(sorted(unknown))} of a mailbox")
        self._update_box(mailbox, values)
        return self.require_box(mailbox)

    def set_pin(self, mailbox: str, pin: str) -> None:
        """A new PIN; it also unlocks the box."""
        _check_pin_format(pin)
        self._update_box(mailbox, dict(pin_hash=generate_password_hash(pin), pin_failures=0, locked_until=None))
        log.info("event=voicemail_pin_changed mailbox=%s", mailbox)

    def _update_box(self, mailbox: str, values: dict[str, Any]) -> None:
        def go(conn: Connection) -> int:
            return conn.execute(boxes.update().where(boxes.c.mailbox == mailbox).values(**values)).rowcount
        if values and not self._write(go):
            raise VoicemailError(f"no mailbox {mailbox}")

    def box(self, mailbox: str) -> Box | None:
        row = self._read(lambda c: c.execute(sa.select(boxes).where(boxes.c.mailbox == mailbox)).first())
        return _box(row) if row else None

    def require_box(self, mailbox: str) -> Box:
        b = self.box(mailbox)
        if b is None:
            raise VoicemailError(f"no mailbox {mailbox}")
        return b

    def boxes(self) -> list[Box]:
        return [_box(r) for r in self._read(lambda c: c.execute(sa.select(boxes).order_by(boxes.c.mailbox)).all())]

    def check_pin(self, mailbox: str, pin: str, now: datetime | None = None) -> PinCheck:
        """Check a PIN keyed in on the phone; count failures and lock the box after too many."""
        now = now or utcnow()
        row = self._read(lambda c: c.execute(sa.select(boxes).where(boxes.c.mailbox == mailbox)).first())
        if row is None:
            _dummy_check(pin)                 # as slow as a real check: the answer does not tell boxes apart
            return PinCheck("no_box")
        if row.locked_until is not None and row.locked_until > now:
            return PinCheck("locked", row.locked_until)
        good = check_password_hash(row.pin_hash, pin)     # slow (scrypt): outside the write transaction
        limit = max(1, self.settings.pin_max_failures)

        def go(conn: Connection) -> PinCheck:
            cur = conn.execute(sa.select(boxes.c.pin_failures, boxes.c.locked_until)
                               .where(boxes.c.id == row.id)).one()
            if cur.locked_until is not None and cur.locked_until > now:
                return PinCheck("locked", cur.locked_until)
            if good:
                conn.execute(boxes.update().where(boxes.c.id == row.id).values(pin_failures=0, locked_until=None))
                return PinCheck("ok")
            failures = cur.pin_failures + 1
            if failures >= limit:
                until = now + timedelta(seconds=self.settings.pin_lockout_s)
                conn.execute(boxes.update().where(boxes.c.id == row.id).values(pin_failures=0, locked_until=until))
                return PinCheck("locked", until)
            conn.execute(boxes.update().where(boxes.c.id == row.id).values(pin_failures=failures))
            return PinCheck("bad_pin", attempts_left=limit - failures)
        result = self._write(go)
        if result.result == "locked" and not good:
            log.warning("event=voicemail_box_locked mailbox=%s until=%s", mailbox, result.locked_until.isoformat())
        return result

    # ---- depositing a message ------------------------------------------------------------------
    def begin_deposit(self, mailbox: str, caller: str = "", dialled: str = "", call_id: str | None = None,
                      category: str = "other") -> Deposit:
        """Before recording: the recording's name and an intent that ties it to the box (for recover)."""
        name = f"vm-{mailbox}-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        dst = os.path.join(self.dir, mailbox, name + ".wav")
        intent = os.path.join(self.dir, PENDING, name + ".json")
        row = dict(mailbox=mailbox, caller=caller, dialled=dialled, call_id=call_id, category=category)
        write_durably(intent, json.dumps(dict(name=name, dst=dst, row=row, pid=os.getpid(),
                                              min_ms=self.settings.min_message_ms)).encode())
        return Deposit(name, mailbox, intent, dst)

    def finish_deposit(self, deposit: Deposit, recorded_path: str, category: str | None = None) -> Message | None:
        """After recording: the audio into the box, then the row. None when it is too short to keep."""
        with open(deposit.intent_path, "rb") as f:
            intent = json.load(f)
        if category:
            intent["row"]["category"] = check_category(category)
        if not recorded_path or wav_duration_ms(recorded_path) < self.settings.min_message_ms:
            self._drop_intent(deposit.intent_path)
            log.info("event=voicemail_too_short mailbox=%s ms=%d", deposit.mailbox,
                     wav_duration_ms(recorded_path) if recorded_path else 0)
            return None
        place_durably(recorded_path, deposit.dst)
        crash_point("voicemail-placed")
        msg = self._commit_message(intent["row"], deposit.dst)
        crash_point("voicemail-committed")
        self._drop_intent(deposit.intent_path)
        return msg

    def abandon_deposit(self, deposit: Deposit) -> None:
        """No recording was made (the caller left during the greeting)."""
        self._drop_intent(deposit.intent_path)

    def _commit_message(self, row: dict[str, Any], path: str, forwarded_from: int | None = None) -> Message:
        values = dict(row, path=path, duration_ms=wav_duration_ms(path), state="new", handled=False,
                      forwarded_from=forwarded_from, created_at=utcnow())

        def go(conn: Connection) -> int:
            return conn.execute(messages.insert().values(**values)).inserted_primary_key[0]
        mid = self._write(go)
        log.info("event=voicemail_stored id=%s mailbox=%s caller=%s ms=%s category=%s", mid, row["mailbox"],
                 row.get("caller", ""), values["duration_ms"], row.get("category", ""))
        return self.require_message(mid)

    def _drop_intent(self, path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    # ---- messages -------------------------------------------------------------------------------
    def message(self, message_id: int) -> Message | None:
        row = self._read(lambda c: c.execute(sa.select(messages).where(messages.c.id == message_id)).first())
        return _message(row) if row else None

    def require_message(self, message_id: int) -> Message:
        m = self.message(message_id)
        if m is None:
            raise VoicemailError(f"no message {message_id}")
        return m

    def messages(self, mailbox: str, states: Iterable[str] = ("new", "saved"), newest_first: bool = False,
                 limit: int | None = None) -> list[Message]:
        order = messages.c.created_at.desc() if newest_first else messages.c.created_at
        q = sa.select(messages).where(messages.c.mailbox == mailbox, messages.c.state.in_(tuple(states))) \
            .order_by(order, messages.c.id.desc() if newest_first else messages.c.id)
        if limit:
            q = q.limit(limit)
        return [_message(r) for r in self._read(lambda c: c.execute(q).all())]

    def counts(self, mailbox: str) -> dict[str, int]:
        q = sa.select(messages.c.state, sa.func.count()).where(messages.c.mailbox == mailbox) \
            .group_by(messages.c.state)
        got = dict(self._read(lambda c: c.execute(q).all()))
        return {s: int(got.get(s, 0)) for s in STATES}

    def waiting_counts(self) -> dict[str, int]:
        """Every box with its count of messages nobody has heard yet (what its phone's lamp shows)."""
        q = sa.select(messages.c.mailbox, sa.func.count()) \
            .where(messages.c.state == "new", messages.c.heard_at.is_(None)).group_by(messages.c.mailbox)

        def go(conn: Connection) -> dict[str, int]:
            counts = {mailbox: 0 for mailbox in conn.execute(sa.select(boxes.c.mailbox)).scalars()}
            counts.update({mailbox: int(n) for mailbox, n in conn.execute(q).all()})
            return counts
        return self._read(go)

    def mark_heard(self, message_id: int) -> None:
        self._set(message_id, heard_at=utcnow())

    def set_state(self, message_id: int, state: str) -> None:
        if state not in STATES:
            raise VoicemailError(f"state must be one of {', '.join(STATES)}")
        self._set(message_id, state=state)
        log.info("event=voicemail_state id=%s state=%s", message_id, state)

    def set_category(self, message_id: int, category: str) -> None:
        self._set(message_id, category=check_category(category))

    def _set(self, message_id: int, **values: Any) -> None:
        def go(conn: Connection) -> int:
            return conn.execute(messages.update().where(messages.c.id == message_id).values(**values)).rowcount
        if not self._write(go):
            raise VoicemailError(f"no message {message_id}")

    def forward(self, message_id: int, to_mailbox: str) -> Message:
        """A copy of a message, new in another box (its own name for the audio: deleting one leaves the other)."""
        src = self.require_message(message_id)
        if self.box(to_mailbox) is None:
            raise VoicemailError(f"no mailbox {to_mailbox}")
        name = f"vm-{to_mailbox}-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}-fw{src.id}"
        dst = os.path.join(self.dir, to_mailbox, name + ".wav")
        intent = os.path.join(self.dir, PENDING, name + ".json")
        row = dict(mailbox=to_mailbox, caller=src.caller, dialled=src.dialled, call_id=src.call_id,
                   category=src.category)
        write_durably(intent, json.dumps(dict(name=name, src=src.path, dst=dst, row=row, forwarded_from=src.id,
                                              pid=os.getpid(), min_ms=0)).encode())
        place_durably(src.path, dst)
        msg = self._commit_message(row, dst, forwarded_from=src.id)
        self._drop_intent(intent)
        log.info("event=voicemail_forwarded id=%s to=%s new=%s", src.id, to_mailbox, msg.id)
        return msg

    # ---- greetings ------------------------------------------------------------------------------
    def set_greeting(self, mailbox: str, recorded_path: str) -> str:
        """The box's own greeting from a recording; the previous one's file goes once the row names the new."""
        box = self.require_box(mailbox)
        dst = os.path.join(self.dir, mailbox, f"greeting-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}.wav")
        place_durably(recorded_path, dst)
        self._update_box(mailbox, dict(greeting_path=dst))
        _remove_quietly(box.greeting_path if box.greeting_path != dst else None)
        log.info("event=voicemail_greeting_set mailbox=%s", mailbox)
        return dst

    def clear_greeting(self, mailbox: str) -> None:
        box = self.require_box(mailbox)
        self._update_box(mailbox, dict(greeting_path=None))
        _remove_quietly(box.greeting_path)

    # ---- notifications --------------------------------------------------------------------------
    def due_notifications(self, since: datetime) -> list[tuple[Message, Box]]:
        """Messages since `since` whose box wants an e-mail or SMS not yet sent (deleted ones do not)."""
        j = messages.join(boxes, boxes.c.mailbox == messages.c.mailbox)
        q = sa.select(messages, *[c.label(f"box_{c.name}") for c in boxes.c]).select_from(j).where(
            messages.c.state != "deleted", messages.c.created_at >= since,
            sa.or_(sa.and_(boxes.c.email != "", messages.c.notified_email_at.is_(None)),
                   sa.and_(boxes.c.sms_number != "", messages.c.notified_sms_at.is_(None)))
        ).order_by(messages.c.id)
        out = []
        for r in self._read(lambda c: c.execute(q).all()):
            m = r._mapping
            b = Box(**{f: m[f"box_{f}"] for f in Box.__dataclass_fields__})
            out.append((_message(r), b))
        return out

    def mark_notified(self, message_id: int, channel: str) -> None:
        column = {"email": "notified_email_at", "sms": "notified_sms_at"}[channel]
        self._set(message_id, **{column: utcnow()})

    # ---- crash recovery -------------------------------------------------------------------------
    def recover(self) -> int:
        """Finish deposits a crash cut short (see the module docstring); returns the messages saved."""
        saved = 0
        for intent_path in sorted(glob.glob(os.path.join(self.dir, PENDING, "*.json"))):
            try:
                with open(intent_path, "rb") as f:
                    intent = json.load(f)
            except (OSError, ValueError):
                log.error("event=voicemail_intent_unreadable path=%s", intent_path)
                continue
            if intent.get("pid") != os.getpid() and _alive(intent.get("pid")):
                continue                      # another ivrd's deposit in progress
            try:
                if self._recover_one(intent):
                    saved += 1
            except Exception:
                log.exception("event=voicemail_recover_failed intent=%s", intent_path)
                continue
            self._drop_intent(intent_path)
        if saved:
            log.warning("event=voicemail_recovered messages=%d", saved)
        return saved

    def _recover_one(self, intent: dict[str, Any]) -> bool:
        dst = intent["dst"]
        exists = self._read(lambda c: c.execute(sa.select(messages.c.id).where(messages.c.path == dst)).first())
        if exists:
            return False                      # committed; only the intent was left
        if not os.path.exists(dst):
            src = intent.get("src") or self._find_recording(intent["name"])
            if not src or not os.path.exists(src) or wav_duration_ms(src) < intent.get("min_ms", 0):
                return False
            place_durably(src, dst)
        self._commit_message(intent["row"], dst, forwarded_from=intent.get("forwarded_from"))
        return True

    def _find_recording(self, name: str) -> str | None:
        if not self.recordings_dir:
            return None
        found = glob.glob(os.path.join(self.recordings_dir, "*", "*", "*", glob.escape(name) + ".wav"))
        return found[0] if found else None

    # ---- housekeeping -----------------------------------------------------------------------------
    def purge(self, older_than: timedelta) -> int:
        """Rows and files of messages deleted more than `older_than` ago (by their creation time)."""
        cutoff = utcnow() - older_than
        q = sa.select(messages.c.id, messages.c.path).where(messages.c.state == "deleted",
                                                            messages.c.created_at < cutoff)
        gone = self._read(lambda c: c.execute(q).all())
        if gone:
            ids = [r.id for r in gone]
            self._write(lambda c: c.execute(messages.delete().where(messages.c.id.in_(ids))))
            for r in gone:
                _remove_quietly(r.path)
        return len(gone)


def _check_pin_format(pin: str) -> None:
    if not PIN_RE.fullmatch(pin):
        raise VoicemailError("a PIN is 4 to 16 digits")


def _dummy_check(pin: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(8)))
    check_password_hash(_DUMMY_HASH[0], pin)


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_quietly(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
