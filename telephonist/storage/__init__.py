"""Call-record storage (SQLite or PostgreSQL through SQLAlchemy Core; schema by Alembic).

    from telephonist.storage import CallRecordStore, LegOpen, migrate
    migrate(url)                       # at start-up: create/upgrade the schema
    store = CallRecordStore(url)       # async API, one group-commit writer thread
"""
from telephonist.storage.call_records import CallRecordStore
from telephonist.storage.database import make_engine
from telephonist.storage.migrate import alembic_config, current_revision, head_revision, migrate
from telephonist.storage.models import Leg, LegClosed, LegEvent, LegFilter, LegNotFound, LegOpen, StorageError
from telephonist.storage.schema import DIRECTIONS, DISPOSITIONS
from telephonist.storage.writer import StoreClosed

__all__ = [
    "CallRecordStore", "DIRECTIONS", "DISPOSITIONS", "Leg", "LegClosed", "LegEvent", "LegFilter",
    "LegNotFound", "LegOpen", "StorageError", "StoreClosed", "alembic_config", "current_revision",
    "head_revision", "make_engine", "migrate",
]
