"""Call scripts: a questionnaire or sales flow the agent's desk walks with the customer.

A script is questions in order; a question has a text, the result field its answer goes to, and either answer
choices (each may branch to another question, or `end`, and may propose the call's outcome code) or none (a free
text answer). Without a branch the next question follows. Written as a table, one row per answer choice — the
same table from a .txt/.csv, an .xlsx sheet, a .docx table or the console's editor:

    id | question                     | field     | answer | next | result
    q1 | Are you happy with us?       | happy     | yes    | q3   |
       |                              |           | no     | q2   |
    q2 | What should we do better?    | better    |        |      |
    q3 | May we offer you the new plan? | offer   | yes    | end  | sold
       |                              |           | no     | end  | refused

(Chinese headers too: 编号, 问题, 字段, 答案, 下一题, 结果.) A row with an id starts a question; a row without adds a
choice to the one above. The body is stored as JSON (dl_scripts.body) with a version that each edit raises: an
attempt keeps the version it started with (in dl_attempts.script), the agent's next record gets the new one.

The state of a script on one call (`Progress`, stored with the attempt): where it stands, the answers so far, the
path taken, paused or not, the questions flagged to managers. It lives in the database, so it travels with a
transfer: the transferee's desk reads the same attempt.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.store import DialerError, writing

END = "end"
ID = re.compile(r"^[\w.-]{1,32}$")
MAX_QUESTIONS = 500
MAX_TEXT = 2000
MAX_ANSWER = 500
HEADERS = {"id": ("id", "编号"), "question": ("question", "问题"), "field": ("field", "字段"),
           "answer": ("answer", "答案"), "next": ("next", "下一题"), "result": ("result", "结果")}


class ScriptError(DialerError):
    """A script that cannot be used; `problems` says each thing wrong, with its line where there is one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# ---- the table <-> the body --------------------------------------------------------------------------------------
def from_table(header: list[str], rows: list[list[str]], source: str = "script") -> dict[str, Any]:
    """The body of a script written as a table (first row: the header); ScriptError with every problem as
    "source:line: ..."."""
    col: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h.strip().lower() in names:
                col[key] = i
    missing = [k for k in ("id", "question") if k not in col]
    if missing:
        raise ScriptError([(f"{source}:1: the header needs the columns {', '.join(missing)} "
                            "(id, question, field, answer, next, result)")])
    problems: list[str] = []
    questions: list[dict[str, Any]] = []
    lines: dict[str, int] = {}

    def cell(row: list[str], key: str) -> str:
        return row[col[key]].strip() if key in col and col[key] < len(row) else ""
    for line, row in enumerate(rows, start=2):
        qid, text, answer = cell(row, "id"), cell(row, "question"), cell(row, "answer")
        if not any(c.strip() for c in row):
            continue
        if qid:
            if not ID.match(qid) or qid == END:
                problems.append(f"{source}:{line}: id {qid!r}: 1-32 letters, digits, '.', '_' or '-' (not 'end')")
            elif qid in lines:
                problems.append(f"{source}:{line}: question {qid} is there already (line {lines[qid]})")
            if not text:
                problems.append(f"{source}:{line}: question {qid} has no text")
            lines[qid] = line
            questions.append({"id": qid, "text": text[:MAX_TEXT], "field": cell(row, "field") or qid,
                              "choices": [], "next": None, "line": line})
            if not answer:
                questions[-1]["next"] = cell(row, "next") or None
                continue
        elif not questions:
            problems.append(f"{source}:{line}: an answer before any question (give the row an id)")
            continue
        if not answer:
            problems.append(f"{source}:{line}: a row without an id must give an answer")
            continue
        questions[-1]["choices"].append({"value": answer[:MAX_ANSWER], "next": cell(row, "next") or None,
                                         "result": cell(row, "result") or None, "line": line})
    body = {"questions": questions}
    problems += _check(body, source)
    if problems:
        raise ScriptError(problems)
    for q in questions:
        q.pop("line", None)
        for ch in q["choices"]:
            ch.pop("line", None)
    return body


def _check(body: dict[str, Any], source: str) -> list[str]:
    qs = body.get("questions")
    if not isinstance(qs, list) or not qs:
        return [f"{source}: a script needs at least one question"]
    if len(qs) > MAX_QUESTIONS:
        return [f"{source}: at most {MAX_QUESTIONS} questions"]
    ids = {q.get("id") for q in qs}
    problems = []
    for q in qs:
        where = f"{source}:{q['line']}" if "line" in q else f"{source}: question {q.get('id')}"
        targets = [q.get("next")] + [c.get("next") for c in q.get("choices", [])]
        for t in targets:
            if t and t != END and t not in ids:
                problems.append(f"{where}: goes to question {t!r}, which is not in the script")
        values = [c.get("value") for c in q.get("choices", [])]
        if len(values) != len(set(values)):
            problems.append(f"{where}: question {q.get('id')} has the same answer twice")
    return problems


