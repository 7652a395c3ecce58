"""The knowledge base in the console (``/kb``): search, read, write (every save a version; history, view and
restore), attachments, categories; the agent desktop's panel beside the screen pop (``/kb/panel``); and the REST
operations ``/api/kb/search``, ``/api/kb/articles`` (create) and ``/api/kb/articles/<id>`` (read, save a new
version, ``/retire``).

Reading needs ``kb.view``, every change ``kb.edit`` (each written to the audit log). The store is
telephonist/kb/store.py, the search telephonist/kb/search.py.
"""
from __future__ import annotations

from typing import Any

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, send_file,
                   url_for)

from telephonist.kb import files, store
from telephonist.kb.search import MAX_RESULTS, search
from telephonist.kb.store import Draft, KbError
from telephonist.webadmin import db, deskpop, forms, numbers, security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("kb", __name__, url_prefix="/kb", template_folder="templates")
api_bp = Blueprint("kb_api", __name__, url_prefix="/api/kb")
PAGE = 50
MAX_QUERY = 200


def _root() -> str:
    return current_app.config["WEB"].kb_files


def _query() -> str:
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        abort(400, description=f"a search is at most {MAX_QUERY} characters")
    return q


def _category_arg() -> int | None:
    value = numbers.arg(request.args, "category", 0, 0, numbers.ROW_ID_MAX)
    return value or None


def _article(article_id: int) -> dict[str, Any]:
    with db.reading() as conn:
        article = store.get(conn, article_id)
    if article is None:
        abort(404)
    return article


# ---- reading ----------------------------------------------------------------------------------
@bp.route("/")
@requires("kb.view")
def index():
    q, category, page = _query(), _category_arg(), numbers.page(request.args)
    with db.reading() as conn:
        cats = store.category_list(conn)
        if q:
            hits, total, rows = search(conn, q, MAX_RESULTS, category), 0, []
        else:
            hits = []
            total, rows = store.listing(conn, category, PAGE, (page - 1) * PAGE)
    names = {c["id"]: c["name"] for c in cats}
    return render_template("kb/index.html", q=q, category=category, categories=cats, names=names, hits=hits,
                           rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE)))


@bp.route("/<int:article_id>")
@requires("kb.view")
def article(article_id: int):
    return render_template("kb/article.html", a=_article(article_id), old=None)


@bp.route("/<int:article_id>/history")
@requires("kb.view")
def history(article_id: int):
    a = _article(article_id)
    with db.reading() as conn:
        saves = store.history(conn, article_id)
    return render_template("kb/history.html", a=a, saves=saves)


@bp.route("/<int:article_id>/versions/<int:number>")
@requires("kb.view")
def version(article_id: int, number: int):
    a = _article(article_id)
    with db.reading() as conn:
        old = store.version(conn, article_id, number)
        names = {c["id"]: c["name"] for c in store.category_list(conn)}
    if old is None:
        abort(404)
    return render_template("kb/article.html", a={**a, **old, "category": names.get(old["category_id"], ""),
                                                 "version": a["version"]}, old=old)


@bp.route("/<int:article_id>/attachments/<int:attachment_id>")
@requires("kb.view")
def attachment(article_id: int, attachment_id: int):
    with db.reading() as conn:
        found = store.attachment(conn, article_id, attachment_id)
    path = files.path_of(_root(), article_id, attachment_id) if found else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype=found["content_type"], as_attachment=True, download_name=found["name"])


# ---- writing ----------------------------------------------------------------------------------
def _draft() -> Draft:
    f = request.form
    category = numbers.arg(f, "category", 0, 0, numbers.ROW_ID_MAX) or None
    return Draft(f.get("title", ""), f.get("body", ""), category, store.parse_tags(f.get("tags", "")))


def _editor(a: dict[str, Any] | None, error: str = "", status: int = 200):
    with db.reading() as conn:
        cats = store.category_list(conn)
    form = request.form if request.method == "POST" else None
    return render_template("kb/edit.html", a=a, form=form, categories=cats, error=error), status


@bp.route("/new", methods=["GET", "POST"])
@requires("kb.view", "kb.edit")
def new():
    if request.method == "GET":
        return _editor(None)
    try:
        with db.writing() as conn:
            article_id = store.create(conn, _draft(), g.user.username)
    except KbError as exc:
        return _editor(None, f"{_('Not saved')}: {exc}", 400)
    security.audit("kb_create", request.form.get("title", "").strip(), article_id=article_id)
    return forms.done("kb.article", _("Saved."), article_id=article_id)


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@requires("kb.view", "kb.edit")
def edit(article_id: int):
    a = _article(article_id)
    if request.method == "GET":
        return _editor(a)
    based_on = numbers.arg(request.form, "version", 0, 0, 2**31 - 1) or None
    try:
        with db.writing() as conn:
            number = store.save(conn, article_id, _draft(), g.user.username, based_on)
    except KbError as exc:
        return _editor(a, f"{_('Not saved')}: {exc}", 409 if isinstance(exc, store.Changed) else 400)
    security.audit("kb_save", a["title"], article_id=article_id, version=number)
    return forms.done("kb.article", _("Saved."), article_id=article_id)


