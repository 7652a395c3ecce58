"""Read the configuration: the main TOML file, then conf.d/*.toml in name order, merged.

Every problem is reported with the file and line it comes from, and all of
them at once, so an operator fixes a file in one pass. A configuration with
any problem is refused as a whole: the daemons keep the one they run on.
"""
from __future__ import annotations

import dataclasses
import difflib
import glob
import ipaddress
import os
import re
import tomllib
import types
import typing
import zoneinfo
from dataclasses import dataclass
from typing import Any

from telephonist.config.acd import check_acd
from telephonist.config.busy_tones import check_busy_tones, tone_problems
from telephonist.config.conference import check_conferences, conference_target_problem
from telephonist.config.locate import key_line
from telephonist.config.sip import check_sip_span
from telephonist.config import toml_text
from telephonist.config.model import (Config, ControlConfig, DatabaseConfig, EngineConfig, FallbackConfig,
                                      PortConfig, RouteConfig, RoutingConfig, SimConfig, SimNumberConfig,
                                      SimTrafficConfig, SpanConfig, SystemConfig, Token, TrunkGroupConfig,
                                      PRI_KEYS, PRI_SIDES, PRI_SWITCHES, R2_CATEGORIES, R2_TIMERS, R2_VARIANTS,
                                      dahdi_signalling,
                                      parse_ranges)

PATH_KEYS = {("system", "state_dir"), ("system", "recordings_dir"), ("system", "prompts_dir"),
             ("control", "socket"), ("control", "tls_cert"), ("control", "tls_key"),
             ("control", "fallback", "prompt"), ("control", "media_dirs"), ("control", "music_on_hold"), ("sim", "numbers", "audio"), ("faxd", "spool_dir"), ("faxd", "documents_dir"),
             ("ivrd", "flows_dir"), ("sim", "traffic", "scripts"), ("ivrd", "tts_cache_dir"), ("ivrd", "voicemail", "dir"),
             ("backup", "work_dir"), ("dialer", "imports", "folder")}      # [backup] destination may be user@host:/path: telephonist/backup resolves it
ROLES = ("monitor", "app", "admin")
HUNTING = ("ascending", "descending", "round_robin", "least_used")
BEHAVIOURS = ("answer", "busy", "no_answer", "unallocated", "congestion", "machine", "fax")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Sources:
    """The files read, to say where a key path came from."""

    def __init__(self) -> None:
        self.files: list[tuple[str, str, dict]] = []

    def where(self, path: tuple) -> tuple[str, int]:
        for name, text, doc in reversed(self.files):
            if path and path[0] in doc:
                return name, key_line(text, path)
        name, text, _ = self.files[0]
        return name, key_line(text, path) if path else 1


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v          # arrays of tables are replaced as a whole
    return out


