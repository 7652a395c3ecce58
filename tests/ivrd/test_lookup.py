"""The lookup node against real customer systems: a SQLite file, a PostgreSQL server, a local HTTP service.

A slow query or request runs into its time limit and the caller hears the fallback; a broken
query the same; the daemon takes the next call as before.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from telephonist.config.model import LookupSource
from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from telephonist.ivrd.lookup_sources import fill_url
from tests.support.ivrd_harness import running_ivrd
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

PROMPTS = ["zh/enter-account.wav", "zh/balance-is.wav", "zh/no-account.wav", "zh/sorry.wav", "zh/goodbye.wav"]
BILLS_SQL = "SELECT balance, due, name FROM bills WHERE account = :account ORDER BY due"
# a statement that would run for hours: only the time limit ends it
SLOW_SQLITE = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000000) "
               "SELECT count(*) AS n FROM c WHERE x = :account")


def lookup_flow(lookup: str) -> str:
    return f"""
[flow]
numbers = ["4008*"]
start = "account"

[nodes.account]
type = "collect"
prompts = "zh/enter-account.wav"
var = "account"
max_digits = 8
next = "bill"

[nodes.bill]
type = "lookup"
tag = "bill_query"
{lookup}

[nodes.tell]
type = "play"
prompts = "zh/balance-is.wav"
next = "bye"

[nodes.unknown]
type = "play"
prompts = "zh/no-account.wav"
next = "bye"

[nodes.sorry]
type = "play"
prompts = "zh/sorry.wav"
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "zh/goodbye.wav"
"""


SQL_LOOKUP = f"""source = "customers"
query = "{BILLS_SQL}"
params = {{ account = "${{account}}" }}
prefix = "bill_"
count_var = "bill_count"
next = "tell"
on_empty = "unknown"
"""


def customer_db(path) -> str:
    """The customer's own billing database (a SQLite file the utility keeps)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE bills (account TEXT, balance NUMERIC, due TEXT, name TEXT)")
        db.executemany("INSERT INTO bills VALUES (?, ?, ?, ?)", [
            ("1001", 86.5, "2026-12-05", "张三"), ("1001", 40, "2027-01-05", "张三"), ("1002", -12.3, "2026-12-10", "李四")])
    return f"sqlite:///{path}"


def sources(**named: tuple) -> dict:
    """name=(kind, url, timeout_ms[, writes])"""
    return {"sources": tuple(LookupSource(name=n, kind=spec[0], url=spec[1], timeout_ms=spec[2],
                                          writes=spec[3] if len(spec) > 3 else False) for n, spec in named.items())}


async def test_sql_lookup_reads_the_first_row_into_variables(tmp_path):
    url = customer_db(tmp_path / "customers.db")
    async with running_ivrd(tmp_path, {"gas.toml": lookup_flow(SQL_LOOKUP)}, PROMPTS,
                            ivrd=sources(customers=("sql", url, 3000))) as ivr:
        out = await ivr.call([{"press": "1001#"}])
        assert out.prompts == ["zh/enter-account.wav", "zh/balance-is.wav", "zh/goodbye.wav"]
        v = ivr.vars(out.call_id)
        assert (v["bill_balance"], v["bill_due"], v["bill_name"], v["bill_count"]) == (86.5, "2026-12-05", "张三", 2)
        assert ivr.steps(out.call_id)[1] == ("bill", None, "ok")
        row = ivr.rows("SELECT tag, detail FROM ivr_steps WHERE call_id = :c AND node = 'bill'", c=out.call_id)[0]
        assert row["tag"] == "bill_query" and json.loads(row["detail"])["rows"] == 2

        out = await ivr.call([{"press": "9999#"}])
        assert out.prompts == ["zh/enter-account.wav", "zh/no-account.wav", "zh/goodbye.wav"]
        assert ivr.vars(out.call_id)["bill_count"] == 0 and "bill_balance" not in ivr.vars(out.call_id)
        assert ivr.steps(out.call_id)[1] == ("bill", None, "empty")


