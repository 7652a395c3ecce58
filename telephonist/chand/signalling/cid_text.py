"""The engine reports caller ID as "key=value;key=value" text."""
from __future__ import annotations


def parse_cid(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value
    return fields
