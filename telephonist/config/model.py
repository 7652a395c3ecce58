"""The configuration as the daemons see it: frozen dataclasses with defaults in code.

docs/admin.md is the reference for every key; the loader (loader.py) fills
these from TOML and refuses anything it cannot make sense of, with file:line.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field

from telephonist.config.acd import AcdConfig, AgentConfig, QueueConfig
from telephonist.config.conference import ConferenceConfig
from telephonist.config.busy_tones import BusyTone
from telephonist.config.sip import SipTrunkConfig


@dataclass(frozen=True)
class SystemConfig:
    node: str = field(default_factory=socket.gethostname)
    time_zone: str = "Asia/Shanghai"
    tone_zone: str = "cn"
    codec: str = "alaw"
    frame_ms: int = 20
    state_dir: str = "/var/lib/telephonist"
    recordings_dir: str = "/var/lib/telephonist/recordings"
    prompts_dir: str = "/var/lib/telephonist/prompts"
    log_level: str = "info"
    demo_prompts: bool = False          # make the spoken demo prompts (espeak-ng) when missing


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:////var/lib/telephonist/telephonist.db"


@dataclass(frozen=True)
class Token:
    name: str
    token: str
    role: str = "app"
    apps: tuple[str, ...] = ()          # the application names it may say hello as ("crm", "crm-*")


@dataclass(frozen=True)
class FallbackConfig:
    prompt: str = ""                    # played to callers whose application is gone
    then: str = "hangup"                # or "app:NAME" / "ivr:FLOW" ... to hand them over, or "return": hold
                                        # them (music) until the application is back, for return_s at most
    return_s: int = 120
    return_for: tuple[str, ...] = ("queue",)   # applications whose callers always wait for them ("return"),
                                               # whatever `then` says: the ACD takes them back at their places


@dataclass(frozen=True)
class ControlConfig:
    socket: str = "/run/telephonist/chand.sock"
    socket_mode: int = 0o660
    socket_group: str = ""
    tcp: str = ""                       # "host:port" to listen on TCP too (token required)
    tls_cert: str = ""
    tls_key: str = ""
    app_timeout_ms: int = 2000
    tokens: tuple[Token, ...] = ()
    fallback: FallbackConfig = field(default_factory=FallbackConfig)
    max_connections: int = 256          # control-API connections at once (Unix socket and TCP together)
    hello_timeout_ms: int = 5000        # a connection that has not said hello by then is closed
    allow_plaintext: bool = False       # TCP on a non-loopback address without TLS (a token in clear text)
    media_dirs: tuple[str, ...] = ()    # more folders applications may play from (besides the prompts,
                                        # voicemail and TTS folders)
    music_on_hold: str = ""             # what a held call hears (a WAV; unset: the call-waiting tone)


@dataclass(frozen=True)
class EngineConfig:
    clock: str = "realtime"             # realtime | fast | lockstep
    speed: float = 0.0                  # fast/lockstep: 0 = as fast as the CPU allows, N = N x real time
    realtime_priority: int = 20         # realtime clock: SCHED_FIFO priority of the media thread (the fax worker
                                        # one below), set by chand at start; 0 = normal scheduling


@dataclass(frozen=True)
class PortConfig:
    """dahdi: settings of one DAHDI channel that differ from its span's."""
    channel: int                        # the DAHDI channel number (as in system.conf)
    rx_gain_db: float | None = None
    tx_gain_db: float | None = None
    echocancel: int | None = None       # echo canceller taps, 0 = off


