"""A sip span's own settings ([spans.sip]) and their checks: where SIP listens, where RTP binds, the
trunk's peer and the optional digest registration; NAT (symmetric RTP, keep-alive), an outbound proxy and the
source addresses a trunk trusts; for a span of phones (the span's `extensions`), each
extension's password (required, and strong), the digest realm and the bans of addresses that fail to
authenticate."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
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
    register_retry_s: int = 30          # a failed registration is tried again after this, doubling up to 300 s
    # session timers (RFC 4028): a call nobody refreshes within the interval is cleared (cause 102)
    session_expires_s: int = 1800       # the interval asked for and accepted (0: no session timers)
    min_se_s: int = 90                  # a shorter Session-Expires is refused with 422 (RFC 4028: 90 at least)
    session_refresher: str = "any"      # who refreshes: "any" (as negotiated), "us", "far_end"
    # transfers
    transfer: str = "bridge"            # chand's transfer command: "bridge" (dial and bridge, media stays here)
                                        # or "refer" (REFER to the peer: the call leaves Telephonist)
    refer_trunk_group: str = ""         # where the target of the far end's REFER is dialled when it is no
                                        # extension and no route ("": refused)
    # TLS
    tls_bind: str = ""                  # "host:port" where SIP over TLS (sips:) is taken too ("": none)
    tls_cert_dir: str = ""              # its certificate: agent.pem (key and certificate) and cafile.pem
    tls_only: bool = False              # a span of phones: REGISTER and INVITE only over TLS (else 403)
    transport: str = "udp"              # a trunk: the peer and the registrar over "udp", "tcp" or "tls"
    tls_verify: bool = True             # TLS connections we open (peer, registrar, a phone's TLS contact) check the
                                        # far end's certificate against tls_cert_dir/cafile.pem and its host name
    # secure media and digits
    srtp: str = "off"                   # SRTP keyed by SDES (RFC 4568): "off", "optional" (offered, taken when
                                        # offered) or "mandatory" (a plain offer gets 488)
    srtp_without_tls: bool = False      # SDES keys travel in the SDP: only calls signalled over TLS use SRTP
                                        # unless this is set (a trunk on a private network)
    dtmf: str = "rfc2833"               # how digits are sent: "rfc2833" (RTP events), "info" (SIP INFO) or
                                        # "inband" (tones in the audio); INFO digits are always taken
    t38: str = "off"                    # T.38 fax: "off" (a re-INVITE to m=image gets 488: fax stays G.711
                                        # pass-through), "accept" (the far end may switch the call to T.38) or
                                        # "on" (also asks for it, re-INVITEing when a fax receive starts)
    t38_gateway_cng: bool = False       # a call of this span bridged with a card's line becomes a T.38 gateway;
                                        # with t38 = "on" it asks when the card's machine answers (CED or the
                                        # V.21 preamble), and also on its calling tone (CNG) when this is set
    # NAT and trust
    symmetric_rtp: bool = True          # RTP goes where the far end's RTP comes from (latched after its first
                                        # packets; then other sources are dropped), not only to the SDP's address
    nat_keepalive_s: int = 30           # a span of phones: OPTIONS to each phone behind NAT this often; one that
                                        # does not answer is unregistered (0: no keep-alive)
    outbound_proxy: str = ""            # a trunk: "sip:host:port;transport=udp|tcp|tls" every request goes through
    trusted: tuple[str, ...] = ()       # a trunk: networks ("198.51.100.0/24") whose INVITEs are taken; others get
                                        # 403 (empty: any source)
    # a span of phones (the span's extensions = [...]: line i is the phone of extension i)
    passwords: dict[str, str] = field(default_factory=dict)   # extension -> its digest password (strong)
    realm: str = "telephonist"          # the digest realm phones authenticate in
    ban_failures: int = 5               # this many failed authentications from one address within ...
    ban_window_s: int = 60              # ... this many seconds, and it is refused ...
    ban_s: int = 600                    # ... for this long

    def phones(self, extensions) -> tuple[tuple[str, str], ...]:
        """(extension, password) line by line, for the engine."""
        return tuple((ext, self.passwords.get(ext, "")) for ext in extensions)


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


REFRESHERS = {"any": 0, "us": 1, "far_end": 2}      # the engine's ENG_SIP_REFRESHER_*
SRTP_MODES = {"off": 0, "optional": 1, "mandatory": 2}      # ENG_SIP_SRTP_*
DTMF_MODES = {"rfc2833": 0, "info": 1, "inband": 2}         # ENG_SIP_DTMF_*
TRANSPORTS = {"udp": 0, "tcp": 1, "tls": 2}                 # ENG_SIP_TRANSPORT_*
T38_MODES = {"off": 0, "accept": 1, "on": 2}                # ENG_SIP_T38_*
TRANSFERS = ("bridge", "refer")


def _check_timers_and_transfers(sip: "SipTrunkConfig", p: tuple, problem: Callable[[tuple, str], None]) -> None:
    if not 90 <= sip.min_se_s <= 86400:
        problem(p + ("min_se_s",), "min_se_s must be from 90 to 86400 (RFC 4028: 90 at least)")
    if sip.session_expires_s and not max(sip.min_se_s, 90) <= sip.session_expires_s <= 86400:
        problem(p + ("session_expires_s",), "session_expires_s must be 0 (no session timers) or from min_se_s to 86400")
    if sip.session_refresher not in REFRESHERS:
        problem(p + ("session_refresher",), f"session_refresher must be one of {', '.join(REFRESHERS)}")
    if sip.transfer not in TRANSFERS:
        problem(p + ("transfer",), f"transfer must be one of {', '.join(TRANSFERS)}")


def _check_tls(s, sip: "SipTrunkConfig", p: tuple, problem: Callable[[tuple, str], None]) -> None:
    if sip.tls_bind and (why := _host_port(sip.tls_bind)):
        problem(p + ("tls_bind",), f"tls_bind {why}")
    if sip.tls_bind and not sip.tls_cert_dir:
        problem(p + ("tls_cert_dir",), "TLS needs tls_cert_dir: a directory with agent.pem (key and certificate) "
                                       "and cafile.pem")
    if len(sip.tls_cert_dir.encode()) > 199:
        problem(p + ("tls_cert_dir",), "tls_cert_dir is longer than 199 bytes")
    if sip.tls_only and not (sip.tls_bind and s.extensions):
        problem(p + ("tls_only",), "tls_only is for a span of phones with a tls_bind")


def _check_nat(s, sip: "SipTrunkConfig", p: tuple, problem: Callable[[tuple, str], None]) -> None:
    if not 0 <= sip.nat_keepalive_s <= 3600:
        problem(p + ("nat_keepalive_s",), "nat_keepalive_s must be from 0 (no keep-alive) to 3600")
    proxy = sip.outbound_proxy
    if proxy:
        host_port, _, params = proxy.partition(";")
        transport = dict(kv.partition("=")[::2] for kv in params.split(";") if kv).get("transport", "udp")
        if not proxy.startswith("sip:") or _host_port(host_port[4:]) or "@" in host_port:
            problem(p + ("outbound_proxy",), "outbound_proxy must be \"sip:host:port\" (with ;transport=udp, tcp "
                                             "or tls if not UDP)")
        elif transport not in TRANSPORTS:
            problem(p + ("outbound_proxy",), f"outbound_proxy's transport must be one of {', '.join(TRANSPORTS)}")
        elif transport == "tls" and not sip.tls_bind:
            problem(p + ("outbound_proxy",), "an outbound proxy over TLS needs the span's tls_bind and tls_cert_dir")
        elif len(proxy.encode()) > 127:
            problem(p + ("outbound_proxy",), "outbound_proxy is longer than 127 bytes")
    for i, net in enumerate(sip.trusted):
        try:
            ipaddress.IPv4Network(net, strict=False)
            if len(net) > 63 or any(c.isspace() for c in net):
                raise ValueError
        except ValueError:
            problem(p + ("trusted", i), f"trusted: '{net}' is not an IPv4 network (\"198.51.100.0/24\" or an address)")
    if s.extensions:
        for key in ("outbound_proxy", "trusted"):
            if getattr(sip, key):
                problem(p + (key,), f"{key} is for a trunk: a span of phones authenticates each phone by digest")


def _check_media(sip: "SipTrunkConfig", p: tuple, problem: Callable[[tuple, str], None]) -> None:
    if sip.srtp not in SRTP_MODES:
        problem(p + ("srtp",), f"srtp must be one of {', '.join(SRTP_MODES)}")
    elif sip.srtp != "off" and not (sip.tls_bind or sip.srtp_without_tls):
        problem(p + ("srtp",), "SRTP's keys travel in the SDP: give the span a tls_bind (SRTP on calls signalled "
                               "over TLS), or set srtp_without_tls = true to send them over UDP/TCP")
    if sip.dtmf not in DTMF_MODES:
        problem(p + ("dtmf",), f"dtmf must be one of {', '.join(DTMF_MODES)}")
    if sip.t38 not in T38_MODES:
        problem(p + ("t38",), f"t38 must be one of {', '.join(T38_MODES)}")
    if sip.transport not in TRANSPORTS:
        problem(p + ("transport",), f"transport must be one of {', '.join(TRANSPORTS)}")
    elif sip.transport == "tls" and not sip.tls_bind:
        problem(p + ("transport",), "transport = \"tls\" needs the span's own TLS: tls_bind and tls_cert_dir "
                                    "(cafile.pem: the CAs that sign the peer's certificate)")


MIN_PASSWORD = 12


def weak_password(password: str, extension: str) -> str | None:
    """Why a phone's password is too weak to stand on the network (digest is open to offline guessing), or
    None: at least 12 characters of three kinds (lower case, upper case, digits, others), not holding the
    extension, not one character repeated."""
    if len(password) < MIN_PASSWORD:
        return f"is shorter than {MIN_PASSWORD} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "holds a control character"
    kinds = sum(1 for test in (str.islower, str.isupper, str.isdigit) if any(test(c) for c in password))
    kinds += any(not c.isalnum() for c in password)
    if kinds < 3:
        return "needs three kinds of characters of lower case, upper case, digits and others"
    if extension and extension in password:
        return "holds the extension's number"
    if len(set(password.lower())) < 6:
        return "repeats too few characters"
    return None


def _check_phones(s, sip: "SipTrunkConfig", path: tuple, problem: Callable[[tuple, str], None]) -> None:
    p = path + ("sip",)
    exts = list(s.extensions)
    if not exts:
        if sip.passwords:
            problem(p + ("passwords",), "passwords are for a span of phones: give the span its extensions = [...]")
        return
    if isinstance(s.channels, int) and s.channels != len(exts):
        problem(path + ("extensions",), f"a sip span of phones has a line per extension: {len(exts)} extensions "
                                        f"for {s.channels} channels")
    for i, ext in enumerate(exts):
        if not (ext.isdigit() and 1 <= len(ext) <= 31):
            problem(path + ("extensions", i), f"extension '{ext}' must be 1 to 31 digits")
        elif exts.index(ext) != i:
            problem(path + ("extensions", i), f"extension {ext} is listed twice")
    for key in ("peer", "registrar"):
        if getattr(sip, key):
            problem(p + (key,), f"a span of phones calls its phones where they registered: no {key}")
    for ext in exts:
        if ext not in sip.passwords:
            problem(p + ("passwords",), f"extension {ext} needs a password (every phone authenticates)")
    for ext, password in sip.passwords.items():
        if ext not in exts:
            problem(p + ("passwords", ext), f"extension {ext} is not in the span's extensions")
        elif why := weak_password(password, ext):
            problem(p + ("passwords", ext), f"the password of extension {ext} {why}")
        elif len(password.encode()) > 63:
            problem(p + ("passwords", ext), f"the password of extension {ext} is longer than 63 bytes")
    if not sip.realm or len(sip.realm.encode()) > 63 or any(c in sip.realm for c in '"\\\r\n'):
        problem(p + ("realm",), "realm must be 1 to 63 bytes without quotes or backslashes")
    for key, low, high in (("ban_failures", 1, 1000), ("ban_window_s", 1, 86400), ("ban_s", 1, 30 * 86400)):
        if not low <= getattr(sip, key) <= high:
            problem(p + (key,), f"{key} must be from {low} to {high}")


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
    if not 1 <= sip.register_retry_s <= 3600:
        problem(p + ("register_retry_s",), "register_retry_s must be from 1 to 3600")
    _check_phones(s, sip, path, problem)
    _check_timers_and_transfers(sip, p, problem)
    _check_tls(s, sip, p, problem)
    _check_media(sip, p, problem)
    _check_nat(s, sip, p, problem)
    for key in ("bind", "peer", "rtp_host", "from_user", "username", "password", "registrar", "tls_bind"):
        if len(getattr(sip, key).encode()) > 63:
            problem(p + (key,), f"{key} is longer than 63 bytes")
