"""Every route is guarded, forms need CSRF tokens, roles see what they may, failures lock, sessions expire."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select, update
from werkzeug.routing import IntegerConverter

from telephonist.storage.database import utcnow
from telephonist.webadmin import db
from telephonist.webadmin.schema import audit_log, sessions, users
from telephonist.webadmin.auth import REFUSED
from telephonist.webadmin.security import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS
from tests.webadmin.support import csrf_from, login, page_csrf, password

SKIP_METHODS = {"HEAD", "OPTIONS"}


def _routes(app, with_endpoint: bool = False):
    """Every (method, url) the app answers, with dummy values for the URL's arguments."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS:
            continue                    # the website chat's visitor routes: tests/webadmin/test_webchat.py
        args = {}
        for name in rule.arguments:
            conv = rule._converters[name]
            args[name] = 1 if isinstance(conv, IntegerConverter) else "flows"
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - SKIP_METHODS):
            out.append((method, url, rule.endpoint) if with_endpoint else (method, url))
    return out


def test_every_route_needs_a_session_or_a_token(app, client, user_ids):
    routes = _routes(app)
    assert len(routes) > 25                       # the enumeration found the app's routes
    api = [r for r in routes if r[1].startswith("/api/")]
    assert any(u == "/api/openapi.json" for _, u in api) and any(m == "POST" for m, _ in api)
    for method, url in routes:
        r = client.open(url, method=method)
        if url.startswith("/api/"):
            assert r.status_code == 401, (method, url, r.status_code)
            assert r.json["error"]["code"] == "unauthorized"
            # a browser session is no API credential
        else:
            assert r.status_code == 302, (method, url, r.status_code)
            assert r.location.startswith("/login"), (method, url, r.location)
    login(client, "admin")
    for method, url in api:
        assert client.open(url, method=method).status_code == 401, (method, url)
        r = client.open(url, method=method, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401


# Routes any logged-in user (or any valid token) may use: the start page (it sends each user to the
# first page its role may open), logging out, choosing a language, and the API's description.
FOR_EVERY_USER = {"index", "auth.logout", "auth.language", "api.openapi"}


def _user_with_rights(app, name: str, rights: list[str]) -> tuple:
    """A user whose role has exactly ``rights``, logged in, and an API token acting as it."""
    from telephonist.webadmin import accounts
    with db.writing(app) as conn:
        accounts.create_role(conn, f"role-{name}", set(rights))
        uid = accounts.create_user(conn, name, password(name), f"role-{name}", method=app.config["WEB"].password_method)
        token = accounts.create_token(conn, uid, f"token-{name}")[1]
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client, {"Authorization": f"Bearer {token}"}


def test_every_route_refuses_a_user_without_its_rights(app, user_ids):
    """Walks app.url_map: each route names the rights it needs (or is open to every user on purpose),
    and a user holding none of them, by session or by token, is refused 403 everywhere else."""
    from telephonist.webadmin.rights import RIGHTS
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS
             and r.endpoint.partition(".")[0] not in PUBLIC_BLUEPRINTS]
    undeclared = sorted(r.endpoint for r in rules if r.endpoint not in FOR_EVERY_USER
                        and not getattr(app.view_functions[r.endpoint], "required_rights", None))
    assert undeclared == []
    for held in ([], ["calls.view"], ["live.view", "inbox.view"]):     # nothing, then a little
        client, api = _user_with_rights(app, f"low{len(held)}", held)
        token = page_csrf(client, "/" if not held else "/calls/" if "calls.view" in held else "/live/")
        checked = 0
        for method, url, endpoint in _routes(app, with_endpoint=True):
            needs = getattr(app.view_functions[endpoint], "required_rights", ())
            if endpoint in FOR_EVERY_USER or all(r in held for r in needs):
                continue
            assert set(needs) <= set(RIGHTS)
            r = client.open(url, method=method, headers=api if url.startswith("/api/") else None,
                            data={"csrf_token": token} if method == "POST" else None)
            assert r.status_code == 403, (held, method, url, r.status_code)
            checked += 1
        assert checked > 40


