"""Playback as the far end hears it: queues in order and length, barge-in, stop by id, loops."""
from __future__ import annotations

from telephonist.engine import Codec, Dsp, DtmfBegin, EndReason, Hook, PlayDone, RecMode
from tests.support import signals as S

FRAME = 80      # 10 ms analysis steps


def labels(samples, freqs) -> list[tuple[str, int]]:
    """Run-length list of (what sounds, ms) in 10 ms steps: a frequency or '-' for quiet."""
    out: list[tuple[str, int]] = []
    for s in range(0, len(samples) - FRAME + 1, FRAME):
        if S.rms_dbm0(samples, s, s + FRAME) < -40:
            lab = "-"
        else:
            lab = str(max(freqs, key=lambda f: S.goertzel_dbm0(samples, f, s, s + FRAME)))
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1] + 10)
        else:
            out.append((lab, 10))
    return out


def call(harness, tmp_path):
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    path = str(tmp_path / "heard.wav")
    harness.engine.record(far, path, RecMode.RX, Codec.LINEAR)
    return near, far, path


def heard(harness, far, path, freqs):
    harness.engine.record_stop(far)
    harness.run(100)
    return labels(S.read_wav(path).samples[0], freqs)


def close(got: list[tuple[str, int]], want: list[tuple[str, int]], slack: int = 20) -> bool:
    return len(got) == len(want) and all(g[0] == w[0] and abs(g[1] - w[1]) <= slack for g, w in zip(got, want))


def test_queue_of_file_tone_and_silence_plays_in_order_with_its_lengths(harness, tmp_path):
    near, far, path = call(harness, tmp_path)
    f1 = S.write_wav(tmp_path / "a.wav", S.tone([(1000, -10)], 500))
    f2 = S.write_wav(tmp_path / "b.wav", S.tone([(1400, -10)], 200))
    harness.run(200)
    pid = harness.engine.play(near, [f1, ("tone", "dial", 300), ("silence", 400), f2])
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    assert done.reason == EndReason.DONE
    harness.run(300)
    got = heard(harness, far, path, [450, 1000, 1400])
    want = [("-", 220), ("1000", 500), ("450", 300), ("-", 400), ("1400", 200)]
    assert close(got[:-1], want) and got[-1][0] == "-", got
    # one PLAY_DONE for the whole queue
    assert [e.playback for e in harness.of(PlayDone, near)] == [pid]


def test_barge_in_stops_the_playback_on_a_digit(harness, tmp_path):
    near, far, path = call(harness, tmp_path)
    harness.engine.set_dsp(near, Dsp.DTMF)
    prompt = S.write_wav(tmp_path / "menu.wav", S.tone([(1000, -10)], 3000))
    pid = harness.engine.play(near, [prompt, ("tone", "dial", 2000)], barge_in=True)
    harness.run(1000)
    harness.engine.send_dtmf(far, "5", 80, 80)
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid, limit_ms=2000)
    assert done.reason == EndReason.DTMF and done.chan == near
    assert harness.digits(near) == "5" or harness.of(DtmfBegin, near)
    harness.run(1000)
    got = heard(harness, far, path, [450, 1000])
    # the prompt stopped about when the digit began, and the queued tone never played
    assert got[0][0] == "-" and got[1][0] == "1000" and 1000 <= got[1][1] <= 1200, got
    assert "450" not in [g[0] for g in got]


def test_without_barge_in_a_digit_does_not_stop_the_prompt(harness, tmp_path):
    near, far, _ = call(harness, tmp_path)
    harness.engine.set_dsp(near, Dsp.DTMF)
    prompt = S.write_wav(tmp_path / "legal.wav", S.tone([(1000, -10)], 1500))
    pid = harness.engine.play(near, [prompt])
    harness.run(500)
    harness.engine.send_dtmf(far, "5", 80, 80)
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    assert done.reason == EndReason.DONE and harness.digits(near) == "5"


def test_stop_by_id_stops_that_playback_only(harness, tmp_path):
    near, far, path = call(harness, tmp_path)
    first = harness.engine.play(near, [("tone", "dial", 3000)])
    second = harness.engine.play(near, [S.write_wav(tmp_path / "next.wav", S.tone([(1400, -10)], 500))])
    harness.run(600)
    harness.engine.play_stop(near, first)
    harness.run(1000)
    ends = {e.playback: e.reason for e in harness.of(PlayDone, near)}
    assert ends == {first: EndReason.STOPPED, second: EndReason.DONE}
    got = heard(harness, far, path, [450, 1400])
    assert close(got[1:3], [("450", 600), ("1400", 500)]), got


def test_stop_with_a_wrong_id_changes_nothing(harness, tmp_path):
    near, far, _ = call(harness, tmp_path)
    pid = harness.engine.play(near, [("tone", "dial", 600)])
    harness.run(200)
    harness.engine.play_stop(near, pid + 1000)
    done = harness.run_until(lambda e: isinstance(e, PlayDone))
    assert (done.playback, done.reason) == (pid, EndReason.DONE)


def test_a_looped_file_repeats_until_stopped(harness, tmp_path):
    near, far, path = call(harness, tmp_path)
    beep = S.write_wav(tmp_path / "beep.wav", S.concat(S.tone([(1000, -10)], 200), S.silence(300)))
    pid = harness.engine.play(near, [beep], loop=True)
    harness.run(2600)
    harness.engine.play_stop(near, pid)
    harness.run(300)
    assert [(e.playback, e.reason) for e in harness.of(PlayDone, near)] == [(pid, EndReason.STOPPED)]
    got = heard(harness, far, path, [1000])
    beeps = [g for g in got if g[0] == "1000"]
    # 2.6 s: five whole cycles of 500 ms, then the start of a sixth
    assert len(beeps) == 6 and all(abs(ms - 200) <= 20 for _, ms in beeps[:5]), got
    assert all(abs(ms - 300) <= 20 for lab, ms in got[2:-2] if lab == "-"), got


def test_a_looped_queue_repeats_as_a_whole(harness, tmp_path):
    near, far, path = call(harness, tmp_path)
    beep = S.write_wav(tmp_path / "beep.wav", S.tone([(1000, -10)], 200))
    pid = harness.engine.play(near, [beep, ("tone", "dial", 100), ("silence", 200)], loop=True)
    harness.run(2600)
    harness.engine.play_stop(near, pid)
    harness.run(300)
    assert [(e.playback, e.reason) for e in harness.of(PlayDone, near)] == [(pid, EndReason.STOPPED)]
    got = heard(harness, far, path, [450, 1000])
    # five whole cycles of beep 200, tone 100, silence 200 after the line's 20 ms
    assert close(got[1:16], [("1000", 200), ("450", 100), ("-", 200)] * 5), got
