"""The packages the packaging tests install: the sdist made from the tree every session (a few
seconds), and the wheel and the Debian package built from it only when its content changed.

The builds are kept in the machine's packaging cache (TELEPHONIST_PACKAGING_CACHE, default
/var/cache/telephonist-packaging, beside the clean Debian roots) under builds/<hash of the sdist's
files>/, so a fresh clone of an unchanged tree (CI) finds them. Two runs at once are safe: a lock per
build makes the second wait for the first and then use its result, each run works on its own copy of
the package, and old builds are removed only when no run holds them. Where the cache cannot be
written (not root), the tree's .cache/packaging/ is used."""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

TREE = Path(__file__).resolve().parents[2]
SHARED_CACHE = Path(os.environ.get("TELEPHONIST_PACKAGING_CACHE", "/var/cache/telephonist-packaging"))
KEEP_BUILDS = 4         # the most recently used builds kept (other branches, the tree before a change)

# what pip, apt and debootstrap say when the package index or Debian's mirror cannot be reached
NETWORK_TROUBLE = re.compile(
    r"Temporary failure (in name resolution|resolving)|Could not resolve|Failed to fetch|Network is unreachable"
    r"|Connection (timed out|refused|reset)|Could not connect|Unable to connect|Read timed out"
    r"|Max retries exceeded|NewConnectionError|ProxyError"
    r"|Hash Sum mismatch|Couldn't download|Failed getting release file|Unable to fetch some archives"
    r"|Some index files failed to download")


def skip_if_unreachable(output: str, what: str) -> None:
    """A build or install that failed because the mirror or the package index could not be reached is
    skipped, saying so; any other failure is the test's to report."""
    trouble = NETWORK_TROUBLE.search(output)
    if trouble:
        pytest.skip(f"{what}: the network failed ({trouble.group(0)}), not the package")


@contextmanager
def locked(path: Path, exclusive: bool = True, wait: bool = True) -> Iterator[bool]:
    """An flock on path (made if missing), released on exit; with wait=False, yields whether it was had."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        try:
            fcntl.flock(f, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def builds_cache() -> Path:
    shared = SHARED_CACHE / "builds"
    try:
        shared.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        return TREE / ".cache" / "packaging"
    return shared if os.access(shared, os.W_OK) else TREE / ".cache" / "packaging"


def build_sdist(out: Path) -> Path:
    """`python -m build --sdist` of the tree, as `make sdist` makes it."""
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--outdir", str(out), str(TREE)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    sdist, = out.glob("telephonist-*.tar.gz")
    return sdist


def content_digest(sdist: Path) -> str:
    """What the sdist holds (each file's name, executable bits and bytes), not when it was packed."""
    h = hashlib.sha256()
    with tarfile.open(sdist) as tar:
        for m in sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name):
            data = tar.extractfile(m).read()
            h.update(f"{m.name}\0{m.mode & 0o111:o}\0{len(data)}\0".encode() + data)
    return h.hexdigest()[:16]


class Builds:
    """The wheel and the .deb of one sdist, each built once and cached under its digest; a test gets
    its own copy in `out`."""

    def __init__(self, sdist: Path, out: Path) -> None:
        self.sdist = sdist
        self.out = out
        self.cache = builds_cache()
        self.dir = self.cache / content_digest(sdist)
        self.seconds: dict[str, float] = {}
        self._copies: dict[str, Path] = {}

    def wheel(self) -> Path:
        return self._cached("wheel", "*.whl", lambda out: self._run("building the wheel", [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
            str(self.sdist)]))

    def deb(self) -> Path:
        # pip's downloads for the package's virtualenv are kept in the cache too (dh gives the build
        # a HOME of its own, so pip's usual cache is not seen)
        return self._cached("deb", "*.deb", lambda out: self._run("building the .deb", [
            "env", f"PIP_CACHE_DIR={self.cache.parent / 'pip'}",
            "bash", str(TREE / "packaging" / "build-deb.sh"), str(self.sdist), str(out)]))

    def _cached(self, kind: str, pattern: str, build) -> Path:
        if kind in self._copies:
            return self._copies[kind]
        self.dir.mkdir(parents=True, exist_ok=True)
        with locked(self.dir / f".{kind}.lock"):
            done = self.dir / kind
            if not list(done.glob(pattern)):
                started = time.monotonic()
                with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
                    build(Path(tmp))
                    shutil.rmtree(done, ignore_errors=True)
                    Path(tmp).rename(done)          # whole or not at all
                    Path(tmp).mkdir()               # for TemporaryDirectory's clean-up
                self.seconds[kind] = time.monotonic() - started
            found, = done.glob(pattern)
            os.utime(self.dir)                      # used now: the last to be removed
            copy = self.out / found.name
            shutil.copy2(found, copy)
        self._copies[kind] = copy
        self._forget_old()
        return copy

    def _forget_old(self) -> None:
        """Builds beyond the KEEP_BUILDS most recently used, unless a run is building or copying one."""
        others = sorted((d for d in self.cache.iterdir() if d.is_dir() and d != self.dir),
                        key=lambda d: d.stat().st_mtime, reverse=True)
        for old in others[KEEP_BUILDS - 1:]:
            with locked(old / ".wheel.lock", wait=False) as wheel, locked(old / ".deb.lock", wait=False) as deb:
                if wheel and deb:
                    shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def _run(what: str, argv: list[str]) -> None:
        r = subprocess.run(argv, capture_output=True, text=True, cwd=TREE)
        if r.returncode != 0:
            skip_if_unreachable(r.stdout + r.stderr, what)
        assert r.returncode == 0, f"{' '.join(argv)}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
