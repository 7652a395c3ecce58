"""The strategy's pure rules: windows per customer type (with the Chinese statutory calendar), the
campaign's period, what each outcome leads to, and pacing."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from telephonist.dialer.pacing import PaceInputs, calls_to_place
from telephonist.dialer.strategy import (
    AttemptCounts,
    RecordState,
    StrategyError,
    after_outcome,
    may_call,
    next_opening,
    parse_strategy,
)

SH = ZoneInfo("Asia/Shanghai")
BASE = {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn",
                                "hours": {"mon-fri": "09:00-12:00,13:30-18:00"}},
                    "vip": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "10:00-11:00"}}},
        "min_attempts": 1, "max_attempts": 2, "min_interval_s": 60, "max_interval_s": 3600,
        "retry": {"busy": 120, "no_answer": 30, "machine": None, "failed": 7200}}


def at(y, mo, d, h, mi):
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def test_windows_per_customer_type_and_holidays():
    s = parse_strategy(BASE)
    assert may_call(s, "default", at(2026, 12, 7, 9, 30))            # a Monday morning
    assert not may_call(s, "vip", at(2026, 12, 7, 9, 30))            # vip customers only from 10:00
    assert may_call(s, "unknown-type", at(2026, 12, 7, 9, 30))       # a type without its own window: default
    assert not may_call(s, "default", at(2026, 12, 7, 12, 30))       # lunch
    assert not may_call(s, "default", at(2026, 10, 1, 10, 0))        # National Day, a Thursday
    assert date(2026, 9, 20).weekday() == 6 and may_call(s, "default", at(2026, 9, 20, 10, 0))   # 调休: a workday
    assert not may_call(s, "default", at(2026, 9, 27, 10, 0))        # a Sunday of Mid-autumn


def test_next_opening_skips_lunch_weekend_and_the_period():
    s = parse_strategy(BASE)
    assert next_opening(s, "default", at(2026, 12, 7, 12, 10)) == at(2026, 12, 7, 13, 30)
    assert next_opening(s, "default", at(2026, 12, 11, 18, 0)) == at(2026, 12, 14, 9, 0)   # Friday evening
    assert next_opening(s, "vip", at(2026, 12, 7, 9, 0)) == at(2026, 12, 7, 10, 0)
    now = at(2026, 12, 7, 9, 5)
    assert next_opening(s, "default", now) == now
    ended = parse_strategy({**BASE, "start": "2026-12-01", "end": "2026-12-04"})
    assert next_opening(ended, "default", now) is None
    assert not may_call(ended, "default", now)


def test_bad_strategies_say_every_problem():
    with pytest.raises(StrategyError) as err:
        parse_strategy({"windows": {"default": {"hours": {"mon-fri": "18:00-09:00"}}}, "min_attempts": 5,
                        "max_attempts": 2, "retry": {"rude": 5}, "phone_order": "random", "colour": 1})
    text = str(err.value)
    for part in ("span runs from", "min_attempts is above", "retry.rude", "phone_order", "unknown key 'colour'"):
        assert part in text
    with pytest.raises(StrategyError, match="default"):
        parse_strategy({"windows": {"vip": {"hours": {"mon": "09:00-10:00"}}}})


def test_outcomes_retry_by_rule_move_through_numbers_and_stop():
    s = parse_strategy(BASE)
    d = after_outcome(s, AttemptCounts((1, 0), 0), "busy")
    assert (d.state, d.next_phone, d.retry_after_s) == (RecordState.PENDING, 1, 120)
    d = after_outcome(s, AttemptCounts((1, 1), 1), "no_answer")
    assert (d.state, d.next_phone, d.retry_after_s) == (RecordState.PENDING, 0, 60)    # at least min_interval_s
    d = after_outcome(s, AttemptCounts((1, 1), 1), "failed")
    assert d.retry_after_s == 3600                                                      # at most max_interval_s
    assert after_outcome(s, AttemptCounts((2, 2), 1), "busy").state == RecordState.EXHAUSTED
    assert after_outcome(s, AttemptCounts((1,), 0), "machine").state == RecordState.EXHAUSTED     # no retry
    assert after_outcome(s, AttemptCounts((1,), 0), "answered").state == RecordState.DONE
    sit = after_outcome(s, AttemptCounts((1, 0), 0), "sit")
    assert (sit.state, sit.next_phone, sit.dnc_number) == (RecordState.PENDING, 1, True)
    assert after_outcome(s, AttemptCounts((1,), 0), "sit").state == RecordState.EXHAUSTED
    keep = parse_strategy({**BASE, "phone_order": "exhaust"})
    assert after_outcome(keep, AttemptCounts((1, 0), 0), "busy").next_phone == 0
    at_least_two = parse_strategy({**BASE, "min_attempts": 2, "max_attempts": 3})
    assert after_outcome(at_least_two, AttemptCounts((1,), 0), "machine").state == RecordState.PENDING


def test_pacing():
    assert calls_to_place(PaceInputs("c", "agentless", batch=4, in_flight=1, free_lines=8)) == 3
    assert calls_to_place(PaceInputs("c", "agentless", batch=4, in_flight=1, free_lines=2)) == 2
    assert calls_to_place(PaceInputs("c", "progressive", batch=10, in_flight=1, free_lines=8, ready_agents=3)) == 2
    assert calls_to_place(PaceInputs("c", "progressive", batch=10, in_flight=0, free_lines=8, ready_agents=2,
                                     waiting_answered=2)) == 0
