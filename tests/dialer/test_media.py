"""Campaigns whose medium is SMS (the GSM modem on a pseudo-terminal), e-mail (a real SMTP server) or fax (a
faxd job): each record's message filled from its fields, sent inside its customer type's window, never to the
do-not-call list, a failure retried by the strategy, outcomes on the attempts, the campaign finished."""
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from telephonist.config.model import SmsModemConfig
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.media.email import EmailSender
from telephonist.dialer.media.fax import FaxSender
from telephonist.dialer.media.runner import MediaRunner
from telephonist.dialer.media.sms import SmsSender
from telephonist.dialer.store import DialerError, DialerStore
from telephonist.ivrd.voicemail.sms_modem import SmsModem
from telephonist.mail import SmtpSettings
from telephonist.storage import migrate
from tests.support.gsm_modem import GsmModem
from tests.support.smtp_inbox import smtp_server

MONDAY_10 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)             # 10:00 in Shanghai
STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "hours": {"mon-fri": "09:00-18:00"}},
                        "night": {"time_zone": "Asia/Shanghai", "hours": {"mon-fri": "17:00-18:00"}}},
            "max_attempts": 2, "min_interval_s": 60, "retry": {"failed": 300}, "batch": 10}
LIST = "name,phone,type,amount\n张三,13800000001,default,215.60\n李四,13800000002,default,88\n" \
       "王五,13800000003,night,1\n拒接,13800000009,default,5\n"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def attempts(store, cid) -> list[tuple[str, str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT number, state, outcome FROM dl_attempts WHERE campaign_id = :c ORDER BY id"), {"c": cid})]


def state(store, cid) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT state FROM dl_campaigns WHERE id = :c"), {"c": cid}).scalar()


async def test_an_sms_campaign_sends_in_its_windows_and_retries_a_failure(store):
    cid = store.create_campaign("bills-sms", "notice", "sms", "", "", STRATEGY,
                                message={"body": "${name}您好,您本月燃气费 ${amount} 元。"})
    header, rows = read_table("l.csv", LIST.encode())
    import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone", "customer_type": "type"})
    store.dnc_add("phone", "13800000009")
    store.set_state(cid, "running")
    clock = Clock(MONDAY_10)
    with GsmModem(fail_sends=1) as modem:
        sms = SmsSender(SmsModem(SmsModemConfig(device=modem.device, timeout_s=10)))
        runner = MediaRunner(store, {"sms": sms}, clock)
        try:
            assert await runner.run_once() == 2                  # 王五 waits for 17:00; 拒接 is on the list
            assert modem.messages() == [("13800000002", "李四您好,您本月燃气费 88 元。")]   # the first send failed
            assert attempts(store, cid) == [("13800000001", "done", "failed"), ("13800000002", "done", "sent")]
            clock.now += timedelta(seconds=299)
            assert await runner.run_once() == 0                  # the retry waits retry.failed
            clock.now = MONDAY_10 + timedelta(hours=7)          # 17:00: the retry and the late customer
            assert await runner.run_once() == 2
            assert sorted(modem.messages()[1:]) == [("13800000001", "张三您好,您本月燃气费 215.60 元。"),
                                                    ("13800000003", "王五您好,您本月燃气费 1 元。")]
            await runner.run_once()
        finally:
            sms.close()
    assert state(store, cid) == "finished" and runner.finished == ["bills-sms"]
    with store.engine.connect() as conn:
        recs = dict(conn.execute(sa.text("SELECT name, state FROM dl_records WHERE campaign_id = :c"), {"c": cid}).all())
    assert recs == {"张三": "done", "李四": "done", "王五": "done", "拒接": "dnc"}


async def test_an_email_campaign_and_its_addresses(store):
    with pytest.raises(DialerError, match="needs its message"):
        store.create_campaign("bad", "notice", "email", "", "", STRATEGY)
    cid = store.create_campaign("renewals-mail", "notice", "email", "", "", STRATEGY,
                                message={"subject": "保单 ${policy} 续保提醒", "body": "${name}:您的保单将于 ${due} 到期。$$"})
    header, rows = read_table("l.csv", "name,mail,policy,due\n张三,zhang@example.com,P-1,12月31日\n"
                                       "李四,not-an-address,P-2,1月1日\n".encode())
    report = import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "mail"})
    assert (report.added, report.rejected) == (1, [(3, "no usable e-mail address")])
    store.set_state(cid, "running")
    with smtp_server() as inbox:
        runner = MediaRunner(store, {"email": EmailSender(SmtpSettings(port=inbox.port, sender="bills@gas.example"))},
                             Clock(MONDAY_10))
        assert await runner.run_once() == 1
    (msg,) = inbox.messages
    assert (msg["To"], msg["Subject"], msg.get_content().strip()) == ("zhang@example.com", "保单 P-1 续保提醒",
                                                                      "张三:您的保单将于 12月31日 到期。$")
    assert attempts(store, cid) == [("zhang@example.com", "done", "sent")]


async def test_a_fax_campaign_queues_a_faxd_job_and_takes_its_outcome(store, db_url, tmp_path):
    cid = store.create_campaign("notices-fax", "notice", "fax", "", "out", STRATEGY, caller_id="95158",
                                message={"body": "致 ${name}:\n停气通知:${when} 检修。"})
    header, rows = read_table("l.csv", "name,fax,when\n某某公司,01088880001,12月8日\n".encode())
    import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "fax"})
    store.set_state(cid, "running")
    fax = FaxSender(db_url, str(tmp_path / "spool"))
    runner = MediaRunner(store, {"fax": fax}, Clock(MONDAY_10))
    try:
        assert await runner.run_once() == 1
        assert attempts(store, cid) == [("01088880001", "dialing", None)]          # faxd has it now
        with fax.store.engine.begin() as conn:
            job = conn.execute(sa.text("SELECT j.id, j.pages, j.trunk_group, j.caller_id, j.max_attempts, r.number "
                                       "FROM fax_jobs j JOIN fax_job_recipients r ON r.job_id = j.id")).one()
            assert tuple(job)[1:] == (1, "out", "95158", 1, "01088880001")
            conn.execute(sa.text("UPDATE fax_job_recipients SET state = 'sent' WHERE job_id = :j"), {"j": job.id})
        await runner.run_once()                                                    # faxd sent it: the outcome
        assert attempts(store, cid) == [("01088880001", "done", "sent")]
        await runner.run_once()
        assert state(store, cid) == "finished"
    finally:
        fax.close()
