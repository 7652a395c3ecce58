"""A sip span's own settings ([spans.sip]) and their checks: where SIP listens, where RTP binds, the
trunk's peer and the optional digest registration."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SipTrunkConfig:
    bind: str                           # where SIP listens: "host:port" (UDP and TCP)
    rtp_host: str                       # the IPv4 address RTP binds to and our SDP gives (not 0.0.0.0)
    rtp_port: int = 20000               # line i's RTP port is rtp_port + 2i, RTCP the next one
    peer: str = ""                      # the trunk's far end for outbound calls: "host:port" ("": inbound only)
    from_user: str = ""                 # From user of outbound calls made without a caller number
    username: str = ""                  # digest credentials, for the peer's challenges and the registrar
    password: str = ""
    registrar: str = ""                 # "host:port" to register with ("": no registration)
    jitter_min_ms: int = 20             # the jitter buffer's delay bounds (it adapts between them)
    jitter_max_ms: int = 200


def _host_port(text: str) -> str | None:
    """Why "host:port" is not one, or None."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        return "must be \"host:port\""
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"port '{port}' must be a number from 1 to 65535"
    if any(c.isspace() or c in "<>;@\"" for c in host):
        return f"'{host}' is not a host name or address"
    return None


def check_sip_span(s, path: tuple, problem: Callable[[tuple, str], None]) -> None:
    """Problems of a [[spans]] entry with driver = "sip"."""
    if s.type != "e1":
        problem(path + ("type",), "a sip span's lines take messages, as an E1's do: type = \"e1\"")
    if not (isinstance(s.channels, int) and 1 <= s.channels <= 1024):
        problem(path + ("channels",), "a sip span's channels is a count from 1 to 1024 (calls at once)")
    if s.codec and s.codec not in ("alaw", "ulaw"):
        return
    sip: SipTrunkConfig | None = s.sip
    if sip is None:
        problem(path, "a sip span needs a [spans.sip] table (bind, rtp_host)")
        return
    p = path + ("sip",)
    for key in ("bind", "peer", "registrar"):
        value = getattr(sip, key)
        if value and (why := _host_port(value)):
            problem(p + (key,), f"{key} {why}")
    try:
        addr = ipaddress.IPv4Address(sip.rtp_host)
        if addr.is_unspecified:
            problem(p + ("rtp_host",), "rtp_host must be this machine's address the far end can reach, not 0.0.0.0")
    except ValueError:
        problem(p + ("rtp_host",), f"rtp_host '{sip.rtp_host}' must be an IPv4 address")
    channels = s.channels if isinstance(s.channels, int) else 1
    if sip.rtp_port % 2 or not 1024 <= sip.rtp_port <= 65535 - 2 * channels:
        problem(p + ("rtp_port",), f"rtp_port must be even, from 1024, with room for {channels} lines (2 ports each)")
    if not 0 <= sip.jitter_min_ms <= sip.jitter_max_ms <= 900:
        problem(p + ("jitter_min_ms",), "jitter_min_ms and jitter_max_ms must be 0 <= min <= max <= 900")
    if sip.registrar and not sip.username:
        problem(p + ("registrar",), "registering needs a username (and its password)")
    for key in ("bind", "peer", "rtp_host", "from_user", "username", "password", "registrar"):
        if len(getattr(sip, key).encode()) > 63:
            problem(p + (key,), f"{key} is longer than 63 bytes")
