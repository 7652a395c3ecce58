"""`telephonist voicemail`: boxes and messages from the command line, on a real SQLite file."""
from __future__ import annotations

import json
import os

from telephonist.cli import main
from telephonist.ivrd.voicemail.files import wav_format
from telephonist.ivrd.voicemail.prompts import TEXTS


def test_add_set_pin_list_and_messages(tmp_path, capsys):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text('[database]\nurl = "sqlite:///db.sqlite"\n[ivrd.voicemail]\ndir = "vm"\n')
    run = lambda *a: main(["voicemail", "--config", str(cfg), *a])     # noqa: E731
    assert run("add", "100", "--pin", "1000", "--name", "Claims", "--email", "claims@example.com") == 0
    assert run("add", "100", "--pin", "1000") == 2                      # exists
    assert run("add", "10a", "--pin", "1000") == 2                      # not digits
    assert run("add", "200", "--pin", "12") == 2                        # PIN too short
    assert run("set", "100", "--sms", "+8613900001111", "--language", "en") == 0
    assert run("set-pin", "100", "--pin", "5678") == 0
    assert run("set-pin", "300", "--pin", "5678") == 2                  # no such box
    capsys.readouterr()
    assert run("list", "--json") == 0
    [box] = json.loads(capsys.readouterr().out)
    assert box == {"mailbox": "100", "name": "Claims", "email": "claims@example.com", "sms": "+8613900001111",
                   "new": 0, "saved": 0, "greeting": False, "locked_until": None}
    assert run("messages", "100", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert run("messages", "999") == 2
    assert run("recover") == 0 and "0 message(s) recovered" in capsys.readouterr().out


def test_prompts_are_spoken_for_the_configured_languages(tmp_path, capsys):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text('[system]\nprompts_dir = "prompts"\n[database]\nurl = "sqlite:///db.sqlite"\n'
                   '[ivrd]\nlanguages = ["zh"]\n')
    assert main(["voicemail", "--config", str(cfg), "prompts"]) == 0
    made = sorted(os.listdir(tmp_path / "prompts" / "zh" / "vm"))
    assert made == sorted(f"{n}.wav" for n in TEXTS) and not (tmp_path / "prompts" / "en").exists()
    tag, channels, rate, _, data = wav_format(str(tmp_path / "prompts" / "zh" / "vm" / "main-menu.wav"))
    assert (tag, channels, rate) == (6, 1, 8000) and data > 8000 * 3        # A-law 8 kHz, seconds of speech
    capsys.readouterr()
    assert main(["voicemail", "--config", str(cfg), "prompts"]) == 0        # the second time: nothing to make
    assert "0 prompt(s) made" in capsys.readouterr().out
