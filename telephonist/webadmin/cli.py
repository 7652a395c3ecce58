"""`telephonist webadmin`: serve the web console (uvicorn, server.py), or make users from the shell.

    telephonist webadmin [--host H] [--port P] [--config telephonist.toml]
    telephonist webadmin create-user NAME [--role administrator] [--agent-id ID] [--password-stdin]
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--threads", type=int, default=16,
                   help="worker threads for pages (open live boards take none)")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    cu = sub.add_parser("create-user", help="create a user (the first administrator, say)")
    cu.add_argument("username")
    cu.add_argument("--role", default="administrator")
    cu.add_argument("--agent-id", default="")
    cu.add_argument("--language", default="", choices=["", "zh", "en"])
    cu.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def _config(args: argparse.Namespace, **kw):
    from telephonist.webadmin.config import from_telephonist_config
    return from_telephonist_config(args.config, **kw)


def create_user(args: argparse.Namespace) -> int:
    from telephonist.storage import migrate
    from telephonist.webadmin import accounts
    from telephonist.storage.database import WRITE, make_engine
    cfg = _config(args)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("telephonist webadmin: the passwords differ", file=sys.stderr)
            return 2
    migrate(cfg.database_url)
    engine = make_engine(cfg.database_url)
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            accounts.ensure_builtin_roles(conn)
            uid = accounts.create_user(conn, args.username, password, args.role, agent_id=args.agent_id,
                                       language=args.language)
            accounts.audit(conn, None, "user_create", args.username, None, user_id=uid, role=args.role, via="cli")
    except accounts.AccountError as exc:
        print(f"telephonist webadmin: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"user {args.username} ({args.role}) created")
    return 0


def serve(args: argparse.Namespace) -> int:
    import asyncio
    from telephonist.webadmin import create_app
    from telephonist.webadmin.server import ConsoleServer
    app = create_app(_config(args))
    try:
        server = ConsoleServer(app, args.host, args.port, workers=args.threads)
    except OSError as exc:
        print(f"telephonist webadmin: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    asyncio.run(server.serve())
    app.extensions["chand_feed"].stop()
    return 0


def main(args: argparse.Namespace) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.action == "create-user":
        return create_user(args)
    return serve(args)
