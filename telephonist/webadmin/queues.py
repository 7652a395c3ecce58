"""Queues and agents: the ACD's tables edited as text in the web admin's own conf.d file, checked with the
whole configuration (problems against their lines), and applied by asking the ACD to reload through chand.
If the ACD refuses (a queue taken away while callers wait in it), the file goes back to what runs."""
from __future__ import annotations

import os

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from telephonist.client import ApiCallError
from telephonist.config import ConfigError, load_config
from telephonist.webadmin import queuefile, routingfile, security
from telephonist.webadmin.files import config_or_none, read_text, restore_text, text_diff, write_atomic
from telephonist.webadmin.flowfiles import normalise
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("queues", __name__, url_prefix="/config/queues", template_folder="templates")
MAX_TEXT = 256 * 1024


def _page(text: str | None = None, mine=(), others=(), status: int = 200, checked: bool = False):
    s = site()
    cfg, load_error, sources, shadows = None, None, {}, []
    if s.config_path:
        try:
            cfg = load_config(s.config_path)
        except ConfigError as exc:
            load_error = exc
    path = s.queues_file
    exists = bool(path) and os.path.exists(path)
    if cfg is not None:
        sources = routingfile.defining_files(cfg, queuefile.OWNED_KEYS)
        shadows = routingfile.shadowing_files(cfg, path, queuefile.OWNED_KEYS)
    if text is None:
        text = (read_text(path) if exists else None) or (queuefile.render(cfg) if cfg is not None else queuefile.HEADER)
    marks: dict[int, list[str]] = {}
    for p in mine:
        marks.setdefault(p.line, []).append(p.message)
    agents_of: dict[str, list[str]] = {}
    for a in cfg.agents if cfg is not None else ():
        for q in a.queues:
            agents_of.setdefault(q, []).append(a.number)
    return render_template("config/queues.html", cfg=cfg, agents_of=agents_of, text=text, mine=mine, others=others, marks=marks,
                           line_count=max(1, text.count("\n") + (0 if text.endswith("\n") else 1)),
                           checked=checked, path=path, exists=exists, sources=sources, shadows=shadows,
                           load_error=load_error, site=s), status


@bp.route("/")
@requires("config.view")
def show():
    return _page()


@bp.route("/", methods=["POST"])
@requires("config.view", "config.queues")
def save():
    s = site()
    if not s.config_path:
        flash(_("The web admin runs without telephonist.toml: queues cannot be changed here."), "error")
        return _page(status=409)
    text = normalise(request.form.get("text", ""))[:MAX_TEXT]
    mine, others = queuefile.check(s.config_path, s.queues_file, text)
    if request.form.get("action") != "apply":
        return _page(text, mine, others, checked=True)
    cfg_now = config_or_none(s.config_path)
    if cfg_now is not None and routingfile.shadowing_files(cfg_now, s.queues_file, queuefile.OWNED_KEYS):
        flash(_("A later conf.d file sets queues or agents too; it would win over this page. Remove them there first."), "error")
        return _page(text, mine, others, status=409, checked=True)
    if mine or others:
        flash(_("Not applied: fix the problems first; the running queues stay as they are."), "error")
        return _page(text, mine, others, status=422, checked=True)

    before = read_text(s.queues_file)
    write_atomic(s.queues_file, text, mode=0o640)
    diff = text_diff(before or "", text)
    try:
        reply = current_app.extensions["chand_feed"].admin_request("request", app="queue", body={"action": "reload"},
                                                                   timeout_ms=20000)
    except (FeedUnavailable, KeyError) as exc:
        security.audit("queues_save", s.queues_file, applied=False, reason=str(exc), diff=diff)
        flash(_("Saved, but chand is not reachable: the ACD reads the file when it starts or on `systemctl reload telephonist-acd`."), "error")
        return redirect(url_for("queues.show"))
    except ApiCallError as exc:
        if exc.code == "unavailable":          # the ACD is not running: it reads the file when it starts
            security.audit("queues_save", s.queues_file, applied=False, reason=exc.message, diff=diff)
            flash(_("Saved, but the ACD is not running: it reads the file when it starts."), "error")
            return redirect(url_for("queues.show"))
        restore_text(s.queues_file, before)
        flash(f"acd: {exc.message}", "error")
        return _page(text, status=502, checked=True)
    body = reply.get("body") or {}
    if not body.get("applied"):
        restore_text(s.queues_file, before)
        problems = routingfile.parse_reported(body.get("errors", []))
        security.audit("queues_refused", s.queues_file, errors=body.get("errors", []), diff=diff)
        flash(_("The ACD refused the change; the running queues stay."), "error")
        own = os.path.abspath(s.queues_file)
        return _page(text, [p for p in problems if p.file and os.path.abspath(p.file) == own],
                     [p for p in problems if not p.file or os.path.abspath(p.file) != own], status=422, checked=True)
    security.audit("queues_apply", s.queues_file, applied=True, queues=body.get("queues"), agents=body.get("agents"),
                   diff=diff)
    flash(_("Applied: waiting callers keep their places and calls in progress go on."), "ok")
    return redirect(url_for("queues.show"))

