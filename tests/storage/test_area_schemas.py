"""The tables of ivrd, faxd and the ACD as the migrations make them match each area's SQLAlchemy tables
(columns, types, indexes): code that reads or writes them through the Core tables finds what it expects."""
from __future__ import annotations

import pytest

from telephonist.acd import schema as acd
from telephonist.faxd import schema as faxd
from telephonist.ivrd import schema as ivrd
from tests.support.database import schema_drift


@pytest.mark.parametrize("area", [acd, faxd, ivrd], ids=["acd", "faxd", "ivrd"])
def test_the_migrations_make_the_areas_tables(tmp_path, area):
    assert schema_drift(tmp_path, area.metadata) == []
