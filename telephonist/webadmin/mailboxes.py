"""Voicemail boxes (rows of voicemail_boxes, read by ivrd's voicemail node): create one, change its
notifications (e-mail, SMS), reset its PIN (hashed by werkzeug like the users' passwords), unlock it."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection
from werkzeug.security import generate_password_hash

from telephonist.ivrd.schema import voicemail_boxes as boxes, voicemail_messages as messages
from telephonist.storage.database import utcnow
from telephonist.webadmin import db, forms, numbers, security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("mailboxes", __name__, url_prefix="/config/voicemail", template_folder="templates")
MAILBOX = re.compile(r"^[0-9]{1,16}$")        # digits a caller keys in: 0-9 only, never '١٢٣'
PIN = re.compile(r"^[0-9]{4,12}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SMS = re.compile(r"^\+?[0-9]{5,20}$")


class BoxError(ValueError):
    pass


def _settings(form: Any, languages: tuple[str, ...]) -> dict[str, Any]:
    email, sms = form.get("email", "").strip(), form.get("sms_number", "").strip()
    if email and not EMAIL.match(email):
        raise BoxError("e-mail: an address like name@example.com, or empty")
    if sms and not SMS.match(sms):
        raise BoxError("SMS: a mobile number, or empty")
    try:
        max_s = numbers.whole(form.get("max_message_s", "") or "120", "longest message (s)", 10, 600)
    except numbers.BadNumber as exc:
        raise BoxError(str(exc)) from None
    language = form.get("language", "") or languages[0]
    if language not in languages:
        raise BoxError(f"language: one of {', '.join(languages)}")
    return {"name": form.get("name", "").strip()[:200], "email": email, "sms_number": sms, "max_message_s": max_s,
            "language": language}


def _pin_hash(pin: str) -> str:
    if not PIN.match(pin):
        raise BoxError("a PIN is 4 to 12 digits 0-9")
    return generate_password_hash(pin, current_app.config["WEB"].password_method)


def list_boxes(conn: Connection) -> list[dict[str, Any]]:
    M = messages.c
    counts = {r.mailbox: (r.total, r.new) for r in conn.execute(
        select(M.mailbox, func.count().label("total"),
               func.sum(case((M.state == "new", 1), else_=0)).label("new"))
        .where(M.state != "deleted").group_by(M.mailbox))}
    out = []
    now = utcnow()
    for r in conn.execute(select(boxes).order_by(boxes.c.mailbox)):
        d = dict(r._mapping)
        d["total"], d["new"] = counts.get(r.mailbox, (0, 0))
        d["locked"] = r.locked_until is not None and r.locked_until > now
        out.append(d)
    return out


@bp.route("/")
@requires("config.view")
def index():
    with db.reading() as conn:
        return render_template("config/mailboxes.html", boxes=list_boxes(conn), languages=site().languages)


@bp.route("/", methods=["POST"])
@requires("config.view", "config.voicemail")
def create():
    f = request.form
    mailbox = f.get("mailbox", "").strip()
    try:
        if not MAILBOX.match(mailbox):
            raise BoxError("a mailbox number is 1 to 16 digits 0-9")
        values = _settings(f, site().languages)
        pin_hash = _pin_hash(f.get("pin", ""))
        with db.writing() as conn:
            if conn.execute(select(boxes.c.id).where(boxes.c.mailbox == mailbox)).first():
                raise BoxError(f"mailbox {mailbox} exists already")
            box_id = conn.execute(insert(boxes).values(mailbox=mailbox, pin_hash=pin_hash, created_at=utcnow(),
                                                       **values)).inserted_primary_key[0]
    except BoxError as exc:
        return forms.refused("mailboxes.index", f"{_('Not saved')}: {exc}")
    security.audit("mailbox_create", mailbox, box_id=box_id, **values)
    flash(_("Saved."), "ok")
    return redirect(url_for("mailboxes.index"))


def _box(conn: Connection, box_id: int):
    row = conn.execute(select(boxes).where(boxes.c.id == box_id)).first()
    if row is None:
        abort(404)
    return row


@bp.route("/<int:box_id>", methods=["POST"])
@requires("config.view", "config.voicemail")
def edit(box_id: int):
    try:
        values = _settings(request.form, site().languages)
        with db.writing() as conn:
            row = _box(conn, box_id)
            conn.execute(update(boxes).where(boxes.c.id == box_id).values(**values))
    except BoxError as exc:
        return forms.refused("mailboxes.index", f"{_('Not saved')}: {exc}")
    security.audit("mailbox_update", row.mailbox, box_id=box_id, **values)
    flash(_("Saved."), "ok")
    return redirect(url_for("mailboxes.index"))


@bp.route("/<int:box_id>/pin", methods=["POST"])
@requires("config.view", "config.voicemail")
def reset_pin(box_id: int):
    try:
        pin_hash = _pin_hash(request.form.get("pin", ""))
    except BoxError as exc:
        return forms.refused("mailboxes.index", f"{_('Not saved')}: {exc}")
    with db.writing() as conn:
        row = _box(conn, box_id)
        conn.execute(update(boxes).where(boxes.c.id == box_id).values(pin_hash=pin_hash, pin_failures=0,
                                                                      locked_until=None))
    security.audit("mailbox_pin_reset", row.mailbox, box_id=box_id)     # never the PIN itself
    flash(_("PIN reset; the mailbox is unlocked."), "ok")
    return redirect(url_for("mailboxes.index"))


@bp.route("/<int:box_id>/unlock", methods=["POST"])
@requires("config.view", "config.voicemail")
def unlock(box_id: int):
    with db.writing() as conn:
        row = _box(conn, box_id)
        conn.execute(update(boxes).where(boxes.c.id == box_id).values(pin_failures=0, locked_until=None))
    security.audit("mailbox_unlock", row.mailbox, box_id=box_id)
    flash(_("Saved."), "ok")
    return redirect(url_for("mailboxes.index"))
