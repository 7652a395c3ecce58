"""authenticate and change_password: logins against ivr_accounts, lockout after wrong passwords (and a
caller who keeps trying blocked for 30 minutes), a password change, and no password in any log."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from telephonist.ivrd import accounts, db
from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from tests.support.ivrd_harness import running_ivrd

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
PASSWORD = "246810"

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.check]
type = "blacklist"
prompts = "zh/blocked.wav"
next = "login"

[nodes.login]
type = "authenticate"
realm = "agent"
account_prompts = "zh/enter-agent-code.wav"
password_prompts = "zh/enter-password.wav"
invalid_prompts = "zh/wrong-password.wav"
fail_prompts = "zh/too-many-tries.wav"
locked_prompts = "zh/locked.wav"
attempts = 3
max_failures = 3
lockout_minutes = 30
tag = "agent_login"
next = "menu"
on_fail = "bye"
locked = "block"

[nodes.block]
type = "add_to_blacklist"
minutes = 30
reason = "wrong passwords"
next = "bye"

[nodes.menu]
type = "menu"
prompts = "zh/agent-menu.wav"
choices = { "1" = "commission", "2" = "change" }

[nodes.commission]
type = "play"
prompts = "zh/commission.wav"
next = "bye"

[nodes.change]
type = "change_password"
realm = "agent"
password_min_digits = 6
password_max_digits = 6
old_prompts = "zh/enter-old-password.wav"
new_prompts = "zh/enter-new-password.wav"
confirm_prompts = "zh/enter-new-again.wav"
wrong_prompts = "zh/wrong-password.wav"
mismatch_prompts = "zh/passwords-differ.wav"
weak_prompts = "zh/password-too-simple.wav"
done_prompts = "zh/password-changed.wav"
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "zh/goodbye.wav"
"""
PROMPTS = ["zh/blocked.wav", "zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/wrong-password.wav",
           "zh/too-many-tries.wav", "zh/locked.wav", "zh/agent-menu.wav", "zh/commission.wav",
           "zh/enter-old-password.wav", "zh/enter-new-password.wav", "zh/enter-new-again.wav",
           "zh/passwords-differ.wav", "zh/password-too-simple.wav", "zh/password-changed.wav", "zh/goodbye.wav"]


def add_account(ivr, account: str = "8001", password: str = PASSWORD) -> None:
    db.write(ivr.db, accounts.create_account, "agent", account, password, T0)


def login(account: str, password: str) -> list[dict]:
    return [{"press": account + "#"}, {"press": password + "#"}]


def assert_no_password_logged(ivr, call_id: str, *passwords: str) -> None:
    rows = ivr.rows("SELECT digits, detail FROM ivr_steps WHERE call_id = :c", c=call_id)
    text = json.dumps(rows, ensure_ascii=False) + json.dumps(ivr.vars(call_id), ensure_ascii=False, default=str)
    for p in passwords:
        assert p not in text


async def test_login_then_self_service(tmp_path, caplog):
    async with running_ivrd(tmp_path, {"agent.toml": FLOW}, PROMPTS) as ivr:
        add_account(ivr)
        caplog.set_level("DEBUG")
        out = await ivr.call(login("8001", "135799") + login("8001", PASSWORD) + [{"press": "1"}])
        assert out.prompts == ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/wrong-password.wav",
                               "zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/agent-menu.wav",
                               "zh/commission.wav", "zh/goodbye.wav"]
        assert ivr.steps(out.call_id)[1:3] == [("login", "****", "bad_password"), ("login", "****", "ok")]
        v = ivr.vars(out.call_id)
        assert (v["auth_realm"], v["auth_account"], v["account"]) == ("agent", "8001", "8001")
        assert_no_password_logged(ivr, out.call_id, PASSWORD, "135799")
        assert PASSWORD not in caplog.text and "135799" not in caplog.text
        row = ivr.rows("SELECT failures, last_login_at FROM ivr_accounts WHERE account = '8001'")[0]
        assert row["failures"] == 0 and row["last_login_at"] is not None

        # an unknown account sounds exactly like a wrong password
        out = await ivr.call(login("9999", PASSWORD) + [{"hangup": True}])
        assert out.prompts[:3] == ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/wrong-password.wav"]
        assert ivr.steps(out.call_id)[1] == ("login", "****", "bad_password")


@pytest.mark.long
async def test_wrong_passwords_lock_the_account_and_block_the_caller_for_30_minutes(tmp_path):
    async with running_ivrd(tmp_path, {"agent.toml": FLOW}, PROMPTS) as ivr:
        add_account(ivr)
        ivr.service.clock_for_next_call = T0
        out = await ivr.call(login("8001", "111112") + login("8001", "111113") + login("8001", "111114"),
                             caller="13855556666")
        assert out.prompts == ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/wrong-password.wav"] * 2 + \
            ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/locked.wav", "zh/goodbye.wav"]
        assert [s[2] for s in ivr.steps(out.call_id)] == ["ok", "bad_password", "bad_password", "locked", "ok", "ok"]
        row = ivr.rows("SELECT locked_until FROM ivr_accounts WHERE account = '8001'")[0]
        assert row["locked_until"].startswith("2026-11-25 10:30")
        assert ivr.rows("SELECT number, reason FROM ivr_blacklist") == [
            {"number": "13855556666", "reason": "wrong passwords"}]

        ivr.service.clock_for_next_call = T0 + timedelta(minutes=10)
        out = await ivr.call([], caller="13855556666")
        assert out.prompts == ["zh/blocked.wav"]

        # from another phone, the right password still meets the lock
        ivr.service.clock_for_next_call = T0 + timedelta(minutes=10)
        out = await ivr.call(login("8001", PASSWORD), caller="13900001111")
        assert out.prompts[-2:] == ["zh/locked.wav", "zh/goodbye.wav"]

        ivr.service.clock_for_next_call = T0 + timedelta(minutes=31)
        out = await ivr.call(login("8001", PASSWORD) + [{"press": "1"}], caller="13855556666")
        assert out.prompts[-3:] == ["zh/agent-menu.wav", "zh/commission.wav", "zh/goodbye.wav"]


