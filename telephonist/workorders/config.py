"""workorders.toml: the order types, the departments, branches and field crews they go to, the
sweep's reminder times and the GSM modem of the customers' SMS (docs/workorders.md is the reference).

A file beside telephonist.toml, like the flows: what a site configures once and changes rarely, in
version control, checked whole before it is used. Every problem is reported with file:line, all at once;
a file with any problem is refused and the last good one stays in use (`ConfigFile`), so a typo never
stops orders being taken.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import tomllib
from dataclasses import dataclass, field
from typing import Any

from telephonist.config import toml_text
from telephonist.config.loader import ConfigError, Problem
from telephonist.config.locate import key_line
from telephonist.mail import SmtpSettings

log = logging.getLogger("telephonist.workorders")

FILE_NAME = "workorders.toml"
PRIORITIES = ("low", "normal", "high", "urgent")
UNIT_KINDS = ("department", "branch", "crew")
FIELD_KINDS = ("text", "number", "date", "choice")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_USER = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str = ""
    kind: str = "text"                  # text | number | date | choice
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderType:
    id: str
    name: str
    department: str                     # where a new order goes (dispatch may send it elsewhere)
    deadline_h: dict[str, float]        # priority -> hours from creation to the deadline
    fields: tuple[FieldSpec, ...] = ()
    complaint: bool = False             # counted as a complaint in the reports
    sms_on_close: str = ""              # the customer's SMS when the order is closed ("" : none); {number} {type}
    follow_up: str = ""                 # the dialer campaign a closed order's customer is added to ("" : none)
    follow_up_line: int = 0             # where follow_up is written (a campaign gone from the database is told there)


@dataclass(frozen=True)
class Unit:
    """A department, a branch (营业点) or a field crew: who works its orders and who heads it."""
    id: str
    name: str
    kind: str = "department"
    parent: str = ""                    # a crew's branch or department (the branch comparison counts it there)
    head: str = ""                      # username: the escalation goes to them
    members: tuple[str, ...] = ()       # usernames who may take, start and finish its orders


@dataclass(frozen=True)
class SweepConfig:
    remind_after_min: int = 0           # a reminder to the assignee this long past the deadline
    escalate_after_min: int = 120       # then to the department head this long past the deadline


@dataclass(frozen=True)
class SmsConfig:
    device: str = ""                    # the serial port of a GSM modem ("" : no SMS); not ivrd's voicemail one
    baud: int = 115200
    pin: str = ""
    smsc: str = ""
    timeout_s: float = 20.0
    retry_min: int = 10                 # a failed SMS is tried again at the next sweep this long after
    give_up_h: int = 48


# The SMTP server of the reminders' and escalations' e-mail ([mail]; "" host: none are mailed).
NO_MAIL = SmtpSettings(host="", sender="workorders@localhost")


@dataclass(frozen=True)
class Person:
    """How a user (a unit's member or head) is reached with a reminder: e-mail, and SMS on a mobile."""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class WorkOrderConfig:
    types: dict[str, OrderType] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    attachments_dir: str = "/var/lib/telephonist/workorders"
    path: str = ""
    mail: SmtpSettings = NO_MAIL
    people: dict[str, Person] = field(default_factory=dict)

    def members_of(self, unit_id: str) -> frozenset[str]:
        unit = self.units.get(unit_id)
        if unit is None:
            return frozenset()
        return frozenset(unit.members) | ({unit.head} if unit.head else frozenset())

    def units_of(self, username: str) -> list[Unit]:
        return [u for u in self.units.values() if username in u.members or username == u.head]

    def branch_of(self, unit_id: str) -> str:
        """The branch (or top department) a unit counts under: a crew's parent, else itself."""
        unit = self.units.get(unit_id)
        seen = set()
        while unit is not None and unit.kind == "crew" and unit.parent and unit.id not in seen:
            seen.add(unit.id)
            unit = self.units.get(unit.parent)
        return unit.id if unit else unit_id


def config_path(config_dir: str) -> str:
    return os.path.join(config_dir, FILE_NAME)


# ---- reading and checking -----------------------------------------------------------------------------
class _Checker:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.problems: list[Problem] = []

    def problem(self, where: tuple, message: str) -> None:
        self.problems.append(Problem(self.path, key_line(self.text, where), message))

    def table(self, doc: dict, key: str, where: tuple) -> dict:
        v = doc.get(key, {})
        if not isinstance(v, dict):
            self.problem(where + (key,), f"{key} must be a table")
            return {}
        return v

    def value(self, doc: dict, key: str, kind: type | tuple, where: tuple, default: Any) -> Any:
        v = doc.get(key, default)
        if not isinstance(v, kind) or (isinstance(v, bool) and kind is not bool):
            self.problem(where + (key,), f"{key} must be {_tname(kind)}")
            return default
        return v

    def unknown(self, doc: dict, allowed: tuple[str, ...], where: tuple) -> None:
        for k in doc:
            if k not in allowed:
                self.problem(where + (k,), f"unknown key {k!r} (one of: {', '.join(allowed)})")


def _tname(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
                        "list": "a list", "dict": "a table"}[k.__name__] for k in kinds)