@dataclass(frozen=True)
class SpanConfig:
    name: str
    driver: str                         # sim | dahdi | local (the sound card as one phone) | sip
    type: str                           # fxo | fxs | e1
    channels: int | str                 # sim: a count; dahdi: DAHDI channel numbers "1-4,6"
    signalling: str = ""                # fxo/fxs: kewlstart | loopstart; e1: isdn | pri (sim) | cas | pri | r2 (dahdi)
    tone_zone: str = ""                 # "" = [system] tone_zone
    codec: str = ""                     # "" = [system] codec
    cid: str = "bell202"                # bell202 | v23 | dtmf | none
    busy_tone_disconnect: bool = True
    open_loop_disconnect: bool = True
    polarity_disconnect: bool = False
    answer_on_polarity: bool = False
    answer_on_voice: bool = True
    ring_timeout_ms: int = 8000
    no_answer_ms: int = 45000
    extensions: tuple[str, ...] = ()    # fxs: the phones' extension numbers, port by port
    mwi: str = "fsk"                    # fxs: message waiting shown by fsk | neon | reversal | fsk+neon | none
    ring_on_ms: int = 1000              # fxs: ring cadence (China: 1 s on, 4 s off)
    ring_off_ms: int = 4000
    first_digit_ms: int = 10000         # fxs: dial tone until the first digit, then congestion
    interdigit_ms: int = 4000           # fxs: dialling ends after this pause (or at #)
    max_digits: int = 20                # fxs: dialling ends at this many digits
    dialtone_wait_ms: int = 3000        # fxo outbound: dial blind after this if no dial tone is heard
    stutter_dial_tone: bool = True      # fxs: stutter dial tone while messages wait
    rx_gain_db: float = 0.0
    tx_gain_db: float = 0.0
    echocancel: int = 0                 # dahdi: echo canceller taps (8 a millisecond), 0 = off
    echocancel_params: dict[str, int] = field(default_factory=dict)   # dahdi: for the canceller module
    ports: tuple[PortConfig, ...] = ()  # dahdi: per-channel gains and echo canceller
    far_disconnect: str = "busy_tone"   # sim: how the simulated exchange hangs up
    far_cid: str = "bell202"            # sim: the caller ID the simulated exchange sends
    device: str = "default"             # local: the sound card (a PortAudio device name)
    far_busy_tone: BusyTone | None = None   # sim: the simulated exchange's own disconnect tone (else the zone's busy)
    learn_busy: bool = False            # fxo: chand learns the disconnect tone from calls whose end it did not hear
    sip: SipTrunkConfig | None = None   # sip: the trunk's addresses ([spans.sip])
    pri_side: str = ""                  # dahdi e1 pri: network | user ("" = user: we face the exchange)
    pri_switch: str = ""                # dahdi e1 pri: euroisdn | qsig | ni2 | dms100 | lucent5e | att4ess ("" = euroisdn)
    pri_dchan: int = 0                  # dahdi e1 pri: DAHDI channel of the D-channel (0 = timeslot 16 of the span)
    pri_restart_on_up: bool = False     # dahdi e1 pri: RESTART every idle B-channel whenever the D-channel comes up
    pri_overlap: bool = False           # e1 pri: overlap receiving (SETUP ACKNOWLEDGE, digits by INFORMATION); else en bloc
    pri_overlap_timeout_ms: int = 0     # e1 pri overlap: no digit for this long ends the number (0 = 15000, T302's)
    pri_channel: str = ""               # e1 pri: our SETUPs name their B-channel exclusive | preferred ("" = exclusive)
    pri_overlap_setup_digits: int = 0   # e1 pri overlap sending: our SETUP carries this many digits, the rest by
                                        # INFORMATION after the far end's SETUP ACKNOWLEDGE (0 = en bloc)
    pri_inband_disconnect: bool = False  # e1 pri: a refusal with in-band information (an announcement) is heard
    pri_inband_disconnect_ms: int = 0   # ... this long before we clear (0 = 10000; 1000-60000)
    pri_restart_interval: int = 0       # e1 pri: RESTART the idle B-channels every this many seconds (0 = never)
    r2_variant: str = ""                # dahdi e1 r2: china | itu | openr2's others ("" = china, China No.1)
    r2_max_ani: int = 0                 # dahdi e1 r2: caller's digits asked for (0 = 15)
    r2_max_dnis: int = 0                # dahdi e1 r2: dialled digits asked for (0 = 4)
    r2_category: str = ""               # dahdi e1 r2: our calls' calling party category ("" = subscriber)
    r2_timers: dict[str, int] = field(default_factory=dict)   # dahdi e1 r2: openr2's timers in ms, by its names (R2_TIMERS)

    @property
    def channel_count(self) -> int:
        if isinstance(self.channels, int):
            return self.channels
        return len(parse_ranges(self.channels))


@dataclass(frozen=True)
class TrunkGroupConfig:
    name: str
    lines: tuple[str, ...]              # "span/*", "span/1-4", "span/3"
    hunting: str = "ascending"          # ascending | descending | round_robin | least_used
    caller_id: str = ""
    max_calls: int = 0
    record: bool = False                # record every call made on it whole, from the answer


@dataclass(frozen=True)
class RouteConfig:
    application: str                    # ivr:main | queue:sales | fax:inbox | app:NAME
    dialled: str | None = None          # pattern of the dialled number ("400800*")
    caller: str | None = None
    lines: tuple[str, ...] = ()
    record: bool | None = None          # record the whole call from the answer (unset: [routing] record)


