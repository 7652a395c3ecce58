"""Configuration pages on a real site: flows checked by ivrd's loader and written whole, prompts converted
by sox, the lists, voicemail boxes and fax documents; who may change what; every form needs its CSRF token."""
from __future__ import annotations

import json
import re
import subprocess
import wave
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from telephonist.ivrd.schema import blacklist, holidays, vip, voicemail_boxes
from telephonist.webadmin import db
from telephonist.webadmin.schema import audit_log
from telephonist.webadmin.security import PUBLIC_BLUEPRINTS
from tests.webadmin.site_support import MAIN_FLOW
from tests.webadmin.support import login, page_csrf

TZ = ZoneInfo("Asia/Shanghai")
BAD_FLOW = MAIN_FLOW.replace('type = "hangup"', 'type = "hangup_now"')      # line 12: no such node type


def _audit(app, action):
    with db.reading(app) as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)).all()
    return [{**r._mapping, "detail": json.loads(r.detail)} for r in rows]


def test_a_bad_flow_is_shown_against_its_line_and_not_written_a_good_one_is_applied(site_app, site_client, site):
    c = site_client
    login(c, "admin")
    page = c.get("/config/flows/").get_data(as_text=True)
    assert "main.toml" in page and "4008001234" in page and "the main menu" in page
    token = page_csrf(c, "/config/flows/edit/main.toml")
    bad_line = BAD_FLOW.splitlines().index('type = "hangup_now"') + 1

    r = c.post("/config/flows/edit/main.toml", data={"text": BAD_FLOW, "action": "check", "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(rf'<li data-line="{bad_line}" class="err" title="[^"]*hangup_now', html)
    assert f'data-line="{bad_line}">line {bad_line}</a>: node' in html

    r = c.post("/config/flows/edit/main.toml", data={"text": BAD_FLOW, "action": "apply", "csrf_token": token})
    assert r.status_code == 422
    assert (site / "flows" / "main.toml").read_text() == MAIN_FLOW          # refused: the running file stays

    good = MAIN_FLOW.replace("the main menu", "the main menu, new hours").replace("\n", "\r\n")
    r = c.post("/config/flows/edit/main.toml", data={"text": good, "action": "apply", "csrf_token": token})
    assert r.status_code == 302
    assert (site / "flows" / "main.toml").read_text() == good.replace("\r\n", "\n")
    assert not [p for p in (site / "flows").iterdir() if p.name.startswith(".")]      # no temporary file left
    entry = _audit(site_app, "flow_apply")[-1]
    assert entry["target"] == "main.toml" and "+description = \"the main menu, new hours\"" in entry["detail"]["diff"]


def test_a_flow_breaking_another_is_refused_and_uploads_only_reach_the_editor(site_app, site_client, site):
    c = site_client
    login(c, "admin")
    token = page_csrf(c, "/config/flows/")
    clash = MAIN_FLOW.replace("the main menu", "a copy")                     # claims main's number too
    r = c.post("/config/flows/edit/copy.toml", data={"text": clash, "action": "apply", "csrf_token": token})
    assert r.status_code == 422 and "4008001234" in r.get_data(as_text=True)
    assert not (site / "flows" / "copy.toml").exists()

    from io import BytesIO
    r = c.post("/config/flows/upload", data={"file": (BytesIO(MAIN_FLOW.replace("4008001234", "4008009999")
                                                              .encode()), "sales.toml"), "csrf_token": token},
               content_type="multipart/form-data")
    assert r.status_code == 200 and "No problems found." in r.get_data(as_text=True)
    assert not (site / "flows" / "sales.toml").exists()                     # checked, not applied
    assert c.post("/config/flows/new", data={"name": "../evil", "csrf_token": token}).location == "/config/flows/"
    assert c.get("/config/flows/edit/..%2Fetc.toml").status_code == 404


def test_schedules_are_edited_the_same_way(site_app, site_client, site):
    c = site_client
    login(c, "admin")
    token = page_csrf(c, "/config/flows/edit/schedules.toml")
    r = c.post("/config/flows/edit/schedules.toml", data={"text": "[schedules.office\nhours = 1\n", "action": "apply",
                                                         "csrf_token": token})
    assert r.status_code == 422 and 'data-line="1" class="err"' in r.get_data(as_text=True)
    text = '[schedules.office]\nhours = { "mon-fri" = "09:00-18:00" }\n'
    assert c.post("/config/flows/edit/schedules.toml", data={"text": text, "action": "apply",
                                                            "csrf_token": token}).status_code == 302
    assert (site / "flows" / "schedules.toml").read_text() == text
    assert '<option>office</option>' in c.get("/config/holidays").get_data(as_text=True)


def _sox(*args):
    subprocess.run(["sox", "-n", *args], check=True, capture_output=True)


def test_prompts_uploaded_as_wav_or_mp3_become_8khz_mono(site_app, site_client, site, tmp_path):
    c = site_client
    login(c, "admin")
    _sox("-r", "44100", "-c", "2", str(tmp_path / "hello.wav"), "synth", "1.5", "sine", "440")
    _sox("-r", "22050", "-c", "2", str(tmp_path / "hours.mp3"), "synth", "2", "sine", "300")
    token = page_csrf(c, "/config/prompts/")
    for name, folder in (("hello.wav", "zh"), ("hours.mp3", "en")):
        with open(tmp_path / name, "rb") as f:
            r = c.post("/config/prompts/", data={"file": (f, name), "folder": folder, "csrf_token": token},
                       content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)
    for rel, seconds in (("zh/hello.wav", 1.5), ("en/hours.wav", 2.0)):
        with wave.open(str(site / "prompts" / rel)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert abs(w.getnframes() / 8000 - seconds) < 0.1
    page = c.get("/config/prompts/").get_data(as_text=True)
    assert "zh/hello.wav" in page and "8000 Hz mono PCM 16-bit" in page
    played = c.get("/config/prompts/audio/zh/hello.wav")
    assert played.status_code == 200 and played.data[:4] == b"RIFF"
    assert c.get("/config/prompts/audio/../telephonist.toml").status_code == 404

    (tmp_path / "junk.mp3").write_bytes(b"\x00" * 4000)
    with open(tmp_path / "junk.mp3", "rb") as f:
        r = c.post("/config/prompts/", data={"file": (f, "junk.mp3"), "csrf_token": token},
                   content_type="multipart/form-data")
    assert r.status_code == 400 and "not a MP3 file sox can read" in r.get_data(as_text=True)
    assert not (site / "prompts" / "junk.wav").exists()
    with open(tmp_path / "hello.wav", "rb") as f:                          # no silent overwrite
        r = c.post("/config/prompts/", data={"file": (f, "hello.wav"), "folder": "zh", "csrf_token": token},
                   content_type="multipart/form-data")
    assert r.status_code == 400 and "exists already" in r.get_data(as_text=True)
    # a prompt a flow uses stays; another goes
    c.post("/config/prompts/delete", data={"name": "en/welcome.wav", "csrf_token": token})
    assert (site / "prompts" / "en" / "welcome.wav").exists()
    c.post("/config/prompts/delete", data={"name": "zh/hello.wav", "csrf_token": token})
    assert not (site / "prompts" / "zh" / "hello.wav").exists()
    assert [e["target"] for e in _audit(site_app, "prompt_upload")] == ["zh/hello.wav", "en/hours.wav"]


def test_blacklist_entries_expire_when_chosen(site_app, site_client):
    c = site_client
    login(c, "super")
    token = page_csrf(c, "/config/blacklist")
    before = datetime.now(timezone.utc)
    until = (datetime.now(TZ) + timedelta(days=2)).replace(second=0, microsecond=0)
    for number, expiry in (("13900000001", "5m"), ("13900000002", "30m"), ("95*", "forever"), ("13900000004", "custom")):
        r = c.post("/config/blacklist", data={"number": number, "expiry": expiry, "reason": "nuisance",
                                              "until": until.strftime("%Y-%m-%dT%H:%M"), "csrf_token": token})
        assert r.status_code == 302
    with db.reading(site_app) as conn:
        rows = {r.number: r for r in conn.execute(select(blacklist))}
    assert timedelta(minutes=5) <= rows["13900000001"].expires_at - before < timedelta(minutes=6)
    assert timedelta(minutes=30) <= rows["13900000002"].expires_at - before < timedelta(minutes=31)
    assert rows["95*"].expires_at is None and rows["95*"].created_by == "super"
    assert rows["13900000004"].expires_at == until
    for bad in ({"number": "12ab", "expiry": "5m"}, {"number": "139", "expiry": "custom", "until": "2001-01-01T00:00"},
                {"number": "139", "expiry": "1y"}):
        c.post("/config/blacklist", data={**bad, "csrf_token": token})
    with db.reading(site_app) as conn:
        assert len(conn.execute(select(blacklist)).all()) == 4
    page = c.get("/config/blacklist").get_data(as_text=True)
    assert "for good" in page and until.strftime("%Y-%m-%d %H:%M:00") in page
    c.post(f"/config/blacklist/{rows['95*'].id}/delete", data={"csrf_token": token})
    with db.reading(site_app) as conn:
        assert "95*" not in set(conn.execute(select(blacklist.c.number)).scalars())
    assert [e["action"] for e in _audit(site_app, "blacklist_add")] == ["blacklist_add"] * 4


def test_vip_and_holidays(site_app, site_client):
    c = site_client
    login(c, "super")
    token = page_csrf(c, "/config/vip")
    c.post("/config/vip", data={"number": "13800000001", "name": "Mr Wang", "target": "queue:vip", "csrf_token": token})
    c.post("/config/vip", data={"customer_class": "gold", "name": "gold customers", "csrf_token": token})
    c.post("/config/vip", data={"number": "13800000001", "csrf_token": token})               # twice: refused
    c.post("/config/vip", data={"number": "1", "customer_class": "gold", "csrf_token": token})  # both: refused
    c.post("/config/vip", data={"number": "138", "target": "somewhere", "csrf_token": token})  # bad target
    with db.reading(site_app) as conn:
        rows = conn.execute(select(vip.c.number, vip.c.customer_class, vip.c.target).order_by(vip.c.id)).all()
    assert [tuple(r) for r in rows] == [("13800000001", None, "queue:vip"), (None, "gold", "")]

    c.post("/config/holidays", data={"day": "2030-10-01", "last_day": "2030-10-03", "kind": "holiday",
                                     "name": "National Day", "schedule": "", "csrf_token": token})
    c.post("/config/holidays", data={"day": "2030-09-29", "kind": "workday", "name": "make-up", "csrf_token": token})
    c.post("/config/holidays", data={"day": "2030-10-02", "kind": "holiday", "csrf_token": token})       # twice
    with db.reading(site_app) as conn:
        days = [(str(r.day), r.kind) for r in conn.execute(select(holidays).order_by(holidays.c.day))]
    assert days == [("2030-09-29", "workday"), ("2030-10-01", "holiday"), ("2030-10-02", "holiday"),
                    ("2030-10-03", "holiday")]
    assert "National Day" in c.get("/config/holidays").get_data(as_text=True)


def test_voicemail_boxes_pins_are_hashed_and_reset(site_app, site_client):
    c = site_client
    login(c, "super")
    token = page_csrf(c, "/config/voicemail/")
    c.post("/config/voicemail/", data={"mailbox": "1001", "name": "Agent 1001", "pin": "4321", "email": "a@example.com",
                                       "sms_number": "13800000001", "max_message_s": "90", "language": "zh",
                                       "csrf_token": token})
    c.post("/config/voicemail/", data={"mailbox": "1001", "pin": "4321", "csrf_token": token})        # exists
    c.post("/config/voicemail/", data={"mailbox": "1002", "pin": "12", "csrf_token": token})          # short PIN
    with db.reading(site_app) as conn:
        boxes = conn.execute(select(voicemail_boxes)).all()
    assert len(boxes) == 1 and boxes[0].email == "a@example.com" and boxes[0].max_message_s == 90
    assert check_password_hash(boxes[0].pin_hash, "4321") and "4321" not in boxes[0].pin_hash
    c.post(f"/config/voicemail/{boxes[0].id}/pin", data={"pin": "98765", "csrf_token": token})
    c.post(f"/config/voicemail/{boxes[0].id}", data={"name": "A", "email": "not-an-address", "csrf_token": token})
    with db.reading(site_app) as conn:
        box = conn.execute(select(voicemail_boxes)).one()
    assert check_password_hash(box.pin_hash, "98765") and box.email == "a@example.com"
    assert all("98765" not in json.dumps(e["detail"]) for e in _audit(site_app, "mailbox_pin_reset"))


def test_fax_documents_are_rendered_before_they_are_kept(site_app, site_client, site, tmp_path):
    from tests.webadmin.site_support import write_pdf
    c = site_client
    login(c, "admin")
    token = page_csrf(c, "/config/fax-documents/")
    pdf = write_pdf(tmp_path / "price-list.pdf", "prices")

    def upload(number, path, name):
        with open(path, "rb") as f:
            return c.post("/config/fax-documents/", data={"number": number, "file": (f, name), "csrf_token": token},
                          content_type="multipart/form-data")
    assert upload("101", pdf, "price-list.pdf").status_code == 302
    (tmp_path / "hours.txt").write_text("营业时间 Opening hours: 9-18\n")
    upload("102", tmp_path / "hours.txt", "hours.txt")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 8)
    upload("103", tmp_path / "junk.bin", "junk.pdf")
    upload("12ab", pdf, "x.pdf")
    assert sorted(p.name for p in (site / "faxdocs").iterdir()) == ["101.pdf", "102.txt"]
    upload("101", tmp_path / "hours.txt", "hours.txt")                      # a new version of another kind
    assert sorted(p.name for p in (site / "faxdocs").iterdir()) == ["101.txt", "102.txt"]
    page = c.get("/config/fax-documents/").get_data(as_text=True)
    assert "101.txt" in page and "102.txt" in page
    assert "营业时间" in c.get("/config/fax-documents/view/102.txt").get_data(as_text=True)


@pytest.mark.parametrize("name, view, change", [
    ("admin", True, {"/config/routing/", "/config/flows/edit/main.toml", "/config/blacklist", "/config/voicemail/",
                     "/config/fax-documents/", "/config/prompts/"}),
    ("super", True, {"/config/blacklist", "/config/voicemail/"}),
    ("agent1", False, set()),
    ("audit", False, set()),
])
def test_who_may_see_and_change_the_configuration(site_app, site_client, name, view, change):
    c = site_client
    login(c, name)
    pages = ["/config/spans", "/config/routing/", "/config/flows/", "/config/flows/edit/main.toml", "/config/prompts/",
             "/config/blacklist", "/config/vip", "/config/holidays", "/config/voicemail/", "/config/fax-documents/"]
    for url in pages:
        assert c.get(url).status_code == (200 if view else 403), (name, url)
    token = page_csrf(c, "/calls/")
    for url in ("/config/routing/", "/config/flows/edit/main.toml", "/config/blacklist", "/config/voicemail/",
                "/config/fax-documents/", "/config/prompts/"):
        code = c.post(url, data={"csrf_token": token}).status_code
        assert (code != 403) == (url in change), (name, url, code)


def test_every_post_without_the_csrf_token_is_refused(app, client, user_ids):
    login(client, "admin")
    posts = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS:
            continue                    # the website chat's visitors: token-checked JSON, tests/webadmin/test_webchat.py
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint != "auth.login":
            url = re.sub(r"<int:\w+>", "1", rule.rule)
            posts.append(re.sub(r"<(?:path:)?\w+>", "voicemail" if "/inbox/" in rule.rule else "main.toml", url))
    assert len(posts) > 30
    for url in posts:
        assert client.post(url, data={"number": "139", "expiry": "forever"}).status_code == 400, url
