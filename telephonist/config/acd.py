"""The ACD's configuration: [acd], [[queues]] and [[agents]] (docs/acd.md is the reference).

Frozen dataclasses like the rest of the configuration (model.py); `check_acd` finds what cannot work
(a queue naming an unknown strategy or an agent no queue knows ...) and says where, with file:line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

STRATEGIES = ("ring_all", "longest_idle", "least_calls", "least_talk", "round_robin", "linear", "random",
              "weighted_random", "ring_progressive", "skills", "sticky")
RECORD_POLICIES = ("all", "none", "on_demand")
MEDIA = ("voice", "chat", "email")       # what a queue holds: calls, web chats or e-mails (acd/chats.py)
TARGET = re.compile(r"^(queue|voicemail|ivr|number|ext|hangup)(:.*)?$")
CRM_FIELDS = ("number", "account", "queue", "call_id")


@dataclass(frozen=True)
class CallbackConfig:
    after_s: int = 0                    # offered after this long in the queue (0: never)
    key: str = "1"                      # the caller presses it to leave and be called back
    trunk_group: str = ""               # where the call back to the customer goes out
    prompt: str = ""                    # the offer ("press 1 to be called back ..."); default built in
    retries: int = 0                    # a customer who does not answer a call back (the phone's or the web's) is
    retry_after_s: int = 300            # ... called again this many times, each after this long, at its place


MAINLAND = r"1[3-9][0-9]{9}|0[1-9][0-9]{9,10}"    # a mainland mobile, or a landline with its area code


@dataclass(frozen=True)
class WebCallbackConfig:
    """The website's "call me back" requests a queue takes (webcallback.py): which numbers, how many open."""
    numbers: str = MAINLAND             # a regular expression the whole number must match
    max_open: int = 1                   # requests one number may have open at once (across the queues)


@dataclass(frozen=True)
class QueueConfig:
    name: str
    strategy: str = "longest_idle"
    skills: dict[str, int] = field(default_factory=dict)      # skill -> minimum level (1-10)
    priorities: dict[str, int] = field(default_factory=dict)  # handoff data "vip=gold" -> weight (jumps ahead)
    music: str = ""                     # what waiting callers hear (a WAV; default [control] music_on_hold)
    announce_every_s: int = 0           # position and estimated wait, every N seconds (0: never)
    max_wait_s: int = 0                 # then `on_timeout` (0: no limit)
    on_timeout: str = "hangup"          # queue:NAME | voicemail:BOX | ivr:FLOW[/NODE] | number:N | hangup
    when_empty: str = "join"            # nobody logged in: join (wait anyway) or leave (go to on_timeout)
    service_level_s: int = 20           # answered within this counts for the service level
    service_level_target: float = 0.8
    wrapup_s: int = 10
    ring_timeout_s: int = 15            # an agent's phone rings this long before the next agent is tried
    auto_answer: bool = False           # agents on a persistent line get the caller at once, after a beep
    record: str = "all"                 # all | none | on_demand: the agent's leg, stereo
    caller_id: str = ""                 # what the customer sees on a call back
    sticky_days: int = 0                # sticky: the agent who last spoke with the number within N days
    sticky_wait_s: int = 10             # ... waited for this long, if not ready, before the others
    progressive_step_s: int = 10        # ring_progressive: another agent joins the ringing every N s
    survey: str = ""                    # ivr:FLOW the caller goes to when the agent hangs up ("" : none)
    callback: CallbackConfig = field(default_factory=CallbackConfig)
    web_callback: WebCallbackConfig | None = None   # the website's call-back requests may join it (None: not)
    agent_pick: bool = False            # agents may take a chosen waiting caller out of turn (the desktop's list)
    dispositions: tuple[str, ...] = ()  # the codes an agent picks from at wrap-up (the agent desktop)
    crm_url: str = ""                   # the desktop opens it for a call: {number}, {account}, {queue}, {call_id}
    alert_wait_s: tuple[int, ...] = ()  # [amber, red]: the longest wait on the supervisor page and wallboard
    alert_waiting: tuple[int, ...] = ()     # [amber, red]: callers waiting
    alert_service_level: tuple[float, ...] = ()     # [amber, red]: service level below these (shares, amber > red)
    media: str = "voice"                # voice: calls; chat: the website's chats; email: inbound e-mail (acd/chats.py)
    max_chats: int = 3                  # chat, email: how many of its items one agent holds at once (an agent's own wins)


