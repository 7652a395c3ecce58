"""The customer tables come from migration cu01 and match telephonist.crm.schema (SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from telephonist.crm import schema
from telephonist.storage.schema import metadata

MINE = {t.name for t in (schema.customers, schema.customer_phones, schema.customer_addresses, schema.customer_fields,
                         schema.customer_timeline)}


def test_migration_makes_the_customer_tables_as_the_code_sees_them(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    mine = [d for d in diff if getattr(d[1], "table", d[1]).name in MINE]
    assert mine == []
    assert MINE <= set(metadata.tables)
