"""End to end in a real browser: Debian's Chromium driven by Playwright against `streamlit run ui/app.py`."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import (
    ARTIFACTS,
    EN_ANSWER_WORDS,
    EN_QUESTION,
    RU_ANSWER_WORDS,
    RU_QUESTION,
    FrontFiles,
    RunningServer,
    child_env,
    free_port,
    start_server,
    stop_server,
)

log = logging.getLogger(__name__)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def streamlit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    server = start_server(
        [sys.executable, "-m", "assistant", "ui", str(folder / "ws"), "--port", str(port)],
        f"http://127.0.0.1:{port}",
        "/_stcore/health",
        child_env(),
        folder / "streamlit.log",
    )
    yield server
    stop_server(server)


def _wait_until_idle(page: Any) -> None:
    """Streamlit marks its root while a script run is in progress; screenshots wait for the end of it."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=stApp]');"
        " return app && app.dataset.testScriptState !== 'running'"
        " && [...document.images].every(img => img.complete && img.naturalWidth > 0); }"
    )


def _red_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r > 180 and g < 90 and b < 90)


def test_upload_ask_and_see_the_highlighted_citation(
    streamlit_app: RunningServer, front_files: FrontFiles
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(20_000)
            page.goto(streamlit_app.url)
            expect(page.get_by_role("heading", name="Document assistant")).to_be_visible()

            sidebar = page.get_by_test_id("stSidebar")
            files = [front_files.coffee, front_files.vacuum, front_files.broken]
            sidebar.locator("input[type=file]").set_input_files([str(path) for path in files])
            expect(sidebar.get_by_text("broken.pdf", exact=True)).to_be_visible()
            sidebar.get_by_role("button", name="Index files").click()
            expect(sidebar.get_by_text("Indexed 2 file(s)")).to_be_visible()
            expect(sidebar.get_by_text("Not indexed: broken.pdf", exact=False)).to_be_visible()
            expect(sidebar.get_by_text("coffee-machine.pdf · 3 p.")).to_be_visible()

            timings = []
            for question, words in ((RU_QUESTION, RU_ANSWER_WORDS), (EN_QUESTION, EN_ANSWER_WORDS)):
                page.get_by_label("Your question").fill(question)
                started = time.perf_counter()
                page.get_by_role("button", name="Ask", exact=True).click()
                answer = page.get_by_test_id("stAlertContentSuccess").filter(has_text=words)
                expect(answer).to_be_visible()
                timings.append(round(time.perf_counter() - started, 3))
            log.info("press Ask -> answer shown: %s s (first, then warm)", timings)

            # The EN answer is the latest; its thumbnail shows the cited line boxed in red.
            _wait_until_idle(page)
            thumbnail = page.get_by_test_id("stImage").locator("img").first
            expect(thumbnail).to_be_visible()
            assert _red_pixels(thumbnail.screenshot()) > 200
            expect(page.get_by_text("coffee-machine.pdf, page 2").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)

            page.get_by_role("button", name="Enlarge").first.click()
            enlarged = page.get_by_test_id("stPopoverBody").get_by_test_id("stImage").locator("img")
            expect(enlarged).to_be_visible()
            _wait_until_idle(page)
            assert enlarged.bounding_box()["width"] > thumbnail.bounding_box()["width"]  # type: ignore[index]
            page.screenshot(path=str(ARTIFACTS / "ui-enlarged.png"))
            page.keyboard.press("Escape")

            # The first question moved to the history.
            expect(page.get_by_test_id("stExpander").get_by_text(RU_QUESTION)).to_be_visible()
        finally:
            browser.close()
    (ARTIFACTS / "ui-timing.json").write_text(
        json.dumps({"press_ask_to_answer_s": timings, "note": "first question, then a warm one"}),
        encoding="utf-8",
    )
