"""The configuration loader: the demo file loads; every mistake is reported with file:line, all at once."""
import os
import textwrap

import pytest

from telephonist.config import ConfigError, load_config
from tests.support.config_text import agent_phones

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "etc", "telephonist", "telephonist.toml")

MINIMAL = """\
[system]
node = "t"
state_dir = "state"

[[spans]]
name = "pstn"
driver = "sim"
type = "fxo"
channels = 4
"""


def write(tmp_path, text, name="telephonist.toml"):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return str(p)


def problems(path):
    with pytest.raises(ConfigError) as e:
        load_config(path)
    return [(os.path.basename(p.file), p.line, p.message) for p in e.value.problems]


def test_demo_config_loads():
    cfg = load_config(DEMO)
    assert {s.name for s in cfg.spans} == {"pstn", "e1a", "phones"}
    assert cfg.system.tone_zone == "cn" and cfg.system.codec == "alaw"
    assert os.path.isabs(cfg.control.socket) and os.path.isabs(cfg.system.prompts_dir)
    assert cfg.database.url.startswith("sqlite:////")


def test_relative_paths_resolve_against_the_file(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.system.state_dir == str(tmp_path / "state")


def test_syntax_error_names_its_line(tmp_path):
    path = write(tmp_path, MINIMAL + "\n[control\nsocket = 1\n")
    (f, line, msg), = problems(path)
    assert f == "telephonist.toml" and line == 11 and "TOML syntax" in msg


def test_unknown_key_with_suggestion_and_wrong_type(tmp_path):
    path = write(tmp_path, MINIMAL + 'chanels = 3\n\n[engine]\nclock = 5\n')
    got = problems(path)
    assert ("telephonist.toml", 10, "unknown key 'spans[1].chanels'; did you mean 'channels'?") in got
    assert any(line == 13 and "must be a string" in msg for _, line, msg in got)


def test_all_semantic_problems_are_listed_with_their_lines(tmp_path):
    path = write(tmp_path, """\
        [system]
        tone_zone = "mars"
        time_zone = "Mars/Olympus"

        [[spans]]
        name = "pstn"
        driver = "sim"
        type = "fxo"
        channels = 4

        [[spans]]
        name = "card"
        driver = "dahdi"
        type = "fxs"
        channels = "1-4"

        [[spans]]
        name = "card2"
        driver = "dahdi"
        type = "fxs"
        channels = "4-6"

        [[trunk_groups]]
        name = "out"
        lines = ["pstn/3-9"]
        hunting = "random"

        [[trunk_groups]]
        name = "empty"
        lines = []

        [[routes]]
        dialled = "400*"
        application = "ivr"

        [[routes]]
        lines = ["nowhere/*"]
        application = "ivr:main"
        """)
    got = problems(path)
    lines = {line: msg for _, line, msg in got}
    assert "unknown tone zone 'mars'" in lines[2]
    assert "unknown time zone" in lines[3]
    assert "DAHDI channel 4 is also in span 'card'" in lines[21]
    assert "span 'pstn' has 4 channels" in lines[25]
    assert "unknown hunting 'random'" in lines[26]
    assert "has no lines" in lines[30]
    assert "must look like ivr:main" in lines[34]
    assert "names no configured span" in lines[37]


def test_conf_d_files_merge_in_order_and_errors_name_them(tmp_path):
    main = write(tmp_path, MINIMAL)
    write(tmp_path, '[system]\nnode = "site-a"\n', "conf.d/10-site.toml")
    write(tmp_path, '[engine]\nclock = "lockstep"\n', "conf.d/20-test.toml")
    cfg = load_config(main)
    assert cfg.system.node == "site-a" and cfg.engine.clock == "lockstep"
    assert cfg.system.state_dir == str(tmp_path / "state")
    write(tmp_path, '[engine]\nclock = "sundial"\n', "conf.d/30-bad.toml")
    (f, line, msg), = problems(main)
    assert f == "30-bad.toml" and line == 2 and "clock must be" in msg


def test_missing_file_is_a_clear_error(tmp_path):
    (f, line, msg), = problems(str(tmp_path / "nope.toml"))
    assert "cannot read" in msg


def test_dahdi_spans_signalling_ports_and_echo_canceller(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "pstn"
        driver = "dahdi"
        type = "fxo"
        channels = "1-2,4"
        signalling = "fxs_ks"
        echocancel = 128
        echocancel_params = { nlp = 1 }
        rx_gain_db = -1.5

        [[spans.ports]]
        channel = 4
        tx_gain_db = 2
        echocancel = 0

        [[spans]]
        name = "e1"
        driver = "dahdi"
        type = "e1"
        channels = "5-19"
        """))
    pstn, e1 = cfg.spans
    assert pstn.channel_count == 3 and pstn.echocancel_params == {"nlp": 1} and pstn.rx_gain_db == -1.5
    assert pstn.ports[0].channel == 4 and pstn.ports[0].tx_gain_db == 2.0 and pstn.ports[0].echocancel == 0
    from telephonist.chand.from_config import span_specs
    specs = {s.name: s for s in span_specs(cfg)}
    assert specs["pstn"].dahdi.channels == [1, 2, 4] and specs["pstn"].dahdi.signalling == "kewlstart"
    assert specs["pstn"].dahdi.ports[4].echocancel == 0 and specs["pstn"].dahdi.ports[4].rx_gain_db is None
    assert specs["e1"].dahdi.signalling == "cas" and specs["e1"].channels == 15


def test_dahdi_span_mistakes(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "pstn"
        driver = "dahdi"
        type = "fxo"
        channels = "1-2"
        signalling = "fxoks"
        echocancel_params = { nlp = 1 }

        [[spans.ports]]
        channel = 3
        rx_gain_db = 30

        [[spans]]
        name = "e1"
        driver = "dahdi"
        type = "e1"
        channels = "5-19"
        signalling = "isdn"

        [[spans]]
        name = "sim"
        driver = "sim"
        type = "fxo"
        channels = 2
        echocancel = 64
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "is for a span of type \"fxs\"" in got[6]
    assert "echocancel_params needs echocancel" in got[7]
    assert "DAHDI channel 3 is not in span 'pstn'" in got[10]
    assert "rx_gain_db must be from -24 to 24" in got[11]
    assert 'ISDN is "pri"' in got[18]
    assert "echocancel is for dahdi spans" in got[25]


def test_dahdi_pri_spans(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-15,17-31"
        signalling = "pri"

        [[spans]]
        name = "exchange"
        driver = "dahdi"
        type = "e1"
        channels = "32-46,48-62"
        signalling = "pri"
        pri_side = "network"
        pri_switch = "qsig"
        pri_dchan = 47
        pri_restart_on_up = true
        """))
    from telephonist.chand.from_config import span_specs
    specs = {s.name: s for s in span_specs(cfg)}
    pri1, exchange = specs["pri1"].dahdi, specs["exchange"].dahdi
    assert (pri1.signalling, pri1.pri_side, pri1.pri_switch, pri1.pri_dchan) == ("pri", "user", "euroisdn", 0)
    assert (specs["pri1"].options.restart_on_up, specs["exchange"].options.restart_on_up) == (False, True)
    assert (exchange.pri_side, exchange.pri_switch, exchange.pri_dchan) == ("network", "qsig", 47)
    assert specs["pri1"].channels == 30


