"""TCP tokens: each names its highest role and the application names it may say hello as."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenGrant:
    name: str
    role: str
    apps: tuple[str, ...]           # application names or patterns ("crm", "crm-*")

    def allows(self, app: str) -> bool:
        return any(fnmatch.fnmatchcase(app, pattern) for pattern in self.apps)


def grants_from(tokens) -> dict[str, TokenGrant]:
    """token text -> grant, from the configuration's [[control.tokens]]."""
    return {t.token: TokenGrant(t.name, t.role, tuple(t.apps)) for t in tokens}
