"""The `telephonist acd` daemon's e-mail receiver (acd/cli.py's wiring): it listens once the daemon is ready, a
message to a queue's address becomes an item, a reload (SIGHUP) that adds an address is taken at once, and a
stopped daemon no longer takes mail."""
import asyncio
import signal
import smtplib
import textwrap
from email.message import EmailMessage

import pytest

from telephonist.chand.switchboard import Fallback
from tests.acd.test_acd_reload import config
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.daemon_process import Daemon
from tests.webadmin.site_support import free_port

QUEUES = """
[[queues]]
name = "mail"
media = "email"
"""


def acd_keys(port: int, addresses: str) -> str:
    return f'mail_listen = "127.0.0.1:{port}"\nmail_addresses = {{ {addresses} }}\n'


def send(port: int, to: str, subject: str) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = "Qian <qian@example.com>", to, subject, f"<{subject}@x>"
    m.set_content("hello")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(m)


def waiting(subject: str):
    return lambda e: (e.get("event") == "published" and e["body"].get("kind") == "chat_waiting"
                      and e["body"].get("subject") == subject)


@pytest.mark.long                   # a daemon process started, reloaded and stopped: ~2-4 s on a loaded host
async def test_the_daemon_takes_mail_follows_a_reload_and_stops_taking_it(tmp_path):
    port = free_port()
    conf = tmp_path / "telephonist.toml"

    def write(addresses: str) -> None:
        text = config(tmp_path, QUEUES, "")
        conf.write_text(text.replace('[acd]\nagents_trunk_group = "desks"\n',
                                     '[acd]\nagents_trunk_group = "desks"\n' + acd_keys(port, addresses)))

    write('"support@example.com" = "mail"')
    spans = [SpanSpec("phones", "fxs", 2, extensions=["8001", "8002"])]
    async with running_chand(tmp_path, spans, db_url=f"sqlite:///{tmp_path / 'telephonist.db'}",
                             trunk_groups=[TrunkGroupSpec("desks", ["phones/*"])],
                             fallback=Fallback(then="hangup", return_for=("queue",))) as chand:
        acd = Daemon("acd", str(conf))
        try:
            await acd.notified("READY=1")
            desk = await chand.client("desk")
            await desk.call("subscribe", lines=False, topics=["queue"])
            m = desk.mark()
            await asyncio.to_thread(send, port, "support@example.com", "first")
            await desk.wait_for(waiting("first"), since=m, timeout=30)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                await asyncio.to_thread(send, port, "sales@example.com", "not yet")

            write('"support@example.com" = "mail", "sales@example.com" = "mail"')
            acd.proc.send_signal(signal.SIGHUP)
            await acd.notified("READY=1")                      # served again with the new configuration
            m = desk.mark()
            await asyncio.to_thread(send, port, "sales@example.com", "second")
            await desk.wait_for(waiting("second"), since=m, timeout=30)
            status = await desk.request("queue", {"action": "status"})
            assert [c["subject"] for c in status["chats"]] == ["first", "second"]    # both kept, in order
        finally:
            out = acd.stop()
        assert "event=acd_mail_listening" in out and "event=acd_mail_in" in out, textwrap.shorten(out, 2000)
        with pytest.raises(OSError):
            await asyncio.to_thread(send, port, "support@example.com", "after")
