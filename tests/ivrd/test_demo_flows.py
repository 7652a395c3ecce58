"""The demo hotlines (insurance, gas, bank, switchboard) called the way customers call them: every
scripted call of etc/telephonist/flow-tests/ must pass against the shipped flows and sample data.
Prompts are stand-in tones named like the real ones (what the caller hears is asserted by name)."""
from __future__ import annotations

import dataclasses
import glob
import hashlib
import os

import pytest
import sqlalchemy as sa

from telephonist.config import load_config
from telephonist.demo.demo_prompts import load_catalog
from telephonist.demo.sample_data import build_customer_databases
from telephonist.ivrd.flow_test.runner import load_flow_set, run_script
from telephonist.ivrd.flow_test.script import ScriptSource, load_script
from tests.support.ivrd_harness import make_prompt

pytestmark = pytest.mark.long        # the demo's customer flows end to end (fast clock): `make test` runs it, `make test-fast` does not

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "etc", "telephonist", "telephonist.toml")
SCRIPTS = sorted(glob.glob(os.path.join(ROOT, "etc", "telephonist", "flow-tests", "*.toml")))


def demo_config(tmp_path):
    """The shipped demo configuration, with its state, prompts and sample databases under tmp_path."""
    cfg = load_config(CONFIG)
    system = dataclasses.replace(cfg.system, state_dir=str(tmp_path / "state"), prompts_dir=str(tmp_path / "prompts"),
                                 recordings_dir=str(tmp_path / "recordings"))
    cfg = dataclasses.replace(cfg, system=system)
    build_customer_databases(cfg)
    sources = tuple(dataclasses.replace(s, url=f"sqlite:///{tmp_path / 'state' / 'demo' / (s.name + '.db')}")
                    for s in cfg.ivrd.sources)
    return dataclasses.replace(cfg, ivrd=dataclasses.replace(cfg.ivrd, sources=sources))


def stand_in_prompts(cfg, ms: int = 1500) -> None:
    """Every prompt the demo flows play, as a tone of its own (ms long) in cfg's prompts_dir."""
    from telephonist.ivrd.say.fragments import fragment_names
    from telephonist.ivrd.voicemail.prompts import all_prompts
    names = set(load_catalog(os.path.join(os.path.dirname(CONFIG), "demo-prompts.toml")))
    for lang in cfg.ivrd.languages:
        names |= set(fragment_names(lang)) | {p.replace("{lang}", lang) for p in all_prompts()}
        names.add(f"{lang}/try-later.wav")
    for i, name in enumerate(sorted(names)):
        make_prompt(os.path.join(cfg.system.prompts_dir, name), ms=ms, freq=300 + 7 * (i % 100))


def failures(reports) -> list[str]:
    return [f"{r.name}: {'; '.join(r.failures)}\n  heard {r.heard}\n  steps {r.steps}" for r in reports if not r.passed]


def database_bytes(cfg) -> dict[str, str]:
    """sha256 of each configured SQLite source's file (and its -wal, if any)."""
    out = {}
    for s in cfg.ivrd.sources:
        path = sa.engine.make_url(s.url).database
        for p in (path, path + "-wal"):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out[p] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=[os.path.basename(s)[:-5] for s in SCRIPTS])
async def test_each_demo_script_passes_twice_alike_and_leaves_the_customers_systems_alone(tmp_path, script):
    """Every scripted call passes; a second run gives the same result (the bank transfer, the meter reading
    are written to the run's own data, not to the configured databases, which stay byte for byte)."""
    cfg = demo_config(tmp_path)
    stand_in_prompts(cfg)
    flows = load_flow_set(cfg, None)
    before = database_bytes(cfg)
    assert len(before) == 3
    sc = load_script(script)
    runs = []
    for _ in range(2):
        reports = await run_script(cfg, sc, flows, sc.flow)
        assert not failures(reports), "\n".join(failures(reports))
        assert len(reports) == len(sc.calls) >= 3
        runs.append([(r.name, r.passed, r.failures, r.heard, r.steps, r.ends) for r in reports])
        assert database_bytes(cfg) == before
    assert runs[0] == runs[1]


async def test_a_script_that_says_live_writes_to_the_customers_systems(tmp_path):
    """A meter reading and a bank transfer phoned in land in the (sample) customer databases when the
    script asks for the live sources ([sources.NAME] live = true)."""
    cfg = demo_config(tmp_path)
    stand_in_prompts(cfg)
    flows = load_flow_set(cfg, None)
    for name in ("gas", "bank"):
        sc = load_script(os.path.join(ROOT, "etc", "telephonist", "flow-tests", f"{name}.toml"))
        sc.sources = {name: ScriptSource(live=True)}
        await run_script(cfg, sc, flows, name)
    gas = sa.create_engine(f"sqlite:///{tmp_path / 'state' / 'demo' / 'gas.db'}")
    with gas.connect() as c:
        assert c.execute(sa.text("SELECT account_no, month, reading, via FROM meter_readings")).all() == \
            [("10012345", "202611", 1234, "ivr")]
    bank = sa.create_engine(f"sqlite:///{tmp_path / 'state' / 'demo' / 'bank.db'}")
    with bank.connect() as c:
        rows = dict(c.execute(sa.text("SELECT account_no, balance FROM accounts")).all())
        assert (rows["62220001"], rows["62220002"]) == (15230.75 - 500, 800 + 500)
    gas.dispose()
    bank.dispose()
