"""Spans and channels as chand sees them now (its ``status``, kept up to date by the live feed):
each span's driver, type and alarms, each channel's state, owner and time in state, and the trunk
groups with the lines they hunt over. Read only: spans are the sysadmin's (telephonist.toml)."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, render_template

from telephonist.webadmin.security import requires

bp = Blueprint("config", __name__, url_prefix="/config", template_folder="templates")


@bp.route("/spans")
@requires("config.view")
def spans():
    snap = current_app.extensions["chand_feed"].snapshot()
    by_span: dict[str, list] = {}
    for ln in snap["lines"]:
        by_span.setdefault(ln["chan"].split("/")[0], []).append(ln)
    info = {sp["name"]: sp for sp in snap.get("spans", [])}
    now = time.time()
    summary = []
    for name, lines in by_span.items():
        sp = info.get(name, {})
        blocked = sum(1 for ln in lines if ln["state"] == "blocked")
        busy = sum(1 for ln in lines if ln["state"] not in ("idle", "blocked"))
        summary.append({"name": name, "driver": sp.get("driver", ""), "kind": sp.get("kind", ""),
                        "codec": sp.get("codec", ""), "zone": sp.get("zone", ""), "alarms": sp.get("alarms", ""),
                        "channels": len(lines), "busy": busy, "blocked": blocked})
    return render_template("config/spans.html", snap=snap, by_span=by_span, summary=summary, now=now)
