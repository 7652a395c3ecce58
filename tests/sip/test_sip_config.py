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


def test_a_span_of_phones_and_its_passwords(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 2
        extensions = ["201", "202"]

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        ban_failures = 3

        [spans.sip.passwords]
        201 = "Desk-Phone-7f3a!"
        202 = "Other-Phone-9c2e?"
        """))
    spec, = span_specs(cfg)
    assert spec.extensions == ["201", "202"] and spec.sip.ban_failures == 3 and spec.sip.ban_s == 600
    assert spec.sip.phones(spec.extensions) == (("201", "Desk-Phone-7f3a!"), ("202", "Other-Phone-9c2e?"))


def test_phones_without_strong_passwords_are_refused_with_their_lines(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 6
        extensions = ["201", "202", "203", "204", "205", "206"]

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        peer = "192.0.2.1:5060"
        ban_s = 0

        [spans.sip.passwords]
        201 = "Sh0rt!"
        202 = "alllowercaseletters"
        203 = "My-Phone-203-Pass"
        204 = "Aa1!Aa1!Aa1!Aa1!"
        205 = "Fine-Phone-7f3a!"
        299 = "Other-Phone-9c2e?"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "no peer" in got[11]
    assert "ban_s must be" in got[12]
    assert "206 needs a password" in got[14]
    assert "201 is shorter than 12" in got[15]
    assert "three kinds" in got[16]
    assert "holds the extension" in got[17]
    assert "repeats too few" in got[18]
    assert 19 not in got
    assert "299 is not in the span's extensions" in got[20]


def test_session_timers_and_transfers_of_a_sip_span(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "pbx"
        driver = "sip"
        type = "e1"
        channels = 2

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        peer = "192.0.2.1:5060"
        session_expires_s = 600
        session_refresher = "far_end"
        transfer = "refer"
        refer_trunk_group = "out"
        """))
    spec, = span_specs(cfg)
    assert spec.sip.session_expires_s == 600 and spec.sip.min_se_s == 90 and spec.sip.transfer == "refer"
    from telephonist.chand.sip_span import sip_params
    p = sip_params(spec.sip)
    assert (p.session_expires_s, p.min_se_s, p.refresher) == (600, 90, 2)
    default, = span_specs(load_config(write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 2

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        """)))
    assert default.sip.session_expires_s == 1800 and default.sip.transfer == "bridge"
    assert sip_params(default.sip).refresher == 0


def test_session_timer_and_transfer_mistakes_name_their_lines(tmp_path):
    path = write(tmp_path, """\
        [[spans]]
        name = "pbx"
        driver = "sip"
        type = "e1"
        channels = 2

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        min_se_s = 30
        session_expires_s = 60
        session_refresher = "whoever"
        transfer = "blind"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "RFC 4028: 90 at least" in got[10]
    assert "session_expires_s must be 0" in got[11]
    assert "session_refresher must be one of any, us, far_end" in got[12]
    assert "transfer must be one of bridge, refer" in got[13]


def test_tls_settings_and_their_mistakes(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 1
        extensions = ["201"]

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        tls_bind = "192.0.2.10:5061"
        tls_cert_dir = "/etc/telephonist/tls"
        tls_only = true

        [spans.sip.passwords]
        201 = "Desk-Phone-7f3a!"
        """))
    spec, = span_specs(cfg)
    from telephonist.chand.sip_span import sip_params
    p = sip_params(spec.sip, spec.extensions)
    assert (p.tls_bind, p.tls_cert_dir, p.tls_only) == ("192.0.2.10:5061", "/etc/telephonist/tls", True)
    path = write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        tls_bind = "192.0.2.10"
        tls_only = true
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "tls_bind must be \"host:port\"" in got[10]
    assert "tls_only is for a span of phones" in got[11]
    assert any("needs tls_cert_dir" in m for m in got.values())


def test_srtp_and_dtmf_settings_and_their_mistakes(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        srtp = "mandatory"
        srtp_without_tls = true
        dtmf = "info"
        """))
    spec, = span_specs(cfg)
    from telephonist.chand.sip_span import sip_params
    p = sip_params(spec.sip)
    assert (p.srtp, p.srtp_without_tls, p.dtmf) == (2, True, 1)
    path = write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        srtp = "optional"
        dtmf = "sip-info"

        [[spans]]
        name = "other"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5062"
        rtp_host = "192.0.2.10"
        rtp_port = 21000
        srtp = "yes"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "SRTP's keys travel in the SDP: give the span a tls_bind" in got[10]
    assert "dtmf must be one of rfc2833, info, inband" in got[11]
    assert "srtp must be one of off, optional, mandatory" in got[23]


def test_t38_setting_reaches_the_engine_and_a_wrong_one_is_named(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        t38 = "on"
        """))
    spec, = span_specs(cfg)
    from telephonist.chand.sip_span import sip_params
    assert sip_params(spec.sip).t38 == 2
    path = write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        t38 = "yes"
        """)
    got = {line: msg for _, line, msg in problems(path)}
    assert "t38 must be one of off, accept, on" in got[10]


def test_nat_proxy_and_trust_settings_and_their_mistakes(tmp_path):
    cfg = load_config(write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 2

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        peer = "192.0.2.1:5060"
        symmetric_rtp = false
        outbound_proxy = "sip:192.0.2.2:5070;transport=tcp"
        trusted = ["198.51.100.0/24", "203.0.113.7"]
        """))
    spec, = span_specs(cfg)
    from telephonist.chand.sip_span import sip_params
    p = sip_params(spec.sip)
    assert (p.symmetric_rtp, p.outbound_proxy, p.trusted) == (
        False, "sip:192.0.2.2:5070;transport=tcp", ("198.51.100.0/24", "203.0.113.7"))
    assert p.nat_keepalive_s == 0                   # a trunk's: keep-alives are for phones
    path = write(tmp_path, """\
        [[spans]]
        name = "carrier"
        driver = "sip"
        type = "e1"
        channels = 1

        [spans.sip]
        bind = "192.0.2.10:5060"
        rtp_host = "192.0.2.10"
        nat_keepalive_s = -1
        outbound_proxy = "192.0.2.2:5070"
        trusted = ["198.51.100.0/33", "carrier.example"]

        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 1
        extensions = ["201"]

        [spans.sip]
        bind = "192.0.2.10:5062"
        rtp_host = "192.0.2.10"
        rtp_port = 30000
        outbound_proxy = "sip:192.0.2.2:5070;transport=sctp"
        trusted = ["198.51.100.0/24"]

        [spans.sip.passwords]
        201 = "Desk-Phone-7f3a!"
        """)
    got: dict[int, str] = {}
    for _, line, msg in problems(path):
        got[line] = got.get(line, "") + msg + "\n"
    assert "nat_keepalive_s must be from 0" in got[10]
    assert "outbound_proxy must be \"sip:host:port\"" in got[11]
    assert "'198.51.100.0/33' is not an IPv4 network" in got[12] and "'carrier.example' is not" in got[12]
    assert "outbound_proxy's transport must be one of udp, tcp, tls" in got[25]
    assert "trusted is for a trunk" in got[26]