async def test_change_password_old_then_new_twice(tmp_path):
    async with running_ivrd(tmp_path, {"agent.toml": FLOW}, PROMPTS) as ivr:
        add_account(ivr)
        # six-digit entries finish by themselves; a caller may still add a # (the first one does)
        out = await ivr.call(login("8001", PASSWORD) + [
            {"press": "2"},
            {"press": "000000#"},                                     # wrong old password
            {"press": PASSWORD},
            {"press": "777777"},                                      # one digit repeated
            {"press": "975311"}, {"press": "975312"},                 # the two differ
            {"press": "975311"}, {"press": "975311"}])
        assert out.prompts[:3] == ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/agent-menu.wav"]
        assert out.prompts[3:] == [
            "zh/enter-old-password.wav", "zh/wrong-password.wav", "zh/enter-old-password.wav",
            "zh/enter-new-password.wav", "zh/password-too-simple.wav",
            "zh/enter-new-password.wav", "zh/enter-new-again.wav", "zh/passwords-differ.wav",
            "zh/enter-new-password.wav", "zh/enter-new-again.wav", "zh/password-changed.wav", "zh/goodbye.wav"]
        assert [s for s in ivr.steps(out.call_id) if s[0] == "change"] == [
            ("change", "****", "bad_password"), ("change", "****", "old_ok"), ("change", "****", "weak"),
            ("change", "****", "mismatch"), ("change", "****", "ok")]
        assert_no_password_logged(ivr, out.call_id, PASSWORD, "975311", "975312", "777777")

        def check(password: str) -> str:
            return db.write(ivr.db, accounts.check_login, "agent", "8001", password, T0 + timedelta(days=1),
                            max_failures=5, lockout=timedelta(minutes=1)).reason
        assert (check("975311"), check(PASSWORD)) == ("ok", "bad_password")


def test_ivr_account_cli_creates_demo_logins(tmp_path, monkeypatch, capsys):
    from telephonist.cli import main
    url = f"sqlite:///{tmp_path / 'demo.db'}"

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["ivr-account", "--database", url, *argv])

    assert run("add", "policy", "P20261001", "--password-stdin", stdin="880123\n") == 0
    assert run("add", "policy", "P20261002", "--password-stdin", stdin="12\n") == 2
    assert "4 to 16 digits" in capsys.readouterr().err
    assert run("list") == 0
    listing = capsys.readouterr().out
    assert "P20261001" in listing and "P20261002" not in listing
    from telephonist.storage.database import make_engine
    engine = make_engine(url)
    try:
        assert db.write(engine, accounts.check_login, "policy", "P20261001", "880123", T0, max_failures=3,
                        lockout=timedelta(minutes=5)).ok
    finally:
        engine.dispose()
    assert run("unlock", "policy", "nobody") == 1


def test_login_nodes_are_checked_at_load(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    text = FLOW.replace("lockout_minutes = 30", "lockout_minutes = 0").replace('locked = "block"', 'locked = "blok"')
    (flows / "agent.toml").write_text(text)
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    lines = text.splitlines()
    lockout_line, locked_line = lines.index("lockout_minutes = 0") + 1, lines.index('locked = "blok"') + 1
    assert [str(p) for p in err.value.problems] == [
        f"{flows}/agent.toml:{lockout_line}: node 'login': lockout_minutes must be from 1 to 525600, not 0",
        f"{flows}/agent.toml:{locked_line}: node 'login': locked goes to 'blok', which this flow does not have; "
        "did you mean 'block'?"]


async def test_account_collected_before_the_login(tmp_path):
    flow = """
[flow]
numbers = ["4008*"]

[nodes.policy]
type = "collect"
prompts = "zh/enter-agent-code.wav"
var = "policy_no"
max_digits = 10
next = "login"

[nodes.login]
type = "authenticate"
realm = "agent"
account_var = "policy_no"
password_prompts = "zh/enter-password.wav"
invalid_prompts = "zh/wrong-password.wav"
attempts = 2
next = "commission"

[nodes.commission]
type = "hangup"
prompts = "zh/commission.wav"
"""
    async with running_ivrd(tmp_path, {"agent.toml": flow}, PROMPTS) as ivr:
        add_account(ivr, "8001")
        out = await ivr.call([{"press": "8001#"}, {"press": "1111#"}, {"press": PASSWORD + "#"}])
        assert out.prompts == ["zh/enter-agent-code.wav", "zh/enter-password.wav", "zh/wrong-password.wav",
                               "zh/enter-password.wav", "zh/commission.wav"]
        assert ivr.vars(out.call_id)["auth_account"] == "8001"
        # two wrong passwords use up the tries: no on_fail, so the call is hung up
        out = await ivr.call([{"press": "8001#"}, {"press": "1111#"}, {"press": "2222#"}])
        assert out.prompts[-1] == "zh/enter-password.wav"
        assert [s[2] for s in ivr.steps(out.call_id)] == ["ok", "bad_password", "bad_password", "failed"]
        assert ivr.session(out.call_id)["outcome"] == "hangup"

