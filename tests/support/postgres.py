"""A private, throw-away PostgreSQL server for tests (recipe: /work/shared/notes/test-infra.md).

``postgres_server`` (session scope) runs initdb in a temp dir owned by the
``postgres`` user (initdb refuses root, and pytest's tmp_path is closed to
other users), starts it on a free port on 127.0.0.1 with fsync off, and
removes it all at the end. ``postgres_url`` gives each test a database of
its own, as a ``postgresql+psycopg://`` URL.

Use them from a conftest.py: ``from tests.support.postgres import postgres_server, postgres_url``.
"""
from __future__ import annotations

import glob
import itertools
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb (Debian's layout), or PATH's."""
    def version(path: str) -> int:
        m = re.search(r"/postgresql/(\d+)/", path)
        return int(m.group(1)) if m else 0
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(8))
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=timeout)

    def _check(self, proc: subprocess.CompletedProcess, what: str) -> None:
        if proc.returncode != 0:
            log = self.root / "pg.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{tail}")

    def init(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, SUPERUSER)
        self._check(self._as_owner("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
                                   "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                                   "--locale=C.UTF-8", "--no-sync"), "initdb")
        pwfile.unlink()

    def start(self) -> None:
        # The port is free when we look; if someone takes it before the server binds, try another.
        for attempt in range(3):
            self.port = _free_port()
            opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            proc = self._as_owner("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"),
                                  "-w", "-t", "30", "-o", opts, "start")
            if proc.returncode == 0:
                return
        self._check(proc, "pg_ctl start")

    def stop(self) -> None:
        self._as_owner("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, hint: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg
        from psycopg import sql

        name = f"{re.sub(r'[^a-z0-9_]', '_', hint.lower())[:40]}_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, password=self.password,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


def start_server() -> PostgresServer:
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/bootstrap.sh")
    root = Path(tempfile.mkdtemp(prefix="telephonist-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SUPERUSER, SUPERUSER)
    server = PostgresServer(bindir=bindir, root=root)
    try:
        server.init()
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the session's server, for this test only."""
    return postgres_server.create_database(request.node.name)
