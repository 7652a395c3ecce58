"""A script on one call: where it stands, the answers so far, paused or not (dl_attempts.script, JSON).

    {"script_id": 3, "name": "renewal", "version": 2, "body": {...}, "at": "q2", "path": ["q1"],
     "answers": {"q1": "no"}, "paused": false, "flags": [{"question": "q1", "by": "1001", "note": "..."}]}

`at` is None once the script has ended. Answering a question already passed (one on `path`) goes back to it:
the answers after it are dropped. The state is saved with the attempt at every step, so whoever has the call
next (a transferee) reads it from there.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.scripts import END, MAX_ANSWER, ScriptError
from telephonist.dialer.store import writing


def start(script: dict[str, Any]) -> dict[str, Any]:
    """A fresh state on a script row (scripts.get)."""
    first = script["body"]["questions"][0]["id"]
    return {"script_id": script["id"], "name": script["name"], "version": script["version"], "body": script["body"],
            "at": first, "path": [], "answers": {}, "paused": False, "flags": []}


def question(state: dict[str, Any], qid: str | None) -> dict[str, Any] | None:
    return next((q for q in state["body"]["questions"] if q["id"] == qid), None) if qid else None


def _after(state: dict[str, Any], q: dict[str, Any], value: str) -> str | None:
    choice = next((c for c in q["choices"] if c["value"] == value), None)
    target = (choice or {}).get("next") or q.get("next")
    if target == END:
        return None
    if target:
        return target
    ids = [x["id"] for x in state["body"]["questions"]]
    i = ids.index(q["id"])
    return ids[i + 1] if i + 1 < len(ids) else None


def answer(state: dict[str, Any], qid: str, value: str) -> dict[str, Any]:
    """The state after `value` answers question `qid` (the current one, or one passed: going back)."""
    if state["paused"]:
        raise ScriptError(["the script is paused: resume it first"])
    q = question(state, qid)
    if q is None:
        raise ScriptError([f"no question {qid!r} in the script"])
    if qid != state["at"] and qid not in state["path"]:
        raise ScriptError([f"question {qid} is not where the script stands ({state['at']})"])
    value = (value or "").strip()
    if q["choices"] and value not in [c["value"] for c in q["choices"]]:
        raise ScriptError([f"question {qid} takes one of: {', '.join(c['value'] for c in q['choices'])}"])
    if not value or len(value) > MAX_ANSWER:
        raise ScriptError([f"an answer is 1 to {MAX_ANSWER} characters"])
    path = state["path"][:state["path"].index(qid)] if qid in state["path"] else list(state["path"])
    answers = {k: v for k, v in state["answers"].items() if k in path}
    answers[qid] = value
    return {**state, "at": _after(state, q, value), "path": [*path, qid], "answers": answers}


def proposed_result(state: dict[str, Any]) -> str | None:
    """The outcome code the answers propose (the last answered choice with a result)."""
    for qid in reversed(state["path"]):
        q = question(state, qid)
        ch = next((c for c in (q or {}).get("choices", []) if c["value"] == state["answers"].get(qid)), None)
        if ch and ch.get("result"):
            return ch["result"]
    return None


def load(engine: sa.Engine, attempt_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        text = conn.execute(sa.select(T.attempts.c.script).where(T.attempts.c.id == attempt_id)).scalar()
    return json.loads(text) if text else None


def save(engine: sa.Engine, attempt_id: int, state: dict[str, Any]) -> None:
    """The state on the attempt, and how many questions were flagged (dl_attempts.flags: the campaign page finds
    the flagged calls by it, results.flags)."""
    with writing(engine) as conn:
        conn.execute(T.attempts.update().where(T.attempts.c.id == attempt_id)
                     .values(script=json.dumps(state, ensure_ascii=False), flags=len(state.get("flags") or [])))


def view(state: dict[str, Any]) -> dict[str, Any]:
    """What a desk shows: the current question with its choices, the answers so far in order, paused."""
    return {"script": state["name"], "version": state["version"], "paused": state["paused"],
            "question": question(state, state["at"]), "ended": state["at"] is None,
            "answers": [{"id": qid, "text": (question(state, qid) or {}).get("text", ""), "value": state["answers"][qid]}
                        for qid in state["path"] if qid in state["answers"]],
            "proposed_result": proposed_result(state), "flags": state["flags"]}
