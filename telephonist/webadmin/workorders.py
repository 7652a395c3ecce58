"""Work orders in the console: the list (search, filter), an order's page (fields, history, comments,
attachments, the moves the user may make), creating one (also from the agent desktop's pop), and the
field crews' mobile page (/crew: their orders, take one, finish it with a note and a photo).

Handlers read the form and call telephonist/workorders/store.py, which checks and raises OrderError;
each change is audited. The order types and units come from workorders.toml (`wo_config()`), reread
when the file changes."""
from __future__ import annotations

import os
import re
from datetime import datetime

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, url_for

from telephonist.webadmin import db, forms, numbers, security
from telephonist.webadmin.calllog import parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site
from telephonist.workorders import attachments, sms, store, workflow
from telephonist.workorders.config import PRIORITIES, ConfigFile, WorkOrderConfig, config_path
from telephonist.workorders.store import NewOrder, OrderError, Search
from telephonist.workorders.sweep import reminders_for

bp = Blueprint("workorders", __name__, template_folder="templates")
STATES = [s.value for s in workflow.State]


@bp.app_context_processor
def _types_for_templates() -> dict:
    """workorder_types(): the configured types, for the agent desktop's pop (its "new work order" form)."""
    return {"workorder_types": lambda: list(wo_config().types.values())}


def wo_config() -> WorkOrderConfig:
    files = current_app.extensions.get("workorders_config")
    if files is None:
        cfg_path = site().config_path or current_app.config["WEB"].config_path
        folder = os.path.dirname(os.path.abspath(cfg_path)) if cfg_path else "/etc/telephonist"
        files = current_app.extensions.setdefault("workorders_config", ConfigFile(config_path(folder)))
    return files.get()


def now() -> datetime:
    """The platform's now (chand's engine clock, workorders/clock.py), asked once per request; the wall clock,
    logged, when chand cannot be reached."""
    if "wo_now" not in g:
        from telephonist.client import ApiCallError
        from telephonist.webadmin.livefeed import FeedUnavailable
        from telephonist.workorders import clock
        feed = current_app.extensions.get("chand_feed")
        try:
            status = feed.status() if feed is not None else None
            g.wo_now = clock.settle(status, "" if feed is not None else "no chand feed")
        except (FeedUnavailable, ApiCallError) as exc:
            g.wo_now = clock.settle(None, str(exc))
    return g.wo_now


def viewer(cfg: WorkOrderConfig) -> store.Viewer:
    u = g.user
    return store.viewer(cfg, u.username, u.can("workorders.all"), u.can("workorders.dispatch"))


def search_from(args, tz) -> Search:
    return Search(text=args.get("q", "").strip()[:100], type=args.get("type", ""), state=args.get("state", ""),
                  unit=args.get("unit", ""), assignee=args.get("assignee", "").strip(),
                  overdue=args.get("overdue") == "1", escalated=args.get("escalated") == "1",
                  since=parse_when(args.get("since", ""), tz, "since"),
                  until=parse_when(args.get("until", ""), tz, "until", end=True))


def new_order_from(data, source: str) -> NewOrder:
    """A NewOrder from a form or a JSON body (fields: f_NAME in a form, `fields` in JSON)."""
    fields = data.get("fields") if isinstance(data.get("fields"), dict) else {
        k[2:]: v for k, v in data.items() if k.startswith("f_") and v != ""}
    customer = data.get("customer_id")
    if isinstance(customer, str):
        customer = int(customer) if re.fullmatch(r"[0-9]{1,18}", customer.strip()) else (None if not customer.strip() else -1)
    return NewOrder(type=str(data.get("type", "")), priority=str(data.get("priority") or "normal"),
                    title=str(data.get("title", "")), description=str(data.get("description", "")),
                    fields=fields, caller_number=str(data.get("caller_number", "")),
                    caller_name=str(data.get("caller_name", "")), account=str(data.get("account", "")),
                    customer_id=customer, call_id=str(data.get("call_id") or "") or None,
                    unit=str(data.get("unit", "")), source=source)


