"""The voicemail and fax inbox: each user sees the mailboxes it may, listens by right, classifies, marks
handled (who and when), forwards by e-mail through a real SMTP server; the API gives the same by token."""
from __future__ import annotations

import wave
from io import BytesIO

from sqlalchemy import select

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_messages
from telephonist.webadmin import accounts, db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.site_support import add_box, add_fax, add_voicemail
from tests.webadmin.support import login, page_csrf


def _seed(app, site):
    add_box(app, "1001", "Agent 1001")
    add_box(app, "1002", "Agent 1002")
    add_box(app, "100", "Service desk")
    ids = {
        "mine": add_voicemail(app, site, "1001", "13800000001", minutes_ago=30),
        "mine2": add_voicemail(app, site, "1001", "13800000002", category="complaint", minutes_ago=20),
        "theirs": add_voicemail(app, site, "1002", "13900000001", minutes_ago=10),
        "desk": add_voicemail(app, site, "100", "13700000001", minutes_ago=5),
        "fax": add_fax(app, site, caller="02188880000", pages=2),
        "fax_failed": add_fax(app, site, caller="02188881111", ok=False, pdf=False),
    }
    return ids


def test_agents_see_their_own_box_and_supervisors_every_one(site_app, site_client, site):
    ids = _seed(site_app, site)
    c = site_client
    login(c, "agent1")
    page = c.get("/inbox/voicemail/").get_data(as_text=True)
    assert "13800000001" in page and "13800000002" in page and "13900000001" not in page and "13700000001" not in page
    assert c.get(f"/inbox/voicemail/{ids['theirs']}").status_code == 404          # by URL: it does not exist
    assert c.get(f"/inbox/voicemail/{ids['theirs']}/audio").status_code == 404
    audio = c.get(f"/inbox/voicemail/{ids['mine']}/audio")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    with wave.open(BytesIO(audio.data)) as w:                                      # A-law on disk, PCM to the browser
        assert (w.getframerate(), w.getsampwidth()) == (8000, 2)
    token = page_csrf(c, "/inbox/voicemail/")
    assert c.post(f"/inbox/voicemail/{ids['theirs']}/handled", data={"handled": "1", "csrf_token": token}).status_code == 404
    assert c.get("/inbox/fax/").status_code == 200 and "02188880000" not in c.get("/inbox/fax/").get_data(as_text=True)
    assert c.get(f"/inbox/fax/{ids['fax']}").status_code == 404

    login(c, "super")
    page = c.get("/inbox/voicemail/").get_data(as_text=True)
    assert all(n in page for n in ("13800000001", "13900000001", "13700000001"))
    only = c.get("/inbox/voicemail/?category=complaint").get_data(as_text=True)
    assert "13800000002" in only and "13800000001" not in only
    assert "13900000001" not in c.get("/inbox/voicemail/?mailbox=1001").get_data(as_text=True)
    assert c.get("/inbox/voicemail/?handled=maybe").status_code == 200            # a bad filter says so
    faxes_page = c.get("/inbox/fax/?result=ok").get_data(as_text=True)
    assert "02188880000" in faxes_page and "02188881111" not in faxes_page
    pdf = c.get(f"/inbox/fax/{ids['fax']}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert c.get(f"/inbox/fax/{ids['fax_failed']}/pdf").status_code == 404

    login(c, "audit")                                                  # no inbox rights at all
    assert c.get("/inbox/voicemail/").status_code == 403


def test_classify_and_mark_handled_say_who_and_when(site_app, site_client, site):
    ids = _seed(site_app, site)
    c = site_client
    login(c, "agent1")
    token = page_csrf(c, "/inbox/voicemail/")
    assert c.post(f"/inbox/voicemail/{ids['mine']}/classify", data={"category": "suggestion", "csrf_token": token}).status_code == 302
    assert c.post(f"/inbox/voicemail/{ids['mine']}/classify", data={"category": "spam", "csrf_token": token}).status_code == 400
    c.post(f"/inbox/voicemail/{ids['mine']}/handled", data={"handled": "1", "csrf_token": token})
    with db.reading(site_app) as conn:
        msg = conn.execute(select(voicemail_messages).where(voicemail_messages.c.id == ids["mine"])).one()
    assert (msg.category, msg.handled, msg.handled_by) == ("suggestion", True, "agent1") and msg.handled_at
    page = c.get(f"/inbox/voicemail/{ids['mine']}").get_data(as_text=True)
    assert "Handled by" in page and "<b>agent1</b>" in page
    assert "13800000002" in c.get("/inbox/voicemail/?handled=no").get_data(as_text=True)
    assert "13800000001" not in c.get("/inbox/voicemail/?handled=no").get_data(as_text=True)

    login(c, "super")
    token = page_csrf(c, "/inbox/fax/")
    c.post(f"/inbox/fax/{ids['fax']}/classify", data={"category": "complaint", "csrf_token": token})
    c.post(f"/inbox/fax/{ids['fax']}/handled", data={"handled": "1", "csrf_token": token})
    c.post(f"/inbox/fax/{ids['fax']}/handled", data={"handled": "0", "csrf_token": token})
    with db.reading(site_app) as conn:
        fax = conn.execute(select(faxes).where(faxes.c.id == ids["fax"])).one()
        actions = list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())
    assert (fax.category, fax.handled, fax.handled_by) == ("complaint", False, None)
    assert ["voicemail_classify", "voicemail_handled", "fax_classify", "fax_handled", "fax_unhandled"] == \
        [a for a in actions if a.startswith(("voicemail_", "fax_"))]


