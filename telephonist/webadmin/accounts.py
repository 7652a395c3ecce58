"""Users, roles, sessions, API tokens and the audit log: plain functions of a Connection.

Passwords are hashed by werkzeug.security (scrypt). Session ids and API tokens
are random secrets given to the browser/integrator once; only their SHA-256 is
stored, so a copy of the database does not let anyone in.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from telephonist.storage.database import utcnow
from telephonist.webadmin.rights import BUILTIN_ROLES, RIGHTS, check_rights
from telephonist.webadmin.schema import api_tokens, audit_log, builtin_offers, role_rights, roles, sessions, users

log = logging.getLogger(__name__)
MIN_PASSWORD = 8
PASSWORD_METHOD = "scrypt"          # werkzeug's default; WebConfig.password_method may choose pbkdf2
_DUMMY_HASHES: dict[str, str] = {}
TOUCH_EVERY = timedelta(seconds=60)  # how stale last_seen_at/last_used_at may get before a write
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


class AccountError(ValueError):
    """A request the rules refuse (bad name, short password, unknown role ...); the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    rights: frozenset[str]
    agent_id: str | None
    language: str | None
    active: bool

    def can(self, right: str) -> bool:
        return right in self.rights


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ---- roles ----------------------------------------------------------------------------------
def ensure_builtin_roles(conn: Connection) -> None:
    """Create the built-in roles with their default rights; give roles made by an older version the rights a newer
    one added to their defaults, once (wa_builtin_offers remembers what was given, so a right an administrator
    took away is not given back); the administrator holds every right."""
    have = {row.name: row.id for row in conn.execute(select(roles.c.name, roles.c.id))}
    offered: dict[str, set[str]] = {}
    for row in conn.execute(select(builtin_offers.c.role_name, builtin_offers.c.right_name)):
        offered.setdefault(row.role_name, set()).add(row.right_name)
    for name, rights in BUILTIN_ROLES.items():
        if name not in have:
            rid = conn.execute(insert(roles).values(name=name, builtin=True, description="")).inserted_primary_key[0]
            set_role_rights(conn, rid, rights)
            new = set(rights)
        else:
            new = set(rights) - offered.get(name, set())
            held = _held(conn, have[name])
            if name == "administrator":
                new |= set(RIGHTS) - held
            if new - held:
                conn.execute(insert(role_rights), [{"role_id": have[name], "right_name": r} for r in sorted(new - held)])
        fresh = new - offered.get(name, set())
        if fresh:
            conn.execute(insert(builtin_offers), [{"role_name": name, "right_name": r} for r in sorted(fresh)])


def _held(conn: Connection, role_id: int) -> set[str]:
    return set(conn.execute(select(role_rights.c.right_name).where(role_rights.c.role_id == role_id)).scalars())


def set_role_rights(conn: Connection, role_id: int, rights: set[str] | frozenset[str]) -> None:
    check_rights(rights)
    conn.execute(delete(role_rights).where(role_rights.c.role_id == role_id))
    if rights:
        conn.execute(insert(role_rights), [{"role_id": role_id, "right_name": r} for r in sorted(rights)])


def create_role(conn: Connection, name: str, rights: set[str], description: str = "") -> int:
    name = name.strip()
    if not name or not set(name) <= USERNAME_CHARS:
        raise AccountError("a role name is letters, digits and . _ - @")
    if conn.execute(select(roles.c.id).where(roles.c.name == name)).first():
        raise AccountError(f"role {name} exists already")
    rid = conn.execute(insert(roles).values(name=name, builtin=False, description=description)).inserted_primary_key[0]
    set_role_rights(conn, rid, rights)
    return int(rid)


def list_roles(conn: Connection) -> list[dict[str, Any]]:
    out = []
    for r in conn.execute(select(roles).order_by(roles.c.builtin.desc(), roles.c.name)):
        rights = set(conn.execute(select(role_rights.c.right_name).where(role_rights.c.role_id == r.id)).scalars())
        out.append({**r._mapping, "rights": rights})
    return out


def role_id(conn: Connection, name: str) -> int:
    rid = conn.execute(select(roles.c.id).where(roles.c.name == name)).scalar()
    if rid is None:
        raise AccountError(f"no role named {name}")
    return int(rid)


# ---- users ----------------------------------------------------------------------------------
def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(conn: Connection, username: str, password: str, role: str, agent_id: str | None = None,
                language: str | None = None, method: str = PASSWORD_METHOD) -> int:
    username = username.strip()
    if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
        raise AccountError("a user name is 1-64 letters, digits and . _ - @")
    check_password_rules(password)
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise AccountError(f"user {username} exists already")
    uid = conn.execute(insert(users).values(
        username=username, password_hash=generate_password_hash(password, method), role_id=role_id(conn, role),
        agent_id=agent_id or None, language=language or None, active=True, created_at=utcnow(),
    )).inserted_primary_key[0]
    return int(uid)


def update_user(conn: Connection, user_id: int, *, role: str | None = None, agent_id: str | None = None,
                active: bool | None = None, password: str | None = None, language: str | None = None,
                unlock: bool = False, method: str = PASSWORD_METHOD) -> None:
    values: dict[str, Any] = {}
    if role is not None:
        values["role_id"] = role_id(conn, role)
    if agent_id is not None:
        values["agent_id"] = agent_id or None
    if language is not None:
        values["language"] = language or None
    if active is not None:
        values["active"] = active
    if password:
        check_password_rules(password)
        values["password_hash"] = generate_password_hash(password, method)
    if unlock:
        values.update(failed_logins=0, locked_until=None)
    if values:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
    if active is False or password:
        conn.execute(delete(sessions).where(sessions.c.user_id == user_id))     # log them out


