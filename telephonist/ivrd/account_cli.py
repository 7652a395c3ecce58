"""`telephonist ivr-account`: the self-service logins of the phone flows (ivr_accounts).

    telephonist ivr-account add REALM ACCOUNT [--password-stdin]
    telephonist ivr-account passwd REALM ACCOUNT [--password-stdin]     (also unlocks)
    telephonist ivr-account unlock REALM ACCOUNT
    telephonist ivr-account remove REALM ACCOUNT
    telephonist ivr-account list [REALM]
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime, timezone


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--database", help="a database URL instead of the configuration's")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (("add", "create a login"), ("passwd", "set a new password (and unlock)"),
                         ("unlock", "clear a lockout"), ("remove", "delete a login")):
        a = sub.add_parser(action, help=text)
        a.add_argument("realm", help="policy, agent, gas, bank ...")
        a.add_argument("account")
        if action in ("add", "passwd"):
            a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ls = sub.add_parser("list", help="logins, their failures and locks")
    ls.add_argument("realm", nargs="?")


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().strip()
    password = getpass.getpass("password (digits): ")
    if getpass.getpass("again: ") != password:
        print("telephonist ivr-account: the passwords differ", file=sys.stderr)
        return None
    return password


def main(args: argparse.Namespace) -> int:
    from telephonist.ivrd import accounts, db
    from telephonist.storage import migrate
    from telephonist.storage.database import make_engine

    url = args.database
    if not url:
        from telephonist.config import load_config
        url = load_config(args.config).database.url
    password = None
    if args.action in ("add", "passwd"):
        password = _password(args)
        if password is None:
            return 2
    migrate(url)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    try:
        if args.action == "add":
            db.write(engine, accounts.create_account, args.realm, args.account, password, now)
            print(f"account {args.account} created in realm {args.realm}")
        elif args.action == "passwd":
            db.write(engine, accounts.set_password, args.realm, args.account, password, now)
            print(f"password of {args.realm}/{args.account} set")
        elif args.action in ("unlock", "remove"):
            fn = accounts.unlock if args.action == "unlock" else accounts.remove
            if not db.write(engine, fn, args.realm, args.account):
                print(f"telephonist ivr-account: no account {args.account} in realm {args.realm}", file=sys.stderr)
                return 1
            print(f"{args.realm}/{args.account} {'unlocked' if args.action == 'unlock' else 'removed'}")
        else:
            rows = db.read(engine, accounts.list_accounts, args.realm)
            print(f"{'REALM':<12}{'ACCOUNT':<22}{'FAILURES':>8}  {'LOCKED UNTIL (UTC)':<20}LAST LOGIN (UTC)")
            for r in rows:
                locked = f"{r['locked_until']:%Y-%m-%d %H:%M}" if r["locked_until"] and r["locked_until"] > now else "-"
                last = f"{r['last_login_at']:%Y-%m-%d %H:%M}" if r["last_login_at"] else "-"
                print(f"{r['realm']:<12}{r['account']:<22}{r['failures']:>8}  {locked:<20}{last}")
    except accounts.IvrAccountError as exc:
        print(f"telephonist ivr-account: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