def test_forward_by_email_attaches_the_audio_or_the_pdf(site_app, site_client, site, smtp):
    inbox, _port = smtp
    ids = _seed(site_app, site)
    c = site_client
    login(c, "super")
    token = page_csrf(c, "/inbox/voicemail/")
    r = c.post(f"/inbox/voicemail/{ids['desk']}/forward", data={"to": "boss@example.com", "note": "please call back",
                                                                "csrf_token": token})
    assert r.status_code == 302
    c.post(f"/inbox/fax/{ids['fax']}/forward", data={"to": "orders@example.com", "csrf_token": token})
    c.post(f"/inbox/fax/{ids['fax']}/forward", data={"to": "nobody", "csrf_token": token})         # refused
    assert len(inbox.messages) == 2
    vm, fx = inbox.messages
    assert vm["To"] == "boss@example.com" and vm["From"] == "voicemail@example.com" and "13700000001" in vm["Subject"]
    assert "please call back" in vm.get_body(("plain",)).get_content()
    att = next(vm.iter_attachments())
    assert att.get_content_type() == "audio/wav" and att.get_content()[:4] == b"RIFF"
    assert fx["From"] == "fax@example.com" and next(fx.iter_attachments()).get_content()[:5] == b"%PDF-"

    login(c, "agent1")                                  # another's message: not even forwardable by URL
    token = page_csrf(c, "/inbox/voicemail/")
    assert c.post(f"/inbox/voicemail/{ids['theirs']}/forward", data={"to": "x@example.com", "csrf_token": token}).status_code == 404
    assert len(inbox.messages) == 2


def test_the_api_lists_and_serves_voicemail_and_faxes_by_right(site_app, site_client, site):
    ids = _seed(site_app, site)
    users = {u["username"]: u["id"] for u in _users(site_app)}

    def bearer(name):
        with db.writing(site_app) as conn:
            return {"Authorization": "Bearer " + accounts.create_token(conn, users[name], "crm")[1]}
    c = site_client
    sup, agent = bearer("super"), bearer("agent1")
    r = c.get("/api/voicemail", headers=sup)
    assert r.status_code == 200 and r.json["total"] == 4 and "path" not in r.json["voicemail"][0]
    assert c.get("/api/voicemail?category=complaint", headers=sup).json["total"] == 1
    assert {m["id"] for m in c.get("/api/voicemail", headers=agent).json["voicemail"]} == {ids["mine"], ids["mine2"]}
    assert c.get(f"/api/voicemail/{ids['theirs']}", headers=agent).status_code == 404
    one = c.get(f"/api/voicemail/{ids['mine']}", headers=agent).json["voicemail"]
    assert one["mailbox"] == "1001" and one["has_audio"] is True
    audio = c.get(f"/api/voicemail/{ids['mine']}/audio", headers=agent)
    assert audio.status_code == 200 and audio.data == (site / "voicemail" / "1001").joinpath(
        next(p.name for p in (site / "voicemail" / "1001").iterdir() if "13800000001" in p.name)).read_bytes()
    assert c.get("/api/faxes", headers=agent).json["total"] == 0
    faxes_ = c.get("/api/faxes?direction=inbound", headers=sup).json
    assert faxes_["total"] == 2 and {f["has_pdf"] for f in faxes_["faxes"]} == {True, False}
    assert c.get(f"/api/faxes/{ids['fax']}/pdf", headers=sup).data[:5] == b"%PDF-"
    assert c.get(f"/api/faxes/{ids['fax']}/pdf", headers=agent).status_code == 404
    assert c.get("/api/voicemail?handled=perhaps", headers=sup).status_code == 400
    assert c.get("/api/voicemail", headers=bearer("audit")).status_code == 403


def _users(app):
    with db.reading(app) as conn:
        return accounts.list_users(conn)
