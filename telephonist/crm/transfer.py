"""Import and export of the customer file (CSV or XLSX, the header row first).

An import maps the file's columns to the customer's fields (``Mapping``: field -> column header; by default a
column named like the field, or like a custom field's name or label). Several phone numbers or addresses in one
cell are separated by ``;``. A line whose customer number exists updates that customer; any other line opens a
new one. Each line is written on its own (a savepoint): a bad line is reported with its line number and why, and
the good ones are kept. Export writes the same columns, so an exported file imports back.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.engine import Connection

from telephonist.crm import store
from telephonist.crm.store import CustomerError, CustomerInput, CustomerSearch

# field -> the header an export writes (and an import finds by default)
COLUMNS = {"number": "number", "name": "name", "class": "class", "region": "region", "id_card": "id_card",
           "phones": "phones", "addresses": "addresses", "status": "status", "opened_at": "opened_at",
           "closed_at": "closed_at"}
IMPORTED = ("number", "name", "class", "region", "id_card", "phones", "addresses")
MAX_ROWS = 100_000
SEPARATOR = ";"


class ImportRefused(CustomerError):
    """The file itself cannot be read (not CSV/XLSX, no header, too many lines)."""


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


@dataclass
class ImportResult:
    opened: int = 0
    updated: int = 0
    errors: list[LineError] | None = None


def read_table(filename: str, data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """The header and the lines of a CSV (UTF-8, a BOM allowed; GB18030 as a fallback) or XLSX file."""
    if filename.lower().endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:                      # openpyxl raises many kinds for a bad file
            raise ImportRefused(f"not an Excel (.xlsx) file: {exc.__class__.__name__}") from None
        rows: Iterable[Iterable[Any]] = wb.active.iter_rows(values_only=True)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportRefused("a CSV file is UTF-8 (or GB18030) text") from None
        rows = csv.reader(io.StringIO(text))
    it = iter(rows)
    try:
        header = [_cell(v).strip() for v in next(it)]
    except StopIteration:
        raise ImportRefused("the file is empty (a header row is needed)") from None
    except csv.Error as exc:
        raise ImportRefused(f"not a CSV file: {exc}") from None
    return header, (list(map(_cell, r)) for r in it)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))                            # a phone number Excel kept as a number
    return str(v)


def default_mapping(header: list[str], custom_fields: list[dict[str, Any]]) -> dict[str, str]:
    """field (or ``custom.NAME``) -> column header, for the columns named like a field."""
    have = set(header)
    out = {f: f for f in IMPORTED if f in have}
    for cf in custom_fields:
        for name in (cf["name"], cf["label"]):
            if name in have:
                out["custom." + cf["name"]] = name
    return out


def import_rows(conn: Connection, header: list[str], rows: Iterator[list[str]], mapping: dict[str, str]
                ) -> ImportResult:
    """Open or update a customer per line (line numbers count the header as line 1)."""
    unknown = sorted(c for c in mapping.values() if c and c not in header)
    if unknown:
        raise ImportRefused(f"no such column(s) in the file: {', '.join(unknown)}")
    if "name" not in mapping and "number" not in mapping:
        raise ImportRefused("map a column to the name (or to the customer number, to update)")
    index = {field: header.index(col) for field, col in mapping.items() if col}
    result = ImportResult(errors=[])
    for n, row in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            raise ImportRefused(f"at most {MAX_ROWS} lines per file")
        if not any(v.strip() for v in row):
            continue
        try:
            with conn.begin_nested():
                opened = _import_line(conn, {f: (row[i] if i < len(row) else "") for f, i in index.items()})
        except CustomerError as exc:
            result.errors.append(LineError(n, str(exc)))
            continue
        if opened:
            result.opened += 1
        else:
            result.updated += 1
    return result


def _import_line(conn: Connection, values: dict[str, str]) -> bool:
    def listed(key: str) -> list[str] | None:
        return [x.strip() for x in values[key].split(SEPARATOR) if x.strip()] if key in values else None
    custom = {k.removeprefix("custom."): v for k, v in values.items() if k.startswith("custom.")}
    number = values.get("number", "").strip()
    data = CustomerInput(name=values.get("name"), id_card=values.get("id_card"), klass=values.get("class"),
                         region=values.get("region"), phones=listed("phones"), addresses=listed("addresses"),
                         custom=custom or None, number=number or None)
    existing = store.by_customer_number(conn, number) if number else None
    if existing is not None:
        if data.name is not None and not data.name.strip():
            data.name = None                          # an empty name cell leaves the name as it is
        store.update_customer(conn, existing["id"], data)
        return False
    store.open_customer(conn, data)
    return True


def export_rows(conn: Connection, s: CustomerSearch, limit: int = MAX_ROWS) -> Iterator[list[Any]]:
    """The header, then one line per customer found (the import's columns; custom fields by name)."""
    custom = [f["name"] for f in store.fields(conn)]
    yield list(COLUMNS.values()) + custom
    offset, page = 0, 1000
    while offset < limit:
        batch = store.search(conn, s, limit=min(page, limit - offset), offset=offset, with_addresses=True)
        for c in batch:
            yield [c["number"], c["name"], c["klass"], c["region"], c["id_card"] or "",
                   SEPARATOR.join(c["phones"]), SEPARATOR.join(c["addresses"]), c["status"],
                   c["opened_at"], c["closed_at"]] + [c["custom"].get(k, "") for k in custom]
        if len(batch) < page:
            break
        offset += page