class _Builder:
    def __init__(self, sources: _Sources, base_dir: str) -> None:
        self.sources = sources
        self.base_dir = base_dir
        self.problems: list[Problem] = []

    def problem(self, path: tuple, message: str) -> None:
        f, line = self.sources.where(path)
        self.problems.append(Problem(f, line, message))

    def build(self, cls: type, data: Any, path: tuple) -> Any:
        """A dataclass from a TOML table, type-checked field by field."""
        if not isinstance(data, dict):
            self.problem(path, f"{_dotted(path) or 'the file'} must be a table")
            return None
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("path", "files")}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in fields:
                near = difflib.get_close_matches(key, list(fields), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else f"; known keys: {', '.join(sorted(fields))}"
                self.problem(path + (key,), f"unknown key '{_dotted(path + (key,))}'{hint}")
                continue
            v = self.value(hints[key], value, path + (key,))
            if v is not _BAD:
                values[key] = v
        missing = [n for n, f in fields.items() if f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING and n not in values]
        for n in missing:
            self.problem(path, f"{_dotted(path)} needs '{n}'")
        if missing:
            return None
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            self.problem(path, f"{_dotted(path)}: {exc}")
            return None

    def value(self, hint: Any, value: Any, path: tuple) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            for alt in args:
                if alt is type(None) and value is None:
                    return None
                if alt is not type(None) and _matches(alt, value):
                    return self.value(alt, value, path)
            self.problem(path, f"'{_dotted(path)}' must be {' or '.join(_tname(a) for a in args if a is not type(None))}")
            return _BAD
        if origin is dict:
            if not isinstance(value, dict):
                self.problem(path, f"'{_dotted(path)}' must be a table")
                return _BAD
            out = {}
            for k, v in value.items():
                v = self.value(args[1], v, path + (k,))
                if v is not _BAD:
                    out[k] = v
            return out
        if origin is tuple:
            if not isinstance(value, list):
                self.problem(path, f"'{_dotted(path)}' must be a list")
                return _BAD
            items = [self.value(args[0], v, path + (i,)) for i, v in enumerate(value)]
            return tuple(i for i in items if i is not _BAD and i is not None)
        if dataclasses.is_dataclass(hint):
            built = self.build(hint, value, path)
            return built if built is not None else _BAD
        if not _matches(hint, value):
            self.problem(path, f"'{_dotted(path)}' must be {_tname(hint)}, not {type(value).__name__}")
            return _BAD
        if hint is float:
            value = float(value)
        if hint is str and tuple(p for p in path if not isinstance(p, int)) in PATH_KEYS:
            value = self.path(value)
        elif hint is str and (path == ("database", "url") or path[:2] == ("ivrd", "sources") and path[-1] == "url"):
            value = self.sqlite_url(value)
        return value

    def sqlite_url(self, url: str) -> str:
        """sqlite:///relative.db is relative to the configuration file, like every other path."""
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
            return prefix + self.path(url[len(prefix):])
        return url

    def path(self, value: str) -> str:
        if not value or os.path.isabs(value):
            return value
        return os.path.normpath(os.path.join(self.base_dir, value))


_BAD = object()


def _matches(hint: Any, value: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if typing.get_origin(hint) is tuple:
        return isinstance(value, list)
    if typing.get_origin(hint) is dict:
        return isinstance(value, dict)
    if dataclasses.is_dataclass(hint):
        return isinstance(value, dict)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _tname(hint: Any) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(
        hint, getattr(hint, "__name__", str(hint)))


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p + 1}]" if isinstance(p, int) else (("." if out else "") + p)
    return out


def _known_zones() -> set[str]:
    from telephonist.engine import load_tone_zones
    return {z.name for z in load_tone_zones()}


def _check_control(cfg: Config, b: _Builder) -> None:
    ctl = cfg.control
    seen: set[str] = set()
    for i, t in enumerate(ctl.tokens):
        if t.role not in ROLES:
            b.problem(("control", "tokens", i, "role"), f"role must be one of {', '.join(ROLES)}")
        if len(t.token) < 16:
            b.problem(("control", "tokens", i, "token"), "a token needs at least 16 characters")
        if t.token in seen:
            b.problem(("control", "tokens", i, "token"), "two tokens are the same")
        seen.add(t.token)
        if not t.apps:
            b.problem(("control", "tokens", i), f"token '{t.name}' needs apps = [...]: the application names it "
                      "may say hello as (e.g. apps = [\"crm\"])")
        for j, pattern in enumerate(t.apps):
            if not re.fullmatch(r"[A-Za-z0-9_.*?-]{1,64}", pattern) or pattern in ("*", "**"):
                b.problem(("control", "tokens", i, "apps", j), f"'{pattern}' is not an application name or pattern "
                          "(letters, digits, _ . - and * ?; a lone * would let the token be any application)")
    if ctl.tcp:
        host, sep, port = ctl.tcp.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            b.problem(("control", "tcp"), "tcp must be host:port")
        elif not ctl.tls_cert and not ctl.allow_plaintext and not _is_loopback(host.strip("[]")):
            b.problem(("control", "tcp"), f"tcp on {host or 'every address'} without TLS would send tokens and calls "
                      "in clear text: set tls_cert and tls_key (or allow_plaintext = true on a trusted network)")
    if bool(ctl.tls_cert) != bool(ctl.tls_key):
        b.problem(("control", "tls_cert"), "tls_cert and tls_key go together")
    if not 1 <= ctl.max_connections <= 65536:
        b.problem(("control", "max_connections"), "max_connections must be from 1 to 65536")
    if not 100 <= ctl.hello_timeout_ms <= 600000:
        b.problem(("control", "hello_timeout_ms"), "hello_timeout_ms must be from 100 to 600000")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False            # "" (every address), 0.0.0.0 or a name: not only this machine


