"""Categories, articles, their tags and versions. Every save writes the article's row (with its index words)
and a whole copy in kb_versions; a restore is a save of an old copy. Who saved is the caller's to say (the console
passes the user); rights are checked by the console, not here."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from telephonist.kb.schema import TAG_KINDS, articles, attachments, categories, tags, versions
from telephonist.kb.segment import index_words

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_TAGS = 50
QUEUE_TAG = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")
IVR_TAG = re.compile(r"^[0-9A-Za-z_.-]{1,64}/[0-9A-Za-z_.-]{1,64}$")
FOR_CALL = 10                                    # articles the desk panel shows for a call


class KbError(ValueError):
    """Refused input or a missing article: the message says which."""


class Changed(KbError):
    """Someone saved the article since the editor opened it."""


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    category_id: int | None = None
    tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def checked(self) -> "Draft":
        title = self.title.strip()
        if not title or len(title) > MAX_TITLE:
            raise KbError(f"a title is 1 to {MAX_TITLE} characters")
        if len(self.body) > MAX_BODY:
            raise KbError(f"an article is at most {MAX_BODY} characters")
        if len(self.tags) > MAX_TAGS:
            raise KbError(f"at most {MAX_TAGS} tags")
        for kind, value in self.tags:
            pattern = QUEUE_TAG if kind == "queue" else IVR_TAG if kind == "ivr" else None
            if pattern is None or not pattern.match(value):
                raise KbError(f"a tag is queue:NAME or ivr:FLOW/NODE (letters, digits, _ . -), not {kind}:{value}")
        return Draft(title, self.body.replace("\r\n", "\n"), self.category_id, tuple(dict.fromkeys(self.tags)))


def parse_tags(text: str) -> tuple[tuple[str, str], ...]:
    """``queue:sales ivr:main/billing`` (spaces, commas or new lines between) as (kind, value) pairs."""
    out = []
    for item in re.split(r"[\s,，]+", text.strip()):
        if item:
            kind, sep, value = item.partition(":")
            if not sep or kind not in TAG_KINDS:
                raise KbError(f"a tag is queue:NAME or ivr:FLOW/NODE, not {item!r}")
            out.append((kind, value))
    return tuple(out)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- categories -------------------------------------------------------------------------------
def category_list(conn: Connection) -> list[dict[str, Any]]:
    n = select(func.count()).where(articles.c.category_id == categories.c.id).scalar_subquery()
    q = select(categories.c.id, categories.c.name, n.label("articles")).order_by(categories.c.name)
    return [dict(r._mapping) for r in conn.execute(q)]


def add_category(conn: Connection, name: str) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise KbError("a category's name is 1 to 100 characters")
    if conn.execute(select(categories.c.id).where(categories.c.name == name)).first():
        raise KbError(f"there is a category {name!r} already")
    return int(conn.execute(insert(categories).values(name=name)).inserted_primary_key[0])


def remove_category(conn: Connection, category_id: int) -> str | None:
    """The category's name once removed (its articles stay, without a category); None if there was none."""
    name = conn.execute(select(categories.c.name).where(categories.c.id == category_id)).scalar()
    if name is not None:
        conn.execute(update(articles).where(articles.c.category_id == category_id).values(category_id=None))
        conn.execute(delete(categories).where(categories.c.id == category_id))
    return name


def _check_category(conn: Connection, category_id: int | None) -> None:
    if category_id is not None and conn.execute(
            select(categories.c.id).where(categories.c.id == category_id)).first() is None:
        raise KbError("no such category")


# ---- articles ---------------------------------------------------------------------------------
def create(conn: Connection, draft: Draft, user: str) -> int:
    d = draft.checked()
    _check_category(conn, d.category_id)
    now = _now()
    article_id = int(conn.execute(insert(articles).values(
        category_id=d.category_id, title=d.title, body=d.body, search_title=index_words(d.title),
        search_body=index_words(d.body), version=1, updated_at=now, updated_by=user)).inserted_primary_key[0])
    _write_version(conn, article_id, 1, d, user, now, "")
    return article_id


