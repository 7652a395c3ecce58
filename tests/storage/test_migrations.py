"""The schema comes from the packaged Alembic migrations, and running them again changes nothing."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import telephonist
from telephonist.storage import alembic_config, current_revision, head_revision, make_engine, migrate
from telephonist.storage.migrate import migrations_dir
from telephonist.storage.schema import metadata

LEG_INDEXES = {"ix_call_legs_started_at", "ix_call_legs_caller", "ix_call_legs_dialled", "ix_call_legs_call_id",
               "ix_call_legs_disposition", "ix_call_legs_open"}


def test_migrations_ship_inside_the_package_and_need_no_alembic_ini():
    here = migrations_dir()
    assert here == Path(telephonist.__file__).parent / "migrations"
    assert (here / "env.py").is_file() and list((here / "versions").glob("0001_*.py"))
    assert not (Path(telephonist.__file__).parent.parent / "alembic.ini").exists()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]                    # one chain (0001 is its base; others add to it)


def test_upgrade_head_on_an_empty_database_creates_the_tables(db_url):
    assert current_revision(db_url) is None
    assert migrate(db_url) == head_revision()
    engine = make_engine(db_url)
    try:
        insp = sa.inspect(engine)
        assert {"call_legs", "call_events", "alembic_version"} <= set(insp.get_table_names())
        assert {c["name"] for c in insp.get_columns("call_legs")} == {c.name for c in metadata.tables["call_legs"].c}
        assert LEG_INDEXES <= {i["name"] for i in insp.get_indexes("call_legs")}
        events_ix = {i["name"]: i["column_names"] for i in insp.get_indexes("call_events")}
        assert events_ix["ix_call_events_leg_id_at"] == ["leg_id", "at"]
        assert insp.get_foreign_keys("call_events")[0]["referred_table"] == "call_legs"
        with engine.connect() as conn:                   # the Core tables match what the migrations made
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        # tables of other areas (web admin, ivrd ...) are compared by their own tests
        diff = [d for d in diff if not (d[0] in ("remove_table", "remove_index")
                                        and getattr(d[1], "table", d[1]).name not in metadata.tables)]
        assert diff == []
    finally:
        engine.dispose()


def test_running_it_again_is_a_no_op(db_url):
    engine = make_engine(db_url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, stmt, *a: statements.append(stmt.strip().split()[0].upper()))
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO call_legs (call_id, direction, span, channel, caller, dialled, "
                                 "state, started_at, node) VALUES ('c', 'inbound', 's', 1, 'a', 'b', 'up', "
                                 "CURRENT_TIMESTAMP, 'n')"))
        statements.clear()
        assert migrate(engine) == head_revision()
        assert not {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"} & set(statements), statements
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM call_legs")).scalar() == 1
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "base")
        assert not {"call_legs", "call_events"} & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert migrate(db_url) == head_revision()
