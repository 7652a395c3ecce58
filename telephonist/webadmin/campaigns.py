"""Campaigns in the web console: create, edit the strategy live, start / pause / stop, import a list with a
mapping of its columns, the do-not-call list (search, add, delete), and each campaign's results with an
export under its own right. Every change is audited; after one the dialer is asked to look again (`poke`),
and without an answer it sees the change within its minute anyway (docs/dialer.md)."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, g, render_template, request

from telephonist.client import ApiCallError
from telephonist.dialer import results
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import KINDS, MODES, DialerError, DialerStore
from telephonist.dialer.strategy import StrategyError
from telephonist.webadmin import charts, db, forms, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.export import (
    XLSX_MIMETYPE,
    append_row,
    csv_response,
    xlsx_response,
)
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.security import requires

log = logging.getLogger("telephonist.webadmin")
bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")
STATE_ACTIONS = {"start": "running", "pause": "paused", "stop": "stopped"}
DAILY_NAMES = {"dialled": "Records dialled", "answered": "Records answered", "success": "Success",
               "refusals": "Refusals", "wrong_numbers": "Wrong numbers"}
DEFAULT_STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn",
                                            "hours": {"mon-fri": "09:00-12:00,13:30-20:00", "sat": "10:00-16:00"}}},
                    "min_attempts": 1, "max_attempts": 3, "min_interval_s": 600, "max_interval_s": 86400,
                    "retry": {"busy": 600, "no_answer": 1800, "machine": 3600, "failed": 3600},
                    "phone_order": "rotate", "batch": 4}


def _store() -> DialerStore:
    return DialerStore(engine=db.engine())


def _poke() -> None:
    """Ask the dialer to take the change now (it is not an error when it is not running)."""
    feed = current_app.extensions.get("chand_feed")
    try:
        if feed is not None:
            feed.request("dialer", {"action": "poke"}, wait_s=3.0)
    except (FeedUnavailable, ApiCallError) as exc:      # the dialer's own tick finds the change
        log.info("event=dialer_poke_failed error=%s", exc)


def _campaign(campaign_id: int) -> dict:
    with db.reading() as conn:
        from telephonist.dialer.schema import campaigns
        row = conn.execute(campaigns.select().where(campaigns.c.id == campaign_id)).first()
        if row is None:
            abort(404)
        out = dict(row._mapping)
        out["figures"] = results.figures(conn, campaign_id)
        out["export_columns"] = results.export_columns(conn, campaign_id)
        if out["mode"] == "predictive":
            from telephonist.dialer.abandonment import abandonment
            tz = json.loads(out["strategy"]).get("windows", {}).get("default", {}).get("time_zone", "")
            out["abandonment"] = abandonment(conn, campaign_id, datetime.now(UTC), tz if isinstance(tz, str) else "")
    out["strategy_text"] = json.dumps(json.loads(out["strategy"]), ensure_ascii=False, indent=2)
    return out


@bp.route("/")
@requires("campaigns.view")
def index():
    from telephonist.dialer.schema import campaigns
    with db.reading() as conn:
        rows = [dict(r._mapping) for r in conn.execute(campaigns.select().order_by(campaigns.c.id.desc()))]
        for row in rows:
            row["figures"] = results.figures(conn, row["id"])
    return render_template("campaigns/index.html", campaigns=rows, kinds=KINDS, modes=MODES,
                           strategy=json.dumps(DEFAULT_STRATEGY, ensure_ascii=False, indent=2))


@bp.route("/", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def create():
    f = request.form
    try:
        strategy = json.loads(f.get("strategy", "") or "{}")
        cid = _store().create_campaign(f.get("name", "").strip(), f.get("kind", ""), f.get("mode", ""),
                                       f.get("target", "").strip(), f.get("trunk_group", "").strip(), strategy,
                                       caller_id=f.get("caller_id", "").strip(), priority=int(f.get("priority") or 0),
                                       message=_message(f), report_to=f.get("report_to", ""))
    except (ValueError, DialerError, StrategyError) as exc:
        return forms.refused("campaigns.index", f"{_('Not saved')}: {exc}")
    security.audit("campaign_create", f.get("name", "").strip(), campaign_id=cid)
    return forms.done("campaigns.show", _("Saved."), campaign_id=str(cid))


def _message(f) -> dict:
    """The form's message (SMS, e-mail, fax campaigns): {} when it has none."""
    body, subject = f.get("message", "").strip(), f.get("subject", "").strip()
    return {**({"subject": subject} if subject else {}), **({"body": body} if body else {})}


@bp.route("/<int:campaign_id>")
@requires("campaigns.view")
def show(campaign_id: int):
    c = _campaign(campaign_id)
    with db.reading() as conn:
        labels, series = results.over_time(conn, campaign_id, site_tz())
        flags = results.flags(conn, campaign_id)
    names = {k: _(DAILY_NAMES[k]) for k in series}
    chart = charts.line_chart(labels, series, names) if labels else None
    from telephonist.dialer.scripts import search as scripts_found
    return render_template("campaigns/campaign.html", c=c, chart=chart, days=list(zip(labels, *series.values())),
                           daily=[names[k] for k in series], message=json.loads(c.get("message") or "{}"),
                           scripts=scripts_found(db.engine(), limit=500), flags=flags)


