"""dahdi-scan's proposal from what DAHDI reports (the kernel side is tested in the DAHDI guest)."""
from __future__ import annotations

import os

from telephonist.cli import main
from telephonist.config import load_config
from telephonist.drivers.dahdi.scan import Scan, ScannedSpan, port_kind, propose, toml_text
from telephonist.engine import DahdiParams, SpanStatus

FXO_MODULE = ("fxsls", "fxsgs", "fxsks")              # sigcap of an FXO module: it can only be a phone to the exchange
FXS_MODULE = ("fxols", "fxogs", "fxoks")
E1_CHANNEL = FXO_MODULE + FXS_MODULE + ("e&m", "e&me1", "cas", "clear")


def chan(n: int, span: int, sig: str, caps: tuple[str, ...]) -> DahdiParams:
    return DahdiParams(n, span, n, f"CARD/{span}/{n}", sig, caps, 0, 0, False, 0, 0, True, 0)


def status(n: int, total: int) -> SpanStatus:
    return SpanStatus(n, 0, "OK", f"CARD/{n}", "a card", total, total, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def card() -> Scan:
    analog = [chan(1, 1, "", FXO_MODULE), chan(2, 1, "", FXO_MODULE), chan(3, 1, "fxoks", FXS_MODULE),
              chan(4, 1, "", FXS_MODULE)]
    e1 = [chan(n, 2, "cas", E1_CHANNEL) for n in range(5, 20)] + [chan(20, 2, "hardhdlc", E1_CHANNEL)] + \
         [chan(n, 2, "", E1_CHANNEL) for n in range(21, 36)]
    return Scan([ScannedSpan(1, status(1, 4), analog, 1), ScannedSpan(2, status(2, 31), e1, 5)])


def test_port_kinds_follow_what_the_port_can_be():
    s = card()
    assert [port_kind(c) for c in s.spans[0].channels] == ["FXO", "FXO", "FXS", "FXS"]
    assert port_kind(s.spans[1].channels[0]) == "digital"


def test_proposal_groups_channels_and_says_what_system_conf_lacks(tmp_path):
    p = propose(card())
    assert [(t["name"], t["type"], t["channels"], t["signalling"]) for t in p.spans] == [
        ("pstn", "fxo", "1-2", "kewlstart"), ("phones", "fxs", "3-4", "kewlstart"), ("e1", "e1", "5-19", "cas")]
    assert p.spans[1]["extensions"] == ["8001", "8002"]
    assert p.system_conf == ["fxsks=1-2", "fxoks=4"]
    assert any("channels 20 (hardhdlc)" in n and "PRI" in n for n in p.notes)
    assert any("channels 21-35 (not configured)" in n for n in p.notes)
    text = toml_text(p)
    assert "#   fxsks=1-2" in text
    path = tmp_path / "telephonist.toml"
    path.write_text('[system]\nnode = "t"\nstate_dir = "s"\n' + text)
    cfg = load_config(str(path))
    assert [(s.name, s.driver, s.channels) for s in cfg.spans] == [
        ("pstn", "dahdi", "1-2"), ("phones", "dahdi", "3-4"), ("e1", "dahdi", "5-19")]


def test_a_span_with_b_channels_and_a_d_channel_is_proposed_as_pri(tmp_path):
    def ts(n: int, sig: str) -> DahdiParams:
        return DahdiParams(40 + n, 3, n, f"TE2/0/{n}", sig, E1_CHANNEL, 0, 0, False, 0, 0, True, 0)

    pri = [ts(n, "clear") for n in range(1, 16)] + [ts(16, "hardhdlc")] + [ts(n, "clear") for n in range(17, 32)]
    p = propose(Scan([ScannedSpan(3, status(3, 31), pri, 41)]))
    assert [(t["type"], t["channels"], t["signalling"]) for t in p.spans] == [("e1", "41-55,57-71", "pri")]
    assert not p.notes
    path = tmp_path / "telephonist.toml"
    path.write_text('[system]\nnode = "t"\nstate_dir = "s"\n' + toml_text(p))
    cfg = load_config(str(path))
    assert [(s.type, s.signalling, s.channel_count) for s in cfg.spans] == [("e1", "pri", 30)]


def test_without_dahdi_the_command_says_so(capsys):
    if os.path.isdir("/proc/dahdi"):
        return          # a machine with DAHDI loaded: the guest tests cover the real scan
    assert main(["dahdi-scan"]) == 1
    assert "dahdi kernel modules are not loaded" in capsys.readouterr().err
