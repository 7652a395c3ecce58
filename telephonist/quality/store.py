"""Quality's data: forms, reviews and their life (scored -> appealed -> upheld | revised), the calls a reviewer may
score, and reviewers' levels. Every function takes a Connection inside the caller's transaction."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from telephonist.acd.schema import calls as acd_calls
from telephonist.quality import forms as formtext
from telephonist.quality.schema import answers, appeals, forms, items, reviewers, reviews, samples
from telephonist.storage.database import utcnow
from telephonist.storage.schema import call_legs


class QualityError(ValueError):
    """A request the data refuses (the console shows the text)."""


class ReviewState(enum.Enum):
    SCORED = "scored"
    APPEALED = "appealed"
    UPHELD = "upheld"
    REVISED = "revised"


class ReviewEvent(enum.Enum):
    APPEAL = "appeal"
    UPHOLD = "uphold"
    REVISE = "revise"


# The one table of what may happen to a review: an agent appeals a score once; the appeal is upheld or the
# review revised.
TRANSITIONS: dict[tuple[ReviewState, ReviewEvent], ReviewState] = {
    (ReviewState.SCORED, ReviewEvent.APPEAL): ReviewState.APPEALED,
    (ReviewState.APPEALED, ReviewEvent.UPHOLD): ReviewState.UPHELD,
    (ReviewState.APPEALED, ReviewEvent.REVISE): ReviewState.REVISED,
}


def _move(conn: Connection, review_id: int, event: ReviewEvent) -> ReviewState:
    row = conn.execute(select(reviews.c.state).where(reviews.c.id == review_id)).first()
    if row is None:
        raise QualityError(f"no review {review_id}")
    new = TRANSITIONS.get((ReviewState(row.state), event))
    if new is None:
        raise QualityError(f"a review that is {row.state} cannot be {event.value}ed")
    conn.execute(update(reviews).where(reviews.c.id == review_id).values(state=new.value))
    return new


# ---- forms -----------------------------------------------------------------------------------------------------

def list_forms(conn: Connection) -> list[dict[str, Any]]:
    used = select(reviews.c.form_id, func.count().label("n")).group_by(reviews.c.form_id).subquery()
    q = (select(forms, func.coalesce(used.c.n, 0).label("reviews")).outerjoin(used, used.c.form_id == forms.c.id)
         .order_by(forms.c.name))
    return [dict(r._mapping) for r in conn.execute(q)]


def form_items(conn: Connection, form_id: int) -> list[dict[str, Any]]:
    q = select(items).where(items.c.form_id == form_id).order_by(items.c.position)
    return [dict(r._mapping) for r in conn.execute(q)]


def get_form(conn: Connection, form_id: int) -> dict[str, Any]:
    row = conn.execute(select(forms).where(forms.c.id == form_id)).first()
    if row is None:
        raise QualityError(f"no form {form_id}")
    return {**row._mapping, "items": form_items(conn, form_id)}


def items_text(form: dict[str, Any]) -> str:
    return formtext.render_items([formtext.ItemSpec(i["section"], i["label"], i["points"], i["fatal"])
                                  for i in form["items"]])


def save_form(conn: Connection, form_id: int | None, name: str, description: str, text: str, active: bool) -> int:
    """Create a form, or change one; its items change only while no review uses it (copy it instead).
    Raises FormError (with the line) or QualityError."""
    name = name.strip()
    if not name or len(name) > 80:
        raise QualityError("a form needs a name of at most 80 characters")
    specs = formtext.parse_items(text)
    clash = conn.execute(select(forms.c.id).where(forms.c.name == name)).scalar()
    if clash is not None and clash != form_id:
        raise QualityError(f"a form named {name} exists already")
    if form_id is None:
        form_id = conn.execute(insert(forms).values(name=name, description=description, active=active,
                                                    created_at=utcnow())).inserted_primary_key[0]
    else:
        old = get_form(conn, form_id)
        conn.execute(update(forms).where(forms.c.id == form_id).values(name=name, description=description,
                                                                         active=active))
        if items_text(old) == formtext.render_items(specs):
            return form_id
        if conn.execute(select(reviews.c.id).where(reviews.c.form_id == form_id).limit(1)).first():
            raise QualityError("reviews use this form: its items stay as they are (make a copy to change them)")
        conn.execute(delete(items).where(items.c.form_id == form_id))
    conn.execute(insert(items), [{"form_id": form_id, "position": n, "section": s.section, "label": s.label,
                                  "points": s.points, "fatal": s.fatal} for n, s in enumerate(specs)])
    return form_id


def copy_form(conn: Connection, form_id: int) -> int:
    old = get_form(conn, form_id)
    n, name = 2, f"{old['name']} (2)"
    while conn.execute(select(forms.c.id).where(forms.c.name == name)).first():
        n += 1
        name = f"{old['name']} ({n})"
    return save_form(conn, None, name[:80], old["description"], items_text(old), active=False)


# ---- the calls to score ----------------------------------------------------------------------------------------

def recorded_call(conn: Connection, call_row: int) -> dict[str, Any]:
    """An answered queue call with its recorded leg (what a reviewer listens to and scores)."""
    call = conn.execute(select(acd_calls).where(acd_calls.c.id == call_row)).first()
    if call is None or call.agent is None or call.answered_at is None:
        raise QualityError(f"no answered queue call {call_row}")
    leg = conn.execute(select(call_legs.c.id, call_legs.c.recording_path).where(
        and_(call_legs.c.call_id == call.call_id, call_legs.c.recording_path.is_not(None)))
        .order_by(call_legs.c.id).limit(1)).first()
    return {**call._mapping, "recording_leg": leg.id if leg else None,
            "recording_path": leg.recording_path if leg else None}


def recorded_calls(conn: Connection, since: datetime, until: datetime, agents: set[str] | None,
                   limit: int = 500) -> list[dict[str, Any]]:
    """Answered queue calls with a recording in a period (latest first), with their review if any; ``agents``
    None: every agent."""
    recorded = (select(call_legs.c.call_id).where(call_legs.c.recording_path.is_not(None))).scalar_subquery()
    q = (select(acd_calls, reviews.c.id.label("review_id"), reviews.c.score)
         .outerjoin(reviews, reviews.c.call_row == acd_calls.c.id)
         .where(and_(acd_calls.c.answered_at >= since, acd_calls.c.answered_at < until,
                     acd_calls.c.agent.is_not(None), acd_calls.c.call_id.in_(recorded)))
         .order_by(acd_calls.c.answered_at.desc()).limit(limit))
    if agents is not None:
        q = q.where(acd_calls.c.agent.in_(sorted(agents)))
    return [dict(r._mapping) for r in conn.execute(q)]


# ---- reviewers' levels -----------------------------------------------------------------------------------------

def reviewer_level(conn: Connection, username: str) -> int | None:
    return conn.execute(select(reviewers.c.max_level).where(reviewers.c.username == username)).scalar()


def reviewer_levels(conn: Connection) -> dict[str, int]:
    return {r.username: r.max_level for r in conn.execute(select(reviewers).order_by(reviewers.c.username))}


def set_reviewer_level(conn: Connection, username: str, level: int | None) -> None:
    conn.execute(delete(reviewers).where(reviewers.c.username == username))
    if level is not None:
        if not 1 <= level <= 10:
            raise QualityError("a reviewing level is from 1 to 10")
        conn.execute(insert(reviewers).values(username=username, max_level=level))


# ---- reviews ---------------------------------------------------------------------------------------------------

def _scored(conn: Connection, form_id: int, given: dict[int, int]) -> tuple[float, bool]:
    its = [(i["id"], i["points"], i["fatal"]) for i in form_items(conn, form_id)]
    try:
        return formtext.score(its, given)
    except ValueError as exc:
        raise QualityError(str(exc)) from None


def score_call(conn: Connection, form_id: int, call_row: int, reviewer: str, given: dict[int, int],
               comment: str) -> int:
    form = get_form(conn, form_id)
    if not form["active"]:
        raise QualityError(f"form {form['name']} is not in use")
    call = recorded_call(conn, call_row)
    if conn.execute(select(reviews.c.id).where(and_(reviews.c.call_row == call_row,
                                                    reviews.c.form_id == form_id))).first():
        raise QualityError("this call has been scored with this form already")
    value, fatal = _scored(conn, form_id, given)
    rid = conn.execute(insert(reviews).values(
        form_id=form_id, call_row=call_row, call_id=call["call_id"], agent=call["agent"], queue=call["queue"],
        call_at=call["answered_at"], reviewer=reviewer, reviewed_at=utcnow(), score=value, fatal_failed=fatal,
        comment=comment, state=ReviewState.SCORED.value)).inserted_primary_key[0]
    conn.execute(insert(answers), [{"review_id": rid, "item_id": k, "points": v} for k, v in given.items()])
    conn.execute(update(samples).where(samples.c.call_row == call_row).values(review_id=rid))
    return rid


def get_review(conn: Connection, review_id: int) -> dict[str, Any]:
    row = conn.execute(select(reviews).where(reviews.c.id == review_id)).first()
    if row is None:
        raise QualityError(f"no review {review_id}")
    given = {r.item_id: r.points for r in conn.execute(select(answers).where(answers.c.review_id == review_id))}
    its = [{**i, "given": given.get(i["id"])} for i in form_items(conn, row.form_id)]
    app = conn.execute(select(appeals).where(appeals.c.review_id == review_id).order_by(appeals.c.id.desc())).first()
    form_name = conn.execute(select(forms.c.name).where(forms.c.id == row.form_id)).scalar()
    return {**row._mapping, "items": its, "appeal": dict(app._mapping) if app else None, "form_name": form_name}


def agent_reviews(conn: Connection, agent: str, limit: int = 200) -> list[dict[str, Any]]:
    q = (select(reviews, forms.c.name.label("form_name")).join(forms, forms.c.id == reviews.c.form_id)
         .where(reviews.c.agent == agent).order_by(reviews.c.call_at.desc()).limit(limit))
    return [dict(r._mapping) for r in conn.execute(q)]


def appeal(conn: Connection, review_id: int, agent: str, text: str) -> int:
    text = text.strip()
    if not text:
        raise QualityError("say why you appeal")
    row = conn.execute(select(reviews.c.agent).where(reviews.c.id == review_id)).first()
    if row is None or row.agent != agent:
        raise QualityError(f"no review {review_id} of agent {agent}")
    _move(conn, review_id, ReviewEvent.APPEAL)
    return conn.execute(insert(appeals).values(review_id=review_id, agent=agent, text=text[:4000], at=utcnow(),
                                               reply="")).inserted_primary_key[0]


def open_appeals(conn: Connection) -> list[dict[str, Any]]:
    q = (select(appeals, reviews.c.score, reviews.c.reviewer, reviews.c.call_at, reviews.c.queue)
         .join(reviews, reviews.c.id == appeals.c.review_id)
         .where(appeals.c.decided_at.is_(None)).order_by(appeals.c.at))
    return [dict(r._mapping) for r in conn.execute(q)]


def decide(conn: Connection, review_id: int, user: str, reply: str, given: dict[int, int] | None) -> ReviewState:
    """Decide the open appeal of a review: uphold the score (``given`` None) or revise it with new points."""
    review = get_review(conn, review_id)
    if review["reviewer"] == user:
        raise QualityError("an appeal is decided by someone other than the reviewer")
    if given is None:
        state = _move(conn, review_id, ReviewEvent.UPHOLD)
    else:
        value, fatal = _scored(conn, review["form_id"], given)
        state = _move(conn, review_id, ReviewEvent.REVISE)
        conn.execute(update(reviews).where(reviews.c.id == review_id).values(score=value, fatal_failed=fatal))
        conn.execute(delete(answers).where(answers.c.review_id == review_id))
        conn.execute(insert(answers), [{"review_id": review_id, "item_id": k, "points": v} for k, v in given.items()])
    conn.execute(update(appeals).where(and_(appeals.c.review_id == review_id, appeals.c.decided_at.is_(None)))
                 .values(decided_by=user, decided_at=utcnow(), decision=state.value, reply=reply.strip()[:4000]))
    return state
