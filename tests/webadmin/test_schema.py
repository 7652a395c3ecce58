"""The web admin's tables come from migration wa01 and match telephonist.webadmin.schema."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from telephonist.storage import alembic_config, make_engine, migrate
from telephonist.webadmin.rights import BUILTIN_ROLES
from telephonist.webadmin.schema import metadata, role_rights, roles
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

DESK_RIGHTS = {"desk.use", "supervise.use", "wallboard.view"}


def test_migration_chain_has_one_head_and_makes_the_webadmin_tables(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert "wa01" in {r.revision for r in script.walk_revisions()}
    url = f"sqlite:///{tmp_path / 't.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        mine = [d for d in diff if getattr(d[1], "table", d[1]).name.startswith("wa_")]
        assert mine == []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 't.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def _rights(conn) -> dict[str, set[str]]:
    q = sa.select(roles.c.name, role_rights.c.right_name).join(role_rights, role_rights.c.role_id == roles.c.id)
    out: dict[str, set[str]] = {}
    for name, right in conn.execute(q):
        out.setdefault(name, set()).add(right)
    return out


def test_wa03_gives_the_builtin_roles_of_an_older_database_the_desk_rights(db_url):
    """A database at fx02 whose built-in roles were written before the desk rights existed (and a custom role
    without them): upgraded, each built-in role holds what a fresh install gives it; the custom role is left
    alone; upgrading again changes nothing."""
    migrate(db_url, "fx02")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            for name, rights in [*BUILTIN_ROLES.items(), ("team lead", frozenset({"reports.view"}))]:
                rid = conn.execute(sa.insert(roles).values(name=name, builtin=name in BUILTIN_ROLES, description="")
                                   ).inserted_primary_key[0]
                old = rights - DESK_RIGHTS | ({"supervise.use"} if name == "supervisor" else set())   # one by hand
                conn.execute(sa.insert(role_rights), [{"role_id": rid, "right_name": r} for r in sorted(old)])
        with engine.connect() as conn:
            assert not any(DESK_RIGHTS & held for name, held in _rights(conn).items() if name != "supervisor")
        assert migrate(db_url) is not None
        with engine.connect() as conn:
            after = _rights(conn)
        assert {name: after[name] for name in BUILTIN_ROLES} == {name: set(r) for name, r in BUILTIN_ROLES.items()}
        assert after["team lead"] == {"reports.view"}
        assert migrate(db_url) is not None
        with engine.connect() as conn:
            assert _rights(conn) == after
    finally:
        engine.dispose()
