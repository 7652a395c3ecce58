"""The files the engine is named (prompts, recordings, fax documents) are opened off the caller's
thread: Engine.play, record and fax return at once whatever the name is or wherever it lies. Only
regular files are taken: a FIFO or a device ends that playback, recording or fax with an error that
says so, and the engine goes on. In real time a prompt on a stalled disk silences its own call
only, and plays and stops on a channel keep their order while its file loads."""
from __future__ import annotations

import os

import pytest

from telephonist.engine import Clock, Codec, EndReason, FaxDone, Hook, Kind, PlayDone, RecDone, RecMode
from tests.support import signals as S
from tests.support.fax_docs import make_fax_tiff
from tests.support.live_engine import returns_at_once


def fifo(path) -> str:
    os.mkfifo(path)
    return str(path)


def open_other_end(path: str, flags: int):
    """Unblocks whoever is stuck opening the FIFO at path (only needed if the engine is wrong)."""
    def unblock() -> None:
        os.close(os.open(path, flags | os.O_NONBLOCK))
    return unblock


def lines_off_hook(harness, n: int) -> list[tuple[int, int]]:
    lines = harness.sim(n=n)
    for near, _ in lines:
        harness.engine.hook(near, Hook.OFF)
    return lines


def played(harness, chan, path) -> int:
    return returns_at_once(lambda: harness.engine.play(chan, [path]), open_other_end(path, os.O_WRONLY))


@pytest.mark.timeout(60)
def test_a_fifo_or_a_device_named_as_a_prompt_ends_that_playback_with_an_error(harness, tmp_path):
    (near, _), (other, _) = lines_off_hook(harness, 2)
    hold = fifo(tmp_path / "hold.wav")
    zero = tmp_path / "zero.alaw"
    zero.symlink_to("/dev/zero")
    good = S.write_wav(tmp_path / "good.wav", S.tone([(1000, -10)], 500))
    # one channel: the FIFO, the device, then a good prompt; another channel plays meanwhile
    bad_fifo = played(harness, near, hold)
    bad_dev = played(harness, near, str(zero))
    after = played(harness, near, good)
    elsewhere = played(harness, other, good)
    harness.run(1000)
    done = {e.playback: e for e in harness.of(PlayDone)}
    assert done[bad_fifo].reason == EndReason.ERROR
    assert f"{hold}: not a regular file (a FIFO)" in done[bad_fifo].error
    assert done[bad_dev].reason == EndReason.ERROR
    assert "not a regular file (a character device)" in done[bad_dev].error
    for pid, chan in ((after, near), (elsewhere, other)):
        assert (done[pid].chan, done[pid].reason, done[pid].played_ms) == (chan, EndReason.DONE, 500), done[pid]
    assert len(done) == 4


@pytest.mark.timeout(60)
def test_a_fifo_named_as_a_recording_ends_it_with_an_error(harness, tmp_path):
    (near, _), (other, _) = lines_off_hook(harness, 2)
    sink = fifo(tmp_path / "msg.wav")
    rid = returns_at_once(lambda: harness.engine.record(near, sink, RecMode.RX),
                          open_other_end(sink, os.O_RDONLY))
    ok = harness.engine.record(other, str(tmp_path / "ok.wav"), RecMode.RX, max_ms=400)
    harness.run(600)
    ev = {e.recording: e for e in harness.of(RecDone)}
    assert (ev[rid].chan, ev[rid].reason, ev[rid].recorded_ms) == (near, EndReason.ERROR, 0)
    assert f"{sink}: not a regular file (a FIFO)" in ev[rid].error
    assert (ev[ok].reason, ev[ok].recorded_ms) == (EndReason.MAXTIME, 400)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("send", [True, False], ids=["document", "received"])
def test_a_fifo_named_as_a_fax_file_ends_the_fax_with_an_error(harness, tmp_path, send):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.hook(near, Hook.OFF)
    path = fifo(tmp_path / "fax.tif")
    fid = returns_at_once(lambda: harness.engine.fax(near, path, send=send, calling=send),
                          open_other_end(path, os.O_WRONLY if send else os.O_RDONLY))
    harness.run(300)
    done, = harness.of(FaxDone, near)
    assert done.fax == fid and done.code < 0 and f"{path}: not a regular file (a FIFO)" in done.result
    # the channel faxes as well as ever after it
    src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
    harness.engine.fax(far, src, send=True, calling=True, ecm=False)
    harness.engine.fax(near, str(tmp_path / "rx.tif"), send=False, calling=False, ecm=False)
    harness.run_until(lambda e: isinstance(e, FaxDone) and e.chan == near and e.fax != fid, limit_ms=120_000)
    assert [e.code for e in harness.of(FaxDone, near)] == [done.code, 0]


