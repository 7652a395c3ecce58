"""Trunk groups and the routing of dialled numbers: edited as rows, written to the web admin's own
conf.d file, applied with chand's ``reload``. A change chand (or the same checks before it) refuses is
shown against its rows with file:line, and the file goes back to what runs."""
from __future__ import annotations

import os

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from telephonist.client import ApiCallError
from telephonist.config import ConfigError, load_config
from telephonist.config.loader import HUNTING
from telephonist.webadmin import routingfile, security
from telephonist.webadmin.files import config_or_none, read_text, restore_text, text_diff, write_atomic
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.routingfile import RoutingForm
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("routing", __name__, url_prefix="/config/routing", template_folder="templates")
BLANK_ROWS = 2


def _page(form: RoutingForm | None, status: int = 200, load_error: ConfigError | None = None):
    s = site()
    cfg, sources, shadows = None, {}, []
    if s.config_path:
        try:
            cfg = load_config(s.config_path)
        except ConfigError as exc:
            load_error = load_error or exc
    if cfg is not None:
        sources = routingfile.defining_files(cfg)
        shadows = routingfile.shadowing_files(cfg, s.owned_file)
        form = form or RoutingForm.from_config(cfg)
    form = form or RoutingForm()
    spans = [sp.name for sp in cfg.spans] if cfg else []
    return render_template("config/routing.html", form=form, hunting=HUNTING, blank=BLANK_ROWS, site=s,
                           sources=sources, shadows=shadows, spans=spans, load_error=load_error,
                           owned=s.owned_file, owned_exists=bool(s.owned_file) and os.path.exists(s.owned_file)), status


@bp.route("/")
@requires("config.view")
def show():
    return _page(None)


@bp.route("/", methods=["POST"])
@requires("config.view", "config.routing")
def apply():
    s = site()
    if not s.config_path:
        flash(_("The web admin runs without telephonist.toml: routing cannot be changed here."), "error")
        return _page(None, 409)
    form = RoutingForm.from_form(request.form)
    text = form.render()
    cfg_now = config_or_none(s.config_path)
    if cfg_now is not None and routingfile.shadowing_files(cfg_now, s.owned_file):
        flash(_("A later conf.d file sets trunk groups or routes too; it would win over this page. Remove them there first."), "error")
        return _page(form, 409)
    bad = form.form_problems()
    form.attach(routingfile.check(s.config_path, s.owned_file, text), s.owned_file)
    if bad or form.has_problems:
        flash(_("Not applied: the configuration has problems (see below)."), "error")
        return _page(form, 422)

    before = read_text(s.owned_file)
    write_atomic(s.owned_file, text, mode=0o640)
    detail = {"trunk_groups": len(form.groups), "routes": len(form.routes), "diff": text_diff(before or "", text)}
    try:
        reply = current_app.extensions["chand_feed"].admin_request("reload")
    except FeedUnavailable as exc:
        security.audit("routing_save", s.owned_file, applied=False, chand=str(exc), **detail)
        flash(_("Saved, but chand is not reachable: it applies the file when it starts or on `telephonist reload`."), "error")
        return redirect(url_for("routing.show"))
    except ApiCallError as exc:
        restore_text(s.owned_file, before)
        flash(f"chand: {exc.message}", "error")
        return _page(form, 502)
    if not reply.get("applied"):
        restore_text(s.owned_file, before)
        form.attach(routingfile.parse_reported(reply.get("errors", [])), s.owned_file)
        security.audit("routing_refused", s.owned_file, errors=reply.get("errors", []), **detail)
        flash(_("chand refused the change; the running configuration stays."), "error")
        return _page(form, 422)
    security.audit("routing_apply", s.owned_file, applied=True, restart_needed=reply.get("restart_needed", []), **detail)
    restart = reply.get("restart_needed") or []
    flash(_("Applied.") + (f" {_('Needs a restart of chand')}: {', '.join(restart)}" if restart else ""), "ok")
    return redirect(url_for("routing.show"))