# ---- list --------------------------------------------------------------------------------------------------
@bp.route("/workorders/")
@requires("workorders.view")
def index():
    cfg = wo_config()
    try:
        s = search_from(request.args, site_tz())
    except ValueError as exc:
        abort(400, description=str(exc))
    offset = numbers.arg(request.args, "offset", 0, 0, 10**12)
    t = now()
    with db.reading() as conn:
        total, rows = store.search(conn, viewer(cfg), s, t, 100, offset)
        mine = reminders_for(conn, cfg, g.user.username)
    return render_template("workorders/list.html", cfg=cfg, rows=rows, total=total, s=s, offset=offset,
                           states=STATES, overdue={r["id"] for r in rows if store.is_overdue(r, t)}, mine=mine,
                           problems=current_app.extensions["workorders_config"].problems
                           if g.user.can("workorders.dispatch") else [])


# ---- create ----------------------------------------------------------------------------------------------
@bp.route("/workorders/new")
@requires("workorders.view", "workorders.create")
def new():
    cfg = wo_config()
    chosen = request.args.get("type") or request.form.get("type") or next(iter(cfg.types), "")
    return render_template("workorders/new.html", cfg=cfg, chosen=chosen, priorities=PRIORITIES,
                           given=request.form if request.method == "POST" else request.args)


@bp.route("/workorders/new", methods=["POST"])
@requires("workorders.view", "workorders.create")
def create():
    cfg = wo_config()
    source = "desk" if request.form.get("source") == "desk" else "console"
    try:
        with db.writing() as conn:
            oid = store.create(conn, cfg, new_order_from(request.form, source), g.user.username, now())
    except OrderError as exc:
        return forms.refused("workorders.new", f"{_('Not saved')}: {exc}")
    security.audit("workorder_create", f"workorder:{oid}", type=request.form.get("type"), source=source)
    return forms.done("workorders.order", _("Work order {id} created.").replace("{id}", str(oid)), order_id=str(oid))


# ---- one order -------------------------------------------------------------------------------------------
def _visible(conn, cfg: WorkOrderConfig, order_id: int) -> dict:
    order = store.get(conn, order_id)
    if order is None or not viewer(cfg).may_see(order):
        abort(404)
    return order


@bp.route("/workorders/<int:order_id>")
@requires("workorders.view")
def order(order_id: int):
    cfg = wo_config()
    with db.reading() as conn:
        o = _visible(conn, cfg, order_id)
        hist = store.history_of(conn, order_id)
        files = attachments.of_order(conn, order_id)
        texts = sms.of_order(conn, order_id)
    v = viewer(cfg)
    return render_template("workorders/order.html", cfg=cfg, o=o, history=hist, files=files, texts=texts,
                           moves=workflow.allowed(workflow.State(o["state"]), v.roles(o)),
                           overdue=store.is_overdue(o, now()), t=cfg.types.get(o["type"]))


@bp.route("/workorders/<int:order_id>/move", methods=["POST"])
@requires("workorders.view")
def move(order_id: int):
    cfg = wo_config()
    f = request.form
    name = f.get("move", "")
    try:
        with db.writing() as conn:
            store.move(conn, cfg, order_id, name, viewer(cfg), f.get("note", ""), now(),
                       unit=f.get("unit", ""), assignee=f.get("assignee", "").strip())
            upload = request.files.get("photo")
            if upload is not None and upload.filename:
                attachments.save_upload(conn, cfg, order_id, viewer(cfg), upload.filename,
                                        upload.read(attachments.MAX_BYTES + 1), now())
    except OrderError as exc:
        return _refused(order_id, exc)
    security.audit("workorder_move", f"workorder:{order_id}", move=name, unit=f.get("unit", ""),
                   assignee=f.get("assignee", ""))
    return _redirect(order_id, _("Saved."))


@bp.route("/workorders/<int:order_id>/comment", methods=["POST"])
@requires("workorders.view")
def comment(order_id: int):
    cfg = wo_config()
    try:
        with db.writing() as conn:
            store.comment(conn, order_id, viewer(cfg), request.form.get("text", "")[:4000], now())
    except OrderError as exc:
        return _refused(order_id, exc)
    security.audit("workorder_comment", f"workorder:{order_id}")
    return _redirect(order_id, _("Saved."))


