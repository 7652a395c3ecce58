"""Scheduled imports: `telephonist dialer import-scheduled` (the systemd timer telephonist-dialer-import.timer)
takes in each [[dialer.imports]] entry of the configuration:

    [[dialer.imports]]
    campaign = "gas-bills"
    folder = "/var/lib/telephonist/imports/gas-bills"   # each new .csv/.txt/.xlsx/.docx file ...
    phones = ["手机", "固话"]
    name = "客户姓名"

    [[dialer.imports]]
    campaign = "renewals"
    source = "crm"                                      # ... or an SQL source of [[ivrd.sources]] and a query
    query = "SELECT name, mobile, amount FROM renewals_due"
    phones = ["mobile"]

A file is imported as one by hand is (lists.import_rows: column mapping, custom fields, duplicates), then
moved to done/ (or failed/, when it cannot be read or the campaign is gone) beside a NAME.report.txt that
says what was added, which lines were duplicates and which were rejected. Files younger than `min_age_s` may
still be being written and wait for the next run; names starting with "." are never touched. A query is run
again each time: its rows whose first number the campaign has already are duplicates, so only new customers
are added.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from telephonist.config.model import Config, DialerImport
from telephonist.dialer.lists import ImportReport, import_rows, read_table
from telephonist.dialer.sources import read_query
from telephonist.dialer.store import DialerError, DialerStore

log = logging.getLogger("telephonist.dialer")
LIST_FILES = (".csv", ".txt", ".xlsx", ".docx")


@dataclass
class RunReport:
    """What one run did: per entry, the files or the query taken in."""
    imported: list[dict[str, Any]] = field(default_factory=list)    # {campaign, from, added, duplicates, rejected}
    failed: list[dict[str, Any]] = field(default_factory=list)      # {campaign, from, error}


def mapping_of(imp: DialerImport) -> dict[str, Any]:
    out: dict[str, Any] = {"phones": list(imp.phones)}
    for key in ("name", "customer_type", "id_card"):
        if getattr(imp, key):
            out[key] = getattr(imp, key)
    return out


def run(cfg: Config, engine: sa.Engine, min_age_s: float = 10.0) -> RunReport:
    """Every [[dialer.imports]] entry once."""
    out = RunReport()
    store = DialerStore(engine=engine)
    for imp in cfg.dialer.imports:
        if imp.folder:
            _folder(imp, store, out, min_age_s)
        else:
            _query(imp, cfg, store, out)
    return out


def _query(imp: DialerImport, cfg: Config, store: DialerStore, out: RunReport) -> None:
    where = f"{imp.source}: {imp.query}"
    try:
        cid = store.campaign_id(imp.campaign)
        (source,) = [s for s in cfg.ivrd.sources if s.name == imp.source]
        header, rows = read_query(source, imp.query)
        report = import_rows(store.engine, cid, header, rows, mapping_of(imp)) if rows else ImportReport()
    except (DialerError, ValueError) as exc:
        out.failed.append({"campaign": imp.campaign, "from": where, "error": str(exc)})
        log.warning("event=dialer_import_failed campaign=%s source=%s error=%s", imp.campaign, imp.source, exc)
        return
    _done(out, imp.campaign, where, report)


def _folder(imp: DialerImport, store: DialerStore, out: RunReport, min_age_s: float) -> None:
    try:
        names = sorted(os.listdir(imp.folder))
    except OSError as exc:
        out.failed.append({"campaign": imp.campaign, "from": imp.folder, "error": str(exc)})
        log.warning("event=dialer_import_failed campaign=%s folder=%s error=%s", imp.campaign, imp.folder, exc)
        return
    for name in names:
        path = os.path.join(imp.folder, name)
        if name.startswith(".") or not name.lower().endswith(LIST_FILES) or not os.path.isfile(path):
            continue
        if time.time() - os.path.getmtime(path) < min_age_s:
            continue                                  # perhaps still being written: the next run takes it
        try:
            cid = store.campaign_id(imp.campaign)
            with open(path, "rb") as f:
                header, rows = read_table(name, f.read())
            report = import_rows(store.engine, cid, header, rows, mapping_of(imp))
        except (DialerError, OSError) as exc:
            _move(path, "failed", f"{name}: not imported: {exc}\n")
            out.failed.append({"campaign": imp.campaign, "from": path, "error": str(exc)})
            log.warning("event=dialer_import_failed campaign=%s file=%s error=%s", imp.campaign, path, exc)
            continue
        _move(path, "done", report_text(name, report))
        _done(out, imp.campaign, path, report)


def _done(out: RunReport, campaign: str, where: str, report: ImportReport) -> None:
    out.imported.append({"campaign": campaign, "from": where, "added": report.added,
                         "duplicates": len(report.duplicates), "rejected": len(report.rejected)})
    log.info("event=dialer_imported campaign=%s from=%s added=%d duplicates=%d rejected=%d", campaign, where,
             report.added, len(report.duplicates), len(report.rejected))


def report_text(name: str, report: ImportReport) -> str:
    lines = [(f"{name}: imported {report.added}; duplicates {len(report.duplicates)}; "
              f"rejected {len(report.rejected)} ({datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")]
    lines += [f"line {line}: duplicate {key}" for line, key in report.duplicates]
    lines += [f"line {line}: {why}" for line, why in report.rejected]
    return "\n".join(lines) + "\n"


def _move(path: str, where: str, report: str) -> None:
    """The file to done/ or failed/ beside it (a name taken there gets a time stamp), with its report."""
    folder = os.path.join(os.path.dirname(path), where)
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    target = os.path.join(folder, name)
    if os.path.exists(target):
        target = os.path.join(folder, f"{datetime.now(UTC):%Y%m%d%H%M%S}-{name}")
    shutil.move(path, target)
    with open(target + ".report.txt", "w", encoding="utf-8") as f:
        f.write(report)