def _check(cfg: Config, b: _Builder) -> None:
    check_acd(cfg, b.problem)
    check_conferences(cfg, b.problem)
    zones = _known_zones()
    sysc = cfg.system
    if sysc.tone_zone not in zones:
        b.problem(("system", "tone_zone"), f"unknown tone zone '{sysc.tone_zone}'; known: {', '.join(sorted(zones))}")
    try:
        zoneinfo.ZoneInfo(sysc.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        b.problem(("system", "time_zone"), f"unknown time zone '{sysc.time_zone}' (use an IANA name such as Asia/Shanghai)")
    if sysc.codec not in ("alaw", "ulaw"):
        b.problem(("system", "codec"), "codec must be alaw or ulaw")
    if sysc.frame_ms not in (10, 20, 30, 40):
        b.problem(("system", "frame_ms"), "frame_ms must be 10, 20, 30 or 40")
    if cfg.engine.clock not in ("realtime", "fast", "lockstep"):
        b.problem(("engine", "clock"), "clock must be realtime, fast or lockstep")
    if not 0 <= cfg.engine.realtime_priority <= 99:
        b.problem(("engine", "realtime_priority"), "realtime_priority must be from 0 (off) to 99")
    _check_control(cfg, b)

    for key, low, high in (("proxy_hops", 0, 5), ("session_idle_minutes", 1, 1440), ("session_max_hours", 1, 720),
                           ("lockout_failures", 1, 100), ("lockout_minutes", 1, 1440),
                           ("address_failures", 1, 10000), ("address_window_minutes", 1, 1440),
                           ("chat_starts_per_hour", 1, 10000), ("chat_lines_per_minute", 1, 600),
                           ("callback_starts_per_hour", 1, 10000), ("callback_per_number_per_day", 1, 1000)):
        if not low <= getattr(cfg.webadmin, key) <= high:
            b.problem(("webadmin", key), f"{key} must be from {low} to {high}")
    chat_queues = {q.name for q in cfg.queues if q.media == "chat"}
    for j, name in enumerate(cfg.webadmin.chat_queues):
        if name not in chat_queues:
            b.problem(("webadmin", "chat_queues", j), f"no chat queue named '{name}' (a [[queues]] with media = \"chat\")")
    web_callback_queues = {q.name for q in cfg.queues if q.web_callback is not None}
    for j, name in enumerate(cfg.webadmin.callback_queues):
        if name not in web_callback_queues:
            b.problem(("webadmin", "callback_queues", j),
                      f"no queue named '{name}' takes web callbacks (a [[queues]] with web_callback = {{ ... }})")
    for j, origin in enumerate(cfg.webadmin.chat_origins):
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
            b.problem(("webadmin", "chat_origins", j), "an origin is https://host[:port], without a path")
    ws = cfg.webadmin.softphone_ws
    if ws and not re.fullmatch(r"wss?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?", ws):
        b.problem(("webadmin", "softphone_ws"), "softphone_ws must be a WebSocket URL: wss://HOST:PORT (or ws://)")
    ws, number = cfg.webadmin.widget_ws, cfg.webadmin.widget_number
    if ws and not re.fullmatch(r"wss?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?", ws):
        b.problem(("webadmin", "widget_ws"), "widget_ws must be a WebSocket URL: wss://HOST:PORT (or ws://)")
    if number and not re.fullmatch(r"[0-9]{1,32}", number):
        b.problem(("webadmin", "widget_number"), "widget_number must be digits (the hotline the widget calls)")
    if bool(ws) != bool(number):
        b.problem(("webadmin", "widget_ws" if not ws else "widget_number"),
                  "the click-to-call widget needs both widget_ws and widget_number")

    _check_dialer_imports(cfg, b)

    if not 1 <= cfg.backup.keep <= 10000:
        b.problem(("backup", "keep"), "keep must be from 1 to 10000 (archives kept at the destination)")
    if not cfg.backup.destination:
        b.problem(("backup", "destination"), "destination must name a folder or user@host:/folder")

    spans: dict[str, SpanConfig] = {}
    dahdi_used: dict[int, str] = {}
    for i, s in enumerate(cfg.spans):
        p = ("spans", i)
        if s.name in spans:
            b.problem(p + ("name",), f"span name '{s.name}' is used twice")
        spans[s.name] = s
        if not s.name.replace("_", "").replace("-", "").isalnum():
            b.problem(p + ("name",), "a span name may hold letters, digits, '_' and '-'")
        if s.driver not in ("sim", "dahdi", "local", "sip"):
            b.problem(p + ("driver",), f"unknown driver '{s.driver}'; known: sim, dahdi, local, sip")
        if s.driver == "sip":
            check_sip_span(s, p, b.problem)
        elif s.sip is not None:
            b.problem(p + ("sip",), "[spans.sip] is for sip spans (driver = \"sip\")")
        if s.driver == "local" and (s.type != "fxs" or s.channels != 1):
            b.problem(p + ("driver",), "a local span is the sound card as one phone: type = \"fxs\", channels = 1")
        if s.type not in ("fxo", "fxs", "e1"):
            b.problem(p + ("type",), f"unknown span type '{s.type}'; known: fxo, fxs, e1")
        if s.driver == "sim" and not (isinstance(s.channels, int) and 1 <= s.channels <= 1024):
            b.problem(p + ("channels",), "a sim span's channels is a count from 1 to 1024")
        if s.driver == "dahdi":
            _check_dahdi_span(s, p, dahdi_used, b)
        else:
            if s.driver == "sim":
                _check_sim_pri(s, p, b)
            for key in ("echocancel", "echocancel_params", "ports"):
                if getattr(s, key):
                    b.problem(p + (key,), f"{key} is for dahdi spans (the card's echo canceller and gains)")
        for key in ("rx_gain_db", "tx_gain_db"):
            if not -24 <= getattr(s, key) <= 24:
                b.problem(p + (key,), f"{key} must be from -24 to 24 dB")
        if s.tone_zone and s.tone_zone not in zones:
            b.problem(p + ("tone_zone",), f"unknown tone zone '{s.tone_zone}'")
        if s.codec and s.codec not in ("alaw", "ulaw"):
            b.problem(p + ("codec",), "codec must be alaw or ulaw")
        if s.cid not in ("bell202", "v23", "dtmf", "none"):
            b.problem(p + ("cid",), "cid must be bell202, v23, dtmf or none")
        for key, low, high in (("ring_on_ms", 200, 10000), ("ring_off_ms", 200, 20000),
                               ("first_digit_ms", 1000, 120000), ("interdigit_ms", 500, 60000),
                               ("max_digits", 1, 32), ("dialtone_wait_ms", 0, 30000),
                               ("ring_timeout_ms", 1000, 60000), ("no_answer_ms", 1000, 600000)):
            if not low <= getattr(s, key) <= high:
                b.problem(p + (key,), f"{key} must be from {low} to {high}")
        mwi = set(s.mwi.split("+"))
        if not mwi <= {"fsk", "neon", "reversal", "none"} or ("none" in mwi and len(mwi) > 1):
            b.problem(p + ("mwi",), "mwi must be fsk, neon, reversal, none or a '+' of them (fsk+neon)")
        elif mwi & {"neon", "reversal"} and s.driver != "dahdi":
            b.problem(p + ("mwi",), "neon and reversal are done by a DAHDI card's phone ports (dahdi spans only)")
        elif s.mwi != "fsk" and s.type != "fxs":
            b.problem(p + ("mwi",), "message waiting is for phone ports (type = \"fxs\")")
        if s.far_disconnect not in ("busy_tone", "open_loop", "polarity"):
            b.problem(p + ("far_disconnect",), "far_disconnect must be busy_tone, open_loop or polarity")
        if s.learn_busy and s.type != "fxo":
            b.problem(p + ("learn_busy",), "learn_busy is for analog lines from an exchange (type = \"fxo\")")
        if s.far_busy_tone is not None:
            if s.driver != "sim" or s.type != "fxo":
                b.problem(p + ("far_busy_tone",), "far_busy_tone is the simulated exchange's: sim fxo spans only")
            for sub, message in tone_problems(s.far_busy_tone):
                b.problem(p + ("far_busy_tone",) + sub, message)
    check_busy_tones(cfg, b.problem)

    for i, g in enumerate(cfg.trunk_groups):
        p = ("trunk_groups", i)
        if g.hunting not in HUNTING:
            b.problem(p + ("hunting",), f"unknown hunting '{g.hunting}'; one of {', '.join(HUNTING)}")
        if not g.lines:
            b.problem(p + ("lines",), f"trunk group '{g.name}' has no lines")
        for spec in g.lines:
            _check_line_spec(spec, spans, b, p + ("lines",))
    names = [g.name for g in cfg.trunk_groups]
    for i, n in enumerate(names):
        if names.index(n) != i:
            b.problem(("trunk_groups", i, "name"), f"trunk group '{n}' is defined twice")

    for i, r in enumerate(cfg.routes):
        p = ("routes", i)
        _check_application(r.application, b, p + ("application",))
        if r.application.startswith("conf:") and (why := conference_target_problem(r.application, cfg)):
            b.problem(p + ("application",), why)
        for spec in r.lines:
            _check_line_spec(spec, spans, b, p + ("lines",))
    if cfg.routing.default:
        _check_application(cfg.routing.default, b, ("routing", "default"))
    if cfg.routing.fax:
        _check_application(cfg.routing.fax, b, ("routing", "fax"))
    fb = cfg.control.fallback.then
    if fb not in ("hangup", "return"):
        _check_application(fb, b, ("control", "fallback", "then"))
    for j, app in enumerate(cfg.control.fallback.return_for):
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", app):
            b.problem(("control", "fallback", "return_for", j), f"'{app}' is not an application name")
    if not 5 <= cfg.control.fallback.return_s <= 3600:
        b.problem(("control", "fallback", "return_s"), "return_s must be from 5 to 3600")

    for i, n in enumerate(cfg.sim.numbers):
        if n.behaviour not in BEHAVIOURS:
            b.problem(("sim", "numbers", i, "behaviour"), f"unknown behaviour '{n.behaviour}'; one of {', '.join(BEHAVIOURS)}")
    for i, name in enumerate(cfg.sim.traffic.spans):
        if name not in spans:
            b.problem(("sim", "traffic", "spans"), f"traffic span '{name}' is not a configured span")
        elif spans[name].driver != "sim":
            b.problem(("sim", "traffic", "spans"), f"traffic span '{name}' is not a sim span")


def _check_dahdi_span(s: SpanConfig, p: tuple, dahdi_used: dict[int, str], b: _Builder) -> None:
    try:
        nums = parse_ranges(str(s.channels))
    except ValueError as exc:
        b.problem(p + ("channels",), f"channels must name DAHDI channels like \"1-4,6\": {exc}")
        nums = []
    if nums and max(nums) > 1024:
        b.problem(p + ("channels",), "DAHDI numbers channels from 1 to 1024")
    for n in nums:
        if n in dahdi_used:
            b.problem(p + ("channels",), f"DAHDI channel {n} is also in span '{dahdi_used[n]}'")
        dahdi_used[n] = s.name
    try:
        sig = dahdi_signalling(s.type, s.signalling)
    except ValueError as exc:
        b.problem(p + ("signalling",), str(exc))
        sig = ""
    _check_pri(s, p, sig, nums, b)
    _check_r2(s, p, sig, nums, b)
    if not 0 <= s.echocancel <= 1024:
        b.problem(p + ("echocancel",), "echocancel is a number of taps from 0 (off) to 1024")
    if s.echocancel_params and not s.echocancel:
        b.problem(p + ("echocancel_params",), "echocancel_params needs echocancel (the taps) too")
    seen: set[int] = set()
    for j, port in enumerate(s.ports):
        q = p + ("ports", j)
        if port.channel not in nums:
            b.problem(q + ("channel",), f"DAHDI channel {port.channel} is not in span '{s.name}' ({s.channels})")
        if port.channel in seen:
            b.problem(q + ("channel",), f"DAHDI channel {port.channel} has two [[spans.ports]] tables")
        seen.add(port.channel)
        for key in ("rx_gain_db", "tx_gain_db"):
            v = getattr(port, key)
            if v is not None and not -24 <= v <= 24:
                b.problem(q + (key,), f"{key} must be from -24 to 24 dB")
        if port.echocancel is not None and not 0 <= port.echocancel <= 1024:
            b.problem(q + ("echocancel",), "echocancel is a number of taps from 0 (off) to 1024")


def _check_pri(s: SpanConfig, p: tuple, sig: str, nums: list[int], b: _Builder) -> None:
    """pri_* keys: only on a PRI span, and with values libpri knows."""
    if sig != "pri":
        for key in PRI_KEYS:
            if getattr(s, key):
                b.problem(p + (key,), f"{key} is for E1 spans with signalling = \"pri\"")
        return
    if s.pri_side and s.pri_side not in PRI_SIDES:
        b.problem(p + ("pri_side",), f"pri_side must be network (we are the exchange) or user (we face it), "
                                     f"not '{s.pri_side}'")
    if s.pri_switch and s.pri_switch not in PRI_SWITCHES:
        b.problem(p + ("pri_switch",), f"unknown pri_switch '{s.pri_switch}'; one of {', '.join(PRI_SWITCHES)}")
    if not 0 <= s.pri_dchan <= 1024:
        b.problem(p + ("pri_dchan",), "pri_dchan is a DAHDI channel number (1-1024), or 0 for timeslot 16 of the span")
    elif s.pri_dchan and s.pri_dchan in nums:
        b.problem(p + ("pri_dchan",), f"DAHDI channel {s.pri_dchan} is the D-channel: leave it out of channels "
                                      f"(the B-channels)")
    if len(nums) > 30:
        b.problem(p + ("channels",), f"a PRI span carries at most 30 B-channels (an E1), not {len(nums)}")
    if s.pri_channel and s.pri_channel not in ("exclusive", "preferred"):
        b.problem(p + ("pri_channel",), f"pri_channel must be exclusive or preferred, not '{s.pri_channel}'")
    if s.pri_overlap_timeout_ms and not 1000 <= s.pri_overlap_timeout_ms <= 120000:
        b.problem(p + ("pri_overlap_timeout_ms",), "pri_overlap_timeout_ms must be from 1000 to 120000 (or 0: 15000)")
    elif s.pri_overlap_timeout_ms and not s.pri_overlap:
        b.problem(p + ("pri_overlap_timeout_ms",), "pri_overlap_timeout_ms needs pri_overlap = true")
    if not 0 <= s.pri_overlap_setup_digits <= 32:
        b.problem(p + ("pri_overlap_setup_digits",), "pri_overlap_setup_digits is a count of digits from 0 (en bloc) "
                                                     "to 32")
    elif s.pri_overlap_setup_digits and not s.pri_overlap:
        b.problem(p + ("pri_overlap_setup_digits",), "pri_overlap_setup_digits needs pri_overlap = true")
    if s.pri_inband_disconnect_ms and not 1000 <= s.pri_inband_disconnect_ms <= 60000:
        b.problem(p + ("pri_inband_disconnect_ms",), "pri_inband_disconnect_ms must be from 1000 to 60000 (or 0: 10000)")
    elif s.pri_inband_disconnect_ms and not s.pri_inband_disconnect:
        b.problem(p + ("pri_inband_disconnect_ms",), "pri_inband_disconnect_ms needs pri_inband_disconnect = true")
    if s.pri_restart_interval and not 60 <= s.pri_restart_interval <= 86400:
        b.problem(p + ("pri_restart_interval",), "pri_restart_interval is in seconds, from 60 to 86400 (or 0: never)")


def _check_sim_pri(s: SpanConfig, p: tuple, b: _Builder) -> None:
    """A sim E1 span with signalling = "pri": libpri at both ends of its lines (at most 30, an E1's)."""
    if s.signalling not in ("", "isdn", "pri") or (s.signalling and s.type != "e1"):
        if s.type == "e1":
            b.problem(p + ("signalling",), f"a sim E1 span's signalling is isdn (the default) or pri, "
                                           f"not '{s.signalling}'")
        return
    _check_pri(s, p, "pri" if s.signalling == "pri" else "", [], b)
    if s.signalling == "pri" and isinstance(s.channels, int) and s.channels > 30:
        b.problem(p + ("channels",), f"a PRI span carries at most 30 B-channels (an E1), not {s.channels}")
    if s.signalling == "pri" and s.pri_dchan:
        b.problem(p + ("pri_dchan",), "pri_dchan is for dahdi spans (a sim PRI span's D-channel is its own)")


# chan_dahdi's own names for the two openr2 timers it sets without an advanced protocol file
_ASTERISK_R2_TIMERS = {"mfcr2_mfback_timeout": "mf_back_cycle", "mfback_timeout": "mf_back_cycle",
                       "mfcr2_metering_pulse_timeout": "r2_metering_pulse", "metering_pulse_timeout": "r2_metering_pulse"}


def _check_r2(s: SpanConfig, p: tuple, sig: str, nums: list[int], b: _Builder) -> None:
    """r2_* keys: only on an MFC-R2 span, and with values openr2 knows."""
    if sig != "r2":
        for key in ("r2_variant", "r2_max_ani", "r2_max_dnis", "r2_category", "r2_timers"):
            if getattr(s, key):
                b.problem(p + (key,), f"{key} is for E1 spans with signalling = \"r2\"")
        return
    if s.r2_variant and s.r2_variant not in R2_VARIANTS:
        b.problem(p + ("r2_variant",), f"unknown r2_variant '{s.r2_variant}'; one of {', '.join(R2_VARIANTS)}")
    if s.r2_category and s.r2_category not in R2_CATEGORIES:
        b.problem(p + ("r2_category",), f"unknown r2_category '{s.r2_category}'; one of {', '.join(R2_CATEGORIES)}")
    if not 0 <= s.r2_max_ani <= 79:
        b.problem(p + ("r2_max_ani",), "r2_max_ani is the caller's digits asked for: 1-79 (0: 15)")
    if not 0 <= s.r2_max_dnis <= 79:
        b.problem(p + ("r2_max_dnis",), "r2_max_dnis is the dialled digits asked for: 1-79 (0: 4)")
    if len(nums) > 30:
        b.problem(p + ("channels",), f"an MFC-R2 span carries at most 30 channels (an E1), not {len(nums)}")
    for name, ms in s.r2_timers.items():
        q = p + ("r2_timers", name)
        if name not in R2_TIMERS:
            near = [_ASTERISK_R2_TIMERS[name]] if name in _ASTERISK_R2_TIMERS else \
                difflib.get_close_matches(name, list(R2_TIMERS), n=1)
            hint = f"did you mean '{near[0]}'?" if near else f"openr2's are {', '.join(R2_TIMERS)}"
            b.problem(q, f"unknown r2_timers key '{name}'; {hint}")
        elif not R2_TIMERS[name][0] <= ms <= R2_TIMERS[name][1]:
            low, high = R2_TIMERS[name]
            b.problem(q, f"r2_timers.{name} is in milliseconds, from {low} to {high}")


def _check_application(app: str, b: _Builder, path: tuple) -> None:
    kind, sep, arg = app.partition(":")
    if not sep or not kind or (not arg and kind != "ivr"):      # "ivr:": ivrd picks the flow by dialled number
        b.problem(path, f"application '{app}' must look like ivr:main, ivr:, queue:sales, conf:room, fax:inbox or app:NAME")


def _check_line_spec(spec: str, spans: dict[str, SpanConfig], b: _Builder, path: tuple) -> None:
    span, _, part = spec.partition("/")
    if span not in spans:
        b.problem(path, f"'{spec}' names no configured span (spans: {', '.join(spans) or 'none'})")
        return
    if part in ("", "*"):
        return
    try:
        nums = parse_ranges(part)
    except ValueError:
        b.problem(path, f"'{spec}' is not span/N, span/N-M or span/*")
        return
    count = spans[span].channel_count
    if max(nums) > count:
        b.problem(path, f"'{spec}': span '{span}' has {count} channels")


def load_config(path: str, overrides: dict[str, str] | None = None) -> Config:
    """Read and check the configuration at path (and its conf.d); raises ConfigError listing every problem.

    ``overrides`` maps a file's path to a text read in its place (a conf.d file need not exist yet):
    the web admin checks the conf.d file it owns this way before it writes it."""
    sources = _Sources()
    problems: list[Problem] = []
    merged: dict = {}
    overrides = {os.path.abspath(k): v for k, v in (overrides or {}).items()}
    conf_dir = os.path.join(os.path.dirname(os.path.abspath(path)), "conf.d")
    conf_d = sorted(set(glob.glob(os.path.join(conf_dir, "*.toml")))
                    | {p for p in overrides if os.path.dirname(p) == conf_dir and p.endswith(".toml")})
    for i, f in enumerate([path] + conf_d):
        if os.path.abspath(f) in overrides:
            text = overrides[os.path.abspath(f)]
        else:
            try:
                with open(f, "rb") as fh:
                    raw = fh.read()
            except OSError as exc:
                problems.append(Problem(f, 1, f"cannot read: {exc.strerror}"))
                continue
            text = raw.decode("utf-8", "replace")
        try:
            doc = toml_text.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
            problems.append(Problem(f, line, f"TOML syntax: {exc}"))
            continue
        sources.files.append((f, text, doc))
        merged = _merge(merged, doc)
    if problems:
        raise ConfigError(problems)
    b = _Builder(sources, os.path.dirname(os.path.abspath(path)))
    cfg = b.build(Config, merged, ())
    if cfg is not None:
        cfg = dataclasses.replace(cfg, path=os.path.abspath(path), files=tuple(s[0] for s in sources.files))
        _check(cfg, b)
    if b.problems or cfg is None:
        raise ConfigError(b.problems or [Problem(path, 1, "the configuration could not be read")])
    return cfg


def _line_from_message(msg: str) -> int:
    import re
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else 1


__all__ = ["load_config", "ConfigError", "Problem", "Config", "SystemConfig", "DatabaseConfig", "ControlConfig",
           "EngineConfig", "SpanConfig", "PortConfig", "TrunkGroupConfig", "RouteConfig", "RoutingConfig", "SimConfig",
           "SimNumberConfig", "SimTrafficConfig", "FallbackConfig", "Token"]


def _check_dialer_imports(cfg: Config, b: _Builder) -> None:
    """[[dialer.imports]]: a folder, or an SQL source of [[ivrd.sources]] with its query; phone columns."""
    sql_sources = {s.name for s in cfg.ivrd.sources if s.kind == "sql"}
    if not 1 <= cfg.dialer.media_tick_s <= 3600:
        b.problem(("dialer", "media_tick_s"), "media_tick_s must be from 1 to 3600")
    for i, imp in enumerate(cfg.dialer.imports):
        p = ("dialer", "imports", i)
        if bool(imp.folder) == bool(imp.source or imp.query):
            b.problem(p, "a scheduled import names a folder, or a source and its query (not both)")
        elif imp.source and not imp.query:
            b.problem(p + ("source",), "a scheduled import from a source needs its query")
        elif imp.source and imp.source not in sql_sources:
            b.problem(p + ("source",), f"no SQL source '{imp.source}' in [[ivrd.sources]]"
                      + (f"; known: {', '.join(sorted(sql_sources))}" if sql_sources else ""))
        if not imp.phones:
            b.problem(p, "a scheduled import needs its phone columns (phones = [\"...\"])")
