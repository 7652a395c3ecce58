"""The first proof of issue 15 at its full size: a notice campaign of 1,000 records on 250 sim lines whose
numbers answer, are busy, ring out, are machines, are empty (SIT), are busy once, or are on the do-not-call
list, worked by the dialer (with answering-machine detection) and ivrd on the lockstep clock, with the dialer
killed (as kill -9: its connection drops, nothing more is written) while its calls ring. The campaign
finishes inside its windows, every record has its outcome, each retry waited what the strategy says, no
do-not-call number is dialled, nothing is dialled outside the window of the customer's type, and no
attempt is dialled twice."""
from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest

from telephonist.bench.amd_corpus import speak
from telephonist.dialer.lists import import_rows, read_table
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import running_dialer
from tests.dialer.test_notice_campaign import local

# Long (`make test` runs it in its parallel pass, `make test-fast` does not): it runs on the lockstep clock, so load
# does not change what it checks. It once hung now and then: the test's own in-process kill (fixed in the harness,
# tests/dialer/test_harness_kill.py), and the restarted dialer settling the ~250 attempts the kill left inside the
# handler of chand's start timer, which on a loaded host took longer than chand's app_timeout_ms (2 s), so chand
# dropped it (now done outside the handlers: tests/dialer/test_restart_many_open.py). Three runs in a row beside
# other tests (load 1.4-2.0) passed in 116-120 s each.
pytestmark = pytest.mark.long
RECORDS = 1000
LINES = 250                 # many simulated lines: the lockstep clock then handles many calls per step
STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "09:00-12:00"}},
                        "vip": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "10:30-11:30"}}},
            "min_attempts": 1, "max_attempts": 2, "min_interval_s": 60, "max_interval_s": 3600,
            "retry": {"busy": 120, "no_answer": 90, "machine": 300, "failed": 300}, "batch": LINES, "amd": True}
RETRY = STRATEGY["retry"]
# one record in every 20 of each kind: (kind, number prefix, customer type)
KINDS = ["answers"] * 7 + ["busy"] * 3 + ["ringing"] * 2 + ["empty", "busy-once", "busy-once", "machine", "on-dnc",
                                                              "card-on-dnc", "vip", "two-numbers"]
PREFIX = {"answers": "1380", "busy": "1390", "ringing": "1370", "empty": "1360", "busy-once": "1350",
          "machine": "1340", "on-dnc": "1381", "card-on-dnc": "1382", "vip": "1383", "two-numbers": "1391"}
EXPECTED = {                                   # kind -> (state, outcome, result, attempts)
    "answers": ("done", "answered", "notified", 1), "vip": ("done", "answered", "notified", 1),
    "busy": ("exhausted", "busy", None, 2), "ringing": ("exhausted", "no_answer", None, 2),
    "empty": ("exhausted", "sit", None, 1), "busy-once": ("done", "answered", "notified", 2),
    "machine": ("exhausted", "machine", None, 2), "on-dnc": ("dnc", None, None, 0),
    "card-on-dnc": ("dnc", None, None, 0), "two-numbers": ("done", "answered", "notified", 2)}


def the_list() -> str:
    lines = ["name,phone,phone2,type,id,amount,wants"]
    for i in range(RECORDS):
        kind = KINDS[i % len(KINDS)]
        number = f"{PREFIX[kind]}{i:07d}"
        second = f"1384{i:07d}" if kind == "two-numbers" else ""       # busy first, then this one answers
        card = f"11010119900101{i:04d}" if kind == "card-on-dnc" else ""
        lines.append(f"{kind}-{i},{number},{second},{'vip' if kind == 'vip' else 'default'},{card},{i}.50,yes")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(600)
