"""One transaction around a function of a Connection, for node types to run in a thread:
    entry = await call.in_thread(db.read, call.services.engine, find_block, number, now)
A write takes SQLite's write lock up front (BEGIN IMMEDIATE), so concurrent calls wait their turn
on the busy timeout instead of failing halfway."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.engine import Engine

from telephonist.storage.database import WRITE


def read(engine: Engine, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with engine.connect() as conn, conn.begin():
        return fn(conn, *args, **kw)


def write(engine: Engine, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        return fn(conn, *args, **kw)



