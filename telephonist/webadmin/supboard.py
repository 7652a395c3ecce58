"""What the supervisor page and the wallboard show, apart from the live state: each queue's settings (service
level threshold, alert thresholds), its figures of today and of the last 15 minutes and the calls each agent
answered today, summed from the ACD's
tables by the same code as the `stats` request and the queue report (telephonist/acd/stats.py).

``read_board_figures`` is what the supervisor streams run (in a worker thread) at most every few seconds,
whatever the number of open pages (supfeed.py).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.acd import schema as T
from telephonist.acd.stats import Period, queue_stats
from telephonist.config.model import Config
from telephonist.webadmin import db
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.deskqueues import current_config

RECENT = timedelta(minutes=15)
FIGURES = ("offered", "answered", "abandoned", "service_level", "avg_wait_ms", "longest_wait_ms")
ALERTS = ("alert_wait_s", "alert_waiting", "alert_service_level")


def queue_settings(cfg: Config) -> dict[str, dict[str, Any]]:
    """Per queue: its service-level threshold and target, and its [amber, red] alert pairs ([] : none)."""
    return {q.name: {"service_level_s": q.service_level_s, "service_level_target": q.service_level_target,
                     **{k: list(getattr(q, k)) for k in ALERTS}} for q in cfg.queues}


def figures(conn: Connection, service_levels: dict[str, int], now: datetime, tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """Per queue: ``today`` (since the site's midnight) and ``recent`` (the last 15 minutes), by the time callers
    joined: offered, answered, abandoned, service level, average speed of answer, longest wait."""
    out: dict[str, dict[str, Any]] = {q: {"today": None, "recent": None} for q in service_levels}
    for part, since in (("today", midnight(now, tz)), ("recent", now - RECENT)):
        for row in queue_stats(conn, Period(since, now, timedelta(0)), service_levels):
            out.setdefault(row["queue"], {"today": None, "recent": None})[part] = {k: row[k] for k in FIGURES}
    return out


def calls_answered(conn: Connection, since: datetime) -> dict[str, int]:
    """Per agent: the queue calls it answered since then."""
    c = T.calls.c
    stmt = sa.select(c.agent, sa.func.count()).where(c.answered_at >= since, c.agent.is_not(None)).group_by(c.agent)
    return {agent: n for agent, n in conn.execute(stmt)}


def midnight(now: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(tz).date(), time(0), tz)


def read_board_figures(app: Flask) -> dict[str, Any]:
    """The settings and figures of every queue and the calls each agent answered today, as of now (run in a
    worker thread: it reads the database and the configuration files)."""
    with app.app_context():
        cfg = current_config()
        tz = site_tz()
        with db.reading(app) as conn:
            now = datetime.now(tz)
            got = figures(conn, {q.name: q.service_level_s for q in cfg.queues}, now, tz)
            calls = calls_answered(conn, midnight(now, tz))
    return {"settings": queue_settings(cfg), "figures": got, "calls_today": calls}