def test_dahdi_pri_span_mistakes(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-31"
        signalling = "pri"
        pri_side = "exchange"
        pri_switch = "euro"
        pri_dchan = 16

        [[spans]]
        name = "cas"
        driver = "dahdi"
        type = "e1"
        channels = "32-46"
        pri_side = "user"
        pri_restart_on_up = true

        [[spans]]
        name = "r2"
        driver = "dahdi"
        type = "e1"
        channels = "48-62"
        signalling = "mfcr2"
        pri_switch = "qsig"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "at most 30 B-channels" in got[5]
    assert "pri_side must be network" in got[7] and "'exchange'" in got[7]
    assert "unknown pri_switch 'euro'" in got[8] and "euroisdn" in got[8]
    assert "DAHDI channel 16 is the D-channel" in got[9]
    assert 'pri_side is for E1 spans with signalling = "pri"' in got[16]
    assert 'pri_restart_on_up is for E1 spans with signalling = "pri"' in got[17]
    assert 'pri_switch is for E1 spans with signalling = "pri"' in got[25]     # mfcr2 is accepted: MFC-R2


def test_pri_overlap_and_channel_settings(tmp_path):
    """pri_overlap, pri_overlap_timeout_ms and pri_channel reach the engine's PRI settings and the lines'; a sim E1
    with signalling = "pri" gets libpri at both ends."""
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-15,17-31"
        signalling = "pri"
        pri_overlap = true
        pri_overlap_timeout_ms = 8000
        pri_channel = "preferred"
        pri_overlap_setup_digits = 3

        [[spans]]
        name = "simpri"
        driver = "sim"
        type = "e1"
        channels = 4
        signalling = "pri"
        pri_side = "network"
        pri_overlap = true
        """))
    from telephonist.chand.from_config import span_specs
    specs = {s.name: s for s in span_specs(cfg)}
    pri1, sim = specs["pri1"], specs["simpri"]
    assert (pri1.dahdi.pri_overlap, pri1.dahdi.pri_channel) == (True, "preferred")
    assert (pri1.options.overlap, pri1.options.overlap_timeout_ms, pri1.options.overlap_setup_digits) == \
        (True, 8000, 3)
    assert sim.sim_pri is not None and (sim.sim_pri.side, sim.sim_pri.overlap, sim.sim_pri.channel) == \
        ("network", True, "exclusive")
    assert (sim.options.overlap, sim.options.overlap_timeout_ms) == (True, 15000)


def test_pri_overlap_and_channel_mistakes(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-15"
        signalling = "pri"
        pri_channel = "any"
        pri_overlap_timeout_ms = 8000

        [[spans]]
        name = "pri2"
        driver = "dahdi"
        type = "e1"
        channels = "17-31"
        signalling = "pri"
        pri_overlap = true
        pri_overlap_timeout_ms = 500
        pri_overlap_setup_digits = 40

        [[spans]]
        name = "cas"
        driver = "dahdi"
        type = "e1"
        channels = "32-46"
        pri_overlap = true

        [[spans]]
        name = "sim"
        driver = "sim"
        type = "e1"
        channels = 31
        signalling = "pri"
        pri_dchan = 16
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "pri_channel must be exclusive or preferred" in got[7] and "'any'" in got[7]
    assert "pri_overlap_timeout_ms needs pri_overlap = true" in got[8]
    assert "pri_overlap_timeout_ms must be from 1000 to 120000" in got[17]
    assert "pri_overlap_setup_digits is a count of digits from 0 (en bloc) to 32" in got[18]
    assert 'pri_overlap is for E1 spans with signalling = "pri"' in got[25]
    assert "at most 30 B-channels" in got[31]
    assert "pri_dchan is for dahdi spans" in got[33]


def test_dahdi_r2_spans(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "r2"
        driver = "dahdi"
        type = "e1"
        channels = "1-15,17-31"
        signalling = "r2"

        [[spans]]
        name = "itu"
        driver = "dahdi"
        type = "e1"
        channels = "32-46"
        signalling = "mfcr2"
        r2_variant = "itu"
        r2_max_ani = 8
        r2_max_dnis = 6
        r2_category = "priority"
        r2_timers = { r2_answer = 30000, mf_back_cycle = 2500 }

        [[spans]]
        name = "r2t"
        driver = "dahdi"
        type = "e1"
        channels = "47-50"
        signalling = "r2"

        [spans.r2_timers]
        r2_seize = 4000
        """))
    from telephonist.chand.from_config import span_specs
    specs = {s.name: s for s in span_specs(cfg)}
    r2, itu = specs["r2"].dahdi, specs["itu"].dahdi
    assert (r2.signalling, r2.r2_variant, r2.r2_max_ani, r2.r2_max_dnis, r2.r2_category, r2.r2_timers) == (
        "r2", "china", 15, 4, "subscriber", {})
    assert (itu.signalling, itu.r2_variant, itu.r2_max_ani, itu.r2_max_dnis, itu.r2_category) == (
        "r2", "itu", 8, 6, "priority")
    assert itu.r2_timers == {"r2_answer": 30000, "mf_back_cycle": 2500}
    assert specs["r2t"].dahdi.r2_timers == {"r2_seize": 4000}


