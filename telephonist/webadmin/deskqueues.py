"""What the agent desktop takes from the configuration: each queue's dispositions, wrap-up time and CRM
page, each agent's extension and wrap-up time, and the not-ready reasons an agent may give.

The queues page changes them while the console runs (conf.d/91-webadmin-acd.toml, then the ACD reloads),
so they are read again whenever telephonist.toml or a conf.d file changed (by their modification times),
not only at start. A configuration with problems keeps the last good reading (the ACD keeps running
the last good one too).
"""
from __future__ import annotations

import glob
import os
import threading
from typing import Any

from telephonist.config.model import Config
from telephonist.webadmin.files import config_or_none
from telephonist.webadmin.site import site

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Config]] = {}            # configuration file -> (its files' stamp, reading)
_settings: dict[int, tuple[Config, dict[str, Any]]] = {}  # the desktop's view of the last reading


def desk_settings() -> dict[str, Any]:
    cfg = current_config()
    with _lock:
        kept = _settings.get(id(cfg))
    if kept is not None and kept[0] is cfg:
        return kept[1]
    settings = settings_of(cfg)
    with _lock:
        _settings.clear()
        _settings[id(cfg)] = (cfg, settings)
    return settings


def current_config() -> Config:
    """The configuration as its files say now (read again when one changed), else the last good reading."""
    s = site()
    if not s.config_path:
        return s.config
    stamp = _stamp(s.config_path)
    with _lock:
        cached = _cache.get(s.config_path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    cfg = config_or_none(s.config_path)
    if cfg is None:
        return cached[1] if cached is not None else s.config
    with _lock:
        _cache[s.config_path] = (stamp, cfg)
    return cfg


def _stamp(config_path: str) -> tuple:
    paths = [config_path, *sorted(glob.glob(os.path.join(os.path.dirname(config_path), "conf.d", "*.toml")))]
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            pass
    return tuple(out)


def settings_of(cfg: Config) -> dict[str, Any]:
    return {
        "queues": {q.name: {"dispositions": list(q.dispositions), "wrapup_s": q.wrapup_s, "crm_url": q.crm_url,
                            "agent_pick": q.agent_pick}
                   for q in cfg.queues},
        "agents": {a.number: {"name": a.name, "extension": a.extension, "wrapup_s": a.wrapup_s}
                   for a in cfg.agents},
        "reasons": [r for r in cfg.acd.not_ready_reasons if r != cfg.acd.missed_reason],
    }
