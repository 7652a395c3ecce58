"""Reports: calls per hour, day or month; IVR self-service use by type, IVR outcomes, fax traffic and
satisfaction by agent (ivrstats.py). Each with a chart and exportable as CSV or XLSX."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, render_template, request

from telephonist.webadmin import charts, db, export, ivrstats, stats
from telephonist.webadmin.calllog import parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
SERIES_NAMES = {"total": "Total", "answered": "Answered", "missed": "Missed", "abandoned": "Abandoned"}
TITLES = {"ivr": "IVR self-service use", "outcomes": "IVR outcomes", "fax": "Fax traffic",
          "survey": "Satisfaction by agent"}
COLUMN_NAMES = {  # what a column of the IVR reports is called on the page (tags are shown as they are)
    "hangup": "caller hung up", "abandoned": "abandoned", "queue": "to a queue", "extension": "to an extension",
    "external": "to an outside number", "voicemail": "voicemail", "fax": "fax", "fallback": "fallback",
    "open": "still in the IVR", "satisfied": "satisfied", "neutral": "neutral", "dissatisfied": "dissatisfied",
    "complaint": "complaint", "inbound ok": "received", "inbound failed": "failed to receive",
    "outbound ok": "sent", "outbound failed": "failed to send"}


def _report() -> stats.Traffic:
    tz = site_tz()
    period = request.args.get("period", "hour")
    if period not in stats.PERIODS:
        abort(400, description=f"period: one of {', '.join(stats.PERIODS)}")
    since, until = stats.default_range(period, datetime.now(tz).date(), tz)
    try:
        since = parse_when(request.args.get("since", ""), tz, "since") or since
        until = parse_when(request.args.get("until", ""), tz, "until", end=True) or until
        with db.reading() as conn:
            return stats.traffic(conn, g.user, period, since, until, tz)
    except ValueError as exc:
        abort(400, description=str(exc))


@bp.route("/")
@requires("reports.view")
def traffic():
    rep = _report()
    names = {k: _(v) for k, v in SERIES_NAMES.items()}
    chart = charts.line_chart(rep.labels, rep.rows, names)
    totals = rep.totals()
    rate = f"{100 * totals['answered'] / totals['total']:.1f}%" if totals["total"] else "-"
    return render_template("reports/traffic.html", rep=rep, chart=chart, totals=totals, rate=rate,
                           names=names, args=request.args)


@bp.route("/traffic.csv")
@requires("reports.view")
def traffic_csv():
    rep = _report()
    return export.csv_response(f"traffic-{rep.period}.csv", [[rep.period, *stats.SERIES], *rep.table()])


@bp.route("/traffic.xlsx")
@requires("reports.view")
def traffic_xlsx():
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    rep = _report()
    wb = Workbook()
    ws = wb.active
    ws.title = f"per {rep.period}"
    ws.append([rep.period, *stats.SERIES])
    for row in rep.table():
        export.append_row(ws, row)
    if rep.labels:
        chart = LineChart()
        chart.title = f"Calls per {rep.period}"
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(stats.SERIES), min_row=1, max_row=1 + len(rep.labels)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(rep.labels)))
        ws.add_chart(chart, "G2")
    return export.xlsx_response(wb, f"traffic-{rep.period}.xlsx")


# ---- IVR, fax and survey reports (cross tables) -----------------------------------------------
def _crosstab(name: str) -> ivrstats.Crosstab:
    if name not in ivrstats.REPORTS:
        abort(404)
    tz = site_tz()
    since, until = ivrstats.default_range(datetime.now(tz).date(), tz)
    try:
        since = parse_when(request.args.get("since", ""), tz, "since") or since
        until = parse_when(request.args.get("until", ""), tz, "until", end=True) or until
        with db.reading() as conn:
            return ivrstats.REPORTS[name](conn, since, until, tz)
    except ValueError as exc:
        abort(400, description=str(exc))


def _names(tab: ivrstats.Crosstab) -> dict[str, str]:
    return {c: _(COLUMN_NAMES[c]) if c in COLUMN_NAMES else c for c in tab.columns}


@bp.route("/<name>")
@requires("reports.view")
def crosstab(name: str):
    tab = _crosstab(name)
    names = _names(tab)
    if name == "survey":
        chart = charts.stacked_bars(tab.rows, tab.counts, names)
        rates = [ivrstats.satisfied_rate(tab, i) for i in range(len(tab.rows))]
        overall = ivrstats.satisfied_rate(tab)
    else:
        chart = charts.line_chart(tab.rows, tab.counts, names)
        rates, overall = [], ""
    return render_template("reports/crosstab.html", tab=tab, title=TITLES[name], chart=chart, names=names,
                           totals=tab.totals(), rates=rates, overall=overall, args=request.args)


def _header(tab: ivrstats.Crosstab) -> list[str]:
    return [tab.row_header, *tab.columns, "total"] + (["satisfied %"] if tab.name == "survey" else [])


def _rows(tab: ivrstats.Crosstab) -> list[list]:
    out = []
    for i, row in enumerate(tab.table()):
        out.append(row + [tab.row_total(i)] + ([ivrstats.satisfied_rate(tab, i)] if tab.name == "survey" else []))
    return out


@bp.route("/export/<name>.csv")
@requires("reports.view")
def crosstab_csv(name: str):
    tab = _crosstab(name)
    return export.csv_response(f"{name}-{tab.since:%Y%m%d}.csv", [_header(tab), *_rows(tab)])


@bp.route("/export/<name>.xlsx")
@requires("reports.view")
def crosstab_xlsx(name: str):
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    tab = _crosstab(name)
    wb = Workbook()
    ws = wb.active
    ws.title = name
    export.append_row(ws, _header(tab))
    for row in _rows(tab):
        export.append_row(ws, row)
    if tab.rows and tab.columns:
        chart = BarChart() if name == "survey" else LineChart()
        if name == "survey":
            chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title = TITLES[name]
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(tab.columns), min_row=1, max_row=1 + len(tab.rows)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(tab.rows)))
        ws.add_chart(chart, f"{chr(ord('A') + min(len(tab.columns) + 3, 20))}2")
    return export.xlsx_response(wb, f"{name}-{tab.since:%Y%m%d}.xlsx")