def test_dahdi_r2_span_mistakes(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "r2"
        driver = "dahdi"
        type = "e1"
        channels = "1-31"
        signalling = "r2"
        r2_variant = "cn"
        r2_category = "vip"
        r2_max_dnis = 90

        [[spans]]
        name = "cas"
        driver = "dahdi"
        type = "e1"
        channels = "32-46"
        r2_max_ani = 4
        r2_timers = { r2_answer = 30000 }

        [[spans]]
        name = "r2b"
        driver = "dahdi"
        type = "e1"
        channels = "47-50"
        signalling = "r2"

        [spans.r2_timers]
        r2_answr = 30000
        r2_seize = 50
        mfcr2_mfback_timeout = 2000
        hold = 1
        r2_answer = "30s"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "at most 30 channels" in got[5]
    assert "unknown r2_variant 'cn'" in got[7] and "china" in got[7]
    assert "unknown r2_category 'vip'" in got[8] and "priority" in got[8]
    assert "r2_max_dnis" in got[9]
    assert 'r2_max_ani is for E1 spans with signalling = "r2"' in got[16]
    assert 'r2_timers is for E1 spans with signalling = "r2"' in got[17]
    assert "unknown r2_timers key 'r2_answr'; did you mean 'r2_answer'?" in got[27]
    assert "r2_timers.r2_seize is in milliseconds, from 100 to 60000" in got[28]
    assert "did you mean 'mf_back_cycle'?" in got[29]            # Asterisk's name for it
    assert "openr2's are mf_back_cycle" in got[30]
    assert "must be a whole number" in got[31]


def test_message_waiting_settings(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "phones"
        driver = "sim"
        type = "fxs"
        channels = 2
        mwi = "neon"

        [[spans]]
        name = "pstn"
        driver = "sim"
        type = "fxo"
        channels = 2
        mwi = "fsk+lamp"

        [[spans]]
        name = "trunks"
        driver = "sim"
        type = "fxo"
        channels = 2
        mwi = "none"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "neon and reversal are done by a DAHDI card" in got[6]
    assert "mwi must be fsk, neon, reversal, none" in got[13]
    assert "message waiting is for phone ports" in got[20]
    ok = write(tmp_path, MINIMAL.replace('type = "fxo"', 'type = "fxs"') + 'mwi = "none"\nstutter_dial_tone = false\n',
               name="ok.toml")
    span = load_config(ok).spans[0]
    assert span.mwi == "none" and span.stutter_dial_tone is False


def test_phone_port_timings_reach_the_lines_and_out_of_range_is_refused(tmp_path):
    from telephonist.chand.from_config import span_specs
    ok = write(tmp_path, MINIMAL.replace('type = "fxo"', 'type = "fxs"')
               + "ring_on_ms = 400\nring_off_ms = 200\ninterdigit_ms = 2500\nmax_digits = 4\n", name="ok.toml")
    opts = span_specs(load_config(ok))[0].options
    assert (opts.ring_on_ms, opts.ring_off_ms, opts.interdigit_ms, opts.max_digits) == (400, 200, 2500, 4)
    bad = write(tmp_path, MINIMAL + "max_digits = 0\nring_off_ms = 50\n", name="bad.toml")
    got = {line: msg for _, line, msg in problems(bad)}
    assert "max_digits must be from 1 to 32" in got[10] and "ring_off_ms must be from 200 to 20000" in got[11]


def test_queues_and_agents_are_checked_with_file_and_line(tmp_path):
    path = write(tmp_path, MINIMAL + agent_phones(["8001", "8002"]) + """
[acd]
agents_trunk_group = "desks"

[[queues]]
name = "sales"
strategy = "fastest"
skills = { french = 11 }
on_timeout = "queue:nowhere"
ring_timeout_s = 2

[[agents]]
number = "1001"
extension = "8001"
queues = ["sales", "support"]

[[agents]]
number = "1002"
extension = "8001"
queues = ["sales"]
""")
    got = problems(path)
    assert sorted((f, line) for f, line, _ in got) == [("telephonist.toml", n) for n in (27, 28, 29, 30, 35, 39)], got
    text = " | ".join(m for _, _, m in got)
    for words in ("unknown strategy 'fastest'", "skill level 11", "no queue named 'nowhere'", "ring_timeout_s must be at least 5",
                  "no queue named 'support'", "extension 8001 is agent 1001's already"):
        assert words in text, text


def test_pri_inband_disconnect_and_restart_interval(tmp_path):
    """pri_inband_disconnect (with its listening time) and pri_restart_interval reach the engine's PRI settings and the
    lines'; out of range, or a time without the switch, is refused by line."""
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-15,17-31"
        signalling = "pri"
        pri_inband_disconnect = true
        pri_inband_disconnect_ms = 4000
        pri_restart_interval = 3600

        [[spans]]
        name = "simpri"
        driver = "sim"
        type = "e1"
        channels = 2
        signalling = "pri"
        pri_inband_disconnect = true
        """))
    from telephonist.chand.from_config import span_specs
    specs = {s.name: s for s in span_specs(cfg)}
    pri1, sim = specs["pri1"], specs["simpri"]
    assert pri1.dahdi.pri_inband_disconnect is True
    assert (pri1.options.inband_disconnect, pri1.options.inband_disconnect_ms, pri1.options.restart_interval_ms) == \
        (True, 4000, 3_600_000)
    assert sim.sim_pri.inband_disconnect is True
    assert (sim.options.inband_disconnect_ms, sim.options.restart_interval_ms) == (10000, 0)

    path = write(tmp_path, """\
        [[spans]]
        name = "pri1"
        driver = "dahdi"
        type = "e1"
        channels = "1-15"
        signalling = "pri"
        pri_inband_disconnect_ms = 4000
        pri_restart_interval = 30

        [[spans]]
        name = "pri2"
        driver = "dahdi"
        type = "e1"
        channels = "17-31"
        signalling = "pri"
        pri_inband_disconnect = true
        pri_inband_disconnect_ms = 100
        """, "bad.toml")
    got = {line: msg for _, line, msg in problems(path)}
    assert "pri_inband_disconnect_ms needs pri_inband_disconnect = true" in got[7], got
    assert "pri_restart_interval is in seconds, from 60 to 86400" in got[8], got
    assert "pri_inband_disconnect_ms must be from 1000 to 60000" in got[17], got
