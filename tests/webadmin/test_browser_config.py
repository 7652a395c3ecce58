"""In Debian's Chromium (Playwright): change a flow and see the error against its line, then apply a good one;
upload prompts (WAV, MP3) and record one with the browser's microphone; blacklist with expiry; an agent
classifies and handles its voicemail but cannot open another's by URL. One server and one browser for the
module; screenshots of the new pages go to tests/_artifacts/screenshots/ with the others."""
from __future__ import annotations

import re
import subprocess
import wave

import pytest

from tests.webadmin.site_support import (MAIN_FLOW, add_box, add_fax, add_voicemail, make_site, seed_ivr_history,
                                         site_web_config)
from tests.webadmin.support import Served, make_users, password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/bootstrap.sh installs it)")]
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from telephonist.webadmin import create_app, db
    root = make_site(tmp_path_factory.mktemp("site") / "site").parent
    app = create_app(site_web_config(root / "telephonist.toml"))
    make_users(app)
    add_box(app, "1001", "Agent 1001")
    add_box(app, "1002", "Agent 1002")
    ids = {"mine": add_voicemail(app, root, "1001", "13800000001", ms=1500),
           "theirs": add_voicemail(app, root, "1002", "13900000009")}
    add_fax(app, root, caller="02188880000", pages=2)
    seed_ivr_history(app)
    server = Served(app)
    yield server.url, root, ids
    server.close()
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + MEDIA_ARGS)
        yield b
        b.close()


@pytest.fixture
def login(browser, served):
    contexts = []

    def as_user(name: str):
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
        ctx.grant_permissions(["microphone"], origin=served[0])
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        page.goto(served[0] + "/login?next=/inbox/voicemail/")      # not the live board: no event stream held open
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", password(name))
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/voicemail/")
        return page
    yield as_user
    for ctx in contexts:
        ctx.close()


def test_flow_error_against_its_line_then_a_good_flow_applied(login, served):
    from playwright.sync_api import expect
    url, root, _ = served
    page = login("admin")
    page.goto(url + "/config/flows/")
    expect(page.locator("#flows")).to_contain_text("main.toml")
    page.screenshot(path=SHOTS / "config-flows.png", full_page=True)
    page.click("#flows >> text=main.toml")
    bad = MAIN_FLOW.replace('type = "hangup"', 'type = "hangup_now"')
    line = bad.splitlines().index('type = "hangup_now"') + 1
    page.fill("#text", bad)
    page.click("#check")
    expect(page.locator(f'#gutter li[data-line="{line}"]')).to_have_class("err")
    expect(page.locator("#problems")).to_contain_text(f"line {line}: node 'bye': unknown node type 'hangup_now'")
    page.screenshot(path=SHOTS / "config-flow-error.png", full_page=True)
    page.click("#apply")                                         # refused: the file on disk stays
    expect(page.locator("p.flash.error")).to_contain_text("Not applied")
    assert (root / "flows" / "main.toml").read_text() == MAIN_FLOW

    good = MAIN_FLOW.replace('choices = { "1" = "bye" }', 'choices = { "1" = "bye", "9" = "menu" }')
    page.fill("#text", good)
    page.click("#apply")
    expect(page.locator("p.flash")).to_contain_text("Applied")
    assert (root / "flows" / "main.toml").read_text() == good
    expect(page.locator("#gutter li.err")).to_have_count(0)


def _wav_info(path):
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


def test_prompts_from_wav_mp3_and_the_browsers_microphone(login, served, tmp_path):
    from playwright.sync_api import expect
    url, root, _ = served
    for name, rate, secs in (("hello.wav", "44100", "1.2"), ("hours.mp3", "22050", "2")):
        subprocess.run(["sox", "-n", "-r", rate, "-c", "2", str(tmp_path / name), "synth", secs, "sine", "440"], check=True)
    page = login("admin")
    page.goto(url + "/config/prompts/")
    for name, folder in (("hello.wav", "zh"), ("hours.mp3", "en")):
        page.select_option("#upload-prompt select[name=folder]", folder)
        page.set_input_files("#upload-prompt input[type=file]", str(tmp_path / name))
        page.click("#upload")
        row = page.locator(f'#prompts tr[data-name="{folder}/{name.split(".")[0]}.wav"]')
        expect(row).to_contain_text("8000 Hz mono PCM 16-bit")
    assert _wav_info(root / "prompts" / "zh" / "hello.wav")[:3] == (8000, 1, 2)
    assert _wav_info(root / "prompts" / "en" / "hours.wav")[:3] == (8000, 1, 2)

    # record with the (fake) microphone: MediaRecorder, decoded and resampled in the page, uploaded as WAV
    page.select_option("#upload-prompt select[name=folder]", "zh")
    page.fill("#upload-prompt input[name=name]", "recorded")
    page.click("#rec-start")
    expect(page.locator("#rec-stop")).to_be_enabled()
    page.wait_for_timeout(1200)                                  # a little over a second of "speech"
    page.click("#rec-stop")
    expect(page.locator("#rec-save")).to_be_enabled()
    page.click("#rec-save")
    expect(page.locator('#prompts tr[data-name="zh/recorded.wav"]')).to_contain_text("8000 Hz mono")
    rate, channels, width, seconds = _wav_info(root / "prompts" / "zh" / "recorded.wav")
    assert (rate, channels, width) == (8000, 1, 2) and seconds > 0.5
    page.screenshot(path=SHOTS / "config-prompts.png", full_page=True)


