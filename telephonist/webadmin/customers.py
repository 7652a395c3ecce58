"""The customer file in the console: search, a customer's page with its timeline, open/edit/close, custom
fields, duplicates and their merge, import (CSV/XLSX with a column mapping) and export.

Rights: customers.view (read), customers.edit (every change, audited), customers.export; a call's recording on
the timeline plays under recordings.listen. The store is telephonist.crm; this module reads the request, calls it
in one transaction and audits what changed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from telephonist.crm import merge, store, timeline, transfer
from telephonist.crm.store import CLASSES, CustomerError, CustomerInput, CustomerSearch, NoSuchCustomer
from telephonist.webadmin import audio, db, export, forms, numbers, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("customers", __name__, url_prefix="/customers", template_folder="templates")


def _search() -> tuple[CustomerSearch, str]:
    try:
        return CustomerSearch.from_args(request.args), ""
    except CustomerError as exc:
        return CustomerSearch(), str(exc)


def _args(s: CustomerSearch) -> dict[str, str]:
    out = {"q": s.text, "status": s.status, "region": s.region}
    if s.klass is not None:
        out["class"] = s.klass
    return {k: v for k, v in out.items() if v or k == "status"}


@bp.route("/")
@requires("customers.view")
def index():
    s, error = _search()
    page, size = numbers.page(request.args), current_app.config["WEB"].page_size
    with db.reading() as conn:
        total = store.count(conn, s)
        rows = store.search(conn, s, size, (page - 1) * size)
    return render_template("customers/index.html", rows=rows, total=total, page=page, page_size=size, s=s,
                           args=_args(s), error=error, classes=CLASSES), 400 if error else 200


def _customer_or_404(conn, customer_id: int) -> dict[str, Any]:
    try:
        return store.get(conn, customer_id)
    except NoSuchCustomer:
        abort(404)


def _form_input() -> CustomerInput:
    f = request.form
    data = CustomerInput.from_mapping({k: f.get(k) for k in ("name", "id_card", "class", "region", "phones",
                                                             "addresses", "pin") if k in f})
    data.custom = {k.removeprefix("custom."): v for k, v in f.items() if k.startswith("custom.")} or None
    data.pin = (data.pin or "").strip() or None
    return data


@bp.route("/new")
@requires("customers.view", "customers.edit")
def new():
    with db.reading() as conn:
        fields = store.fields(conn)
    return render_template("customers/edit.html", c=None, fields=fields, classes=CLASSES,
                           phone=request.args.get("phone", ""))


@bp.route("/new", methods=["POST"])
@requires("customers.view", "customers.edit")
def create():
    try:
        with db.writing() as conn:
            c = store.open_customer(conn, _form_input())
    except CustomerError as exc:
        return forms.refused("customers.new", f"{_('Not saved')}: {exc}")
    security.audit("customer_open", c["number"], customer_id=c["id"], name=c["name"], phones=c["phones"])
    return forms.done("customers.show", _("Saved."), customer_id=c["id"])


@bp.route("/<int:customer_id>")
@requires("customers.view")
def show(customer_id: int):
    with db.reading() as conn:
        c = _customer_or_404(conn, customer_id)
        fields = store.fields(conn)
        entries = timeline.whole(conn, c, timeline.LATEST)
    return render_template("customers/show.html", c=c, fields=fields, entries=entries, classes=CLASSES,
                           kinds=timeline.KINDS)


@bp.route("/<int:customer_id>", methods=["POST"])
@requires("customers.view", "customers.edit")
def update(customer_id: int):
    try:
        with db.writing() as conn:
            before = _customer_or_404(conn, customer_id)
            c = store.update_customer(conn, customer_id, _form_input())
    except CustomerError as exc:
        return _refused_on(customer_id, exc)
    changed = {k: c[k] for k in ("name", "id_card", "klass", "region", "phones", "addresses", "custom")
               if c[k] != before[k]}
    security.audit("customer_edit", c["number"], customer_id=customer_id, pin_set=bool(request.form.get("pin")),
                   **changed)
    return forms.done("customers.show", _("Saved."), customer_id=customer_id)


def _refused_on(customer_id: int, exc: Exception):
    """The customer's page again with the reason (400)."""
    from flask import flash
    flash(f"{_('Not saved')}: {exc}", "error")
    return show(customer_id), 400


@bp.route("/<int:customer_id>/close", methods=["POST"])
@requires("customers.view", "customers.edit")
def close(customer_id: int):
    return _status_change(customer_id, "close")


@bp.route("/<int:customer_id>/reopen", methods=["POST"])
@requires("customers.view", "customers.edit")
def reopen(customer_id: int):
    return _status_change(customer_id, "reopen")


def _status_change(customer_id: int, action: str):
    try:
        with db.writing() as conn:
            _customer_or_404(conn, customer_id)
            c = (store.close_customer if action == "close" else store.reopen_customer)(conn, customer_id)
    except CustomerError as exc:
        return _refused_on(customer_id, exc)
    security.audit(f"customer_{action}", c["number"], customer_id=customer_id)
    return forms.done("customers.show", _("Saved."), customer_id=customer_id)


