"""The sweep's reminders and escalations are sent, not only shown: an e-mail (a real SMTP server, aiosmtpd) to
each person addressed who has an address in [people], an SMS (the GSM modem simulator) to those with a mobile;
each once, each noted in the order's history. A mail server that is down and a modem that fails are logged and
tried again at a later sweep; nothing is lost."""
from __future__ import annotations

import email.header
from datetime import timedelta

from telephonist.storage.database import WRITE
from telephonist.workorders import notify, store
from telephonist.workorders.cli import run_sweep
from telephonist.workorders.store import NewOrder
from tests.support.gsm_modem import GsmModem
from tests.support.smtp_inbox import free_port, smtp_server
from tests.workorders.support import GAS, T0, write_config


def _config(port: int, device: str) -> str:
    return GAS + f"""
[sms]
device = "{device}"
timeout_s = 10
retry_min = 10

[mail]
host = "127.0.0.1"
port = {port}
sender = "workorders@gas.example.com"

[people.agent2]
email = "agent2@gas.example.com"
mobile = "13800000002"

[people.super]
email = "super@gas.example.com"
"""


def _history(engine, oid: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(h["action"], h["note"]) for h in store.history_of(conn, oid)
                if h["action"] in ("remind", "escalate", "mail", "sms")]


async def test_reminders_and_escalations_go_out_by_mail_and_sms_once_and_failures_are_retried(engine, tmp_path):
    port = free_port()
    url = engine.url.render_as_string(hide_password=False)
    with GsmModem(fail_sends=1) as modem:
        cfg = write_config(tmp_path, _config(port, modem.device))
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            oid = store.create(conn, cfg, NewOrder("repair", "urgent", title="漏气", fields={"address": "x"}),
                               "agent1", T0)                         # due at T0 + 1 h, unassigned: the unit's people

        # past the deadline: reminded; the mail server is down and the modem fails once: nothing sent, kept
        first = await run_sweep(url, cfg, T0 + timedelta(hours=1, minutes=1))
        assert (first["reminded"], first["notices_sent"], first["notices_failed"]) == ([oid], 0, 3)
        with engine.connect() as conn:
            assert sorted((n["channel"], n["username"], n["attempts"]) for n in notify.of_order(conn, oid)) == [
                ("mail", "agent2", 1), ("mail", "super", 1), ("sms", "agent2", 1)]

        with smtp_server(port) as inbox:
            assert (await run_sweep(url, cfg, T0 + timedelta(hours=1, minutes=5)))["notices_sent"] == 0  # not yet
            later = await run_sweep(url, cfg, T0 + timedelta(hours=1, minutes=11))
            assert (later["notices_sent"], later["notices_failed"]) == (3, 0)
            # past escalate_after_min (60): escalated to the head, by mail (no mobile for super)
            esc = await run_sweep(url, cfg, T0 + timedelta(hours=2, minutes=1))
            assert (esc["escalated"], esc["notices_sent"]) == ([oid], 1)
            again = await run_sweep(url, cfg, T0 + timedelta(hours=3))
            assert (again["reminded"], again["escalated"], again["notices_sent"]) == ([], [], 0)   # once
            mails = [(m["To"], str(email.header.make_header(email.header.decode_header(m["Subject"]))))
                     for m in inbox.messages]
            bodies = [m.get_content() for m in inbox.messages]
        assert sorted(mails) == sorted([
            ("agent2@gas.example.com", f"[超期提醒] 工单 {oid} 报修: 漏气"),
            ("super@gas.example.com", f"[超期提醒] 工单 {oid} 报修: 漏气"),
            ("super@gas.example.com", f"[超期督办] 工单 {oid} 报修: 漏气")])
        assert all(f"/workorders/{oid}" in b and "2026-03-02 10:00 UTC" in b for b in bodies)
        [(number, text)] = modem.messages()
        assert number == "13800000002" and text.startswith(f"[超期提醒] 工单 {oid}")

    hist = _history(engine, oid)
    assert hist[0] == ("remind", "overdue since 2026-03-02 10:00 UTC: reminder to agent2, super")
    assert sorted(h for h in hist if h[0] in ("mail", "sms")) == [
        ("mail", "escalate e-mail to super <super@gas.example.com> sent"),
        ("mail", "remind e-mail to agent2 <agent2@gas.example.com> sent"),
        ("mail", "remind e-mail to super <super@gas.example.com> sent"),
        ("sms", "remind SMS to agent2 <13800000002> sent")]


def test_people_without_an_address_are_named_in_the_history(engine, tmp_path):
    from telephonist.workorders.sweep import sweep
    cfg = write_config(tmp_path, GAS + '\n[mail]\nhost = "127.0.0.1"\n\n[people.super]\nemail = "s@example.com"\n')
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        oid = store.create(conn, cfg, NewOrder("repair", "urgent", fields={"address": "x"}), "agent1", T0)
        sweep(conn, cfg, T0 + timedelta(hours=1))
    assert _history(engine, oid) == [("remind", "overdue since 2026-03-02 10:00 UTC: reminder to agent2, super "
                                                "(no e-mail or SMS for agent2: shown in the console only)")]


def test_bad_people_and_mail_settings_are_refused_with_file_and_line(tmp_path):
    import pytest

    from telephonist.config.loader import ConfigError
    text = GAS + '\n[mail]\nhost = "x"\nport = 0\n\n[people.agent2]\nemail = "nobody"\nmobile = "12ab"\n'
    with pytest.raises(ConfigError) as exc:
        write_config(tmp_path, text)
    lines = text.split("\n")
    assert [(p.line, p.message) for p in exc.value.problems] == [
        (lines.index("port = 0") + 1, "port: 1-65535"),
        (lines.index('email = "nobody"') + 1, "people.agent2.email: an e-mail address"),
        (lines.index('mobile = "12ab"') + 1, "people.agent2.mobile: digits (a leading + allowed)")]
