"""Quality in the console: the reviewers' work list and scoring page, agents' own scores and appeals, and the
managers' forms, sampling rules, reviewers' levels, appeals and staff assessment (telephonist/quality/).

A reviewer (quality.review) listens to and scores the calls of agents whose level (the ACD's `[[agents]] level`)
is at most their own reviewing level (set on the Reviewers page); a manager (quality.manage) may score any call.
An agent (quality.view) sees the reviews of their own calls, listens to those calls and appeals a score once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from telephonist.quality import assessment, sampling, store
from telephonist.quality.forms import FormError
from telephonist.webadmin import audio, db
from telephonist.webadmin.deskqueues import current_config
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import audit, requires, requires_any

bp = Blueprint("quality", __name__, url_prefix="/quality", template_folder="templates")


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["WEB"].time_zone)


def _week(arg: str | None) -> tuple[datetime, datetime]:
    """The Monday-to-Monday week (site time) containing the date ``arg`` (default: today)."""
    try:
        day = date.fromisoformat(arg) if arg else datetime.now(_tz()).date()
    except ValueError:
        abort(400, description="a date is YYYY-MM-DD")
    start = datetime.combine(day - timedelta(days=day.weekday()), time(0), _tz())
    return start, start + timedelta(days=7)


def _agent_levels() -> dict[str, int]:
    return {a.number: a.level for a in current_config().agents}


def _reviewable_agents(conn) -> set[str] | None:
    """The agents whose calls the user may score: None for every agent."""
    if g.user.can("quality.manage"):
        return None
    level = store.reviewer_level(conn, g.user.username)
    if level is None:
        return set()
    return {a for a, lv in _agent_levels().items() if lv <= level}


def _may_review(conn, agent: str) -> bool:
    if not g.user.can("quality.review") and not g.user.can("quality.manage"):
        return False
    agents = _reviewable_agents(conn)
    return agents is None or agent in agents


def _points(form: dict[str, Any]) -> dict[int, int]:
    given: dict[int, int] = {}
    for item in form["items"]:
        raw = request.form.get(f"item-{item['id']}", "")
        if not raw.isascii() or not raw.isdigit():
            raise store.QualityError(_("Give every item its points."))
        given[item["id"]] = int(raw)
    return given


@bp.route("/")
@requires_any("quality.review", "quality.manage")
def work():
    since, until = _week(request.args.get("week"))
    with db.reading() as conn:
        agents = _reviewable_agents(conn)
        todo = sampling.work_list(conn, agents)
        calls = store.recorded_calls(conn, since, until, agents)
        level = store.reviewer_level(conn, g.user.username)
    return render_template("quality/work.html", todo=todo, calls=calls, since=since, until=until, level=level,
                           week=since.date().isoformat())


@bp.route("/score/<int:call_row>", methods=["GET", "POST"])
@requires_any("quality.review", "quality.manage")
def score(call_row: int):
    with db.reading() as conn:
        try:
            call = store.recorded_call(conn, call_row)
        except store.QualityError:
            abort(404)
        if not _may_review(conn, call["agent"]):
            abort(403)
        forms = [f for f in store.list_forms(conn) if f["active"]]
        chosen = request.values.get("form", type=int) or (forms[0]["id"] if forms else None)
        form = store.get_form(conn, chosen) if chosen in {f["id"] for f in forms} else None
    if request.method == "POST" and form is not None:
        try:
            with db.writing() as conn:
                rid = store.score_call(conn, form["id"], call_row, g.user.username, _points(form),
                                       request.form.get("comment", "").strip()[:4000])
        except store.QualityError as exc:
            flash(str(exc), "error")
        else:
            audit("quality.score", call["call_id"], review=rid, agent=call["agent"])
            return redirect(url_for("quality.review", review_id=rid))
    return render_template("quality/score.html", call=call, forms=forms, form=form), (
        400 if request.method == "POST" else 200)


@bp.route("/call/<int:call_row>/recording")
@requires("recordings.listen")
def recording(call_row: int):
    with db.reading() as conn:
        try:
            call = store.recorded_call(conn, call_row)
        except store.QualityError:
            abort(404)
        own = g.user.can("quality.view") and g.user.agent_id and call["agent"] == g.user.agent_id
        if not own and not _may_review(conn, call["agent"]):
            abort(403)
    path = audio.resolve(current_app.config["WEB"].recordings_dir, call["recording_path"])
    if path is None:
        abort(404)
    return audio.wav_response(path)


@bp.route("/review/<int:review_id>")
@requires_any("quality.view", "quality.review", "quality.manage")
def review(review_id: int):
    with db.reading() as conn:
        try:
            rev = store.get_review(conn, review_id)
        except store.QualityError:
            abort(404)
        own = g.user.can("quality.view") and g.user.agent_id == rev["agent"]
        if not own and not _may_review(conn, rev["agent"]):
            abort(403)
        call = store.recorded_call(conn, rev["call_row"])
    return render_template("quality/review.html", rev=rev, call=call, own=own,
                           may_decide=g.user.can("quality.manage") and rev["reviewer"] != g.user.username)


@bp.route("/review/<int:review_id>/appeal", methods=["POST"])
@requires("quality.view")
def appeal(review_id: int):
    if not g.user.agent_id:
        abort(403)
    try:
        with db.writing() as conn:
            store.appeal(conn, review_id, g.user.agent_id, request.form.get("text", ""))
    except store.QualityError as exc:
        flash(str(exc), "error")
    else:
        audit("quality.appeal", str(review_id))
        flash(_("Your appeal has been sent."), "ok")
    return redirect(url_for("quality.review", review_id=review_id))


@bp.route("/review/<int:review_id>/decide", methods=["POST"])
@requires("quality.manage")
def decide(review_id: int):
    try:
        with db.writing() as conn:
            rev = store.get_review(conn, review_id)
            given = _points({"items": rev["items"]}) if request.form.get("decision") == "revise" else None
            state = store.decide(conn, review_id, g.user.username, request.form.get("reply", ""), given)
    except store.QualityError as exc:
        flash(str(exc), "error")
    else:
        audit("quality.decide", str(review_id), decision=state.value)
    return redirect(url_for("quality.review", review_id=review_id))


@bp.route("/mine")
@requires("quality.view")
def mine():
    if not g.user.agent_id:
        return render_template("quality/mine.html", reviews=[], no_agent=True)
    with db.reading() as conn:
        reviews = store.agent_reviews(conn, g.user.agent_id)
    return render_template("quality/mine.html", reviews=reviews, no_agent=False)


@bp.route("/appeals")
@requires("quality.manage")
def appeals():
    with db.reading() as conn:
        rows = store.open_appeals(conn)
    return render_template("quality/appeals.html", rows=rows)


@bp.route("/forms")
@requires("quality.manage")
def forms():
    with db.reading() as conn:
        rows = store.list_forms(conn)
    return render_template("quality/forms.html", rows=rows)


@bp.route("/forms/new", methods=["GET", "POST"])
@requires("quality.manage")
def new_form():
    return _form_page(None)


@bp.route("/forms/<int:form_id>", methods=["GET", "POST"])
@requires("quality.manage")
def edit_form(form_id: int):
    return _form_page(form_id)


def _form_page(form_id: int | None):
    problem = None
    if request.method == "POST":
        f = request.form
        try:
            with db.writing() as conn:
                form_id = store.save_form(conn, form_id, f.get("name", ""), f.get("description", "").strip()[:2000],
                                          f.get("items", ""), f.get("active") == "1")
        except (FormError, store.QualityError) as exc:
            problem = str(exc)
        else:
            audit("quality.form", f.get("name", ""))
            return redirect(url_for("quality.edit_form", form_id=form_id))
        form = {"id": form_id, "name": f.get("name", ""), "description": f.get("description", ""),
                "active": f.get("active") == "1"}
        text = f.get("items", "")
    elif form_id is None:
        form, text = {"id": None, "name": "", "description": "", "active": True}, ""
    else:
        with db.reading() as conn:
            try:
                form = store.get_form(conn, form_id)
            except store.QualityError:
                abort(404)
            text = store.items_text(form)
    return render_template("quality/form_edit.html", form=form, text=text, problem=problem), (400 if problem else 200)


@bp.route("/forms/<int:form_id>/copy", methods=["POST"])
@requires("quality.manage")
def copy_form(form_id: int):
    try:
        with db.writing() as conn:
            new = store.copy_form(conn, form_id)
    except store.QualityError:
        abort(404)
    audit("quality.form_copy", str(form_id), copy=new)
    return redirect(url_for("quality.edit_form", form_id=new))


@bp.route("/rules", methods=["GET", "POST"])
@requires("quality.manage")
def rules():
    if request.method == "POST":
        f = request.form
        try:
            with db.writing() as conn:
                if f.get("delete"):
                    sampling.delete_rule(conn, int(f["delete"]))
                else:
                    count = f.get("count", "0")
                    sampling.save_rule(conn, f.get("id", type=int), f.get("name", ""), f.get("kind", ""),
                                       int(count) if count.isascii() and count.isdigit() else 0,
                                       f.get("codes", ""), f.get("queues", ""), f.get("active") == "1")
        except store.QualityError as exc:
            flash(str(exc), "error")
        else:
            audit("quality.rule", f.get("name", "") or f.get("delete", ""))
        return redirect(url_for("quality.rules"))
    with db.reading() as conn:
        rows = sampling.list_rules(conn)
    return render_template("quality/rules.html", rows=rows, kinds=sampling.KINDS,
                           week=datetime.now(_tz()).date().isoformat())


@bp.route("/rules/draw", methods=["POST"])
@requires("quality.manage")
def draw():
    since, until = _week(request.form.get("week"))
    with db.writing() as conn:
        n = sampling.draw(conn, since, until)
    audit("quality.draw", since.date().isoformat(), drawn=n)
    flash(_("{n} calls drawn for review.").format(n=n), "ok")
    return redirect(url_for("quality.work", week=since.date().isoformat()))


@bp.route("/reviewers", methods=["GET", "POST"])
@requires("quality.manage")
def reviewers():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        raw = request.form.get("level", "")
        try:
            with db.writing() as conn:
                store.set_reviewer_level(conn, username, int(raw) if raw.isascii() and raw.isdigit() else None)
        except store.QualityError as exc:
            flash(str(exc), "error")
        else:
            audit("quality.reviewer", username, level=raw)
        return redirect(url_for("quality.reviewers"))
    with db.reading() as conn:
        levels = store.reviewer_levels(conn)
    return render_template("quality/reviewers.html", levels=levels, agents=_agent_levels())


@bp.route("/report")
@requires("quality.manage")
def report():
    tz = _tz()
    try:
        since = datetime.combine(date.fromisoformat(request.args["since"]), time(0), tz) \
            if request.args.get("since") else _week(None)[0] - timedelta(days=21)
        until = datetime.combine(date.fromisoformat(request.args["until"]), time(0), tz) + timedelta(days=1) \
            if request.args.get("until") else _week(None)[1]
        weights = assessment.Weights(*(request.args.get(k, d, type=int) for k, d in
                                       (("w_quality", 60), ("w_workload", 30), ("w_errors", 10))))
    except (ValueError, TypeError):
        abort(400, description="dates are YYYY-MM-DD, weights whole numbers 0 or more")
    if until <= since or until - since > timedelta(days=400):
        abort(400, description="a period of one day to 400 days")
    with db.reading() as conn:
        rows = assessment.agent_rows(conn, since, until, weights)
        teams = assessment.team_weeks(conn, since, until, assessment.week_starts(since, until))
    return render_template("quality/report.html", rows=rows, teams=teams, weights=weights,
                           since=since.date().isoformat(), until=(until - timedelta(days=1)).date().isoformat())
