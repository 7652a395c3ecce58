"""Fuzz target: the TOML configuration loader. Any bytes as telephonist.toml give a Config or a
ConfigError whose every problem names the file and a line of it; never another exception."""
from __future__ import annotations

import os
import tempfile

from telephonist.config.loader import ConfigError, load_config

_DIR = tempfile.mkdtemp(prefix="fuzz-config-")
PATH = os.path.join(_DIR, "telephonist.toml")


def check(data: bytes) -> None:
    with open(PATH, "wb") as f:
        f.write(data)
    lines = data.count(b"\n") + 1
    try:
        load_config(PATH)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError without a problem"
        for p in exc.problems:
            assert p.file == PATH and 1 <= p.line <= lines, (p.file, p.line, lines, p.message)
