"""Errors stay on their channel: a bad prompt or a failing recording ends with a
clear reason there, while every other channel goes on playing and recording."""
from __future__ import annotations

import os
import subprocess
import threading

import pytest

from telephonist.engine import Codec, EndReason, Engine, EngineError, Hook, Kind, PlayDone, RecDone, RecMode
from tests.support import signals as S

OTHERS = 100
PROMPT_MS = 1000


@pytest.fixture
def bad_prompts(tmp_path) -> dict[str, tuple[str, str]]:
    """name -> (path, words the error text must contain)."""
    cd = tmp_path / "cd.wav"
    S.write_wav(cd, S.tone([(440, -10)], 200), rate=44100, channels=2)
    text = tmp_path / "notes.wav"
    text.write_text("these are meeting notes, not audio\n" * 10)
    return {
        "missing": (str(tmp_path / "nowhere" / "hello.wav"), "No such file"),
        "cd": (str(cd), "44100 Hz"),
        "text": (str(text), "not a WAV"),
    }


def test_bad_prompts_fail_on_their_channel_only(harness, tmp_path, bad_prompts):
    lines = harness.sim(n=len(bad_prompts) + OTHERS)
    good = S.write_wav(tmp_path / "good.wav", S.tone([(1000, -10)], PROMPT_MS))
    bad_lines, good_lines = lines[:len(bad_prompts)], lines[len(bad_prompts):]
    bad_ids = {}
    for (near, _), (name, (path, _)) in zip(bad_lines, bad_prompts.items()):
        harness.engine.hook(near, Hook.OFF)
        bad_ids[name] = (near, harness.engine.play(near, [path]))
    good_ids = {}
    for near, far in good_lines:
        harness.engine.hook(near, Hook.OFF)
        good_ids[near] = harness.engine.play(near, [good])
    # a few far ends record what they really receive
    checked = good_lines[:: OTHERS // 4]
    for near, far in checked:
        harness.engine.record(far, str(tmp_path / f"far{far}.wav"), RecMode.RX, Codec.LINEAR)
    started = harness.engine.now_ms
    harness.run(PROMPT_MS + 400)
    for near, far in checked:
        harness.engine.record_stop(far)
    harness.run(100)

    done = {e.playback: e for e in harness.of(PlayDone)}
    for name, (near, pid) in bad_ids.items():
        ev = done[pid]
        assert ev.chan == near and ev.reason == EndReason.ERROR, ev
        assert bad_prompts[name][1] in ev.error and bad_prompts[name][0] in ev.error, ev.error
    for near, pid in good_ids.items():
        ev = done[pid]
        assert ev.chan == near and ev.reason == EndReason.DONE and ev.error == "", ev
        # the whole prompt was played, not cut short
        assert ev.time_ms - started >= PROMPT_MS
    assert len(harness.of(PlayDone)) == len(bad_ids) + len(good_ids)
    for near, far in checked:
        rx = S.read_wav(tmp_path / f"far{far}.wav").samples[0]
        runs = S.active_runs(rx, threshold_dbm0=-30)
        assert len(runs) == 1 and abs((runs[0][1] - runs[0][0]) - PROMPT_MS * 8) <= 160, runs
        assert S.goertzel_dbm0(rx, 1000, runs[0][0], runs[0][1]) > -12


def test_recording_into_a_missing_directory_fails_on_its_channel(harness, tmp_path):
    (near, far), (other, ofar) = harness.sim(n=2)
    for ch in (near, other):
        harness.engine.hook(ch, Hook.OFF)
    bad = str(tmp_path / "no" / "such" / "dir" / "msg.wav")
    rid = harness.engine.record(near, bad, RecMode.RX)
    ok = harness.engine.record(other, str(tmp_path / "ok.wav"), RecMode.RX, max_ms=500)
    harness.run(800)
    ev = {e.recording: e for e in harness.of(RecDone)}
    assert ev[rid].chan == near and ev[rid].reason == EndReason.ERROR
    assert bad in ev[rid].error and "No such file or directory" in ev[rid].error
    assert ev[ok].chan == other and ev[ok].reason == EndReason.MAXTIME


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_ends_that_recording_only(harness, tmp_path, tiny_disk):
    (near, far), (other, ofar) = harness.sim(n=2)
    for ch, f in ((near, far), (other, ofar)):
        harness.engine.hook(ch, Hook.OFF)
        harness.engine.play(f, [S.write_wav(tmp_path / f"t{ch}.wav", S.tone([(700, -10)], 500))], loop=True)
    # 32 kB a second: the 64 kB disk fills within three seconds
    rid = harness.engine.record(near, str(tiny_disk / "big.wav"), RecMode.STEREO, Codec.LINEAR)
    ok_path = tmp_path / "ok.wav"
    ok = harness.engine.record(other, str(ok_path), RecMode.RX, Codec.LINEAR, max_ms=6000)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == ok, limit_ms=10_000)
    ev = {e.recording: e for e in harness.of(RecDone)}
    assert ev[rid].chan == near and ev[rid].reason == EndReason.ERROR
    assert "No space left on device" in ev[rid].error
    assert ev[ok].reason == EndReason.MAXTIME and ev[ok].recorded_ms == 6000
    rx = S.read_wav(ok_path).samples[0]
    assert len(rx) == 6000 * 8 and S.goertzel_dbm0(rx, 700, 800) > -12
    # what fitted on the full disk is still a readable WAV
    assert S.read_wav(tiny_disk / "big.wav").channels == 2
    assert os.path.getsize(tiny_disk / "big.wav") <= 64 * 1024


def test_a_failure_text_never_leaks_into_the_next_error():
    """eng_last_error() was one buffer, never cleared: a refusal without a text of its own showed
    the text of whatever failed before it."""
    e = Engine(max_channels=4)
    try:
        e.add_sim_span(Kind.FXO, 1)
        with pytest.raises(EngineError, match="only 2 left"):
            e.add_sim_span(Kind.FXO, 5)
        with pytest.raises(EngineError) as refused:
            e.play_stop(99)
        assert "sim span" not in str(refused.value) and "no channel 99" in str(refused.value), refused.value
    finally:
        e.close()


def test_a_failure_in_one_thread_never_shows_in_another_threads_error():
    """Two threads fail on one engine at once: each reads its own call's text, never the other's."""
    e = Engine(max_channels=4)
    e.add_sim_span(Kind.FXO, 1)
    rounds = 3000
    seen: dict[str, list[str]] = {"span": [], "hook": []}

    def fail(kind: str, call) -> None:
        for _ in range(rounds):
            try:
                call()
            except EngineError as exc:
                seen[kind].append(str(exc))

    threads = [threading.Thread(target=fail, args=("span", lambda: e.add_sim_span(Kind.FXO, 5))),
               threading.Thread(target=fail, args=("hook", lambda: e.hook(77, Hook.OFF)))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        e.close()
    assert len(seen["span"]) == len(seen["hook"]) == rounds
    assert all("only 2 left" in m and "channel 77" not in m for m in seen["span"]), set(seen["span"])
    assert all("no channel 77" in m and "sim span" not in m for m in seen["hook"]), set(seen["hook"])
