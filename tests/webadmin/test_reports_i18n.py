"""Reports count what the call records say; pages come in Chinese and English."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from telephonist.webadmin import i18n
from tests.webadmin.support import add_leg, login, page_csrf

TZ = ZoneInfo("Asia/Shanghai")


def test_calls_per_hour_and_day(app, client, user_ids):
    day = datetime.now(TZ).date() - timedelta(days=1)
    at = lambda h, m=0: datetime.combine(day, time(h, m), TZ)   # noqa: E731
    for h, m, disp in [(9, 5, "answered"), (9, 40, "no_answer"), (9, 59, "abandoned"), (14, 0, "answered")]:
        add_leg(app, caller="1", dialled="400", application="ivr:main", disposition=disp, started=at(h, m))
    add_leg(app, caller="2", dialled="95566", application="app:crm", disposition="busy", direction="outbound",
            started=at(9, 30))
    login(client, "super")
    r = client.get(f"/reports/traffic.csv?period=hour&since={day}&until={day}")
    rows = {row["hour"]: row for row in csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")))}
    assert len(rows) == 24
    nine = rows[f"{day} 09:00"]
    assert (nine["total"], nine["answered"], nine["missed"], nine["abandoned"]) == ("4", "1", "1", "1")
    assert rows[f"{day} 14:00"]["answered"] == "1" and rows[f"{day} 10:00"]["total"] == "0"
    page = client.get(f"/reports/?period=day&since={day - timedelta(days=2)}&until={day}").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page
    assert re.search(rf"<td>{day}</td><td class=\"num\">5</td><td class=\"num\">2</td>", page)
    wb = load_workbook(io.BytesIO(client.get("/reports/traffic.xlsx?period=month").data))
    assert wb.active["A1"].value == "month" and wb.active._charts
    assert client.get("/reports/?period=week").status_code == 400


def test_language_follows_the_browser_then_the_users_choice(client, user_ids):
    login(client, "admin")
    zh = client.get("/calls/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "通话记录" in zh and "实时监控" in zh and 'lang="zh-CN"' in zh
    en = client.get("/calls/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Call log" in en and "通话记录" not in en
    client.post("/language", data={"language": "zh", "next": "/calls/", "csrf_token": page_csrf(client)})
    chosen = client.get("/calls/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "通话记录" in chosen


def test_every_message_in_the_templates_has_a_chinese_translation():
    root = Path(i18n.__file__).parent
    texts = set()
    for path in list((root / "templates").rglob("*.html")) + list(root.glob("*.py")):
        src = path.read_text()
        texts |= set(re.findall(r"""_\(\s*"([^"]+)"\s*\)""", src)) | set(re.findall(r"""_\(\s*'([^']+)'\s*\)""", src))
    from telephonist.webadmin import inboxdb, ivrlists, reports, rights
    texts |= {label for _, label in rights.RIGHTS.values()}
    texts |= set(reports.SERIES_NAMES.values()) | set(reports.TITLES.values()) | set(reports.COLUMN_NAMES.values())
    texts |= set(inboxdb.CATEGORIES) | set(ivrlists.HOLIDAY_KINDS) | {"new", "saved", "deleted", "Calls"}
    missing = sorted(t for t in texts if t not in i18n.ZH)
    assert len(texts) > 250 and missing == []
