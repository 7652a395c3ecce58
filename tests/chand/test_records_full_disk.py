"""A full disk does not lose call records: writes the database refuses are kept and go in once there is room.

The database lives on a small filesystem of its own (a tmpfs of 2 MiB, mounted by the test, which runs
as root like CI); the test fills it up, places calls, then frees the room."""
import asyncio
import contextlib
import os
import subprocess

import pytest

from tests.support.chand_harness import SpanSpec, running_chand


@contextlib.contextmanager
def small_filesystem(path, size="2m"):
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        pytest.fail(f"cannot mount a small filesystem for the test (root is needed): {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path) -> None:
    """Write until the filesystem has no room left."""
    with open(path / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


async def calls(chand, tester, app, n):
    """n calls, each answered, with keys pressed, hung up by the caller; their ends as the app saw them."""
    ended = []
    for i in range(n):
        t_mark, a_mark = tester.mark(), app.mark()
        far = (await tester.call("sim.call", span="e1a", caller=f"13900{i:04d}", dialled="4008"))["far"]
        try:
            await tester.wait_for("far", far=far, what="connected", since=t_mark, timeout=5)
        except TimeoutError:
            raise AssertionError((i, t_mark, tester.events[t_mark - 3:]))
        await tester.call("sim.dtmf", far=far, digits="12")
        try:
            await app.wait_for(lambda e: e["event"] == "dtmf" and e["digit"] == "2", since=a_mark, timeout=5)
        except TimeoutError:
            raise AssertionError((i, app.events[a_mark:], tester.events[t_mark:]))
        await tester.call("sim.hangup", far=far)
        ended.append(await app.wait_for("ended", since=a_mark))
    return ended


async def test_records_wait_for_room_on_a_full_disk_and_none_is_lost(tmp_path):
    with small_filesystem(tmp_path / "small") as small:
        url = f"sqlite:///{small / 'calls.db'}"
        async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], db_url=url,
                                 default_route="app:app") as chand:
            app = await chand.client("app")
            tester = await chand.client("tester")
            app.on("offer", lambda ev: app.call("answer", chan=ev["chan"]))
            before = await calls(chand, tester, app, 2)
            await chand.board.recorder.drain()

            fill(small)
            during = await calls(chand, tester, app, 12)
            status = await tester.call("status")
            assert status["records_waiting"] > 0          # the database refused: they wait, they are not dropped
            legs = {leg.call_id for leg in await chand.store.recent(100)}
            assert not {e["call_id"] for e in during} <= legs

            os.unlink(small / "filler")
            await asyncio.wait_for(chand.board.recorder.drain(), 60)
            assert (await tester.call("status"))["records_waiting"] == 0
            legs = {leg.call_id: leg for leg in await chand.store.recent(100)}
            for e in before + during:
                leg = legs[e["call_id"]]
                assert leg.disposition == "answered" and leg.ended_at is not None, leg
                kinds = [ev.kind for ev in await chand.store.events(leg.id)]
                assert kinds.count("dtmf") == 2 and "state" in kinds, kinds
