"""Reports: calls per hour, day or month with a chart, exportable as CSV or XLSX."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint, Response, abort, g, render_template, request

from telephonist.webadmin import charts, db, stats
from telephonist.webadmin.calllog import parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
SERIES_NAMES = {"total": "Total", "answered": "Answered", "missed": "Missed", "abandoned": "Abandoned"}


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
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow([rep.period, *stats.SERIES])
    w.writerows(rep.table())
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=traffic-{rep.period}.csv"})


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
        ws.append(row)
    if rep.labels:
        chart = LineChart()
        chart.title = f"Calls per {rep.period}"
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(stats.SERIES), min_row=1, max_row=1 + len(rep.labels)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(rep.labels)))
        ws.add_chart(chart, "G2")
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=traffic-{rep.period}.xlsx"})
