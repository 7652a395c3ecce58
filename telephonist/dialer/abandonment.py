"""A campaign's abandonment as the rules count it: answered calls (a person answered: handed to an agent, or
abandoned) and abandoned ones (no agent took the customer within the campaign's wait limit: the message
was played, or the customer hung up first), today and over the rolling 30 days ending today, against the
limit of 3 % of answered calls (US and UK rules). For the campaign page; the dialer keeps the same counts
in memory (measure.py) from the same rows."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.dialer import schema as T

LIMIT = 0.03
DAYS = 30


def abandonment(conn: Connection, campaign_id: int, now: datetime, time_zone: str = "") -> dict[str, Any]:
    """{"today": {...}, "days30": {...}, "limit": 0.03}, each with answered, abandoned and rate (None: nothing
    answered); days are local to `time_zone` (the campaign's default window's), UTC without one."""
    tz = ZoneInfo(time_zone) if time_zone else UTC
    today = now.astimezone(tz).date()
    first = today - timedelta(days=DAYS - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=tz)
    a = T.attempts
    rows = conn.execute(sa.select(a.c.outcome, a.c.ended_at).where(
        a.c.campaign_id == campaign_id, a.c.outcome.in_(["answered", "abandoned"]), a.c.ended_at >= since)).all()
    out: dict[str, Any] = {"limit": LIMIT}
    for key, start in (("today", today), ("days30", first)):
        picked = [o for o, ended in rows if ended.astimezone(tz).date() >= start]
        answered, abandoned = len(picked), picked.count("abandoned")
        out[key] = {"answered": answered, "abandoned": abandoned,
                    "rate": round(abandoned / answered, 4) if answered else None}
    out["over"] = any((out[k]["rate"] or 0) > LIMIT for k in ("today", "days30"))
    return out
