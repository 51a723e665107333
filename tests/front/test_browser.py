"""End to end in a real browser: Debian's Chromium driven by Playwright against `python -m assistant ui`."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from assistant import Assistant
from indexer.marks import red_mask
from tests.assistant.generators.model_scripts import ModelServer
from ui.strings import STRINGS

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
    write_manual,
)
from .model_server import Hold, cites, model_server
from .test_ui import HOSTILE_QUESTION, hostile_manual

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
UPLOAD_LIMIT_MB = 2
"""The server under test gets a small upload limit, so that a file over it is cheap to make."""
EN, RU = STRINGS["en"], STRINGS["ru"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def streamlit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    server = start_server(
        [
            sys.executable, "-m", "assistant", "ui", str(folder / "ws"),
            "--port", str(port), "--max-upload-mb", str(UPLOAD_LIMIT_MB),
        ],
        f"http://127.0.0.1:{port}",
        "/_stcore/health",
        child_env(),
        folder / "streamlit.log",
    )  # fmt: skip
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, streamlit_app: RunningServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(streamlit_app.url)
    ARTIFACTS.mkdir(exist_ok=True)
    yield tab
    context.close()


@pytest.fixture
def expect() -> Any:
    playwright_expect = pytest.importorskip("playwright.sync_api").expect
    # Answers take seconds on a loaded machine; waiting is not timing, so be generous.
    playwright_expect.set_options(timeout=60_000)
    return playwright_expect


class Pixels(BaseHTTPRequestHandler):
    """Answers every GET with a 1x1 PNG and writes the path down: a fetch the page must never make."""

    requests: list[str]
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("pixel server: " + format, *args)


@pytest.fixture
def pixel_server() -> Iterator[tuple[int, list[str]]]:
    requests: list[str] = []
    handler = type("RecordingPixels", (Pixels,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def _wait_until_idle(page: Any) -> None:
    """Streamlit marks its root while a script run is in progress; screenshots wait for the end of it."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=stApp]');"
        " return app && app.dataset.testScriptState !== 'running'"
        " && [...document.images].every(img => img.complete && img.naturalWidth > 0); }"
    )


def _red_pixels(png: bytes) -> int:
    """Pixels the indexer would take for a red annotation mark."""
    return int(red_mask(Image.open(io.BytesIO(png))).sum())


def _blue_pixels(png: bytes) -> int:
    """Pixels of the citation's blue: its dashed outline and its light fill."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((blue > 150) & (blue - red > 40) & (blue - green > 20)).sum())


def _after(locator: Any) -> str:
    """The words CSS puts after the element (our translation), unquoted; '' when there are none."""
    content = str(locator.evaluate("e => getComputedStyle(e, '::after').content"))
    return json.loads(content) if content.startswith('"') else ""


def _hidden(locator: Any) -> bool:
    return bool(locator.evaluate("e => getComputedStyle(e).display === 'none'"))


def _open_picker(page: Any, expect: Any, label: str) -> None:
    _wait_until_idle(page)
    picker = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_role("combobox", name=label))
    picker.get_by_role("button", name="Open").click()
    expect(page.get_by_role("listbox")).to_be_visible()


def _choose_documents(
    page: Any, expect: Any, label: str, names: list[str], absent: tuple[str, ...] = ()
) -> None:
    _open_picker(page, expect, label)
    for name in absent:
        expect(page.get_by_role("option", name=name, exact=True)).to_have_count(0)
    for name in names:
        page.get_by_role("option", name=name, exact=True).click()
    page.keyboard.press("Escape")


def _upload(
    page: Any, expect: Any, files: list[Path], outcome: str, button_label: str = EN.index_button
) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type=file]").set_input_files(files)
    button = sidebar.get_by_role("button", name=button_label)
    expect(button).to_be_enabled()
    button.click()
    expect(sidebar.locator(".doc-notice").filter(has_text=outcome).first).to_be_visible()


def _ask(page: Any, expect: Any, question: str) -> Any:
    """Ask through the chat box; returns the answer's notice (in the last assistant message)."""
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(before + 2)
    answer = messages.last.locator(".doc-notice").first
    expect(answer).to_be_visible()
    return answer


