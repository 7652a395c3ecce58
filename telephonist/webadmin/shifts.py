"""Shifts in the console (``/shifts``, right ``shifts.edit``): shift patterns, the roster of a week (agents by
day: give agents a pattern for a range of days, or clear them) and the attendance report (each rostered shift
against the agent's logins and logouts in the ACD's agent log: late, early leave, absent). Agents see their own
shifts of the coming days on the desktop (``/shifts/mine``, right ``desk.use``). The store is
telephonist/shifts/."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, abort, g, render_template, request

from telephonist.shifts import attendance, store
from telephonist.shifts.store import ShiftError
from telephonist.webadmin import db, forms, numbers, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.deskqueues import current_config
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("shifts", __name__, url_prefix="/shifts", template_folder="templates")
STATUSES = ("on_time", "late", "early_leave", "late_and_early_leave", "absent", "not_started")
MINE_DAYS = 7


def _today() -> date:
    return datetime.now(site_tz()).date()


def _day(args, name: str, default: date) -> date:
    text = args.get(name, "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ShiftError(f"{name}: a date is YYYY-MM-DD") from None


def _agents() -> list[tuple[str, str]]:
    return [(a.number, a.name) for a in current_config().agents]


@bp.route("/")
@requires("shifts.edit")
def index():
    try:
        monday = _day(request.args, "week", _today())
    except ShiftError:
        abort(400, description="week: a date is YYYY-MM-DD")
    monday -= timedelta(days=monday.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    with db.reading() as conn:
        patterns = store.pattern_list(conn)
        rows = store.roster(conn, days[0], days[-1])
    grid = {(r["agent_id"], r["day"]): r for r in rows}
    agents = _agents()
    known = {a for a, _ in agents}
    agents += [(a, "") for a in sorted({r["agent_id"] for r in rows} - known)]
    return render_template("shifts/index.html", patterns=patterns, days=days, agents=agents, grid=grid,
                           prev=days[0] - timedelta(days=7), next=days[0] + timedelta(days=7))


@bp.route("/patterns", methods=["POST"])
@requires("shifts.edit")
def add_pattern():
    f = request.form
    try:
        grace = numbers.whole(f.get("grace_min", "5"), "grace", 0, 120)
        with db.writing() as conn:
            pattern_id = store.add_pattern(conn, f.get("name", ""), f.get("starts", ""), f.get("ends", ""),
                                           "".join(f.getlist("days")), grace)
    except (ShiftError, numbers.BadNumber) as exc:
        return forms.refused("shifts.index", f"{_('Not saved')}: {exc}")
    security.audit("shift_pattern_add", f.get("name", "").strip(), pattern_id=pattern_id, starts=f.get("starts"),
                   ends=f.get("ends"), days="".join(f.getlist("days")))
    return forms.done("shifts.index", _("Saved."))


@bp.route("/patterns/<int:pattern_id>/delete", methods=["POST"])
@requires("shifts.edit")
def remove_pattern(pattern_id: int):
    try:
        with db.writing() as conn:
            name = store.remove_pattern(conn, pattern_id)
    except ShiftError as exc:
        return forms.refused("shifts.index", f"{_('Not deleted')}: {exc}")
    if name is None:
        abort(404)
    security.audit("shift_pattern_remove", name, pattern_id=pattern_id)
    return forms.done("shifts.index", _("Deleted."))


@bp.route("/roster", methods=["POST"])
@requires("shifts.edit")
def assign():
    """Give the chosen agents a pattern for a range of days (``pattern`` empty: clear those days)."""
    f = request.form
    agents = [a.strip() for a in f.getlist("agents") if a.strip()]
    try:
        first = _day(f, "first", _today())
        last = _day(f, "last", first)
        pattern_id = numbers.whole(f.get("pattern") or "0", "pattern", 0, numbers.ROW_ID_MAX)
        with db.writing() as conn:
            n = (store.assign(conn, agents, pattern_id, first, last) if pattern_id
                 else store.clear(conn, agents, first, last))
    except (ShiftError, numbers.BadNumber) as exc:
        return forms.refused("shifts.index", f"{_('Not saved')}: {exc}")
    security.audit("roster_set" if pattern_id else "roster_clear", ",".join(agents)[:200], pattern_id=pattern_id,
                   first=first, last=last, shifts=n)
    return forms.done("shifts.index", _("Saved.") + f" ({n})", week=first.isoformat())


@bp.route("/attendance")
@requires("shifts.edit")
def attendance_report():
    today = _today()
    try:
        first = _day(request.args, "since", today - timedelta(days=6))
        last = _day(request.args, "until", today)
        if last < first or (last - first).days > 92:
            raise ShiftError("the last day is on or after the first, at most 93 days")
    except ShiftError as exc:
        abort(400, description=str(exc))
    agent = request.args.get("agent", "").strip() or None
    with db.reading() as conn:
        rows = attendance.report(conn, first, last, site_tz(), datetime.now(timezone.utc), agent)
    return render_template("shifts/attendance.html", rows=rows, summary=attendance.summary(rows), since=first,
                           until=last, agent=agent or "", statuses=STATUSES)


@bp.route("/mine")
@requires("desk.use")
def mine():
    """The user's shifts of the coming days (a fragment of the desktop)."""
    today = _today()
    rows = []
    if g.user.agent_id:
        with db.reading() as conn:
            rows = store.roster(conn, today, today + timedelta(days=MINE_DAYS - 1), g.user.agent_id)
    return render_template("agent/_shifts.html", rows=rows, today=today)
