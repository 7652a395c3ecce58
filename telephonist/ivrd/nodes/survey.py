"""The survey node: the caller rates the agent call they just had."""
from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING

from sqlalchemy import insert

from telephonist.ivrd import db
from telephonist.ivrd.nodes.fallthrough import FallthroughExits
from telephonist.ivrd.nodes.prompting import DIGITS, _Asking
from telephonist.ivrd.nodes.registry import CheckContext, Field, register
from telephonist.ivrd.schema import survey_results

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

ANSWERS = {"1": "satisfied", "2": "neutral", "3": "dissatisfied", "0": "complaint"}


@register
class Survey(FallthroughExits, _Asking):
    """After an agent call (the queue hands the caller back to this flow with the agent and the queue in
    its data): one key rates the call, stored in ivr_survey_results with the call, the agent and the queue.
        type = "survey"
        prompts = "{lang}/survey.wav"        # 1 satisfied, 2 neutral, 3 dissatisfied, 0 complaint
        thanks_prompts = "{lang}/thanks.wav"
        on_complaint = "complaint_box"       # e.g. voicemail or a complaints queue (unset: next)
    answers: key = answer (default 1 satisfied, 2 neutral, 3 dissatisfied, 0 complaint).
    agent, queue: where they come from (default ${agent} and ${queue}, the handoff's data).
    No key after the retries: nothing is stored, on_fail (unset: hang up). Sets ${survey_answer}."""
    name = "survey"
    fields = _Asking.asking_fields + (
        Field("answers", "str_map", default=ANSWERS),
        Field("agent", "str", default="${agent}"),
        Field("queue", "str", default="${queue}"),
        Field("thanks_prompts", "prompts", help="heard after an answer"),
        Field("next", "node", help="after the answer (unset: hang up)"),
        Field("on_complaint", "str", help="the node after a complaint (unset: next)"),
    )
    fallthrough_exits = ("on_complaint",)

    def check(self, node: "Node", ctx: CheckContext) -> None:
        super().check(node, ctx)
        for key, answer in node.get("answers").items():
            if len(key) != 1 or key not in DIGITS:
                ctx.problem("answers", f"answer key {key!r} must be one of {DIGITS}")
            if not 1 <= len(answer) <= 16:
                ctx.problem("answers", f"answer {answer!r} must have 1 to 16 characters")
        if node.get("on_complaint") and "complaint" not in node.get("answers").values():
            ctx.problem("on_complaint", "on_complaint needs an answer named \"complaint\" in answers")

    async def run(self, node: "Node", call: "Call") -> str | None:
        answers = node.get("answers")
        digit, result = await self.ask(node, call, 1, 1, "", lambda d: d in answers)
        if digit is None:
            call.step("no_answer", detail={"last": result})
            return node.get("on_fail")
        answer = answers[digit]
        row = dict(call_id=call.call_id, agent=str(call.expand(node.get("agent")))[:64],
                   queue=str(call.expand(node.get("queue")))[:64], caller=call.caller, digit=digit,
                   answer=answer, created_at=call.now().astimezone(timezone.utc))
        call.mark_idle()
        await call.in_thread(db.write, call.services.engine, _store, row)
        call.vars["survey_answer"] = answer
        call.step(answer, digits=digit, detail={"agent": row["agent"], "queue": row["queue"]})
        await call.play(node.get("thanks_prompts"))
        if answer == "complaint" and node.get("on_complaint"):
            return node.get("on_complaint")
        return node.get("next")


def _store(conn, row: dict) -> None:
    conn.execute(insert(survey_results).values(**row))
