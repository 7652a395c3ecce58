"""The say node on a real chand (sim E1, lockstep clock): the caller hears exactly the fragments.

Fragments are stand-in tones named like the real ones (the harness makes them); one test
renders the real ones with espeak-ng, and speaks free text through the TTS cache.
"""
from __future__ import annotations

import os
import struct

import pytest

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from telephonist.ivrd.say.fragments import fragment_names
from telephonist.prompts import ensure_fragments, tools_available
from tests.support.ivrd_harness import running_ivrd


def balance_flow(numbers: str, language: str) -> str:
    """Collect an amount in fen-tenths, read it as money, then a date, then goodbye."""
    return f"""
[flow]
numbers = ["{numbers}"]
language = "{language}"
start = "amount"

[nodes.amount]
type = "collect"
prompts = "{{lang}}/enter-amount.wav"
var = "amount"
max_digits = 12
next = "tenths"

[nodes.tenths]
type = "set"
vars = {{ balance = "amount / 10", day = "'2026-11-23'" }}
next = "balance"

[nodes.balance]
type = "say"
what = "money"
value = "${{balance}}"
before = "{{lang}}/balance-is.wav"
tag = "balance"
next = "when"

[nodes.when]
type = "say"
what = "date"
value = "${{day}}"
weekday = false
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "{{lang}}/goodbye.wav"
"""


DATE_FLOW = """
[flow]
numbers = ["95*"]
start = "date"

[nodes.date]
type = "collect"
prompts = "zh/enter-date.wav"
var = "date"
min_digits = 8
max_digits = 8
next = "read"

[nodes.read]
type = "say"
what = "date"
value = "${date}"
next = "bye"

[nodes.bye]
type = "hangup"
"""

MIXED_FLOW = """
[flow]
numbers = ["96*"]
start = "caller"

[nodes.caller]
type = "say"
what = "digits"
value = "${caller}"
yao = true
next = "at"

[nodes.at]
type = "say"
what = "time"
value = "14:05"
next = "rate"

[nodes.rate]
type = "say"
what = "percent"
value = "3.5%"
language = "en"
before = "{lang}/rate-is.wav"
next = "bye"

[nodes.bye]
type = "hangup"
"""

FLOWS = {"bank-zh.toml": balance_flow("4008*", "zh"), "bank-en.toml": balance_flow("8008*", "en"),
         "date.toml": DATE_FLOW, "mixed.toml": MIXED_FLOW}
PROMPTS = ["{lang}/enter-amount.wav", "{lang}/balance-is.wav", "{lang}/goodbye.wav", "zh/enter-date.wav",
           "{lang}/rate-is.wav", *fragment_names("zh"), *fragment_names("en")]


def zh(*keys: str) -> list[str]:
    return [f"zh/say/{k}.wav" for k in keys]


def en(*keys: str) -> list[str]:
    return [f"en/say/{k}.wav" for k in keys]


async def test_a_balance_and_a_date_in_mandarin_and_in_english(tmp_path):
    async with running_ivrd(tmp_path, FLOWS, PROMPTS) as ivr:
        out = await ivr.call([{"press": "123456#"}], dialled="4008001234")
        assert out.prompts == ["zh/enter-amount.wav", "zh/balance-is.wav",
                               *zh("1", "wan", "liang", "qian", "3", "bai", "4", "shi", "5", "yuan", "6", "jiao"),
                               *zh("2", "0", "2", "6", "nian", "shi", "1", "yue", "2", "shi", "3", "ri"),
                               "zh/goodbye.wav"]
        assert ivr.steps(out.call_id) == [("amount", "123456", "ok"), ("tenths", None, "ok"),
                                          ("balance", None, "done"), ("when", None, "done"), ("bye", None, "ok")]
        logged = ivr.rows("SELECT tag, detail FROM ivr_steps WHERE call_id = :c AND node = 'balance'", c=out.call_id)
        assert logged[0]["tag"] == "balance" and '"value": "12345.6"' in logged[0]["detail"]

        out = await ivr.call([{"press": "200#"}], dialled="8008001234")
        assert out.prompts == ["en/enter-amount.wav", "en/balance-is.wav", *en("20", "yuan"),
                               *en("november", "20", "3rd", "20", "20", "6"), "en/goodbye.wav"]


