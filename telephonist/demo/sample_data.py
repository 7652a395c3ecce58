"""The demo hotlines' sample data: the customers' own systems as SQLite files, and Telephonist's side
(self-service passwords, mailboxes ...), built once from etc/telephonist/demo-data/.

    <config dir>/demo-data/NAME.sql   -> <state_dir>/demo/NAME.db   (insurance, gas, bank: read by lookups)
    <config dir>/demo-data/setup.toml -> rows in Telephonist's database (same format as a flow test's [setup])
"""
from __future__ import annotations

import glob
import logging
import os
import tomllib

from telephonist.config.model import Config
from telephonist.storage.sqlite_files import database_from_sql

log = logging.getLogger("telephonist.demo")


def data_dir(cfg: Config) -> str:
    return os.path.join(os.path.dirname(cfg.path), "demo-data")


def build_customer_databases(cfg: Config) -> list[str]:
    """Make the missing sample databases; returns their paths."""
    made = []
    out_dir = os.path.join(cfg.system.state_dir, "demo")
    for sql in sorted(glob.glob(os.path.join(data_dir(cfg), "*.sql"))):
        target = os.path.join(out_dir, os.path.splitext(os.path.basename(sql))[0] + ".db")
        if os.path.exists(target):
            continue
        database_from_sql(sql, target)
        made.append(target)
    if made:
        log.info("event=demo_data_built files=%s", ",".join(made))
    return made


def seed_telephonist(cfg: Config) -> int:
    """The demo's accounts, mailboxes and lists in Telephonist's own database (idempotent)."""
    from telephonist.ivrd.seed import seed
    from telephonist.storage import make_engine, migrate
    path = os.path.join(data_dir(cfg), "setup.toml")
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        setup = tomllib.load(f).get("setup", {})
    migrate(cfg.database.url)
    engine = make_engine(cfg.database.url)
    try:
        return seed(engine, setup)
    finally:
        engine.dispose()


def build_all(cfg: Config) -> None:
    build_customer_databases(cfg)
    seed_telephonist(cfg)
    from telephonist.demo.campaigns import seed_campaigns
    seed_campaigns(cfg)