def parse(path: str, text: str) -> WorkOrderConfig:
    """The configuration in `text` (read from `path`); ConfigError listing every problem."""
    try:
        doc = toml_text.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or int((re.search(r"line (\d+)", str(exc)) or [0, 1])[1])
        raise ConfigError([Problem(path, line, f"TOML syntax: {exc}")]) from None
    c = _Checker(path, text)
    c.unknown(doc, ("types", "units", "sweep", "sms", "attachments_dir", "mail", "people"), ())
    units = _units(c, doc)
    types = _types(c, doc, units)
    sweep_doc = c.table(doc, "sweep", ())
    c.unknown(sweep_doc, ("remind_after_min", "escalate_after_min"), ("sweep",))
    sweep = SweepConfig(c.value(sweep_doc, "remind_after_min", int, ("sweep",), 0),
                        c.value(sweep_doc, "escalate_after_min", int, ("sweep",), 120))
    if not 0 <= sweep.remind_after_min <= sweep.escalate_after_min <= 60 * 24 * 30:
        c.problem(("sweep", "escalate_after_min"), "0 <= remind_after_min <= escalate_after_min <= 43200")
    sms_doc = c.table(doc, "sms", ())
    c.unknown(sms_doc, ("device", "baud", "pin", "smsc", "timeout_s", "retry_min", "give_up_h"), ("sms",))
    sms = SmsConfig(c.value(sms_doc, "device", str, ("sms",), ""), c.value(sms_doc, "baud", int, ("sms",), 115200),
                    c.value(sms_doc, "pin", str, ("sms",), ""), c.value(sms_doc, "smsc", str, ("sms",), ""),
                    float(c.value(sms_doc, "timeout_s", (int, float), ("sms",), 20.0)),
                    c.value(sms_doc, "retry_min", int, ("sms",), 10), c.value(sms_doc, "give_up_h", int, ("sms",), 48))
    attachments = c.value(doc, "attachments_dir", str, (), WorkOrderConfig.attachments_dir)
    if not os.path.isabs(attachments):
        attachments = os.path.join(os.path.dirname(os.path.abspath(path)), attachments)
    mail, people = _mail(c, doc), _people(c, doc)
    if c.problems:
        raise ConfigError(c.problems)
    return WorkOrderConfig(types, units, sweep, sms, attachments, os.path.abspath(path), mail, people)


def _mail(c: _Checker, doc: dict) -> SmtpSettings:
    m = c.table(doc, "mail", ())
    keys = ("host", "port", "sender", "starttls", "username", "password")
    c.unknown(m, keys, ("mail",))
    out = SmtpSettings(c.value(m, "host", str, ("mail",), ""), c.value(m, "port", int, ("mail",), 25),
                       c.value(m, "sender", str, ("mail",), NO_MAIL.sender),
                       c.value(m, "starttls", bool, ("mail",), False), c.value(m, "username", str, ("mail",), ""),
                       c.value(m, "password", str, ("mail",), ""))
    if not 0 < out.port < 65536:
        c.problem(("mail", "port"), "port: 1-65535")
    if "@" not in out.sender:
        c.problem(("mail", "sender"), "sender: an e-mail address")
    return out


