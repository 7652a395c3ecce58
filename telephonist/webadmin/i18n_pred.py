"""Chinese of what predictive campaigns add to the campaign pages (merged into i18n.ZH)."""
from __future__ import annotations

ZH_PRED: dict[str, str] = {
    "predictive": "预测式外呼",
    "abandoned": "放弃",
    "Abandoned calls": "放弃呼叫",
    "Today": "今日", "Last 30 days": "近 30 天",
    "{abandoned} of {answered} answered calls": "已接通 {answered} 通中放弃 {abandoned} 通",
    "Limit: 3 % of answered calls, per day and over a rolling 30 days. An answered customer no agent takes within "
    "the wait limit hears the campaign's message and is hung up on.":
        "上限:每天及滚动 30 天内均不超过已接通呼叫的 3%。接通后在等待时限内无坐席接听的客户会听到本任务的提示音,随后挂断。",
    "Over the limit: the dialer stops dialling ahead of its agents until the rate falls back.":
        "已超过上限:在比率回落之前,外呼系统不再超前拨号。",
}
