"""`telephonist run --demo` makes its two campaigns once (running, with their lists) on what the shipped
configuration has: the trunk group, the queue, and the notice flow, which loads with the demo's prompts."""
import dataclasses

import sqlalchemy as sa

from telephonist.demo.campaigns import CAMPAIGNS, seed_campaigns
from telephonist.ivrd.flow_test.runner import load_flow_set
from tests.ivrd.test_demo_flows import demo_config, stand_in_prompts


def test_the_demo_campaigns(tmp_path):
    cfg = demo_config(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    cfg = dataclasses.replace(cfg, database=dataclasses.replace(cfg.database, url=db_url))
    assert seed_campaigns(cfg) == ["demo-gas-notice", "demo-renewals"]
    assert seed_campaigns(cfg) == []                                   # a second start leaves them as they are
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT c.name, c.mode, c.target, c.trunk_group, c.state, COUNT(r.id) "
                                    "FROM dl_campaigns c JOIN dl_records r ON r.campaign_id = c.id "
                                    "GROUP BY c.id ORDER BY c.id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("demo-gas-notice", "agentless", "demo_notice", "e1-out", "running", 6),
                                        ("demo-renewals", "progressive", "service", "e1-out", "running", 3)]
    assert "e1-out" in {t.name for t in cfg.trunk_groups} and "service" in {q.name for q in cfg.queues}
    stand_in_prompts(cfg, ms=200)
    flows = load_flow_set(cfg, None)
    assert {c[3] for c in CAMPAIGNS if c[2] == "agentless"} <= set(flows.flows)
