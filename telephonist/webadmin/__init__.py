"""The operators' web console (issue 7): Flask app factory.

    app = create_app(WebConfig(database_url="sqlite:////var/lib/telephonist/telephonist.db"))

One blueprint per area (auth, calls, live, reports, inbox, admin, api, and the
configuration pages: spans, routing, flows, prompts, lists, mailboxes, fax
documents); the database is opened in one place (db.py); the guard in
security.py stands in front of every route. ``telephonist webadmin`` serves it
through server.py (uvicorn: the live board's event streams on its event loop,
pages on a pool of worker threads).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template

from telephonist.webadmin.config import WebConfig

log = logging.getLogger(__name__)


def create_app(config: WebConfig | dict[str, Any]) -> Flask:
    cfg = config if isinstance(config, WebConfig) else WebConfig(**config)
    app = Flask(__name__)
    from telephonist.webadmin.numbers import RowId
    app.url_map.converters["int"] = RowId       # before any route: ids are ASCII digits in a row id's range
    app.config.update(
        WEB=cfg, SECRET_KEY=cfg.secret_key, TESTING=cfg.testing,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="telephonist",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )

    from telephonist.storage import migrate
    from telephonist.webadmin import accounts, db, headers, i18n, security
    from telephonist.webadmin.site import load_site
    from telephonist.webadmin.throttle import LoginThrottle
    app.extensions["telephonist_site"] = load_site(cfg.config_path)
    migrate(cfg.database_url)
    db.init_app(app, cfg.database_url)
    with db.writing(app) as conn:
        accounts.ensure_builtin_roles(conn)
    security.init_app(app)
    headers.init_app(app, cfg.proxy_hops, cfg.softphone_ws)
    app.extensions["login_throttle"] = LoginThrottle(cfg.address_failures, cfg.address_window_minutes * 60.0)
    i18n.init_app(app)
    _filters(app, ZoneInfo(cfg.time_zone))

    from telephonist.webadmin.livefeed import ChandFeed
    feed = ChandFeed(cfg.control_socket)
    app.extensions["chand_feed"] = feed
    from telephonist.webadmin.supfeed import BoardFeed
    app.extensions["desk_feed"] = BoardFeed(feed)       # before the feed connects: it subscribes the ACD's topic
    if cfg.live_feed:
        feed.start()

    from telephonist.webadmin import (admin, api, auth, calls, configpages, desk, faxdocs, flows, inbox, lists, live,
                                      mailboxes, prompts, quality, queues, reports, routing, supervisor)
    from telephonist.webadmin import api_customers, customers
    for bp in (auth.bp, calls.bp, live.bp, desk.bp, reports.bp, inbox.bp, admin.bp, configpages.bp, routing.bp,
               queues.bp, flows.bp, prompts.bp, lists.bp, mailboxes.bp, faxdocs.bp, supervisor.bp, api.bp,
               quality.bp,
               customers.bp, api_customers.bp):
        app.register_blueprint(bp)
    from telephonist.webadmin import conferences
    app.register_blueprint(conferences.bp)
    from telephonist.webadmin import workorders, workorders_api
    app.register_blueprint(workorders.bp)
    app.register_blueprint(workorders_api.bp)
    from telephonist.webadmin import kb, notices, shifts
    for bp in (kb.bp, kb.api_bp, notices.bp, shifts.bp):
        app.register_blueprint(bp)
    from telephonist.webadmin import campaigns
    app.register_blueprint(campaigns.bp)
    from telephonist.webadmin import campaign_preview, campaign_scripts, deskpreview
    for bp in (campaign_preview.bp, campaign_scripts.bp, deskpreview.bp):
        app.register_blueprint(bp)
    from telephonist.webadmin import campaigns_api
    app.register_blueprint(campaigns_api.bp)
    from telephonist.webadmin.webchat import desk as chat_desk
    from telephonist.webadmin.webchat import visitor as chat_visitor
    for bp in (chat_visitor.bp, chat_desk.bp):
        app.register_blueprint(bp)
    from telephonist.webadmin import softphone, webcallback, widget
    app.register_blueprint(softphone.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(webcallback.bp)

    @app.route("/")
    def index():
        from flask import redirect, url_for
        user = g.user
        if user.can("desk.use") and user.agent_id:          # an agent's day starts at the desktop
            return redirect(url_for("desk.page"))
        for right, endpoint in (("supervise.use", "supervisor.page"), ("live.view", "live.board"),
                                ("calls.view", "calls.search"),
                                ("inbox.view", "inbox.voicemail_list"), ("reports.view", "reports.traffic"),
                                ("quality.review", "quality.work"), ("quality.view", "quality.mine"),
                                ("config.view", "config.spans"), ("admin.users", "admin.users")):
            if user.can(right):
                return redirect(url_for(endpoint))
        return render_template("base.html")

    for code, message in ((403, "You may not open this page."), (404, "Not found."), (400, "Bad request")):
        app.register_error_handler(code, _error_page(code, message))
    return app


def _filters(app: Flask, tz: ZoneInfo) -> None:
    def localtime(value: datetime | None, ms: bool = False) -> str:
        if value is None:
            return ""
        t = value.astimezone(tz)
        return t.strftime("%Y-%m-%d %H:%M:%S") + (f".{t.microsecond // 1000:03d}" if ms else "")

    def secs(value_ms: int | None) -> str:
        if value_ms is None:
            return ""
        s = round(value_ms / 1000)
        return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s}s"

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["secs"] = secs


def _error_page(code: int, message: str):
    def handler(exc):
        return render_template("error.html", code=code, message=message,
                               detail=getattr(exc, "description", "")), code
    return handler