def test_a_stop_right_after_a_play_applies_to_it(harness, tmp_path):
    """The stop is queued behind the play, whose file may still be loading: it stops that playback."""
    (near, far), = lines_off_hook(harness, 1)
    harness.engine.record(far, str(tmp_path / "heard.wav"), RecMode.RX)
    prompt = S.write_wav(tmp_path / "menu.wav", S.tone([(1000, -10)], 1000))
    pid = harness.engine.play(near, [prompt, ("tone", "dial", 500)])
    harness.engine.play_stop(near, pid)
    harness.run(1500)
    harness.engine.record_stop(far)
    harness.run(100)
    assert [(e.playback, e.reason, e.played_ms) for e in harness.of(PlayDone, near)] == [(pid, EndReason.STOPPED, 0)]
    assert S.active_runs(S.read_wav(tmp_path / "heard.wav").samples[0], threshold_dbm0=-40) == []


# ---- prompts too large for the prompt cache: read ahead by the loaders -------------------------------------

SEGMENT_HZ = (500, 700, 900, 1100, 1300)
LONG_S = 263            # 16-bit samples: 4.2 MB, more than the prompt cache takes of one file (4 MB)


def long_prompt(path) -> str:
    """LONG_S seconds of raw 16-bit samples, second k a tone of SEGMENT_HZ[k % 5]."""
    seconds = [S.tone([(hz, -10)], 1000).tobytes() for hz in SEGMENT_HZ]
    with open(path, "wb") as f:
        for k in range(LONG_S):
            f.write(seconds[k % len(SEGMENT_HZ)])
    return str(path)


def segment_heard(rx, start: int, k: int) -> int:
    """The frequency of SEGMENT_HZ loudest in second k of what was heard from sample start."""
    a, b = start + k * 8000 + 800, start + (k + 1) * 8000 - 800
    return max(SEGMENT_HZ, key=lambda hz: S.goertzel_dbm0(rx, hz, a, b))


def test_a_streamed_prompt_plays_whole_and_in_order_and_loops(harness, tmp_path):
    (near, far), = harness.sim(codec=Codec.LINEAR)
    harness.engine.hook(near, Hook.OFF)
    heard = tmp_path / "heard.wav"
    harness.engine.record(far, str(heard), RecMode.RX, Codec.LINEAR)
    pid = harness.engine.play(near, [long_prompt(tmp_path / "hold.sln")], loop=True)
    harness.run((LONG_S + 3) * 1000)
    harness.engine.play_stop(near, pid)
    harness.run(200)
    harness.engine.record_stop(far)
    harness.run(100)
    done, = harness.of(PlayDone, near)
    assert (done.reason, done.played_ms) == (EndReason.STOPPED, (LONG_S + 3) * 1000)
    rx = S.read_wav(heard).samples[0]
    (start, end), = S.active_runs(rx, threshold_dbm0=-30)
    assert end - start == (LONG_S + 3) * 8000                       # no block lost, none twice
    for k in (*range(0, LONG_S, 37), LONG_S - 1, LONG_S, LONG_S + 1):     # then the loop's start again
        assert segment_heard(rx, start, k) == SEGMENT_HZ[k % LONG_S % len(SEGMENT_HZ)], k


# ---- real time, with a disk that stalls -------------------------------------------------------------------

def answered(live, n: int) -> list[int]:
    chans = live.engine.add_sim_span(Kind.FXO, n)
    live.engine.start(Clock.REALTIME)
    for ch in chans:
        live.engine.hook(ch, Hook.OFF)
    return chans


def ends(live, pid: int):
    return [e for e in live.events if isinstance(e, PlayDone) and e.playback == pid]


