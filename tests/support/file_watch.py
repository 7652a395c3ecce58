"""Wait for what another process writes into a folder: each change to a file in it (created, written,
closed) wakes the wait (Linux inotify), which then asks the test's own question of the files. No
sleeps, no polling interval: on a loaded machine the wait simply lasts longer, up to its deadline."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import time
from typing import Callable, TypeVar

T = TypeVar("T")

_IN_MODIFY, _IN_CLOSE_WRITE, _IN_CREATE, _IN_MOVED_TO = 0x2, 0x8, 0x100, 0x80
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def wait_for_files(folder: str | os.PathLike, answer: Callable[[], T | None], within_s: float = 60.0) -> T:
    """answer()'s first value that is not None, asked now and after each change to a file in folder;
    fails the test if there is none within_s seconds of wall time later."""
    fd = _libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    try:
        mask = _IN_MODIFY | _IN_CLOSE_WRITE | _IN_CREATE | _IN_MOVED_TO
        if _libc.inotify_add_watch(fd, os.fsencode(folder), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {folder}")
        deadline = time.monotonic() + within_s
        while True:
            # watched first, then asked: a change between the two wakes the next select
            value = answer()
            if value is not None:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"nothing in {folder} gave the awaited answer within {within_s} s")
            if select.select([fd], [], [], left)[0]:
                try:
                    os.read(fd, 65536)          # the changes themselves do not matter, only that there were some
                except BlockingIOError:
                    pass
    finally:
        os.close(fd)
