"""A live server on loopback and Debian's Chromium driven by Playwright."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TABLET = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1280, "height": 800}


@pytest.fixture
def live_server(app, fresh_database):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium "
            "fonts-wqy-microhei; .ci/run does this)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=TABLET, locale="zh-CN", base_url=live_server)
    # Pages must work without the internet: any request off this machine fails the test.
    offsite = []
    context.route(
        "**/*",
        lambda route: route.continue_()
        if route.request.url.startswith(live_server)
        else (offsite.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    yield page
    context.close()
    assert not offsite, f"pages asked the internet for {offsite}"


@pytest.fixture
def shot():
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)

    return take
