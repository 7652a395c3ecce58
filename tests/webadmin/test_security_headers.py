"""What every answer tells the browser (CSP, framing, sniffing), Secure cookies over HTTPS, and the
client's address and scheme behind a configured reverse proxy (and only then)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from telephonist.webadmin import create_app, db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.support import csrf_from, login, make_users, password


def test_every_page_has_a_strict_content_security_policy_and_cannot_be_framed(app, client, user_ids):
    login(client, "admin")
    pages = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/live/events"))
             and not rule.rule.endswith((".csv", ".xlsx"))
             and not rule.endpoint.startswith("webchat.")]     # the website's chat: framed by it (test_webchat.py)
    assert len(pages) > 15
    for url in pages + ["/login"]:
        r = client.get(url)
        assert r.mimetype == "text/html", url
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp, url
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff", url
        assert "Strict-Transport-Security" not in r.headers
        html = r.get_data(as_text=True)
        assert " onclick=" not in html and " style=" not in html, url     # what the policy would block
    export = client.get("/calls/export.csv")
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    assert export.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def _session_cookie(r) -> str:
    return next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("telephonist="))


def test_the_session_cookie_is_secure_when_the_console_is_reached_over_https(app, user_ids):
    plain = app.test_client()
    assert "Secure" not in _session_cookie(login(plain, "admin"))
    tls = app.test_client()
    html = tls.get("/login", base_url="https://console.example").get_data(as_text=True)
    r = tls.post("/login", base_url="https://console.example",
                 data={"username": "admin", "password": password("admin"), "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    cookie = _session_cookie(r)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def _login_via_proxy(app, forwarded_for: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"                  # the proxy on the same host
    fwd = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "console.example"}
    html = client.get("/login", headers=fwd).get_data(as_text=True)
    r = client.post("/login", headers=fwd, data={"username": "super", "password": password("super"),
                                                 "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    with db.reading(app) as conn:
        ip = conn.execute(select(audit_log.c.ip).where(audit_log.c.action == "login")
                          .order_by(audit_log.c.id.desc())).scalars().first()
    return r, ip


def test_forwarded_headers_are_believed_only_from_a_configured_proxy(app, web_config, user_ids):
    r, ip = _login_via_proxy(app, "198.51.100.9")                      # proxy_hops = 0: headers ignored
    assert ip == "127.0.0.1" and "Secure" not in _session_cookie(r)

    proxied = create_app(replace(web_config, proxy_hops=1))
    try:
        r, ip = _login_via_proxy(proxied, "203.0.113.50, 198.51.100.9")  # only the last hop is the proxy's
        assert ip == "198.51.100.9" and "Secure" in _session_cookie(r)
    finally:
        proxied.extensions["chand_feed"].stop()
        db.engine(proxied).dispose()


def test_the_login_brake_counts_the_client_behind_the_proxy(web_config):
    app = create_app(replace(web_config, proxy_hops=1, address_failures=3))
    make_users(app)
    try:
        def attempt(client_ip: str, pw: str) -> int:
            c = app.test_client()
            c.environ_base["REMOTE_ADDR"] = "127.0.0.1"
            return login(c, "agent1", pw, headers={"X-Forwarded-For": client_ip}).status_code
        assert [attempt("198.51.100.1", "wrong-password") for _ in range(3)] == [401, 401, 401]
        assert attempt("198.51.100.1", password("agent1")) == 429
        assert attempt("198.51.100.2", password("agent1")) == 302      # the proxy's other clients are not held
    finally:
        app.extensions["chand_feed"].stop()
        db.engine(app).dispose()


def test_the_webadmin_section_of_telephonist_toml_sets_the_console(tmp_path):
    import pytest
    from telephonist.config import ConfigError
    from telephonist.webadmin.config import from_telephonist_config
    from tests.webadmin.site_support import make_site
    cfg = make_site(tmp_path / "site")
    cfg.write_text(cfg.read_text() + "\n[webadmin]\nproxy_hops = 1\naddress_failures = 8\nlockout_minutes = 30\n")
    web = from_telephonist_config(str(cfg))
    assert (web.proxy_hops, web.address_failures, web.lockout_minutes, web.lockout_failures) == (1, 8, 30, 5)
    cfg.write_text(cfg.read_text().replace("proxy_hops = 1", "proxy_hops = -1"))
    with pytest.raises(ConfigError) as err:
        from_telephonist_config(str(cfg))
    line = cfg.read_text().splitlines().index("proxy_hops = -1") + 1
    assert str(err.value) == f"{cfg}:{line}: proxy_hops must be from 0 to 5"