@dataclass(frozen=True)
class RoutingConfig:
    default: str = ""
    fax: str = ""                       # a voice call on which a fax tone (CNG) is heard goes here ("fax:inbox")
    record: bool = False                # record every inbound call whole (a route may say otherwise)


@dataclass(frozen=True)
class SimNumberConfig:
    pattern: str
    behaviour: str = "answer"
    after_rings: int = 1
    audio: str = ""
    hangup_after_ms: int = 0
    busy_first: int = 0                 # busy for the first N calls, then the behaviour


@dataclass(frozen=True)
class SimTrafficConfig:
    calls_per_minute: float = 12.0
    max_concurrent: int = 6
    spans: tuple[str, ...] = ()
    dialled: tuple[str, ...] = ("4008001234",)
    scripts: str = ""                   # a directory of flow test scripts the simulated callers follow


@dataclass(frozen=True)
class SimConfig:
    numbers: tuple[SimNumberConfig, ...] = ()
    traffic: SimTrafficConfig = field(default_factory=SimTrafficConfig)


@dataclass(frozen=True)
class FaxMailbox:
    name: str                           # the route target: "fax:NAME"
    email: str = ""                     # received faxes are mailed here as PDF


@dataclass(frozen=True)
class FaxdConfig:
    spool_dir: str = "/var/lib/telephonist/fax"
    ident: str = "TELEPHONIST"          # our station id (TSI/CSI)
    trunk_group: str = ""               # default for `telephonist fax send` and fax-on-demand call-backs
    documents_dir: str = ""             # fax on demand: documents named by number (101.pdf, 102.tif ...)
    max_sending: int = 4                # outbound faxes at once
    retries: int = 3                    # default attempts per recipient
    retry_interval_s: int = 300
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "fax@localhost"
    mail_retry_s: int = 300             # a received fax whose e-mail failed is mailed again after this long ...
    mail_give_up_s: int = 172800        # ... while it is younger than this (then it stays in the inbox only)
    mailboxes: tuple[FaxMailbox, ...] = ()


@dataclass(frozen=True)
class LookupSource:
    """A customer system the flows' `lookup` nodes read from: a database (SQL with bound
    parameters) or an HTTP service (JSON)."""
    name: str
    kind: str = "sql"                   # sql | http
    url: str = ""                       # sql: an SQLAlchemy URL; http: the base URL
    timeout_ms: int = 3000              # a query or request that takes longer fails (the caller hears the fallback)
    headers: tuple[str, ...] = ()       # http: "Name: value" lines sent with every request
    writes: bool = False                # sql: lookups may change data (else the database itself refuses writes)


@dataclass(frozen=True)
class SmsModemConfig:
    device: str = ""                    # serial port of the GSM modem (/dev/ttyUSB2); "" = no SMS
    baud: int = 115200
    pin: str = ""                       # SIM PIN, when the SIM asks for one
    smsc: str = ""                      # service centre number; "" = the one on the SIM
    timeout_s: float = 20.0             # for each AT command


@dataclass(frozen=True)
class VoicemailConfig:
    dir: str = "/var/lib/telephonist/voicemail"    # messages and greetings (WAV 8 kHz mono)
    max_message_s: int = 120            # default for new mailboxes
    silence_s: int = 5                  # recording ends after this much silence
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "voicemail@localhost"
    sms: SmsModemConfig = field(default_factory=SmsModemConfig)
    pin_max_failures: int = 3           # a mailbox locks after this many wrong PINs in a row
    pin_lockout_s: int = 900
    min_message_ms: int = 1000          # shorter recordings (a caller who hung up at the beep) are not kept
    greeting_max_s: int = 60            # a box's own greeting, recorded by phone
    notify_retry_s: int = 300           # a failed e-mail or SMS is tried again after this long ...
    notify_give_up_s: int = 172800      # ... for messages up to this old (then it is only logged)


@dataclass(frozen=True)
class IvrdConfig:
    flows_dir: str = "/etc/telephonist/flows"      # *.toml: one flow a file, plus schedules.toml
    default_flow: str = ""              # for a call whose route names no flow and whose dialled number no flow claims
    languages: tuple[str, ...] = ("zh", "en")   # prompt folders under prompts_dir, in menu order
    default_language: str = "zh"
    fallback_prompt: str = "{lang}/try-later.wav"  # what a caller hears when a flow fails at run time
    fallback: str = "hangup"            # then: hangup, or where to send the caller ("queue:operators")
    extensions_trunk_group: str = "agents"   # transfer to ext:NUMBER dials the phone on this group
    external_trunk_group: str = ""       # transfer to number:NUMBER dials out on this group
    max_steps: int = 500                # a call that passes this many nodes is in a loop: fallback
    tts_cache_dir: str = ""             # espeak-ng renderings of free text; "" = state_dir/tts
    sources: tuple[LookupSource, ...] = ()
    voicemail: VoicemailConfig = field(default_factory=VoicemailConfig)


