"""A disk that stalls on command: a FUSE file system passing everything through to a folder, whose
opens, reads and writes wait while its gate is closed. The kernel sees a real mount, so an open(),
read() or write() on it blocks as one on a dead NFS server or a failing disk would, in whatever
thread made it.

Run as `python -m tests.support.stall_fs BACKING MOUNT` (it prints "mounted" once the kernel has
mounted it); write "closed" or "open" to MOUNT/.gate to stall or release the writes. The gate
answers at once, so when that write returns the gate is as asked. `StallFs` does all this for a test.
"""
from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from pathlib import Path

GATE = "/.gate"


def _serve(backing: str, mount: str) -> None:
    from fuse import FUSE, FuseOSError, Operations     # fusepy, on libfuse2

    class Passthrough(Operations):
        def __init__(self) -> None:
            self.open_gate = threading.Event()
            self.open_gate.set()

        def _real(self, path: str) -> str:
            return os.path.join(backing, path.lstrip("/"))

        def init(self, path):
            print("mounted", flush=True)

        def getattr(self, path, fh=None):
            if path == GATE:
                return {"st_mode": 0o100600, "st_nlink": 1, "st_size": 0}
            try:
                st = os.lstat(self._real(path))
            except OSError as exc:
                raise FuseOSError(exc.errno) from None
            return {k: getattr(st, k) for k in ("st_mode", "st_nlink", "st_size", "st_uid", "st_gid",
                                                 "st_atime", "st_mtime", "st_ctime")}

        def readdir(self, path, fh):
            return [".", ".."] + os.listdir(self._real(path))

        def create(self, path, mode, fi=None):
            return os.open(self._real(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)

        def open(self, path, flags):
            if path == GATE:
                return 0
            self.open_gate.wait()
            return os.open(self._real(path), flags)

        def read(self, path, size, offset, fh):
            self.open_gate.wait()
            return os.pread(fh, size, offset)

        def write(self, path, data, offset, fh):
            if path == GATE:
                (self.open_gate.clear if data.strip() == b"closed" else self.open_gate.set)()
                return len(data)
            self.open_gate.wait()
            return os.pwrite(fh, data, offset)

        def truncate(self, path, length, fh=None):
            if path == GATE:
                return
            self.open_gate.wait()
            if fh is not None:
                os.ftruncate(fh, length)
            else:
                os.truncate(self._real(path), length)

        def unlink(self, path):
            os.unlink(self._real(path))

        def flush(self, path, fh):
            return 0

        def release(self, path, fh):
            if path != GATE:
                os.close(fh)
            return 0

        def chmod(self, path, mode):
            raise FuseOSError(errno.EPERM)

    # direct_io: every read reaches us (no page cache in between), so a stalled disk stalls reads too
    FUSE(Passthrough(), mount, foreground=True, nothreads=False, direct_io=True)


class StallFs:
    """A stall_fs mounted at `mount` over `backing`, in a process of its own."""

    def __init__(self, backing: Path, mount: Path) -> None:
        self.backing, self.mount = backing, mount
        backing.mkdir(exist_ok=True)
        mount.mkdir(exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.stall_fs", str(backing), str(mount)],
                                     cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "mounted":
            self.proc.kill()
            raise RuntimeError(f"stall_fs did not mount: {line} {self.proc.stderr.read()}")

    def _gate(self, state: str) -> None:
        with open(self.mount / GATE.lstrip("/"), "w") as f:
            f.write(state)

    def stall(self) -> None:
        """From now on every open, read and write waits."""
        self._gate("closed")

    def release(self) -> None:
        """What waits goes on, and everything later at once."""
        self._gate("open")

    def close(self) -> None:
        self.release()
        if subprocess.run(["fusermount", "-u", str(self.mount)], check=False, capture_output=True).returncode:
            # a file still open on it (an engine not closed yet): detached now, gone once let go
            subprocess.run(["fusermount", "-u", "-z", str(self.mount)], check=False, capture_output=True)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2])
