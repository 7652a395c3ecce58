"""Schedules: office hours, Chinese statutory holidays and make-up working days, US holidays, the
holiday overrides of the database, and the schedule node on a call at a fixed time of day."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from telephonist.ivrd.schedules import Override, parse_schedules
from telephonist.ivrd.schema import holidays
from tests.support.ivrd_harness import running_ivrd

SCHEDULES = """
[schedules.office]
time_zone = "Asia/Shanghai"
calendar = "cn"
hours = { "mon-fri" = "09:00-12:00,13:30-18:00", sat = "09:00-12:00" }
workday_hours = "09:00-17:00"

[schedules.us_support]
time_zone = "America/New_York"
holidays = "US"
hours = { "mon-fri" = "08:00-20:00" }
holiday_hours = "10:00-14:00"

[schedules.night]
hours = { "mon-sun" = "00:00-08:00,20:00-24:00" }
"""
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def schedules():
    found, problems = parse_schedules("schedules.toml", SCHEDULES)
    assert problems == []
    return found


def state(sched, when: datetime, overrides=()) -> tuple[str, str]:
    st = sched.state_at(when, overrides)
    return st.state, st.holiday


def test_chinese_national_day_2026_and_its_make_up_working_days(schedules):
    office = schedules["office"]
    for day in range(1, 8):                                   # 国庆 Oct 1-7, Thursday to Wednesday
        assert state(office, datetime(2026, 10, day, 10, 0, tzinfo=SH)) == ("holiday", "国庆节")
    assert state(office, datetime(2026, 10, 8, 10, 0, tzinfo=SH)) == ("open", "")
    # Saturday Oct 10 is a working day (调休): open on workday_hours, though Saturdays close at noon
    assert state(office, datetime(2026, 10, 10, 15, 0, tzinfo=SH)) == ("open", "国庆节")
    assert state(office, datetime(2026, 10, 10, 17, 30, tzinfo=SH)) == ("closed", "国庆节")
    assert state(office, datetime(2026, 10, 17, 15, 0, tzinfo=SH)) == ("closed", "")      # a plain Saturday
    assert state(office, datetime(2026, 10, 17, 11, 0, tzinfo=SH)) == ("open", "")
    assert state(office, datetime(2026, 9, 20, 10, 0, tzinfo=SH)) == ("open", "国庆节")    # Sunday, a working day
    assert state(office, datetime(2026, 2, 17, 10, 0, tzinfo=SH)) == ("holiday", "春节")
    # 2027 is past chinese-calendar 1.11's data: then the holidays package's list (no make-up days)
    assert state(office, datetime(2027, 10, 1, 10, 0, tzinfo=SH))[0] == "holiday"


def test_office_hours_lunch_break_and_time_zone(schedules):
    office = schedules["office"]
    wed = date(2026, 11, 25)
    at = lambda h, m: datetime(wed.year, wed.month, wed.day, h, m, tzinfo=SH)  # noqa: E731
    assert [state(office, at(h, m))[0] for h, m in [(8, 59), (9, 0), (11, 59), (12, 0), (13, 30), (17, 59), (18, 0)]] \
        == ["closed", "open", "open", "closed", "open", "open", "closed"]
    # the caller's time is converted to the schedule's zone: 01:30 UTC is 09:30 in Shanghai
    assert state(office, datetime(2026, 11, 25, 1, 30, tzinfo=timezone.utc))[0] == "open"
    night = schedules["night"]                # no zone of its own: the time's (the system's) zone
    assert state(night, at(22, 0))[0] == "open" and state(night, at(12, 0))[0] == "closed"


def test_us_holidays(schedules):
    us = schedules["us_support"]
    ny = ZoneInfo("America/New_York")
    assert state(us, datetime(2026, 11, 26, 9, 0, tzinfo=ny)) == ("holiday", "Thanksgiving Day")
    assert state(us, datetime(2026, 11, 26, 11, 0, tzinfo=ny)) == ("open", "Thanksgiving Day")  # holiday_hours
    assert state(us, datetime(2026, 7, 3, 9, 0, tzinfo=ny)) == ("holiday", "Independence Day (observed)")
    assert state(us, datetime(2026, 11, 25, 9, 0, tzinfo=ny)) == ("open", "")
    # 08:00 in Shanghai on Thanksgiving is still 19:00 on Wednesday in New York
    assert state(us, datetime(2026, 11, 26, 8, 0, tzinfo=SH)) == ("open", "")


def test_database_overrides_beat_the_calendar(schedules):
    office, us = schedules["office"], schedules["us_support"]
    wed = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
    company_day = [Override(date(2026, 11, 25), "holiday", "公司周年", "")]
    assert state(office, wed, company_day) == ("holiday", "公司周年")
    # the office works on Oct 3 this year; a row for one schedule beats a row for all of them
    oct3 = datetime(2026, 10, 3, 10, 0, tzinfo=SH)
    rows = [Override(date(2026, 10, 3), "holiday", "all closed", ""),
            Override(date(2026, 10, 3), "workday", "值班", "office")]
    assert state(office, oct3, rows) == ("open", "值班")
    assert state(us, datetime(2026, 10, 3, 10, 0, tzinfo=ZoneInfo("America/New_York")), rows) == \
        ("open", "all closed")   # a holiday with holiday_hours 10-14


def test_bad_schedules_are_reported_with_lines():
    text = """[schedules.office]