def test_login_then_logout(client, user_ids):
    r = login(client, "admin")
    assert r.status_code == 302 and r.location == "/"
    assert client.get("/admin/users").status_code == 200
    token = page_csrf(client, "/admin/users")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/users").status_code == 302
    with db.reading(client.application) as conn:
        assert conn.execute(select(sessions)).all() == []


def _login_from(client, query: str):
    """Open /login?QUERY as a browser would and send the form back with the ``next`` it holds."""
    html = client.get("/login?" + query).get_data(as_text=True)
    m = re.search(r'name="next" value="([^"]*)"', html)
    return client.post("/login", data={"username": "admin", "password": password("admin"),
                                       "csrf_token": csrf_from(html), "next": unescape(m.group(1))})


@pytest.mark.parametrize("query", ["next=//evil.example/x", "next=/%09/evil.example", "next=/%0A/evil.example",
                                   "next=/%0D%0A/evil.example", "next=%09//evil.example", "next=/%5Cevil.example",
                                   "next=/%5C/evil.example", "next=https://evil.example/", "next=%20//evil.example",
                                   "next=/%00/evil.example", "next=javascript:alert(1)", "next=/%7F/evil.example"])
def test_login_never_redirects_off_the_site(client, user_ids, query):
    r = _login_from(client, query)
    assert r.status_code == 302 and r.location == "/", (query, r.location)


def test_login_goes_on_to_the_page_asked_for(client, user_ids):
    asked = "/calls/?caller=139&since=2026-01-01%2008:00"
    to_login = client.get(asked).location                    # no session yet: the login page, told where to go
    r = _login_from(client, to_login.split("?", 1)[1])
    assert r.location == asked


def test_posts_without_the_csrf_token_are_refused(app, client, user_ids):
    # the login form itself
    client.get("/login")
    r = client.post("/login", data={"username": "admin", "password": password("admin")})
    assert r.status_code == 400
    assert client.get("/admin/users").status_code == 302          # not logged in
    login(client, "admin")
    form = {"username": "mallory", "password": "longenough1", "role": "administrator"}
    assert client.post("/admin/users", data=form).status_code == 400
    assert client.post("/admin/users", data={**form, "csrf_token": "0" * 64}).status_code == 400
    # another session's token is no good either
    other = app.test_client()
    login(other, "super")
    assert client.post("/admin/users", data={**form, "csrf_token": page_csrf(other)}).status_code == 400
    with db.reading(app) as conn:
        assert conn.execute(select(users.c.id).where(users.c.username == "mallory")).first() is None
    ok = client.post("/admin/users", data={**form, "csrf_token": page_csrf(client, "/admin/users")})
    assert ok.status_code == 302
    with db.reading(app) as conn:
        assert conn.execute(select(users.c.id).where(users.c.username == "mallory")).first() is not None


@pytest.mark.parametrize("name, allowed, refused", [
    ("admin", ["/calls/", "/live/", "/reports/", "/admin/users", "/admin/roles", "/admin/tokens", "/admin/audit",
               "/config/spans"], []),
    ("super", ["/calls/", "/live/", "/reports/", "/config/spans", "/calls/export.csv"],
     ["/admin/users", "/admin/roles", "/admin/tokens", "/admin/audit"]),
    ("agent1", ["/calls/", "/live/"],
     ["/reports/", "/admin/users", "/admin/audit", "/config/spans", "/calls/export.csv", "/calls/export.xlsx"]),
    ("audit", ["/calls/", "/reports/", "/admin/audit", "/calls/export.csv"],
     ["/live/", "/admin/users", "/admin/roles", "/config/spans"]),
])
def test_each_role_opens_exactly_its_pages(client, user_ids, name, allowed, refused):
    login(client, name)
    for url in allowed:
        assert client.get(url).status_code == 200, (name, url)
    for url in refused:
        assert client.get(url).status_code == 403, (name, url)
    nav = client.get("/calls/").get_data(as_text=True)
    assert ('href="/admin/users"' in nav) == (name == "admin")
    assert ('href="/reports/"' in nav) == (name in ("admin", "super", "audit"))