@bp.route("/<int:customer_id>/timeline", methods=["POST"])
@requires("customers.view", "customers.edit")
def note(customer_id: int):
    try:
        with db.writing() as conn:
            _customer_or_404(conn, customer_id)
            entry = timeline.append(conn, customer_id, request.form.get("kind", "note"),
                                    request.form.get("summary", "").strip() or "—", ref=g.user.username)
    except CustomerError as exc:
        return _refused_on(customer_id, exc)
    security.audit("customer_timeline_add", str(customer_id), entry_id=entry, kind=request.form.get("kind", "note"))
    return forms.done("customers.show", _("Saved."), customer_id=customer_id)


@bp.route("/<int:customer_id>/recording/<int:leg_id>")
@requires("customers.view", "recordings.listen")
def recording(customer_id: int, leg_id: int):
    """The recording of a call on the customer's timeline (a queue call from one of the customer's numbers)."""
    with db.reading() as conn:
        c = _customer_or_404(conn, customer_id)
        leg = timeline.recording_leg(conn, leg_id, c["phones"])
    path = audio.resolve(current_app.config["WEB"].recordings_dir, leg["recording_path"]) if leg else None
    if path is None:
        abort(404)
    security.audit("recording_listen", f"leg:{leg_id}", customer_id=customer_id)
    return audio.wav_response(path)


# ---- custom fields --------------------------------------------------------------------------------
@bp.route("/fields")
@requires("customers.view")
def fields():
    with db.reading() as conn:
        return render_template("customers/fields.html", fields=store.fields(conn))


@bp.route("/fields", methods=["POST"])
@requires("customers.view", "customers.edit")
def set_field():
    f = request.form
    try:
        position = numbers.arg(f, "position", 0, 0, 1000)
        with db.writing() as conn:
            store.set_field(conn, f.get("name", ""), f.get("label", ""), position)
    except CustomerError as exc:
        return forms.refused("customers.fields", f"{_('Not saved')}: {exc}")
    security.audit("customer_field_set", f.get("name", ""), label=f.get("label", ""))
    return forms.done("customers.fields", _("Saved."))


@bp.route("/fields/<name>/delete", methods=["POST"])
@requires("customers.view", "customers.edit")
def remove_field(name: str):
    with db.writing() as conn:
        gone = store.remove_field(conn, name)
    if gone:
        security.audit("customer_field_remove", name)
    return forms.done("customers.fields", _("Deleted."))


# ---- duplicates -----------------------------------------------------------------------------------
@bp.route("/duplicates")
@requires("customers.view")
def duplicates():
    with db.reading() as conn:
        return render_template("customers/duplicates.html", groups=merge.duplicates(conn))


@bp.route("/merge", methods=["POST"])
@requires("customers.view", "customers.edit")
def merge_two():
    f = request.form
    survivor = numbers.arg(f, "survivor", 0, 1, 2**62)
    duplicate = numbers.arg(f, "duplicate", 0, 1, 2**62)
    try:
        with db.writing() as conn:
            moved = merge.merge(conn, survivor, duplicate)
    except CustomerError as exc:
        return forms.refused("customers.duplicates", f"{_('Not merged')}: {exc}")
    security.audit("customer_merge", moved["into"], survivor=survivor, duplicate=duplicate, **moved)
    return forms.done("customers.show", _("Merged."), customer_id=survivor)


# ---- import and export ----------------------------------------------------------------------------
@bp.route("/import")
@requires("customers.view", "customers.edit")
def import_form(result: transfer.ImportResult | None = None):
    with db.reading() as conn:
        custom = store.fields(conn)
    return render_template("customers/import.html", fields=transfer.IMPORTED, custom=custom, result=result)


@bp.route("/import", methods=["POST"])
@requires("customers.view", "customers.edit")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return forms.refused("customers.import_form", f"{_('Not imported')}: {_('choose a CSV or XLSX file')}")
    try:
        header, rows = transfer.read_table(upload.filename, upload.read())
        with db.writing() as conn:
            mapping = transfer.default_mapping(header, store.fields(conn))
            mapping.update({k.removeprefix("map."): v.strip() for k, v in request.form.items()
                            if k.startswith("map.") and v.strip()})
            result = transfer.import_rows(conn, header, rows, mapping)
    except CustomerError as exc:
        return forms.refused("customers.import_form", f"{_('Not imported')}: {exc}")
    security.audit("customer_import", upload.filename, opened=result.opened, updated=result.updated,
                   errors=len(result.errors or []))
    return import_form(result), 200


@bp.route("/export.csv")
@requires("customers.view", "customers.export")
def export_csv():
    return _export("csv")


@bp.route("/export.xlsx")
@requires("customers.view", "customers.export")
def export_xlsx():
    return _export("xlsx")


def _export(fmt: str):
    s, error = _search()
    if error:
        abort(400, description=error)
    tz = site_tz()
    with db.reading() as conn:
        rows = [[v.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v for v in r]
                for r in transfer.export_rows(conn, s)]
    security.audit("customer_export", fmt, rows=len(rows) - 1, **_args(s))
    if fmt == "csv":
        return export.csv_response("customers.csv", rows)
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("customers")
    for row in rows:
        export.append_row(ws, row)
    return export.xlsx_response(wb, "customers.xlsx")


@bp.route("/lookup")
@requires("customers.view")
def lookup():
    """A number typed in (a customer number or a phone): its customer's page, else the search."""
    q = request.args.get("q", "").strip()
    with db.reading() as conn:
        c = store.by_customer_number(conn, q) if q else None
        found = [c] if c else store.by_phone(conn, q)
    if len(found) == 1:
        return redirect(url_for("customers.show", customer_id=found[0]["id"]))
    return redirect(url_for("customers.index", q=q))
