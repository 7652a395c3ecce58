"""File paths kept in the database follow their folders when a restore puts the files somewhere else.

Call records, voicemail and faxes name their files with absolute paths. When a
role's folder differs between the archive's node and the configuration it is
restored with, every path under the old folder is rewritten under the new one,
in one statement per column (the longest old folder first, so a folder inside
another moves with its own role).
"""
from __future__ import annotations

import os

import sqlalchemy as sa

from telephonist.storage.database import WRITE, make_engine

# Every column holding the path of a file in one of the backed-up folders.
PATH_COLUMNS = (("call_legs", "recording_path"), ("voicemail_messages", "path"),
                ("voicemail_boxes", "greeting_path"), ("fax_messages", "tiff_path"),
                ("fax_messages", "pdf_path"), ("fax_jobs", "tiff_path"))


def moves(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """(old folder, new folder) of each role in both that moved, the longest old folder first."""
    pairs = {(os.path.abspath(old[r]), os.path.abspath(new[r])) for r in old if r in new}
    return sorted(((o, n) for o, n in pairs if o != n), key=lambda p: -len(p[0]))


def relocate(url: str, folders: list[tuple[str, str]]) -> int:
    """Rewrite the file paths under each old folder to the new one; returns the rows changed."""
    if not folders:
        return 0
    engine = make_engine(url)
    changed = 0
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            for table, column in PATH_COLUMNS:
                t = sa.table(table, sa.column(column))
                col = t.c[column]
                cases = [(sa.func.substr(col, 1, len(o) + 1) == o + os.sep,
                          sa.literal(n + os.sep) + sa.func.substr(col, len(o) + 2)) for o, n in folders]
                under_any = sa.or_(*(sa.func.substr(col, 1, len(o) + 1) == o + os.sep for o, _ in folders))
                changed += conn.execute(sa.update(t).where(under_any).values({column: sa.case(*cases)})).rowcount
    finally:
        engine.dispose()
    return changed
