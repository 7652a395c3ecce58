"""Fuzz target: the reading of the engine's caller ID text into a CidEvent's fields
(telephonist/engine_events.cid_fields). Any text gives a dict of str keys and values, where no value
holds the ';' that separates fields."""
from __future__ import annotations

from telephonist.engine_events import cid_fields


def check(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    fields = cid_fields(text)
    assert isinstance(fields, dict)
    for key, value in fields.items():
        assert isinstance(key, str) and isinstance(value, str)
        assert ";" not in value and key == key.strip(), (key, value)
