"""A dialer restarting on 2,000 attempts a dead one left open (its claims committed, chand never asked to dial
them) keeps answering chand while it settles them: chand (app_timeout_ms 2 s, the default) does not drop it as
not answering (which would hang up its calls), every attempt left open is settled (`lost`, counted as failed)
and none is dialled, and the campaign's other records are dialled and the campaign finishes. On the lockstep
clock the engine time stands still while the dialer settles them (it works in steps, each in a timer event's
handler), so the other records are dialled at the start's engine time.

Before the dialer settled open attempts outside its event handlers (in batches, docs/dialer.md "Restart and
kill -9"), it did so in the handler of chand's start timer, one transaction each: longer than the 2 s (1,000
took more already), so chand dropped it."""
from datetime import UTC, timedelta

import pytest

from telephonist.dialer.lists import import_rows, read_table
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import ORIGIN, running_dialer
from tests.dialer.test_notice_campaign import finished, local

OPEN = 2000                  # attempts the dead dialer left claimed
ANSWER = 4                   # records it never claimed: the restarted dialer dials them
NUMBERS = [NumberBehaviour("1380*", "answer", after_rings=1), NumberBehaviour("1370*", "no_answer")]
STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "09:00-12:00"}}},
            "max_attempts": 1, "batch": 4}          # a lost attempt (counted as failed) ends its record


@pytest.mark.long
async def test_a_restart_on_2000_open_attempts_keeps_answering_chand(tmp_path):
    async with running_dialer(tmp_path, NUMBERS, lines=4) as d:
        cid = d.store.create_campaign("gas-bills", "notice", "agentless", "bill_notice", "out", STRATEGY)
        rows = [f"left-{i},137{i:08d},{i},yes" for i in range(OPEN)] + [f"new-{i},138{i:08d},{i},yes" for i in range(ANSWER)]
        header, table = read_table("list.csv", ("name,phone,amount,wants\n" + "\n".join(rows) + "\n").encode())
        assert import_rows(d.store.engine, cid, header, table, {"name": "name", "phones": "phone"}).added == OPEN + ANSWER
        d.store.set_state(cid, "running")
        (camp,) = d.store.campaigns(["running"])
        left = d.store.claim(camp, ORIGIN.astimezone(UTC), OPEN, lambda t: True)     # then the dialer died
        assert len(left) == OPEN
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()

        service = await d.start()
        assert not service.c.closed.is_set()                          # chand did not drop it ...
        assert "dialer" in {s.app for s in d.chand.board.sessions.values()}
        assert (await watcher.request("dialer", {"action": "status"}))["passes"] >= 1    # ... and it answers
        await d.unless_dropped(finished(watcher, "gas-bills", m))

        attempts = d.rows("SELECT a.id, a.state, a.outcome, r.name FROM dl_attempts a JOIN dl_records r "
                          "ON r.id = a.record_id")
        by_id = {a["id"]: a for a in attempts}
        assert all((by_id[c.attempt_id]["state"], by_id[c.attempt_id]["outcome"]) == ("done", "lost") for c in left)
        records = {r["name"]: (r["state"], r["outcome"], r["result"], r["attempts"])
                   for r in d.rows("SELECT * FROM dl_records WHERE campaign_id = :c", c=cid)}
        assert {n: s for n, s in records.items() if n.startswith("new-")} == {
            f"new-{i}": ("done", "answered", "notified", 1) for i in range(ANSWER)}
        assert all(s == ("exhausted", "lost", None, 1) for n, s in records.items() if n.startswith("left-"))
        times = d.rows("SELECT r.name, a.claimed_at, a.ended_at FROM dl_attempts a JOIN dl_records r "
                       "ON r.id = a.record_id")
        settled_from = min(local(a["ended_at"]) for a in times if a["name"].startswith("left-"))
        first_dials = max(local(a["claimed_at"]) for a in times if a["name"].startswith("new-"))
        assert first_dials - settled_from < timedelta(seconds=1)   # engine time stood still while it worked
        await d.chand.board.recorder.drain()                  # chand writes its call records behind
        legs = d.rows("SELECT call_id FROM call_legs WHERE direction = 'outbound'")
        assert sorted(leg["call_id"] for leg in legs) == sorted(
            f"dl-{a['id']}" for a in attempts if a["name"].startswith("new-"))    # none of the left ones dialled
