"""What the kernel reports of DAHDI (like dahdi_scan), and the [[spans]] configuration it suggests.

Spans come from /proc/dahdi (one file per span) and DAHDI_SPANSTAT, their channel numbers from
sysfs (/sys/bus/dahdi_spans) or, on kernels without it, from the /proc file; each channel from
DAHDI_GET_PARAMS through /dev/dahdi/ctl, so channels chand holds open are read too. Devices
(cards) come from /sys/bus/dahdi_devices. The ioctls go through the engine (struct sizes from
<dahdi/user.h> at build time).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from telephonist.config.model import format_ranges
from telephonist.engine import DahdiParams, Engine, SpanStatus

PROC = "/proc/dahdi"
SYS_SPANS = "/sys/bus/dahdi_spans/devices"
SYS_DEVICES = "/sys/bus/dahdi_devices/devices"

# configured signalling -> (span type, chand's signalling)
USABLE = {"fxsks": ("fxo", "kewlstart"), "fxsls": ("fxo", "loopstart"),
          "fxoks": ("fxs", "kewlstart"), "fxols": ("fxs", "loopstart"), "cas": ("e1", "cas")}
NOT_YET = {"e&m": "E&M signalling is not run by chand yet", "e&me1": "E&M signalling is not run by chand yet",
           "fxsgs": "ground start is not run by chand", "fxogs": "ground start is not run by chand",
           "hardhdlc": "an HDLC channel on a span without B-channels (bchan=): no PRI to run",
           "fcshdlc": "an HDLC channel on a span without B-channels (bchan=): no PRI to run",
           "clear": "a clear channel on a span without a D-channel (dchan=/hardhdlc=): not used by chand on its own"}
D_CHANNEL = ("fcshdlc", "hardhdlc")
SPAN_BASE = {"fxo": "pstn", "fxs": "phones", "e1": "e1"}


class NoDahdi(Exception):
    """DAHDI is not loaded (or not installed) on this machine."""


@dataclass
class ScannedSpan:
    spanno: int
    status: SpanStatus
    channels: list[DahdiParams]
    basechan: int


@dataclass
class ScannedDevice:
    name: str
    attrs: dict[str, str]


@dataclass
class Scan:
    spans: list[ScannedSpan]
    devices: list[ScannedDevice] = field(default_factory=list)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


def span_numbers() -> list[int]:
    if not os.path.isdir(PROC):
        raise NoDahdi(f"no {PROC}: the dahdi kernel modules are not loaded (modprobe dahdi and your card's "
                      f"driver, or install dahdi-dkms)")
    return sorted(int(n) for n in os.listdir(PROC) if n.isdigit())


def channel_numbers(spanno: int) -> list[int]:
    """The span's channel numbers: sysfs basechan/channels, else the lines of /proc/dahdi/N."""
    base, count = _read(f"{SYS_SPANS}/span-{spanno}/basechan"), _read(f"{SYS_SPANS}/span-{spanno}/channels")
    if base.isdigit() and count.isdigit():
        return list(range(int(base), int(base) + int(count)))
    nums = []
    for line in _read(f"{PROC}/{spanno}").splitlines()[1:]:
        m = re.match(r"\s*(\d+)\s+\S", line)
        if m:
            nums.append(int(m.group(1)))
    return nums


def devices() -> list[ScannedDevice]:
    out = []
    if not os.path.isdir(SYS_DEVICES):
        return out
    for name in sorted(os.listdir(SYS_DEVICES)):
        d = os.path.join(SYS_DEVICES, name)
        attrs = {a: _read(os.path.join(d, a)) for a in ("manufacturer", "type", "span_count", "hardware_id",
                                                        "location", "registration_time")
                 if os.path.isfile(os.path.join(d, a))}
        out.append(ScannedDevice(name, attrs))
    return out


def scan(engine: Engine | None = None) -> Scan:
    numbers = span_numbers()
    engine = engine or Engine(max_channels=1)
    spans = []
    for n in numbers:
        st = engine.dahdi_span_status(n)
        chans = [p for p in (engine.dahdi_params(c) for c in channel_numbers(n)) if p is not None]
        spans.append(ScannedSpan(n, st, chans, chans[0].channo if chans else 0))
    return Scan(spans, devices())


def port_kind(p: DahdiParams) -> str:
    """What the hardware behind a channel is, from what it can be configured as (its sigcap)."""
    fxs_sig = any(c.startswith("fxs") for c in p.caps)    # the port can act as a phone: an FXO module
    fxo_sig = any(c.startswith("fxo") for c in p.caps)
    if fxs_sig and not fxo_sig:
        return "FXO"
    if fxo_sig and not fxs_sig:
        return "FXS"
    return "digital" if p.caps else "none"


