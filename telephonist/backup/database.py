"""The database in an archive: a consistent copy out, and back in.

SQLite: SQLite's online backup API (one read transaction: a committed state,
writers never wait). PostgreSQL: pg_dump's custom format (one repeatable-read
snapshot), restored with pg_restore --clean into the configured database in
one transaction. Both record the schema's Alembic revision; after a restore
the schema is migrated to this Telephonist's head.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from telephonist.storage.sqlite_files import SqliteFileError, copy_database, sqlite_path

SQLITE_MEMBER = "database/telephonist.db"
PG_MEMBER = "database/telephonist.pgdump"
PG_TIMEOUT_S = 3600


class DatabaseCopyError(Exception):
    """The database could not be copied out or put back (the reason, and the tool's own words)."""


@dataclass(frozen=True)
class DatabaseCopy:
    backend: str                       # sqlite | postgresql
    member: str                        # its name in the archive
    path: str                          # the copy on disk
    revision: str                      # Alembic revision of its schema ("" when it has none)


def backend_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseCopyError(f"{backend} databases are not backed up (SQLite and PostgreSQL are)")
    return backend


def copy_out(url: str, work_dir: str) -> DatabaseCopy:
    """A consistent copy of the database at `url` in `work_dir`."""
    if backend_of(url) == "sqlite":
        target = os.path.join(work_dir, os.path.basename(SQLITE_MEMBER))
        try:
            copy_database(sqlite_path(url), target)
        except SqliteFileError as exc:
            raise DatabaseCopyError(str(exc)) from None
        return DatabaseCopy("sqlite", SQLITE_MEMBER, target, _sqlite_revision(target))
    target = os.path.join(work_dir, os.path.basename(PG_MEMBER))
    revision = _pg_revision(url)
    _pg_run("pg_dump", url, ["--format=custom", "--compress=6", f"--file={target}"])
    return DatabaseCopy("postgresql", PG_MEMBER, target, revision)


def put_back(url: str, copy_path: str, backend: str) -> None:
    """The archived database (a file at `copy_path`) into the database at `url`, replacing its contents."""
    if backend_of(url) != backend:
        raise DatabaseCopyError(f"the archive holds a {backend} database; [database] url is {backend_of(url)}: "
                                f"restore into a {backend} database")
    if backend == "sqlite":
        target = sqlite_path(url)
        for side in ("-wal", "-shm", "-journal"):          # an old WAL replayed over the copy would corrupt it
            if os.path.exists(target + side):
                os.unlink(target + side)
        try:
            copy_database(copy_path, target)
        except SqliteFileError as exc:
            raise DatabaseCopyError(str(exc)) from None
        return
    _pg_run("pg_restore", url, ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                                "--exit-on-error", copy_path])


def _sqlite_revision(path: str) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else ""
    except sqlite3.Error:
        return ""
    finally:
        conn.close()


def _pg_revision(url: str) -> str:
    from telephonist.storage import current_revision
    try:
        return current_revision(url) or ""
    except Exception as exc:                       # unreachable server, wrong password: pg_dump would fail too
        raise DatabaseCopyError(f"cannot read the database: {str(exc).splitlines()[0]}") from None


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> int:
        m = re.search(r"/postgresql/(\d+)/", path)
        return int(m.group(1)) if m else 0
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if not candidates:
        raise DatabaseCopyError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return candidates[-1]


def _pg_run(tool: str, url: str, args: list[str]) -> None:
    """Run pg_dump/pg_restore against `url`; the password goes in the environment, never on the command line."""
    u = make_url(url)
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)) if v is not None})
    try:
        proc = subprocess.run([pg_tool(tool), f"--dbname={u.database}", *args], env=env, capture_output=True,
                              text=True, timeout=PG_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DatabaseCopyError(f"{tool}: {exc}") from None
    if proc.returncode != 0:
        raise DatabaseCopyError(f"{tool} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
