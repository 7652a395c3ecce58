"""Debian roots for the package tests.

A clean bookworm root (tests/packaging/build-root.sh, cached under /var/cache) is never changed: each
test works on an overlay of it. Into that copy the .deb is installed the way an administrator would
(`apt-get install ./telephonist_*.deb`, dependencies from the mirror, downloaded .debs kept in the
cache), commands run inside it with chroot, and the systemd flavour boots under systemd-nspawn with
systemd as PID 1, so the units run as they would on a server: their user, sandbox and limits.

Runs at the same time share the cache safely: a run holds its root (a shared lock on the root's
.in-use, which build-root.sh must win before it removes an old root), apt in two copies takes turns on
the shared downloads, and what a killed run left (its overlay mounts, its container) is cleared by the
next one. A mirror that cannot be reached makes the tests skip, saying so.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.packaging.builds import SHARED_CACHE as CACHE
from tests.packaging.builds import locked, skip_if_unreachable

BUILD_ROOT = Path(__file__).with_name("build-root.sh")

# Building the .deb and installing it into the clean roots takes a minute with everything cached, about
# 2.5 after a change to the sources (the .deb is built again) and 4 from nothing: more than `make test`
# can spend inside CI's 20 minutes beside the DAHDI guest. They run when asked (make test-packaging).
OPT_IN = pytest.mark.skipif(
    os.environ.get("TELEPHONIST_PACKAGING_TESTS") != "1",
    reason="the .deb build-and-install tests run with TELEPHONIST_PACKAGING_TESTS=1 (make test-packaging)")
ENV = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"]


def require_tools(*tools: str) -> None:
    """These tests make roots, mount and chroot: root and the tools, or a skip that says what is missing."""
    if os.geteuid() != 0:
        pytest.skip("the Debian package tests need root (debootstrap, mount, chroot)")
    missing = [t for t in ("debootstrap", "chroot", *tools) if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (scripts/bootstrap.sh installs them)")


def cached_root(flavour: str) -> Path:
    """The clean root (built once, about a minute): "minbase", or "systemd" (minbase with systemd and dbus)."""
    argv = ["bash", str(BUILD_ROOT)] + (["--systemd"] if flavour == "systemd" else [])
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        skip_if_unreachable(r.stderr, f"building the clean {flavour} root")
    assert r.returncode == 0, r.stderr[-3000:]
    return Path(r.stdout.strip())


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def clear_leftovers() -> None:
    """Overlays of the cached roots whose run is gone (killed before it could clean up): the container
    it booted there is stopped and the mounts are undone, so nothing of it stays mounted or running."""
    mounts = [line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    overlays = [m[4] for m in mounts if m[m.index("-") + 1] == "overlay" and f"lowerdir={CACHE}/" in m[-1]]
    for merged in overlays:
        work = Path(merged).parent
        try:
            owner = int((work / "owner").read_text())
        except (OSError, ValueError):
            continue                                # not one of ours
        if _alive(owner):
            continue
        try:
            nspawn = int((work / "nspawn.pid").read_text())
            if _alive(nspawn) and f"--directory={merged}" in Path(f"/proc/{nspawn}/cmdline").read_text():
                os.kill(nspawn, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        inside = sorted((m[4] for m in mounts if m[4] == merged or m[4].startswith(merged + "/")),
                        key=len, reverse=True)
        for where in inside:
            subprocess.run(["umount", "-l", where], check=False, capture_output=True)


def _run(argv: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check:
        assert r.returncode == 0, f"{' '.join(argv)} -> {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


class RootCopy:
    """An overlay of a cached root in `work`: writable, thrown away afterwards."""

    def __init__(self, lower: Path, work: Path) -> None:
        self.lower = lower
        self.work = work
        self.path = work / "merged"
        self._upper, self._work = work / "upper", work / "work"
        self._mounts: list[Path] = []
        self._held = ExitStack()

    def __enter__(self) -> "RootCopy":
        clear_leftovers()
        self._held.enter_context(locked(self.lower.parent / ".in-use", exclusive=False))
        (self.work / "owner").write_text(str(os.getpid()))
        for d in (self.path, self._upper, self._work):
            d.mkdir(parents=True)
        self._mount(["-t", "overlay", "overlay", "-o",
                     f"lowerdir={self.lower},upperdir={self._upper},workdir={self._work}"], self.path)
        return self

    def __exit__(self, *exc) -> None:
        while self._mounts:
            subprocess.run(["umount", "-l", str(self._mounts.pop())], check=False)
        self._held.close()

    def _mount(self, args: list[str], where: Path) -> None:
        _run(["mount", *args, str(where)])
        self._mounts.append(where)

    @contextmanager
    def chroot_mounts(self) -> Iterator[None]:
        """/proc, /dev, the host's DNS and the shared cache of downloaded .debs, for commands run with chroot."""
        archives = CACHE / "apt-archives"
        (archives / "partial").mkdir(parents=True, exist_ok=True)
        depth = len(self._mounts)
        shutil.copy("/etc/resolv.conf", self.path / "etc" / "resolv.conf")
        self._mount(["-t", "proc", "proc"], self.path / "proc")
        self._mount(["--bind", "/dev"], self.path / "dev")
        self._mount(["--bind", str(archives)], self.path / "var" / "cache" / "apt" / "archives")
        try:
            yield
        finally:
            while len(self._mounts) > depth:
                _run(["umount", str(self._mounts.pop())], check=False)

    def run(self, *argv: str, check: bool = True, user: str | None = None) -> subprocess.CompletedProcess:
        """A command inside the root (needs chroot_mounts for most), with a clean environment."""
        who = ["runuser", "-u", user, "--"] if user else []
        return _run(["chroot", str(self.path), *ENV, *who, *argv], check=check)

    def install(self, deb: Path) -> str:
        """`apt-get install ./telephonist_*.deb` with its Depends only (no Recommends): what the package
        needs must come with it. Returns apt's output."""
        shutil.copy(deb, self.path / "tmp" / deb.name)
        # one apt at a time on the shared downloads (apt's own lock there would fail the other run)
        with self.chroot_mounts(), locked(CACHE / "apt-archives.lock"):
            for argv in (["apt-get", "-q", "-o", "Acquire::Retries=3", "update"],
                         ["apt-get", "install", "-y", "-q", "-o", "Acquire::Retries=3", "--no-install-recommends",
                          f"/tmp/{deb.name}"]):
                r = self.run(*argv, check=False)
                if r.returncode != 0:
                    skip_if_unreachable(r.stdout + r.stderr, f"installing the package with apt ({argv[1]})")
                assert r.returncode == 0, f"{' '.join(argv)} -> {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
        return r.stdout