@bp.route("/workorders/<int:order_id>/attach", methods=["POST"])
@requires("workorders.view")
def attach(order_id: int):
    cfg = wo_config()
    f = request.form
    try:
        with db.writing() as conn:
            if f.get("kind") in ("recording", "fax"):
                if not re.fullmatch(r"[0-9]{1,18}", f.get("ref_id", "")):
                    raise OrderError(_("Give the number of the call or the fax."))
                aid = attachments.link(conn, order_id, viewer(cfg), f["kind"], int(f["ref_id"]), now())
            else:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise OrderError(_("Choose a file."))
                aid = attachments.save_upload(conn, cfg, order_id, viewer(cfg), upload.filename,
                                              upload.read(attachments.MAX_BYTES + 1), now())
    except OrderError as exc:
        return _refused(order_id, exc)
    security.audit("workorder_attach", f"workorder:{order_id}", attachment=aid, kind=f.get("kind", "file"))
    return _redirect(order_id, _("Saved."))


@bp.route("/workorders/<int:order_id>/attachments/<int:attachment_id>")
@requires("workorders.view")
def attachment(order_id: int, attachment_id: int):
    cfg = wo_config()
    with db.reading() as conn:
        _visible(conn, cfg, order_id)
        row = next((a for a in attachments.of_order(conn, order_id) if a["id"] == attachment_id), None)
    if row is None:
        abort(404)
    if row["kind"] == "recording":
        return redirect(url_for("calls.detail", leg_id=row["ref_id"]))
    if row["kind"] == "fax":
        return redirect(url_for("inbox.fax_detail", fax_id=row["ref_id"]))
    path = attachments.file_of(cfg, row)
    if path is None:
        abort(404)
    return send_file(path, mimetype=row["mime"] or "application/octet-stream", download_name=row["name"])


def _redirect(order_id: int, message: str):
    target = "workorders.crew" if request.form.get("back") == "crew" else "workorders.order"
    return forms.done(target, message, **({} if target == "workorders.crew" else {"order_id": str(order_id)}))


def _refused(order_id: int, exc: Exception):
    from flask import flash
    flash(f"{_('Not saved')}: {exc}", "error")
    if request.form.get("back") == "crew":
        return crew(), 400
    return order(order_id), 400


# ---- the field crews' page -----------------------------------------------------------------------------
@bp.route("/crew")
@requires("workorders.view")
def crew():
    cfg = wo_config()
    v = viewer(cfg)
    mine = store.Viewer(v.username, False, v.units, False)       # a crew member's own, even for an office user
    with db.reading() as conn:
        _, rows = store.search(conn, mine, Search(state="open"), now(), 200)
        reminded = reminders_for(conn, cfg, v.username)
    rows = [r for r in rows if r["state"] in ("dispatched", "in_progress") and
            (r["assignee"] in (None, v.username)) and (r["unit"] in v.units or r["assignee"] == v.username)]
    return render_template("workorders/crew.html", cfg=cfg, rows=rows, t=now(), mine=reminded)


# ---- report ----------------------------------------------------------------------------------------------
def _report():
    from datetime import timedelta

    from telephonist.workorders import reports
    cfg, tz = wo_config(), site_tz()
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        since = parse_when(request.args.get("since", ""), tz, "since") or today - timedelta(days=30)
        until = parse_when(request.args.get("until", ""), tz, "until", end=True) or today + timedelta(days=1)
    except ValueError as exc:
        abort(400, description=str(exc))
    with db.reading() as conn:
        rep = reports.build(conn, cfg, since, until, now())
    return cfg, rep, since, until, reports.table(rep, cfg)


@bp.route("/workorders/report")
@requires("workorders.view", "reports.view")
def report():
    cfg, rep, since, until, _rows = _report()
    return render_template("workorders/report.html", cfg=cfg, rep=rep, since=since, until=until)


@bp.route("/workorders/report.<fmt>")
@requires("workorders.view", "reports.view")
def report_export(fmt: str):
    from openpyxl import Workbook

    from telephonist.webadmin import export
    _cfg, _rep, since, _until, rows = _report()
    name = f"workorders-{since:%Y%m%d}"
    if fmt == "csv":
        return export.csv_response(f"{name}.csv", rows)
    if fmt != "xlsx":
        abort(404)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("workorders")
    for row in rows:
        export.append_row(ws, row)
    return export.xlsx_response(wb, f"{name}.xlsx")