def test_upload_ask_and_see_the_highlighted_citation(page: Any, expect: Any, front_files: FrontFiles) -> None:
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
        started = time.perf_counter()
        answer = _ask(page, expect, question)
        expect(answer).to_contain_text(words)
        timings.append(round(time.perf_counter() - started, 3))
    log.info("press Enter -> answer shown: %s s (first, then warm)", timings)

    # The EN answer is the latest; its thumbnail shows the cited line boxed in blue, nothing red.
    _wait_until_idle(page)
    latest = page.get_by_test_id("stChatMessage").last
    thumbnail = latest.get_by_test_id("stImage").locator("img").first
    expect(thumbnail).to_be_visible()
    shot = thumbnail.screenshot()
    assert _blue_pixels(shot) > 200
    assert _red_pixels(shot) == 0
    expect(latest.get_by_text("coffee-machine.pdf, page 2").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)

    latest.get_by_role("button", name="Enlarge").first.click()
    enlarged = page.get_by_test_id("stPopoverBody").get_by_test_id("stImage").locator("img")
    expect(enlarged).to_be_visible()
    _wait_until_idle(page)
    assert enlarged.bounding_box()["width"] > thumbnail.bounding_box()["width"]  # type: ignore[index]
    page.screenshot(path=str(ARTIFACTS / "ui-enlarged.png"))
    page.keyboard.press("Escape")

    # The first question stays above, in the thread, with its sources folded away.
    first = page.get_by_test_id("stChatMessage").filter(has_text=RU_QUESTION)
    expect(first).to_be_visible()
    expect(page.get_by_test_id("stExpander").filter(has_text="Источники (1)")).to_be_visible()
    (ARTIFACTS / "ui-timing.json").write_text(
        json.dumps({"press_ask_to_answer_s": timings, "note": "first question, then a warm one"}),
        encoding="utf-8",
    )


def test_markdown_in_a_pdf_and_its_name_loads_nothing_and_links_nowhere(
    page: Any, expect: Any, tmp_path: Path, pixel_server: tuple[int, list[str]]
) -> None:
    port, requests = pixel_server
    manual = hostile_manual(tmp_path, port)
    _upload(page, expect, [manual], "Indexed 1 file(s)")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"{manual.name} · 2 p.")).to_be_visible()

    answer = _ask(page, expect, HOSTILE_QUESTION)
    expect(answer).to_contain_text(f"![p](http://127.0.0.1:{port}/pixel.png)")
    latest = page.get_by_test_id("stChatMessage").last
    expect(latest.get_by_text(f"{manual.name}, page 1").first).to_be_visible()
    expect(latest.locator(".doc-quote").first).to_contain_text(
        f"[Support portal](http://127.0.0.1:{port}/portal)"
    )

    # Limit the next question to it: the picker and its chosen tag show the name as text too.
    _choose_documents(page, expect, EN.filter_label, [manual.name])
    _ask(page, expect, HOSTILE_QUESTION)
    expect(page.get_by_test_id("stChatMessage").last.locator(".doc-notice")).to_contain_text("Reset")
    _wait_until_idle(page)
    page.screenshot(path=str(ARTIFACTS / "ui-markdown-as-text.png"), full_page=True)

    # The browser resolves "http:127.0.0.1:PORT" to http://127.0.0.1:PORT/: look at resolved URLs.
    pointing = page.evaluate(
        "port => [...document.querySelectorAll('a[href], img[src], [srcset], iframe, link[href]')]"
        ".map(e => e.href || e.src || e.srcset || '').filter(url => url.includes('127.0.0.1:' + port))",
        port,
    )
    assert pointing == []
    page.wait_for_timeout(500)  # an image fetch the page did start would have arrived by now
    assert requests == []