async def test_a_1000_record_notice_campaign_across_a_kill(tmp_path):
    greeting, hello = tmp_path / "greeting.wav", tmp_path / "hello.wav"
    speak("nin2 hao3, wo3 xian4 zai4 bu4 fang1 bian4 jie1 ting1 dian4 hua4, qing3 zai4 di1 sheng1 hou4 liu2 yan2.",
          "cmn-latn-pinyin", 160, greeting)
    speak("wei2?", "cmn-latn-pinyin", 160, hello)
    person = {"after_rings": 1, "audio": str(hello)}
    numbers = [NumberBehaviour("1380*", "answer", **person), NumberBehaviour("1383*", "answer", **person),
               NumberBehaviour("1384*", "answer", **person), NumberBehaviour("1390*", "busy"),
               NumberBehaviour("1391*", "busy"), NumberBehaviour("1370*", "no_answer"),
               NumberBehaviour("1360*", "unallocated"), NumberBehaviour("1350*", "answer", busy_first=1, **person),
               NumberBehaviour("1340*", "machine", after_rings=1, audio=str(greeting)),
               NumberBehaviour("138*", "answer", **person)]
    async with running_dialer(tmp_path, numbers, lines=LINES) as d:        # chand's app_timeout_ms: 2 s
        cid = d.store.create_campaign("gas-bills-1000", "notice", "agentless", "bill_notice", "out", STRATEGY,
                                      caller_id="95158")
        header, rows = read_table("list.csv", the_list().encode())
        report = import_rows(d.store.engine, cid, header, rows, {"name": "name", "phones": ["phone", "phone2"],
                                                                 "customer_type": "type", "id_card": "id"})
        assert (report.added, report.duplicates, report.rejected) == (RECORDS, [], [])
        dnc_numbers = {f"1381{i:07d}" for i in range(RECORDS) if KINDS[i % len(KINDS)] == "on-dnc"}
        for number in dnc_numbers:
            d.store.dnc_add("phone", number)
        for i in range(RECORDS):
            if KINDS[i % len(KINDS)] == "card-on-dnc":
                d.store.dnc_add("id_card", f"11010119900101{i:04d}")
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()
        await d.start()
        # kill the dialer once a tenth of the records has had an attempt's outcome, while its calls ring
        outcomes = Counter()

        def tenth(e) -> bool:
            if e.get("event") == "published" and e["body"].get("kind") == "outcome":
                outcomes["n"] += 1
            return outcomes["n"] >= RECORDS // 10
        await d.unless_dropped(watcher.wait_for(tenth, since=m, timeout=300))
        out_at_kill = {a["id"] for a in d.rows("SELECT id FROM dl_attempts WHERE state IN ('claimed', 'dialing', 'answered')")}
        assert out_at_kill
        await d.kill()
        await d.start()
        await d.unless_dropped(watcher.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind")
                                                == "campaign_finished", since=m, timeout=600))
        await d.chand.board.recorder.drain()

        recs = d.rows("SELECT * FROM dl_records WHERE campaign_id = :c", c=cid)
        assert len(recs) == RECORDS
        lost = {a["record_id"] for a in d.rows("SELECT record_id FROM dl_attempts WHERE outcome = 'lost'")}
        wrong = []
        for r in recs:
            kind = r["name"].rsplit("-", 1)[0]
            got = (r["state"], r["outcome"], r["result"], r["attempts"])
            if got != EXPECTED[kind] and r["id"] not in lost:     # a call cut by the kill counts as failed
                wrong.append((r["name"], got))
            assert r["state"] in ("done", "exhausted", "dnc")      # every record has its outcome
        if wrong:                                  # with the first ones' attempts and calls, to see why
            names = ",".join(f"'{n}'" for n, _ in wrong[:5])
            tries = d.rows("SELECT a.id, r.name, a.state, a.outcome, a.result, a.claimed_at, a.ended_at FROM "
                           f"dl_attempts a JOIN dl_records r ON r.id = a.record_id WHERE r.name IN ({names})")
            call_ids = ",".join(f"'dl-{t['id']}'" for t in tries)
            calls = d.rows(f"SELECT call_id, disposition, hangup_cause, ended_at FROM call_legs WHERE call_id IN ({call_ids})")
            raise AssertionError((len(wrong), wrong[:20], tries, calls))
        assert len(lost) <= len(out_at_kill)

        attempts = d.rows("SELECT a.*, r.name, r.customer_type FROM dl_attempts a JOIN dl_records r "
                          "ON r.id = a.record_id ORDER BY a.id")
        placed = [a for a in attempts if a["outcome"] != "unplaced"]
        legs = d.rows("SELECT call_id, dialled FROM call_legs WHERE direction = 'outbound'")
        per_call = Counter(leg["call_id"] for leg in legs)
        assert max(per_call.values()) == 1                          # no attempt dialled twice, across the kill
        assert set(per_call) <= {f"dl-{a['id']}" for a in placed}
        assert not (dnc_numbers | {f"1382{i:07d}" for i in range(RECORDS)}) & {leg["dialled"] for leg in legs}
        by_record: dict[int, list] = {}
        for a in placed:
            t = local(a["claimed_at"])                              # inside the window of the customer's type
            if a["customer_type"] == "vip":
                assert (10, 30) <= (t.hour, t.minute) < (11, 30), a
            else:
                assert 9 <= t.hour < 12, a
            assert local(a["ended_at"]).hour < 12, a               # finished inside its window
            by_record.setdefault(a["record_id"], []).append(a)
        for tries in by_record.values():                            # each retry waited what the strategy says
            for before, after in pairwise(tries):
                wait = RETRY.get(before["outcome"], RETRY["failed"]) if before["outcome"] != "lost" else RETRY["failed"]
                assert local(after["claimed_at"]) - local(before["ended_at"]) >= timedelta(seconds=wait) - \
                    timedelta(seconds=1), (before, after)
