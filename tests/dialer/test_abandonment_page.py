"""A predictive campaign's page shows its abandonment today and over the rolling 30 days against the 3 % limit,
counted from dl_attempts as the dialer counts it (answered = handed to an agent or abandoned)."""
from datetime import UTC, datetime, timedelta

from telephonist.dialer import schema as T
from telephonist.dialer.abandonment import abandonment
from telephonist.dialer.store import DialerStore
from telephonist.webadmin import db
from tests.webadmin.support import login

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}, "time_zone": "Asia/Shanghai"}}}


def attempts(app, cid: int, rows: list[tuple[str, datetime]]) -> None:
    with db.writing(app) as conn:
        rid = conn.execute(T.records.insert().values(campaign_id=cid, phones='["13800000001"]', dedup_key="13800000001",
                                                     state="done", updated_at=datetime.now(UTC))).inserted_primary_key[0]
        for outcome, ended in rows:
            conn.execute(T.attempts.insert().values(record_id=rid, campaign_id=cid, number="13800000001", state="done",
                                                    outcome=outcome, claimed_at=ended, ended_at=ended))


def test_the_page_shows_today_and_30_days_against_the_limit(app, client, user_ids, web_config):
    store = DialerStore(engine=db.engine(app))
    cid = store.create_campaign("ahead", "sales", "predictive", "sales", "out", STRATEGY)
    now = datetime.now(UTC)
    earlier = now - timedelta(days=3)
    attempts(app, cid, [("answered", now)] * 49 + [("abandoned", now)]                 # today: 1 of 50, 2 %
             + [("answered", earlier)] * 45 + [("abandoned", earlier)] * 5            # 30 days: 6 of 100
             + [("abandoned", now - timedelta(days=40)), ("busy", now), ("machine", now)])   # neither counts
    with db.reading(app) as conn:
        ab = abandonment(conn, cid, now, "Asia/Shanghai")
    assert ab["today"] == {"answered": 50, "abandoned": 1, "rate": 0.02}
    assert ab["days30"] == {"answered": 100, "abandoned": 6, "rate": 0.06} and ab["over"]

    assert client.get(f"/campaigns/{cid}").status_code in (302, 401)                # nobody logged in: refused
    login(client, "admin")
    page = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert 'id="abandonment"' in page and "2.00 %" in page and "6.00 %" in page
    assert "1 of 50 answered calls" in page and 'id="over-limit"' in page
    zh = client.get(f"/campaigns/{cid}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "放弃呼叫" in zh and "预测式外呼" in zh
