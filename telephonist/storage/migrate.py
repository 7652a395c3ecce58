"""Bring a database's schema up to date: ``alembic upgrade head`` from Python, no alembic.ini.

The migration scripts ship inside the package (telephonist/migrations/), so an
installed Telephonist finds them wherever it lives. To write a new revision
by hand or with autogenerate::

    from alembic import command
    from telephonist.storage.migrate import alembic_config
    command.revision(alembic_config(url="sqlite:///dev.db"), "add queues", autogenerate=True)
"""
from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from telephonist.storage.database import WRITE, make_engine

log = logging.getLogger(__name__)

# Any constant that other users of pg_advisory locks in this database will not pick.
_PG_MIGRATION_LOCK = 0x7E1E_0001


def migrations_dir() -> Path:
    """Where the Alembic environment and versions live (inside the installed package)."""
    path = Path(str(resources.files("telephonist") / "migrations"))
    if not (path / "env.py").is_file():
        raise FileNotFoundError(f"Alembic environment missing: {path}/env.py (broken install?)")
    return path


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    """A Config pointing at our migrations; env.py reads ``url``/``connection`` from its attributes."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: str | Engine) -> str | None:
    engine = make_engine(db) if isinstance(db, str) else db
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if isinstance(db, str):
            engine.dispose()


def migrate(db: str | Engine, revision: str = "head") -> str | None:
    """Upgrade the database to ``revision`` (creating the schema on an empty one); return the revision reached.

    Safe to run at every start-up, also by several processes at once: on
    PostgreSQL they queue on an advisory lock, on SQLite on the write lock
    (``BEGIN IMMEDIATE``); whoever comes second finds nothing left to do.
    """
    engine = make_engine(db) if isinstance(db, str) else db
    try:
        with engine.connect().execution_options(**WRITE) as conn:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                before = MigrationContext.configure(conn).get_current_revision()
                command.upgrade(alembic_config(connection=conn), revision)
                after = MigrationContext.configure(conn).get_current_revision()
        if before != after:
            log.info("event=db_migrated from=%s to=%s backend=%s", before, after, engine.dialect.name)
        return after
    finally:
        if isinstance(db, str):
            engine.dispose()
