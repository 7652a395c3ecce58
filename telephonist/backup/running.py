"""Is this configuration's Telephonist running? A restore must not pull files and the database from
under daemons that use them.

Two signs, either enough: chand's control socket answers, or a process runs
`telephonist chand|ivrd|faxd|webadmin|run` with this same configuration file
(its --config, else its TELEPHONIST_CONFIG, else the default).
"""
from __future__ import annotations

import os
import socket

from telephonist.config.model import Config

DAEMONS = {"chand", "ivrd", "faxd", "webadmin", "run"}
DEFAULT_CONFIG = "/etc/telephonist/telephonist.toml"


def running(cfg: Config) -> list[str]:
    """What runs with this configuration, in words (empty: nothing)."""
    found = []
    if _answers(cfg.control.socket):
        found.append(f"chand (its control socket {cfg.control.socket} answers)")
    mine = os.path.realpath(cfg.path)
    for pid, argv, config in _telephonist_processes():
        if config == mine:
            found.append(f"pid {pid}: {' '.join(argv)}")
    return found


def _answers(path: str) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _telephonist_processes():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
            daemon = _daemon_of(argv)
            if daemon is None:
                continue
            yield int(pid), argv, _config_of(pid, argv)
        except OSError:                    # gone meanwhile, or not ours to read
            continue


def _daemon_of(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if os.path.basename(a) == "telephonist" or a == "telephonist.cli":
            rest = argv[i + 1:]
            return rest[0] if rest and rest[0] in DAEMONS else None
    return None


def _config_of(pid: str, argv: list[str]) -> str:
    cwd = os.readlink(f"/proc/{pid}/cwd")
    for i, a in enumerate(argv):
        if a == "--config" and i + 1 < len(argv):
            return os.path.realpath(os.path.join(cwd, argv[i + 1]))
        if a.startswith("--config="):
            return os.path.realpath(os.path.join(cwd, a.split("=", 1)[1]))
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
        config = env.get(b"TELEPHONIST_CONFIG", DEFAULT_CONFIG.encode()).decode(errors="replace")
    except OSError:
        config = DEFAULT_CONFIG
    return os.path.realpath(os.path.join(cwd, config))