@dataclass(frozen=True)
class DialerImport:
    """A campaign's list taken in on a schedule by `telephonist dialer import-scheduled` (docs/dialer.md)."""
    campaign: str                       # the campaign's name
    folder: str = ""                    # new .csv/.txt/.xlsx/.docx files here; each then moved to done/ or failed/
    source: str = ""                    # or an SQL source of [[ivrd.sources]] ...
    query: str = ""                     # ... and the query whose rows are the list (run again each time)
    phones: tuple[str, ...] = ()        # the mapping: phone columns in the order they are tried ...
    name: str = ""                      # ... and the name, customer type and ID-card columns (others: fields)
    customer_type: str = ""
    id_card: str = ""


@dataclass(frozen=True)
class DialerConfig:
    imports: tuple[DialerImport, ...] = ()
    smtp_host: str = ""                 # e-mail campaigns and reports; "" = no e-mail
    smtp_port: int = 25
    smtp_sender: str = "campaigns@localhost"
    sms: SmsModemConfig = field(default_factory=SmsModemConfig)   # SMS campaigns and reports; device "" = no SMS
    fax: bool = False                   # fax campaigns through faxd (its spool_dir, its database)
    media_tick_s: int = 15              # how often the SMS / e-mail / fax campaigns are looked at


@dataclass(frozen=True)
class WebadminConfig:
    """The web console (telephonist/webadmin): who may reach it and how hard logins are guarded."""
    proxy_hops: int = 0                 # reverse proxies in front whose X-Forwarded-* headers are believed
    session_idle_minutes: int = 30      # a session unused this long is gone
    session_max_hours: int = 12         # and none lives longer than this
    lockout_failures: int = 5           # wrong passwords in a row before an account locks
    lockout_minutes: int = 15
    address_failures: int = 20          # failed logins from one client address in the window ...
    address_window_minutes: int = 15    # ... before that address must wait
    chat_queues: tuple[str, ...] = ()   # the chat queues (media = "chat") the website's visitors may write to
    chat_origins: tuple[str, ...] = ()  # the websites (https://www.example.com) that may frame the chat page
    chat_starts_per_hour: int = 10      # chats one client address may open in an hour
    chat_lines_per_minute: int = 20     # lines one visitor may send in a minute
    softphone_ws: str = ""              # the agents' softphone: Kamailio's WebSocket, wss://HOST:PORT ("" = none)
    widget_ws: str = ""                 # the website's click-to-call widget (public page /call): Kamailio's widget
                                        # WebSocket, wss://HOST:PORT ("" = no widget)
    widget_number: str = ""             # the hotline number the widget calls (one of Kamailio's WIDGET_NUMBERS)
    callback_queues: tuple[str, ...] = ()   # the queues (with web_callback) the widget's "call me back" offers
    callback_starts_per_hour: int = 5   # call-back requests one client address may make in an hour
    callback_per_number_per_day: int = 3    # call-back requests for one number in a day (whatever the address)


@dataclass(frozen=True)
class BackupConfig:
    """`telephonist backup` (and its systemd timer): where archives go and how many stay."""
    destination: str = "/var/backups/telephonist"   # a folder, or user@host:/folder (rsync over ssh)
    keep: int = 7                       # the newest archives of this node kept there; older ones are removed
    ssh_command: str = "ssh"            # how rsync and the clean-up reach a remote destination ("ssh -i KEY -p 2222")
    work_dir: str = ""                  # where an archive for a remote destination is made; "" = state_dir/backup-work