_EMAIL = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]{1,190}$")
_MOBILE = re.compile(r"^\+?[0-9]{5,20}$")


def _people(c: _Checker, doc: dict) -> dict[str, Person]:
    """[people.USERNAME] email = "...", mobile = "...": where reminders and escalations reach a user."""
    out: dict[str, Person] = {}
    for name, p in c.table(doc, "people", ()).items():
        w = ("people", name)
        if not _USER.match(name) or not isinstance(p, dict):
            c.problem(w, f"people.{name}: a username with a table {{ email = ..., mobile = ... }}")
            continue
        c.unknown(p, ("email", "mobile"), w)
        email, mobile = c.value(p, "email", str, w, ""), c.value(p, "mobile", str, w, "")
        if email and not _EMAIL.match(email):
            c.problem(w + ("email",), f"people.{name}.email: an e-mail address")
        if mobile and not _MOBILE.match(mobile):
            c.problem(w + ("mobile",), f"people.{name}.mobile: digits (a leading + allowed)")
        out[name] = Person(email, mobile)
    return out


def _units(c: _Checker, doc: dict) -> dict[str, Unit]:
    raw = c.value(doc, "units", list, (), [])
    units: dict[str, Unit] = {}
    for i, u in enumerate(raw):
        w = ("units", i)
        if not isinstance(u, dict):
            c.problem(w, "each [[units]] is a table")
            continue
        c.unknown(u, ("id", "name", "kind", "parent", "head", "members"), w)
        uid = c.value(u, "id", str, w, "")
        if not _ID.match(uid):
            c.problem(w + ("id",), "id: 1-32 of a-z 0-9 _ - (a letter or digit first)")
            continue
        if uid in units:
            c.problem(w + ("id",), f"unit {uid!r} is defined twice")
        kind = c.value(u, "kind", str, w, "department")
        if kind not in UNIT_KINDS:
            c.problem(w + ("kind",), f"kind: one of {', '.join(UNIT_KINDS)}")
        members = tuple(c.value(u, "members", list, w, []))
        head = c.value(u, "head", str, w, "")
        for name in members + ((head,) if head else ()):
            if not isinstance(name, str) or not _USER.match(name):
                c.problem(w + ("members",), f"{name!r} is not a username")
        units[uid] = Unit(uid, c.value(u, "name", str, w, uid) or uid, kind, c.value(u, "parent", str, w, ""),
                          head, tuple(m for m in members if isinstance(m, str)))
    for i, u in enumerate(raw):
        if isinstance(u, dict) and u.get("parent") and u.get("parent") not in units:
            c.problem(("units", i, "parent"), f"parent {u.get('parent')!r} is no unit")
    return units


def _types(c: _Checker, doc: dict, units: dict[str, Unit]) -> dict[str, OrderType]:
    types: dict[str, OrderType] = {}
    for i, t in enumerate(c.value(doc, "types", list, (), [])):
        w = ("types", i)
        if not isinstance(t, dict):
            c.problem(w, "each [[types]] is a table")
            continue
        c.unknown(t, ("id", "name", "department", "deadline_h", "fields", "complaint", "sms_on_close", "follow_up"), w)
        tid = c.value(t, "id", str, w, "")
        if not _ID.match(tid):
            c.problem(w + ("id",), "id: 1-32 of a-z 0-9 _ - (a letter or digit first)")
            continue
        if tid in types:
            c.problem(w + ("id",), f"type {tid!r} is defined twice")
        dept = c.value(t, "department", str, w, "")
        if dept not in units:
            c.problem(w + ("department",), f"department {dept!r} is no unit (the [[units]] ids: "
                                           f"{', '.join(units) or 'none'})")
        deadline = c.value(t, "deadline_h", dict, w, {})
        for p in PRIORITIES:
            h = deadline.get(p)
            if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 < h <= 24 * 366:
                c.problem(w + ("deadline_h",), f"deadline_h.{p}: hours (more than 0, at most a year) for every "
                                               f"priority: {', '.join(PRIORITIES)}")
                break
        for k in deadline:
            if k not in PRIORITIES:
                c.problem(w + ("deadline_h",), f"deadline_h: unknown priority {k!r}")
        types[tid] = OrderType(tid, c.value(t, "name", str, w, tid) or tid, dept,
                               {p: float(deadline.get(p, 24)) for p in PRIORITIES}
                               if all(isinstance(deadline.get(p), (int, float)) for p in PRIORITIES) else {},
                               _fields(c, t, w), c.value(t, "complaint", bool, w, False),
                               c.value(t, "sms_on_close", str, w, ""), _follow_up(c, t, w),
                               key_line(c.text, w + ("follow_up",)) if "follow_up" in t else 0)
    return types