@dataclass(frozen=True)
class AgentConfig:
    number: str
    name: str = ""
    extension: str = ""                 # the phone port the agent works at unless logging in elsewhere
    skills: dict[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    wrapup_s: int = -1                  # -1: the queue's
    weight: int = 1                     # weighted_random
    persistent_line: bool = False       # at login the ACD rings the phone once and keeps the line open (lines.py)
    level: int = 1                      # the agent's grade (1-10): which quality reviewers may score their calls
    max_chats: int = 0                  # chats the agent holds at once (0: each chat queue's max_chats)


@dataclass(frozen=True)
class AcdConfig:
    agents_trunk_group: str = ""        # the trunk group of the agents' phone ports (rung by extension)
    outbound_trunk_group: str = ""      # calls back and agents' own calls out
    not_ready_reasons: tuple[str, ...] = ("break", "meal", "training", "meeting", "missed")
    missed_reason: str = "missed"       # what an agent who did not answer an offered call becomes
    stats_interval_min: int = 15
    mail_listen: str = ""               # "127.0.0.1:2525": the SMTP receiver of e-mail queues ("": none; acd/mailin.py)
    mail_max_kb: int = 1024             # the largest message it takes
    mail_addresses: dict[str, str] = field(default_factory=dict)   # recipient address -> e-mail queue
    smtp_host: str = ""                 # where agents' replies go out ("": e-mail queues take mail but cannot reply)
    smtp_port: int = 25
    smtp_sender: str = ""               # the replies' From ("": the address the customer wrote to)


def check_acd(cfg: Any, problem: Callable[[tuple, str], None]) -> None:
    """Problems with [acd], [[queues]] and [[agents]]; problem(path, message) records each."""
    queues = {q.name: q for q in cfg.queues}
    groups = {g.name for g in cfg.trunk_groups}
    for i, q in enumerate(cfg.queues):
        p = ("queues", i)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", q.name):
            problem(p + ("name",), f"queue name '{q.name}' must be 1-32 letters, digits, '_' or '-'")
        if sum(1 for x in cfg.queues[:i] if x.name == q.name):
            problem(p + ("name",), f"queue '{q.name}' is defined twice")
        if q.strategy not in STRATEGIES:
            problem(p + ("strategy",), f"unknown strategy '{q.strategy}'; one of {', '.join(STRATEGIES)}")
        for skill, level in q.skills.items():
            if not 1 <= level <= 10:
                problem(p + ("skills", skill), f"skill level {level} must be from 1 to 10")
        if q.record not in RECORD_POLICIES:
            problem(p + ("record",), f"record must be one of {', '.join(RECORD_POLICIES)}")
        if q.when_empty not in ("join", "leave"):
            problem(p + ("when_empty",), "when_empty must be join or leave")
        m = TARGET.match(q.on_timeout)
        if not m:
            problem(p + ("on_timeout",), "on_timeout must be queue:NAME, voicemail:BOX, ivr:FLOW, number:N or hangup")
        elif m.group(1) == "queue" and q.on_timeout[6:] not in queues:
            problem(p + ("on_timeout",), f"no queue named '{q.on_timeout[6:]}'")
        for key, limit in (("announce_every_s", 3600), ("max_wait_s", 86400), ("service_level_s", 3600),
                           ("wrapup_s", 3600), ("ring_timeout_s", 600), ("sticky_days", 365),
                           ("sticky_wait_s", 3600), ("progressive_step_s", 600)):
            if not 0 <= getattr(q, key) <= limit:
                problem(p + (key,), f"{key} must be from 0 to {limit}")
        if q.ring_timeout_s < 5:
            problem(p + ("ring_timeout_s",), "ring_timeout_s must be at least 5 (a phone needs a ring or two)")
        if not 0 < q.service_level_target <= 1:
            problem(p + ("service_level_target",), "service_level_target is a share: more than 0, at most 1")
        if q.callback.after_s and not (q.callback.trunk_group or cfg.acd.outbound_trunk_group):
            problem(p + ("callback",), "a callback needs a trunk group (callback.trunk_group or [acd] "
                    "outbound_trunk_group)")
        if not 0 <= q.callback.retries <= 10:
            problem(p + ("callback", "retries"), "callback.retries must be from 0 to 10")
        if not 30 <= q.callback.retry_after_s <= 86400:
            problem(p + ("callback", "retry_after_s"), "callback.retry_after_s must be from 30 to 86400")
        if q.web_callback is not None:
            _check_web_callback(q, p, cfg.acd, problem)
        if q.callback.trunk_group and q.callback.trunk_group not in groups:
            problem(p + ("callback", "trunk_group"), f"no trunk group named '{q.callback.trunk_group}'")
        if q.callback.key and q.callback.key not in "0123456789*#":
            problem(p + ("callback", "key"), "callback.key must be one key of the phone")
        if q.media not in MEDIA:
            problem(p + ("media",), f"media must be one of {', '.join(MEDIA)}")
        if not 1 <= q.max_chats <= 20:
            problem(p + ("max_chats",), "max_chats must be from 1 to 20")
        _check_desk(q, p, problem)
        _check_alerts(q, p, problem)
    seen: set[str] = set()
    extensions: dict[str, str] = {}
    for i, a in enumerate(cfg.agents):
        p = ("agents", i)
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", a.number):
            problem(p + ("number",), f"agent number '{a.number}' must be 1-32 letters or digits")
        if a.number in seen:
            problem(p + ("number",), f"agent {a.number} is defined twice")
        seen.add(a.number)
        if a.extension and a.extension in extensions:
            problem(p + ("extension",), f"extension {a.extension} is agent {extensions[a.extension]}'s already")
        extensions[a.extension] = a.number
        for j, qn in enumerate(a.queues):
            if qn not in queues:
                problem(p + ("queues", j), f"no queue named '{qn}'")
        for skill, level in a.skills.items():
            if not 1 <= level <= 10:
                problem(p + ("skills", skill), f"skill level {level} must be from 1 to 10")
        if a.weight < 1:
            problem(p + ("weight",), "weight must be at least 1")
        if not 1 <= a.level <= 10:
            problem(p + ("level",), f"agent level {a.level} must be from 1 to 10")
        if not 0 <= a.max_chats <= 20:
            problem(p + ("max_chats",), "max_chats must be from 0 (the queue's) to 20")
    acd = cfg.acd
    for key in ("agents_trunk_group", "outbound_trunk_group"):
        name = getattr(acd, key)
        if name and name not in groups:
            problem(("acd", key), f"no trunk group named '{name}'")
    if cfg.agents and not acd.agents_trunk_group:
        problem(("acd",), "agents need [acd] agents_trunk_group: the trunk group of their phone ports")
    _check_mail(acd, queues, problem)
    if acd.missed_reason not in acd.not_ready_reasons:
        problem(("acd", "missed_reason"), f"'{acd.missed_reason}' is not one of not_ready_reasons")


def _check_web_callback(q: QueueConfig, p: tuple, acd: AcdConfig, problem: Callable[[tuple, str], None]) -> None:
    """A queue the website's call-back requests join: a voice queue with a way out, a pattern that compiles."""
    web = q.web_callback
    if q.media != "voice":
        problem(p + ("web_callback",), "web_callback is for a voice queue (media = \"voice\")")
    if not (q.callback.trunk_group or acd.outbound_trunk_group):
        problem(p + ("web_callback",), "a web callback needs a trunk group (callback.trunk_group or [acd] "
                "outbound_trunk_group)")
    try:
        if not web.numbers or re.compile(web.numbers).fullmatch(""):
            problem(p + ("web_callback", "numbers"), "web_callback.numbers must not match an empty number")
    except re.error as exc:
        problem(p + ("web_callback", "numbers"), f"web_callback.numbers is not a regular expression: {exc}")
    if not 1 <= web.max_open <= 20:
        problem(p + ("web_callback", "max_open"), "web_callback.max_open must be from 1 to 20")


def _check_desk(q: QueueConfig, p: tuple, problem: Callable[[tuple, str], None]) -> None:
    """What the agent desktop takes from a queue: its disposition codes and its CRM page."""
    for j, code in enumerate(q.dispositions):
        if not 1 <= len(code) <= 64 or code != code.strip():
            problem(p + ("dispositions", j), "a disposition is 1-64 characters without spaces around it")
        elif code in q.dispositions[:j]:
            problem(p + ("dispositions", j), f"disposition '{code}' is listed twice")
    if q.crm_url:
        if not re.match(r"https?://[^/{}\s]+", q.crm_url):
            problem(p + ("crm_url",), "crm_url must be an http:// or https:// address (with its host)")
        for name in re.findall(r"{([^{}]*)}", q.crm_url):
            if name not in CRM_FIELDS:
                problem(p + ("crm_url",), f"crm_url: unknown field {{{name}}}; one of "
                        + ", ".join(f"{{{f}}}" for f in CRM_FIELDS))


def _check_alerts(q: QueueConfig, p: tuple, problem: Callable[[tuple, str], None]) -> None:
    """The supervisor page's thresholds: each an [amber, red] pair, red the worse one."""
    for key, rising in (("alert_wait_s", True), ("alert_waiting", True), ("alert_service_level", False)):
        pair = getattr(q, key)
        if not pair:
            continue
        if len(pair) != 2:
            problem(p + (key,), f"{key} is a pair [amber, red]")
        elif any(v < 0 for v in pair) or not rising and any(v > 1 for v in pair):
            problem(p + (key,), f"{key}: " + ("shares from 0 to 1" if not rising else "numbers of at least 0"))
        elif rising and pair[0] > pair[1]:
            problem(p + (key,), f"{key}: amber ({pair[0]}) must not be more than red ({pair[1]})")
        elif not rising and pair[0] < pair[1]:
            problem(p + (key,), f"{key}: a service level turns amber ({pair[0]}) before red ({pair[1]}), "
                    "so amber is the higher share")


def _check_mail(acd: AcdConfig, queues: dict[str, QueueConfig], problem: Callable[[tuple, str], None]) -> None:
    """The e-mail queues' receiver: where it listens, how large a message, which addresses go to which queue."""
    if acd.mail_listen:
        host, _, port = acd.mail_listen.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            problem(("acd", "mail_listen"), "mail_listen is HOST:PORT, e.g. 127.0.0.1:2525")
    if not 1 <= acd.mail_max_kb <= 102400:
        problem(("acd", "mail_max_kb"), "mail_max_kb must be from 1 to 102400")
    for address, queue in acd.mail_addresses.items():
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
            problem(("acd", "mail_addresses", address), f"'{address}' is not an e-mail address")
        q = queues.get(queue)
        if q is None or q.media != "email":
            problem(("acd", "mail_addresses", address), f"no e-mail queue named '{queue}' (media = \"email\")")
    if acd.mail_addresses and not acd.mail_listen:
        problem(("acd", "mail_addresses"), "mail_addresses need mail_listen (where the receiver listens)")