class Booted:
    """The root booted with systemd as PID 1 in a container (systemd-nspawn, no network but loopback)."""

    def __init__(self, root: RootCopy, log: Path) -> None:
        self.root = root
        self._log = log
        self._proc: subprocess.Popen | None = None
        self.leader = 0

    def __enter__(self) -> "Booted":
        folder = self._log.parent
        notify = folder / "nspawn-notify.sock"
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(str(notify))
        ns.settimeout(120)
        try:
            with open(self._log, "w") as log:
                # --notify-ready: nspawn says READY=1 once the container's systemd has finished booting,
                # and names the container's PID 1 (X_NSPAWN_LEADER_PID) to enter it with nsenter
                self._proc = subprocess.Popen(
                    ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
                     "--notify-ready=yes", "--boot", "--console=passive", f"--machine=tph{os.getpid()}",
                     f"--directory={self.root.path}"],
                    env={**os.environ, "NOTIFY_SOCKET": str(notify)}, stdout=log, stderr=subprocess.STDOUT)
            (self.root.work / "nspawn.pid").write_text(str(self._proc.pid))
            while True:
                try:
                    msg = ns.recv(4096).decode()
                except TimeoutError:
                    raise AssertionError(f"the container did not boot:\n{self._log.read_text()[-3000:]}") from None
                for line in msg.splitlines():
                    if line.startswith("X_NSPAWN_LEADER_PID="):
                        self.leader = int(line.split("=", 1)[1])
                if "READY=1" in msg.splitlines():
                    break
        except BaseException:
            self.__exit__()
            raise
        finally:
            ns.close()
        return self

    def __exit__(self, *exc) -> None:
        """Power off: nspawn asks the container's systemd to halt (a second SIGTERM ends it at once)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for _ in range(2):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
                return
            except subprocess.TimeoutExpired:
                continue
        proc.kill()
        proc.wait()

    def run(self, *argv: str, check: bool = True, user: str | None = None) -> subprocess.CompletedProcess:
        """A command in the container (all its namespaces), with a clean environment."""
        who = ["runuser", "-u", user, "--"] if user else []
        return _run(["nsenter", f"--target={self.leader}", "--all", *ENV, *who, *argv], check=check)
