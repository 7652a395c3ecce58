"""The web admin's settings: defaults in code, the rest taken from telephonist.toml.

Database, control socket, recordings and time zone come from their own sections, the console's
own settings (proxies in front, session lifetime, lockout and the per-address login brake) from
``[webadmin]``; the secret key is generated once into ``<state_dir>/webadmin.secret``.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebConfig:
    database_url: str
    control_socket: str = "/run/telephonist/chand.sock"
    recordings_dir: str = "/var/lib/telephonist/recordings"
    time_zone: str = "Asia/Shanghai"
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    session_idle_minutes: int = 30          # a session unused this long is gone
    session_max_hours: int = 12             # and none lives longer than this
    lockout_failures: int = 5               # wrong passwords in a row before the account locks
    lockout_minutes: int = 15
    address_failures: int = 20              # failed logins from one address in the window before it must wait
    address_window_minutes: int = 15
    live_feed: bool = True                  # connect to chand for the live board and originate
    export_limit: int = 50_000              # rows in one CSV/XLSX export
    page_size: int = 50
    proxy_hops: int = 0                     # reverse proxies in front: X-Forwarded-For/-Proto/-Host/-Port/-Prefix
    password_method: str = "scrypt"         # werkzeug.security method for new passwords ("pbkdf2" also fine)
    config_path: str = ""                   # telephonist.toml: flows, prompts, voicemail, fax and routing pages
    testing: bool = False
    kb_dir: str = ""                        # knowledge-base attachments ("": a folder kb beside recordings_dir)
    chat_queues: tuple[str, ...] = ()       # the chat queues the website's visitors may write to (none: no chat page)
    chat_origins: tuple[str, ...] = ()      # websites that may frame the chat page (besides the console)
    chat_starts_per_hour: int = 10          # chats one client address may open in an hour
    chat_lines_per_minute: int = 20         # lines one visitor may send in a minute
    softphone_ws: str = ""                  # the desk's softphone connects here (Kamailio's WebSocket); "" = none
    widget_ws: str = ""                     # the public click-to-call widget's WebSocket (Kamailio's); "" = no widget
    widget_number: str = ""                 # the number it calls
    callback_queues: tuple[str, ...] = ()   # the queues the widget's "call me back" offers (none: no call-back form)
    callback_starts_per_hour: int = 5       # call-back requests one client address may make in an hour
    callback_per_number_per_day: int = 3    # call-back requests for one number in a day

    @property
    def kb_files(self) -> str:
        return self.kb_dir or os.path.join(os.path.dirname(os.path.abspath(self.recordings_dir)), "kb")


def secret_from_file(path: Path) -> str:
    """The key in ``path``, made (mode 0600) on first use so sessions survive restarts."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        log.info("event=webadmin_secret_created path=%s", path)
        return key


def from_telephonist_config(path: str, **overrides) -> WebConfig:
    """Database, control socket, recordings, time zone and the [webadmin] settings from telephonist.toml."""
    from telephonist.config import load_config
    cfg = load_config(path)
    w = cfg.webadmin
    web = WebConfig(database_url=cfg.database.url, control_socket=cfg.control.socket,
                    recordings_dir=cfg.system.recordings_dir, time_zone=cfg.system.time_zone,
                    config_path=os.path.abspath(path),
                    secret_key=secret_from_file(Path(cfg.system.state_dir) / "webadmin.secret"),
                    proxy_hops=w.proxy_hops, session_idle_minutes=w.session_idle_minutes,
                    session_max_hours=w.session_max_hours, lockout_failures=w.lockout_failures,
                    lockout_minutes=w.lockout_minutes, address_failures=w.address_failures,
                    address_window_minutes=w.address_window_minutes, softphone_ws=w.softphone_ws,
                    widget_ws=w.widget_ws, widget_number=w.widget_number,
                    callback_queues=tuple(w.callback_queues), callback_starts_per_hour=w.callback_starts_per_hour,
                    callback_per_number_per_day=w.callback_per_number_per_day,
                    chat_queues=tuple(w.chat_queues), chat_origins=tuple(w.chat_origins),
                    chat_starts_per_hour=w.chat_starts_per_hour, chat_lines_per_minute=w.chat_lines_per_minute,
                    kb_dir=os.path.join(cfg.system.state_dir, "kb"))
    return replace(web, **overrides)
