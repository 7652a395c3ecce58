"""The packages the packaging tests install: the sdist made from the tree every session (a few
seconds), and the wheel and the Debian package built from it only when its content changed, kept in
.cache/packaging/<hash of the sdist's files>/ (the builds take about 10 s and 90 s)."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

TREE = Path(__file__).resolve().parents[2]
CACHE = TREE / ".cache" / "packaging"


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
    """The wheel and the .deb of one sdist, each built once and cached under its digest."""

    def __init__(self, sdist: Path) -> None:
        self.sdist = sdist
        self.dir = CACHE / content_digest(sdist)
        self.seconds: dict[str, float] = {}

    def wheel(self) -> Path:
        return self._cached("wheel", "*.whl", lambda out: self._run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
             str(self.sdist)]))

    def deb(self) -> Path:
        return self._cached("deb", "*.deb", lambda out: self._run(
            ["bash", str(TREE / "packaging" / "build-deb.sh"), str(self.sdist), str(out)]))

    def _cached(self, kind: str, pattern: str, build) -> Path:
        done = self.dir / kind
        if not list(done.glob(pattern)):
            self.dir.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
                build(Path(tmp))
                shutil.rmtree(done, ignore_errors=True)
                Path(tmp).rename(done)          # whole or not at all
                Path(tmp).mkdir()               # for TemporaryDirectory's clean-up
            self.seconds[kind] = time.monotonic() - started
            self._forget_others()
        found, = done.glob(pattern)
        return found

    def _forget_others(self) -> None:
        """Builds of sdists that are no more: only the current one is kept."""
        for other in CACHE.iterdir():
            if other.is_dir() and other != self.dir:
                shutil.rmtree(other, ignore_errors=True)

    @staticmethod
    def _run(argv: list[str]) -> None:
        r = subprocess.run(argv, capture_output=True, text=True, cwd=TREE)
        assert r.returncode == 0, f"{' '.join(argv)}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