def test_a_custom_role_gets_only_the_rights_ticked(app, client, user_ids):
    login(client, "admin")
    token = page_csrf(client, "/admin/roles")
    r = client.post("/admin/roles", data={"name": "reporter", "rights": ["reports.view"], "csrf_token": token})
    assert r.status_code == 302
    r = client.post("/admin/users", data={"username": "rita", "password": "rita-password", "role": "reporter",
                                          "csrf_token": token})
    assert r.status_code == 302
    rita = app.test_client()
    assert login(rita, "rita", "rita-password").status_code == 302
    assert rita.get("/reports/").status_code == 200
    assert rita.get("/calls/").status_code == 403
    assert rita.get("/").location == "/reports/"


def test_repeated_failures_lock_the_account_until_an_administrator_unlocks_it(app, client, user_ids):
    for _ in range(app.config["WEB"].lockout_failures):
        assert login(client, "agent1", "wrong-password").status_code == 401
    r = login(client, "agent1")                     # the right password no longer helps
    assert r.status_code == 401
    assert _refusal(r) == REFUSED                   # and the page says no more than for a wrong password
    with db.reading(app) as conn:
        row = conn.execute(select(users).where(users.c.username == "agent1")).one()
        assert row.locked_until > utcnow() + timedelta(minutes=10)
        actions = [a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.target == "agent1"))]
    assert actions.count("login_bad_password") == 4 and "login_locked" in actions
    admin = app.test_client()
    login(admin, "admin")
    r = admin.post(f"/admin/users/{user_ids['agent1']}", data={
        "role": "agent", "agent_id": "1001", "active": "on", "unlock": "on", "csrf_token": page_csrf(admin, "/admin/users")})
    assert r.status_code == 302
    assert login(client, "agent1").status_code == 302


def _refusal(r) -> str:
    """The message a refused login shows."""
    return unescape(re.search(r'<p class="flash error">(.*?)</p>', r.get_data(as_text=True)).group(1))


def test_unknown_locked_and_wrong_password_get_the_same_answer(app, client, user_ids):
    for _ in range(app.config["WEB"].lockout_failures):
        login(client, "agent2", "wrong-password")
    unknown = login(client, "nobody", "wrong-password")
    wrong = login(client, "agent1", "wrong-password")
    locked = login(client, "agent2")                              # the right password of a locked account
    locked_wrong = login(client, "agent2", "wrong-password")
    assert {r.status_code for r in (unknown, wrong, locked, locked_wrong)} == {401}
    assert _refusal(unknown) == _refusal(wrong) == _refusal(locked) == _refusal(locked_wrong) == REFUSED
    with db.reading(app) as conn:                                 # the audit log keeps the real reasons
        got = [(r.action, r.target) for r in conn.execute(select(audit_log).order_by(audit_log.c.id))][-4:]
    assert got == [("login_bad_password", "nobody"), ("login_bad_password", "agent1"), ("login_locked", "agent2"),
                   ("login_locked", "agent2")]


def _client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_address_guessing_at_many_accounts_is_held_back(app, user_ids):
    guesser = _client_from(app, "192.0.2.7")
    limit = app.config["WEB"].address_failures
    assert limit < 5 * len(user_ids)            # under every account's own lockout: only the address can stop it
    names = sorted(user_ids) + ["nobody"]
    for i in range(limit):
        assert login(guesser, names[i % len(names)], f"guess-{i}").status_code == 401
    r = login(guesser, "super")                                   # even the right password waits now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Too many failed logins from this address" in _refusal(r)
    assert guesser.get("/calls/").status_code == 302
    with db.reading(app) as conn:
        assert not conn.execute(select(users.c.username).where(users.c.locked_until.is_not(None))).all()
    other = _client_from(app, "192.0.2.8")
    assert login(other, "super").status_code == 302               # another address is not held back


