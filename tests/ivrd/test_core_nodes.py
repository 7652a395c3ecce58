"""The core node types on a real chand (sim E1, lockstep clock): what the caller hears, what is logged."""
from __future__ import annotations

from tests.support.ivrd_harness import running_ivrd

MENU_FLOW = """
[flow]
numbers = ["4008*"]
start = "lang"

[nodes.lang]
type = "language"
prompts = "zh/choose-language.wav"
choices = { "1" = "zh", "2" = "en" }
retries = 1
next = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/welcome.wav"
invalid_prompts = "{lang}/invalid.wav"
timeout_prompts = "{lang}/no-input.wav"
fail_prompts = "{lang}/goodbye.wav"
retries = 3
choices = { "1" = "hours", "2" = "account", "9" = "menu" }

[nodes.hours]
type = "play"
prompts = ["{lang}/hours.wav", { silence = 300 }]
tag = "opening_hours"
next = "bye"

[nodes.account]
type = "collect"
prompts = "{lang}/enter-card.wav"
invalid_prompts = "{lang}/bad-card.wav"
var = "card"
min_digits = 16
max_digits = 19
check_digit = "luhn"
next = "check"

[nodes.check]
type = "branch"
cases = [ { if = "startswith(card, '4')", next = "visa" } ]
else = "other"

[nodes.visa]
type = "set"
vars = { kind = "'visa'", masked = "'****'" }
next = "bye"

[nodes.other]
type = "set"
vars = { kind = "'other'" }
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "{lang}/goodbye.wav"
"""
PROMPTS = ["zh/choose-language.wav", "{lang}/welcome.wav", "{lang}/invalid.wav", "{lang}/no-input.wav",
           "{lang}/goodbye.wav", "{lang}/hours.wav", "{lang}/enter-card.wav", "{lang}/bad-card.wav"]


async def test_language_menu_play_and_hangup(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MENU_FLOW}, PROMPTS) as ivr:
        out = await ivr.call([{"press": "2"}, {"press": "7"}, {"press": "1"}])
        assert out.prompts == ["zh/choose-language.wav", "en/welcome.wav", "en/invalid.wav", "en/welcome.wav",
                               "en/hours.wav", "en/goodbye.wav"]
        assert ivr.steps(out.call_id) == [("lang", "2", "ok"), ("menu", "7", "invalid"), ("menu", "1", "ok"),
                                          ("hours", None, "done"), ("bye", None, "ok")]
        session = ivr.session(out.call_id)
        assert (session["flow"], session["language"], session["outcome"]) == ("main", "en", "hangup")
        tags = ivr.rows("SELECT tag FROM ivr_steps WHERE call_id = :c AND node = 'hours'", c=out.call_id)
        assert tags == [{"tag": "opening_hours"}]
        assert not out.hung_up_by_caller


async def test_menu_timeouts_use_up_the_retries(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MENU_FLOW}, PROMPTS) as ivr:
        out = await ivr.call([{"press": "1"}, {"silent": True}, {"silent": True}, {"silent": True}])
        assert out.prompts == ["zh/choose-language.wav", "zh/welcome.wav", "zh/no-input.wav", "zh/welcome.wav",
                               "zh/no-input.wav", "zh/welcome.wav", "zh/goodbye.wav"]
        assert [s[2] for s in ivr.steps(out.call_id)] == ["ok", "timeout", "timeout", "timeout", "failed"]
        # no on_fail: the runner hangs up
        assert ivr.session(out.call_id)["outcome"] == "hangup"


async def test_collect_validates_by_check_digit_then_branch_and_set(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MENU_FLOW}, PROMPTS) as ivr:
        out = await ivr.call([{"press": "1"}, {"press": "2"}, {"press": "4111111111111112#"},
                              {"press": "4111111111111111#"}])
        assert out.prompts[2:] == ["zh/enter-card.wav", "zh/bad-card.wav", "zh/enter-card.wav", "zh/goodbye.wav"]
        assert ("account", "4111111111111112", "invalid") in ivr.steps(out.call_id)
        v = ivr.vars(out.call_id)
        assert v["card"] == "4111111111111111" and v["kind"] == "visa"


async def test_barge_in_keys_count_for_the_next_menu(tmp_path):
    flow = """
[flow]
numbers = ["4008*"]
[nodes.intro]
type = "play"
prompts = "zh/long-intro.wav"
barge_in = true
next = "menu"
[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "3" = "bye" }
[nodes.bye]
type = "hangup"
"""
    async with running_ivrd(tmp_path, {"main.toml": flow}, ["zh/long-intro.wav", "zh/menu.wav"]) as ivr:
        # the intro offers no input point; the caller presses at the menu, whose prompt is then skipped
        out = await ivr.call([{"press": "3"}])
        assert ivr.steps(out.call_id)[-2:] == [("menu", "3", "ok"), ("bye", None, "ok")]


async def test_a_pin_is_never_written_down(tmp_path):
    """Keys of a secret collection reach the flow but neither the step log nor chand's call records."""
    flow = """
[flow]
numbers = ["4008*"]
[nodes.pin]
type = "collect"
prompts = "zh/pin.wav"
var = "pin"
min_digits = 6
max_digits = 6
next = "menu"
[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "1" = "bye" }
[nodes.bye]
type = "hangup"
"""
    async with running_ivrd(tmp_path, {"main.toml": flow}, ["zh/pin.wav", "zh/menu.wav"]) as ivr:
        # the # after a complete six-digit entry is not taken as an answer to the menu
        out = await ivr.call([{"press": "975310#"}, {"press": "1"}])
        assert ivr.vars(out.call_id)["pin"] == "975310"
        assert ivr.steps(out.call_id) == [("pin", "******", "ok"), ("menu", "1", "ok"), ("bye", None, "ok")]
        await ivr.chand.board.recorder.drain()
        events = ivr.rows("SELECT kind, data FROM call_events")
        assert any(e["kind"] == "collect" and '"******"' in e["data"] for e in events)
        digits = "".join(__import__("json").loads(e["data"]).get("digit", "") for e in events if e["kind"] == "dtmf")
        assert digits.startswith("******") and "975310" not in str(events)
