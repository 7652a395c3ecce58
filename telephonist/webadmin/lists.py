"""Blacklist (with expiry), VIP list and holidays: rows of ivrd's tables, read by ivrd on each call."""
from __future__ import annotations

import os
import tomllib
from datetime import date, datetime, timedelta

from flask import Blueprint, g, render_template, request

from telephonist.ivrd.flow_loader import SCHEDULES_FILE
from telephonist.webadmin import db, forms, ivrlists, security
from telephonist.webadmin.calllog import parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.ivrlists import ListError
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("lists", __name__, url_prefix="/config", template_folder="templates")


def _done(endpoint: str, message: str | None = None):
    return forms.done(endpoint, message or _("Saved."))


def _refused(endpoint: str, exc: Exception):
    return forms.refused(endpoint, f"{_('Not saved')}: {exc}")


# ---- blacklist ------------------------------------------------------------------------------------
@bp.route("/blacklist")
@requires("config.view")
def blacklist():
    with db.reading() as conn:
        entries = ivrlists.blocked(conn)
    return render_template("config/blacklist.html", entries=entries,
                           default_custom=(datetime.now(site_tz()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))


@bp.route("/blacklist", methods=["POST"])
@requires("config.view", "config.lists")
def block():
    f = request.form
    try:
        custom = parse_when(f.get("until", ""), site_tz(), "until") if f.get("expiry") == "custom" else None
        expires = ivrlists.expiry(f.get("expiry", ""), custom)
        with db.writing() as conn:
            entry_id, new = ivrlists.block(conn, f.get("number", ""), f.get("reason", ""), expires, g.user.username)
    except (ListError, ValueError) as exc:
        return _refused("lists.blacklist", exc)
    security.audit("blacklist_add" if new else "blacklist_renew", f.get("number", "").strip(), entry_id=entry_id,
                   expires_at=expires, reason=f.get("reason", ""))
    return _done("lists.blacklist")


@bp.route("/blacklist/<int:entry_id>/delete", methods=["POST"])
@requires("config.view", "config.lists")
def unblock(entry_id: int):
    with db.writing() as conn:
        number = ivrlists.unblock(conn, entry_id)
    if number:
        security.audit("blacklist_remove", number, entry_id=entry_id)
    return _done("lists.blacklist", _("Deleted."))


@bp.route("/blacklist/purge", methods=["POST"])
@requires("config.view", "config.lists")
def purge():
    with db.writing() as conn:
        n = ivrlists.purge_expired(conn)
    security.audit("blacklist_purge", "", removed=n)
    return _done("lists.blacklist", _("Deleted.") + f" ({n})")


# ---- VIP ------------------------------------------------------------------------------------------
@bp.route("/vip")
@requires("config.view")
def vip():
    with db.reading() as conn:
        return render_template("config/vip.html", entries=ivrlists.vips(conn))


@bp.route("/vip", methods=["POST"])
@requires("config.view", "config.lists")
def add_vip():
    f = request.form
    try:
        with db.writing() as conn:
            entry_id = ivrlists.add_vip(conn, f.get("number", ""), f.get("customer_class", ""), f.get("name", ""),
                                        f.get("target", ""))
    except ListError as exc:
        return _refused("lists.vip", exc)
    security.audit("vip_add", f.get("number", "") or f.get("customer_class", ""), entry_id=entry_id,
                   name=f.get("name", ""), goes_to=f.get("target", ""))
    return _done("lists.vip")


@bp.route("/vip/<int:entry_id>/delete", methods=["POST"])
@requires("config.view", "config.lists")
def remove_vip(entry_id: int):
    with db.writing() as conn:
        what = ivrlists.remove_vip(conn, entry_id)
    if what:
        security.audit("vip_remove", what, entry_id=entry_id)
    return _done("lists.vip", _("Deleted."))


# ---- holidays -------------------------------------------------------------------------------------
def schedule_names() -> list[str]:
    path = os.path.join(site().flows_dir, SCHEDULES_FILE)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return []
    tab = doc.get("schedules", {})
    return sorted(tab) if isinstance(tab, dict) else []


@bp.route("/holidays")
@requires("config.view")
def holidays():
    show_past = request.args.get("past") == "1"
    today = datetime.now(site_tz()).date()
    with db.reading() as conn:
        entries = ivrlists.holiday_list(conn, None if show_past else today - timedelta(days=7))
    return render_template("config/holidays.html", entries=entries, schedules=schedule_names(), show_past=show_past,
                           kinds=ivrlists.HOLIDAY_KINDS)


@bp.route("/holidays", methods=["POST"])
@requires("config.view", "config.lists")
def add_holiday():
    f = request.form
    try:
        first = date.fromisoformat(f.get("day", ""))
        last = date.fromisoformat(f.get("last_day") or f.get("day", ""))
    except ValueError:
        return _refused("lists.holidays", ListError("a date is YYYY-MM-DD"))
    if last < first or (last - first).days > 60:
        return _refused("lists.holidays", ListError("the last day is on or after the first, at most 60 days later"))
    schedule = f.get("schedule", "")
    try:
        with db.writing() as conn:
            d = first
            while d <= last:
                ivrlists.add_holiday(conn, d, f.get("kind", ""), f.get("name", ""), schedule)
                d += timedelta(days=1)
    except ListError as exc:
        return _refused("lists.holidays", exc)
    security.audit("holiday_add", f"{first}..{last}" if last != first else str(first), kind=f.get("kind"),
                   name=f.get("name", ""), schedule=schedule)
    return _done("lists.holidays")


@bp.route("/holidays/<int:entry_id>/delete", methods=["POST"])
@requires("config.view", "config.lists")
def remove_holiday(entry_id: int):
    with db.writing() as conn:
        day = ivrlists.remove_holiday(conn, entry_id)
    if day:
        security.audit("holiday_remove", day, entry_id=entry_id)
    return _done("lists.holidays", _("Deleted."))
