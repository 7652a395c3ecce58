"""Input a person or a program may really send: other scripts' digits ('١٢٣', '１２３', '²'), numbers past
the database's integers, WAV files cut short. Each gets a clear refusal (400, or 404 for an id that
cannot exist), nothing is stored, and no page ever answers 500."""
from __future__ import annotations

import html
import io
import re
import wave

import pytest
from sqlalchemy import select

from telephonist.ivrd.schema import blacklist, voicemail_boxes
from telephonist.webadmin import db
from tests.webadmin.site_support import add_box, add_fax, add_voicemail
from tests.webadmin.support import add_leg, login, page_csrf, tone

ARABIC_1234 = "١٢٣٤"
NASTY = [ARABIC_1234, "１２３４", "²", "9" * 40]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"(?:[^>]*\bvalue="([^"]*)")?')


@pytest.fixture
def admin(site_app, site_client, site):
    add_box(site_app, "1001")
    ids = {"vm": add_voicemail(site_app, site, "1001", "13800000001"), "fax": add_fax(site_app, site, caller="021"),
           "leg": add_leg(site_app, caller="13900000002", dialled="4008001234", application="ivr:main")}
    login(site_client, "admin")
    site_client.ids = ids
    return site_client


def _forms(client, path: str):
    """(method, action, fields) of every form on the page at ``path``."""
    page = client.get(path)
    for attrs, body in FORM.findall(page.get_data(as_text=True)):
        action = re.search(r'\baction="([^"]*)"', attrs)
        method = "POST" if re.search(r'method="post"', attrs) else "GET"
        fields = {n: html.unescape(v) for n, v in FIELD.findall(body)}
        yield method, html.unescape(action.group(1)) if action else path, fields


@pytest.mark.long
def test_no_form_field_and_no_query_parameter_ever_answers_500(site_app, admin):
    site_app.config["PROPAGATE_EXCEPTIONS"] = False         # a crash answers 500 here, as in production
    pages = [r.rule for r in site_app.url_map.iter_rules() if "GET" in r.methods and not r.arguments
             and not r.rule.startswith(("/api/", "/live/events", "/static")) and not r.rule.endswith((".csv", ".xlsx"))]
    ids = admin.ids
    pages += [f"/calls/{ids['leg']}", f"/inbox/voicemail/{ids['vm']}", f"/inbox/fax/{ids['fax']}"]
    tried, crashed = 0, []
    for path in pages:
        for method, action, fields in list(_forms(admin, path)):
            for name in [n for n in fields if n != "csrf_token"]:
                for value in NASTY:
                    data = {**fields, name: value}
                    r = admin.post(action, data=data) if method == "POST" else admin.get(action, query_string=data)
                    tried += 1
                    if r.status_code >= 500:
                        crashed.append((method, action, name, value))
    for url in ("/calls/", "/calls/export.csv", "/inbox/voicemail/", "/inbox/fax/", "/admin/audit", "/reports/"):
        for name in ("page", "channel", "min_talk_s", "max_talk_s", "since", "until"):
            for value in NASTY + ["pstn/²", "pstn/" + "9" * 40]:
                tried += 1
                if admin.get(url, query_string={name: value}).status_code >= 500:
                    crashed.append(("GET", url, name, value))
    api = {"Authorization": f"Bearer {_api_token(site_app)}"}
    for url in ("/calls/", "/inbox/voicemail/", "/inbox/fax/", "/api/calls/", "/api/faxes/"):
        for tail in ("9" * 40, ARABIC_1234):                  # an id that cannot exist: no such page
            tried += 1
            if admin.get(url + tail, headers=api).status_code != 404:
                crashed.append(("GET", url + tail, "id", tail))
    assert tried > 300 and crashed == []


def test_other_scripts_digits_are_refused_where_digits_are_keyed(site_app, admin):
    token = page_csrf(admin, "/config/voicemail/")
    r = admin.post("/config/voicemail/", data={"mailbox": ARABIC_1234, "pin": "1234", "csrf_token": token})
    assert r.status_code == 400 and "1 to 16 digits 0-9" in r.get_data(as_text=True)
    r = admin.post("/config/voicemail/", data={"mailbox": "2002", "pin": "١٢٣٤٥", "csrf_token": token})
    assert r.status_code == 400 and "a PIN is 4 to 12 digits 0-9" in r.get_data(as_text=True)
    r = admin.post("/config/blacklist", data={"number": "١٣٩١٢٣٤٥٦٧٨", "expiry": "forever", "csrf_token": token})
    assert r.status_code == 400 and "a number is digits" in r.get_data(as_text=True)
    r = admin.post("/config/fax-documents/", data={"number": "١٠١", "file": (io.BytesIO(b"menu\n"), "menu.txt"),
                                                   "csrf_token": token}, content_type="multipart/form-data")
    assert r.status_code == 400 and "1 to 6 digits" in r.get_data(as_text=True)
    with db.reading(site_app) as conn:
        assert conn.execute(select(voicemail_boxes.c.mailbox)).scalars().all() == ["1001"]
        assert conn.execute(select(blacklist.c.number)).all() == []


def test_search_numbers_must_be_digits_in_range(site_app, admin):
    page = admin.get("/calls/?channel=pstn/²").get_data(as_text=True)
    assert "channel: span/N with N in digits 0-9" in page
    r = admin.get("/calls/export.csv?min_talk_s=" + ARABIC_1234)
    assert r.status_code == 400 and "min_talk_s: a whole number from 0 to" in r.get_data(as_text=True)
    r = admin.get("/calls/?page=" + "9" * 40)
    assert r.status_code == 400 and "page: a whole number from 1 to" in r.get_data(as_text=True)
    token = _api_token(site_app)
    r = admin.get("/api/calls?offset=" + "9" * 40, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json["error"]["message"].startswith("offset: a whole number from 0 to")
    r = admin.get("/api/calls?channel=pstn/١", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_request"
    r = admin.get("/api/calls?channel=pstn/1", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["total"] == 1


def _api_token(app) -> str:
    from telephonist.webadmin import accounts
    from telephonist.webadmin.schema import users
    with db.writing(app) as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == "admin")).scalar_one()
        return accounts.create_token(conn, uid, "probe")[1]


def _wav(ms: int = 500) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(tone(440, ms))
    return buf.getvalue()


@pytest.mark.parametrize("cut", [20, 30, 40, 44, 1000])
def test_a_wav_cut_short_is_refused_as_a_prompt_and_shown_as_broken(site_app, admin, site, cut):
    data = _wav()[:cut]
    token = page_csrf(admin, "/config/prompts/")
    r = admin.post("/config/prompts/", data={"file": (io.BytesIO(data), "cut.wav"), "folder": "zh", "name": "cut",
                                             "csrf_token": token}, content_type="multipart/form-data")
    assert r.status_code == 400 and "cut short" in r.get_data(as_text=True)
    assert not (site / "prompts" / "zh" / "cut.wav").exists()

    (site / "prompts" / "zh" / "broken.wav").write_bytes(data)     # a file cut short on disk (crash, full disk)
    page = admin.get("/config/prompts/")
    row = re.search(r'<tr id="p-zh/broken.wav".*?</tr>', page.get_data(as_text=True), re.S).group(0)
    assert page.status_code == 200 and "cut short" in row
    assert admin.get("/config/prompts/audio/zh/broken.wav").status_code in (200, 404)   # what is there, or nothing
    (site / "recordings" / "cut.wav").write_bytes(data)
    leg = add_leg(site_app, caller="13700000003", dialled="4008001234", application="ivr:main", recording="cut.wav")
    assert admin.get(f"/calls/{leg}").status_code == 200
    assert admin.get(f"/calls/{leg}/recording").status_code in (200, 404)
