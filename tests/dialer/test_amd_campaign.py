"""A campaign with answering-machine detection: a person hears the notice, a machine is hung up on and
retried by the strategy's `machine` rule, and the record says so."""
from telephonist.bench.amd_corpus import speak
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.strategy import AMD_SETTINGS, StrategyError, parse_strategy
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.engine import AMD_DEFAULTS
from tests.dialer.harness import running_dialer
from tests.dialer.test_notice_campaign import STRATEGY, finished

LIST = """name,phone,amount
person,13800000001,215.60
machine,13400000001,18
"""


def test_the_strategy_takes_the_engines_settings_only():
    assert set(AMD_SETTINGS) == set(AMD_DEFAULTS)
    assert parse_strategy({**STRATEGY, "amd": True}).amd == {}
    assert parse_strategy({**STRATEGY, "amd": {"greeting_ms": 2000}}).amd == {"greeting_ms": 2000}
    assert parse_strategy(STRATEGY).amd is None
    for bad in ({"words": 3}, {"greeting_ms": "long"}, "yes"):
        try:
            parse_strategy({**STRATEGY, "amd": bad})
        except StrategyError as exc:
            assert "amd" in str(exc)
        else:
            raise AssertionError(f"amd {bad!r} was accepted")


async def test_a_machine_is_hung_up_on_and_retried_a_person_hears_the_notice(tmp_path):
    greeting, hello = tmp_path / "greeting.wav", tmp_path / "hello.wav"
    speak("nin2 hao3, wo3 xian4 zai4 bu4 fang1 bian4 jie1 ting1 dian4 hua4, qing3 zai4 di1 sheng1 hou4 liu2 yan2.",
          "cmn-latn-pinyin", 160, greeting)
    speak("wei2?", "cmn-latn-pinyin", 160, hello)
    numbers = [NumberBehaviour("1380*", "answer", after_rings=1, audio=str(hello)),
               NumberBehaviour("1340*", "machine", after_rings=1, audio=str(greeting))]
    strategy = {**STRATEGY, "amd": True, "retry": {**STRATEGY["retry"], "machine": 120}}
    async with running_dialer(tmp_path, numbers) as d:
        cid = d.store.create_campaign("amd", "notice", "agentless", "bill_notice", "out", strategy, caller_id="95158")
        header, rows = read_table("list.csv", LIST.encode())
        assert import_rows(d.store.engine, cid, header, rows, {"name": "name", "phones": "phone"}).added == 2
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()
        await d.start()
        await finished(watcher, "amd", m)
        recs = {r["name"]: r for r in d.rows("SELECT * FROM dl_records WHERE campaign_id = :c", c=cid)}
        assert (recs["person"]["state"], recs["person"]["outcome"], recs["person"]["result"]) == (
            "done", "answered", "notified")
        assert (recs["machine"]["state"], recs["machine"]["outcome"], recs["machine"]["attempts"]) == (
            "exhausted", "machine", 2)
        outcomes = [a["outcome"] for a in d.rows("SELECT a.outcome FROM dl_attempts a JOIN dl_records r "
                                                 "ON r.id = a.record_id WHERE r.name = 'machine' ORDER BY a.id")]
        assert outcomes == ["machine", "machine"]
