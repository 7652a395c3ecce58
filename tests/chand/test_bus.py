"""Applications ask each other through chand (request/respond) and publish news to subscribers."""
import asyncio

import pytest

from telephonist.client import ApiCallError
from tests.support.chand_harness import SpanSpec, running_chand


async def test_a_request_reaches_the_application_and_its_answer_comes_back(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)]) as chand:
        acd = await chand.client("acd")
        seen = []

        async def handle(ev):
            seen.append(ev)
            if ev["body"].get("agent") == "bad":
                raise ApiCallError("not_found", "no agent bad")
            if ev["body"].get("slow"):
                await asyncio.sleep(60)
            return {"agent": ev["body"]["agent"], "state": "ready"}
        acd.serve_requests(handle)
        desk = await chand.client("desk")
        board = await chand.client("wallboard", role="monitor")

        assert await desk.request("acd", {"agent": "1001", "do": "ready"}) == {"agent": "1001", "state": "ready"}
        assert await board.request("acd", {"agent": "1002"}) == {"agent": "1002", "state": "ready"}
        assert (seen[0]["from_app"], seen[0]["role"], seen[1]["role"]) == ("desk", "app", "monitor")
        with pytest.raises(ApiCallError) as e:
            await desk.request("acd", {"agent": "bad"})
        assert (e.value.code, e.value.message) == ("not_found", "no agent bad")

        # an answer that does not come in time; meanwhile the asker's connection goes on
        slow = asyncio.ensure_future(desk.request("acd", {"agent": "x", "slow": True}, timeout_ms=300))
        assert (await desk.call("status"))["node"]
        with pytest.raises(ApiCallError) as e:
            await slow
        assert e.value.code == "unavailable" and "did not answer" in e.value.message
        with pytest.raises(ApiCallError) as e:
            await desk.request("dialer", {})
        assert e.value.code == "unavailable"

        # the application leaves while a request waits for it
        pending = asyncio.ensure_future(desk.request("acd", {"agent": "y", "slow": True}, timeout_ms=30000))
        await acd.wait_for(lambda e: e.get("event") == "request" and e["body"].get("agent") == "y", since=0)
        await acd.close()
        with pytest.raises(ApiCallError) as e:
            await pending
        assert e.value.code == "unavailable" and "went away" in e.value.message

        # nobody may answer a request meant for another session
        with pytest.raises(ApiCallError) as e:
            await desk.call("respond", request=1, ok=True, body={})
        assert e.value.code == "bad_request"


async def test_news_goes_to_the_subscribers_of_the_topic_and_only_under_ones_own_name(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)]) as chand:
        acd = await chand.client("acd")
        board = await chand.client("wallboard", role="monitor")
        other = await chand.client("crm", role="monitor")
        await board.call("subscribe", lines=False, topics=["acd", "acd.queues"])
        await other.call("subscribe", lines=False, topics=["dialer"])
        r = await acd.call("publish", topic="acd.queues", event={"queue": "sales", "waiting": 3})
        assert r["subscribers"] == 1
        ev = await board.wait_for("published", since=0)
        assert (ev["topic"], ev["app"], ev["body"]) == ("acd.queues", "acd", {"queue": "sales", "waiting": 3})
        assert not [e for e in other.events if e.get("event") == "published"]
        with pytest.raises(ApiCallError) as e:
            await acd.call("publish", topic="dialer", event={"fake": True})
        assert e.value.code == "forbidden"
        with pytest.raises(ApiCallError) as e:
            await board.call("publish", topic="wallboard", event={})
        assert e.value.code == "forbidden"                  # a monitor publishes nothing
