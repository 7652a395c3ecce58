"""A gas utility's work-order configuration for the tests (the shape of etc/telephonist/workorders.toml)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from telephonist.workorders.config import WorkOrderConfig, load

GAS = """
attachments_dir = "attachments"

[sweep]
remind_after_min = 0
escalate_after_min = 60

[[units]]
id = "repair"
name = "维修部"
head = "super"
members = ["agent2"]

[[units]]
id = "east"
name = "东区营业点"
kind = "branch"
head = "super"

[[units]]
id = "east-crew"
name = "东区抢修队"
kind = "crew"
parent = "east"
members = ["crew1"]

[[types]]
id = "repair"
name = "报修"
department = "repair"
deadline_h = { low = 72, normal = 24, high = 4, urgent = 1 }
sms_on_close = "您的报修单{number}已处理完毕，谢谢。"
fields = [
  { name = "address", label = "地址", required = true },
  { name = "fault", label = "故障", kind = "choice", choices = ["漏气", "表坏", "无气"] },
]

[[types]]
id = "reading"
name = "抄表"
department = "east"
deadline_h = { low = 168, normal = 72, high = 24, urgent = 8 }
fields = [{ name = "month", kind = "text", required = true }, { name = "reading", kind = "number", required = true }]

[[types]]
id = "complaint"
name = "投诉"
department = "repair"
complaint = true
deadline_h = { low = 48, normal = 24, high = 8, urgent = 2 }
"""

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def write_config(folder: Path, text: str = GAS) -> WorkOrderConfig:
    path = folder / "workorders.toml"
    path.write_text(text, encoding="utf-8")
    return load(str(path))