async def test_a_value_that_cannot_be_read_gives_the_fallback_and_the_daemon_goes_on(tmp_path):
    async with running_ivrd(tmp_path, FLOWS, PROMPTS) as ivr:
        out = await ivr.call([{"press": "20261345"}], dialled="95588")
        assert out.prompts == ["zh/enter-date.wav", "zh/try-later.wav"]
        assert ivr.steps(out.call_id)[-1] == ("read", None, "error")
        detail = ivr.rows("SELECT detail FROM ivr_steps WHERE call_id = :c AND node = 'read'", c=out.call_id)
        assert "say date in zh: '20261345' is not a date: month must be in 1..12" in detail[0]["detail"]
        assert ivr.session(out.call_id)["outcome"] == "fallback"

        out = await ivr.call([{"press": "20260101"}], dialled="95588")
        assert out.prompts == ["zh/enter-date.wav",
                               *zh("2", "0", "2", "6", "nian", "1", "yue", "1", "ri", "xingqi", "4")]
        assert ivr.session(out.call_id)["outcome"] == "hangup"


async def test_digits_time_and_a_node_in_its_own_language(tmp_path):
    async with running_ivrd(tmp_path, FLOWS, PROMPTS) as ivr:
        out = await ivr.call([], dialled="96000", caller="10086")
        assert out.prompts == [*zh("yao", "0", "0", "8", "6"),
                               *zh("xiawu", "liang", "dian", "0", "5", "fen"),
                               "en/rate-is.wav", *en("3", "point", "5", "percent")]


@pytest.mark.parametrize("node, error", [
    ('what = "colour"\nvalue = "1"', "what must be one of number, money, date, time, digits, percent, text"),
    ('what = "date"\nvalue = "2026-02-30"', "'2026-02-30' is not a date: day is out of range for month"),
    ('what = "money"\nvalue = "1"\ncurrency = "JPY"', "currency must be one of CNY, USD, EUR"),
    ('what = "number"\nvalue = "1"\nlanguage = "fr"', "cannot say a number in 'fr'; can: zh, en"),
])
def test_flow_errors_at_load(tmp_path, node, error):
    (tmp_path / "f.toml").write_text(f'[nodes.s]\ntype = "say"\n{node}\n', encoding="utf-8")
    with pytest.raises(FlowError) as exc:
        load_flows(str(tmp_path), LoadOptions(prompts_dir=str(tmp_path)))
    assert error in str(exc.value) and "f.toml:" in str(exc.value)


def wav_format(path: str) -> tuple[tuple[int, int, int], float]:
    """((format tag, channels, rate), seconds) of a WAV file (the wave module reads PCM only)."""
    with open(path, "rb") as f:
        data = f.read()
    fmt = data.index(b"fmt ") + 8
    tag, channels, rate, byte_rate = struct.unpack_from("<HHII", data, fmt)
    size = struct.unpack_from("<I", data, data.index(b"data") + 4)[0]
    return (tag, channels, rate), size / byte_rate


TEXT_FLOW = """
[flow]
numbers = ["97*"]
[nodes.balance]
type = "say"
what = "money"
value = "2.05"
next = "notice"
[nodes.notice]
type = "say"
what = "text"
value = "${caller} 您好，明天上午九点停气。"
next = "bye"
[nodes.bye]
type = "hangup"
"""


async def test_real_fragments_and_free_text_spoken_by_espeak(tmp_path):
    """The one test that renders speech: every Mandarin fragment, and free text once into the TTS cache."""
    assert tools_available(), "espeak-ng and sox are needed (scripts/bootstrap.sh installs them)"
    prompts_dir = tmp_path / "prompts"
    made = ensure_fragments(str(prompts_dir), "zh")
    assert sorted(made) == sorted(fragment_names("zh"))
    assert ensure_fragments(str(prompts_dir), "zh") == []            # made once; a site's recordings are kept
    fmt, seconds = wav_format(str(prompts_dir / "zh/say/liang.wav"))
    assert fmt == (6, 1, 8000) and 0.1 < seconds < 1.5                 # A-law, mono, 8 kHz, one word
    cache = tmp_path / "tts"
    async with running_ivrd(tmp_path, {"notice.toml": TEXT_FLOW}, ivrd={"tts_cache_dir": str(cache)}) as ivr:
        out = await ivr.call([], dialled="97000", caller="13912345678")
        spoken = [p for p in out.prompts if p.startswith(str(cache))]
        assert out.prompts[:5] == zh("liang", "yuan", "0", "5", "fen") and len(spoken) == 1
        assert os.path.getsize(spoken[0]) > 8000                         # a second or more of speech
        first = os.stat(spoken[0]).st_mtime_ns
        again = await ivr.call([], dialled="97000", caller="13912345678")
        assert again.prompts == out.prompts and os.stat(spoken[0]).st_mtime_ns == first   # from the cache
        assert ivr.steps(again.call_id)[1] == ("notice", None, "done")
