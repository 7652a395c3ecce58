"""Whole SQLite database files: a consistent copy of a live one, and one built from an SQL script.

`copy_database` uses SQLite's online backup API in one step: the copy is one
committed state of the source (a read transaction, which in WAL mode keeps no
writer waiting), however much other connections write meanwhile, and the
source is opened read-only, so the copy never changes it. Both write
the target beside itself first and rename it into place, so a target either
is complete or does not exist.
"""
from __future__ import annotations

import os
import sqlite3
import urllib.parse
from contextlib import closing
from typing import Callable

from sqlalchemy.engine import make_url


class SqliteFileError(Exception):
    """A database file that cannot be copied or built (with the reason)."""


def sqlite_path(url: str) -> str | None:
    """The file of an SQLAlchemy SQLite URL (sqlite:////abs/x.db); None for another database or :memory:."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return os.path.abspath(parsed.database)


def copy_database(source: str, target: str) -> None:
    """`source` (a file path) copied to `target` as one consistent state."""
    if not os.path.isfile(source):
        raise SqliteFileError(f"{source}: no such database file")

    def fill(tmp: str) -> None:
        src = sqlite3.connect(f"file:{urllib.parse.quote(source)}?mode=ro", uri=True)
        try:
            with closing(sqlite3.connect(tmp)) as dst:
                src.backup(dst)           # all pages in one step: no restart when the source is written to
        finally:
            src.close()
    _make(target, fill, f"{source}: cannot copy")


def database_from_sql(sql_file: str, target: str) -> None:
    """A new database at `target` made by running the SQL script `sql_file` (tables and rows)."""
    try:
        with open(sql_file, encoding="utf-8") as f:
            script = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SqliteFileError(f"{sql_file}: cannot read: {exc}") from None

    def fill(tmp: str) -> None:
        with closing(sqlite3.connect(tmp)) as conn:
            conn.executescript(script)
            conn.commit()
    _make(target, fill, sql_file)


def _make(target: str, fill: Callable[[str], None], what: str) -> None:
    """`fill` makes the database at a temporary name beside `target`, which it then becomes."""
    tmp = _fresh(target)
    try:
        fill(tmp)
    except sqlite3.Error as exc:
        _discard(tmp)
        raise SqliteFileError(f"{what}: {exc}") from None
    os.replace(tmp, target)


def _fresh(target: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    tmp = target + ".tmp"
    _discard(tmp)
    return tmp


def _discard(path: str) -> None:
    for p in (path, path + "-journal", path + "-wal", path + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
