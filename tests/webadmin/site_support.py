"""A site for the configuration and inbox tests: a real telephonist.toml (spans, routing, [ivrd] flows and
voicemail, [faxd] documents), prompts and a flow on disk, voicemail and faxes in the database."""
from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_boxes, voicemail_messages
from telephonist.webadmin import db
from telephonist.webadmin.config import from_telephonist_config
from tests.support.ivrd_harness import make_prompt
from tests.webadmin.support import FAST_HASH, tone, write_alaw_wav

SITE_TOML = """\
[system]
node = "t1"
time_zone = "Asia/Shanghai"
state_dir = "state"
recordings_dir = "recordings"
prompts_dir = "prompts"

[database]
url = "sqlite:///telephonist.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "realtime"

[[spans]]
name = "pstn"
driver = "sim"
type = "fxo"
channels = 4

[[spans]]
name = "e1a"
driver = "sim"
type = "e1"
channels = 4

[[trunk_groups]]
name = "out"
lines = ["e1a/*"]
hunting = "ascending"

[[routes]]
dialled = "4008*"
application = "ivr:main"

[routing]
default = "ivr:main"

[ivrd]
flows_dir = "flows"
languages = ["zh", "en"]

[ivrd.voicemail]
dir = "voicemail"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_sender = "voicemail@example.com"

[faxd]
spool_dir = "fax"
documents_dir = "faxdocs"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_sender = "fax@example.com"
"""

MAIN_FLOW = """\
[flow]
description = "the main menu"
numbers = ["4008001234"]
start = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/welcome.wav"
choices = { "1" = "bye" }

[nodes.bye]
type = "hangup"
prompts = "{lang}/goodbye.wav"
"""
PROMPTS = ["zh/welcome.wav", "en/welcome.wav", "zh/goodbye.wav", "en/goodbye.wav"]


def make_site(root: Path, smtp_port: int = 25) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "telephonist.toml"
    cfg.write_text(SITE_TOML.format(smtp_port=smtp_port))
    for name in PROMPTS:
        make_prompt(str(root / "prompts" / name))
    (root / "flows").mkdir(exist_ok=True)
    (root / "flows" / "main.toml").write_text(MAIN_FLOW)
    for d in ("recordings", "voicemail", "fax", "faxdocs"):
        (root / d).mkdir(exist_ok=True)
    return cfg


def site_web_config(cfg: Path, **overrides):
    return replace(from_telephonist_config(str(cfg)), live_feed=False, testing=True, password_method=FAST_HASH,
                   **overrides)


def add_box(app, mailbox: str, name: str = "", pin: str = "1234", email: str = "") -> int:
    with db.writing(app) as conn:
        return int(conn.execute(insert(voicemail_boxes).values(
            mailbox=mailbox, name=name, pin_hash=generate_password_hash(pin, FAST_HASH), email=email,
            created_at=datetime.now(timezone.utc))).inserted_primary_key[0])


def add_voicemail(app, root: Path, mailbox: str, caller: str, *, category: str = "other", ms: int = 800,
                  minutes_ago: int = 10) -> int:
    rel = f"{mailbox}/msg-{caller}-{minutes_ago}.wav"
    write_alaw_wav(root / "voicemail" / rel, tone(400, ms))
    with db.writing(app) as conn:
        return int(conn.execute(insert(voicemail_messages).values(
            mailbox=mailbox, caller=caller, dialled="4008001234", call_id=f"c-{caller}", path=rel, duration_ms=ms,
            category=category, created_at=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago),
        )).inserted_primary_key[0])


def write_pdf(path: Path, text: str = "fax page") -> Path:
    img = Image.new("L", (400, 560), 255)
    ImageDraw.Draw(img).text((40, 40), text, fill=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PDF", resolution=72.0)
    return path


def add_fax(app, root: Path, *, caller: str, direction: str = "inbound", ok: bool = True, pages: int = 1,
            mailbox: str = "inbox", at: datetime | None = None, pdf: bool = True) -> int:
    at = at or datetime.now(timezone.utc) - timedelta(minutes=5)
    pdf_path = str(write_pdf(root / "fax" / f"rx-{caller}-{at.timestamp():.0f}.pdf", f"fax from {caller}")) if pdf else None
    with db.writing(app) as conn:
        return int(conn.execute(insert(faxes).values(
            direction=direction, mailbox=mailbox if direction == "inbound" else None, caller=caller,
            dialled="80081234", remote_ident=f"ID {caller}", pages=pages, bit_rate=14400, ecm=True,
            result_code=0 if ok else 48, result="ok" if ok else "no answer", pdf_path=pdf_path,
            created_at=at)).inserted_primary_key[0])


class MailInbox:
    """What a real SMTP server (aiosmtpd) received."""
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        data = envelope.content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(data, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def seed_ivr_history(app, days: int = 7) -> None:
    """A week of IVR use, outcomes, faxes and survey answers, for the report pages' screenshots."""
    from telephonist.ivrd.schema import sessions, steps, survey_results
    now = datetime.now(timezone.utc)
    with db.writing(app) as conn:
        for d in range(days):
            at = now - timedelta(days=d, hours=1)
            for k in range(3 + d % 4):
                call = f"h{d}-{k}"
                tag = ("policy_query", "claims_status", "balance", "policy_query")[k % 4]
                conn.execute(insert(steps).values(call_id=call, chan="e1a/1", flow="main", node="n", node_type="play",
                                                  tag=tag, result="ok", at=at))
                conn.execute(insert(sessions).values(call_id=call, chan="e1a/1", flow="main", started_at=at,
                                                     outcome=("hangup", "queue", "voicemail", "queue")[k % 4]))
            conn.execute(insert(faxes).values(direction="inbound", result_code=0 if d % 3 else 48, created_at=at))
            for k, answer in enumerate(("satisfied", "satisfied", "neutral", "dissatisfied", "complaint")[: 2 + d % 4]):
                conn.execute(insert(survey_results).values(call_id=f"h{d}", agent=("8001", "8002", "8003")[k % 3],
                                                           digit="1", answer=answer, created_at=at))