@bp.route("/<int:article_id>/versions/<int:number>/restore", methods=["POST"])
@requires("kb.view", "kb.edit")
def restore(article_id: int, number: int):
    try:
        with db.writing() as conn:
            new_number = store.restore(conn, article_id, number, g.user.username)
    except KbError:
        abort(404)
    security.audit("kb_restore", str(article_id), article_id=article_id, restored=number, version=new_number)
    return forms.done("kb.article", _("Restored."), article_id=article_id)


@bp.route("/<int:article_id>/delete", methods=["POST"])
@requires("kb.view", "kb.edit")
def delete(article_id: int):
    with db.writing() as conn:
        title = store.remove(conn, article_id)
    if title is None:
        abort(404)
    files.remove(_root(), article_id)
    security.audit("kb_delete", title, article_id=article_id)
    return forms.done("kb.index", _("Deleted."))


@bp.route("/<int:article_id>/attachments", methods=["POST"])
@requires("kb.view", "kb.edit")
def attach(article_id: int):
    upload = request.files.get("file")
    try:
        if upload is None:
            raise KbError("choose a file")
        with db.writing() as conn:
            attachment_id = store.add_attachment(conn, article_id, upload.filename or "", upload.mimetype,
                                                 g.user.username)
        try:
            size = files.write(_root(), article_id, attachment_id, upload)
        except (OSError, files.TooLarge):
            with db.writing() as conn:
                store.remove_attachment(conn, article_id, attachment_id)
            raise
        with db.writing() as conn:
            store.attachment_stored(conn, attachment_id, size)
    except (KbError, files.TooLarge, OSError) as exc:
        flash(f"{_('Not saved')}: {exc}", "error")
        return redirect(url_for("kb.article", article_id=article_id))
    security.audit("kb_attach", store.attachment_name(upload.filename or ""), article_id=article_id, attachment_id=attachment_id, size=size)
    return forms.done("kb.article", _("Saved."), article_id=article_id)


@bp.route("/<int:article_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@requires("kb.view", "kb.edit")
def detach(article_id: int, attachment_id: int):
    with db.writing() as conn:
        name = store.remove_attachment(conn, article_id, attachment_id)
    if name is None:
        abort(404)
    files.remove(_root(), article_id, attachment_id)
    security.audit("kb_detach", name, article_id=article_id, attachment_id=attachment_id)
    return forms.done("kb.article", _("Deleted."), article_id=article_id)


@bp.route("/categories", methods=["POST"])
@requires("kb.view", "kb.edit")
def add_category():
    name = request.form.get("name", "")
    try:
        with db.writing() as conn:
            category_id = store.add_category(conn, name)
    except KbError as exc:
        return forms.refused("kb.index", f"{_('Not saved')}: {exc}")
    security.audit("kb_category_add", name.strip(), category_id=category_id)
    return forms.done("kb.index", _("Saved."))


@bp.route("/categories/<int:category_id>/delete", methods=["POST"])
@requires("kb.view", "kb.edit")
def remove_category(category_id: int):
    with db.writing() as conn:
        name = store.remove_category(conn, category_id)
    if name is None:
        abort(404)
    security.audit("kb_category_remove", name, category_id=category_id)
    return forms.done("kb.index", _("Deleted."))


# ---- the agent desktop's panel ----------------------------------------------------------------
@bp.route("/panel")
@requires("desk.use", "kb.view")
def panel():
    """Beside the screen pop: the articles tagged with the call's IVR nodes and queue, or a search's hits."""
    from telephonist.webadmin.desk import _call_of_mine          # the desktop's rule: the agent's own calls only
    q, call_id = _query(), request.args.get("call_id", "")
    suggested: list[dict[str, Any]] = []
    with db.reading() as conn:
        if call_id:
            call = _call_of_mine(call_id)
            nodes = [f"{s['flow']}/{s['node']}" for s in deskpop.menu_path(conn, call_id)]
            suggested = store.for_call(conn, call["queue"], nodes)
        hits = search(conn, q, 10) if q else []
    return render_template("agent/_kb.html", q=q, suggested=suggested, hits=hits)


@bp.route("/panel/<int:article_id>")
@requires("desk.use", "kb.view")
def panel_article(article_id: int):
    return render_template("agent/_kb_article.html", a=_article(article_id))


# ---- REST -------------------------------------------------------------------------------------
@api_bp.errorhandler(400)
@api_bp.errorhandler(404)
def _api_error(exc):
    code = "bad_request" if exc.code == 400 else "not_found"
    return jsonify(error={"code": code, "message": getattr(exc, "description", code)}), exc.code


@api_bp.route("/search")
@requires("kb.view")
def api_search():
    q = _query()
    limit = numbers.arg(request.args, "limit", 20, 1, MAX_RESULTS)
    with db.reading() as conn:
        hits = search(conn, q, limit, _category_arg()) if q else []
    return jsonify(query=q, hits=[{"id": h.id, "title": str(h.title), "snippet": str(h.snippet),
                                   "category_id": h.category_id, "score": h.score} for h in hits])


@api_bp.errorhandler(409)
def _api_conflict(exc):
    return jsonify(error={"code": "conflict", "message": getattr(exc, "description", "conflict")}), 409


def _article_json(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": a["id"], "title": a["title"], "body": a["body"], "category": a["category"],
        "category_id": a["category_id"], "version": a["version"],
        "updated_at": a["updated_at"].isoformat(), "updated_by": a["updated_by"],
        "retired": a["retired_at"] is not None,
        "tags": [f"{k}:{v}" for k, v in a["tags"]],
        "attachments": [{"id": x["id"], "name": x["name"], "size": x["size"]} for x in a["attachments"]]}


@api_bp.route("/articles/<int:article_id>")
@requires("kb.view")
def api_article(article_id: int):
    with db.reading() as conn:
        a = store.get(conn, article_id)
    if a is None:
        abort(404, description="no such article")
    return jsonify(article=_article_json(a))


def _api_draft(body: dict[str, Any]) -> Draft:
    """A Draft from a JSON body: title, body (text), category_id (an id or null), tags (["queue:NAME", ...])."""
    title, text, category, tags = body.get("title"), body.get("body", ""), body.get("category_id"), body.get("tags", [])
    if not isinstance(title, str) or not isinstance(text, str):
        raise KbError("title and body: text")
    if category is not None and (isinstance(category, bool) or not isinstance(category, int)):
        raise KbError("category_id: a category's id or null")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise KbError('tags: a list like ["queue:service", "ivr:main/gas"]')
    return Draft(title, text, category, store.parse_tags(" ".join(tags)))


def _api_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="a JSON object body is needed")
    return body


