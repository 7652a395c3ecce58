"""The demo's campaigns (`telephonist run --demo`), made once and left running on the demo's sim numbers
(etc/telephonist/telephonist.toml [[sim.numbers]]: 138… answer, 139… are busy, 1000… are empty, the rest
ring out):

demo-gas-notice   agentless: flow demo_notice reads each customer's bill out (say money) and sets the result
demo-renewals     progressive: a call per ready agent of queue "service", the record on the agent's pop

Both call at any hour (the demo runs whenever it is started) on trunk group "e1-out". See docs/dialer.md,
"The demo".
"""
from __future__ import annotations

import logging

from telephonist.config.model import Config

log = logging.getLogger("telephonist.demo")
ALWAYS = {"hours": {"mon-sun": "00:00-24:00"}, "holiday_hours": "00:00-24:00"}
STRATEGY = {"windows": {"default": ALWAYS}, "max_attempts": 2, "min_interval_s": 60,
            "retry": {"busy": 120, "no_answer": 180, "failed": 300}, "batch": 2}
NOTICE = [("张三", "13800000101", "215.60"), ("李四", "13800000102", "88.00"), ("王五", "13900000103", "46.20"),
          ("赵六", "10000000104", "12.00"), ("钱七", "15000000105", "130.50"), ("孙八", "13800000106", "9.90")]
RENEWALS = [("周先生", "13800000201", "P-2026-0001"), ("吴女士", "13900000202", "P-2026-0002"),
            ("郑先生", "13800000203", "P-2026-0003")]
CAMPAIGNS = [  # name, kind, mode, target, records (name, number, field value), the field's name
    ("demo-gas-notice", "notice", "agentless", "demo_notice", NOTICE, "amount"),
    ("demo-renewals", "sales", "progressive", "service", RENEWALS, "policy"),
]


def seed_campaigns(cfg: Config) -> list[str]:
    """Make the demo campaigns that do not exist yet (running, with their lists); returns their names."""
    from telephonist.dialer.lists import import_rows
    from telephonist.dialer.store import DialerError, DialerStore
    from telephonist.storage import migrate
    migrate(cfg.database.url)
    store = DialerStore(cfg.database.url)
    made = []
    try:
        for name, kind, mode, target, records, field in CAMPAIGNS:
            try:
                store.campaign_id(name)
                continue                                   # made by an earlier start: left as it is
            except DialerError:
                pass
            cid = store.create_campaign(name, kind, mode, target, "e1-out", STRATEGY, caller_id="95158")
            import_rows(store.engine, cid, ["name", "phone", field], [list(r) for r in records],
                        {"name": "name", "phones": "phone"})
            store.set_state(cid, "running")
            made.append(name)
    finally:
        store.close()
    if made:
        log.info("event=demo_campaigns_made campaigns=%s", ",".join(made))
    return made
