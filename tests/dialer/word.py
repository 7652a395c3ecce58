"""Word files for the list and script imports, written by python-docx as Word would save them."""
import io

import docx


def word_file(rows: list[list[str]] | None, text_before: str = "") -> bytes:
    """A document with a paragraph (text_before) and, unless rows is None, one table of rows (none: empty)."""
    document = docx.Document()
    if text_before:
        document.add_paragraph(text_before)
    if rows is not None:
        table = document.add_table(rows=len(rows), cols=max((len(r) for r in rows), default=1))
        for tr, values in zip(table.rows, rows):
            for cell, value in zip(tr.cells, values):
                cell.text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
