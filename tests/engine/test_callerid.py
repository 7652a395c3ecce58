"""Caller ID round trips through a sim line: FSK (Bell 202 SDMF/MDMF, V.23 MDMF) and DTMF CLIP."""
import pytest

from telephonist.engine import CidEvent, CidSent, CidStandard, Dsp, EndReason, ErrorEvent, Kind, Vmwi


def receive(harness, std, send_std=None, impair=None, **cid):
    (near, far), = harness.sim(Kind.FXO)
    if impair:
        harness.engine.sim_impair(near, **impair)
    harness.engine.set_cid_standard(near, std)
    harness.engine.set_dsp(near, Dsp.CID | Dsp.DTMF)
    harness.engine.send_cid(far, send_std or std, **cid)
    harness.run(4000)
    return near, far, harness.of(CidEvent, near)


@pytest.mark.parametrize("std,mdmf,name", [
    (CidStandard.BELL202, False, None),
    (CidStandard.BELL202, True, "Wang Xiao Ming"),
    (CidStandard.V23, True, "Li Hua, Shanghai"),
])
def test_fsk_round_trip(harness, std, mdmf, name):
    near, far, cids = receive(harness, std, number="13912345678901", name=name, datetime="11231530", mdmf=mdmf)
    assert len(cids) == 1
    f = cids[0].fields
    assert f["number"] == "13912345678901"
    assert f["datetime"] == "11231530"
    assert f.get("name") == (name.replace(",", ",") if name else None)
    assert f["standard"] == {CidStandard.BELL202: "bell202", CidStandard.V23: "v23"}[std]


def test_dtmf_clip_round_trip(harness):
    near, far, cids = receive(harness, CidStandard.DTMF, number="02161234567")
    assert [c.fields["number"] for c in cids] == ["02161234567"]


def test_withheld_number_is_reported_as_absent(harness):
    near, far, cids = receive(harness, CidStandard.BELL202, mdmf=True)
    assert cids[0].fields["number_absent"] == "unavailable"


def test_wrong_standard_gives_no_caller_id(harness):
    near, far, cids = receive(harness, CidStandard.DTMF, send_std=CidStandard.BELL202, number="13912345678")
    assert cids == []


def test_through_a_lossy_noisy_line(harness):
    near, far, cids = receive(harness, CidStandard.BELL202, impair={"noise_dbm0": -50, "loss_db": 5},
                              number="13912345678", mdmf=True)
    assert [c.fields["number"] for c in cids] == ["13912345678"]


def test_bad_requests_fail_on_their_channel_and_the_channel_goes_on(harness):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, 1)
    harness.engine.send_cid(far, CidStandard.BELL202, number="139", name="Not in SDMF", mdmf=False)
    harness.engine.send_cid(far, CidStandard.V23, number="12ab")
    harness.run(200)
    sent = harness.of(CidSent, far)
    assert [e.reason for e in sent] == [EndReason.ERROR, EndReason.ERROR]
    assert "SDMF" in sent[0].error and "digits" in sent[1].error
    harness.engine.send_dtmf(far, "7")
    harness.run(500)
    assert harness.digits(near) == "7"


def send_mwi(harness, std, messages, mdmf=True):
    """Our phone port (the FXS side of a sim line) tells the phone at the far end about messages."""
    (near, far), = harness.sim(Kind.FXS)
    harness.engine.set_cid_standard(far, std)
    harness.engine.set_dsp(far, Dsp.CID)
    harness.engine.send_mwi(near, std, messages, mdmf=mdmf)
    harness.run(3000)
    return near, [c.fields for c in harness.of(CidEvent, far)], harness.of(CidSent, near)


@pytest.mark.parametrize("std", [CidStandard.BELL202, CidStandard.V23])
def test_message_waiting_on_with_the_count_then_off(harness, std):
    near, got, sent = send_mwi(harness, std, 3)
    assert [(g["mwi"], g["messages"]) for g in got] == [("1", "3")]
    assert [e.reason for e in sent] == [EndReason.DONE]


def test_message_waiting_off_and_sdmf(harness):
    (near, far), = harness.sim(Kind.FXS)
    harness.engine.set_dsp(far, Dsp.CID)
    harness.engine.send_mwi(near, CidStandard.BELL202, 0)
    harness.run(3000)
    harness.engine.send_mwi(near, CidStandard.BELL202, 2, mdmf=False)
    harness.run(3000)
    harness.engine.send_mwi(near, CidStandard.BELL202, 0, mdmf=False)
    harness.run(3000)
    got = [c.fields for c in harness.of(CidEvent, far)]
    assert [g["mwi"] for g in got] == ["0", "1", "0"]
    assert "messages" not in got[0] and "messages" not in got[1]     # SDMF carries no count
    assert "number" not in got[1]                                    # not mistaken for caller ID


def test_message_waiting_refuses_dtmf_and_the_card_indicator_is_not_on_sim(harness):
    (near, far), = harness.sim(Kind.FXS)
    with pytest.raises(Exception, match="message waiting"):
        harness.engine.send_mwi(near, CidStandard.DTMF, 1)
    harness.engine.set_vmwi(near, Vmwi.NEON, 1)
    harness.run(100)
    errors = harness.of(ErrorEvent, near)
    assert errors and "indicator of its own" in errors[0].text