def test_the_russian_page_has_no_english_left_in_the_uploader(
    page: Any, expect: Any, tmp_path: Path, front_files: FrontFiles
) -> None:
    page.get_by_test_id("stSidebar").get_by_text("Русский").click()
    expect(page.get_by_role("heading", name=RU.title)).to_be_visible()
    dropzone = page.get_by_test_id("stFileUploaderDropzone")
    size = RU.megabytes.format(count=UPLOAD_LIMIT_MB)
    # Streamlit's "Upload" is gone, ours is what the button shows and what a screen reader names.
    picker = dropzone.get_by_role("button", name=RU.upload_button)
    expect(picker).to_be_visible()
    assert _hidden(picker.get_by_test_id("stMarkdownContainer"))
    assert _after(picker.locator("[data-has-shortcut]")) == RU.upload_button
    instructions = page.get_by_test_id("stFileUploaderDropzoneInstructions").locator("> div")
    assert _hidden(instructions.locator("span")) and "2MB" not in instructions.inner_text()
    assert _after(instructions) == RU.upload_limit.format(size=size)

    # While files are dragged over it.
    transfer = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'a.pdf')); return d; }"
    )
    dropzone.dispatch_event("dragenter", {"dataTransfer": transfer})
    overlay = dropzone.locator("> div:not([data-testid])")  # the picker holds no files yet
    expect(overlay).to_have_count(1)
    assert _hidden(overlay.locator("span")) and _after(overlay) == RU.upload_drop
    page.screenshot(path=str(ARTIFACTS / "ui-ru-drag.png"))
    dropzone.dispatch_event("dragleave", {"dataTransfer": transfer})

    # A file over the limit is refused in the browser, and the refusal is in Russian.
    too_big = {"name": "скан.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * (3 << 20)}
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files([too_big])
    chip = page.get_by_test_id("stFileChip").filter(has_text="скан.pdf")
    expect(chip).to_have_attribute("aria-invalid", "true")
    chip.hover()
    tooltip = page.get_by_test_id("stTooltipErrorContent")
    expect(tooltip).to_be_attached()
    assert _after(tooltip) == RU.upload_rejected.format(size=size)
    page.screenshot(path=str(ARTIFACTS / "ui-ru-uploader.png"))

    # The document picker's own words.
    _upload(page, expect, [front_files.vacuum, front_files.coffee], "пылесос.pdf", RU.index_button)
    _open_picker(page, expect, RU.filter_label)
    select_all = page.locator('[role="option"][data-key="__select_all__"]')
    expect(select_all).to_be_visible()
    assert _after(select_all) == RU.select_all and _hidden(select_all.locator("> div"))
    page.keyboard.press("Escape")

    # And the rest of the page: buttons and messages in Russian, the answer in the question's language.
    answer = _ask(page, expect, RU_QUESTION)
    expect(answer).to_contain_text(RU_ANSWER_WORDS)
    expect(page.get_by_role("button", name=RU.clear_history)).to_be_visible()
    expect(page.get_by_test_id("stChatMessage").last.get_by_role("heading", name=RU.sources)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-ru.png"), full_page=True)


def test_delete_asks_first_and_the_filter_limits_the_question(
    page: Any, expect: Any, tmp_path: Path, front_files: FrontFiles
) -> None:
    printer = write_manual(
        tmp_path / "printer.pdf",
        "Printer P-9",
        [("Paper", "Load at most 250 sheets of A4 paper into the tray and fan them before loading.")],
    )
    _upload(page, expect, [printer, front_files.coffee, front_files.vacuum], "printer.pdf")
    sidebar = page.get_by_test_id("stSidebar")
    row = sidebar.get_by_test_id("stHorizontalBlock").filter(has_text="printer.pdf · 1 p.")
    row.get_by_role("button", name=EN.delete).click()
    confirm = sidebar.get_by_text(EN.delete_confirm.format(name="printer.pdf"))
    expect(confirm).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-delete-confirm.png"))
    sidebar.get_by_role("button", name=EN.cancel).click()
    expect(confirm).to_be_hidden()
    # Exactly one row, waited for: while Streamlit reruns, the old row may still stand beside the new one.
    expect(sidebar.get_by_text("printer.pdf · 1 p.")).to_have_count(1)

    row.get_by_role("button", name=EN.delete).click()
    sidebar.get_by_role("button", name=EN.delete_yes).click()
    expect(sidebar.get_by_text("Deleted printer.pdf")).to_be_visible()
    expect(sidebar.get_by_text("printer.pdf · 1 p.")).to_have_count(0)

    # Limited to the vacuum cleaner's manual, the coffee machine's answer is not found.
    _choose_documents(page, expect, EN.filter_label, ["пылесос.pdf"], absent=("printer.pdf",))
    _ask(page, expect, EN_QUESTION)
    latest_question = page.get_by_test_id("stChatMessage").nth(-2)
    expect(latest_question.get_by_text("In: пылесос.pdf")).to_be_visible()
    expect(page.get_by_test_id("stChatMessage").last.get_by_text("coffee-machine.pdf")).to_have_count(0)


def test_the_thread_survives_a_reload_and_clearing_it_asks_first(
    page: Any, expect: Any, browser: Any, streamlit_app: RunningServer, front_files: FrontFiles
) -> None:
    _upload(page, expect, [front_files.coffee], "coffee-machine.pdf")
    expect(_ask(page, expect, EN_QUESTION)).to_contain_text(EN_ANSWER_WORDS)
    messages = page.get_by_test_id("stChatMessage")
    count = messages.count()

    page.reload()
    expect(messages).to_have_count(count)
    expect(messages.nth(-2)).to_contain_text(EN_QUESTION)
    expect(messages.last.locator(".doc-notice")).to_contain_text(EN_ANSWER_WORDS)
    # Another browser sees the same workspace's questions.
    other = browser.new_context().new_page()
    other.goto(streamlit_app.url)
    expect(other.get_by_test_id("stChatMessage")).to_have_count(count)
    other.context.close()

    page.get_by_role("button", name=EN.clear_history).click()
    expect(
        page.get_by_text("? They are removed for everyone using this workspace.", exact=False)
    ).to_be_visible()
    page.get_by_role("button", name=EN.clear_yes).click()
    expect(page.get_by_text(EN.cleared)).to_be_visible()
    expect(messages).to_have_count(0)
    page.reload()
    expect(page.get_by_text(EN.history_empty)).to_be_visible()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0)


@pytest.fixture(scope="module")
def scripted_model() -> Iterator[ModelServer]:
    with model_server() as server:
        yield server


@pytest.fixture(scope="module")
def model_app(
    tmp_path_factory: pytest.TempPathFactory, scripted_model: ModelServer, front_files: FrontFiles
) -> Iterator[RunningServer]:
    """The UI answering through the openai backend (chosen by `ui`'s flags) and the scripted model."""
    folder = tmp_path_factory.mktemp("browser-model")
    with Assistant(folder / "ws") as assistant:
        assistant.add([front_files.coffee])
    port = free_port()
    server = start_server(
        [
            sys.executable, "-m", "assistant", "ui", str(folder / "ws"), "--port", str(port),
            "--generator", "openai", "--generator-url", scripted_model.url,
        ],
        f"http://127.0.0.1:{port}",
        "/_stcore/health",
        child_env(ASSISTANT_GENERATOR_FALLBACK="none", ASSISTANT_GENERATOR_MAX_IMAGES="1"),
        folder / "streamlit.log",
    )  # fmt: skip
    yield server
    stop_server(server)


def test_the_answer_streams_in_as_the_model_writes_it_and_a_follow_up_keeps_the_thread(
    browser: Any, expect: Any, model_app: RunningServer, scripted_model: ModelServer
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(model_app.url)
    hold = Hold()
    scripted_model.script(cites(EN_ANSWER_WORDS, "Descale the machine", " every three months", hold=hold))
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(EN_QUESTION)
    box.press("Enter")
    latest = page.get_by_test_id("stChatMessage").last
    # The model has written its first words and waits: the user already reads them.
    expect(latest.locator(".doc-notice")).to_have_text("Descale the machine")
    assert hold.reached.is_set()
    expect(latest.get_by_role("heading", name=EN.sources)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "ui-streaming.png"), full_page=True)
    hold.release.set()
    expect(latest.locator(".doc-notice")).to_have_text("Descale the machine every three months.")
    expect(latest.get_by_role("heading", name=EN.sources)).to_be_visible()
    expect(latest.get_by_text("coffee-machine.pdf, page 2").first).to_be_visible()
    expect(latest.get_by_text("written by the openai model", exact=False)).to_be_visible()
    _wait_until_idle(page)
    assert _blue_pixels(latest.get_by_test_id("stImage").locator("img").first.screenshot()) > 200
    page.screenshot(path=str(ARTIFACTS / "ui-streamed.png"), full_page=True)

    # A follow-up in the thread: the model reads the turn before it.
    scripted_model.script(cites("orange descaling light", "Sooner, when the orange light turns on"))
    answer = _ask(page, expect, "And when should I do it sooner?")
    expect(answer).to_have_text("Sooner, when the orange light turns on.")
    messages = scripted_model.chats[0].body["messages"]
    assert [m["content"] for m in messages[1:3]] == [EN_QUESTION, "Descale the machine every three months."]
    context.close()
