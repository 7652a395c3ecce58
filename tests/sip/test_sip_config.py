"""[[spans]] driver = "sip": the settings reach the span, and mistakes are named with their file and line."""
from __future__ import annotations

from telephonist.chand.from_config import span_specs
from telephonist.config import load_config
from tests.config.test_config import problems, write


def test_a_sip_span_and_its_settings(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 8
        codec = "ulaw"

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        rtp_port = 30000
        peer = "192.0.2.1:5060"
        username = "4008001234"
        password = "s3cret-enough"
        registrar = "192.0.2.1:5060"
        """))
    spec, = span_specs(cfg)
    assert spec.driver == "sip" and spec.kind == "e1" and spec.channels == 8 and spec.codec == "ulaw"
    assert spec.sip.peer == "192.0.2.1:5060" and spec.sip.rtp_port == 30000 and spec.sip.jitter_max_ms == 200


def test_sip_span_mistakes_name_their_lines(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "fxo"
        channels = 2

        [spans.sip]
        bind = "192.0.2.10"
        rtp_host = "0.0.0.0"
        rtp_port = 30001
        peer = "192.0.2.1:99999"
        registrar = "192.0.2.1:5060"
        jitter_min_ms = 300

        [[spans]]
        name = "nosip"
        driver = "sip"
        type = "e1"
        channels = 2

        [[spans]]
        name = "pstn"
        driver = "sim"
        type = "fxo"
        channels = 2

        [spans.sip]
        bind = "127.0.0.1:5060"
        rtp_host = "127.0.0.1"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert 'type = "e1"' in got[4]
    assert "bind must be \"host:port\"" in got[8]
    assert "not 0.0.0.0" in got[9]
    assert "rtp_port must be even" in got[10]
    assert "port '99999'" in got[11]
    assert "registering needs a username" in got[12]
    assert "jitter_min_ms" in got[13]
    assert "needs a [spans.sip] table" in got[15]
    assert "[spans.sip] is for sip spans" in got[27]
