"""Alembic environment for Telephonist's database; there is no alembic.ini.

The caller hands over what to migrate through the Config's attributes (see
telephonist.storage.migrate.alembic_config): ``connection`` (an open
SQLAlchemy Connection, used as is, inside its transaction) or ``url``. The
``sqlalchemy.url`` main option is a last resort, for hand-made Configs.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from telephonist.storage.database import WRITE, make_engine
from telephonist.storage.schema import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set config.attributes['connection'] or ['url'] "
                           "(telephonist.storage.migrate.alembic_config does)")
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",   # SQLite's ALTER TABLE is limited
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect().execution_options(**WRITE) as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
