"""`telephonist faxd` (the service) and `telephonist fax send|list|show|resend` (the operator's side)."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))


def settings_of(cfg):
    from telephonist.mail import SmtpSettings
    from telephonist.faxd.service import FaxSettings
    f = cfg.faxd
    return FaxSettings(socket=cfg.control.socket, database_url=cfg.database.url, spool_dir=f.spool_dir,
                       mailboxes={m.name: m.email for m in f.mailboxes if m.email},
                       smtp=SmtpSettings(f.smtp_host, f.smtp_port, f.smtp_sender), ident=f.ident,
                       max_sending=f.max_sending, documents_dir=f.documents_dir, demand_trunk_group=f.trunk_group,
                       mail_retry_s=f.mail_retry_s, mail_give_up_s=f.mail_give_up_s)


async def serve(settings) -> None:
    from telephonist.client import Client
    from telephonist.faxd.fax_mail import FaxMailer
    from telephonist.faxd.service import FaxService
    from telephonist.faxd.store import FaxStore
    from telephonist.storage import migrate
    log = logging.getLogger("telephonist.faxd")
    await asyncio.to_thread(migrate, settings.database_url)
    store = FaxStore(settings.database_url)
    mailer = FaxMailer(store, settings.smtp, settings.mail_retry_s, settings.mail_give_up_s)   # across reconnections
    os.makedirs(settings.spool_dir, exist_ok=True)
    from telephonist import sdnotify
    ready = False
    while True:
        try:
            client = await Client.connect_unix(settings.socket, app="fax")
        except (ConnectionError, FileNotFoundError):
            await asyncio.sleep(0.5)
            continue
        service = FaxService(client, store, settings, mailer)
        if not ready:
            sdnotify.notify("READY=1")
            asyncio.get_running_loop().create_task(sdnotify.keep_alive())
            ready = True
        log.info("event=faxd_ready socket=%s", settings.socket)
        await service.run_jobs()
        log.warning("event=faxd_lost_chand; reconnecting")
        await asyncio.sleep(0.5)


def main(args: argparse.Namespace) -> int:
    from telephonist.logsetup import setup_logging
    cfg = load_config(args.config)
    setup_logging(cfg.system.log_level)
    try:
        asyncio.run(serve(settings_of(cfg)))
    except KeyboardInterrupt:
        pass
    return 0


# ---- telephonist fax ... -----------------------------------------------------------------------------

def add_fax_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    sub = p.add_subparsers(dest="action", required=True)
    s = sub.add_parser("send", help="queue a fax to one or more numbers")
    s.add_argument("document", help="PDF, TIFF, image or UTF-8 text")
    s.add_argument("--to", action="append", required=True, help="a number (repeat for a broadcast)")
    s.add_argument("--trunk-group", default=None)
    s.add_argument("--caller-id", default="")
    s.add_argument("--retries", type=int, default=None, help="attempts per number")
    s.add_argument("--interval", type=int, default=None, help="seconds between attempts")
    s.add_argument("--cover", default=None, help="text of a cover page to put first")
    sub.add_parser("list", help="recent jobs")
    sh = sub.add_parser("show", help="one job and its recipients")
    sh.add_argument("job", type=int)
    r = sub.add_parser("resend", help="send again to the recipients that failed")
    r.add_argument("job", type=int)
    fw = sub.add_parser("forward", help="send a received fax on to other numbers")
    fw.add_argument("fax", type=int, help="the id of a received fax")
    fw.add_argument("--to", action="append", required=True)
    fw.add_argument("--trunk-group", default=None)
    fw.add_argument("--json", action="store_true")
    sub.add_parser("inbox", help="received faxes")
    for q in (s, sh):
        q.add_argument("--json", action="store_true")


def fax_main(args: argparse.Namespace) -> int:
    from telephonist.faxd.documents import DocumentError, render_to_tiff
    from telephonist.faxd.store import FaxStore
    from telephonist.storage import migrate
    cfg = load_config(args.config)
    migrate(cfg.database.url)
    store = FaxStore(cfg.database.url)
    try:
        if args.action == "send":
            group = args.trunk_group or cfg.faxd.trunk_group
            if not group:
                print("telephonist fax send: no trunk group (--trunk-group or [faxd] trunk_group)", file=sys.stderr)
                return 2
            out_dir = os.path.join(cfg.faxd.spool_dir, "out")
            os.makedirs(out_dir, exist_ok=True)
            import tempfile
            fd, tiff = tempfile.mkstemp(prefix="job-", suffix=".tif", dir=out_dir)
            os.close(fd)
            try:
                pages = render_to_tiff(args.document, tiff)
                if args.cover:
                    from telephonist.faxd.documents import add_cover
                    pages = add_cover(tiff, args.cover)
            except DocumentError as exc:
                os.unlink(tiff)
                print(f"telephonist fax send: {exc}", file=sys.stderr)
                return 2
            job = store.create_job(os.path.abspath(args.document), tiff, pages, args.to, group, args.caller_id,
                                   args.retries or cfg.faxd.retries, args.interval or cfg.faxd.retry_interval_s)
            print(json.dumps({"job": job, "pages": pages, "recipients": len(args.to)}) if args.json
                  else f"job {job}: {pages} page(s) to {len(args.to)} number(s)")
        elif args.action == "list":
            for j in store.jobs():
                print(f"{j['id']:>6}  {j['state']:<9} {j['pages']:>3} pages  {j['created_at']:%Y-%m-%d %H:%M}  {j['document']}")
        elif args.action == "show":
            j = store.job(args.job)
            if j is None:
                print(f"telephonist fax show: no job {args.job}", file=sys.stderr)
                return 2
            if args.json:
                print(json.dumps(j, default=str, indent=2))
            else:
                print(f"job {j['id']} {j['state']}: {j['document']} ({j['pages']} pages) via {j['trunk_group']}")
                for r in j["recipients"]:
                    print(f"  {r['number']:<16} {r['state']:<8} attempts {r['attempts']}  {r['last_result']}")
        elif args.action == "resend":
            if store.job(args.job) is None:
                print(f"telephonist fax resend: no job {args.job}", file=sys.stderr)
                return 2
            print(f"{store.resend(args.job)} recipient(s) queued again")
        elif args.action == "forward":
            fax = store.fax(args.fax)
            group = args.trunk_group or cfg.faxd.trunk_group
            if fax is None or not fax.get("tiff_path") or not os.path.exists(fax["tiff_path"]) or fax["result_code"] != 0:
                print(f"telephonist fax forward: no received fax {args.fax} with a document", file=sys.stderr)
                return 2
            if not group:
                print("telephonist fax forward: no trunk group (--trunk-group or [faxd] trunk_group)", file=sys.stderr)
                return 2
            job = store.create_job(fax["tiff_path"], fax["tiff_path"], fax["pages"], args.to, group, "",
                                   cfg.faxd.retries, cfg.faxd.retry_interval_s)
            print(json.dumps({"job": job}) if args.json else f"job {job}: forwarding fax {args.fax}")
        elif args.action == "inbox":
            for f in store.faxes():
                print(f"{f['id']:>6}  {f['direction']:<8} {f['mailbox'] or '':<10} {f['caller'] or f['dialled']:<16}"
                      f" {f['pages']:>3} pages  {'ok' if f['result_code'] == 0 else f['result']}  {f['pdf_path'] or ''}")
        return 0
    finally:
        store.close()
