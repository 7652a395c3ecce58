"""The one place the web admin opens the database: an Engine per app, read and write connections."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from telephonist.storage.database import WRITE, make_engine


def init_app(app: Flask, url: str) -> None:
    app.extensions["telephonist_db"] = make_engine(url)


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["telephonist_db"]


@contextmanager
def reading(app: Flask | None = None) -> Iterator[Connection]:
    with engine(app).connect() as conn:
        with conn.begin():
            yield conn


@contextmanager
def writing(app: Flask | None = None) -> Iterator[Connection]:
    """A transaction that takes the write lock at once (SQLite: BEGIN IMMEDIATE) and commits on exit."""
    with engine(app).connect().execution_options(**WRITE) as conn:
        with conn.begin():
            yield conn