def test_the_address_brake_forgets_failures_older_than_its_window():
    from telephonist.webadmin.throttle import LoginThrottle
    now = [1000.0]
    t = LoginThrottle(max_failures=3, window_s=60, clock=lambda: now[0])
    for step in (0, 10, 20):
        now[0] = 1000 + step
        assert t.retry_after("a") == 0
        t.failed("a")
    assert t.retry_after("a") == 40 and t.retry_after("b") == 0
    now[0] = 1060                                   # the first failure leaves the window
    assert t.retry_after("a") == 0
    t.failed("a")
    assert t.retry_after("a") == 10                 # the failures at 10 and 20 s are still in it


def test_an_idle_session_expires(app, client, user_ids):
    login(client, "super")
    assert client.get("/calls/").status_code == 200
    idle = app.config["WEB"].session_idle_minutes
    with db.writing(app) as conn:
        conn.execute(update(sessions).values(last_seen_at=utcnow() - timedelta(minutes=idle + 1)))
    r = client.get("/calls/")
    assert r.status_code == 302 and r.location.startswith("/login")
    with db.reading(app) as conn:
        assert conn.execute(select(sessions)).all() == []


def test_disabling_a_user_ends_their_sessions(app, client, user_ids):
    login(client, "agent2")
    assert client.get("/calls/").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    admin.post(f"/admin/users/{user_ids['agent2']}", data={"role": "agent", "agent_id": "1002",
                                                           "csrf_token": page_csrf(admin, "/admin/users")})
    assert client.get("/calls/").status_code == 302
    assert login(client, "agent2").status_code == 401


def test_administrators_changes_are_in_the_audit_log(app, client, user_ids):
    login(client, "admin")
    token = page_csrf(client, "/admin/users")
    client.post("/admin/users", data={"username": "newbie", "password": "newbie-pass", "role": "agent",
                                      "agent_id": "1003", "csrf_token": token})
    client.post(f"/admin/users/{user_ids['agent1']}", data={"role": "supervisor", "agent_id": "1001",
                                                            "active": "on", "csrf_token": token})
    client.post(f"/admin/roles/{_role_id(app, 'agent')}", data={"rights": ["calls.view"], "csrf_token": token})
    client.post("/admin/tokens", data={"name": "crm", "user_id": user_ids["super"], "csrf_token": token})
    with db.reading(app) as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.username == "admin").order_by(audit_log.c.id)).all()
    got = [(r.action, r.target) for r in rows if r.action != "login"]
    assert got == [("user_create", "newbie"), ("user_update", "agent1"), ("role_rights", "agent"),
                   ("token_create", "crm")]
    assert '"role": "supervisor"' in rows[2].detail
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user_create" in page and "newbie" in page


def test_an_administrator_cannot_lock_themselves_out(app, client, user_ids):
    login(client, "admin")
    token = page_csrf(client, "/admin/users")
    client.post(f"/admin/users/{user_ids['admin']}", data={"role": "agent", "active": "on", "csrf_token": token})
    client.post(f"/admin/roles/{_role_id(app, 'administrator')}", data={"rights": ["calls.view"], "csrf_token": token})
    assert client.get("/admin/users").status_code == 200


def _role_id(app, name: str) -> int:
    from telephonist.webadmin.schema import roles
    with db.reading(app) as conn:
        return conn.execute(select(roles.c.id).where(roles.c.name == name)).scalar_one()


