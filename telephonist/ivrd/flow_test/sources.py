"""The customer systems a flow test's lookups reach: the run's own data, never the live systems unless
the script says so.

For each configured [[ivrd.sources]] source, in this order:

    [sources.NAME] live = true      the configured source itself: what the flow writes lands there
    [sources.NAME] url = "..."      a system of the script's own (a test database or service)
    [sources.NAME] seed = "x.sql"   a fresh SQLite database made from the file for this run
    (nothing) SQLite file           a copy made for this run (SQLite's backup API: one committed state)
    (nothing) another database      the live database, read-only (writes = false: it refuses any change)
    (nothing) HTTP service          not reached: its lookups fail, saying how the script may allow it

Copies and seeded databases keep the source's `writes`, so the flow runs as it will live and its
writes land in the run's data, which goes with the run. A script therefore gives the same result
however often it runs, and the configured systems stay as they were.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from telephonist.config.model import LookupSource
from telephonist.ivrd.flow_test.script import ScriptSource
from telephonist.ivrd.lookup_sources import LookupFailed, LookupSources, SqlSource, HttpSource
from telephonist.storage.sqlite_files import SqliteFileError, copy_database, database_from_sql, sqlite_path

LIVE, SCRIPT_URL, SEED, COPY, READ_ONLY, NOT_REACHED = "live", "script's url", "seeded", "copy", "read-only", \
    "not reached"


@dataclass(frozen=True)
class RunSource:
    name: str
    how: str                               # LIVE, SCRIPT_URL, SEED, COPY, READ_ONLY or NOT_REACHED
    source: LookupSource | None            # what the run's lookups use (None: not reached)
    note: str = ""                         # the seed file, or why a copy could not be made


def how_for(src: LookupSource, wanted: ScriptSource | None) -> str:
    if wanted is not None:
        return LIVE if wanted.live else SCRIPT_URL if wanted.url else SEED
    if src.kind == "sql":
        return COPY if sqlite_path(src.url) else READ_ONLY
    return NOT_REACHED


def plan_sources(configured: tuple[LookupSource, ...], wanted: dict[str, ScriptSource]) -> list[str]:
    """How each source will be used, in words (for the report), without touching anything."""
    return [f"{s.name} ({how_for(s, wanted.get(s.name))})" for s in configured]


def prepare_sources(configured: tuple[LookupSource, ...], wanted: dict[str, ScriptSource],
                    run_dir: str) -> list[RunSource]:
    """The sources of one run, copies and seeded databases made under `run_dir`."""
    return [_prepare(s, wanted.get(s.name), run_dir) for s in configured]


def _prepare(src: LookupSource, wanted: ScriptSource | None, run_dir: str) -> RunSource:
    how = how_for(src, wanted)
    target = os.path.join(run_dir, f"{src.name}.db")
    if how == LIVE:
        return RunSource(src.name, how, src)
    if how == SCRIPT_URL:
        return RunSource(src.name, how, dataclasses.replace(src, url=wanted.url))
    if how == SEED:
        database_from_sql(wanted.seed, target)        # the script's own file: a broken one is its error
        return RunSource(src.name, how, dataclasses.replace(src, kind="sql", url=f"sqlite:///{target}"),
                         os.path.basename(wanted.seed))
    if how == COPY:
        try:
            copy_database(sqlite_path(src.url), target)
        except SqliteFileError as exc:                # lookups then fail as they would live
            return RunSource(src.name, how, dataclasses.replace(src, url=f"sqlite:///{target}", writes=False),
                             str(exc))
        return RunSource(src.name, how, dataclasses.replace(src, url=f"sqlite:///{target}"))
    if how == READ_ONLY:
        return RunSource(src.name, how, dataclasses.replace(src, writes=False))
    return RunSource(src.name, how, None)


class RunSources(LookupSources):
    """ivrd's lookup sources for a flow test run: the prepared ones; the others refuse, saying why."""

    def __init__(self, run: list[RunSource]) -> None:
        super().__init__(tuple(r.source for r in run if r.source is not None))
        self.not_reached = {r.name for r in run if r.source is None}

    def get(self, name: str) -> SqlSource | HttpSource:
        if name in self.not_reached:
            raise LookupFailed("error", f"source {name!r} is not reached in a flow test unless the script allows "
                                        f"it: [sources.{name}] url = a test service, or live = true")
        return super().get(name)