def to_table(body: dict[str, Any]) -> str:
    """The body as the editor's text: one row per line, cells separated by " | "."""
    out = ["id | question | field | answer | next | result"]
    for q in body["questions"]:
        head = [q["id"], q["text"], q["field"]]
        if not q["choices"]:
            out.append(" | ".join([*head, "", q.get("next") or "", ""]).rstrip(" |"))
        for i, ch in enumerate(q["choices"]):
            cells = head if i == 0 else ["", "", ""]
            out.append(" | ".join([*cells, ch["value"], ch.get("next") or "", ch.get("result") or ""]).rstrip(" |"))
    return "\n".join(out)


def read_file(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a script file: .txt / .csv (like a list's), .xlsx (first sheet), .docx (first table)."""
    from telephonist.dialer.lists import read_table
    if not filename.lower().endswith((".txt", ".csv", ".xlsx", ".docx")):
        raise ScriptError(["a script is a .txt, .csv, .xlsx or .docx file"])
    try:
        return read_table(filename, data)
    except DialerError as exc:
        raise ScriptError([str(exc)]) from None


def read_text(text: str) -> tuple[list[str], list[list[str]]]:
    """The editor's text: rows of cells separated by "|" (or tabs)."""
    rows = [[c.strip() for c in re.split(r"\t|\|", line)] for line in text.splitlines()]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise ScriptError(["script:1: the script is empty"])
    return rows[0], rows[1:]


# ---- the store ------------------------------------------------------------------------------------------------
def save(engine: sa.Engine, name: str, body: dict[str, Any], who: str, description: str = "",
         script_id: int | None = None) -> int:
    """A new script, or a new version of `script_id` (agents get it on their next record)."""
    if not name or len(name) > 64:
        raise ScriptError(["a script needs a name of 1 to 64 characters"])
    problems = _check(body, name)
    if problems:
        raise ScriptError(problems)
    text, now, s = json.dumps(body, ensure_ascii=False), datetime.now(UTC), T.scripts
    with writing(engine) as conn:
        other = conn.execute(sa.select(s.c.id).where(s.c.name == name)).scalar()
        if other is not None and other != script_id:
            raise ScriptError([f"a script named {name!r} exists already"])
        if script_id is None:
            return conn.execute(s.insert().values(name=name, description=description, body=text, version=1,
                                                  updated_by=who, updated_at=now)).inserted_primary_key[0]  # type: ignore[index]
        done = conn.execute(s.update().where(s.c.id == script_id).values(
            name=name, description=description, body=text, version=s.c.version + 1, updated_by=who,
            updated_at=now)).rowcount
    if not done:
        raise ScriptError([f"no script {script_id}"])
    return script_id


def get(engine: sa.Engine, script_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(T.scripts).where(T.scripts.c.id == script_id)).first()
    if row is None:
        return None
    return {**dict(row._mapping), "body": json.loads(row.body)}


def search(engine: sa.Engine, text: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Scripts whose name, description or questions contain `text` (all of them without)."""
    s = T.scripts
    q = sa.select(s.c.id, s.c.name, s.c.description, s.c.version, s.c.updated_by, s.c.updated_at).order_by(s.c.name)
    if text:
        q = q.where(sa.or_(*(c.contains(text, autoescape=True) for c in (s.c.name, s.c.description, s.c.body))))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q.limit(limit))]
    return rows


def use_in_campaign(engine: sa.Engine, campaign_id: int, script_id: int | None) -> None:
    with writing(engine) as conn:
        if script_id is not None and conn.execute(sa.select(T.scripts.c.id).where(T.scripts.c.id == script_id)).first() is None:
            raise ScriptError([f"no script {script_id}"])
        if not conn.execute(T.campaigns.update().where(T.campaigns.c.id == campaign_id)
                            .values(script_id=script_id, updated_at=datetime.now(UTC))).rowcount:
            raise ScriptError([f"no campaign {campaign_id}"])


def answers_by_record(conn, campaign_id: int) -> dict[int, dict[str, str]]:
    """Each record's script answers by result field (from its latest attempt with answers): the export's columns."""
    a = T.attempts
    out: dict[int, dict[str, str]] = {}
    for rid, text in conn.execute(sa.select(a.c.record_id, a.c.script).where(
            a.c.campaign_id == campaign_id, a.c.script.is_not(None)).order_by(a.c.id)):
        state = json.loads(text)
        fields = {q["id"]: q["field"] for q in state["body"]["questions"]}
        got = {fields.get(qid, qid): str(v) for qid, v in state.get("answers", {}).items()}
        if got:
            out[rid] = got
    return out