def test_a_prompt_on_a_stalled_disk_holds_up_neither_its_caller_nor_the_other_channels(live, stalling_disk,
                                                                                        tmp_path):
    near, other = answered(live, 2)
    welcome = S.write_wav(stalling_disk.mount / "welcome.wav", S.tone([(1000, -10)], 400))
    menu = S.write_wav(tmp_path / "menu.wav", S.tone([(1400, -10)], 300))
    stalling_disk.stall()
    try:
        pid = returns_at_once(lambda: live.engine.play(near, [welcome]), stalling_disk.release)
        # the clock and the other channels go on, a prompt from another disk included
        mid = live.engine.play(other, [menu])
        assert live.wait(lambda e: isinstance(e, PlayDone) and e.playback == mid).reason == EndReason.DONE
        live.after(300)
        assert ends(live, pid) == [], "played while its disk did not answer"
    finally:
        stalling_disk.release()
    done = live.wait(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    # heard whole once the disk answered; the silence before it is not counted as played
    assert (done.chan, done.reason, done.played_ms) == (near, EndReason.DONE, 400)


def test_plays_and_stops_keep_their_order_while_a_prompt_loads(live, stalling_disk):
    near, = answered(live, 1)
    welcome = S.write_wav(stalling_disk.mount / "welcome.wav", S.tone([(1000, -10)], 200))
    stalling_disk.stall()
    try:
        stopped = returns_at_once(lambda: live.engine.play(near, [welcome, ("tone", "dial", 100)]),
                                  stalling_disk.release)
        live.engine.play_stop(near, stopped)
        first = live.engine.play(near, [welcome])
        second = live.engine.play(near, [("tone", "dial", 100)])
        done = live.wait(lambda e: isinstance(e, PlayDone) and e.playback == stopped)
        assert (done.reason, done.played_ms) == (EndReason.STOPPED, 0)     # stopped while its file was loading
        live.after(300)
        assert ends(live, first) == ends(live, second) == [], "the tone jumped the queue"
    finally:
        stalling_disk.release()
    live.wait(lambda e: isinstance(e, PlayDone) and e.playback == second)
    order = [(e.playback, e.reason) for e in live.events if isinstance(e, PlayDone)]
    assert order == [(stopped, EndReason.STOPPED), (first, EndReason.DONE), (second, EndReason.DONE)]


@pytest.mark.long
def test_a_streamed_prompt_on_a_stalled_disk_goes_silent_while_the_engine_goes_on(live, stalling_disk, tmp_path):
    """The media thread read a streamed prompt's blocks itself: a stalled disk stopped every channel."""
    near, = answered(live, 1)
    far = live.engine.sim_far(near)
    long_prompt(stalling_disk.backing / "hold.sln")
    heard = tmp_path / "heard.wav"
    rid = live.engine.record(far, str(heard), RecMode.RX, Codec.LINEAR)
    pid = live.engine.play(near, [str(stalling_disk.mount / "hold.sln")])
    live.after(1500)
    stalling_disk.stall()
    try:
        for _ in range(3):
            live.after(500)              # the engine's clock goes on while the disk does not answer
        assert ends(live, pid) == []
    finally:
        stalling_disk.release()
    live.after(1500)
    live.engine.play_stop(near, pid)
    assert live.wait(lambda e: isinstance(e, PlayDone) and e.playback == pid).reason == EndReason.STOPPED
    live.engine.record_stop(far)
    live.wait(lambda e: isinstance(e, RecDone) and e.recording == rid)
    runs = S.active_runs(S.read_wav(heard).samples[0], threshold_dbm0=-30)
    # heard, then silence while the disk stalled (1.5 s less the block in hand, 0.5 s), then heard again
    assert len(runs) == 2 and runs[1][0] - runs[0][1] >= 700 * 8, runs


def test_in_real_time_the_writer_opens_recordings(live, stalling_disk, tmp_path):
    """A FIFO is refused there too; a recording on a stalled disk starts buffering at once and is
    whole once the disk answers."""
    near, other = answered(live, 2)
    sink = fifo(tmp_path / "sink.wav")
    bad = returns_at_once(lambda: live.engine.record(near, sink, RecMode.RX), open_other_end(sink, os.O_RDONLY))
    done = live.wait(lambda e: isinstance(e, RecDone) and e.recording == bad)
    assert (done.reason, done.recorded_ms) == (EndReason.ERROR, 0) and "not a regular file (a FIFO)" in done.error
    path = stalling_disk.mount / "msg.wav"
    stalling_disk.stall()
    try:
        rid = returns_at_once(lambda: live.engine.record(other, str(path), RecMode.RX, Codec.LINEAR, max_ms=400),
                              stalling_disk.release)
        live.after(800)                  # the clock goes on, the recording reaches its end meanwhile
        assert not [e for e in live.events if isinstance(e, RecDone) and e.recording == rid]
    finally:
        stalling_disk.release()
    done = live.wait(lambda e: isinstance(e, RecDone) and e.recording == rid)
    assert (done.reason, done.recorded_ms, done.path) == (EndReason.MAXTIME, 400, str(path))
    assert len(S.read_wav(path).samples[0]) == 400 * 8
