"""The voicemail and fax inbox: search, listen to a message or view a fax's PDF (a right of its own,
like recordings), classify it (complaint, suggestion, other), mark it handled (who and when), and
forward it by e-mail with the SMTP settings of [ivrd.voicemail] or [faxd]."""
from __future__ import annotations

import os
import smtplib
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for

from telephonist.mail import send_mail_now
from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_messages
from telephonist.webadmin import audio, db, inboxdb, numbers, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.files import inside
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.inboxdb import CATEGORIES, InboxSearch
from telephonist.webadmin.mailboxes import EMAIL
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("inbox", __name__, url_prefix="/inbox", template_folder="templates")


def _search() -> tuple[InboxSearch, str]:
    try:
        return InboxSearch.from_args(request.args, site_tz()), ""
    except ValueError as exc:
        return InboxSearch(), str(exc)


def _page() -> int:
    return numbers.page(request.args)


# ---- voicemail ------------------------------------------------------------------------------------
def visible_voicemail(msg_id: int) -> dict:
    with db.reading() as conn:
        msg = inboxdb.get_voicemail(conn, msg_id)
    if msg is None or not inboxdb.may_see_voicemail(msg, g.user):
        abort(404)                           # another agent's box does not exist for this user
    return msg


def voicemail_file(msg: dict) -> Path | None:
    return inside(site().voicemail_dir, msg["path"])


@bp.route("/voicemail/")
@requires("inbox.view")
def voicemail_list():
    size = current_app.config["WEB"].page_size
    s, error = _search()
    with db.reading() as conn:
        total = inboxdb.count_voicemail(conn, g.user, s)
        items = inboxdb.voicemail(conn, g.user, s, size, (_page() - 1) * size)
        boxes = inboxdb.mailboxes_of(conn, g.user)
    return render_template("inbox/voicemail.html", items=items, total=total, page=_page(), page_size=size, s=s,
                           args=s.as_args(site_tz()), error=error, boxes=boxes, categories=CATEGORIES)


@bp.route("/voicemail/<int:msg_id>")
@requires("inbox.view")
def voicemail_detail(msg_id: int):
    msg = visible_voicemail(msg_id)
    return render_template("inbox/voicemail_detail.html", msg=msg, has_audio=voicemail_file(msg) is not None,
                           categories=CATEGORIES)


@bp.route("/voicemail/<int:msg_id>/audio")
@requires("inbox.view", "inbox.listen")
def voicemail_audio(msg_id: int):
    path = voicemail_file(visible_voicemail(msg_id))
    if path is None:
        abort(404)
    try:
        data = audio.browser_wav(path)
    except audio.BadRecording as exc:
        abort(404, description=str(exc))
    return Response(data, mimetype="audio/wav", headers={"Cache-Control": "private, no-store"})


@bp.route("/voicemail/<int:msg_id>/download")
@requires("inbox.view", "inbox.listen")
def voicemail_download(msg_id: int):
    msg = visible_voicemail(msg_id)
    path = voicemail_file(msg)
    if path is None:
        abort(404)
    security.audit("voicemail_download", f"voicemail:{msg_id}", mailbox=msg["mailbox"])
    return send_file(path, mimetype="audio/wav", as_attachment=True,
                     download_name=f"voicemail-{msg_id}-{msg['caller'] or 'unknown'}.wav")


# ---- faxes ----------------------------------------------------------------------------------------
def visible_fax(fax_id: int) -> dict:
    if not inboxdb.may_see_fax(g.user):
        abort(404)
    with db.reading() as conn:
        fax = inboxdb.get_fax(conn, fax_id)
    if fax is None:
        abort(404)
    return fax


def fax_pdf(fax: dict) -> Path | None:
    return inside(site().fax_spool_dir, fax["pdf_path"])


@bp.route("/fax/")
@requires("inbox.view")
def fax_list():
    size = current_app.config["WEB"].page_size
    s, error = _search()
    with db.reading() as conn:
        total = inboxdb.count_faxes(conn, g.user, s)
        items = inboxdb.fax_list(conn, g.user, s, size, (_page() - 1) * size)
        boxes = inboxdb.fax_mailboxes(conn)
    return render_template("inbox/fax.html", items=items, total=total, page=_page(), page_size=size, s=s,
                           args=s.as_args(site_tz()), error=error, boxes=boxes, categories=CATEGORIES)


@bp.route("/fax/<int:fax_id>")
@requires("inbox.view")
def fax_detail(fax_id: int):
    fax = visible_fax(fax_id)
    return render_template("inbox/fax_detail.html", fax=fax, has_pdf=fax_pdf(fax) is not None, categories=CATEGORIES)


@bp.route("/fax/<int:fax_id>/pdf")
@requires("inbox.view", "inbox.listen")
def fax_view(fax_id: int):
    path = fax_pdf(visible_fax(fax_id))
    if path is None:
        abort(404)
    resp = send_file(path, mimetype="application/pdf", download_name=f"fax-{fax_id}.pdf")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/fax/<int:fax_id>/download")