def save(conn: Connection, article_id: int, draft: Draft, user: str, based_on: int | None = None,
         note: str = "") -> int:
    """A new version of the article (its number). ``based_on``: the version the editor started from, refused
    with Changed when another save came in between."""
    d = draft.checked()
    current = conn.execute(select(articles.c.version).where(articles.c.id == article_id)).scalar()
    if current is None:
        raise KbError("no such article")
    if based_on is not None and based_on != current:
        raise Changed(f"the article was saved by someone else meanwhile (version {current}); open it again")
    _check_category(conn, d.category_id)
    now, version = _now(), current + 1
    done = conn.execute(update(articles).where(and_(articles.c.id == article_id, articles.c.version == current))
                        .values(category_id=d.category_id, title=d.title, body=d.body,
                                search_title=index_words(d.title), search_body=index_words(d.body),
                                version=version, updated_at=now, updated_by=user, retired_at=None))
    if done.rowcount != 1:
        raise Changed("the article was saved by someone else meanwhile; open it again")
    _write_version(conn, article_id, version, d, user, now, note)
    return version


def retire(conn: Connection, article_id: int, user: str, note: str = "") -> int:
    """Retire the article: kept with every version (a new one notes the retirement), no longer found by the
    search, the list or the screen pop's panel; a later save brings it back. Returns the new version's number."""
    a = get(conn, article_id)
    if a is None:
        raise KbError("no such article")
    if a["retired_at"] is not None:
        raise KbError("the article is retired already")
    version = save(conn, article_id, Draft(a["title"], a["body"], a["category_id"], tuple(a["tags"])), user,
                   based_on=a["version"], note=("retired: " + note.strip() if note.strip() else "retired")[:200])
    conn.execute(update(articles).where(articles.c.id == article_id).values(retired_at=_now()))
    return version


def _write_version(conn: Connection, article_id: int, version: int, d: Draft, user: str, at: datetime,
                   note: str) -> None:
    conn.execute(delete(tags).where(tags.c.article_id == article_id))
    if d.tags:
        conn.execute(insert(tags), [{"article_id": article_id, "kind": k, "value": v} for k, v in d.tags])
    try:
        conn.execute(insert(versions).values(article_id=article_id, version=version, title=d.title, body=d.body,
                                             category_id=d.category_id, tags=json.dumps([list(t) for t in d.tags]),
                                             saved_at=at, saved_by=user, note=note[:200]))
    except IntegrityError as exc:               # two saves of one version: the second one's transaction ends
        raise Changed("the article was saved by someone else meanwhile; open it again") from exc


