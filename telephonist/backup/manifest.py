"""MANIFEST.json, the last member of an archive: what it holds, and what to check it against."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = 1
MANIFEST = "MANIFEST.json"


class ManifestError(Exception):
    """A manifest that is missing, unreadable or of another format."""


@dataclass(frozen=True)
class Entry:
    name: str                      # the member: ROLE/relative/path
    role: str                      # database, config, flows, prompts, recordings, voicemail, fax, documents, state
    size: int
    sha256: str
    changed: bool = False          # it shrank while it was read: its copy is padded and not to be trusted


@dataclass
class Manifest:
    node: str
    version: str                   # Telephonist's
    started_at: str                # ISO 8601 UTC: what was committed before this is in the archive
    finished_at: str = ""
    database: dict[str, str] = field(default_factory=dict)   # backend, revision (Alembic), member
    roles: dict[str, str] = field(default_factory=dict)      # role -> the folder it was read from
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)        # files that went away while the backup ran
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        try:
            doc: dict[str, Any] = json.loads(raw)
            if doc.get("format") != FORMAT:
                raise ManifestError(f"manifest format {doc.get('format')!r}; this Telephonist reads {FORMAT}")
            doc["entries"] = [Entry(**e) for e in doc.get("entries", [])]
            return cls(**doc)
        except (ValueError, TypeError) as exc:
            raise ManifestError(f"unreadable manifest: {exc}") from None

    def entry(self, name: str) -> Entry | None:
        return next((e for e in self.entries if e.name == name), None)
