"""Take a backup: the database, then every role's files, then the manifest, into one archive at the
destination; then keep only the newest archives there."""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from telephonist import __version__
from telephonist.backup import database
from telephonist.backup.archive import ArchiveWriter
from telephonist.backup.destination import LocalFolder, RemoteFolder, archive_name, destination_of, keep_newest
from telephonist.backup.layout import files_of, is_sqlite, left_out, roles_of
from telephonist.backup.manifest import Manifest
from telephonist.config.model import Config
from telephonist.storage.sqlite_files import SqliteFileError, copy_database

log = logging.getLogger("telephonist.backup")


@dataclass
class BackupResult:
    archive: str                       # where it is now (a path, or user@host:/path)
    size: int
    files: int
    bytes: int                         # of the files, before compression
    database: dict[str, str]
    skipped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)   # older archives removed to keep the newest


def work_dir_of(cfg: Config) -> str:
    return cfg.backup.work_dir or os.path.join(cfg.system.state_dir, "backup-work")


def take_backup(cfg: Config, destination: str | None = None, keep: int | None = None) -> BackupResult:
    """Raises DatabaseCopyError, DestinationError or OSError (a full disk) with what went wrong; a
    half-made archive is removed."""
    dest = destination_of(destination or cfg.backup.destination, os.path.dirname(cfg.path), cfg.backup.ssh_command)
    started = datetime.now(timezone.utc)
    name = archive_name(cfg.system.node, started)
    staging = dest.staging(work_dir_of(cfg))
    os.makedirs(staging, mode=0o750, exist_ok=True)
    made = os.path.join(staging, name + ".partial")
    fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)     # it holds every secret of the site
    os.close(fd)
    writer = ArchiveWriter(made)
    manifest = Manifest(node=cfg.system.node, version=__version__, started_at=started.isoformat())
    try:
        with tempfile.TemporaryDirectory(prefix="telephonist-backup-", dir=staging) as tmp:
            _add_database(writer, manifest, cfg.database.url, tmp)
            _add_roles(writer, manifest, cfg, dest, tmp)
            manifest.finished_at = datetime.now(timezone.utc).isoformat()
            writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    size = os.path.getsize(made)
    where = dest.put(made, name)
    removed = keep_newest(dest, cfg.system.node, keep or cfg.backup.keep)
    result = BackupResult(archive=where, size=size, files=len(manifest.entries) - 1,
                          bytes=sum(e.size for e in manifest.entries if e.role != "database"),
                          database=manifest.database, skipped=manifest.skipped,
                          changed=[e.name for e in manifest.entries if e.changed], removed=removed)
    log.info("event=backup_taken archive=%s size=%d files=%d removed=%d", where, size, result.files, len(removed))
    return result


def _add_database(writer: ArchiveWriter, manifest: Manifest, url: str, tmp: str) -> None:
    copy = database.copy_out(url, tmp)
    writer.add_file("database", os.path.basename(copy.member), copy.path)
    os.unlink(copy.path)
    manifest.database = {"backend": copy.backend, "revision": copy.revision, "member": copy.member}


def _add_roles(writer: ArchiveWriter, manifest: Manifest, cfg: Config, dest: LocalFolder | RemoteFolder,
               tmp: str) -> None:
    roles = roles_of(cfg)
    ours = (dest.folder if isinstance(dest, LocalFolder) else "", work_dir_of(cfg), tmp)
    skip = left_out(cfg, roles, also=ours)
    for role in roles:
        manifest.roles[role.name] = role.folder
        for rel, path in files_of(role, skip):
            if is_sqlite(path):
                _add_sqlite(writer, role.name, rel, path, tmp)
            else:
                writer.add_file(role.name, rel, path)


def _add_sqlite(writer: ArchiveWriter, role: str, rel: str, path: str, tmp: str) -> None:
    """A SQLite file in a folder (the demo's customer data): a consistent copy, not its bytes mid-write."""
    copy = os.path.join(tmp, "sqlite-copy.db")
    try:
        copy_database(path, copy)
    except SqliteFileError as exc:
        writer.skipped.append(f"{path}: {exc}")
        return
    writer.add_file(role, rel, copy)
    os.unlink(copy)