@dataclass(frozen=True)
class Config:
    path: str = ""
    system: SystemConfig = field(default_factory=SystemConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    spans: tuple[SpanConfig, ...] = ()
    trunk_groups: tuple[TrunkGroupConfig, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    faxd: FaxdConfig = field(default_factory=FaxdConfig)
    ivrd: IvrdConfig = field(default_factory=IvrdConfig)
    dialer: DialerConfig = field(default_factory=DialerConfig)
    webadmin: WebadminConfig = field(default_factory=WebadminConfig)
    acd: AcdConfig = field(default_factory=AcdConfig)
    queues: tuple[QueueConfig, ...] = ()
    agents: tuple[AgentConfig, ...] = ()
    conferences: tuple[ConferenceConfig, ...] = ()     # conference rooms (conf:NAME)
    backup: BackupConfig = field(default_factory=BackupConfig)
    busy_tones: dict[str, BusyTone] = field(default_factory=dict)   # "span" or "span/N": a learnt disconnect tone
    files: tuple[str, ...] = ()          # every file read, in order (the main one, then conf.d)


# dahdi spans: the signalling a span may name, per type, and what it means. DAHDI's own names
# (and chan_dahdi's fxs_ks ...) are accepted with DAHDI's inverted sense: a line from the
# exchange (type fxo) uses FXS signalling.
DAHDI_SIGNALLING: dict[str, dict[str, str]] = {
    "fxo": {"": "kewlstart", "kewlstart": "kewlstart", "loopstart": "loopstart",
            "fxsks": "kewlstart", "fxs_ks": "kewlstart", "fxsls": "loopstart", "fxs_ls": "loopstart"},
    "fxs": {"": "kewlstart", "kewlstart": "kewlstart", "loopstart": "loopstart",
            "fxoks": "kewlstart", "fxo_ks": "kewlstart", "fxols": "loopstart", "fxo_ls": "loopstart"},
    "e1": {"": "cas", "cas": "cas", "pri": "pri", "r2": "r2", "mfcr2": "r2"},
}
PRI_SIDES = ("network", "user")
PRI_SWITCHES = ("euroisdn", "qsig", "ni2", "dms100", "lucent5e", "att4ess")
PRI_KEYS = ("pri_side", "pri_switch", "pri_dchan", "pri_restart_on_up", "pri_overlap", "pri_overlap_timeout_ms",
            "pri_channel", "pri_overlap_setup_digits", "pri_inband_disconnect", "pri_inband_disconnect_ms",
            "pri_restart_interval")
# MFC-R2 (openr2): its variants by our names and its country codes, and the calling party categories
R2_VARIANTS = ("china", "itu", "ar", "br", "cz", "co", "ec", "id", "mx", "ph", "ve")
R2_CATEGORIES = ("subscriber", "priority", "test", "international", "international_priority", "collect", "unknown")
R2_DEFAULT_MAX_ANI = 15
R2_DEFAULT_MAX_DNIS = 4
# openr2's protocol timers (milliseconds) by openr2's names, with the bounds we accept: what openr2 1.3 reads from
# an advanced protocol file (timers.NAME=ms; Asterisk's mfcr2_advanced_protocol_file). csrc/r2.c holds the same table.
R2_TIMERS: dict[str, tuple[int, int]] = {
    "mf_back_cycle": (100, 60000), "mf_back_resume_cycle": (10, 10000), "mf_fwd_safety": (1000, 600000),
    "r2_seize": (100, 60000), "r2_answer": (1000, 600000), "r2_metering_pulse": (0, 10000),
    "r2_answer_delay": (0, 10000), "r2_double_answer": (0, 10000), "cas_persistence_check": (0, 10000),
    "dtmf_start_dial": (0, 10000),
}


def dahdi_signalling(span_type: str, signalling: str) -> str:
    """The signalling of a dahdi span in chand's words (kewlstart, loopstart, cas, pri, r2); ValueError if unusable."""
    known = DAHDI_SIGNALLING.get(span_type, {})
    if signalling in known:
        return known[signalling]
    other = next((t for t, names in DAHDI_SIGNALLING.items() if signalling in names and t != span_type), None)
    if other:
        raise ValueError(f"signalling '{signalling}' is for a span of type \"{other}\" "
                         f"(DAHDI names the signalling after the far end: a line from the exchange is fxs*)")
    if span_type == "e1" and signalling == "isdn":
        raise ValueError("signalling 'isdn' names the sim E1; on a DAHDI E1 span ISDN is \"pri\"")
    names = sorted(n for n in known if n)
    raise ValueError(f"unknown signalling '{signalling}' for a dahdi {span_type} span; one of {', '.join(names)}")


def parse_ranges(text: str) -> list[int]:
    """"1-4,6" -> [1, 2, 3, 4, 6]; raises ValueError on nonsense."""
    out: list[int] = []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            raise ValueError("empty range")
        lo, sep, hi = piece.partition("-")
        a, b = int(lo), int(hi) if sep else int(lo)
        if a < 1 or b < a:
            raise ValueError(f"bad range {piece!r}")
        out.extend(range(a, b + 1))
    if len(set(out)) != len(out):
        raise ValueError("a channel is listed twice")
    return out


def format_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 4, 6] -> "1-4,6" (what parse_ranges reads)."""
    out: list[str] = []
    nums = sorted(set(numbers))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)
