"""`telephonist voicemail`: mailboxes and messages from the command line (the web admin edits the same tables).

    telephonist voicemail add 100 --pin 1234 --name Claims --email claims@example.com --sms +8613900001111
    telephonist voicemail list
    telephonist voicemail set 100 --email ops@example.com
    telephonist voicemail set-pin 100 --pin 5678        (also unlocks a locked box)
    telephonist voicemail messages 100 [--all] [--json]
    telephonist voicemail recover                     (what ivrd does at start: finish interrupted deposits)
    telephonist voicemail purge --days 30             (files and rows of messages deleted that long ago)
    telephonist voicemail prompts [--read-outs]       (speak the missing {lang}/vm/*.wav with espeak-ng)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    sub = p.add_subparsers(dest="action", required=True)
    a = sub.add_parser("add", help="create a mailbox")
    a.add_argument("mailbox")
    a.add_argument("--pin", required=True, help="4 to 16 digits")
    s = sub.add_parser("set", help="change a mailbox's name, e-mail, SMS number, maximum length or language")
    s.add_argument("mailbox")
    for q in (a, s):
        q.add_argument("--name", default=None)
        q.add_argument("--email", default=None, help="new messages are mailed here, audio attached")
        q.add_argument("--sms", default=None, help="new messages are announced by SMS to this number")
        q.add_argument("--max-s", type=int, default=None, help="longest message in seconds")
        q.add_argument("--language", default=None, choices=("zh", "en"), help="of the e-mails and SMS")
    sp = sub.add_parser("set-pin", help="a new PIN (unlocks the box)")
    sp.add_argument("mailbox")
    sp.add_argument("--pin", required=True)
    ls = sub.add_parser("list", help="mailboxes and their message counts")
    m = sub.add_parser("messages", help="a mailbox's messages, newest first")
    m.add_argument("mailbox")
    m.add_argument("--all", action="store_true", help="deleted ones too")
    for q in (ls, m):
        q.add_argument("--json", action="store_true")
    sub.add_parser("recover", help="finish deposits a crash cut short (ivrd does this when it starts)")
    pg = sub.add_parser("purge", help="remove messages deleted long enough ago, files and rows")
    pg.add_argument("--days", type=int, required=True)
    pr = sub.add_parser("prompts", help="make the missing voicemail prompts with espeak-ng (sites replace them)")
    pr.add_argument("--read-outs", action="store_true",
                    help="the say fragments too, for counts, callers' numbers and times ({lang}/say/...)")


def main(args: argparse.Namespace) -> int:
    from telephonist.ivrd.voicemail.store import VoicemailError, VoicemailStore
    from telephonist.storage import make_engine, migrate
    cfg = load_config(args.config)
    if args.action == "prompts":
        from telephonist.ivrd.voicemail.prompts import espeak_table
        from telephonist.prompts import ensure_prompts, tools_available
        if not tools_available():
            print("telephonist voicemail prompts: needs espeak-ng and sox", file=sys.stderr)
            return 2
        made = ensure_prompts(cfg.system.prompts_dir, [n for n in espeak_table() if n.split("/")[0] in
                                                       cfg.ivrd.languages])
        if args.read_outs:
            from telephonist.ivrd.say import LANGUAGES
            from telephonist.prompts import ensure_fragments
            for lang in (lg for lg in cfg.ivrd.languages if lg in LANGUAGES):
                made += ensure_fragments(cfg.system.prompts_dir, lang)
        print(f"{len(made)} prompt(s) made under {cfg.system.prompts_dir}")
        return 0
    migrate(cfg.database.url)
    engine = make_engine(cfg.database.url)
    store = VoicemailStore(engine, cfg.ivrd.voicemail, cfg.system.recordings_dir)
    try:
        return _run(args, store)
    except VoicemailError as exc:
        print(f"telephonist voicemail {args.action}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _fields(args: argparse.Namespace) -> dict:
    pairs = (("name", args.name), ("email", args.email), ("sms_number", args.sms), ("max_message_s", args.max_s),
             ("language", args.language))
    return {k: v for k, v in pairs if v is not None}


def _run(args: argparse.Namespace, store) -> int:
    if args.action == "add":
        box = store.create_box(args.mailbox, args.pin, **_fields(args))
        print(f"mailbox {box.mailbox} created")
    elif args.action == "set":
        store.update_box(args.mailbox, **_fields(args))
        print(f"mailbox {args.mailbox} changed")
    elif args.action == "set-pin":
        store.set_pin(args.mailbox, args.pin)
        print(f"mailbox {args.mailbox}: PIN changed")
    elif args.action == "list":
        rows = []
        for b in store.boxes():
            counts = store.counts(b.mailbox)
            rows.append(dict(mailbox=b.mailbox, name=b.name, email=b.email, sms=b.sms_number, new=counts["new"],
                             saved=counts["saved"], greeting=bool(b.greeting_path),
                             locked_until=b.locked_until.isoformat() if b.locked_until else None))
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        for r in [] if args.json else rows:
            lock = f"  locked until {r['locked_until']}" if r["locked_until"] else ""
            print(f"{r['mailbox']:>8}  {r['new']:>3} new {r['saved']:>3} saved  {r['name']}  "
                  f"{r['email'] or '-'}  {r['sms'] or '-'}{lock}")
    elif args.action == "messages":
        store.require_box(args.mailbox)
        states = ("new", "saved", "deleted") if args.all else ("new", "saved")
        msgs = store.messages(args.mailbox, states, newest_first=True)
        if args.json:
            print(json.dumps([dict(id=m.id, caller=m.caller, dialled=m.dialled, created_at=m.created_at.isoformat(),
                                   duration_ms=m.duration_ms, category=m.category, state=m.state, path=m.path,
                                   emailed=m.notified_email_at is not None, texted=m.notified_sms_at is not None)
                              for m in msgs], ensure_ascii=False))
        for m in [] if args.json else msgs:
            print(f"{m.id:>6}  {m.created_at:%Y-%m-%d %H:%M}  {m.state:<7} {m.category:<10} "
                  f"{m.duration_ms / 1000:>5.1f}s  {m.caller or '-'}  {m.path}")
    elif args.action == "recover":
        print(f"{store.recover()} message(s) recovered")
    elif args.action == "purge":
        print(f"{store.purge(timedelta(days=args.days))} message(s) purged")
    return 0
