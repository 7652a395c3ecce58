"""Where archives go: a folder on this machine (another disk), or user@host:/folder, reached with the
system's rsync over ssh ([backup] ssh_command). Each keeps the newest `keep` archives of a node.

An archive appears under its final name only once it is complete: a local one is
written as NAME.partial and renamed; rsync writes to a hidden temporary file and
renames it. Names sort in time order (the UTC time is in them), so the newest are
the last.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime

ARCHIVE_SUFFIX = ".tar.gz"
REMOTE = re.compile(r"^(?P<host>[^/:@\s]+@[^/:\s]+|[^/:\s]+):(?P<folder>.+)$")   # user@host:/folder, host:/folder
TRANSFER_TIMEOUT_S = 6 * 3600


class DestinationError(Exception):
    """A destination that cannot be written to or listed (the reason, and the tool's own words)."""


def archive_name(node: str, started: datetime) -> str:
    """telephonist-backup-NODE-20261206T212445.123456Z.tar.gz: two backups never share a name."""
    return f"telephonist-backup-{_safe(node)}-{started.strftime('%Y%m%dT%H%M%S.%fZ')}{ARCHIVE_SUFFIX}"


def _safe(node: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", node) or "node"


def of_node(names: list[str], node: str) -> list[str]:
    """This node's archives among `names`, oldest first."""
    pattern = re.compile(rf"^telephonist-backup-{re.escape(_safe(node))}-\d{{8}}T\d{{6}}\.\d{{6}}Z{re.escape(ARCHIVE_SUFFIX)}$")
    return sorted(n for n in names if pattern.match(n))


@dataclass(frozen=True)
class LocalFolder:
    folder: str

    def __str__(self) -> str:
        return self.folder

    def staging(self, work_dir: str) -> str:
        """Where an archive is made: in the folder itself, so the last step is a rename."""
        return self.folder

    def put(self, made: str, name: str) -> str:
        target = os.path.join(self.folder, name)
        os.replace(made, target)
        return target

    def names(self) -> list[str]:
        try:
            return os.listdir(self.folder)
        except OSError as exc:
            raise DestinationError(f"{self.folder}: {exc.strerror}") from None

    def remove(self, name: str) -> None:
        os.unlink(os.path.join(self.folder, name))

    def fetch(self, name: str, into: str) -> str:
        return os.path.join(self.folder, name)


@dataclass(frozen=True)
class RemoteFolder:
    host: str                           # user@host
    folder: str
    ssh: tuple[str, ...]                # the ssh command and its options

    def __str__(self) -> str:
        return f"{self.host}:{self.folder}"

    def staging(self, work_dir: str) -> str:
        return work_dir

    def put(self, made: str, name: str) -> str:
        self._ssh("mkdir", "-p", "--", self.folder)
        self._rsync(made, f"{self.host}:{self.folder.rstrip('/')}/{name}")
        os.unlink(made)
        return f"{self}/{name}"

    def names(self) -> list[str]:
        return self._ssh("ls", "-1A", "--", self.folder).splitlines()

    def remove(self, name: str) -> None:
        self._ssh("rm", "-f", "--", self.folder.rstrip("/") + "/" + name)

    def fetch(self, name: str, into: str) -> str:
        target = os.path.join(into, name)
        self._rsync(f"{self.host}:{self.folder.rstrip('/')}/{name}", target)
        return target

    def _ssh(self, *argv: str) -> str:
        return _run([*self.ssh, "-o", "BatchMode=yes", self.host, " ".join(shlex.quote(a) for a in argv)])

    def _rsync(self, source: str, target: str) -> None:
        """rsync (3.2.4 and later pass the remote path as it is, without a shell: no quoting)."""
        shell = " ".join(shlex.quote(a) for a in (*self.ssh, "-o", "BatchMode=yes"))
        _run(["rsync", "--times", "--chmod=F600", "-e", shell, source, target])


def _run(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=TRANSFER_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise DestinationError(f"{argv[0]} is not installed (Debian: apt-get install rsync openssh-client)") from None
    except subprocess.TimeoutExpired:
        raise DestinationError(f"{argv[0]} took longer than {TRANSFER_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        raise DestinationError(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.strip()[-1000:]}")
    return proc.stdout


def destination_of(text: str, base_dir: str, ssh_command: str = "ssh") -> LocalFolder | RemoteFolder:
    """A destination from [backup] destination (or --to): a relative folder is relative to `base_dir`
    (the configuration's folder), like every other path of the configuration."""
    m = REMOTE.match(text)
    if m and not os.path.isabs(text):
        return RemoteFolder(m["host"], m["folder"], tuple(shlex.split(ssh_command)) or ("ssh",))
    return LocalFolder(os.path.normpath(os.path.join(base_dir, text)))


def keep_newest(dest: LocalFolder | RemoteFolder, node: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` archives of `node`; returns the names removed."""
    old = of_node(dest.names(), node)[:-keep] if keep > 0 else []
    for name in old:
        dest.remove(name)
    return old
