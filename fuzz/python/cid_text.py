"""Fuzz target: chand's reading of the engine's caller ID text (signalling/cid_text.parse_cid). Any
text gives a dict of str keys and values, where no value holds the ';' that separates fields."""
from __future__ import annotations

from telephonist.chand.signalling.cid_text import parse_cid


def check(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    fields = parse_cid(text)
    assert isinstance(fields, dict)
    for key, value in fields.items():
        assert isinstance(key, str) and isinstance(value, str)
        assert ";" not in value and key == key.strip(), (key, value)
