"""A site for backup tests: its configuration (paths relative to it, so a restored copy lands where its
configuration is) and the traffic it carries: voicemail left, faxes received, calls recorded."""
from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from typing import AsyncIterator

import sqlalchemy as sa

from telephonist.chand.routing import Route
from telephonist.config.model import VoicemailConfig
from telephonist.faxd.service import FaxService, FaxSettings
from telephonist.faxd.store import FaxStore
from telephonist.ivrd.voicemail import store_of
from telephonist.ivrd.voicemail.prompts import all_prompts
from tests.support.fax_docs import make_fax_tiff
from tests.support.ivrd_harness import running_ivrd
from tests.support.voicemail_caller import make_speech

VOICEMAIL_FLOW = """
[flow]
numbers = ["4008*"]
start = "vm"

[nodes.vm]
type = "voicemail"
mailbox = "100"
"""
SPEECH = "speech/caller.wav"


def site_config(root, database_url: str = "", destination: str = "../../backups", keep: int = 7) -> str:
    """etc/telephonist.toml of a site whose folders are ROOT/recordings, ROOT/voicemail ... (as the
    harnesses lay them out), every path relative to etc/."""
    url = database_url or "sqlite:///../telephonist.db"
    etc = os.path.join(str(root), "etc")
    os.makedirs(os.path.join(etc, "conf.d"), exist_ok=True)
    path = os.path.join(etc, "telephonist.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""[system]
node = "site-a"
state_dir = ".."
recordings_dir = "../recordings"
prompts_dir = "../prompts"
[database]
url = "{url}"
[control]
socket = "../chand.sock"
[ivrd]
flows_dir = "../flows"
[ivrd.voicemail]
dir = "../voicemail"
[faxd]
spool_dir = "../fax"
[[faxd.mailboxes]]
name = "sales"
[backup]
destination = "{destination}"
keep = {keep}
""")
    with open(os.path.join(etc, "conf.d", "50-local.toml"), "w", encoding="utf-8") as f:
        f.write('[engine]\nclock = "realtime"\n')
    return path


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def rows(url: str, sql: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


class Traffic:
    """Callers leave voicemail and fax machines send faxes, one after another on each kind, until stopped."""

    def __init__(self, ivr, doc: str) -> None:
        self.ivr = ivr
        self.doc = doc
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.messages = 0
        self.faxes = 0
        self.progress = asyncio.Condition()

    async def until(self, messages: int, faxes: int) -> None:
        """Wait until that many messages and faxes are through."""
        async with self.progress:
            await self.progress.wait_for(lambda: self.messages >= messages and self.faxes >= faxes)

    async def _done(self, kind: str) -> None:
        async with self.progress:
            setattr(self, kind, getattr(self, kind) + 1)
            self.progress.notify_all()

    def start(self, tester) -> None:
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._voicemail()), loop.create_task(self._faxes(tester))]

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks)

    async def _voicemail(self) -> None:
        while not self.stopping.is_set():
            await self.ivr.call([{"speak": SPEECH, "press": "#"}], caller=f"1391234{self.messages:04d}")
            await self._done("messages")

    async def _faxes(self, tester) -> None:
        while not self.stopping.is_set():
            mark = tester.mark()
            r = await tester.call("sim.call", span="e1a", caller=f"0215555{self.faxes:04d}", dialled="8008101234")
            await tester.wait_for("far", far=r["far"], what="connected", since=mark)
            await tester.call("sim.fax", far=r["far"], direction="send", path=self.doc, calling=True)
            await tester.wait_for("far", far=r["far"], what="released", since=mark, timeout=120)
            await self._done("faxes")


@asynccontextmanager
async def running_site(root, database_url: str = "") -> AsyncIterator[tuple]:
    """chand (call records), ivrd (voicemail) and faxd on one database, with traffic ready to start."""
    vm = VoicemailConfig(dir=str(root / "voicemail"), silence_s=2)
    routes = [Route("fax:sales", dialled="8008*"), Route("ivr:", dialled="*")]
    async with running_ivrd(root, {"main.toml": VOICEMAIL_FLOW}, all_prompts(), ivrd={"voicemail": vm},
                            routes=routes, db_url=database_url or None) as ivr:
        make_speech(os.path.join(ivr.prompts_dir, SPEECH), "Please call me back about my order.")
        await asyncio.to_thread(store_of(ivr.service.services).create_box, "100", "1000", name="Sales")
        store = FaxStore(ivr.db_url)
        settings = FaxSettings(socket=ivr.chand.socket, database_url=ivr.db_url, spool_dir=str(root / "fax"),
                               poll_s=0.05, mailboxes={})
        faxd = FaxService(await ivr.chand.client("fax"), store, settings)
        jobs = asyncio.get_running_loop().create_task(faxd.run_jobs())
        doc = make_fax_tiff(root / "doc.tif", pages=2)
        try:
            yield ivr, Traffic(ivr, doc), await ivr.chand.client("tester-fax")
        finally:
            jobs.cancel()
            store.close()


def telephonist(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "telephonist.cli", *args], capture_output=True, text=True,
                          timeout=300)
