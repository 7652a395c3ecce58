"""The customer file's store on SQLite and PostgreSQL: open, edit, close, search, PIN, timeline, merge."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from telephonist.crm import merge, store, timeline
from telephonist.crm.schema import customers
from telephonist.crm.store import CustomerError, CustomerInput, CustomerSearch
from telephonist.ivrd.accounts import check_login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _open(conn, name, **kw):
    return store.open_customer(conn, CustomerInput(name=name, **kw), T0)


def test_opening_allocates_a_number_and_keeps_phones_as_digits(engine):
    with engine.begin() as conn:
        store.set_field(conn, "meter", "Meter number")
        a = _open(conn, "张三", phones=["+86 139-0000-0001", "010 6666 0000"], addresses=["北京市海淀区中关村1号"],
                  id_card="11010119900307123x", klass="vip", region="north", custom={"meter": "M-77"})
        b = _open(conn, "Li Si", phones=["13900000002"])
    assert a["number"] == str(store.NUMBER_BASE + a["id"]) and b["number"] == str(store.NUMBER_BASE + b["id"])
    assert a["phones"] == ["8613900000001", "01066660000"] and a["id_card"] == "11010119900307123X"
    assert (a["klass"], a["priority"], a["custom"], a["status"]) == ("vip", 10, {"meter": "M-77"}, "open")
    with engine.connect() as conn:
        assert [c["name"] for c in store.by_phone(conn, "86-139-0000-0001")] == ["张三"]
        for text in ("张", a["number"], "11010119900307123x", "中关村", "13900000002"):
            found = store.search(conn, CustomerSearch(text=text))
            assert len(found) == 1, text
        assert store.count(conn, CustomerSearch()) == 2


def test_bad_input_is_refused_and_changes_nothing(engine):
    with engine.begin() as conn:
        c = _open(conn, "Wang", phones=["13900000003"])
    for bad, why in ((CustomerInput(name=""), "name"), (CustomerInput(klass="gold"), "class"),
                     (CustomerInput(phones=["12"]), "digits"), (CustomerInput(custom={"nope": "x"}), "unknown"),
                     (CustomerInput(number="a b"), "customer number")):
        with pytest.raises(CustomerError, match=why), engine.begin() as conn:
            store.update_customer(conn, c["id"], bad)
    with engine.begin() as conn, pytest.raises(CustomerError, match="taken"):
        _open(conn, "Other", number=c["number"])
    with engine.connect() as conn:
        assert store.get(conn, c["id"]) == c
        assert conn.execute(select(customers.c.id).where(customers.c.id == c["id"])).all() == [(c["id"],)]


def test_an_allocated_number_steps_around_one_a_site_brought(engine):
    with engine.begin() as conn:
        a = _open(conn, "A")
        taken = str(store.NUMBER_BASE + a["id"] + 1)         # where the next customer's number would land
        store.update_customer(conn, a["id"], CustomerInput(number=taken))
        b = _open(conn, "B")
    assert b["id"] == a["id"] + 1 and b["number"] == taken + "1"


def test_edit_then_close_takes_the_customer_out_of_the_pop_and_its_pin_away(engine):
    with engine.begin() as conn:
        store.set_field(conn, "plan", "Plan")
        c = _open(conn, "Zhao", phones=["13900000004"], pin="2468", custom={"plan": "A"})
        assert check_login(conn, store.PIN_REALM, c["number"], "2468", T0, max_failures=3,
                           lockout=timedelta(minutes=1)).ok
        c = store.update_customer(conn, c["id"], CustomerInput(region="south", phones=["13900000005"],
                                                               custom={"plan": ""}), T0)
        assert (c["region"], c["phones"], c["custom"]) == ("south", ["13900000005"], {})
        assert store.by_phone(conn, "13900000004") == []
        store.close_customer(conn, c["id"], T0 + timedelta(days=1))
        assert store.by_phone(conn, "13900000005") == []
        assert not check_login(conn, store.PIN_REALM, c["number"], "2468", T0, max_failures=3,
                               lockout=timedelta(minutes=1)).ok
        closed = store.get(conn, c["id"])
        assert closed["status"] == "closed" and closed["closed_at"] == T0 + timedelta(days=1)
        with pytest.raises(CustomerError, match="already"):
            store.close_customer(conn, c["id"])


def test_timeline_is_newest_first_and_refuses_bad_entries(engine):
    with engine.begin() as conn:
        c = _open(conn, "Qian", phones=["13900000006"])
        for i, kind in enumerate(("sms", "work_order", "survey")):
            timeline.append(conn, c["id"], kind, f"entry {i}", ref=str(i), at=T0 + timedelta(minutes=i))
        with pytest.raises(CustomerError, match="kind"):
            timeline.append(conn, c["id"], "Bad Kind", "x")
        for link in ("http://evil.example/", "//evil.example/x", "/\\evil.example"):
            with pytest.raises(CustomerError, match="link"):
                timeline.append(conn, c["id"], "note", "x", link=link)
        timeline.append(conn, c["id"], "note", "ok", link="/customers/1", at=T0 - timedelta(days=1))
        with pytest.raises(store.NoSuchCustomer):
            timeline.append(conn, c["id"] + 99, "note", "x")
        rows = timeline.entries(conn, c["id"], limit=2)
    assert [(r["kind"], r["summary"]) for r in rows] == [("survey", "entry 2"), ("work_order", "entry 1")]


def test_duplicates_by_phone_and_id_card_merge_into_the_survivor(engine):
    with engine.begin() as conn:
        a = _open(conn, "Sun", phones=["13900000007"], id_card="X1")
        b = _open(conn, "Sun W.", phones=["13900000007", "13900000008"], addresses=["Road 1"], region="east",
                  pin="1357")
        c = _open(conn, "Zhou", phones=["13900000009"], id_card="X1")
        timeline.append(conn, b["id"], "sms", "hello", at=T0)
        groups = merge.duplicates(conn)
        assert {(g["by"], g["value"], tuple(x["id"] for x in g["customers"])) for g in groups} == {
            ("phone", "13900000007", (a["id"], b["id"])), ("id_card", "X1", (a["id"], c["id"]))}
        moved = merge.merge(conn, a["id"], b["id"], T0)
        assert moved == {"phones": ["13900000008"], "addresses": 1, "timeline": 1, "from": b["number"],
                         "into": a["number"]}
        kept, gone = store.get(conn, a["id"]), store.get(conn, b["id"])
        assert kept["phones"] == ["13900000007", "13900000008"] and kept["addresses"] == ["Road 1"]
        assert kept["region"] == "east" and gone["status"] == "merged" and gone["merged_into"] == a["id"]
        assert [e["summary"] for e in timeline.entries(conn, a["id"])] == ["hello"]
        assert [x["id"] for x in store.by_phone(conn, "13900000008")] == [a["id"]]
        with pytest.raises(CustomerError):
            merge.merge(conn, a["id"], b["id"])
        assert [g["by"] for g in merge.duplicates(conn)] == ["id_card"]
