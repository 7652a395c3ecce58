"""Leaving a message on a real chand (sim E1, lockstep clock): the row, the WAV, the e-mail received by a
real SMTP server and the SMS received by a simulated GSM modem on a pseudo-terminal."""
from __future__ import annotations

import asyncio
import dataclasses
import os

import pytest

from telephonist.config.model import SmsModemConfig, VoicemailConfig
from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from telephonist.ivrd.voicemail import store_of
from telephonist.ivrd.voicemail.files import wav_format
from telephonist.ivrd.voicemail.prompts import all_prompts
from tests.support.gsm_modem import GsmModem
from tests.support.chand_harness import SpanSpec
from tests.support.ivrd_harness import running_ivrd
from tests.support.smtp_inbox import free_port, smtp_server
from tests.support.voicemail_caller import make_speech, use_voicemail_caller

LEAVE_FLOW = """
[flow]
numbers = ["4008*"]
start = "vm"

[nodes.vm]
type = "voicemail"
mailbox = "${box}"
categories = { "1" = "complaint", "2" = "suggestion", "3" = "other" }
category_when = "{when}"
"""

SPEECH = "speech/caller.wav"
PROMPTS = all_prompts()


def flow(when: str = "after", box: str = "100") -> str:
    return LEAVE_FLOW.replace("{when}", when).replace("${box}", box)


def vm_settings(tmp_path, **kw) -> VoicemailConfig:
    kw.setdefault("silence_s", 2)
    return VoicemailConfig(dir=str(tmp_path / "voicemail"), **kw)


async def wait_for(pred, what: str, seconds: float = 60.0):
    for _ in range(int(seconds / 0.05)):
        got = pred()
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def message_rows(ivr) -> list[dict]:
    return ivr.rows("SELECT * FROM voicemail_messages ORDER BY id")


async def test_message_stored_mailed_and_texted(tmp_path):
    with smtp_server() as inbox, GsmModem(pin="4321") as modem:
        vm = vm_settings(tmp_path, smtp_port=inbox.port, smtp_sender="voicemail@example.com",
                         sms=SmsModemConfig(device=modem.device, pin="4321", timeout_s=10))
        async with running_ivrd(tmp_path, {"main.toml": flow()}, PROMPTS, ivrd={"voicemail": vm}) as ivr:
            await use_voicemail_caller(ivr)
            speech_ms = make_speech(os.path.join(ivr.prompts_dir, SPEECH))
            store = store_of(ivr.service.services)
            await asyncio.to_thread(store.create_box, "100", "1000", name="Gas service", email="ops@example.com",
                                    sms_number="+8613900001111")
            out = await ivr.call([{"speak": SPEECH, "press": "#"}, {"press": "1"}], caller="13912345678")

            assert out.prompts == ["zh/vm/leave-message.wav", "zh/vm/category.wav", "zh/vm/message-saved.wav"]
            [row] = message_rows(ivr)
            assert (row["mailbox"], row["caller"], row["dialled"], row["call_id"], row["category"], row["state"]) == \
                ("100", "13912345678", "4008001234", out.call_id, "complaint", "new")
            assert row["path"].startswith(str(tmp_path / "voicemail" / "100") + os.sep)
            tag, channels, rate, _, data = wav_format(row["path"])
            assert (tag, channels, rate) == (6, 1, 8000)               # A-law, mono, 8 kHz as chand records
            # what the caller said, ended by # (the keys follow the speech at once)
            assert speech_ms - 300 <= row["duration_ms"] <= speech_ms + 600, (row["duration_ms"], speech_ms)
            assert data == row["duration_ms"] * 8
            session = ivr.session(out.call_id)
            assert (session["outcome"], session["outcome_detail"]) == ("voicemail", "100")
            assert ivr.steps(out.call_id) == [("vm", "1", "saved")]

            # the owner is told: e-mail with the recording attached, SMS in Chinese
            await wait_for(lambda: all(r["notified_email_at"] and r["notified_sms_at"] for r in message_rows(ivr)),
                           "both notifications")
        [mail] = inbox.messages
        assert mail["To"] == "ops@example.com" and "100" in mail["Subject"] and "13912345678" in mail["Subject"]
        [att] = list(mail.iter_attachments())
        assert att.get_content_type() == "audio/wav"
        assert att.get_filename() == f"voicemail-100-{row['id']}.wav"
        with open(row["path"], "rb") as f:
            assert att.get_content() == f.read()
        assert "类别：投诉" in mail.get_body(("plain",)).get_content()
        [(number, text)] = modem.messages()
        assert number == "+8613900001111"
        assert text.startswith("您的语音信箱100有一条新留言：来电13912345678，") and text.endswith("类别：投诉。"), text
        assert all(d.dcs == 0x08 for d in modem.received)         # UCS-2