def test_passwords_are_stored_hashed_with_scrypt_by_default(app):
    from telephonist.webadmin import accounts
    from telephonist.webadmin.config import WebConfig
    assert WebConfig(database_url="sqlite:///x").password_method == "scrypt"
    with db.writing(app) as conn:
        uid = accounts.create_user(conn, "hashme", "correct horse", "agent")
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == uid)).scalar_one()
        assert stored.startswith("scrypt:") and "correct horse" not in stored
        ok = accounts.authenticate(conn, "hashme", "correct horse", max_failures=5, lockout=timedelta(minutes=1))
        assert ok.user is not None and ok.user.role == "agent"


def test_a_page_view_writes_the_session_only_when_its_last_use_is_stale(app, client, user_ids):
    login(client, "super")
    with db.reading(app) as conn:
        seen = conn.execute(select(sessions.c.last_seen_at)).scalar_one()
    assert client.get("/calls/").status_code == 200
    with db.reading(app) as conn:
        assert conn.execute(select(sessions.c.last_seen_at)).scalar_one() == seen
    with db.writing(app) as conn:
        conn.execute(update(sessions).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    assert client.get("/calls/").status_code == 200
    with db.reading(app) as conn:
        assert utcnow() - conn.execute(select(sessions.c.last_seen_at)).scalar_one() < timedelta(seconds=30)


def test_an_administrator_role_from_an_older_version_gets_the_rights_added_since(app):
    from sqlalchemy import delete

    from telephonist.webadmin import accounts
    from telephonist.webadmin.rights import RIGHTS
    from telephonist.webadmin.schema import role_rights, roles
    with db.writing(app) as conn:
        admin_id = conn.execute(select(roles.c.id).where(roles.c.name == "administrator")).scalar_one()
        conn.execute(delete(role_rights).where(role_rights.c.role_id == admin_id,
                                               role_rights.c.right_name == "config.queues"))
        accounts.ensure_builtin_roles(conn)
        held = set(conn.execute(select(role_rights.c.right_name).where(role_rights.c.role_id == admin_id)).scalars())
    assert held == set(RIGHTS)


def test_built_in_roles_from_fx02_get_the_desktop_rights_once_and_keep_what_an_administrator_took(tmp_path):
    """A database made before the agent desktop (at fx02, roles as that version wrote them) gets desk.use,
    supervise.use and wallboard.view on the console's start; a right an administrator then takes away stays away."""
    from sqlalchemy import delete, insert

    from telephonist.storage.database import make_engine
    from telephonist.storage.migrate import migrate
    from telephonist.webadmin import accounts
    from telephonist.webadmin.schema import role_rights, roles

    url = f"sqlite:///{tmp_path}/old.db"
    migrate(url, "fx02")
    old = {"supervisor": ["calls.view", "calls.all", "reports.view", "live.view"], "agent": ["calls.view", "inbox.view"]}
    engine = make_engine(url)
    with engine.begin() as conn:
        for name, rights in old.items():
            rid = conn.execute(insert(roles).values(name=name, builtin=True, description="")).inserted_primary_key[0]
            conn.execute(insert(role_rights), [{"role_id": rid, "right_name": r} for r in rights])
    migrate(url)

    def held(conn, name):
        rid = conn.execute(select(roles.c.id).where(roles.c.name == name)).scalar_one()
        return rid, set(conn.execute(select(role_rights.c.right_name).where(role_rights.c.role_id == rid)).scalars())

    with engine.begin() as conn:
        accounts.ensure_builtin_roles(conn)
        _, agent = held(conn, "agent")
        _, supervisor = held(conn, "supervisor")
        assert {"desk.use"} <= agent and "supervise.use" not in agent
        assert {"desk.use", "supervise.use", "wallboard.view"} <= supervisor
        assert "calls.export" not in supervisor      # taken away before the upgrade (not in the old rows): stays away
        rid, _ = held(conn, "agent")
        conn.execute(delete(role_rights).where(role_rights.c.role_id == rid, role_rights.c.right_name == "desk.use"))
    with engine.begin() as conn:
        accounts.ensure_builtin_roles(conn)
        assert "desk.use" not in held(conn, "agent")[1]
    engine.dispose()