def _user(conn: Connection, row: Any) -> User:
    role = conn.execute(select(roles.c.name).where(roles.c.id == row.role_id)).scalar()
    rights = frozenset(conn.execute(select(role_rights.c.right_name).where(role_rights.c.role_id == row.role_id)).scalars())
    return User(id=row.id, username=row.username, role=role, rights=rights, agent_id=row.agent_id,
                language=row.language, active=row.active)


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(conn, row) if row else None


def list_users(conn: Connection) -> list[dict[str, Any]]:
    q = (select(users, roles.c.name.label("role")).join(roles, roles.c.id == users.c.role_id)
         .order_by(users.c.username))
    return [dict(r._mapping) for r in conn.execute(q)]


def count_users(conn: Connection) -> int:
    return len(conn.execute(select(users.c.id)).all())


# ---- logging in -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str = ""                # bad_password | locked | inactive


def authenticate(conn: Connection, username: str, password: str, *, max_failures: int,
                 lockout: timedelta, now: datetime | None = None, method: str = PASSWORD_METHOD) -> LoginResult:
    """Check a password; count failures and lock the account after ``max_failures`` in a row."""
    now = now or utcnow()
    row = conn.execute(select(users).where(users.c.username == username.strip())).first()
    if row is None:
        _dummy_check(password, method)       # same cost as a real check: no user-name oracle
        return LoginResult(None, "bad_password")
    if row.locked_until is not None and row.locked_until > now:
        check_password_hash(row.password_hash, password)     # the same work as any other answer
        return LoginResult(None, "locked")
    if not check_password_hash(row.password_hash, password):
        failures = row.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failures}
        if failures >= max_failures:
            values.update(locked_until=now + lockout, failed_logins=0)
            log.warning("event=webadmin_locked user=%s failures=%d", row.username, failures)
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
        return LoginResult(None, "locked" if failures >= max_failures else "bad_password")
    if not row.active:
        return LoginResult(None, "inactive")
    conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None,
                                                                   last_login_at=now))
    return LoginResult(_user(conn, row))


def _dummy_check(password: str, method: str) -> None:
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(8), method)
    check_password_hash(_DUMMY_HASHES[method], password)


def open_session(conn: Connection, user_id: int, ip: str | None) -> str:
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(insert(sessions).values(id=_hash(secret), user_id=user_id, created_at=now, last_seen_at=now, ip=ip))
    return secret


def session_user(conn: Connection, secret: str, idle: timedelta,
                 max_age: timedelta) -> tuple[User | None, str]:
    """The user of a session and what to write back, by reading only (each request calls it, and
    on SQLite a write transaction would queue behind chand's call-record writer):
    ``ok``; ``touch`` (last seen long enough ago to note it: ``touch_session``); ``expired``
    (``close_session`` it); ``unknown``."""
    row = conn.execute(select(sessions).where(sessions.c.id == _hash(secret))).first()
    if row is None:
        return None, "unknown"
    now = utcnow()
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        return None, "expired"
    user = get_user(conn, row.user_id)
    if user is None or not user.active:
        return None, "expired"
    return user, "touch" if now - row.last_seen_at > TOUCH_EVERY else "ok"


def touch_session(conn: Connection, secret: str) -> None:
    conn.execute(update(sessions).where(sessions.c.id == _hash(secret)).values(last_seen_at=utcnow()))


def close_session(conn: Connection, secret: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id == _hash(secret)))


# ---- API tokens -----------------------------------------------------------------------------
def create_token(conn: Connection, user_id: int, name: str) -> tuple[int, str]:
    """A new token acting as ``user_id`` with that user's rights; the secret is returned once."""
    secret = "tph_" + secrets.token_urlsafe(32)
    tid = conn.execute(insert(api_tokens).values(name=name.strip() or "token", token_hash=_hash(secret),
                                                 user_id=user_id, created_at=utcnow())).inserted_primary_key[0]
    return int(tid), secret


def token_user(conn: Connection, secret: str) -> tuple[User | None, int | None]:
    """The user a live token acts as, and the token's id if its last use should be noted
    (``touch_token``; at most once a minute, so that reads stay reads)."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == _hash(secret),
                                                api_tokens.c.revoked_at.is_(None))).first()
    if row is None:
        return None, None
    user = get_user(conn, row.user_id)
    if user is None or not user.active:
        return None, None
    stale = row.last_used_at is None or utcnow() - row.last_used_at > TOUCH_EVERY
    return user, row.id if stale else None


def touch_token(conn: Connection, token_id: int) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=utcnow()))


def revoke_token(conn: Connection, token_id: int) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=utcnow()))


def list_tokens(conn: Connection) -> list[dict[str, Any]]:
    q = (select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.created_at, api_tokens.c.last_used_at,
                api_tokens.c.revoked_at, users.c.username)
         .join(users, users.c.id == api_tokens.c.user_id).order_by(api_tokens.c.id))
    return [dict(r._mapping) for r in conn.execute(q)]


# ---- audit ----------------------------------------------------------------------------------
def audit(conn: Connection, user: User | None, action: str, target: str = "", ip: str | None = None,
          **detail: Any) -> None:
    conn.execute(insert(audit_log).values(
        at=utcnow(), user_id=user.id if user else None, username=user.username if user else "-",
        action=action, target=target, ip=ip,
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)))


def audit_entries(conn: Connection, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    q = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit).offset(offset)
    return [{**r._mapping, "detail": json.loads(r.detail)} for r in conn.execute(q)]
