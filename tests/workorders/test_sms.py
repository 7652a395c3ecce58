"""Closing an order of a type with sms_on_close queues the customer's SMS; the sweep sends it through a
GSM modem (simulated on a pseudo-terminal); a modem that fails leaves it for a later sweep."""
from __future__ import annotations

from datetime import timedelta

from telephonist.storage.database import WRITE
from telephonist.workorders import sms, store
from telephonist.workorders.cli import run_sweep
from telephonist.workorders.config import load
from telephonist.workorders.store import NewOrder
from tests.support.gsm_modem import GsmModem
from tests.workorders.support import GAS, T0, write_config


def _closed_order(engine, cfg, number: str) -> int:
    office = store.viewer(cfg, "admin", True, True)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        oid = store.create(conn, cfg, NewOrder("repair", fields={"address": "x"}, caller_number=number), "a", T0)
        for i, name in enumerate(("dispatch", "start", "finish", "close")):
            store.move(conn, cfg, oid, name, office, "ok", T0 + timedelta(minutes=i))
    return oid


async def test_closing_sends_the_customer_an_sms_through_the_modem(engine, tmp_path):
    with GsmModem(pin="1234") as modem:
        write_config(tmp_path, GAS + f'\n[sms]\ndevice = "{modem.device}"\npin = "1234"\ntimeout_s = 10\n')
        cfg = load(str(tmp_path / "workorders.toml"))
        oid = _closed_order(engine, cfg, "13900001111")
        result = await run_sweep(str(engine.url.render_as_string(hide_password=False)), cfg, T0 + timedelta(hours=1))
        assert (result["sms_sent"], result["sms_failed"]) == (1, 0)
        assert modem.messages() == [("13900001111", f"您的报修单{oid}已处理完毕，谢谢。")]
        again = await run_sweep(str(engine.url.render_as_string(hide_password=False)), cfg, T0 + timedelta(hours=2))
        assert again["sms_sent"] == 0 and len(modem.messages()) == 1          # sent once
    with engine.connect() as conn:
        [row] = sms.of_order(conn, oid)
    assert (row["sent_at"], row["attempts"], row["last_error"]) == (T0 + timedelta(hours=1), 1, None)


async def test_a_failing_modem_leaves_the_sms_for_a_later_sweep(engine, tmp_path):
    with GsmModem(fail_sends=1) as modem:
        write_config(tmp_path, GAS + f'\n[sms]\ndevice = "{modem.device}"\ntimeout_s = 10\nretry_min = 10\n')
        cfg = load(str(tmp_path / "workorders.toml"))
        oid = _closed_order(engine, cfg, "13900002222")
        url = engine.url.render_as_string(hide_password=False)
        first = await run_sweep(url, cfg, T0 + timedelta(hours=1))
        assert (first["sms_sent"], first["sms_failed"]) == (0, 1)
        assert (await run_sweep(url, cfg, T0 + timedelta(hours=1, minutes=9)))["sms_sent"] == 0     # not yet
        assert (await run_sweep(url, cfg, T0 + timedelta(hours=1, minutes=10)))["sms_sent"] == 1
        assert [n for n, _ in modem.messages()] == ["13900002222"]
    with engine.connect() as conn:
        [row] = sms.of_order(conn, oid)
    assert row["attempts"] == 2 and row["sent_at"] is not None


def test_a_type_without_sms_on_close_sends_nothing(engine, tmp_path):
    cfg = write_config(tmp_path, GAS.replace('sms_on_close = "您的报修单{number}已处理完毕，谢谢。"', ""))
    oid = _closed_order(engine, cfg, "13900003333")
    with engine.connect() as conn:
        assert sms.of_order(conn, oid) == []