def _follow_up(c: _Checker, t: dict, w: tuple) -> str:
    """follow_up = { campaign = "NAME" }: the dialer campaign (its name) a closed order's customer goes to."""
    if "follow_up" not in t:
        return ""
    f = c.value(t, "follow_up", dict, w, None)
    if f is None:
        return ""
    c.unknown(f, ("campaign",), w + ("follow_up",))
    name = c.value(f, "campaign", str, w + ("follow_up",), "")
    if not 0 < len(name.strip()) <= 64:
        c.problem(w + ("follow_up",), 'follow_up = { campaign = "NAME" }: the name of a dialer campaign '
                                      '(1-64 characters)')
        return ""
    return name.strip()


def campaign_problems(cfg: WorkOrderConfig, campaigns: set[str]) -> list[Problem]:
    """The order types whose follow_up names no campaign of the dialer (`campaigns`: the names there are)."""
    return [Problem(cfg.path, t.follow_up_line or 1,
                    f"types {t.id}: follow_up campaign {t.follow_up!r} is no dialer campaign"
                    f" (campaigns: {', '.join(sorted(campaigns)) or 'none'})")
            for t in cfg.types.values() if t.follow_up and t.follow_up not in campaigns]


def _fields(c: _Checker, t: dict, w: tuple) -> tuple[FieldSpec, ...]:
    out: list[FieldSpec] = []
    for j, f in enumerate(c.value(t, "fields", list, w, [])):
        fw = w + ("fields",)
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not _ID.match(f.get("name", "")):
            c.problem(fw, f"fields[{j}]: a table with a name (a-z 0-9 _ -)")
            continue
        c.unknown(f, ("name", "label", "kind", "required", "choices"), fw)
        kind = f.get("kind", "text")
        if kind not in FIELD_KINDS:
            c.problem(fw, f"fields[{j}].kind: one of {', '.join(FIELD_KINDS)}")
        choices = f.get("choices", [])
        if kind == "choice" and (not isinstance(choices, list) or not choices
                                 or not all(isinstance(x, str) for x in choices)):
            c.problem(fw, f"fields[{j}]: a choice field needs choices = [\"...\", ...]")
            choices = []
        out.append(FieldSpec(f["name"], str(f.get("label", f["name"])), str(kind), bool(f.get("required", False)),
                             tuple(choices) if isinstance(choices, list) else ()))
    return tuple(out)


def load(path: str) -> WorkOrderConfig:
    """The file at path (a missing file is no work orders at all: an empty configuration)."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return WorkOrderConfig(path=os.path.abspath(path))
    except OSError as exc:
        raise ConfigError([Problem(path, 1, f"cannot read: {exc.strerror}")]) from None
    return parse(path, text)


class ConfigFile:
    """The configuration a long-running process uses: read again when the file changes; a changed file
    with problems is logged and the last good configuration stays."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._config = WorkOrderConfig(path=os.path.abspath(path))
        self.problems: list[Problem] = []

    def get(self) -> WorkOrderConfig:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (0, 0)
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._config, self.problems = load(self.path), []
                    log.info("event=workorders_config_loaded path=%s types=%d units=%d", self.path,
                             len(self._config.types), len(self._config.units))
                except ConfigError as exc:
                    self.problems = exc.problems
                    log.error("event=workorders_config_refused path=%s problems=%s", self.path, exc)
            return self._config
