"""Fax through a sim line: a 3-page TIFF-F received intact (pixel by pixel), with and without ECM."""
import os
import select
import subprocess
import sys

import pytest
from PIL import Image

from telephonist.engine import Dsp, ErrorEvent, FaxDone, FaxPage, Kind
from tests.support.fax_docs import differing_pixels, make_fax_tiff, pages_of


def run_fax(harness, tmp_path, ecm, we_send=False, pages=3):
    src = make_fax_tiff(tmp_path / "doc.tif", pages=pages)
    dst = str(tmp_path / "received.tif")
    (near, far), = harness.sim(Kind.FXO)
    if we_send:
        harness.engine.fax(near, src, send=True, calling=True, ecm=ecm, ident="TELEPHONIST")
        harness.engine.fax(far, dst, send=False, calling=False, ecm=ecm, ident="REMOTE FAX")
        receiver = far
    else:
        harness.engine.fax(far, src, send=True, calling=True, ecm=ecm, ident="+86 21 5555 1234")
        harness.engine.fax(near, dst, send=False, calling=False, ecm=ecm, ident="TELEPHONIST")
        receiver = near
    for _ in range(100):
        harness.run(10_000)
        if len(harness.of(FaxDone)) == 2:
            break
    return src, dst, near, far, receiver


@pytest.mark.parametrize("ecm", [True, False])
def test_three_pages_received_intact(harness, tmp_path, ecm):
    src, dst, near, far, rx = run_fax(harness, tmp_path, ecm)
    done = {e.chan: e for e in harness.of(FaxDone)}
    assert done[near].ok, done[near].result          # T30_ERR_OK
    assert done[near].pages == 3 and done[far].pages == 3
    assert done[near].bit_rate >= 9600
    assert done[near].ecm == ecm
    assert done[near].remote_ident.strip() == "+86 21 5555 1234"
    assert [e.page for e in harness.of(FaxPage, near)] == [1, 2, 3]
    sent, got = pages_of(src), pages_of(dst)
    assert len(got) == 3
    for a, b in zip(sent, got):
        assert differing_pixels(a, b) == 0


def test_we_send_and_the_far_end_receives(harness, tmp_path):
    src, dst, near, far, rx = run_fax(harness, tmp_path, True, we_send=True, pages=2)
    done = {e.chan: e for e in harness.of(FaxDone)}
    assert done[near].ok and done[far].pages == 2
    for a, b in zip(pages_of(src), pages_of(dst)):
        assert differing_pixels(a, b) == 0


@pytest.mark.parametrize("kind", ["colour", "300dpi", "missing", "text"])
def test_a_document_that_is_not_fax_ready_is_refused_clearly(harness, tmp_path, kind):
    path = tmp_path / f"{kind}.tif"
    if kind == "colour":
        Image.new("RGB", (1728, 1000), (200, 10, 10)).save(path, dpi=(204, 196))
    elif kind == "300dpi":
        Image.new("1", (2480, 3508), 1).save(path, compression="group4", dpi=(300, 300))
    elif kind == "text":
        path.write_text("not a tiff")
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, 1)
    harness.engine.fax(near, str(path), send=True, calling=True)
    harness.run(200)
    done, = harness.of(FaxDone, near)
    assert done.code < 0
    expect = {"colour": "black and white", "300dpi": "pixels wide", "missing": "No such file", "text": "not a TIFF"}
    assert expect[kind] in done.result, done.result
    harness.engine.send_dtmf(far, "5")          # the channel goes on
    harness.run(500)
    assert harness.digits(near) == "5"


def test_hanging_up_mid_fax_ends_it_with_an_error(harness, tmp_path):
    src = make_fax_tiff(tmp_path / "doc.tif", pages=3)
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.hook(near, 1)
    harness.engine.fax(far, src, send=True, calling=True)
    harness.engine.fax(near, str(tmp_path / "rx.tif"), send=False, calling=False)
    harness.run_until(lambda e: isinstance(e, FaxPage) and e.chan == near, limit_ms=300_000)
    harness.engine.hook(near, 0)
    harness.run(200)
    done, = harness.of(FaxDone, near)
    assert done.code < 0 and "hook" in done.result


