"""Forms, reviews, appeals, sampling and the assessment, on the database (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from telephonist.quality import assessment, sampling, store
from telephonist.quality.forms import FormError, parse_items
from tests.quality.conftest import MONDAY, answered_call

FORM = """# the service form
Opening; Greets with the company name; 10
Opening; Gives own agent number; 10
Compliance; Verifies the caller before policy details; 20; fatal
Closing; Offers further help; 10
"""


def _form(conn) -> tuple[int, dict[str, int]]:
    fid = store.save_form(conn, None, "Service", "", FORM, active=True)
    return fid, {i["label"].split()[0]: i["id"] for i in store.get_form(conn, fid)["items"]}


def test_a_form_in_text_is_checked_line_by_line():
    assert [(i.section, i.points, i.fatal) for i in parse_items(FORM)] == [
        ("Opening", 10, False), ("Opening", 10, False), ("Compliance", 20, True), ("Closing", 10, False)]
    for text, line in (("A; b; 10\nA; b; ten\n", 2), ("A; b\n", 1), ("A; b; 5; deadly\n", 1), ("# only\n", 1),
                       ("A; ; 5\n", 1), ("A; b; 0\n", 1), ("A; b; ５\n", 1)):
        with pytest.raises(FormError) as err:
            parse_items(text)
        assert err.value.line == line


def test_a_score_a_fatal_failure_an_appeal_and_its_revision(engine):
    with engine.begin() as conn:
        fid, ids = _form(conn)
        call = answered_call(conn, "c1", "1001", MONDAY + timedelta(hours=9))
        full = {ids["Greets"]: 10, ids["Gives"]: 5, ids["Verifies"]: 20, ids["Offers"]: 10}
        rid = store.score_call(conn, fid, call, "qa1", full, "good")
        review = store.get_review(conn, rid)
        assert (review["score"], review["fatal_failed"], review["state"]) == (90.0, False, "scored")
        with pytest.raises(store.QualityError, match="already"):
            store.score_call(conn, fid, call, "qa1", full, "")
        with pytest.raises(store.QualityError, match="fatal item"):
            store.score_call(conn, fid, answered_call(conn, "c2", "1001", MONDAY), "qa1", {**full, ids["Verifies"]: 7}, "")
        other = answered_call(conn, "c3", "1001", MONDAY + timedelta(hours=10))
        failed = store.score_call(conn, fid, other, "qa1", {**full, ids["Verifies"]: 0}, "gave details unverified")
        assert (store.get_review(conn, failed)["score"], store.get_review(conn, failed)["fatal_failed"]) == (0.0, True)

        with pytest.raises(store.QualityError, match="no review"):
            store.appeal(conn, rid, "1002", "not mine")             # another agent's review
        store.appeal(conn, rid, "1001", "I gave my number at the end")
        with pytest.raises(store.QualityError, match="appealed"):
            store.appeal(conn, rid, "1001", "again")
        with pytest.raises(store.QualityError, match="someone other"):
            store.decide(conn, rid, "qa1", "", None)
        assert [a["review_id"] for a in store.open_appeals(conn)] == [rid]
        state = store.decide(conn, rid, "lead", "heard it at 3:10", {**full, ids["Gives"]: 10})
        assert state is store.ReviewState.REVISED
        review = store.get_review(conn, rid)
        assert (review["score"], review["state"], review["appeal"]["decision"]) == (100.0, "revised", "revised")
        assert store.open_appeals(conn) == []
        with pytest.raises(store.QualityError, match="revised"):
            store.decide(conn, rid, "lead", "", None)


def test_a_form_in_use_keeps_its_items_and_a_copy_can_change(engine):
    with engine.begin() as conn:
        fid, ids = _form(conn)
        call = answered_call(conn, "c1", "1001", MONDAY)
        store.score_call(conn, fid, call, "qa1", {ids["Greets"]: 10, ids["Gives"]: 10, ids["Verifies"]: 20,
                                                  ids["Offers"]: 10}, "")
        store.save_form(conn, fid, "Service", "now described", FORM, active=False)     # same items: allowed
        with pytest.raises(store.QualityError, match="copy"):
            store.save_form(conn, fid, "Service", "", FORM + "Closing; Says goodbye; 5\n", active=True)
        copy = store.copy_form(conn, fid)
        store.save_form(conn, copy, "Service 2027", "", FORM + "Closing; Says goodbye; 5\n", active=True)
        assert len(store.get_form(conn, copy)["items"]) == 5 and len(store.get_form(conn, fid)["items"]) == 4


def test_sampling_draws_n_per_agent_and_week_and_every_complaint_once(engine):
    with engine.begin() as conn:
        for n in range(6):
            answered_call(conn, f"a{n}", "1001", MONDAY + timedelta(hours=n + 1))
            answered_call(conn, f"b{n}", "1002", MONDAY + timedelta(hours=n + 1), recorded=n != 0)
        answered_call(conn, "late", "1001", MONDAY + timedelta(days=8))                  # the next week
        complaint = answered_call(conn, "cpl", "1002", MONDAY + timedelta(days=2), code="complaint")
        sampling.save_rule(conn, None, "weekly", "per_agent_week", 2, "", "", active=True)
        sampling.save_rule(conn, None, "complaints", "disposition", 0, "complaint", "", active=True)
        with pytest.raises(store.QualityError):
            sampling.save_rule(conn, None, "none", "disposition", 0, " , ", "", active=True)
        week = (MONDAY, MONDAY + timedelta(days=7))
        drawn = sampling.draw(conn, *week)
        rows = sampling.work_list(conn, None)
        by_agent = {a: [r for r in rows if r["agent"] == a] for a in ("1001", "1002")}
        assert len(by_agent["1001"]) == 2
        assert complaint in {r["call_row"] for r in rows if r["rule"] == "complaints"}
        assert drawn == len(rows) and all(r["answered_at"] < week[1] for r in rows)
        assert "b0" not in {r["call_row"] for r in rows}                    # not recorded: nothing to score
        assert sampling.draw(conn, *week) == 0                              # run again: nothing new
        assert {r["call_row"] for r in sampling.work_list(conn, None)} == {r["call_row"] for r in rows}


def test_the_assessment_combines_score_workload_and_errors(engine):
    with engine.begin() as conn:
        fid, ids = _form(conn)
        full = {ids["Greets"]: 10, ids["Gives"]: 10, ids["Verifies"]: 20, ids["Offers"]: 10}
        for n in range(3):
            answered_call(conn, f"x{n}", "1001", MONDAY + timedelta(hours=n + 1))
        store.score_call(conn, fid, answered_call(conn, "y", "1001", MONDAY + timedelta(hours=5)), "qa", full, "")
        store.score_call(conn, fid, answered_call(conn, "z", "1002", MONDAY + timedelta(hours=5)), "qa",
                         {**full, ids["Verifies"]: 0}, "")
        rows = {r["agent"]: r for r in assessment.agent_rows(conn, MONDAY, MONDAY + timedelta(days=7),
                                                              assessment.Weights(60, 30, 10))}
    assert (rows["1001"]["calls"], rows["1001"]["avg_score"], rows["1001"]["fatal"]) == (4, 100.0, 0)
    assert rows["1001"]["workload"] == 100.0 and rows["1001"]["assessment"] == 100.0
    # 1002: 1 call against a mean of 2.5 -> workload 40; score 0 with one fatal -> errors 50
    assert (rows["1002"]["workload"], rows["1002"]["errors"]) == (40.0, 50.0)
    assert rows["1002"]["assessment"] == round((60 * 0 + 30 * 40 + 10 * 50) / 100, 1)
