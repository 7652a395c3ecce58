"""Restore an archive: check it whole against its manifest, then the configuration, the database and
every role's files, each into the folder the configuration names for it; then a report.

Nothing is touched before the archive has been read to the end and every file
found as the manifest says. The daemons of the configuration must be stopped
(running.py) unless the operator forces it. The configuration files come back
into the folder of --config, unless kept (--keep-config: restore into the places
an existing configuration names, another machine's layout or a test location).
The database is replaced, then migrated to this Telephonist's schema, and the
file paths it holds follow folders that moved (relocate.py). Files of the archive
replace files of the same name; other files in the folders stay.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from telephonist.backup import database
from telephonist.backup.archive import ArchiveError, members, verify
from telephonist.backup.layout import roles_of
from telephonist.backup.manifest import Manifest
from telephonist.backup.relocate import moves, relocate
from telephonist.backup.running import running
from telephonist.config import load_config
from telephonist.config.model import Config


class RestoreRefused(Exception):
    """Not restored, and nothing changed: the reason."""


@dataclass
class RestoreReport:
    archive: str
    manifest: Manifest
    config: str = ""
    database: str = ""
    revision: str = ""
    relocated_rows: int = 0
    files: dict[str, int] = field(default_factory=dict)    # role -> files written
    warnings: list[str] = field(default_factory=list)
    report_file: str = ""

    def text(self) -> str:
        m = self.manifest
        lines = [f"restored {self.archive}", f"  taken {m.started_at} on node {m.node} (Telephonist {m.version})",
                 f"  configuration: {self.config}",
                 f"  database: {self.database}, schema {m.database.get('revision') or '-'} -> {self.revision}",
                 f"  file paths in the database moved to new folders: {self.relocated_rows}"]
        lines += [f"  {role}: {n} file(s)" for role, n in self.files.items()]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines) + "\n"


def check_archive(archive: str) -> Manifest:
    return verify(archive)


def restore(archive: str, config_path: str, keep_config: bool = False, force: bool = False) -> RestoreReport:
    """Raises RestoreRefused, ArchiveError or DatabaseCopyError; see the module's docstring."""
    config_path = os.path.abspath(config_path)
    if keep_config and not os.path.exists(config_path):
        raise RestoreRefused(f"{config_path}: no such configuration to keep (leave out --keep-config to restore it)")
    if os.path.exists(config_path) and not force:
        _refuse_if_running(load_config(config_path))
    manifest = verify(archive)
    report = RestoreReport(archive=archive, manifest=manifest)
    if keep_config:
        report.config = f"kept {config_path}"
    else:
        n = _write_files(archive, {"config": os.path.dirname(config_path)}, report).get("config", 0)
        report.config = f"{n} file(s) restored into {os.path.dirname(config_path)}"
    cfg = load_config(config_path)
    _restore_database(archive, manifest, cfg, report)
    folders = {r.name: r.folder for r in roles_of(cfg) if r.name != "config"}
    for role in manifest.roles:
        if role != "config" and role not in folders:
            report.warnings.append(f"the archive's {role} files were not restored: this configuration names no "
                                   f"folder for them")
    report.files = _write_files(archive, {r: f for r, f in folders.items() if r in manifest.roles}, report)
    report.warnings += [f"{e.name} changed while the backup read it: its copy may be damaged"
                        for e in manifest.entries if e.changed]
    report.report_file = _write_report(cfg, report)
    return report


def _refuse_if_running(cfg: Config) -> None:
    found = running(cfg)
    if found:
        raise RestoreRefused("Telephonist is running with this configuration; stop it first "
                             "(systemctl stop telephonist.target), or --force: " + "; ".join(found))


def _restore_database(archive: str, manifest: Manifest, cfg: Config, report: RestoreReport) -> None:
    from telephonist.storage import migrate
    member = manifest.database.get("member", "")
    with tempfile.TemporaryDirectory(prefix="telephonist-restore-") as tmp:
        copy = os.path.join(tmp, os.path.basename(member))
        for info, f in members(archive):
            if info.name == member:
                with open(copy, "wb") as out:
                    while chunk := f.read(1 << 20):
                        out.write(chunk)
                break
        else:
            raise ArchiveError([f"{archive}: the database ({member or 'no member named'}) is not in it"])
        database.put_back(cfg.database.url, copy, manifest.database["backend"])
    report.database = f"{manifest.database['backend']} restored into {_shown(cfg.database.url)}"
    report.revision = migrate(cfg.database.url) or ""
    report.relocated_rows = relocate(cfg.database.url, moves(manifest.roles, {r.name: r.folder for r in roles_of(cfg)}))


def _write_files(archive: str, folders: dict[str, str], report: RestoreReport) -> dict[str, int]:
    """The archive's files of each role in `folders` into its folder (one pass); returns role -> files."""
    owners = {role: _owner_of(folder) for role, folder in folders.items()}
    written = {role: 0 for role in folders}
    for info, f in members(archive):
        role, _, rel = info.name.partition("/")
        folder = folders.get(role)
        if folder is None:
            continue
        target = os.path.normpath(os.path.join(folder, rel))
        if not os.path.realpath(target).startswith(os.path.realpath(folder) + os.sep):   # "..", or a link out
            report.warnings.append(f"{info.name}: would land outside {folder}; not restored")
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + ".restoring"
        with open(tmp, "wb") as out:
            while chunk := f.read(1 << 20):
                out.write(chunk)
        os.chmod(tmp, info.mode & 0o777)
        os.utime(tmp, (info.mtime, info.mtime))
        if owners[role] is not None:
            os.chown(tmp, *owners[role])
        os.replace(tmp, target)
        written[role] += 1
    return written


def _owner_of(folder: str) -> tuple[int, int] | None:
    """Restored files belong to whoever owns their folder (when restoring as root), so the daemons can use
    them; the folder is made when missing."""
    os.makedirs(folder, exist_ok=True)
    if os.geteuid() != 0:
        return None
    st = os.stat(folder)
    return st.st_uid, st.st_gid


def _write_report(cfg: Config, report: RestoreReport) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(cfg.system.state_dir, f"restore-{stamp}.txt")
    os.makedirs(cfg.system.state_dir, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(report.text())
    return path


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
