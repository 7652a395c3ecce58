"""Call flows and schedules: list, upload, edit with ivrd's problems shown against their lines, apply.

Apply writes the file in one rename into [ivrd] flows_dir; ivrd reloads changed files by
itself within about two seconds and calls in progress go on with the flows they started
with. A text with any problem is not written.
"""
from __future__ import annotations

import os

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from telephonist.ivrd.flow_loader import SCHEDULES_FILE
from telephonist.webadmin import flowfiles, security
from telephonist.webadmin.files import text_diff
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("flows", __name__, url_prefix="/config/flows", template_folder="templates")


@bp.route("/")
@requires("config.view")
def index():
    s = site()
    return render_template("config/flows.html", flows=flowfiles.list_flows(s.flows_dir), flows_dir=s.flows_dir,
                           exists=os.path.isdir(s.flows_dir),
                           problems=flowfiles.problems_on_disk(s.flows_dir, s.load_options()),
                           has_schedules=os.path.exists(os.path.join(s.flows_dir, SCHEDULES_FILE)))


def _editor(name: str, text: str, mine=(), others=(), status: int = 200, checked: bool = False):
    s = site()
    marks: dict[int, list[str]] = {}
    for p in mine:
        marks.setdefault(p.line, []).append(p.message)
    return render_template("config/flow_edit.html", name=name, text=text, mine=mine, others=others, marks=marks,
                           line_count=max(1, text.count("\n") + (0 if text.endswith("\n") else 1)),
                           checked=checked, is_new=flowfiles.read(s.flows_dir, name) is None,
                           schedules=name == SCHEDULES_FILE, flows_dir=s.flows_dir), status


def _name_or_404(name: str) -> str:
    if not flowfiles.valid_name(name):
        abort(404)
    return name


@bp.route("/edit/<name>")
@requires("config.view")
def edit(name: str):
    _name_or_404(name)
    text = flowfiles.read(site().flows_dir, name)
    if text is None:
        text = flowfiles.NEW_SCHEDULES if name == SCHEDULES_FILE else flowfiles.NEW_FLOW
    return _editor(name, text)


@bp.route("/new", methods=["POST"])
@requires("config.view", "config.flows")
def new():
    name = request.form.get("name", "").strip()
    if name and not name.endswith(".toml"):
        name += ".toml"
    if not flowfiles.valid_name(name) or name == SCHEDULES_FILE:
        flash(_("A flow's file name is letters, digits, _ and - (it ends in .toml)."), "error")
        return redirect(url_for("flows.index"))
    return redirect(url_for("flows.edit", name=name))


@bp.route("/edit/<name>", methods=["POST"])
@requires("config.view", "config.flows")
def save(name: str):
    _name_or_404(name)
    s = site()
    text = flowfiles.normalise(request.form.get("text", ""))
    mine, others = flowfiles.check(s.flows_dir, name, text, s.load_options())
    if request.form.get("action") != "apply":
        return _editor(name, text, mine, others, checked=True)
    if mine or others:
        flash(_("Not applied: fix the problems first; the running flows stay as they are."), "error")
        return _editor(name, text, mine, others, status=422, checked=True)
    before = flowfiles.read(s.flows_dir, name) or ""
    flowfiles.write(s.flows_dir, name, text)
    security.audit("flow_apply", name, bytes=len(text.encode()), diff=text_diff(before, text))
    flash(_("Applied: ivrd loads the new version within a few seconds; calls in progress are not dropped."), "ok")
    return redirect(url_for("flows.edit", name=name))


@bp.route("/upload", methods=["POST"])
@requires("config.view", "config.flows")
def upload():
    f = request.files.get("file")
    if f is None or not f.filename:
        flash(_("Choose a file."), "error")
        return redirect(url_for("flows.index"))
    name = os.path.basename(f.filename)
    if not flowfiles.valid_name(name):
        flash(_("A flow's file name is letters, digits, _ and - (it ends in .toml)."), "error")
        return redirect(url_for("flows.index"))
    try:
        text = flowfiles.normalise(f.read(1024 * 1024).decode("utf-8"))
    except UnicodeDecodeError:
        flash(_("A flow file is UTF-8 text."), "error")
        return redirect(url_for("flows.index"))
    s = site()
    mine, others = flowfiles.check(s.flows_dir, name, text, s.load_options())
    return _editor(name, text, mine, others, checked=True)