def _api_saved(article_id: int, status: int = 200):
    with db.reading() as conn:
        resp = jsonify(article=_article_json(store.get(conn, article_id)))
    resp.status_code = status
    return resp


@api_bp.route("/articles", methods=["POST"])
@requires("kb.view", "kb.edit")
def api_create():
    body = _api_body()
    try:
        with db.writing() as conn:
            article_id = store.create(conn, _api_draft(body), g.user.username)
    except KbError as exc:
        abort(400, description=str(exc))
    security.audit("kb_create", body["title"].strip(), article_id=article_id, via="api")
    return _api_saved(article_id, 201)


@api_bp.route("/articles/<int:article_id>", methods=["PUT"])
@requires("kb.view", "kb.edit")
def api_save(article_id: int):
    """A new version (a retired article comes back); `version`: the one the caller started from (409 when
    another save came in between)."""
    body = _api_body()
    based_on, note = body.get("version"), body.get("note", "")
    if based_on is not None and (isinstance(based_on, bool) or not isinstance(based_on, int)):
        abort(400, description="version: the version the change starts from (a whole number)")
    if not isinstance(note, str):
        abort(400, description="note: text")
    try:
        with db.writing() as conn:
            if store.get(conn, article_id) is None:
                abort(404, description="no such article")
            number = store.save(conn, article_id, _api_draft(body), g.user.username, based_on, note[:200])
    except store.Changed as exc:
        abort(409, description=str(exc))
    except KbError as exc:
        abort(400, description=str(exc))
    security.audit("kb_save", body["title"].strip(), article_id=article_id, version=number, via="api")
    return _api_saved(article_id)


@api_bp.route("/articles/<int:article_id>/retire", methods=["POST"])
@requires("kb.view", "kb.edit")
def api_retire(article_id: int):
    """Retire: kept with its versions, no longer found by the search or shown beside the pop."""
    body = request.get_json(silent=True) or {}
    note = body.get("note", "") if isinstance(body, dict) else ""
    if not isinstance(note, str):
        abort(400, description="note: text")
    try:
        with db.writing() as conn:
            if store.get(conn, article_id) is None:
                abort(404, description="no such article")
            number = store.retire(conn, article_id, g.user.username, note)
    except KbError as exc:
        abort(400, description=str(exc))
    security.audit("kb_retire", str(article_id), article_id=article_id, version=number, via="api")
    return _api_saved(article_id)