@dataclass
class Proposal:
    spans: list[dict[str, object]]          # [[spans]] tables, in order
    system_conf: list[str]                  # lines system.conf needs for the proposal (unconfigured ports)
    notes: list[str]                        # channels left out, and why


def _runs(items: list[tuple[int, str, str]]) -> list[tuple[str, str, list[int]]]:
    """Consecutive channels of the same (type, signalling), in channel order."""
    out: list[tuple[str, str, list[int]]] = []
    for chan, kind, sig in items:
        if out and out[-1][0] == kind and out[-1][1] == sig:
            out[-1][2].append(chan)
        else:
            out.append((kind, sig, [chan]))
    return out


def propose(result: Scan) -> Proposal:
    groups: list[tuple[int, str, str, list[int]]] = []
    system_conf: list[str] = []
    notes: list[str] = []
    for span in result.spans:
        usable: list[tuple[int, str, str]] = []
        unconfigured: dict[str, list[int]] = {}
        left_out: dict[str, list[int]] = {}
        dchans = [p for p in span.channels if p.signalling in D_CHANNEL]
        pri = len(dchans) == 1 and any(p.signalling == "clear" for p in span.channels)
        for p in span.channels:
            if pri and p.signalling == "clear":
                usable.append((p.channo, "e1", "pri"))     # ISDN PRI: the B-channels; the D-channel is found by chand
            elif pri and p.signalling in D_CHANNEL:
                if p.chanpos != 16:
                    notes.append(f"DAHDI span {span.spanno}: the D-channel is channel {p.channo} (not timeslot 16): "
                                 f"add pri_dchan = {p.channo} to its span")
            elif p.signalling in USABLE:
                usable.append((p.channo, *USABLE[p.signalling]))
            elif not p.signalling:
                kind = port_kind(p)
                if kind == "FXO":
                    usable.append((p.channo, "fxo", "kewlstart"))
                    unconfigured.setdefault("fxsks", []).append(p.channo)
                elif kind == "FXS":
                    usable.append((p.channo, "fxs", "kewlstart"))
                    unconfigured.setdefault("fxoks", []).append(p.channo)
                else:
                    left_out.setdefault("not configured", []).append(p.channo)
            else:
                left_out.setdefault(p.signalling, []).append(p.channo)
        for kind, sig, chans in _runs(usable):
            groups.append((span.spanno, kind, sig, chans))
        for sig, chans in unconfigured.items():
            system_conf.append(f"{sig}={format_ranges(chans)}")
        for why, chans in left_out.items():
            reason = NOT_YET.get(why, "give it a signalling in system.conf (cas=N:1101 for E1 CAS) and run dahdi_cfg"
                                 if why == "not configured" else "chand does not run this signalling")
            notes.append(f"DAHDI span {span.spanno}, channels {format_ranges(chans)} ({why}): {reason}")
    counts: dict[str, int] = {}
    for _, kind, _, _ in groups:
        counts[SPAN_BASE[kind]] = counts.get(SPAN_BASE[kind], 0) + 1
    seen: dict[str, int] = {}
    extension = 8000
    tables = []
    for spanno, kind, sig, chans in groups:
        base = SPAN_BASE[kind]
        seen[base] = seen.get(base, 0) + 1
        name = base if counts[base] == 1 else f"{base}_{seen[base]}"
        table: dict[str, object] = {"name": name, "driver": "dahdi", "type": kind,
                                    "channels": format_ranges(chans), "signalling": sig}
        if kind == "fxs":
            table["extensions"] = [str(extension + i) for i in range(1, len(chans) + 1)]
            extension += len(chans)
        tables.append(table)
    return Proposal(tables, system_conf, notes)


def toml_text(proposal: Proposal) -> str:
    """The proposal as TOML to paste into /etc/telephonist/conf.d/ (comments say what to check)."""
    lines = ["# [[spans]] proposed by `telephonist dahdi-scan` from what DAHDI reports now.",
             "# Check the names, caller ID (cid) on lines from the exchange, and the phones' extensions."]
    if proposal.system_conf:
        lines.append("# /etc/dahdi/system.conf needs these first (then run dahdi_cfg):")
        lines += [f"#   {ln}" for ln in proposal.system_conf]
    for note in proposal.notes:
        lines.append(f"# left out: {note}")
    for t in proposal.spans:
        lines.append("")
        lines.append("[[spans]]")
        for k, v in t.items():
            if isinstance(v, list):
                lines.append(f"{k} = [{', '.join(_q(x) for x in v)}]")
            else:
                lines.append(f"{k} = {_q(v)}")
        if t["type"] == "fxo":
            lines.append('cid = "bell202"              # or "dtmf" (before the first ring), "v23", "none"')
    return "\n".join(lines) + "\n"


def _q(v: object) -> str:
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
