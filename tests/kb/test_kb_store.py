"""Articles, versions and the full-text search, on SQLite and PostgreSQL: a Chinese phrase finds its article,
the index follows every save and delete, the best match comes first, and a snippet is escaped HTML."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from telephonist.kb import store
from telephonist.kb.schema import versions
from telephonist.kb.search import search
from telephonist.kb.store import Changed, Draft, KbError

METER = Draft("燃气表读数异常怎么办", "用户反映燃气表读数比上月高很多时，先核对表号，再预约上门检查。<b>注意</b>：不要自行拆表。",
              tags=(("queue", "gas"), ("ivr", "main/reading")))
CARD = Draft("IC卡丢失补办", "IC card lost: the customer brings an ID card to a service hall; the new card costs 20 yuan.",
             tags=(("queue", "gas"),))
PIPE = Draft("Gas leak: what the agent says first", "Open the windows, do not switch lights, leave; we send a crew "
             "at once. 燃气泄漏时请立即开窗。")


def _add(engine, *drafts: Draft) -> list[int]:
    with engine.begin() as conn:
        return [store.create(conn, d, "editor") for d in drafts]


def _found(engine, query: str, **kw) -> list[int]:
    with engine.connect() as conn:
        return [h.id for h in search(conn, query, **kw)]


def test_a_chinese_phrase_finds_its_article_and_only_it(engine):
    meter, card, pipe = _add(engine, METER, CARD, PIPE)
    assert _found(engine, "读数异常") == [meter]
    assert _found(engine, "燃气表") == [meter]                 # inside 燃气表读数: cut_for_search indexed it
    assert _found(engine, "补办 IC卡") == [card]
    assert _found(engine, "service HALL") == [card]             # English, any case
    assert set(_found(engine, "燃气")) == {meter, pipe}
    assert _found(engine, "燃气 crew") == [pipe]               # every word must be there
    assert _found(engine, "天气预报") == [] and _found(engine, "  ，。!") == []


def test_odd_queries_find_nothing_or_something_but_never_fail(engine):
    [meter] = _add(engine, METER)
    odd = ['"', "'", "OR", "NOT 燃气", "a & b | !c", "(", "*", "NEAR(燃气 表)", "Ⅷ", "😀", "燃气:表", "x" * 200,
           "燃气' OR '1'='1", "\\", "\x00"]
    with engine.connect() as conn:
        for q in odd:
            search(conn, q)                                        # no syntax reaches the database's parser
        assert [h.id for h in search(conn, "NOT 燃气")] == [meter]      # NOT is a word like any other


def test_without_an_article_of_every_word_those_with_some_come_best_first(engine):
    meter, card, pipe = _add(engine, METER, CARD, PIPE)
    with engine.connect() as conn:
        hits = search(conn, "燃气泄漏怎么办")                    # 怎么办 is in none of them
        assert {h.id for h in hits} == {pipe, meter} and not any(h.every for h in hits)
        assert all(h.every for h in search(conn, "燃气泄漏"))


def test_the_title_ranks_before_the_text(engine):
    in_text, in_title = _add(engine, Draft("Leaks", "a gas meter in the kitchen"), Draft("Gas meter", "how to read"))
    assert _found(engine, "gas meter") == [in_title, in_text]


def test_a_snippet_marks_the_match_and_escapes_the_rest(engine):
    _add(engine, METER)
    with engine.connect() as conn:
        hit = search(conn, "注意")[0]
    assert "<mark>注意</mark>" in hit.snippet
    assert "&lt;b&gt;" in hit.snippet and "<b>" not in hit.snippet
    assert str(hit.title) == "燃气表读数异常怎么办"


def test_every_save_is_a_version_the_index_follows_and_a_restore_brings_one_back(engine):
    [meter] = _add(engine, METER)
    with engine.begin() as conn:
        v2 = store.save(conn, meter, Draft("燃气表更换", "旧表到期更换，免费。", tags=()), "chief", based_on=1)
    assert v2 == 2
    assert _found(engine, "读数异常") == [] and _found(engine, "免费") == [meter]
    with engine.begin() as conn:
        with pytest.raises(Changed):
            store.save(conn, meter, Draft("x", "y"), "late", based_on=1)
    with engine.begin() as conn:
        assert store.restore(conn, meter, 1, "chief") == 3
        hist = store.history(conn, meter)
        article = store.get(conn, meter)
    assert [(h["version"], h["saved_by"], h["note"]) for h in hist] == [
        (3, "chief", "restored version 1"), (2, "chief", ""), (1, "editor", "")]
    assert article["title"] == METER.title and article["tags"] == [("ivr", "main/reading"), ("queue", "gas")]
    assert _found(engine, "读数异常") == [meter] and _found(engine, "免费") == []
    with engine.begin() as conn:
        assert store.remove(conn, meter) == METER.title
        assert conn.execute(select(func.count()).select_from(versions)).scalar() == 0
    assert _found(engine, "燃气表") == []


def test_categories_narrow_a_search_and_bad_input_is_refused(engine):
    with engine.begin() as conn:
        billing = store.add_category(conn, "账单")
        with pytest.raises(KbError):
            store.add_category(conn, "账单")
        a = store.create(conn, Draft("账单 查询", "月度账单", category_id=billing), "e")
        b = store.create(conn, Draft("账单 邮寄", "纸质账单"), "e")
        for bad in (Draft("", "x"), Draft("t", "x", tags=(("queue", "a b"),)), Draft("t", "x", category_id=999)):
            with pytest.raises(KbError):
                store.create(conn, bad, "e")
    assert set(_found(engine, "账单")) == {a, b}
    assert _found(engine, "账单", category_id=billing) == [a]
    with pytest.raises(KbError):
        store.parse_tags("queue:gas team:x")
    assert store.parse_tags("queue:gas，ivr:main/1\nqueue:gas") == (("queue", "gas"), ("ivr", "main/1"), ("queue", "gas"))


def test_articles_for_a_call_come_by_its_ivr_path_then_its_queue(engine):
    meter, card, pipe = _add(engine, METER, CARD, PIPE)
    with engine.connect() as conn:
        shown = store.for_call(conn, "gas", ["main/start", "main/reading"])
        assert [(a["id"], a["why"]) for a in shown] == [(meter, "ivr:main/reading"), (card, "queue:gas")]
        assert store.for_call(conn, "", []) == []


def test_a_retired_article_keeps_its_versions_and_is_no_longer_found_until_saved_again(engine):
    meter, card = _add(engine, METER, CARD)
    with engine.begin() as conn:
        assert store.retire(conn, meter, "editor", "replaced by the new meters") == 2
        with pytest.raises(KbError, match="retired already"):
            store.retire(conn, meter, "editor")
    assert _found(engine, "读数异常") == [] and _found(engine, "补办 IC卡") == [card]
    with engine.connect() as conn:
        assert [h["note"] for h in store.history(conn, meter)] == ["retired: replaced by the new meters", ""]
        assert [a["id"] for a in store.listing(conn, None, 10, 0)[1]] == [card]
        assert [a["id"] for a in store.for_call(conn, "gas", ["main/reading"])] == [card]
        assert store.get(conn, meter)["retired_at"] is not None              # kept, readable
    with engine.begin() as conn:
        assert store.save(conn, meter, METER, "editor", based_on=2) == 3
    assert _found(engine, "读数异常") == [meter]
