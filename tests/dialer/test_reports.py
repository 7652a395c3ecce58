"""A campaign's results for its account manager: figures per day, an XLSX workbook, sent by e-mail (a real
SMTP server) and SMS (the GSM modem on a pseudo-terminal) once a day while it runs and once when it finishes,
never twice."""
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from telephonist.config.model import SmsModemConfig
from telephonist.dialer import results
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.reports import Reporter, due, recipients, workbook
from telephonist.dialer.store import DialerStore
from telephonist.ivrd.voicemail.sms_modem import SmsModem
from telephonist.mail import SmtpSettings
from telephonist.storage import migrate
from tests.support.gsm_modem import GsmModem
from tests.support.smtp_inbox import smtp_server

SH = ZoneInfo("Asia/Shanghai")
DAY1 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)                 # Monday 10:00 in Shanghai
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2, "min_interval_s": 60,
            "retry": {"busy": 3600}}
LIST = "name,phone\nok,13800000001\nrefuses,13800000002\nempty,13600000001\nbusy,13900000001\n=cmd,13800000005\n"


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def worked(store) -> int:
    """A campaign worked over two days: answered, refused, SIT, busy then answered."""
    cid = store.create_campaign("bills", "notice", "agentless", "bill_notice", "out", STRATEGY,
                                report_to="manager@gas.example; 13900000009")
    header, rows = read_table("l.csv", LIST.encode())
    import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
    store.set_state(cid, "running")
    (camp,) = store.campaigns(["running"])
    claims = {c.number: c for c in store.claim(camp, DAY1, 10, lambda t: True)}
    store.answered(claims["13800000001"].attempt_id, DAY1)
    store.result(claims["13800000001"].attempt_id, "notified", DAY1)
    store.answered(claims["13800000002"].attempt_id, DAY1)
    store.result(claims["13800000002"].attempt_id, "refused", DAY1)
    store.finish(claims["13600000001"].attempt_id, "sit", DAY1)
    store.finish(claims["13900000001"].attempt_id, "busy", DAY1)
    day2 = DAY1 + timedelta(days=1)
    (again,) = store.claim(camp, day2, 10, lambda t: True)
    store.answered(again.attempt_id, day2)
    store.result(again.attempt_id, "notified", day2)
    return cid


def test_results_per_day_and_the_workbook(store):
    cid = worked(store)
    with store.engine.connect() as conn:
        labels, series = results.over_time(conn, cid, SH)
        book = openpyxl.load_workbook(io.BytesIO(workbook(conn, cid, SH)))
    assert labels == ["2026-12-07", "2026-12-08"]
    assert series == {"dialled": [4, 1], "answered": [2, 1], "success": [1, 1], "refusals": [1, 0],
                      "wrong_numbers": [1, 0]}
    assert book.sheetnames == ["Summary", "By day", "Records"]
    summary = {r[0].value: r[1].value for r in book["Summary"].iter_rows()}
    assert (summary["records"], summary["answered"], summary["refusals"], summary["wrong_numbers"]) == (5, 3, 1, 1)
    assert [[c.value for c in r] for r in book["By day"].iter_rows()][1] == ["2026-12-07", 4, 2, 1, 1, 1]
    names = [r[0] for r in book["Records"].iter_rows()]
    assert names[-1].value == "=cmd" and names[-1].data_type == "s"            # text, never a formula


def test_when_reports_are_due():
    assert recipients("a@b.cn, 13900000009;x  +8613800000001") == (["a@b.cn"], ["13900000009", "+8613800000001"])
    assert due("running", "", "2026-12-07") == "2026-12-07"
    assert due("running", "2026-12-07", "2026-12-07") is None
    assert due("finished", "2026-12-07", "2026-12-08") == "final" and due("finished", "final", "x") is None
    assert due("paused", "", "2026-12-07") is None


async def test_the_account_manager_gets_daily_and_final_results(store):
    cid = worked(store)
    clock = Clock(DAY1 + timedelta(hours=1))
    with smtp_server() as inbox, GsmModem() as modem:
        sms = SmsModem(SmsModemConfig(device=modem.device, timeout_s=10))
        try:
            rep = Reporter(store.engine, SH, SmtpSettings(port=inbox.port, sender="dialer@gas.example"), sms, clock)
            assert await rep.run_once() == [("bills", "2026-12-07")]
            assert await rep.run_once() == []                                   # once a day
            clock.now += timedelta(days=1)
            assert await rep.run_once() == [("bills", "2026-12-08")]
            store.set_state(cid, "finished")
            assert await rep.run_once() == [("bills", "final")]
            assert await rep.run_once() == []
            texts = [t for _, t in modem.messages()]
        finally:
            sms.close()
    assert [m["Subject"] for m in inbox.messages] == ["Daily results of campaign bills"] * 2 + \
        ["Final results of campaign bills"]
    (attached,) = [p for p in inbox.messages[-1].iter_attachments()]
    book = openpyxl.load_workbook(io.BytesIO(attached.get_content()))
    assert {r[0].value: r[1].value for r in book["Summary"].iter_rows()}["state"] == "finished"
    assert len(texts) == 3 and texts[-1].startswith("Final results of campaign bills: 5 records, 4 dialled, "
                                                    "contact rate 75.0%")
