"""The sdist of this tree (every session) and the packages built from it (cached by its content, each
session working on its own copies)."""
from __future__ import annotations

import pytest

from tests.packaging.builds import Builds, build_sdist


@pytest.fixture(scope="session")
def builds(tmp_path_factory) -> Builds:
    return Builds(build_sdist(tmp_path_factory.mktemp("sdist")), tmp_path_factory.mktemp("packages"))


@pytest.fixture(scope="session")
def tree_units() -> list[str]:
    """The systemd units (and the shared drop-in folder) of the tree, by name."""
    from tests.packaging.builds import TREE
    return sorted(p.name for p in (TREE / "systemd").iterdir())
