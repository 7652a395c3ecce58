"""What a predictive campaign measures of itself (dialer/measure.py): pure bookkeeping, checked on its own."""
from datetime import date

from telephonist.dialer.measure import MIN_SAMPLES, AgentCycles, CampaignMeasures


def test_no_dialling_ahead_before_the_answer_rate_is_measured():
    m = CampaignMeasures()
    for _ in range(MIN_SAMPLES - 1):
        m.dial_ended(False)
    assert m.answer_rate == 1.0                        # too few outcomes: as if everyone answered
    m.dial_ended(True, connect_ms=6000)
    assert m.answer_rate == 1 / MIN_SAMPLES and m.connect_s == 6.0


def test_abandonment_today_and_over_30_days():
    m = CampaignMeasures()
    m.load_days({date(2026, 11, 1): (100, 50), date(2026, 12, 1): (100, 4)})     # 11-01: outside the 30 days
    for _ in range(50):
        m.answered(date(2026, 12, 7))
    m.abandoned(date(2026, 12, 7))
    today = date(2026, 12, 7)
    assert m.abandon_rate(today) == 1 / 50
    assert m.abandon_rate(today, 30) == 5 / 150
    m.forget_before(today)
    assert date(2026, 11, 1) not in m.by_day and m.abandon_rate(date(2026, 12, 8)) is None


def test_a_call_takes_an_agent_from_leaving_ready_to_ready_again():
    c = AgentCycles()
    assert c.handle_s("sales") == 180.0                # nothing measured: the default
    for state, ms in (("reserved", 1000), ("ringing", 1100), ("on_call", 3000), ("wrap_up", 63000), ("ready", 73000)):
        c.agent_state("1001", state, ["sales"], ms)
    c.agent_state("1002", "on_call", ["sales"], 0)
    c.agent_state("1002", "not_ready", ["sales"], 5000)  # a break ends the cycle without a sample
    assert c.handle_s("sales") == 72.0
