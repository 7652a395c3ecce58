"""Opening the call-record database: one engine factory for SQLite and PostgreSQL.

SQLite is opened in WAL mode with ``synchronous=NORMAL`` and a busy timeout.
What that means for durability, which is what "acknowledged" promises:

* A transaction is committed once its pages are appended to the ``-wal`` file.
  With ``synchronous=NORMAL`` SQLite does not fsync at each commit (only at
  checkpoints), so the committed pages may still sit in the operating system's
  page cache. They are the kernel's from then on: killing the process, even
  with ``kill -9``, loses nothing that was committed.
* Only a power loss or kernel crash can lose the last transactions before the
  next checkpoint (the database stays consistent; it just rolls back to an
  earlier commit). Pass ``sqlite_synchronous="FULL"`` to fsync at every commit
  if that matters more than throughput.

PostgreSQL needs no such care: a COMMIT that returned is on disk per the
server's own ``fsync``/``synchronous_commit`` settings. Use the psycopg 3
driver (``postgresql+psycopg://``); a bare ``postgresql://`` would ask
SQLAlchemy for psycopg2.

Transactions on SQLite are begun by us, not by Python's sqlite3 module (which
would start them lazily at the first INSERT and run DDL outside them): a
connection opened for writing begins with ``BEGIN IMMEDIATE`` so it takes the
write lock up front and waits on ``busy_timeout`` instead of failing midway;
reads begin with a plain (deferred) ``BEGIN``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
WRITE = {"telephonist_write": True}
"""Execution options for a connection that will write (``BEGIN IMMEDIATE`` on SQLite)."""


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL stores ``timestamptz``. SQLite has no time type: the value is kept
    as UTC text without offset (so it sorts and compares as time does) and the
    UTC zone is put back when read. Naive datetimes are refused rather than
    guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware one")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", busy_timeout_ms: int = 10_000,
                **engine_kw: Any) -> Engine:
    """An Engine for ``url`` with our connection settings (see the module docstring)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_synchronous, busy_timeout_ms, engine_kw)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() not in ("psycopg", "psycopg_async"):
        log.warning("event=db_driver url_driver=%s hint=use postgresql+psycopg://", parsed.get_driver_name())
    engine_kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **engine_kw)


def _sqlite_engine(url: str, synchronous: str, busy_timeout_ms: int, engine_kw: dict[str, Any]) -> Engine:
    synchronous = synchronous.upper()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}, not {synchronous!r}")
    if make_url(url).database in (None, "", ":memory:"):
        raise ValueError("call records need a SQLite file (WAL does not apply to :memory:)")
    connect_args = dict(engine_kw.pop("connect_args", {}))
    connect_args.setdefault("timeout", busy_timeout_ms / 1000.0)
    engine = create_engine(url, connect_args=connect_args, **engine_kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None          # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        try:
            mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("event=sqlite_wal_refused journal_mode=%s url=%s", mode, url)
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("telephonist_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