time_zone = "Asia/Shanghia"
calendar = "jp"
hours = { "mon-fri" = "09:00-12:00,11:00-18:00", sat = "9-12", funday = "09:00-10:00" }
opening = "x"

[schedules.us]
holidays = "XX"
hours = { "fri-mon" = "08:00-20:00", sun = "18:00-08:00" }

[schedules.ok]
hours = { mon = "00:00-24:00" }
"""
    found, problems = parse_schedules("/f/schedules.toml", text)
    assert list(found) == ["ok"]
    got = [(line, msg) for _, line, msg in problems]
    assert (2, "schedule 'office': unknown time zone 'Asia/Shanghia' (e.g. Asia/Shanghai)") in got
    assert any(line == 3 and "calendar must be \"cn\"" in msg for line, msg in got)
    assert any(line == 4 and "overlap" in msg for line, msg in got)
    assert any(line == 4 and "'9-12' is not HH:MM-HH:MM" in msg for line, msg in got)
    assert any(line == 4 and "'funday' is not a day" in msg for line, msg in got)
    assert any(line == 5 and "unknown key 'opening'" in msg for line, msg in got)
    assert any(line == 8 and "Country XX not available" in msg for line, msg in got)
    assert any(line == 9 and "'fri-mon' is not a day" in msg for line, msg in got)
    assert any(line == 9 and "split a night shift" in msg for line, msg in got)
    _, problems = parse_schedules("/f/schedules.toml", "[schedules.x]\nhours = {\n")
    assert problems[0][:2] == ("/f/schedules.toml", 2) and "TOML syntax" in problems[0][2]


# ---- the node on a call -------------------------------------------------------------------------------
FLOW = """
[flow]
numbers = ["4008*"]

[nodes.when]
type = "schedule"
schedule = "office"
open = "welcome"
closed = "after_hours"
holiday = "holiday"

[nodes.welcome]
type = "hangup"
prompts = "zh/welcome.wav"

[nodes.after_hours]
type = "hangup"
prompts = "zh/after-hours.wav"

[nodes.holiday]
type = "hangup"
prompts = "zh/holiday.wav"
"""
NODE_PROMPTS = ["zh/welcome.wav", "zh/after-hours.wav", "zh/holiday.wav"]


@pytest.mark.long
async def test_schedule_node_at_the_callers_time_with_a_database_override(tmp_path):
    no_holiday_exit = FLOW.replace('numbers = ["4008*"]', 'numbers = ["4008009*"]').replace(
        'holiday = "holiday"\n', "")
    flows = {"main.toml": FLOW, "plain.toml": no_holiday_exit, "schedules.toml": SCHEDULES}
    async with running_ivrd(tmp_path, flows, NODE_PROMPTS) as ivr:
        async def heard_at(when: datetime, dialled: str = "4008001234") -> str:
            ivr.service.clock_for_next_call = when
            out = await ivr.call([], dialled=dialled)
            return out.prompts[-1]

        assert await heard_at(datetime(2026, 11, 25, 10, 0)) == "zh/welcome.wav"          # naive: system zone
        assert await heard_at(datetime(2026, 11, 25, 19, 0)) == "zh/after-hours.wav"
        assert await heard_at(datetime(2026, 10, 1, 10, 0)) == "zh/holiday.wav"
        assert await heard_at(datetime(2026, 10, 1, 10, 0), "4008009000") == "zh/after-hours.wav"   # no holiday exit
        assert await heard_at(datetime(2026, 10, 10, 10, 0)) == "zh/welcome.wav"           # 调休 Saturday

        # the web admin adds overrides like these
        with ivr.db.begin() as conn:
            conn.execute(holidays.insert(), [dict(day=date(2026, 11, 25), kind="holiday", name="公司周年", schedule=""),
                                             dict(day=date(2026, 10, 2), kind="workday", name="值班",
                                                  schedule="office")])
        ivr.service.clock_for_next_call = datetime(2026, 11, 25, 10, 0)
        out = await ivr.call([])
        assert out.prompts == ["zh/holiday.wav"]
        assert ivr.vars(out.call_id)["holiday_name"] == "公司周年"
        assert ivr.steps(out.call_id)[0] == ("when", None, "holiday")
        assert await heard_at(datetime(2026, 10, 2, 10, 0)) == "zh/welcome.wav"


def test_unknown_schedule_is_a_load_error_with_file_and_line(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main.toml").write_text(FLOW.replace('"office"', '"ofice"'))
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    line = FLOW.splitlines().index('schedule = "office"') + 1
    assert [str(p) for p in err.value.problems] == [
        f"{flows}/main.toml:{line}: node 'when': no schedule named 'ofice' in schedules.toml (or it has errors); "
        "schedules: none"]
    (flows / "schedules.toml").write_text(SCHEDULES.replace('"09:00-12:00,13:30-18:00"', '"9am-6pm"'))
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    sched_line = SCHEDULES.splitlines().index('hours = { "mon-fri" = "09:00-12:00,13:30-18:00", sat = "09:00-12:00" }') + 1
    assert f"{flows}/schedules.toml:{sched_line}: schedule 'office': '9am-6pm' is not HH:MM-HH:MM" in \
        [str(p) for p in err.value.problems]