def get(conn: Connection, article_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(articles, categories.c.name.label("category"))
                       .select_from(articles.outerjoin(categories, categories.c.id == articles.c.category_id))
                       .where(articles.c.id == article_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["tags"] = [(t.kind, t.value) for t in conn.execute(
        select(tags.c.kind, tags.c.value).where(tags.c.article_id == article_id).order_by(tags.c.kind, tags.c.value))]
    out["attachments"] = [dict(a._mapping) for a in conn.execute(
        select(attachments).where(attachments.c.article_id == article_id).order_by(attachments.c.id))]
    return out


def listing(conn: Connection, category_id: int | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many, the page of them, latest changed first)."""
    where = and_(articles.c.retired_at.is_(None),
                 articles.c.category_id == category_id if category_id is not None else True)
    total = conn.execute(select(func.count()).select_from(articles).where(where)).scalar() or 0
    q = (select(articles.c.id, articles.c.title, articles.c.version, articles.c.updated_at, articles.c.updated_by,
                categories.c.name.label("category"))
         .select_from(articles.outerjoin(categories, categories.c.id == articles.c.category_id)).where(where)
         .order_by(articles.c.updated_at.desc(), articles.c.id.desc()).limit(limit).offset(offset))
    return total, [dict(r._mapping) for r in conn.execute(q)]


def remove(conn: Connection, article_id: int) -> str | None:
    """The removed article's title (its versions, tags and attachment rows go with it), or None."""
    title = conn.execute(select(articles.c.title).where(articles.c.id == article_id)).scalar()
    if title is not None:
        for table in (tags, versions, attachments):
            conn.execute(delete(table).where(table.c.article_id == article_id))
        conn.execute(delete(articles).where(articles.c.id == article_id))
    return title


# ---- versions ---------------------------------------------------------------------------------
def history(conn: Connection, article_id: int) -> list[dict[str, Any]]:
    q = (select(versions.c.version, versions.c.title, versions.c.saved_at, versions.c.saved_by, versions.c.note)
         .where(versions.c.article_id == article_id).order_by(versions.c.version.desc()))
    return [dict(r._mapping) for r in conn.execute(q)]


def version(conn: Connection, article_id: int, number: int) -> dict[str, Any] | None:
    row = conn.execute(select(versions).where(and_(versions.c.article_id == article_id,
                                                   versions.c.version == number))).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["tags"] = [tuple(t) for t in json.loads(out["tags"])]
    return out


def restore(conn: Connection, article_id: int, number: int, user: str) -> int:
    """Save version ``number`` again as the newest (its category, if since removed, becomes none)."""
    old = version(conn, article_id, number)
    if old is None:
        raise KbError("no such version")
    category = old["category_id"]
    if category is not None and conn.execute(select(categories.c.id).where(categories.c.id == category)).first() is None:
        category = None
    return save(conn, article_id, Draft(old["title"], old["body"], category, tuple(old["tags"])), user,
                note=f"restored version {number}")


# ---- attachments ------------------------------------------------------------------------------
def add_attachment(conn: Connection, article_id: int, name: str, content_type: str, user: str) -> int:
    """A row for a new attachment (size 0 until ``attachment_stored``); its id names its file."""
    if conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first() is None:
        raise KbError("no such article")
    name = attachment_name(name)
    if not name:
        raise KbError("choose a file")
    return int(conn.execute(insert(attachments).values(
        article_id=article_id, name=name, content_type=(content_type or "application/octet-stream")[:100], size=0,
        added_at=_now(), added_by=user)).inserted_primary_key[0])


def attachment_name(uploaded: str) -> str:
    """The name an upload is shown and downloaded as: its last path part, at most 200 characters."""
    return uploaded.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def attachment_stored(conn: Connection, attachment_id: int, size: int) -> None:
    conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(size=size))


def attachment(conn: Connection, article_id: int, attachment_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(attachments).where(and_(attachments.c.id == attachment_id,
                                                      attachments.c.article_id == article_id))).first()
    return dict(row._mapping) if row else None


def remove_attachment(conn: Connection, article_id: int, attachment_id: int) -> str | None:
    found = attachment(conn, article_id, attachment_id)
    if found is not None:
        conn.execute(delete(attachments).where(attachments.c.id == attachment_id))
    return found["name"] if found else None


# ---- beside the screen pop --------------------------------------------------------------------
def for_call(conn: Connection, queue: str, ivr_nodes: list[str]) -> list[dict[str, Any]]:
    """Articles tagged with the call's IVR nodes (the last node first) or its queue, at most FOR_CALL."""
    wanted = [("ivr", n) for n in reversed(ivr_nodes)] + ([("queue", queue)] if queue else [])
    if not wanted:
        return []
    match = or_(*(and_(tags.c.kind == k, tags.c.value == v) for k, v in wanted))
    rows = conn.execute(select(tags.c.article_id, tags.c.kind, tags.c.value, articles.c.title)
                        .select_from(tags.join(articles, articles.c.id == tags.c.article_id))
                        .where(match, articles.c.retired_at.is_(None)))
    order = {t: i for i, t in enumerate(wanted)}
    best: dict[int, tuple[int, dict[str, Any]]] = {}
    for r in rows:
        i = order[(r.kind, r.value)]
        if r.article_id not in best or i < best[r.article_id][0]:
            best[r.article_id] = (i, {"id": r.article_id, "title": r.title, "why": f"{r.kind}:{r.value}"})
    return [v for _, v in sorted(best.values(), key=lambda x: (x[0], x[1]["id"]))][:FOR_CALL]
