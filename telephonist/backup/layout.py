"""Which folders of a configuration a backup holds, under which role names.

Each role is one folder the configuration names; a restore puts a role's files
into the folder its own configuration names for that role, wherever that is.
A folder inside another (the default recordings folder is inside state_dir) is
its own role and left out of the outer one, as are the database's files (the
database is copied as a whole), the TTS cache (made again when needed), the
backup's own folders, and anything that is not a regular file (the control
socket). A SQLite file met in a folder (the demo's customer databases) is
copied with SQLite's backup API, so it is consistent even while it is written.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

from telephonist.config.model import Config
from telephonist.storage.sqlite_files import sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Role:
    name: str
    folder: str                        # absolute


def roles_of(cfg: Config) -> list[Role]:
    """The roles of a configuration, in backup order; a folder named twice counts once (the first)."""
    named = [("config", os.path.dirname(cfg.path)), ("flows", cfg.ivrd.flows_dir),
             ("prompts", cfg.system.prompts_dir), ("recordings", cfg.system.recordings_dir),
             ("voicemail", cfg.ivrd.voicemail.dir), ("fax", cfg.faxd.spool_dir),
             ("documents", cfg.faxd.documents_dir), ("state", cfg.system.state_dir)]
    roles: list[Role] = []
    for name, folder in named:
        if folder and os.path.abspath(folder) not in {r.folder for r in roles}:
            roles.append(Role(name, os.path.abspath(folder)))
    return roles


def left_out(cfg: Config, roles: list[Role], also: tuple[str, ...] = ()) -> set[str]:
    """Absolute paths no role walks into: the other roles' folders, the database, the TTS cache, `also`."""
    out = {r.folder for r in roles} | {os.path.abspath(p) for p in also if p}
    db = sqlite_path(cfg.database.url)
    if db:
        out |= {db + side for side in ("", *SQLITE_SIDE_FILES)}
    out.add(os.path.abspath(cfg.ivrd.tts_cache_dir or os.path.join(cfg.system.state_dir, "tts")))
    return out


def files_of(role: Role, skip: set[str]) -> Iterator[tuple[str, str]]:
    """(path relative to the role's folder, absolute path) of each regular file, in a stable order."""
    if not os.path.isdir(role.folder):
        return
    for top, dirs, files in os.walk(role.folder):
        dirs[:] = sorted(d for d in dirs if os.path.join(top, d) not in skip)
        for f in sorted(files):
            path = os.path.join(top, f)
            if path in skip or not os.path.isfile(path) or _side_file_of_sqlite(path):
                continue
            yield os.path.relpath(path, role.folder), path


def is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _side_file_of_sqlite(path: str) -> bool:
    """A -wal, -shm or -journal file beside a SQLite database (the database is copied whole)."""
    for side in SQLITE_SIDE_FILES:
        if path.endswith(side) and is_sqlite(path[:-len(side)]):
            return True
    return False