def test_the_line_takes_a_new_fax_in_the_tick_after_one_ends(harness, tmp_path):
    """The fax terminals run on the engine's fax worker; the channel is free again as soon as the end is
    reported, so a second transfer (here right after a stopped one, then after a finished one) starts."""
    src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.fax(far, src, send=True, calling=True, ecm=False)
    harness.engine.fax(near, str(tmp_path / "stopped.tif"), send=False, calling=False, ecm=False)
    harness.run(3000)
    harness.engine.fax_stop(near)
    harness.engine.fax_stop(far)
    harness.run(20)
    assert [e.code for e in harness.of(FaxDone)] == [-2, -2]
    for rnd in range(2):
        harness.engine.fax(far, src, send=True, calling=True, ecm=False)
        harness.engine.fax(near, str(tmp_path / f"rx-{rnd}.tif"), send=False, calling=False, ecm=False)
        before = len(harness.of(FaxDone))
        harness.run_until(lambda e: len(harness.of(FaxDone)) == before + 2, limit_ms=120_000)
        done = {e.chan: e for e in harness.of(FaxDone)[-2:]}
        assert done[far].ok and done[near].ok and done[near].pages == 1, done
        assert differing_pixels(pages_of(src)[0], pages_of(tmp_path / f"rx-{rnd}.tif")[0]) == 0


def test_fax_events_are_the_same_on_every_run(tmp_path):
    """The worker thread is waited for on every clock but real time: same events at the same engine times."""
    from tests.support.engine_harness import EngineHarness
    src = make_fax_tiff(tmp_path / "doc.tif", pages=2)
    runs = []
    for run in range(2):
        h = EngineHarness()
        try:
            lines = h.sim(Kind.E1, n=4)
            for i, (near, far) in enumerate(lines):
                h.engine.fax(far, src, send=True, calling=True, ecm=bool(i % 2))
                h.engine.fax(near, str(tmp_path / f"rx-{run}-{i}.tif"), send=False, calling=False, ecm=bool(i % 2))
            h.run(5000)
            h.engine.hook(lines[3][0], 0)                   # one hangs up mid-call
            for _ in range(60):
                h.run(2000)
                if len(h.of(FaxDone)) == 8:
                    break
            runs.append([e for e in h.events if isinstance(e, (FaxPage, FaxDone))])
        finally:
            h.close()
    assert len([e for e in runs[0] if isinstance(e, FaxDone)]) == 8
    assert runs[0] == runs[1]


def _policy(name: str) -> tuple[int, int]:
    """(scheduling policy, real-time priority) of this process's thread called `name`."""
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/comm", encoding="ascii") as f:
            if f.read().strip() == name:
                return os.sched_getscheduler(int(tid)), os.sched_getparam(int(tid)).sched_priority
    raise LookupError(name)


def test_real_time_priority_reaches_the_media_thread_and_the_fax_worker(tmp_path):
    """SCHED_FIFO for the media thread, one below for the fax worker, a fax through it, and back to normal."""
    from telephonist.engine import Clock, Engine, EngineError
    e = Engine(max_channels=8)
    try:
        with pytest.raises(EngineError):
            e.set_realtime(100)
        # allowed to whoever may take SCHED_FIFO here: root with CAP_SYS_NICE (a container may drop
        # it), or a user with ulimit -r; asked of a child process so this one stays as it was
        probe = subprocess.run([sys.executable, "-c", "import os; os.sched_setscheduler(0, os.SCHED_FIFO, "
                                "os.sched_param(5))"], capture_output=True)
        if probe.returncode != 0:
            with pytest.raises(EngineError, match="not allowed here"):
                e.set_realtime(5)
            return
        (near, far), = [(ch, e.sim_far(ch)) for ch in e.add_sim_span(Kind.E1, 1)]
        e.start(Clock.LOCKSTEP, 0.0)
        e.set_realtime(5)
        src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
        e.fax(far, src, send=True, calling=True, ecm=False)
        e.fax(near, str(tmp_path / "rx.tif"), send=False, calling=False, ecm=False)
        events, seen = [], {}

        def until(pred):
            while not pred():
                select.select([e.fileno()], [], [], 1.0)
                events.extend(e.read_events())
                e.release()
                seen["media"], seen["fax"] = _policy("tel-media"), _policy("tel-fax")

        until(lambda: len([ev for ev in events if isinstance(ev, FaxDone)]) == 2)
        assert not [ev for ev in events if isinstance(ev, ErrorEvent)]
        assert [ev.code for ev in events if isinstance(ev, FaxDone)] == [0, 0]
        assert seen == {"media": (os.SCHED_FIFO, 5), "fax": (os.SCHED_FIFO, 4)}
        e.set_realtime(0)
        until(lambda: seen["media"][0] == seen["fax"][0] == os.SCHED_OTHER)
    finally:
        e.close()
