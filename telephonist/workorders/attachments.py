"""An order's attachments: a photo or document uploaded into the attachments folder (workorders.toml
attachments_dir), or a link to a call's recording or a fax already kept by chand or faxd.

Uploaded files are stored under a name this module makes (ORDER/RANDOM.EXT), never the one the browser
sent; reading one back resolves the stored name inside the folder and refuses anything outside it.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from telephonist.faxd.schema import faxes as fax_messages
from telephonist.storage.schema import call_legs
from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.schema import attachments, orders
from telephonist.workorders.store import OrderError, Viewer, _locked, log_history

MAX_BYTES = 10 * 1024 * 1024
TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
         ".webp": "image/webp", ".heic": "image/heic", ".pdf": "application/pdf", ".txt": "text/plain"}


def save_upload(conn: Connection, cfg: WorkOrderConfig, order_id: int, v: Viewer, filename: str, data: bytes,
                now: datetime) -> int:
    _locked(conn, order_id, v)
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in TYPES:
        raise OrderError(f"an attachment is one of {', '.join(sorted(TYPES))}")
    if not data:
        raise OrderError("the file is empty")
    if len(data) > MAX_BYTES:
        raise OrderError(f"an attachment is at most {MAX_BYTES // (1024 * 1024)} MiB")
    rel = os.path.join(str(order_id), secrets.token_hex(12) + ext)
    path = os.path.join(cfg.attachments_dir, rel)
    os.makedirs(os.path.dirname(path), mode=0o750, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o640)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    shown = os.path.basename(filename.replace("\\", "/"))[:200] or rel
    kind = "photo" if TYPES[ext].startswith("image/") else "file"
    return _add(conn, order_id, v.username, now, kind=kind, name=shown, path=rel, mime=TYPES[ext], size=len(data))


def link(conn: Connection, order_id: int, v: Viewer, kind: str, ref_id: int, now: datetime) -> int:
    """Attach a call's recording (ref_id: the call leg) or a fax (ref_id: the fax message)."""
    _locked(conn, order_id, v)
    if kind == "recording":
        row = conn.execute(select(call_legs.c.id, call_legs.c.caller, call_legs.c.started_at)
                           .where(call_legs.c.id == ref_id, call_legs.c.recording_path.is_not(None))).first()
        name = row and f"call {row.caller} {row.started_at:%Y-%m-%d %H:%M}"
    elif kind == "fax":
        row = conn.execute(select(fax_messages.c.id, fax_messages.c.caller).where(fax_messages.c.id == ref_id)).first()
        name = row and f"fax {ref_id} {row.caller}"
    else:
        raise OrderError("kind: recording or fax")
    if row is None:
        raise OrderError(f"no {kind} {ref_id}")
    return _add(conn, order_id, v.username, now, kind=kind, name=name, ref_id=ref_id)


def _add(conn: Connection, order_id: int, by: str, now: datetime, **values: Any) -> int:
    aid = int(conn.execute(insert(attachments).values(order_id=order_id, at=now, by=by, **values))
              .inserted_primary_key[0])
    conn.execute(update(orders).where(orders.c.id == order_id).values(updated_at=now))
    log_history(conn, order_id, now, by, "attach", None, None, f"{values['kind']}: {values['name']}")
    return aid


def of_order(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        select(attachments).where(attachments.c.order_id == order_id).order_by(attachments.c.id))]


def file_of(cfg: WorkOrderConfig, row: dict[str, Any]) -> str | None:
    """The uploaded file of an attachment, inside the attachments folder (None if gone or outside)."""
    if not row.get("path"):
        return None
    root = os.path.realpath(cfg.attachments_dir)
    path = os.path.realpath(os.path.join(root, row["path"]))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        return None
    return path
