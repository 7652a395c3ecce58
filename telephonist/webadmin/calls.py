"""The call log: search, a call's detail and events, its recording, CSV/XLSX export."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, render_template, request, send_file

from telephonist.storage.schema import DISPOSITIONS
from telephonist.webadmin import audio, calllog, db, export, numbers, security
from telephonist.webadmin.calllog import EXPORT_COLUMNS, CallSearch
from telephonist.webadmin.security import requires

bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")


def site_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["WEB"].time_zone)


def _search_from_request() -> tuple[CallSearch, str]:
    try:
        return CallSearch.from_args(request.args, site_tz()), ""
    except ValueError as exc:
        return CallSearch(), str(exc)


@bp.route("/")
@requires("calls.view")
def search():
    cfg = current_app.config["WEB"]
    s, error = _search_from_request()
    page = numbers.page(request.args)
    with db.reading() as conn:
        total = calllog.count(conn, g.user, s)
        legs = calllog.search(conn, g.user, s, cfg.page_size, (page - 1) * cfg.page_size)
    return render_template("calls/search.html", legs=legs, total=total, page=page, page_size=cfg.page_size,
                           s=s, args=s.as_args(site_tz()), error=error, dispositions=sorted(DISPOSITIONS),
                           tz=site_tz())


def _visible_leg(leg_id: int) -> dict:
    with db.reading() as conn:
        leg = calllog.get(conn, leg_id)
    if leg is None or not calllog.may_see(leg, g.user):
        abort(404)                    # another agent's call does not exist as far as this user knows
    return leg


@bp.route("/<int:leg_id>")
@requires("calls.view")
def detail(leg_id: int):
    leg = _visible_leg(leg_id)
    with db.reading() as conn:
        events = calllog.events(conn, leg_id)
        others = calllog.other_legs(conn, g.user, leg)
    has_recording = audio.resolve(current_app.config["WEB"].recordings_dir, leg["recording_path"]) is not None
    return render_template("calls/detail.html", leg=leg, events=events, others=others,
                           has_recording=has_recording, tz=site_tz())


def _recording(leg_id: int):
    leg = _visible_leg(leg_id)
    path = audio.resolve(current_app.config["WEB"].recordings_dir, leg["recording_path"])
    if path is None:
        abort(404)
    return leg, path


@bp.route("/<int:leg_id>/recording")
@requires("calls.view", "recordings.listen")
def recording(leg_id: int):
    _, path = _recording(leg_id)
    return audio.wav_response(path)


@bp.route("/<int:leg_id>/recording/download")
@requires("calls.view", "recordings.download")
def download(leg_id: int):
    leg, path = _recording(leg_id)
    security.audit("recording_download", f"leg:{leg_id}", path=leg["recording_path"])
    return send_file(path, mimetype="audio/wav", as_attachment=True,
                     download_name=f"call-{leg_id}-{leg['caller'] or 'unknown'}.wav")


# ---- export -------------------------------------------------------------------------------
def _export_rows():
    s, error = _search_from_request()
    if error:
        abort(400, description=error)
    with db.reading() as conn:
        legs = calllog.search(conn, g.user, s, current_app.config["WEB"].export_limit)
    tz = site_tz()
    for leg in legs:
        yield [_cell(leg[c], tz) for c in EXPORT_COLUMNS]


def _cell(v, tz: ZoneInfo):
    if isinstance(v, datetime):
        return v.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    return v


def _stamp() -> str:
    return datetime.now(site_tz()).strftime("%Y%m%d-%H%M")


@bp.route("/export.csv")
@requires("calls.view", "calls.export")
def export_csv():
    rows = [list(EXPORT_COLUMNS), *_export_rows()]
    security.audit("export_calls", "csv", rows=len(rows) - 1, query=dict(request.args))
    return export.csv_response(f"calls-{_stamp()}.csv", rows)


@bp.route("/export.xlsx")
@requires("calls.view", "calls.export")
def export_xlsx():
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("calls")
    ws.append(list(EXPORT_COLUMNS))
    n = 0
    for row in _export_rows():
        export.append_row(ws, row)
        n += 1
    security.audit("export_calls", "xlsx", rows=n, query=dict(request.args))
    return export.xlsx_response(wb, f"calls-{_stamp()}.xlsx")
