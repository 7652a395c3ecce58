"""kill -9 of ivrd during deposits: no committed message is lost, none is stored twice, and what a crash
cut short is finished when ivrd starts again.

chand and ivrd run as their own processes (`telephonist chand|ivrd`, lockstep clock); this test calls in
as the far end of the sim span. Three deterministic kills at the seams of a deposit (ivrd stops itself
with SIGKILL at a named point: TELEPHONIST_CRASH_POINT), one from outside while the caller speaks, and
one at an arbitrary moment while several callers leave messages at once.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest

from telephonist.client import Client
from telephonist.ivrd.voicemail.files import wav_duration_ms
from telephonist.ivrd.voicemail.prompts import all_prompts
from tests.support.ivrd_harness import make_prompt
from tests.support.smtp_inbox import smtp_server
from tests.support.voicemail_caller import VoicemailCaller, make_speech

pytestmark = pytest.mark.slow        # kills and restarts ivrd daemons: `make test` runs it, `make test-fast` does not

CONFIG = """\
[system]
node = "vmtest"
state_dir = "state"
recordings_dir = "state/recordings"
prompts_dir = "prompts"

[database]
url = "sqlite:///state/telephonist.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "lockstep"

[[spans]]
name = "e1a"
driver = "sim"
type = "e1"
channels = 8

[[routes]]
dialled = "4008*"
application = "ivr:main"

[ivrd]
flows_dir = "flows"
languages = ["zh", "en"]

[ivrd.voicemail]
dir = "state/voicemail"
silence_s = 2
smtp_port = {smtp_port}
"""

FLOW = """
[flow]
name = "main"
[nodes.vm]
type = "voicemail"
mailbox = "100"
"""
SPEECH = "speech/caller.wav"


class Proc:
    """A telephonist daemon as a subprocess, its output collected by a thread."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: str = "") -> None:
        self.p = subprocess.Popen([sys.executable, "-m", "telephonist.cli", *args], env=env, cwd=cwd or None,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.p.stdout:
            self.lines.append(line.rstrip())

    async def wait_line(self, text: str, seconds: float = 120.0) -> None:
        for _ in range(int(seconds / 0.05)):
            if any(text in line for line in self.lines):
                return
            if self.p.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {text!r} in the output:\n" + "\n".join(self.lines[-40:]))

    def kill9(self) -> None:
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait(10)

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()


class Site:
    def __init__(self, tmp_path, inbox) -> None:
        self.root = tmp_path
        (tmp_path / "state").mkdir()
        (tmp_path / "flows").mkdir()
        (tmp_path / "flows" / "main.toml").write_text(FLOW)
        self.cfg = str(tmp_path / "telephonist.toml")
        (tmp_path / "telephonist.toml").write_text(CONFIG.replace("{smtp_port}", str(inbox.port)))
        for i, name in enumerate(all_prompts() + ["{lang}/try-later.wav"]):
            for lang in ("zh", "en"):
                make_prompt(str(tmp_path / "prompts" / name.replace("{lang}", lang)), freq=300 + 13 * i)
        self.speech_ms = make_speech(str(tmp_path / "prompts" / SPEECH))
        self.db = str(tmp_path / "state" / "telephonist.db")
        self.vm_dir = tmp_path / "state" / "voicemail"
        self.chand: Proc | None = None
        self.ivrd: Proc | None = None
        self.clients: list[Client] = []
        self.caller: VoicemailCaller | None = None

    def env(self, crash: str = "") -> dict[str, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TELEPHONIST_CRASH_POINT", None)
        if crash:
            env["TELEPHONIST_CRASH_POINT"] = crash
        return env

    async def start_chand(self) -> None:
        self.chand = Proc("chand", "--config", self.cfg, env=self.env())
        sock = str(self.root / "state" / "chand.sock")
        for _ in range(2400):                      # a loaded machine may take a while to start it
            try:
                tester = await Client.connect_unix(sock, app="tester")
                break
            except (FileNotFoundError, ConnectionRefusedError):
                assert self.chand.p.poll() is None, "\n".join(self.chand.lines)
                await asyncio.sleep(0.05)
        monitor = await Client.connect_unix(sock, app="monitor", role="monitor")
        self.clients = [tester, monitor]
        self.caller = await VoicemailCaller.attach(tester, monitor, str(self.root / "prompts"))

    async def start_ivrd(self, crash: str = "") -> Proc:
        self.ivrd = Proc("ivrd", "--config", self.cfg, env=self.env(crash))
        await self.ivrd.wait_line("event=ivrd_ready")
        return self.ivrd

    def rows(self, sql: str = "SELECT * FROM voicemail_messages ORDER BY id") -> list[dict]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql)]

    async def add_box(self) -> None:
        """With the command line, in this process (a subprocess would only cost time)."""
        from telephonist.cli import main
        rc = await asyncio.to_thread(main, ["voicemail", "--config", self.cfg, "add", "100", "--pin", "1000",
                                            "--email", "ops@example.com"])
        assert rc == 0

    def pending(self) -> list[str]:
        d = self.vm_dir / ".pending"
        return sorted(os.listdir(d)) if d.exists() else []

    async def close(self) -> None:
        for c in self.clients:
            await c.close()
        for p in (self.ivrd, self.chand):
            if p:
                p.stop()
        for name, p in (("chand", self.chand), ("ivrd (the last)", self.ivrd)):
            if p:                                    # shown by pytest when the test fails
                print(f"---- {name}\n" + "\n".join(p.lines[-60:]))


