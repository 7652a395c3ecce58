"""Self-service logins: authenticate (account and password) and change_password.

The password digits stay in the node: never in a call variable, the step log
(it shows ****) or a log line. Accounts are ivr_accounts rows (telephonist/ivrd/accounts.py;
`telephonist ivr-account add REALM ACCOUNT` creates them).
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from telephonist.ivrd import db
from telephonist.ivrd.accounts import IvrAccountError, check_login, check_password_rules, set_password
from telephonist.ivrd.nodes.fallthrough import FallthroughExits
from telephonist.ivrd.nodes.registry import MAX_FLOW_MS, CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call, CollectResult
    from telephonist.ivrd.flow_model import Node

VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HIDDEN = "****"                    # what the step log shows for a password, whatever its length

COMMON = (
    Field("realm", "str", required=True, help="which logins: policy, agent, gas, bank ..."),
    Field("account_var", "str", default="account", help="the variable holding the account number"),
    Field("password_min_digits", "int", default=4),
    Field("password_max_digits", "int", default=16),
    Field("terminator", "str", default="#"),
    Field("timeout_ms", "int", default=8000, range=(100, MAX_FLOW_MS)),
    Field("inter_digit_ms", "int", default=4000, range=(100, MAX_FLOW_MS)),
    Field("attempts", "int", default=3, help="tries in this call before on_fail", range=(1, 20)),
    Field("max_failures", "int", default=5, help="wrong passwords in a row (over all calls) that lock the account",
          range=(1, 1000)),
    Field("lockout_minutes", "int", default=30, range=(1, 525_600)),
    Field("locked_prompts", "prompts", help="heard when the account is locked"),
    Field("fail_prompts", "prompts", help="heard when the tries are used up"),
    Field("next", "node", required=True),
    Field("on_fail", "node", help="the tries are used up (unset: hang up)"),
    Field("locked", "str", help="the account is locked (unset: on_fail)"),
)


class _Login(FallthroughExits, NodeType):
    fallthrough_exits = ("locked",)

    def check(self, node: "Node", ctx: CheckContext) -> None:
        if not VAR_NAME.match(node.get("account_var")):
            ctx.problem("account_var", "account_var must be a variable name")
        if not 1 <= node.get("password_min_digits") <= node.get("password_max_digits") <= 32:
            ctx.problem("password_max_digits", "need 1 <= password_min_digits <= password_max_digits <= 32")
        if any(t not in "*#" for t in node.get("terminator")):
            ctx.problem("terminator", "terminator must be # or *")

    async def ask(self, node: "Node", call: "Call", prompts, min_d: int, max_d: int,
                  secret: bool = False) -> "CollectResult":
        # A caller who adds # after a full-length entry (six digits and #) sends a # that the last
        # collection no longer takes: typed ahead, or heard by this collection as it starts. It ends
        # nothing here.
        call.typeahead = call.typeahead.lstrip(node.get("terminator"))
        r = await call.collect(prompts, min_d, max_d, node.get("terminator"), node.get("timeout_ms"),
                               node.get("inter_digit_ms"), secret=secret)
        if r.reason == "too_short" and not r.digits:
            r = await call.collect(prompts, min_d, max_d, node.get("terminator"), node.get("timeout_ms"),
                                   node.get("inter_digit_ms"), secret=secret)
        return r

    async def password(self, node: "Node", call: "Call", prompts) -> str:
        """The digits entered ("" when none): a short one is judged by the caller of this."""
        r = await self.ask(node, call, prompts, node.get("password_min_digits"), node.get("password_max_digits"),
                           secret=True)
        return r.digits

    async def login(self, node: "Node", call: "Call", account: str, password: str):
        call.mark_idle()                 # a database check (scrypt takes a moment), not a wait on chand
        return await call.in_thread(db.write, call.services.engine, _check, node.get("realm"), account, password,
                                    call.now(), node.get("max_failures"), node.get("lockout_minutes"))

    async def locked_out(self, node: "Node", call: "Call", account: str, until) -> str | None:
        call.step("locked", digits=HIDDEN, detail={"realm": node.get("realm"), "account": account,
                                                   "until": until.isoformat(timespec="seconds") if until else ""})
        await call.play(node.get("locked_prompts"))
        return node.get("locked") or node.get("on_fail")

    async def failed(self, node: "Node", call: "Call") -> str | None:
        await call.play(node.get("fail_prompts"))
        call.step("failed", detail={"realm": node.get("realm")})
        return node.get("on_fail")


def _check(conn, realm: str, account: str, password: str, now, max_failures: int, lockout_minutes: int):
    return check_login(conn, realm, account, password, now, max_failures=max_failures,
                       lockout=timedelta(minutes=lockout_minutes))


@register
class Authenticate(_Login):
    """An account (or policy) number and its password, checked against ivr_accounts:
        type = "authenticate"
        realm = "policy"
        account_prompts = "{lang}/enter-policy.wav"   # unset: the account is ${account} already
        password_prompts = "{lang}/enter-password.wav"
        invalid_prompts = "{lang}/wrong-password.wav"
        next = "agent_menu"
        on_fail = "bye"
        locked = "block_caller"
    max_failures wrong passwords in a row lock the account for lockout_minutes (across calls);
    attempts is how many tries this call gets. An unknown account is answered like a wrong password.
    On success: ${auth_realm} and ${auth_account} are set."""
    name = "authenticate"
    fields = COMMON + (
        Field("account_prompts", "prompts", help="ask for the account here (unset: use the variable)"),
        Field("account_min_digits", "int", default=1),
        Field("account_max_digits", "int", default=20),
        Field("password_prompts", "prompts", required=True),
        Field("invalid_prompts", "prompts", help="heard after a wrong password, before trying again"),
    )

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        var, realm = node.get("account_var"), node.get("realm")
        for attempt in range(node.get("attempts")):
            if node.get("account_prompts") is not None:
                r = await self.ask(node, call, node.get("account_prompts"), node.get("account_min_digits"),
                                   node.get("account_max_digits"))
                if len(r.digits) < node.get("account_min_digits"):
                    call.step("timeout", detail={"attempt": attempt + 1, "asked": "account"})
                    continue
                call.vars[var] = r.digits
            account = str(call.vars.get(var) or "")
            if not account:
                raise FlowRuntimeError(f"node {node.name!r}: no account in ${{{var}}} (collect it first, "
                                       "or give account_prompts)")
            password = await self.password(node, call, node.get("password_prompts"))
            if not password:
                call.step("timeout", detail={"attempt": attempt + 1, "asked": "password"})
                continue
            result = await self.login(node, call, account, password)
            if result.ok:
                call.vars.update(auth_realm=realm, auth_account=account)
                call.step("ok", digits=HIDDEN, detail={"realm": realm, "account": account})
                return node.get("next")
            if result.reason == "locked":
                return await self.locked_out(node, call, account, result.locked_until)
            call.step("bad_password", digits=HIDDEN, detail={"realm": realm, "account": account,
                                                              "attempt": attempt + 1})
            if attempt + 1 < node.get("attempts"):
                await call.play(node.get("invalid_prompts"))
        return await self.failed(node, call)


@register
class ChangePassword(_Login):
    """The caller changes their own password: the old one, then the new one twice:
        type = "change_password"
        realm = "bank"
        old_prompts = "{lang}/enter-old-password.wav"
        new_prompts = "{lang}/enter-new-password.wav"
        confirm_prompts = "{lang}/enter-new-again.wav"
        mismatch_prompts = "{lang}/passwords-differ.wav"
        weak_prompts = "{lang}/password-too-simple.wav"
        done_prompts = "{lang}/password-changed.wav"
        next = "menu"
    The account is ${account} (account_var). A wrong old password counts towards the lock like a
    wrong login. The new one has password_min_digits..password_max_digits digits, is not one digit
    repeated, and differs from the old one."""
    name = "change_password"
    fields = COMMON + (
        Field("old_prompts", "prompts", required=True),
        Field("new_prompts", "prompts", required=True),
        Field("confirm_prompts", "prompts", required=True),
        Field("wrong_prompts", "prompts", help="the old password was wrong"),
        Field("mismatch_prompts", "prompts", help="the two new entries differ"),
        Field("weak_prompts", "prompts", help="the new password breaks the rules"),
        Field("done_prompts", "prompts", help="the password was changed"),
    )

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        var, realm = node.get("account_var"), node.get("realm")
        account = str(call.vars.get(var) or "")
        if not account:
            raise FlowRuntimeError(f"node {node.name!r}: no account in ${{{var}}}")
        attempts = node.get("attempts")
        old = ""
        for attempt in range(attempts):
            entered = await self.password(node, call, node.get("old_prompts"))
            if not entered:
                call.step("timeout", detail={"attempt": attempt + 1, "asked": "old"})
                continue
            result = await self.login(node, call, account, entered)
            if result.ok:
                old = entered
                break
            if result.reason == "locked":
                return await self.locked_out(node, call, account, result.locked_until)
            call.step("bad_password", digits=HIDDEN, detail={"account": account, "attempt": attempt + 1})
            if attempt + 1 < attempts:
                await call.play(node.get("wrong_prompts"))
        if not old:
            return await self.failed(node, call)
        call.step("old_ok", digits=HIDDEN, detail={"account": account})
        lo, hi = node.get("password_min_digits"), node.get("password_max_digits")
        for attempt in range(attempts):
            new = await self.password(node, call, node.get("new_prompts"))
            if not new:
                call.step("timeout", detail={"attempt": attempt + 1, "asked": "new"})
                continue
            try:
                check_password_rules(new, lo, hi)
                if new == old:
                    raise IvrAccountError("the new password is the old one")
            except IvrAccountError as exc:
                call.step("weak", digits=HIDDEN, detail={"why": str(exc)})
                await call.play(node.get("weak_prompts"))
                continue
            again = await self.password(node, call, node.get("confirm_prompts"))
            if again != new:
                call.step("mismatch", digits=HIDDEN)
                await call.play(node.get("mismatch_prompts"))
                continue
            call.mark_idle()
            await call.in_thread(db.write, call.services.engine, set_password, realm, account, new, call.now(), lo, hi)
            call.step("ok", digits=HIDDEN, detail={"realm": realm, "account": account})
            await call.play(node.get("done_prompts"))
            return node.get("next")
        return await self.failed(node, call)
