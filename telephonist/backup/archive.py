"""The archive itself: a gzip-compressed tar, each file hashed as it goes in; read back only through
its manifest.

Writing streams each file (no copy in memory or on disk): its size is taken when
it is opened, exactly that many bytes are archived and hashed, so a recording
still growing is archived as it was then. A file that shrinks while it is read is
padded, and its entry marked `changed`. Reading trusts nothing: a member must be
a regular file with a plain relative name, named in the manifest, with its size
and sha256.
"""
from __future__ import annotations

import hashlib
import io
import os
import tarfile
from typing import BinaryIO, Iterator

from telephonist.backup.manifest import MANIFEST, Entry, Manifest, ManifestError

CHUNK = 1 << 20


class ArchiveError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class _Hashing(io.RawIOBase):
    """Reads at most `size` bytes of a file, hashing them; zeros past an early end (the file shrank)."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f = f
        self.left = size
        self.hash = hashlib.sha256()
        self.short = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buf), self.left)
        if n == 0:
            return 0
        data = self.f.read(n)
        if len(data) < n:
            self.short = True
            data += bytes(n - len(data))
        buf[:n] = data
        self.left -= n
        self.hash.update(data)
        return n


class ArchiveWriter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.tar = tarfile.open(path, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT)
        self.entries: list[Entry] = []
        self.skipped: list[str] = []

    def add_file(self, role: str, rel: str, source: str) -> Entry | None:
        """The file at `source` as ROLE/rel; None (and a note) when it went away before it was opened."""
        name = f"{role}/{rel.replace(os.sep, '/')}"
        try:
            f = open(source, "rb")
        except OSError as exc:
            self.skipped.append(f"{source}: {exc.strerror}")
            return None
        with f:
            st = os.fstat(f.fileno())
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), st.st_mode & 0o7777
            reader = _Hashing(f, st.st_size)
            self.tar.addfile(info, io.BufferedReader(reader, CHUNK))
        entry = Entry(name, role, st.st_size, reader.hash.hexdigest(), changed=reader.short)
        self.entries.append(entry)
        return entry

    def finish(self, manifest: Manifest) -> None:
        manifest.entries, manifest.skipped = self.entries, self.skipped
        raw = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(raw), 0o600
        self.tar.addfile(info, io.BytesIO(raw))
        self.tar.close()

    def abandon(self) -> None:
        self.tar.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def read_manifest(path: str) -> Manifest:
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.getmember(MANIFEST)
            f = tar.extractfile(member)
            if f is None:
                raise ArchiveError([f"{path}: {MANIFEST} is not a file"])
            return Manifest.from_json(f.read())
    except KeyError:
        raise ArchiveError([f"{path}: no {MANIFEST}: not a Telephonist backup, or cut short"]) from None
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise ArchiveError([f"{path}: not a readable archive: {exc}"]) from None
    except ManifestError as exc:
        raise ArchiveError([f"{path}: {exc}"]) from None


def members(path: str) -> Iterator[tuple[tarfile.TarInfo, BinaryIO]]:
    """Each file member but the manifest, in archive order, with a stream of its contents."""
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            if info.name == MANIFEST:
                continue
            f = tar.extractfile(info) if info.isfile() else None
            yield info, f if f is not None else io.BytesIO()


def verify(path: str) -> Manifest:
    """The archive's manifest, once every member has been read and found as it says; ArchiveError
    listing every problem otherwise."""
    manifest = read_manifest(path)
    expected = {e.name: e for e in manifest.entries}
    problems: list[str] = []
    seen: set[str] = set()
    try:
        for info, f in members(path):
            entry = expected.get(info.name)
            if info.name in seen:
                problems.append(f"{info.name}: in the archive twice")
                continue
            if entry is None:
                problems.append(f"{info.name}: in the archive but not in its manifest")
                continue
            if not info.isfile() or not _plain(info.name):
                problems.append(f"{info.name}: not a plain file with a relative name")
                continue
            h = hashlib.sha256()
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
            if info.size != entry.size or h.hexdigest() != entry.sha256:
                problems.append(f"{info.name}: size or sha256 differs from the manifest (damaged)")
            seen.add(info.name)
    except (OSError, tarfile.TarError, EOFError) as exc:
        problems.append(f"{path}: cannot be read to the end: {exc}")
    problems += [f"{name}: in the manifest but not in the archive" for name in expected if name not in seen]
    if problems:
        raise ArchiveError(problems)
    return manifest


def _plain(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") for p in parts) and len(parts) >= 2
