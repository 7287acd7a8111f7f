"""Browser tests: Debian's Chromium driven by Playwright against Django's live server. The journeys keep
screenshots of what they walk, at 1440 and 390 px wide, in var/screenshots/ (CI keeps the folder as an artifact)."""
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    # a browser asking for English still gets Chinese; a desktop screen as the bureau's clerks have
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:  # keep a screenshot of where it broke, as a test artifact
        artifacts = Path(request.config.rootpath) / "var" / "test-artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert violations == [], f"the page broke its Content-Security-Policy: {violations}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = ((1440, 900), (390, 844))  # a desktop and a phone


# The pictures are taken when PORTAL_SCREENSHOTS is set (.ci/run sets it: they are its artifacts; set it to look at
# them after a local run); every run checks every width.
TAKE = bool(os.environ.get("PORTAL_SCREENSHOTS"))


def shoot(page, name: str) -> None:
    """Screenshots of the page at each width (var/screenshots/<name>-<width>.png, with PORTAL_SCREENSHOTS set); on a
    phone nothing may need horizontal scrolling (lists become cards, forms one column)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    try:
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            if TAKE:
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name}: {wide} px wide on a {width} px screen"
    finally:
        page.set_viewport_size(before)