async def test_category_before_recording_and_the_box_greeting(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": flow("before")}, PROMPTS,
                            ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        await use_voicemail_caller(ivr)
        make_speech(os.path.join(ivr.prompts_dir, SPEECH))
        greeting = os.path.join(ivr.prompts_dir, "speech", "greeting.wav")
        make_speech(greeting, "You have reached the gas company. Please leave a message.")
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        own = await asyncio.to_thread(store.set_greeting, "100", greeting)
        out = await ivr.call([{"press": "2"}, {"speak": SPEECH, "press": "#"}])
        assert out.prompts == ["zh/vm/category.wav", own, "zh/vm/message-saved.wav"]
        [row] = message_rows(ivr)
        assert row["category"] == "suggestion"
        assert ivr.session(out.call_id)["outcome"] == "voicemail"


async def test_caller_who_hangs_up_while_speaking_leaves_the_message(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": flow()}, PROMPTS,
                            ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        await use_voicemail_caller(ivr)
        speech_ms = make_speech(os.path.join(ivr.prompts_dir, SPEECH))
        await asyncio.to_thread(store_of(ivr.service.services).create_box, "100", "1000")
        out = await ivr.call([{"speak": SPEECH, "hangup": True}])
        assert out.hung_up_by_caller
        [row] = message_rows(ivr)
        assert row["category"] == "other" and row["state"] == "new"
        # everything said is in the file; chand writes its last second once it stops the recording
        assert speech_ms - 1100 <= row["duration_ms"] <= speech_ms + 600, (row["duration_ms"], speech_ms)
        assert os.path.exists(row["path"])
        assert (ivr.session(out.call_id)["outcome"], ivr.steps(out.call_id)) == ("voicemail", [("vm", None, "saved")])
        assert not os.listdir(tmp_path / "voicemail" / ".pending")


async def test_hang_up_at_the_beep_leaves_nothing(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": flow()}, PROMPTS,
                            ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        await use_voicemail_caller(ivr)
        await asyncio.to_thread(store_of(ivr.service.services).create_box, "100", "1000")
        out = await ivr.call([{"hangup": True}])
        assert message_rows(ivr) == []
        assert ivr.session(out.call_id)["outcome"] == "abandoned"
        assert ivr.steps(out.call_id) == [("vm", None, "too_short")]
        assert not os.listdir(tmp_path / "voicemail" / ".pending")


async def test_no_such_mailbox_gives_the_fallback(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": flow(box="999")}, PROMPTS,
                            ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        await use_voicemail_caller(ivr)
        out = await ivr.call([])
        assert out.prompts == ["zh/try-later.wav"]
        assert ivr.session(out.call_id)["outcome"] == "fallback"
        assert ("vm", None, "no_mailbox") in ivr.steps(out.call_id)


async def test_failed_notifications_are_retried_and_the_message_kept(tmp_path):
    port = free_port()                       # nothing listens there yet
    with GsmModem(fail_sends=1) as modem:
        vm = vm_settings(tmp_path, smtp_port=port, notify_retry_s=1,
                         sms=SmsModemConfig(device=modem.device, timeout_s=10))
        async with running_ivrd(tmp_path, {"main.toml": flow()}, PROMPTS, ivrd={"voicemail": vm}) as ivr:
            await use_voicemail_caller(ivr)
            make_speech(os.path.join(ivr.prompts_dir, SPEECH))
            await asyncio.to_thread(store_of(ivr.service.services).create_box, "100", "1000", email="ops@example.com",
                                    sms_number="13900001111", language="en")
            await ivr.call([{"speak": SPEECH, "press": "#"}, {"press": "3"}])
            notifier = ivr.service.services._shared["voicemail.notifier"]
            await wait_for(lambda: notifier.failed >= 2, "a failed e-mail and a failed SMS")
            [row] = message_rows(ivr)
            assert row["notified_email_at"] is None and row["notified_sms_at"] is None and os.path.exists(row["path"])
            with smtp_server(port) as inbox:
                await wait_for(lambda: all(r["notified_email_at"] and r["notified_sms_at"] for r in message_rows(ivr)),
                               "the retries")
                assert len(inbox.messages) == 1
                assert inbox.messages[0]["Subject"].startswith("New voicemail in box 100 from 13912345678")
        [(number, text)] = modem.messages()
        assert number == "13900001111" and text.startswith("New voicemail in box 100 from 13912345678 at ")


def test_flow_check_reports_missing_prompts_and_bad_categories(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main.toml").write_text(flow().replace('"3" = "other"', '"x" = "Other Things"'))
    prompts = tmp_path / "prompts"
    (prompts / "zh").mkdir(parents=True)
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(prompts), languages=("zh",)))
    text = "\n".join(str(p) for p in err.value.problems)
    assert "voicemail prompt file(s) missing" in text
    assert "key 'x' must be one of" in text and "category 'Other Things'" in text
    assert all(":" in str(p) and "main.toml:" in str(p) for p in err.value.problems)


def test_voicemail_settings_are_read_from_the_config(tmp_path):
    from telephonist.config import load_config
    cfg_path = tmp_path / "telephonist.toml"
    cfg_path.write_text('[ivrd.voicemail]\ndir = "vm"\nmin_message_ms = 1500\nnotify_retry_s = 60\n'
                        '[ivrd.voicemail.sms]\ndevice = "/dev/ttyUSB2"\npin = "1234"\n')
    cfg = load_config(str(cfg_path))
    vm = cfg.ivrd.voicemail
    assert (vm.dir, vm.min_message_ms, vm.notify_retry_s, vm.sms.device, vm.sms.pin) == \
        (str(tmp_path / "vm"), 1500, 60, "/dev/ttyUSB2", "1234")
    assert dataclasses.is_dataclass(vm)


@pytest.mark.long
async def test_the_box_owners_phone_shows_waiting_messages(tmp_path):
    """Box 100 belongs to the agent whose phone is extension 100: a message left lights it (FSK on, with the
    count), hearing it clears it, and a change made outside ivrd (the web admin's inbox) reaches it too."""
    spans = [SpanSpec("e1a", "e1", 4), SpanSpec("phones", "fxs", 2, extensions=["100", "101"])]
    async with running_ivrd(tmp_path, {"main.toml": flow()}, PROMPTS, spans=spans,
                            ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        await use_voicemail_caller(ivr)
        make_speech(os.path.join(ivr.prompts_dir, SPEECH))
        desk = await ivr.chand.client("desk")
        for far in ("phones/1~far", "phones/2~far"):
            await desk.call("sim.take", far=far)
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000", name="Agent Wang")

        def shown(mark):
            return [(e["far"], dict(p.split("=", 1) for p in e["text"].split(";")))
                    for e in desk.events[mark:] if e.get("what") == "cid"]

        mark = desk.mark()
        await ivr.call([{"speak": SPEECH, "press": "#"}, {"press": "1"}], caller="13912345678")
        got = await wait_for(lambda: shown(mark), "the phone told of the message")
        assert [(far, f["mwi"], f["messages"]) for far, f in got] == [("phones/1~far", "1", "1")]

        mark = desk.mark()
        [row] = message_rows(ivr)
        await asyncio.to_thread(store.mark_heard, row["id"])
        got = await wait_for(lambda: shown(mark), "the phone cleared")
        assert [(far, f["mwi"]) for far, f in got] == [("phones/1~far", "0")]

        # another process (the web admin) restores it as unheard: the periodic sweep finds it
        from telephonist.ivrd.voicemail import message_waiting_of
        message_waiting_of(ivr.service.services).sweep_s = 0.2
        mark = desk.mark()
        ivr.db.dispose()
        with ivr.db.begin() as conn:
            conn.exec_driver_sql("UPDATE voicemail_messages SET heard_at = NULL")
        got = await wait_for(lambda: shown(mark), "the phone lit again")
        assert [(far, f["mwi"], f["messages"]) for far, f in got] == [("phones/1~far", "1", "1")]
        assert chand_line(ivr, "phones/1").sig.messages == 1 and chand_line(ivr, "phones/2").sig.messages == 0


def chand_line(ivr, name):
    return ivr.chand.board.lines[name]
