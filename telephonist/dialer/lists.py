"""Importing a campaign's list: CSV / TXT (comma, tab, semicolon or | separated, UTF-8 or GB18030), Excel
.xlsx and Word .docx (its first table: sources.py, which also reads a database query), with a mapping of
columns to the record's fields.

    mapping = {"name": "客户姓名", "phones": ["手机", "固话"], "customer_type": "类型", "id_card": "身份证"}

Columns the mapping does not name are kept as the record's custom fields (what an IVR flow reads out
with `say`, what the agent's pop shows). A row without a usable phone number is rejected with its line;
a row whose first number (or ID card, without numbers) is already in the campaign, or earlier in the
same file, is a duplicate: counted and listed, not imported. Nothing is written unless the file reads.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.store import DialerError, writing

MAPPED = ("name", "phones", "customer_type", "id_card")
PHONE = re.compile(r"^\+?\d{3,20}$")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")      # an e-mail campaign's "numbers"
MAX_ROWS = 200_000


@dataclass
class ImportReport:
    added: int = 0
    duplicates: list[tuple[int, str]] = field(default_factory=list)     # (line, number or ID card)
    rejected: list[tuple[int, str]] = field(default_factory=list)       # (line, why)


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an uploaded list; DialerError when it cannot be read."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(data)
    if lower.endswith(".docx"):
        from telephonist.dialer.sources import read_docx
        return read_docx(data)
    if lower.endswith((".csv", ".txt")):
        return _read_text(data)
    raise DialerError("a list is a .csv, .txt, .xlsx or .docx file")


def _read_text(data: bytes) -> tuple[list[str], list[list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DialerError("the file is neither UTF-8 nor GB18030 text")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        raise DialerError("the file is empty")
    return [c.strip() for c in rows[0]], [[c.strip() for c in r] for r in rows[1:MAX_ROWS + 1]]


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    import zipfile

    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise DialerError(f"the .xlsx file cannot be read: {exc}") from None
    sheet = book.worksheets[0]
    rows = [[_cell(c) for c in r] for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
    book.close()
    rows = [r for r in rows if any(r)]
    if not rows:
        raise DialerError("the first sheet is empty")
    return rows[0], rows[1:]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))           # a phone number Excel keeps as a number
    return str(value).strip()


def check_mapping(header: list[str], mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with every column checked against the header; phones as a list."""
    unknown = [k for k in mapping if k not in MAPPED]
    if unknown:
        raise DialerError(f"the mapping names {', '.join(unknown)}; it maps {', '.join(MAPPED)}")
    phones = mapping.get("phones")
    phones = [phones] if isinstance(phones, str) else list(phones or [])
    if not phones:
        raise DialerError("the mapping needs at least one phone column")
    out = {**mapping, "phones": phones}
    missing = [c for k in MAPPED for c in ([out[k]] if isinstance(out.get(k), str) else out.get(k) or [])
               if c and c not in header]
    if missing:
        raise DialerError(f"the file has no column {', '.join(repr(c) for c in missing)}")
    return out


def _column(row: list[str], col: dict[str, int], name: str) -> str:
    """The cell of a row under a column name ("" for no name, or a short row)."""
    return row[col[name]] if name and col[name] < len(row) else ""


def import_rows(engine: sa.Engine, campaign_id: int, header: list[str], rows: Iterable[list[str]],
                mapping: dict[str, Any]) -> ImportReport:
    mapping = check_mapping(header, mapping)
    col = {name: i for i, name in enumerate(header)}
    used = {c for k in MAPPED for c in ([mapping[k]] if isinstance(mapping.get(k), str) else mapping.get(k) or [])}
    report = ImportReport()
    now = datetime.now(UTC)
    new: list[dict[str, Any]] = []
    with writing(engine) as conn:
        camp = conn.execute(sa.select(T.campaigns.c.mode).where(T.campaigns.c.id == campaign_id)).first()
        if camp is None:
            raise DialerError(f"no campaign {campaign_id}")
        usable = EMAIL if camp.mode == "email" else PHONE
        seen = {k for (k,) in conn.execute(sa.select(T.records.c.dedup_key)
                                          .where(T.records.c.campaign_id == campaign_id))}
        for line, row in enumerate(rows, start=2):
            get = functools.partial(_column, row, col)
            phones: list[str] = []
            for c in mapping["phones"]:
                p = get(c).strip() if usable is EMAIL else re.sub(r"[\s\-()]", "", get(c))
                if p and usable.match(p) and p not in phones:
                    phones.append(p)
            id_card = get(mapping.get("id_card", "")).upper()
            if not phones:
                report.rejected.append((line, "no usable e-mail address" if usable is EMAIL else "no usable phone number"))
                continue
            key = phones[0]
            if key in seen:
                report.duplicates.append((line, key))
                continue
            seen.add(key)
            fields = {h: get(h) for h in header if h and h not in used}
            new.append(dict(campaign_id=campaign_id, name=get(mapping.get("name", "")), id_card=id_card,
                            customer_type=get(mapping.get("customer_type", "")) or "default",
                            phones=json.dumps(phones), fields=json.dumps(fields, ensure_ascii=False),
                            dedup_key=key, state="pending", attempts=0, next_phone=0, updated_at=now))
        if new:
            conn.execute(T.records.insert(), new)
    report.added = len(new)
    return report
