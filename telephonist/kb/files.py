"""Attachments on disk: ``<root>/<article id>/<attachment id>``, names the store makes from row ids, so what a
user typed as a file name never reaches a path. The root is the console's ``kb_dir``."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from werkzeug.datastructures import FileStorage

MAX_BYTES = 10 * 1024 * 1024


class TooLarge(ValueError):
    pass


def path_of(root: str, article_id: int, attachment_id: int) -> Path:
    return Path(root) / str(int(article_id)) / str(int(attachment_id))


def write(root: str, article_id: int, attachment_id: int, upload: FileStorage) -> int:
    """Store the upload (written to a temporary name, then renamed into place); its size in bytes."""
    final = path_of(root, article_id, attachment_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.part")
    with open(tmp, "wb") as out:
        while chunk := upload.stream.read(64 * 1024):
            out.write(chunk)
            if out.tell() > MAX_BYTES:
                break
        size = out.tell()
    if size > MAX_BYTES:
        tmp.unlink()
        raise TooLarge(f"an attachment is at most {MAX_BYTES // (1024 * 1024)} MiB")
    os.replace(tmp, final)
    return size


def remove(root: str, article_id: int, attachment_id: int | None = None) -> None:
    """One attachment's file, or (``attachment_id`` None) the article's folder; missing ones are no error."""
    if attachment_id is None:
        shutil.rmtree(Path(root) / str(int(article_id)), ignore_errors=True)
    else:
        path_of(root, article_id, attachment_id).unlink(missing_ok=True)
