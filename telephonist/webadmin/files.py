"""Files the web admin writes for the daemons to read: written whole or not at all, and only where they belong.

A daemon that watches a directory (ivrd reloads changed flows by itself) must never
see half a file: ``write_atomic`` writes a hidden temporary file beside the target,
syncs it and renames it over the target, so a reader sees the old or the new text.
"""
from __future__ import annotations

import difflib
import os
import re
import tempfile
from pathlib import Path

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


def write_atomic(path: str, data: bytes | str, mode: int = 0o644) -> None:
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o777          # keep the mode a sysadmin gave the file
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def move_atomic(src: str, path: str, mode: int = 0o644) -> None:
    """Put a finished file (made in a temporary directory) in place in one rename."""
    with open(src, "rb") as f:
        write_atomic(path, f.read(), mode)


def safe_name(name: str) -> bool:
    """A plain file name: no directories, no leading dot."""
    return bool(NAME.match(name)) and ".." not in name


def inside(base: str, relative: str | None) -> Path | None:
    """``base/relative`` if it lies inside ``base`` (after resolving links) and is a file; else None."""
    if not relative or not base:
        return None
    root = Path(os.path.realpath(base))
    path = Path(os.path.realpath(os.path.join(root, relative)))
    if root != path and root not in path.parents:
        return None
    return path if path.is_file() else None


def read_text(path: str) -> str | None:
    """A configuration file's text, None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def restore_text(path: str, before: str | None) -> None:
    """Put back what read_text gave before a change (None: the file did not exist)."""
    if before is None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    else:
        write_atomic(path, before)


def text_diff(a: str, b: str, limit: int = 6000) -> str:
    """A unified diff of two texts for the audit log (cut at limit characters)."""
    text = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "before", "after", n=1))
    return text[:limit]


def config_or_none(path: str):
    """The configuration at path, None when it has problems (the page shows them another way)."""
    from telephonist.config import ConfigError, load_config
    try:
        return load_config(path)
    except ConfigError:
        return None
