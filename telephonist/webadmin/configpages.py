"""Configuration pages. Spans/channels are shown read-only from chand's live status; call flows,
prompts, voicemail and fax have their place in the navigation and come with ivrd/faxd."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from telephonist.webadmin.security import requires

bp = Blueprint("config", __name__, url_prefix="/config", template_folder="templates")

PENDING = {"flows": "Call flows", "prompts": "Prompts", "voicemail": "Voicemail", "fax": "Fax"}


@bp.route("/spans")
@requires("config.view")
def spans():
    snap = current_app.extensions["chand_feed"].snapshot()
    by_span: dict[str, list] = {}
    for ln in snap["lines"]:
        by_span.setdefault(ln["chan"].split("/")[0], []).append(ln)
    return render_template("config/spans.html", snap=snap, by_span=by_span)


@bp.route("/<section>")
@requires("config.view")
def pending(section: str):
    if section not in PENDING:
        abort(404)
    return render_template("config/pending.html", title=PENDING[section])