async def test_into_names_the_variables_and_a_value_cannot_inject_sql(tmp_path):
    url = customer_db(tmp_path / "customers.db")
    lookup = f"""source = "customers"
query = "{BILLS_SQL}"
params = {{ account = "${{account}}" }}
into = {{ balance = "owed" }}
next = "tell"
on_empty = "unknown"
"""
    async with running_ivrd(tmp_path, {"gas.toml": lookup_flow(lookup)}, PROMPTS,
                            ivrd=sources(customers=("sql", url, 3000))) as ivr:
        out = await ivr.call([{"press": "1002#"}])
        v = ivr.vars(out.call_id)
        assert v["owed"] == -12.3 and "due" not in v and "bill_due" not in v
        # "1001 OR 1=1" cannot be typed on a phone, but a variable set elsewhere could hold anything:
        # it is a bound value, so it matches no account
        out = await ivr.call([{"press": "1#"}])
        assert out.prompts[1] == "zh/no-account.wav"


async def test_slow_sqlite_query_is_interrupted_and_the_caller_hears_the_fallback(tmp_path):
    url = customer_db(tmp_path / "customers.db")
    slow = f"""source = "slowdb"
query = "{SLOW_SQLITE}"
params = {{ account = "${{account}}" }}
next = "tell"
"""
    flows = {"gas.toml": lookup_flow(SQL_LOOKUP).replace('numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "slow.toml": lookup_flow(slow).replace('numbers = ["4008*"]', 'numbers = ["4008009999"]')}
    async with running_ivrd(tmp_path, flows, PROMPTS,
                            ivrd=sources(customers=("sql", url, 3000), slowdb=("sql", url, 300))) as ivr:
        out = await ivr.call([{"press": "1001#"}], dialled="4008009999")
        assert out.prompts == ["zh/enter-account.wav", "zh/try-later.wav"]
        assert ivr.session(out.call_id)["outcome"] == "fallback"
        error = ivr.rows("SELECT result, detail FROM ivr_steps WHERE call_id = :c AND node = 'bill'", c=out.call_id)
        assert [r["result"] for r in error] == ["error"]
        # stopped by SQLite's progress handler, not by the loop giving up on the thread
        assert "timeout: query took longer than 300 ms" in json.loads(error[0]["detail"])["error"]
        assert "gas.toml" not in error[0]["detail"] and "slow.toml:" in error[0]["detail"]
        # the statement really stopped: its connection is back in the pool (it would run for hours)
        src = ivr.service.services._shared["lookup_sources"].open["slowdb"]
        for _ in range(500):
            if src.engine.pool.checkedout() == 0:
                break
            await asyncio.sleep(0.02)
        assert src.engine.pool.checkedout() == 0
        # the daemon goes on
        out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
        assert out.prompts[1:] == ["zh/balance-is.wav", "zh/goodbye.wav"]


async def test_sql_error_goes_to_on_error_or_to_the_fallback(tmp_path):
    url = customer_db(tmp_path / "customers.db")
    broken = """source = "customers"
query = "SELECT balance FROM no_such_table WHERE account = :account"
params = { account = "${account}" }
next = "tell"
"""
    flows = {"a.toml": lookup_flow(broken).replace('numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "b.toml": lookup_flow(broken + 'on_error = "sorry"\n').replace('numbers = ["4008*"]',
                                                                            'numbers = ["4008005678"]')}
    async with running_ivrd(tmp_path, flows, PROMPTS, ivrd=sources(customers=("sql", url, 3000))) as ivr:
        out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
        assert out.prompts == ["zh/enter-account.wav", "zh/try-later.wav"]
        detail = ivr.rows("SELECT detail FROM ivr_steps WHERE call_id = :c AND node = 'bill'", c=out.call_id)
        assert "no such table" in detail[0]["detail"]
        out = await ivr.call([{"press": "1001#"}], dialled="4008005678")
        assert out.prompts == ["zh/enter-account.wav", "zh/sorry.wav", "zh/goodbye.wav"]
        assert ivr.steps(out.call_id)[1] == ("bill", None, "error")
        assert ivr.session(out.call_id)["outcome"] == "hangup"


@pytest.mark.postgres
async def test_postgresql_lookup_and_statement_timeout(tmp_path, postgres_url):
    customers = sa.create_engine(postgres_url)
    with customers.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bills (account TEXT, balance NUMERIC(10,2), due DATE, name TEXT)"))
        conn.execute(sa.text("INSERT INTO bills VALUES ('1001', 86.50, '2026-12-05', '张三')"))
    slow = """source = "billing"
query = "SELECT pg_sleep(30), balance FROM bills WHERE account = :account"
params = { account = "${account}" }
timeout_ms = 300
next = "tell"
on_error = "sorry"
"""
    flows = {"a.toml": lookup_flow(SQL_LOOKUP.replace("customers", "billing")).replace(
                'numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "b.toml": lookup_flow(slow).replace('numbers = ["4008*"]', 'numbers = ["4008005678"]')}
    try:
        async with running_ivrd(tmp_path, flows, PROMPTS, ivrd=sources(billing=("sql", postgres_url, 5000))) as ivr:
            out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
            assert out.prompts[1] == "zh/balance-is.wav"
            v = ivr.vars(out.call_id)
            assert (v["bill_balance"], v["bill_due"], v["bill_name"]) == ("86.50", "2026-12-05", "张三")

            out = await ivr.call([{"press": "1001#"}], dialled="4008005678")
            assert out.prompts == ["zh/enter-account.wav", "zh/sorry.wav", "zh/goodbye.wav"]
            assert ivr.steps(out.call_id)[1] == ("bill", None, "timeout")
            detail = ivr.rows("SELECT detail FROM ivr_steps WHERE call_id = :c AND node = 'bill'", c=out.call_id)
            assert "query took longer than 300 ms" in detail[0]["detail"]
            # statement_timeout cancelled it on the server: no pg_sleep is left running
            with customers.connect() as conn:
                running = conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                               "'SELECT pg_sleep(30)%' AND state = 'active'")).scalar()
            assert running == 0
    finally:
        customers.dispose()


# ---- what a SQL source may change ---------------------------------------------------------------------
READING = """source = "customers"
query = "INSERT INTO readings (account, reading) VALUES (:account, :account)"
params = { account = "${account}" }
next = "tell"
on_error = "sorry"
"""


def _readings(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT account, reading FROM readings").fetchall()


async def test_a_sql_source_is_read_only_unless_it_allows_writes(tmp_path):
    db = tmp_path / "customers.db"
    url = customer_db(db)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE readings (account TEXT, reading TEXT)")
    flows = {"a.toml": lookup_flow(READING).replace('numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "b.toml": lookup_flow(READING.replace('"customers"', '"meters"')).replace(
                 'numbers = ["4008*"]', 'numbers = ["4008005678"]')}
    async with running_ivrd(tmp_path, flows, PROMPTS, ivrd=sources(customers=("sql", url, 3000),
                                                                    meters=("sql", url, 3000, True))) as ivr:
        out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
        assert out.prompts == ["zh/enter-account.wav", "zh/sorry.wav", "zh/goodbye.wav"]
        detail = json.loads(ivr.rows("SELECT detail FROM ivr_steps WHERE call_id = :c AND node = 'bill'",
                                     c=out.call_id)[0]["detail"])
        assert detail["error"].startswith("query failed: source 'customers' is read-only (writes = true in its "
                                          "[[ivrd.sources]] allows writes)")
        assert _readings(db) == []
        out = await ivr.call([{"press": "1002#"}], dialled="4008005678")        # writes = true
        assert out.prompts[1] == "zh/balance-is.wav"
        assert _readings(db) == [("1002", "1002")]


async def test_no_statement_lifts_read_only_or_reaches_another_file(tmp_path):
    """What a flow author could try past the loader's checks: the database refuses every one."""
    from telephonist.ivrd.lookup_sources import LookupFailed, LookupSources
    db = tmp_path / "customers.db"
    url = customer_db(db)
    other = tmp_path / "telephonist.db"
    lookups = LookupSources((LookupSource(name="ro", url=url), LookupSource(name="rw", url=url, writes=True)))
    try:
        await lookups.sql("ro", "PRAGMA query_only = 0", {})      # lifts nothing: the file is open read-only
        for name, sql, params in (
                ("ro", "DELETE FROM bills", {}),
                ("ro", "CREATE TABLE x (y)", {}),
                ("ro", "ATTACH DATABASE :f AS o", {"f": str(other)}),
                ("rw", "ATTACH DATABASE :f AS o", {"f": str(other)}),
                ("ro", "DELETE FROM bills", {})):
            with pytest.raises(LookupFailed):
                await lookups.sql(name, sql, params)
        assert not other.exists()
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM bills").fetchone() == (3,)
        assert await lookups.sql("rw", "DELETE FROM bills WHERE account = :a", {"a": "1002"}) == []
        assert len(await lookups.sql("ro", "SELECT * FROM bills", {})) == 2
    finally:
        lookups.close()


@pytest.mark.postgres
async def test_postgresql_source_is_read_only_whatever_the_statement(postgres_url):
    from telephonist.ivrd.lookup_sources import LookupFailed, LookupSources
    customers = sa.create_engine(postgres_url)
    with customers.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bills (account TEXT, balance NUMERIC(10,2))"))
        conn.execute(sa.text("INSERT INTO bills VALUES ('1001', 86.50)"))
    lookups = LookupSources((LookupSource(name="ro", url=postgres_url), LookupSource(name="rw", url=postgres_url,
                                                                                     writes=True)))
    try:
        for sql in ("DELETE FROM bills",
                    "SET TRANSACTION READ WRITE",
                    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                    "SET default_transaction_read_only = off",
                    "COMMIT; SET default_transaction_read_only = off; DELETE FROM bills",
                    "DELETE FROM bills"):
            try:
                await lookups.sql("ro", sql, {})
            except LookupFailed:
                pass
        with pytest.raises(LookupFailed) as err:
            await lookups.sql("ro", "UPDATE bills SET balance = 0 WHERE account = :a", {"a": "1001"})
        assert "is read-only" in str(err.value)
        with customers.connect() as conn:
            assert conn.execute(sa.text("SELECT account, balance FROM bills")).all() == [("1001", Decimal("86.50"))]
        await lookups.sql("rw", "UPDATE bills SET balance = 0 WHERE account = :a", {"a": "1001"})
        with customers.connect() as conn:
            assert conn.execute(sa.text("SELECT balance FROM bills")).scalar() == 0
    finally:
        lookups.close()
        customers.dispose()


# ---- HTTP -------------------------------------------------------------------------------------------
class CustomerApi(BaseHTTPRequestHandler):
    """The customer's CRM: policies by number, meter readings by POST, and one slow endpoint."""
    release = threading.Event()
    posted: list[dict] = []

    def log_message(self, *args) -> None:
        pass

    def _json(self, status: int, doc) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):
            self.release.wait(30)
            self._json(200, {"data": {"holder": "late"}})
        elif self.path == "/policies/P1001":
            assert self.headers["X-Api-Key"] == "k1"
            self._json(200, {"data": {"holder": "王五", "premium": 3650, "bills": [{"due": "2026-12-01"}]}})
        elif self.path == "/policies/P%2F1":          # ${var} is URL-encoded: a / cannot reach another path
            self._json(200, {"data": {"holder": "encoded", "premium": 1, "bills": []}})
        elif self.path.startswith("/moved/"):         # the service sends the caller elsewhere
            self.send_response(302)
            self.send_header("Location", self.path[len("/moved/"):].replace("%3A", ":").replace("%2F", "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/policies/P7":
            self._json(200, {"data": {"holder": "same host", "premium": 7, "bills": []}})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        doc = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.posted.append(doc)
        self._json(200, [{"accepted": True, "reading": doc["reading"]}])


@pytest.fixture
def customer_api():
    CustomerApi.release.clear()
    CustomerApi.posted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CustomerApi)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        CustomerApi.release.set()
        server.shutdown()
        server.server_close()


HTTP_LOOKUP = """source = "crm"
path = "/policies/${policy}"
into = { "data.holder" = "holder", "data.premium" = "premium", "data.bills[0].due" = "due" }
next = "tell"
on_empty = "unknown"
"""


def policy_flow(lookup: str) -> str:
    return lookup_flow(lookup).replace('var = "account"', 'var = "policy"')


@pytest.mark.long
async def test_http_lookup_get_post_and_not_found(tmp_path, customer_api):
    post = """source = "crm"
path = "/readings"
method = "POST"
body = { account = "${account}", reading = "${account}7" }
rows_path = ""
into = { "[0].accepted" = "accepted" }
count_var = "n"
next = "tell"
"""
    flows = {"a.toml": policy_flow(HTTP_LOOKUP.replace("/policies/", "/policies/P")).replace(
                 'numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "b.toml": lookup_flow(post).replace('numbers = ["4008*"]', 'numbers = ["4008005678"]')}
    src = LookupSource(name="crm", kind="http", url=customer_api, timeout_ms=3000, headers=("X-Api-Key: k1",))
    async with running_ivrd(tmp_path, flows, PROMPTS, ivrd={"sources": (src,)}) as ivr:
        out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
        assert out.prompts == ["zh/enter-account.wav", "zh/balance-is.wav", "zh/goodbye.wav"]
        v = ivr.vars(out.call_id)
        assert (v["holder"], v["premium"], v["due"]) == ("王五", 3650, "2026-12-01")

        out = await ivr.call([{"press": "9#"}], dialled="4008001234")          # HTTP 404
        assert out.prompts == ["zh/enter-account.wav", "zh/no-account.wav", "zh/goodbye.wav"]
        assert ivr.steps(out.call_id)[1] == ("bill", None, "empty")

        out = await ivr.call([{"press": "42#"}], dialled="4008005678")
        assert out.prompts[1] == "zh/balance-is.wav"
        assert CustomerApi.posted == [{"account": "42", "reading": "427"}]
        assert ivr.vars(out.call_id)["accepted"] is True and ivr.vars(out.call_id)["n"] == 1


async def test_url_variables_are_encoded(tmp_path, customer_api):
    flow = policy_flow(HTTP_LOOKUP.replace("/policies/${policy}", "/policies/P${slash}"))
    flow = flow.replace('next = "bill"', 'next = "mark"', 1) + """
[nodes.mark]
type = "set"
vars = { slash = "'/' + policy" }
next = "bill"
"""
    src = LookupSource(name="crm", kind="http", url=customer_api, timeout_ms=3000, headers=("X-Api-Key: k1",))
    async with running_ivrd(tmp_path, {"a.toml": flow}, PROMPTS, ivrd={"sources": (src,)}) as ivr:
        out = await ivr.call([{"press": "1#"}])
        assert ivr.vars(out.call_id)["holder"] == "encoded"


async def test_slow_http_service_times_out_and_the_daemon_goes_on(tmp_path, customer_api):
    slow = HTTP_LOOKUP.replace("/policies/${policy}", "/slow/${policy}")
    flows = {"a.toml": policy_flow(HTTP_LOOKUP.replace("/policies/", "/policies/P")).replace(
                 'numbers = ["4008*"]', 'numbers = ["4008001234"]'),
             "b.toml": policy_flow(slow).replace('numbers = ["4008*"]', 'numbers = ["4008005678"]')}
    src = LookupSource(name="crm", kind="http", url=customer_api, timeout_ms=300, headers=("X-Api-Key: k1",))
    async with running_ivrd(tmp_path, flows, PROMPTS, ivrd={"sources": (src,)}) as ivr:
        out = await ivr.call([{"press": "1001#"}], dialled="4008005678")
        assert out.prompts == ["zh/enter-account.wav", "zh/try-later.wav"]
        detail = ivr.rows("SELECT detail FROM ivr_steps WHERE call_id = :c AND result = 'error'", c=out.call_id)
        assert "timeout: no answer within 300 ms" in detail[0]["detail"]
        out = await ivr.call([{"press": "1001#"}], dialled="4008001234")
        assert out.prompts == ["zh/enter-account.wav", "zh/balance-is.wav", "zh/goodbye.wav"]


class Elsewhere(BaseHTTPRequestHandler):
    """Another host (another port on this machine): records who came, with which headers."""
    seen: list[dict] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **dict(self.headers)})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def elsewhere():
    Elsewhere.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_an_http_lookup_never_takes_the_sources_credentials_to_another_host(tmp_path, customer_api, elsewhere):
    """A path variable holding a whole URL stays a path at the source; a redirect to another host is refused."""
    from telephonist.ivrd.lookup_sources import LookupFailed, LookupSources
    src = LookupSource(name="crm", kind="http", url=customer_api, timeout_ms=3000, headers=("X-Api-Key: k1",))
    lookups = LookupSources((src,))
    try:
        answer = await lookups.http("crm", "GET", fill_url("/policies/${v}", {"v": elsewhere + "/steal"}), None)
        assert answer.status == 404                             # asked the CRM for an odd policy number
        with pytest.raises(LookupFailed) as err:
            await lookups.http("crm", "GET", "/moved/" + elsewhere + "/steal", None)
        assert err.value.kind == "error" and "redirect to another host refused" in str(err.value)
        answer = await lookups.http("crm", "GET", "/moved/" + customer_api + "/policies/P7", None)
        assert answer.document["data"]["holder"] == "same host"   # a redirect within the source is followed
        for path in (elsewhere + "/steal", "//" + elsewhere.split("//")[1] + "/steal"):   # past the loader
            assert (await lookups.http("crm", "GET", path, None)).status == 404  # a path at the CRM, nothing more
    finally:
        lookups.close()
    assert Elsewhere.seen == []


def test_a_path_naming_another_host_is_refused_when_the_flow_is_loaded(tmp_path):
    for path in ("http://127.0.0.1:9/steal", "//127.0.0.1:9/steal", "https://crm.example/${x}"):
        problems = load_problems(tmp_path, HTTP_LOOKUP.replace('"/policies/${policy}"', f'"{path}"'))
        assert problems == [problems[0]] and "it cannot name another host (no ://)" in problems[0], path


# ---- the loader ------------------------------------------------------------------------------------
def load_problems(tmp_path, lookup: str) -> list[str]:
    flows = tmp_path / "flows"
    flows.mkdir(exist_ok=True)
    (flows / "gas.toml").write_text(lookup_flow(lookup))
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False,
                                           lookup_sources=frozenset({"customers", "crm"})))
    return [str(p) for p in err.value.problems]


def test_bad_lookups_are_refused_with_file_and_line(tmp_path):
    text = lookup_flow(SQL_LOOKUP)
    line = text.splitlines().index('source = "customers"') + 1
    problems = load_problems(tmp_path, SQL_LOOKUP.replace('"customers"', '"custmers"'))
    assert problems == [f"{tmp_path}/flows/gas.toml:{line}: node 'bill': no lookup source named 'custmers' in "
                        "[[ivrd.sources]] (crm, customers)"]

    problems = load_problems(tmp_path, SQL_LOOKUP.replace(":account", "'${account}'"))
    assert len(problems) == 1 and ":%d:" % (line + 1) in problems[0] and "bound parameters" in problems[0]

    problems = load_problems(tmp_path, SQL_LOOKUP.replace("account = :account", "account = :acct"))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "node 'bill': query uses :acct, which params does not give",
        "node 'bill': params gives 'account', which the query does not use (:account)"]

    problems = load_problems(tmp_path, SQL_LOOKUP.replace("ORDER BY due", "ORDER BY due; DROP TABLE bills"))
    assert "one statement per lookup" in problems[0]

    problems = load_problems(tmp_path, HTTP_LOOKUP + 'method = "PUT"\nrows_path = "data..[x]"\n')
    assert any("method must be GET or POST" in p for p in problems)
    assert any("'data..[x]' is not a JSON path" in p for p in problems)

    problems = load_problems(tmp_path, SQL_LOOKUP.replace('on_empty = "unknown"', 'on_empty = "unknwn"'))
    assert "on_empty goes to 'unknwn', which this flow does not have; did you mean 'unknown'?" in problems[0]


async def test_a_menu_after_a_lookup_does_not_get_the_key_that_ended_the_collect(tmp_path):
    """chand tells the end of a collection before the dtmf event of its # key; while the lookup runs,
    that key must not become typeahead for the menu that follows."""
    url = customer_db(tmp_path / "customers.db")
    flow = lookup_flow(SQL_LOOKUP.replace('next = "tell"', 'next = "menu"')) + """
[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "1" = "tell" }
"""
    async with running_ivrd(tmp_path, {"gas.toml": flow}, PROMPTS + ["zh/menu.wav"],
                            ivrd=sources(customers=("sql", url, 3000))) as ivr:
        out = await ivr.call([{"press": "1001#"}, {"press": "1"}])
        assert out.prompts == ["zh/enter-account.wav", "zh/menu.wav", "zh/balance-is.wav", "zh/goodbye.wav"]
        assert ivr.steps(out.call_id)[2] == ("menu", "1", "ok")
