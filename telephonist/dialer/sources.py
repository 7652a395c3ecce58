"""Lists from Word tables (.docx) and from a database query, as (header, rows) for lists.import_rows.

A .docx is read with the standard library (zipfile + expat, which refuses entity expansion bombs): the first
table of the document whose first row names the columns; a merged or empty cell reads "". A database list is
the rows of one query on an SQL source of [[ivrd.sources]], run through ivrd's own lookup code
(telephonist/ivrd/lookup_sources.py): the source is read-only unless it says `writes = true`, and the query
has the source's time limit. Both raise DialerError with what is wrong.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

from telephonist.dialer.store import DialerError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_DOCX_XML = 64 << 20                    # word/document.xml larger than this is refused (a zip bomb)
MAX_ROWS = 200_000


def read_docx(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the document's first table."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML:
                raise DialerError("the .docx file's text is too large")
            root = ElementTree.fromstring(z.read(info))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise DialerError(f"the .docx file cannot be read: {exc}") from None
    table = root.find(f".//{W}tbl")
    if table is None:
        raise DialerError("the .docx file has no table")
    rows = []
    for tr in table.iter(f"{W}tr"):
        cells = ["\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p")).strip()
                 for tc in tr.findall(f"{W}tc")]
        if any(cells):
            rows.append(cells)
        if len(rows) > MAX_ROWS:
            break
    if not rows:
        raise DialerError("the .docx file's table is empty")
    return rows[0], rows[1:]


def read_query(source: Any, sql: str, timeout_ms: int | None = None) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of one query on a lookup source (ivrd's SqlSource, or its config: opened and closed here).
    The header is the query's column names, in its order."""
    from telephonist.ivrd.lookup_sources import LookupFailed, SqlSource
    owned = not isinstance(source, SqlSource)
    if owned:
        if getattr(source, "kind", "sql") != "sql":
            raise DialerError(f"source {source.name!r} is not an SQL source")
        source = SqlSource(source)
    try:
        rows = source.query(sql, {}, timeout_ms or source.cfg.timeout_ms)
    except LookupFailed as exc:
        raise DialerError(f"source {source.cfg.name!r}: {exc}") from None
    finally:
        if owned:
            source.close()
    if not rows:
        return [], []
    header = list(rows[0])
    return header, [["" if r.get(h) is None else _text(r.get(h)) for h in header] for r in rows[:MAX_ROWS]]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
