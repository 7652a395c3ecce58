"""Message files: durable placing and copies, and how long a WAV plays.

A recording is placed in the voicemail directory as a hard link to chand's
file when both share a file system (chand's call record keeps naming its own
file, and the message's name is there at once, whole), else as a copy that is
synced and renamed into place; either way the destination name only ever
holds a whole file. The directory is synced too, so the new name survives a
power cut, not just a killed process.
"""
from __future__ import annotations

import errno
import os
import shutil
import struct

PCM, ALAW, MULAW = 1, 6, 7


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_durably(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    part = dst + ".part"
    shutil.copyfile(src, part)
    _sync_file(part)
    os.replace(part, dst)
    fsync_dir(os.path.dirname(dst))


def place_durably(src: str, dst: str) -> None:
    """`dst` names the same audio as `src` (a hard link, or a copy across file systems)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.exists(dst) and os.path.samefile(src, dst):
        return                              # linked before a crash: already in place
    try:
        _sync_file(src)
        os.link(src, dst)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        copy_durably(src, dst)
        return
    fsync_dir(os.path.dirname(dst))


def write_durably(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    part = path + ".part"
    with open(part, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)
    fsync_dir(os.path.dirname(path))


def wav_format(path: str) -> tuple[int, int, int, int, int]:
    """(format tag, channels, rate, bytes per second, data bytes) of a WAV file. A header whose
    sizes were not yet rewritten (chand records crash-safe) counts the data to the end of the file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        cid, csize = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if cid == b"fmt ":
            tag, channels, rate, byte_rate = struct.unpack_from("<HHII", head, pos + 8)
            fmt = (tag, channels, rate, byte_rate)
        elif cid == b"data":
            if fmt is None:
                break
            avail = size - (pos + 8)
            data = avail if csize in (0, 0xFFFFFFFF) or csize > avail else csize
            return (*fmt, data)
        pos += 8 + csize + (csize & 1)
    raise ValueError(f"{path}: no fmt/data chunks")


def wav_duration_ms(path: str) -> int:
    """How long a WAV plays; 0 for a file that is missing or not a WAV."""
    try:
        _, _, _, byte_rate, data = wav_format(path)
    except (OSError, ValueError, struct.error):
        return 0
    return int(data * 1000 // byte_rate) if byte_rate else 0
