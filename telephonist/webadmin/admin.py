"""Users, roles and their rights, API tokens, and the audit log. Every change is audited."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from telephonist.webadmin import accounts, db, numbers, security
from telephonist.webadmin.accounts import AccountError
from telephonist.webadmin.i18n import LANGUAGES, gettext as _
from telephonist.webadmin.rights import RIGHTS
from telephonist.webadmin.security import requires

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _back(endpoint: str):
    return redirect(url_for(endpoint))


@bp.route("/users")
@requires("admin.users")
def users():
    with db.reading() as conn:
        return render_template("admin/users.html", users=accounts.list_users(conn),
                               roles=accounts.list_roles(conn), languages=LANGUAGES)


@bp.route("/users", methods=["POST"])
@requires("admin.users")
def create_user():
    f = request.form
    try:
        with db.writing() as conn:
            uid = accounts.create_user(conn, f.get("username", ""), f.get("password", ""), f.get("role", ""),
                                       agent_id=f.get("agent_id", "").strip(), language=f.get("language", ""),
                                       method=current_app.config["WEB"].password_method)
            accounts.audit(conn, g.user, "user_create", f.get("username", ""), security.client_ip(),
                           user_id=uid, role=f.get("role"), agent_id=f.get("agent_id", ""))
        flash(_("Saved."), "ok")
    except AccountError as exc:
        flash(str(exc), "error")
    return _back("admin.users")


@bp.route("/users/<int:user_id>", methods=["POST"])
@requires("admin.users")
def edit_user(user_id: int):
    f = request.form
    active = f.get("active") == "on"
    role = f.get("role") or None
    if user_id == g.user.id and (not active or (role and role != g.user.role)):
        flash("you cannot disable yourself or change your own role", "error")
        return _back("admin.users")
    try:
        with db.writing() as conn:
            target = accounts.get_user(conn, user_id)
            if target is None:
                abort(404)
            accounts.update_user(conn, user_id, role=role, agent_id=f.get("agent_id", "").strip(),
                                 active=active, password=f.get("password") or None,
                                 language=f.get("language", ""), unlock=f.get("unlock") == "on",
                                 method=current_app.config["WEB"].password_method)
            changes = {"role": role, "agent_id": f.get("agent_id", ""), "active": active,
                       "password_changed": bool(f.get("password")), "unlock": f.get("unlock") == "on",
                       "language": f.get("language", "")}
            accounts.audit(conn, g.user, "user_update", target.username, security.client_ip(), **changes)
        flash(_("Saved."), "ok")
    except AccountError as exc:
        flash(str(exc), "error")
    return _back("admin.users")


@bp.route("/roles")
@requires("admin.users")
def roles():
    with db.reading() as conn:
        return render_template("admin/roles.html", roles=accounts.list_roles(conn), rights=RIGHTS)


@bp.route("/roles", methods=["POST"])
@requires("admin.users")
def create_role():
    rights = set(request.form.getlist("rights")) & set(RIGHTS)
    name = request.form.get("name", "")
    try:
        with db.writing() as conn:
            rid = accounts.create_role(conn, name, rights, request.form.get("description", ""))
            accounts.audit(conn, g.user, "role_create", name, security.client_ip(), role_id=rid, rights=sorted(rights))
        flash(_("Saved."), "ok")
    except AccountError as exc:
        flash(str(exc), "error")
    return _back("admin.roles")


@bp.route("/roles/<int:role_id>", methods=["POST"])
@requires("admin.users")
def edit_role(role_id: int):
    rights = set(request.form.getlist("rights")) & set(RIGHTS)
    with db.writing() as conn:
        role = next((r for r in accounts.list_roles(conn) if r["id"] == role_id), None)
        if role is None:
            abort(404)
        if role["name"] == "administrator" and "admin.users" not in rights:
            flash("the administrator role keeps the right to manage users", "error")
            return _back("admin.roles")
        accounts.set_role_rights(conn, role_id, rights)
        accounts.audit(conn, g.user, "role_rights", role["name"], security.client_ip(),
                       before=sorted(role["rights"]), after=sorted(rights))
    flash(_("Saved."), "ok")
    return _back("admin.roles")


@bp.route("/tokens")
@requires("admin.users")
def tokens():
    with db.reading() as conn:
        return render_template("admin/tokens.html", tokens=accounts.list_tokens(conn),
                               users=accounts.list_users(conn), new_secret=None)


@bp.route("/tokens", methods=["POST"])
@requires("admin.users")
def create_token():
    user_id = numbers.arg(request.form, "user_id", 0, 1, numbers.ROW_ID_MAX)
    name = request.form.get("name", "")
    with db.writing() as conn:
        owner = accounts.get_user(conn, user_id) if user_id else None
        if owner is None:
            abort(400, description="user_id: no such user")
        tid, secret = accounts.create_token(conn, owner.id, name)
        accounts.audit(conn, g.user, "token_create", name, security.client_ip(), token_id=tid, acts_as=owner.username)
    with db.reading() as conn:
        return render_template("admin/tokens.html", tokens=accounts.list_tokens(conn),
                               users=accounts.list_users(conn), new_secret=secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("admin.users")
def revoke_token(token_id: int):
    with db.writing() as conn:
        accounts.revoke_token(conn, token_id)
        accounts.audit(conn, g.user, "token_revoke", str(token_id), security.client_ip())
    flash(_("Saved."), "ok")
    return _back("admin.tokens")


@bp.route("/audit")
@requires("admin.audit")
def audit_log():
    page = numbers.page(request.args)
    with db.reading() as conn:
        entries = accounts.audit_entries(conn, 100, (page - 1) * 100)
    return render_template("admin/audit.html", entries=entries, page=page)