@bp.route("/<int:campaign_id>/message", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def message(campaign_id: int):
    f = request.form
    mode = _campaign(campaign_id)["mode"]
    try:
        _store().set_message(campaign_id, mode, _message(f))
        _store().set_report_to(campaign_id, f.get("report_to", ""))
    except DialerError as exc:
        return _refused_here(campaign_id, exc)
    security.audit("campaign_message", str(campaign_id), message=_message(f), report_to=f.get("report_to", ""))
    return forms.done("campaigns.show", _("Saved."), campaign_id=str(campaign_id))


@bp.route("/<int:campaign_id>/report.xlsx")
@requires("campaigns.view", "campaigns.export")
def report(campaign_id: int):
    """The results workbook the account manager gets: figures, days, records."""
    from flask import Response

    from telephonist.dialer.reports import workbook
    _campaign(campaign_id)
    with db.reading() as conn:
        data = workbook(conn, campaign_id, site_tz())
    security.audit("campaign_export", str(campaign_id), which="report", format="xlsx")
    return Response(data, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename=campaign-{campaign_id}-report.xlsx"})


def _refused_here(campaign_id: int, exc: Exception):
    flash(f"{_('Not saved')}: {exc}", "error")
    return show(campaign_id), 400


@bp.route("/<int:campaign_id>/strategy", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def strategy(campaign_id: int):
    try:
        _store().set_strategy(campaign_id, json.loads(request.form.get("strategy", "")))
    except (ValueError, DialerError, StrategyError) as exc:
        return _refused_here(campaign_id, exc)
    security.audit("campaign_strategy", str(campaign_id), strategy=request.form.get("strategy", ""))
    _poke()
    return forms.done("campaigns.show", _("Saved."), campaign_id=str(campaign_id))


@bp.route("/<int:campaign_id>/<action>", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def change_state(campaign_id: int, action: str):
    if action not in STATE_ACTIONS:
        abort(404)
    try:
        _store().set_state(campaign_id, STATE_ACTIONS[action])
    except DialerError as exc:
        return _refused_here(campaign_id, exc)
    security.audit(f"campaign_{action}", str(campaign_id))
    _poke()
    return forms.done("campaigns.show", _("Saved."), campaign_id=str(campaign_id))


@bp.route("/<int:campaign_id>/import", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def import_list(campaign_id: int):
    f, upload = request.form, request.files.get("list")
    mapping = {"phones": [c.strip() for c in f.get("phones", "").split(",") if c.strip()]}
    for key in ("name", "customer_type", "id_card"):
        if f.get(key, "").strip():
            mapping[key] = f.get(key, "").strip()
    try:
        if upload is None or not upload.filename:
            raise DialerError(_("choose a file"))
        header, rows = read_table(upload.filename, upload.read())
        report = import_rows(db.engine(), campaign_id, header, rows, mapping)
    except DialerError as exc:
        return _refused_here(campaign_id, exc)
    security.audit("campaign_import", str(campaign_id), file=upload.filename, added=report.added,
                   duplicates=len(report.duplicates), rejected=len(report.rejected))
    _poke()
    message = _("Imported {added}; duplicates {duplicates}; rejected {rejected}.").format(
        added=report.added, duplicates=len(report.duplicates), rejected=len(report.rejected))
    details = [f"{_('line')} {line}: {_('duplicate')} {key}" for line, key in report.duplicates[:20]] + \
              [f"{_('line')} {line}: {why}" for line, why in report.rejected[:20]]
    return forms.done("campaigns.show", " ".join([message, *details]), campaign_id=str(campaign_id))


def _export(campaign_id: int, fmt: str):
    """The records chosen (`which`) with the columns chosen (`columns`, repeated or comma separated)."""
    which = request.args.get("which", "all")
    columns = [c.strip() for v in request.args.getlist("columns") for c in v.split(",") if c.strip()]
    _campaign(campaign_id)                                       # 404 for no such campaign
    try:
        with db.reading() as conn:
            rows = list(results.export_rows(conn, campaign_id, which, columns or None))
    except ValueError as exc:
        abort(400, str(exc))
    security.audit("campaign_export", str(campaign_id), which=which, format=fmt, records=len(rows) - 1,
                   columns=",".join(rows[0]))
    name = f"campaign-{campaign_id}-{which}.{fmt}"
    if fmt == "csv":
        return csv_response(name, rows)
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("records")
    for row in rows:
        append_row(ws, row)
    return xlsx_response(wb, name)


@bp.route("/<int:campaign_id>/export.csv")
@requires("campaigns.view", "campaigns.export")
def export(campaign_id: int):
    return _export(campaign_id, "csv")


@bp.route("/<int:campaign_id>/export.xlsx")
@requires("campaigns.view", "campaigns.export")
def export_xlsx(campaign_id: int):
    return _export(campaign_id, "xlsx")


# ---- do-not-call -------------------------------------------------------------------------------------
@bp.route("/dnc")
@requires("campaigns.view")
def dnc():
    q = request.args.get("q", "").strip()
    return render_template("campaigns/dnc.html", entries=_store().dnc_search(q, limit=200), q=q)


@bp.route("/dnc", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def dnc_add():
    f = request.form
    try:
        added = _store().dnc_add(f.get("kind", ""), f.get("value", ""), "manual", f"console {g.user.username}")
    except DialerError as exc:
        return forms.refused("campaigns.dnc", f"{_('Not saved')}: {exc}")
    security.audit("dnc_add", f.get("value", "").strip(), kind=f.get("kind", ""), new=added)
    return forms.done("campaigns.dnc", _("Saved.") if added else _("It was on the list already."))


@bp.route("/dnc/delete", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def dnc_delete():
    f = request.form
    if _store().dnc_delete(f.get("kind", ""), f.get("value", "")):
        security.audit("dnc_delete", f.get("value", ""), kind=f.get("kind", ""))
    return forms.done("campaigns.dnc", _("Removed."))

