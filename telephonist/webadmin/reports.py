"""Reports: calls per hour, day or month; IVR self-service use by type, IVR outcomes, fax traffic and
satisfaction by agent (ivrstats.py); queues and agents (acdreports.py). Each with a chart and exportable as
CSV or XLSX."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, render_template, request

from telephonist.webadmin import acdreports, charts, db, export, ivrstats, stats
from telephonist.webadmin.calllog import parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

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


def _dates(default_range) -> tuple[datetime, datetime]:
    """The report's range: the `since` and `until` days asked for, else default_range(today, tz)'s."""
    tz = site_tz()
    since, until = default_range(datetime.now(tz).date(), tz)
    since = parse_when(request.args.get("since", ""), tz, "since") or since
    until = parse_when(request.args.get("until", ""), tz, "until", end=True) or until
    if until <= since:
        raise ValueError("'until' must come after 'since'")
    return since, until


def _read(default_range, make):
    """make(conn, since, until) over the range asked for; a range or period it cannot take is a 400 saying why."""
    try:
        since, until = _dates(default_range)
        with db.reading() as conn:
            return make(conn, since, until)
    except ValueError as exc:
        abort(400, description=str(exc))


def _report() -> stats.Traffic:
    tz = site_tz()
    period = request.args.get("period", "hour")
    if period not in stats.PERIODS:
        abort(400, description=f"period: one of {', '.join(stats.PERIODS)}")
    return _read(lambda today, tz: stats.default_range(period, today, tz),
                 lambda conn, since, until: stats.traffic(conn, g.user, period, since, until, tz))


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
    return _read(ivrstats.default_range, lambda conn, since, until: ivrstats.REPORTS[name](conn, since, until, tz))


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


# ---- queue and agent reports (acdreports.py) --------------------------------------------------------------
QUEUE_NAMES = {"offered": "Offered", "answered": "Answered", "abandoned": "Abandoned",
               "abandoned_short": "Abandoned within 5 s", "service_level": "Service level",
               "avg_wait_s": "Average wait (s)", "p90_wait_s": "90th percentile wait (s)",
               "longest_wait_s": "Longest wait (s)", "aht_s": "Average handle time (s)"}
AGENT_NAMES = {"login": "Logged in", "ready": "Ready", "not_ready": "Not ready", "talk": "Talk", "hold": "Hold",
               "wrap_up": "Wrap-up", "calls": "Calls answered", "calls_made": "Calls made",
               "aht": "Average handle time", "occupancy": "Occupancy", "survey_answers": "Survey answers",
               "satisfied": "satisfied"}
STATE_NAMES = {"ready_ms": "Ready", "not_ready_ms": "Not ready", "ringing_ms": "Ringing", "talk_ms": "Talk",
               "hold_ms": "Hold", "wrapup_ms": "Wrap-up", "outbound_ms": "Outbound"}


def _queue_report() -> acdreports.QueueReport:
    interval = request.args.get("interval", "hour")
    if interval not in acdreports.INTERVALS:
        abort(400, description=f"interval: one of {', '.join(acdreports.INTERVALS)}")
    cfg = site().config
    queue = request.args.get("queue", "")
    return _read(lambda today, tz: acdreports.default_range(interval, today, tz),
                 lambda conn, since, until: acdreports.queue_report(
                     conn, interval, since, until, site_tz(), {q.name: q.service_level_s for q in cfg.queues},
                     [queue] if queue else None))


def _agent_report() -> acdreports.AgentReport:
    names = {a.number: a.name for a in site().config.agents}
    return _read(lambda today, tz: acdreports.default_range("day", today, tz),
                 lambda conn, since, until: acdreports.agent_report(
                     conn, since, until, names, acdreports.visible_agents(g.user), now=datetime.now(site_tz())))


@bp.route("/queues")
@requires("reports.view")
def queues():
    rep = _queue_report()
    names = {k: _(v) for k, v in QUEUE_NAMES.items()}
    chart = charts.line_chart(rep.labels, rep.series, names) if rep.rows else None
    return render_template("reports/queues.html", rep=rep, chart=chart, names=names, args=request.args,
                           columns=acdreports.QUEUE_COLUMNS, intervals=acdreports.INTERVALS,
                           queue_names=[q.name for q in site().config.queues])


@bp.route("/agents")
@requires("reports.view")
def agents():
    rep = _agent_report()
    names = {k: _(v) for k, v in AGENT_NAMES.items()}
    states = {k: _(v) for k, v in STATE_NAMES.items()}
    chart = charts.stacked_bars([r["agent"] for r in rep.rows],
                                {k: [round(r["ms"][k] / 60000) for r in rep.rows] for k in acdreports.STATE_SERIES},
                                states) if rep.rows else None
    return render_template("reports/agents.html", rep=rep, chart=chart, names=names, args=request.args,
                           columns=acdreports.AGENT_COLUMNS, own_only=not g.user.can("calls.all"))


def _queue_sheet() -> tuple[str, list[list]]:
    rep = _queue_report()
    return f"queues-{rep.interval}-{rep.since:%Y%m%d}", [["interval", "queue", *acdreports.QUEUE_COLUMNS], *rep.table()]


def _agent_sheet() -> tuple[str, list[list]]:
    rep = _agent_report()
    return (f"agents-{rep.since:%Y%m%d}",
            [["agent", "name", *acdreports.AGENT_COLUMNS, "not_ready_reasons"], *rep.table()])


SHEETS = {"queues": _queue_sheet, "agents": _agent_sheet}


def _sheet(name: str) -> tuple[str, list[list]]:
    if name not in SHEETS:
        abort(404)
    return SHEETS[name]()


@bp.route("/acd/<name>.csv")
@requires("reports.view")
def acd_csv(name: str):
    title, rows = _sheet(name)
    return export.csv_response(f"{title}.csv", rows)


@bp.route("/acd/<name>.xlsx")
@requires("reports.view")
def acd_xlsx(name: str):
    from openpyxl import Workbook
    title, rows = _sheet(name)
    wb = Workbook()
    ws = wb.active
    ws.title = name
    for row in rows:
        export.append_row(ws, row)
    return export.xlsx_response(wb, f"{title}.xlsx")
