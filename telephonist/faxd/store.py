"""faxd's database work: fax messages, jobs and recipients (SQLAlchemy Core, run in a thread)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from telephonist.faxd.schema import faxes, jobs, recipients
from telephonist.storage.database import make_engine

WRITE = {"telephonist_write": True}


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Due:
    recipient_id: int
    job_id: int
    number: str
    attempts: int
    tiff_path: str
    trunk_group: str
    caller_id: str
    pages: int = 0


class FaxStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def _write(self, fn, *args):
        with self.engine.connect().execution_options(**WRITE) as conn:
            with conn.begin():
                return fn(conn, *args)

    def _read(self, fn, *args):
        with self.engine.connect() as conn:
            return fn(conn, *args)

    async def run(self, fn, *args):
        return await asyncio.to_thread(fn, *args)

    # ---- jobs --------------------------------------------------------------------------------
    def create_job(self, document: str, tiff_path: str, pages: int, numbers: list[str], trunk_group: str,
                   caller_id: str, max_attempts: int, retry_interval_s: int) -> int:
        def go(conn):
            job_id = conn.execute(jobs.insert().values(
                document=document, tiff_path=tiff_path, pages=pages, trunk_group=trunk_group,
                caller_id=caller_id, max_attempts=max_attempts, retry_interval_s=retry_interval_s,
                state="active", created_at=now())).inserted_primary_key[0]
            conn.execute(recipients.insert(), [dict(job_id=job_id, number=n, state="pending", attempts=0,
                                                    next_at=now(), last_result="", pages_sent=0)
                                               for n in numbers])
            return job_id
        return self._write(go)

    def recover(self) -> int:
        """At start: a send that was under way when faxd died is not known to have arrived; try it again."""
        def go(conn):
            return conn.execute(recipients.update().where(recipients.c.state == "sending")
                                .values(state="pending", next_at=now(),
                                        last_result="interrupted: faxd stopped during the send")).rowcount
        return self._write(go)

    def take_due(self, limit: int) -> list[Due]:
        """Due recipients, marked 'sending' in the same transaction (so nobody takes them twice)."""
        def go(conn):
            rows = conn.execute(
                sa.select(recipients.c.id, recipients.c.job_id, recipients.c.number, recipients.c.attempts,
                          jobs.c.tiff_path, jobs.c.trunk_group, jobs.c.caller_id, jobs.c.pages)
                .join(jobs, jobs.c.id == recipients.c.job_id)
                .where(recipients.c.state == "pending", recipients.c.next_at <= now(), jobs.c.state == "active")
                .order_by(recipients.c.next_at).limit(limit)).all()
            if rows:
                conn.execute(recipients.update().where(recipients.c.id.in_([r.id for r in rows]))
                             .values(state="sending", attempts=recipients.c.attempts + 1))
            return [Due(r.id, r.job_id, r.number, r.attempts + 1, r.tiff_path, r.trunk_group, r.caller_id, r.pages)
                    for r in rows]
        return self._write(go)

    def finish(self, due: Due, ok: bool, result: str, pages: int, fax_row: dict[str, Any] | None) -> str:
        """Record one attempt; returns the recipient's new state (sent, pending (retry) or failed)."""
        def go(conn):
            job = conn.execute(sa.select(jobs).where(jobs.c.id == due.job_id)).one()
            if ok:
                state, values = "sent", dict(sent_at=now(), pages_sent=pages)
            elif due.attempts < job.max_attempts:
                state, values = "pending", dict(next_at=now() + timedelta(seconds=job.retry_interval_s))
            else:
                state, values = "failed", {}
            conn.execute(recipients.update().where(recipients.c.id == due.recipient_id)
                         .values(state=state, last_result=result, **values))
            if fax_row:
                conn.execute(faxes.insert().values(created_at=now(), job_id=due.job_id, **fax_row))
            open_left = conn.execute(sa.select(sa.func.count()).select_from(recipients).where(
                recipients.c.job_id == due.job_id, recipients.c.state.in_(("pending", "sending")))).scalar_one()
            if not open_left:
                failed = conn.execute(sa.select(sa.func.count()).select_from(recipients).where(
                    recipients.c.job_id == due.job_id, recipients.c.state == "failed")).scalar_one()
                conn.execute(jobs.update().where(jobs.c.id == due.job_id)
                             .values(state="failed" if failed else "done"))
            return state
        return self._write(go)

    def job(self, job_id: int) -> dict[str, Any] | None:
        def go(conn):
            j = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
            if j is None:
                return None
            rs = conn.execute(sa.select(recipients).where(recipients.c.job_id == job_id)
                              .order_by(recipients.c.id)).all()
            return {**j._asdict(), "recipients": [r._asdict() for r in rs]}
        return self._read(go)

    def jobs(self, limit: int = 50) -> list[dict[str, Any]]:
        def go(conn):
            return [r._asdict() for r in conn.execute(sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit))]
        return self._read(go)

    def resend(self, job_id: int) -> int:
        """Send again to the recipients that failed."""
        def go(conn):
            n = conn.execute(recipients.update().where(recipients.c.job_id == job_id,
                                                       recipients.c.state == "failed")
                             .values(state="pending", attempts=0, next_at=now())).rowcount
            if n:
                conn.execute(jobs.update().where(jobs.c.id == job_id).values(state="active"))
            return n
        return self._write(go)

    def fax(self, fax_id: int) -> dict[str, Any] | None:
        def go(conn):
            r = conn.execute(sa.select(faxes).where(faxes.c.id == fax_id)).first()
            return r._asdict() if r else None
        return self._read(go)

    # ---- received faxes ------------------------------------------------------------------------
    def add_fax(self, row: dict[str, Any]) -> int:
        return self._write(lambda conn: conn.execute(faxes.insert().values(created_at=now(), **row))
                           .inserted_primary_key[0])

    def unmailed(self, since: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """Received faxes since `since` that are to be mailed and have not gone yet, oldest first."""
        def go(conn):
            q = (sa.select(faxes).where(faxes.c.mail_to.is_not(None), faxes.c.emailed_to.is_(None),
                                        faxes.c.created_at >= since).order_by(faxes.c.id).limit(limit))
            return [r._asdict() for r in conn.execute(q)]
        return self._read(go)

    def mailed(self, fax_id: int, to: str) -> None:
        self._write(lambda conn: conn.execute(faxes.update().where(faxes.c.id == fax_id)
                                              .values(emailed_to=to, mail_error=None)))

    def mail_failed(self, fax_id: int, error: str) -> None:
        self._write(lambda conn: conn.execute(faxes.update().where(faxes.c.id == fax_id)
                                              .values(mail_error=error[:1000])))

    def faxes(self, mailbox: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        def go(conn):
            q = sa.select(faxes).order_by(faxes.c.id.desc()).limit(limit)
            if mailbox:
                q = q.where(faxes.c.mailbox == mailbox)
            return [r._asdict() for r in conn.execute(q)]
        return self._read(go)


def _release(store: FaxStore, due: Due, why: str) -> None:
    """No line was free: not an attempt; try again shortly."""
    def go(conn):
        conn.execute(recipients.update().where(recipients.c.id == due.recipient_id)
                     .values(state="pending", attempts=recipients.c.attempts - 1,
                             next_at=now() + timedelta(seconds=5), last_result=why))
    store._write(go)


FaxStore.release = _release  # type: ignore[attr-defined]
