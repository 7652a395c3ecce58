"""Answering-machine detection in the engine (csrc/amd.c): people, machines, silence, and its ends."""
from __future__ import annotations

import pytest

from telephonist.bench.amd_corpus import make_item
from telephonist.engine import AmdEvent, EngineError, Hook, Kind


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    d = tmp_path_factory.mktemp("amd")
    return [
        make_item(d, "m-en", "machine", "Hi, this is David. Sorry I missed your call. Leave your name and number.",
                  "en-us", 160, 400),
        make_item(d, "m-zh", "machine", "nin2 hao3, wo3 xian4 zai4 bu4 fang1 bian4 jie1 ting1 dian4 hua4, qing3 zai4 "
                  "di1 sheng1 hou4 liu2 yan2.", "cmn-latn-pinyin", 160, 300),
        make_item(d, "h-en", "human", "Hello?", "en-us", 160, 500),
        make_item(d, "h-zh", "human", "wei2, ni3 hao3.", "cmn-latn-pinyin+f2", 170, 300, again=True),
    ]


def _decision(harness, near) -> AmdEvent:
    return harness.run_until(lambda e: isinstance(e, AmdEvent) and e.chan == near, limit_ms=20_000)


def test_people_and_machines_are_told_apart_on_a_noisy_line(harness, answers):
    lines = harness.sim(Kind.FXO, n=len(answers))
    for (near, far), item in zip(lines, answers):
        harness.engine.sim_impair(near, noise_dbm0=-50, loss_db=6)
        harness.engine.amd(near)
        harness.engine.play(far, [item.path])
    harness.run(10_000)
    got = {e.chan: e for e in harness.of(AmdEvent)}
    assert {item.truth for item in answers} == {"human", "machine"}
    for (near, _), item in zip(lines, answers):
        assert got[near].result == item.truth, (item.path, got[near])
    people = [got[near] for (near, _), item in zip(lines, answers) if item.truth == "human"]
    assert all(e.cause == "after_greeting_silence" and e.words >= 1 for e in people)


def test_silence_is_a_machine_that_waits_and_a_long_tone_one_that_talks_on(harness):
    (quiet, _), (tone, tone_far) = harness.sim(Kind.FXO, n=2)
    harness.engine.amd(quiet, initial_silence_ms=2000)
    harness.engine.amd(tone)
    harness.engine.play(tone_far, [("tone", "dial", 8000)])
    harness.run(6000)
    got = {e.chan: e for e in harness.of(AmdEvent)}
    assert (got[quiet].result, got[quiet].cause) == ("machine", "initial_silence")
    assert 2000 <= got[quiet].ms <= 2100
    assert got[tone].result == "machine" and got[tone].cause in ("long_greeting", "max_word_length")


def test_a_detection_ends_when_stopped_replaced_or_hung_up(harness):
    (a, _), (b, _) = harness.sim(Kind.FXO, n=2)
    first = harness.engine.amd(a)
    second = harness.engine.amd(a)                  # replaces the first
    harness.engine.amd_stop(a)
    harness.engine.hook(b, Hook.OFF)
    harness.run(100)
    harness.engine.amd(b)
    harness.run(100)
    harness.engine.hook(b, Hook.ON)
    harness.run(100)
    ends = [(e.chan, e.amd, e.result, e.cause) for e in harness.of(AmdEvent)]
    assert ends[:2] == [(a, first, "stopped", "stopped"), (a, second, "stopped", "stopped")]
    assert ends[2][0] == b and ends[2][2:] == ("stopped", "hangup")


def test_settings_out_of_range_are_refused_with_their_name(harness):
    (near, _), = harness.sim(Kind.FXO)
    with pytest.raises(EngineError, match="max_words 0 is out of range"):
        harness.engine.amd(near, max_words=0)
    with pytest.raises(EngineError, match="unknown setting"):
        harness.engine.amd(near, words=3)
    with pytest.raises(EngineError, match="threshold_dbm0"):
        harness.engine.amd(near, threshold_dbm0=3)


def test_the_benchmark_counts_a_confusion_table(answers):
    from telephonist.bench.amd_bench import CONDITIONS, run
    result = run(answers)
    assert result["items"] == len(answers) * len(CONDITIONS)
    c = result["confusion"]
    assert c["human"]["human"] + c["machine"]["machine"] == round(result["accuracy"] * result["items"])
    assert result["accuracy"] >= 0.75
