"""Self-service logins by phone (ivr_accounts): an account or policy number and a numeric password.

Each login belongs to a realm (policy, agent, gas, bank ...): the same number may
be a policy in one realm and an agent code in another. Passwords are hashed by
werkzeug.security like the web admin's; the caller's digits are never stored or
logged. Wrong passwords in a row lock the account for a while (the numbers come
from the flow's authenticate node); an unknown account costs the same time as a
known one and answers the same way, so a caller cannot probe which numbers exist.
Plain functions of a Connection, run in a thread by the nodes and by the CLI.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from telephonist.ivrd.schema import accounts

log = logging.getLogger("telephonist.ivrd")

# werkzeug's scrypt as in the web admin, at 4 MiB instead of its default 32 MiB: a phone password
# is a few digits, which no hash cost saves from an offline search anyway (the lockout and keeping
# the database private do), while a busy hour of logins at 32 MiB and ~0.1-0.5 s of CPU each would
# stall the daemon. The method is stored in each hash, so it may change without a migration.
PASSWORD_METHOD = "scrypt:4096:8:1"
MIN_DIGITS = 4
MAX_DIGITS = 16
_DUMMY: dict[str, str] = {}


class IvrAccountError(ValueError):
    """A request the rules refuse (an unknown account, a password that is not digits ...)."""


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str                    # ok | bad_password | locked
    locked_until: datetime | None = None


def check_password_rules(password: str, min_digits: int = MIN_DIGITS, max_digits: int = MAX_DIGITS) -> None:
    """A phone password: digits only (what a keypad has), of a sensible length, not one digit repeated."""
    if not password.isdigit():
        raise IvrAccountError("a phone password is digits only")
    if not min_digits <= len(password) <= max_digits:
        raise IvrAccountError(f"a phone password has {min_digits} to {max_digits} digits")
    if len(set(password)) == 1:
        raise IvrAccountError("a password of one digit repeated is too easy to guess")


def create_account(conn: Connection, realm: str, account: str, password: str, now: datetime) -> None:
    check_password_rules(password)
    if not realm or not account:
        raise IvrAccountError("realm and account must not be empty")
    try:
        with conn.begin_nested():
            conn.execute(insert(accounts).values(realm=realm, account=account, failures=0, changed_at=now,
                                                 password_hash=generate_password_hash(password, PASSWORD_METHOD)))
    except IntegrityError:
        raise IvrAccountError(f"account {account} already exists in realm {realm}") from None


def set_password(conn: Connection, realm: str, account: str, password: str, now: datetime,
                 min_digits: int = MIN_DIGITS, max_digits: int = MAX_DIGITS) -> None:
    """A new password (staff reset it, or the caller changed it after giving the old one): the lock
    and the failures go too. `min_digits`/`max_digits`: the flow's rules for its passwords."""
    check_password_rules(password, min_digits, max_digits)
    n = conn.execute(update(accounts).where(accounts.c.realm == realm, accounts.c.account == account).values(
        password_hash=generate_password_hash(password, PASSWORD_METHOD), failures=0, locked_until=None,
        changed_at=now)).rowcount
    if not n:
        raise IvrAccountError(f"no account {account} in realm {realm}")


def unlock(conn: Connection, realm: str, account: str) -> bool:
    return conn.execute(update(accounts).where(accounts.c.realm == realm, accounts.c.account == account)
                        .values(failures=0, locked_until=None)).rowcount > 0


def remove(conn: Connection, realm: str, account: str) -> bool:
    return conn.execute(delete(accounts).where(accounts.c.realm == realm, accounts.c.account == account)).rowcount > 0


def list_accounts(conn: Connection, realm: str | None = None) -> list[dict[str, Any]]:
    t = accounts
    q = select(t.c.realm, t.c.account, t.c.failures, t.c.locked_until, t.c.last_login_at, t.c.changed_at)
    if realm:
        q = q.where(t.c.realm == realm)
    return [dict(r._mapping) for r in conn.execute(q.order_by(t.c.realm, t.c.account))]


def check_login(conn: Connection, realm: str, account: str, password: str, now: datetime, *,
                max_failures: int, lockout: timedelta) -> LoginResult:
    """Check a password; `max_failures` wrong ones in a row lock the account for `lockout`."""
    row = conn.execute(select(accounts).where(accounts.c.realm == realm, accounts.c.account == account)).first()
    if row is None:
        _dummy_check(password)
        return LoginResult(False, "bad_password")
    if row.locked_until is not None and row.locked_until > now:
        return LoginResult(False, "locked", row.locked_until)
    if not check_password_hash(row.password_hash, password):
        failures = row.failures + 1
        values: dict[str, Any] = {"failures": failures}
        locked = failures >= max_failures
        if locked:
            values.update(failures=0, locked_until=now + lockout)
            log.warning("event=ivr_account_locked realm=%s account=%s failures=%d until=%s", realm, account,
                        failures, values["locked_until"].isoformat(timespec="seconds"))
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(**values))
        return LoginResult(False, "locked" if locked else "bad_password", values.get("locked_until"))
    conn.execute(update(accounts).where(accounts.c.id == row.id).values(failures=0, locked_until=None,
                                                                          last_login_at=now))
    return LoginResult(True, "ok")


def _dummy_check(password: str) -> None:
    if PASSWORD_METHOD not in _DUMMY:
        _DUMMY[PASSWORD_METHOD] = generate_password_hash(secrets.token_hex(8), PASSWORD_METHOD)
    check_password_hash(_DUMMY[PASSWORD_METHOD], password)
