"""Call scripts in the console (Campaigns › Call scripts): search, design in the table editor (one row per answer
choice, docs/dialer.md "Call scripts"), import from .txt/.csv/.xlsx/.docx, and save a new version live (agents
get it on their next record). Seeing them needs campaigns.view; changing them campaigns.manage; every change is
audited."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, render_template, request

from telephonist.dialer import scripts
from telephonist.dialer.scripts import ScriptError
from telephonist.webadmin import db, forms, security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("campaign_scripts", __name__, url_prefix="/campaigns/scripts", template_folder="templates")
NEW = "id | question | field | answer | next | result\nq1 | "
MAX_FILE = 5 * 1024 * 1024


@bp.route("/")
@requires("campaigns.view")
def index():
    q = request.args.get("q", "").strip()[:100]
    return render_template("campaigns/scripts.html", found=scripts.search(db.engine(), q), q=q,
                           text=request.form.get("text", NEW), name=request.form.get("name", ""))


@bp.route("/<int:script_id>")
@requires("campaigns.view")
def show(script_id: int):
    s = scripts.get(db.engine(), script_id)
    if s is None:
        abort(404)
    text = request.form.get("text") or scripts.to_table(s["body"])
    return render_template("campaigns/script.html", s=s, text=text)


def _body(text: str) -> dict:
    return scripts.from_table(*scripts.read_text(text), source="script")


@bp.route("/", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def create():
    f = request.form
    try:
        sid = scripts.save(db.engine(), f.get("name", "").strip(), _body(f.get("text", "")), g.user.username,
                           f.get("description", "").strip()[:500])
    except ScriptError as exc:
        return forms.refused("campaign_scripts.index", f"{_('Not saved')}: {exc}")
    security.audit("script_create", f.get("name", "").strip(), script_id=sid)
    return forms.done("campaign_scripts.show", _("Saved."), script_id=str(sid))


@bp.route("/<int:script_id>", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def save(script_id: int):
    f = request.form
    try:
        scripts.save(db.engine(), f.get("name", "").strip(), _body(f.get("text", "")), g.user.username,
                     f.get("description", "").strip()[:500], script_id=script_id)
    except ScriptError as exc:
        flash(f"{_('Not saved')}: {exc}", "error")
        return show(script_id), 400
    security.audit("script_edit", str(script_id), name=f.get("name", "").strip())
    return forms.done("campaign_scripts.show", _("Saved: agents get this version on their next record."),
                      script_id=str(script_id))


@bp.route("/import", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def import_file():
    upload, name = request.files.get("file"), request.form.get("name", "").strip()
    try:
        if upload is None or not upload.filename:
            raise ScriptError([_("choose a file")])
        data = upload.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise ScriptError([_("the file is larger than 5 MB")])
        header, rows = scripts.read_file(upload.filename, data)
        body = scripts.from_table(header, rows, source=upload.filename)
        sid = scripts.save(db.engine(), name or upload.filename.rsplit(".", 1)[0][:64], body, g.user.username)
    except ValueError as exc:                         # ScriptError, or a list reader's DialerError
        return forms.refused("campaign_scripts.index", f"{_('Not saved')}: {exc}")
    security.audit("script_import", upload.filename, script_id=sid)
    return forms.done("campaign_scripts.show", _("Saved."), script_id=str(sid))