@pytest.fixture
async def site(tmp_path):
    with smtp_server() as inbox:
        s = Site(tmp_path, inbox)
        s.inbox = inbox
        try:                                       # chand is stopped even when it never came up
            await s.start_chand()
            await s.add_box()
            yield s
        finally:
            await s.close()


def without_notifications(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("notified_")}


async def wait_for(pred, what: str, seconds: float = 60.0):
    for _ in range(int(seconds / 0.05)):
        got = pred()
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_kill9_between_the_steps_of_a_deposit(site):
    for n, point in enumerate(["voicemail-placed", "voicemail-committed"]):
        ivrd = await site.start_ivrd(crash=point)
        before = site.rows()
        out = await site.caller.call([{"speak": SPEECH, "press": "#"}], dialled="4008001234",
                                     caller=f"1391111222{n}", span="e1a")
        assert ivrd.p.wait(10) == -signal.SIGKILL
        assert "zh/vm/message-saved.wav" not in out.prompts      # ivrd died before telling the caller
        [intent] = site.pending()
        placed = site.vm_dir / "100" / intent.replace(".json", ".wav")
        assert placed.exists()                                   # the audio is in the box before any row
        at_kill = site.rows()[len(before):]
        assert len(at_kill) == (1 if point == "voicemail-committed" else 0)

        await site.start_ivrd()                                  # recovery runs before it is ready
        [row] = site.rows()[len(before):]
        # the row committed before the kill is the row after recovery; only the notifications go on
        # (the restarted ivrd may e-mail the message before this reads it)
        assert [without_notifications(r) for r in at_kill] in ([], [without_notifications(row)])
        assert row["path"] == str(placed) and row["call_id"] == out.call_id
        assert row["caller"] == f"1391111222{n}" and row["state"] == "new"
        assert abs(row["duration_ms"] - site.speech_ms) <= 600 and wav_duration_ms(row["path"]) == row["duration_ms"]
        assert site.pending() == []
        await wait_for(lambda: site.rows()[-1]["notified_email_at"], "the e-mail after the restart")
        assert len(site.inbox.messages) == n + 1
        site.ivrd.stop()


async def test_kill9_while_the_caller_speaks_keeps_what_was_said(site):
    ivrd = await site.start_ivrd()
    speaking: list[str] = []

    async def kill_when_recording(ev):                # in the monitor's handler: before chand goes on
        if ev.get("what") == "record_start" and not speaking:
            speaking.append(ev["path"])
            ivrd.kill9()
    site.clients[1].on("call_event", kill_when_recording)
    out = await site.caller.call([{"speak": SPEECH, "press": "#"}], dialled="4008001234", caller="13911113333",
                                 span="e1a")
    assert speaking and site.rows() == [] and len(site.pending()) == 1
    assert "zh/vm/message-saved.wav" not in out.prompts

    await site.start_ivrd()
    [row] = site.rows()
    # chand went on recording until it hung up on the caller (its fallback): what was said is kept
    assert row["call_id"] == out.call_id and row["duration_ms"] >= 1000
    assert os.path.samefile(row["path"], speaking[0])             # the very recording, placed in the box
    assert site.pending() == []


async def test_kill9_at_any_moment_loses_no_committed_message(site):
    await site.start_ivrd()
    outs: list = []

    async def one(i: int, **where) -> None:
        outs.append(await site.caller.call([{"speak": SPEECH, "press": "#"}], dialled="4008001234",
                                           caller=f"1390000{i:04d}", **where))

    first = [asyncio.ensure_future(one(i, span="e1a")) for i in range(6)]     # on e1a/1-6
    await wait_for(lambda: len(site.rows()) >= 2, "two messages", seconds=180)
    site.ivrd.kill9()
    at_kill = site.rows()
    await asyncio.gather(*first)
    await site.start_ivrd()
    for i in range(6, 9):                          # on channels whose far ends the kill did not cut short
        await one(i, chan=f"e1a/{7 + i % 2}")

    rows = site.rows()
    by_id = {r["id"]: r for r in rows}
    for r in at_kill:                                             # committed before the kill: all still there
        assert by_id[r["id"]]["path"] == r["path"]
    for r in rows:                                                # every row has its audio, whole
        assert wav_duration_ms(r["path"]) == r["duration_ms"] >= 1000
    assert len({r["call_id"] for r in rows}) == len(rows)         # none stored twice
    told = {o.call_id for o in outs if "zh/vm/message-saved.wav" in o.prompts}
    assert told <= {r["call_id"] for r in rows}                   # every caller told "saved" has the message
    after = {o.call_id for o in outs[-3:]}                         # the calls after the restart: all kept
    assert after <= told and len(rows) >= len(at_kill) + 3 and site.pending() == []
