"""conf.d/92-busy-tones.toml: the learnt disconnect tones, a file `telephonist learn-busy` owns.

Written whole (the tables of the lines learnt before kept), checked first with the rest of the
configuration as chand will read it, then put in place atomically; chand applies it on reload."""
from __future__ import annotations

import json
import os
import tempfile

from telephonist.config import load_config, toml_text
from telephonist.config.busy_tones import BusyTone

OWNED_FILE = "92-busy-tones.toml"
HEADER = ("# Disconnect tones learnt per line (docs/hardware.md). Written by `telephonist learn-busy` and by\n"
          "# chand on spans with learn_busy: edits survive, but a line or span learnt again is written anew.\n")


def owned_path(config_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(config_path)), "conf.d", OWNED_FILE)


def render(tones: dict[str, BusyTone]) -> str:
    out = [HEADER]
    for key in sorted(tones):
        t = tones[key]
        out.append(f"\n[busy_tones.{json.dumps(key)}]\n"
                   f"frequencies = [{', '.join(str(f) for f in t.frequencies)}]\n"
                   f"cadence_ms = [{', '.join(str(ms) for ms in t.cadence_ms)}]\n"
                   f"tolerance_ms = {t.tolerance_ms}\n"
                   f"level_dbm0 = {float(t.level_dbm0)}\n"
                   f"learnt = {json.dumps(t.learnt, ensure_ascii=False)}\n")
    return "".join(out)


def read_owned(path: str) -> dict[str, BusyTone]:
    """The tones in the owned file now (none if it does not exist yet)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = toml_text.loads(f.read())
    except FileNotFoundError:
        return {}
    out = {}
    for key, t in doc.get("busy_tones", {}).items():
        out[key] = BusyTone(frequencies=tuple(t.get("frequencies", ())), cadence_ms=tuple(t.get("cadence_ms", ())),
                            tolerance_ms=t.get("tolerance_ms", 0), level_dbm0=t.get("level_dbm0", -20.0),
                            learnt=t.get("learnt", ""))
    return out


def write_tone(config_path: str, key: str, tone: BusyTone) -> str:
    """Add or replace the tone of key ("span" or "span/N"); raises ConfigError (nothing written) if the
    configuration with it would not load. Returns the file written."""
    path = owned_path(config_path)
    tones = read_owned(path)
    tones[key] = tone
    text = render(tones)
    load_config(config_path, overrides={path: text})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".busy-tones-", dir=os.path.dirname(path))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
