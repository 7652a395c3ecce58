"""In Debian's Chromium: every page of the console works under its Content-Security-Policy (nothing
refused), and a prompt whose file name is crafted as script is shown as text, never run."""
from __future__ import annotations

import pytest

from tests.support.ivrd_harness import make_prompt
from tests.webadmin.site_support import add_fax, make_site, site_web_config
from tests.webadmin.support import Served, make_users, password
from tests.webadmin.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/bootstrap.sh installs it)")]
CRAFTED = "zh/x'+(window.__xss=1)+'.wav"          # inside the old onclick="return confirm('Delete NAME?')"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from telephonist.webadmin import create_app, db
    root = make_site(tmp_path_factory.mktemp("site") / "site").parent
    make_prompt(str(root / "prompts" / CRAFTED))
    app = create_app(site_web_config(root / "telephonist.toml"))
    make_users(app)
    add_fax(app, root, caller="02188880000")
    server = Served(app)
    yield server.url, root, app
    server.close()
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def page(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")
        page.set_default_timeout(15000)
        page.refused = []
        page.on("console", lambda m: page.refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(served[0] + "/login?next=/config/prompts/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", password("admin"))
        page.click("button[type=submit]")
        page.wait_for_url("**/config/prompts/")
        yield page
        browser.close()


def test_every_page_works_under_the_content_security_policy(served, page):
    from playwright.sync_api import expect
    url, _, app = served
    pages = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/live/events", "/agent/events", "/agent/colleagues", "/agent/room",
                                                                                                       "/supervisor/events", "/wallboard/events", "/conferences/events",
                                                                                                       "/kb/panel", "/notices/mine", "/notices/wallboard", "/shifts/mine",
                                                                                                       "/agent/preview", "/agent/chat/mine", "/chat/", "/agent/softphone",
                                                                                                       "/call/back/"))
             and not rule.rule.endswith((".csv", ".xlsx"))
             and rule.rule != "/call"]      # the website's call widget (and its call-back's JSON): 404 without its settings
                                            # (test_widget.py, test_web_callback.py)
    for path in pages + ["/config/flows/edit/main.toml", "/inbox/fax/1"]:
        assert page.goto(url + path).status == 200, path
        expect(page.locator("h1").first).to_be_visible()
        assert page.refused == [], (path, page.refused)
    page.goto(url + "/inbox/fax/1")                       # the fax's PDF in a frame of the console's own page
    frame = page.frame_locator("#pdf")
    assert frame is not None
    with page.expect_response(lambda r: r.url.endswith("/inbox/fax/1/pdf")) as pdf:
        page.reload()
    assert pdf.value.status == 200 and page.refused == []
    page.goto(url + "/flows-is-not-a-page")               # the 404 page too
    assert page.refused == []


def test_a_crafted_prompt_name_is_shown_in_the_question_and_never_run(served, page):
    url, root, _ = served
    page.goto(url + "/config/prompts/")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()
    page.once("dialog", dismiss)
    page.locator(f'#prompts tr[data-name="{CRAFTED}"] button.danger').click()
    assert asked == [f"Delete {CRAFTED}?"]
    assert page.evaluate("window.__xss") is None
    assert (root / "prompts" / CRAFTED).exists()          # "Cancel" kept it
    page.once("dialog", lambda d: d.accept())
    page.locator(f'#prompts tr[data-name="{CRAFTED}"] button.danger').click()
    page.wait_for_url("**/config/prompts/")
    assert page.locator("p.flash").first.inner_text() == "Deleted."
    assert not (root / "prompts" / CRAFTED).exists() and page.evaluate("window.__xss") is None
    assert page.refused == []
