"""Fax through faxd: the message, filled and typeset as a text page (faxd's documents.py), is queued as a faxd
job of one recipient and one try (the campaign's strategy makes the retries); faxd sends it on its trunk group.
The attempt stays `dialing` with chan "fax-job:<id>" until faxd's recipient is `sent` or `failed`
(`outcome()`, asked by the runner on each pass)."""
from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any

import sqlalchemy as sa

from telephonist.dialer.media.template import fill

PREFIX = "fax-job:"


class FaxSender:
    medium = "fax"

    def __init__(self, db_url: str, spool_dir: str) -> None:
        from telephonist.faxd.store import FaxStore
        self.store = FaxStore(db_url)
        self.out_dir = os.path.join(spool_dir, "out")

    async def send(self, number: str, message: dict[str, Any], values: dict[str, Any],
                   trunk_group: str = "", caller_id: str = "") -> str:
        """The faxd job's reference ("fax-job:<id>"): the outcome comes later."""
        return await asyncio.to_thread(self._queue, number, fill(message["body"], values), trunk_group, caller_id)

    def _queue(self, number: str, text: str, trunk_group: str, caller_id: str) -> str:
        from telephonist.faxd.documents import render_to_tiff
        os.makedirs(self.out_dir, exist_ok=True)
        fd, src = tempfile.mkstemp(prefix="campaign-", suffix=".txt", dir=self.out_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        tiff = src[:-4] + ".tif"
        try:
            pages = render_to_tiff(src, tiff)
        finally:
            os.unlink(src)
        job = self.store.create_job("campaign message", tiff, pages, [number], trunk_group, caller_id, 1, 60)
        return f"{PREFIX}{job}"

    def outcome(self, ref: str) -> str | None:
        """sent / failed once faxd knows, None while it works (blocking: run it in a thread)."""
        from telephonist.faxd.schema import recipients
        with self.store.engine.connect() as conn:
            state = conn.execute(sa.select(recipients.c.state).where(
                recipients.c.job_id == int(ref[len(PREFIX):]))).scalar()
        return {"sent": "sent", "failed": "failed", None: "failed"}.get(state)

    def close(self) -> None:
        self.store.close()
