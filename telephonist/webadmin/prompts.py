"""Prompts: list and play them, upload WAV or MP3 (converted to 8 kHz mono by sox), record one in the
browser (static/recorder.js makes a WAV of the microphone and sends it through the same upload)."""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from telephonist.webadmin import forms, promptfiles, security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.promptfiles import PromptError
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("prompts", __name__, url_prefix="/config/prompts", template_folder="templates")


@bp.route("/")
@requires("config.view")
def index():
    s = site()
    return render_template("config/prompts.html", prompts=promptfiles.list_prompts(s.prompts_dir),
                           folders=promptfiles.folders(s.prompts_dir, s.languages), prompts_dir=s.prompts_dir)


@bp.route("/", methods=["POST"])
@requires("config.view", "config.flows")
def upload():
    s = site()
    f = request.files.get("file")
    if f is None or not f.filename:
        return forms.refused("prompts.index", _("Choose a file."))
    stem, ext = os.path.splitext(os.path.basename(f.filename))
    stem = request.form.get("name", "").strip() or stem
    folder = request.form.get("folder", "").strip()
    try:
        name, seconds = promptfiles.install(s.prompts_dir, folder, stem, f.read(), ext.lower(),
                                            replace=request.form.get("replace") == "on")
    except PromptError as exc:
        return forms.refused("prompts.index", f"{_('Not saved')}: {exc}")
    security.audit("prompt_upload", name, source=f.filename, seconds=round(seconds, 2),
                   recorded=request.form.get("recorded") == "1")
    flash(f"{_('Saved as')} {name} (8000 Hz mono, {seconds:.1f} s).", "ok")
    return redirect(url_for("prompts.index", _anchor="p-" + name))


@bp.route("/audio/<path:name>")
@requires("config.view")
def play(name: str):
    path = promptfiles.resolve(site().prompts_dir, name)
    if path is None:
        abort(404)
    try:
        data = promptfiles.browser_wav(path)
    except Exception as exc:             # a broken file: say so rather than fail the page
        abort(404, description=str(exc))
    return Response(data, mimetype="audio/wav", headers={"Cache-Control": "private, no-store"})


@bp.route("/delete", methods=["POST"])
@requires("config.view", "config.flows")
def delete():
    s = site()
    name = request.form.get("name", "")
    path = promptfiles.resolve(s.prompts_dir, name)
    if path is None:
        abort(404)
    users = promptfiles.used_by(s.flows_dir, name, s.languages)
    if users:
        flash(f"{_('Not deleted: used by')} {', '.join(users)}", "error")
        return redirect(url_for("prompts.index"))
    os.unlink(path)
    security.audit("prompt_delete", name)
    flash(_("Deleted."), "ok")
    return redirect(url_for("prompts.index"))
