"""Lists from Word tables (.docx) and from a database query, as (header, rows) for lists.import_rows.

A .docx is read with python-docx (its XML parser resolves no entities; the unpacked size is capped first): the
first table of the document, whose first row names the columns; a merged cell counts once, an empty one reads "". A database list is
the rows of one query on an SQL source of [[ivrd.sources]], run through ivrd's own lookup code
(telephonist/ivrd/lookup_sources.py): the source is read-only unless it says `writes = true`, and the query
has the source's time limit. Both raise DialerError with what is wrong.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any

from telephonist.dialer.store import DialerError

MAX_DOCX_XML = 64 << 20                    # a .docx that unpacks to more than this is refused (a zip bomb)
MAX_ROWS = 200_000


def read_docx(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the document's first table (python-docx); a cell merged across columns counts once."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_DOCX_XML:
                raise DialerError("the .docx file's text is too large")
    except zipfile.BadZipFile as exc:
        raise DialerError(f"the .docx file cannot be read: {exc}") from None
    import docx
    from docx.opc.exceptions import OpcError
    try:
        document = docx.Document(io.BytesIO(data))
    except (OpcError, KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as exc:  # lxml's XMLSyntaxError too
        raise DialerError(f"the .docx file cannot be read: {exc or type(exc).__name__}") from None
    if not document.tables:
        raise DialerError("the .docx file has no table")
    rows = []
    for row in document.tables[0].rows:
        cells, seen = [], set()
        for cell in row.cells:
            cells.append("" if id(cell._tc) in seen else cell.text.strip())
            seen.add(id(cell._tc))
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
