"""SMS through a GSM modem: PDUs checked against known ones, then the modem code against a simulated modem
on a pseudo-terminal (PIN, UCS-2 Chinese, concatenated parts, errors), never blocking the event loop."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.config.model import SmsModemConfig
from telephonist.ivrd.voicemail.sms_modem import SmsError, SmsModem
from telephonist.ivrd.voicemail.sms_pdu import decode_submit, encode_submit
from tests.support.gsm_modem import GsmModem

CHINESE = "您的语音信箱100有一条新留言：来电13912345678，时长12秒，类别：投诉。"


def test_pdus_match_known_encodings():
    # 3GPP TS 23.040 by hand: SMSC from the SIM, SUBMIT with relative validity, +46708251358, UCS-2 "Hi"
    [p] = encode_submit("+46708251358", "Hi")
    assert p.hex == "0011000B916407281553F80008AA0400480069" and p.tpdu_length == 18
    # a widely quoted GSM 7-bit PDU ("hellohello") decodes, as other senders' PDUs must
    d = decode_submit("0011000B916407281553F80000AA0AE8329BFD4697D9EC37")
    assert (d.number, d.text, d.dcs) == ("+46708251358", "hellohello", 0)
    # a service centre number and a national destination number
    [p] = encode_submit("13912345678", "好", smsc="+8613800210500")
    assert p.hex.startswith("0891683108200105F0") and "0B813119325476F8" in p.hex
    d = decode_submit(p.hex)
    assert (d.smsc, d.number, d.text) == ("+8613800210500", "13912345678", "好")


def test_long_text_is_cut_into_concatenated_parts_without_splitting_a_character():
    text = "留言" * 40 + "😀" + "完" * 30                     # 111 UTF-16 units, one surrogate pair
    pdus = encode_submit("+8613900001111", text, reference=42)
    parts = [decode_submit(p.hex) for p in pdus]
    assert [(d.reference, d.parts, d.part) for d in parts] == [(42, 2, 1), (42, 2, 2)]
    assert "".join(d.text for d in parts) == text             # each part decodes alone: no half character
    assert all(p.tpdu_length <= 140 + 15 for p in pdus)
    assert len(encode_submit("1", "字" * 70)) == 1 and len(encode_submit("1", "字" * 71)) == 2


async def test_chinese_text_arrives_intact_after_the_sim_pin():
    with GsmModem(pin="4321") as modem:
        sms = SmsModem(SmsModemConfig(device=modem.device, pin="4321", timeout_s=10))
        try:
            await sms.send("+8613900001111", CHINESE)
            long_text = "尊敬的客户，" + CHINESE * 4          # 170 characters: three parts
            refs = await sms.send("13900002222", long_text)
        finally:
            await asyncio.to_thread(sms.close)
        assert len(refs) == 3
        assert modem.messages() == [("+8613900001111", CHINESE), ("13900002222", long_text)]
        assert all(d.dcs == 0x08 for d in modem.received)
        assert modem.commands[:7] == ["AT", "ATE0", "AT+CMEE=1", "AT+CPIN?", "AT+CPIN=****", "AT+CPIN?",
                                      "AT+CMGF=0"]


async def test_a_refused_pin_is_never_tried_twice():
    with GsmModem(pin="4321") as modem:
        sms = SmsModem(SmsModemConfig(device=modem.device, pin="1111", timeout_s=10))
        try:
            for _ in range(3):
                with pytest.raises(SmsError, match="PIN"):
                    await sms.send("+8613900001111", "x")
        finally:
            await asyncio.to_thread(sms.close)
        assert modem.pin_attempts == 1 and modem.sim_state == "SIM PIN"     # not PUK-locked by us


async def test_errors_are_reported_and_the_next_send_works():
    with GsmModem(fail_sends=1) as modem:
        sms = SmsModem(SmsModemConfig(device=modem.device, timeout_s=10))
        try:
            with pytest.raises(SmsError, match=r"\+CMS ERROR: 331 \(no network service\)"):
                await sms.send("+8613900001111", "第一条")
            await sms.send("+8613900001111", "第二条")
        finally:
            await asyncio.to_thread(sms.close)
        assert modem.messages() == [("+8613900001111", "第二条")]
    sms = SmsModem(SmsModemConfig(device="/nonexistent/ttyUSB9", timeout_s=1))
    try:
        with pytest.raises(SmsError, match="cannot open /nonexistent/ttyUSB9"):
            await sms.send("+8613900001111", "x")
    finally:
        await asyncio.to_thread(sms.close)


@pytest.mark.long
async def test_a_dead_modem_does_not_block_the_event_loop():
    with GsmModem(silent=True) as modem:
        sms = SmsModem(SmsModemConfig(device=modem.device, timeout_s=1))
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)
        t = asyncio.get_running_loop().create_task(ticker())
        try:
            with pytest.raises(SmsError, match="does not answer AT"):
                await sms.send("+8613900001111", "x")
        finally:
            t.cancel()
            await asyncio.to_thread(sms.close)
        assert ticks > 10                                     # the loop ran while the modem was waited for
