"""A campaign's message filled from a record: ${field} is the record's field (or name, number); a field the
record lacks reads as nothing; $$ is a dollar sign."""
from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\$\$|\$\{([^}]{1,64})\}")


def fill(text: str, values: dict[str, Any]) -> str:
    return PLACEHOLDER.sub(lambda m: "$" if m.group(0) == "$$" else str(values.get(m.group(1).strip(), "")), text)


def values_of(record_name: str, number: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"name": record_name, "number": number, **fields}