@requires("inbox.view", "inbox.listen")
def fax_download(fax_id: int):
    fax = visible_fax(fax_id)
    path = fax_pdf(fax)
    if path is None:
        abort(404)
    security.audit("fax_download", f"fax:{fax_id}", mailbox=fax["mailbox"])
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"fax-{fax_id}-{fax['caller'] or fax['remote_ident'] or 'unknown'}.pdf")


# ---- marks and forwarding (both kinds) --------------------------------------------------------------
KINDS = {"voicemail": (voicemail_messages, visible_voicemail, "inbox.voicemail_detail", "msg_id"),
         "fax": (faxes, visible_fax, "inbox.fax_detail", "fax_id")}


def _kind(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


@bp.route("/<kind>/<int:item_id>/classify", methods=["POST"])
@requires("inbox.view")
def classify(kind: str, item_id: int):
    table, visible, detail, arg = _kind(kind)
    item = visible(item_id)
    category = request.form.get("category", "")
    if category not in CATEGORIES:
        abort(400, description=f"category: one of {', '.join(CATEGORIES)}")
    with db.writing() as conn:
        inboxdb.classify(conn, table, item_id, category)
    security.audit(f"{kind}_classify", f"{kind}:{item_id}", before=item["category"], after=category)
    flash(_("Saved."), "ok")
    return redirect(url_for(detail, **{arg: item_id}))


@bp.route("/<kind>/<int:item_id>/handled", methods=["POST"])
@requires("inbox.view")
def handled(kind: str, item_id: int):
    table, visible, detail, arg = _kind(kind)
    visible(item_id)
    done = request.form.get("handled") == "1"
    with db.writing() as conn:
        inboxdb.mark_handled(conn, table, item_id, done, g.user.username)
    security.audit(f"{kind}_handled" if done else f"{kind}_unhandled", f"{kind}:{item_id}")
    flash(_("Saved."), "ok")
    nxt = request.form.get("next", "")
    return redirect(nxt if nxt.startswith("/inbox/") else url_for(detail, **{arg: item_id}))


@bp.route("/<kind>/<int:item_id>/forward", methods=["POST"])
@requires("inbox.view", "inbox.listen")
def forward(kind: str, item_id: int):
    _table, visible, detail, arg = _kind(kind)
    item = visible(item_id)
    to = request.form.get("to", "").strip()
    back = redirect(url_for(detail, **{arg: item_id}))
    if not EMAIL.match(to):
        flash(f"{_('Not sent')}: {_('an e-mail address like name@example.com')}", "error")
        return back
    note = request.form.get("note", "").strip()[:2000]
    try:
        if kind == "voicemail":
            _forward_voicemail(item, to, note)
        else:
            _forward_fax(item, to, note)
    except (OSError, smtplib.SMTPException, LookupError) as exc:
        flash(f"{_('Not sent')}: {exc}", "error")
        return back
    security.audit(f"{kind}_forward", f"{kind}:{item_id}", to=to)
    flash(f"{_('Sent to')} {to}.", "ok")
    return back


def _body(lines: list[tuple[str, str]], note: str) -> str:
    text = "\n".join(f"{k}: {v}" for k, v in lines if v)
    return (note + "\n\n" if note else "") + text + f"\n\n-- forwarded by {g.user.username} from the Telephonist web admin\n"


def _forward_voicemail(msg: dict, to: str, note: str) -> None:
    path = voicemail_file(msg)
    if path is None:
        raise LookupError("the message's audio file is missing")
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, f"voicemail-{msg['id']}.wav")
        Path(wav).write_bytes(audio.browser_wav(path))           # PCM: every mail client plays it
        send_mail_now(site().voicemail_smtp(), to, f"Voicemail from {msg['caller'] or 'unknown'} (mailbox {msg['mailbox']})",
                _body([("Mailbox", f"{msg['mailbox']} {msg.get('box_name') or ''}".strip()), ("From", msg["caller"]),
                       ("Dialled", msg["dialled"]), ("Received", msg["created_at"].astimezone(site_tz()).isoformat(" ", "seconds")),
                       ("Length", f"{msg['duration_ms'] / 1000:.0f} s"), ("Category", msg["category"])], note), wav)


def _forward_fax(fax: dict, to: str, note: str) -> None:
    path = fax_pdf(fax)
    if path is None:
        raise LookupError("the fax has no PDF")
    send_mail_now(site().fax_smtp(), to, f"Fax from {fax['caller'] or fax['remote_ident'] or 'unknown'} ({fax['pages']} pages)",
            _body([("Mailbox", fax["mailbox"] or ""), ("From", fax["caller"]), ("Station", fax["remote_ident"]),
                   ("Received", fax["created_at"].astimezone(site_tz()).isoformat(" ", "seconds")),
                   ("Pages", str(fax["pages"])), ("Category", fax["category"])], note), str(path))