def test_blacklist_entries_with_an_expiry(login, served):
    from playwright.sync_api import expect
    url, _, _ = served
    page = login("super")
    page.goto(url + "/config/blacklist")
    page.fill("#block input[name=number]", "13912345678")
    page.fill("#block input[name=reason]", "abusive caller")
    page.select_option("#expiry", "30m")
    page.click("#block button[type=submit]")
    row = page.locator('#blacklist tr[data-number="13912345678"]')
    expect(row).to_contain_text("abusive caller")
    expect(row.locator("td.expires")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"))
    page.fill("#block input[name=number]", "0755*")
    page.select_option("#expiry", "forever")
    page.click("#block button[type=submit]")
    expect(page.locator('#blacklist tr[data-number="0755*"] td.expires')).to_have_text("for good")
    page.screenshot(path=SHOTS / "config-blacklist.png", full_page=True)


def test_an_agent_handles_its_voicemail_and_cannot_open_anothers(login, served):
    from playwright.sync_api import expect
    url, _, ids = served
    page = login("agent1")
    page.goto(url + "/inbox/voicemail/")
    expect(page.locator("#voicemail tbody tr")).to_have_count(1)
    page.screenshot(path=SHOTS / "inbox-voicemail.png", full_page=True)
    page.locator("#voicemail tbody tr a").first.click()
    expect(page.locator("#player")).to_be_attached()    # the click's navigation done: the message's page
    played = page.evaluate("""async () => {
        const a = document.getElementById('player');
        await a.play();                 // resolves once playing: the metadata (duration) is loaded by then
        return {duration: a.duration, error: a.error && a.error.code};
    }""")
    assert played["error"] is None and played["duration"] > 1.0, played
    page.select_option("#classify select[name=category]", "complaint")
    page.click("#classify button")
    expect(page.locator("#category")).to_have_text("complaint")
    page.click("#handled button")
    expect(page.locator("#handled-by")).to_contain_text("Handled by agent1")
    page.screenshot(path=SHOTS / "inbox-voicemail-detail.png", full_page=True)

    r = page.goto(url + f"/inbox/voicemail/{ids['theirs']}")
    assert r.status == 404
    expect(page.locator("main")).to_contain_text("Not found.")
    assert page.goto(url + f"/inbox/voicemail/{ids['theirs']}/audio").status == 404


def test_screenshots_of_the_other_new_pages(login, served, browser):
    from playwright.sync_api import expect
    url, _, _ = served
    page = login("admin")
    for path, shot in (("/config/routing/", "config-routing"), ("/config/spans", "config-spans"),
                       ("/config/voicemail/", "config-voicemail-boxes"), ("/config/fax-documents/", "config-fax-documents"),
                       ("/config/holidays", "config-holidays"), ("/config/vip", "config-vip"),
                       ("/inbox/fax/", "inbox-fax"), ("/reports/ivr", "reports-ivr"), ("/reports/survey", "reports-survey")):
        assert page.goto(url + path).status == 200, path
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=SHOTS / f"{shot}.png", full_page=True)
    page.goto(url + "/inbox/fax/")
    page.locator("#faxes tbody tr a").first.click()
    expect(page.locator("#pdf")).to_be_visible()
    page.wait_for_timeout(2000)                                  # for the picture only: the PDF viewer draws late
    page.screenshot(path=SHOTS / "inbox-fax-detail.png", full_page=True)
    zh_ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN",   # same session, Chinese browser
                                 storage_state=page.context.storage_state())
    zh = zh_ctx.new_page()
    zh.goto(url + "/config/routing/")
    expect(zh.locator("h1")).to_have_text("中继组与路由")
    zh.screenshot(path=SHOTS / "config-routing-zh.png", full_page=True)
    zh_ctx.close()


def test_queues_edited_with_the_error_against_its_line(login, served):
    from playwright.sync_api import expect
    url, root, _ = served
    page = login("admin")
    page.goto(url + "/config/queues/")
    expect(page.locator("#queue-list")).to_contain_text("No queue yet.")
    text = page.locator("#text").input_value()
    bad = text.replace("queues = []\n", "") + '\n[[queues]]\nname = "sales"\nstrategy = "fastest"\n'
    line = bad.splitlines().index('strategy = "fastest"') + 1
    page.fill("#text", bad)
    page.click("#check")
    expect(page.locator(f'#gutter li[data-line="{line}"]')).to_have_class("err")
    expect(page.locator("#problems")).to_contain_text(f"line {line}: unknown strategy 'fastest'")
    page.screenshot(path=SHOTS / "config-queues-error.png", full_page=True)
    assert not (root / "conf.d" / "91-webadmin-acd.toml").exists()

    page.fill("#text", bad.replace('"fastest"', '"longest_idle"'))
    page.click("#apply")                             # no chand in this site: saved, and said to be unapplied
    expect(page.locator("p.flash.error")).to_contain_text("Saved, but chand is not reachable")
    expect(page.locator("#queue-list")).to_contain_text("longest_idle")
    assert 'name = "sales"' in (root / "conf.d" / "91-webadmin-acd.toml").read_text()
    page.screenshot(path=SHOTS / "config-queues.png", full_page=True)
