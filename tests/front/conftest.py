"""Shared fixtures for the front doors: real PDFs (EN and RU), bad files, one indexed workspace, servers."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fpdf import FPDF

from assistant import Assistant

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ARTIFACTS = ROOT / "test-artifacts"

COFFEE_PAGES = [
    (
        "Getting started",
        "Fill the water tank with cold drinking water up to the MAX line. "
        "Press the power button and wait until the green light stops blinking. "
        "The first cup after a long pause may taste weak, so pour it away.",
    ),
    (
        "Cleaning and descaling",
        "Descale the machine every three months, or sooner when the orange descaling light turns on. "
        "Rinse the milk frother with warm water after every use. "
        "Never put the water tank in the dishwasher.",
    ),
    (
        "Troubleshooting",
        "If the coffee comes out too slowly, grind the beans more coarsely. "
        "If no water flows at all, check that the tank is seated correctly and the valve is open. "
        "Call the service centre if the red warning light keeps flashing.",
    ),
]
VACUUM_PAGES = [
    (
        "Уход за пылесосом",
        "Мешок для пыли нужно менять каждые два месяца или когда индикатор загорается красным. "
        "Фильтр следует промывать холодной водой раз в месяц и сушить не меньше суток.",
    ),
    (
        "Хранение",
        "Перед чисткой щётки выключите пылесос из розетки. "
        "Храните прибор в сухом месте при комнатной температуре, вдали от батарей отопления.",
    ),
]

# Follow-ups: a device turned on in one manual and off in the same one, and another manual that turns
# something else off, so that a follow-up answered without its conversation would likely go astray.
ROUTER_PAGES = [
    (
        "Wireless",
        "To enable the Wi-Fi adapter, press the Wi-Fi key on the front panel once; the blue light comes on.",
    ),
    (
        "Wireless",
        "To turn the Wi-Fi adapter off, hold the Wi-Fi key for three seconds; the blue light goes out.",
    ),
    ("Ports", "Connect the modem to the yellow WAN port. The four grey LAN ports are for computers."),
]
KETTLE_PAGES = [
    (
        "Boiling water",
        "Fill the kettle and press the switch down to turn it on. "
        "How do I turn it off early? Lift the switch and the kettle stops heating.",
    ),
]
LAPTOP_PAGES = [
    ("Включение", "Чтобы включить режим энергосбережения, нажмите Fn+F7: индикатор загорится зелёным."),
    (
        "Отключение",
        "Чтобы отключить режим энергосбережения, нажмите Fn+F8 и дождитесь, пока индикатор погаснет.",
    ),
]
ALARM_PAGES = [
    (
        "Сигнал",
        "Как его отключить? Чтобы отключить будильник, нажмите большую кнопку сверху. "
        "Чтобы включить подсветку, нажмите кнопку сбоку.",
    ),
]
FOLLOW_UPS = {
    # language: (first question, words of its answer, follow-up, words of the follow-up's answer, its manual)
    "en": (
        # "turn on" would do as well for the model backends; the extractive reader cannot tell it from
        # "turn off" (both pages are about turning the adapter), which is its weakness, not the wiring's.
        "How do I enable the Wi-Fi adapter?",
        "press the Wi-Fi key",
        "And how do I turn it off?",
        "three seconds",
        "router-r7.pdf",
    ),
    "ru": (
        "Как включить режим энергосбережения?",
        "Fn+F7",
        "а как его отключить?",
        "Fn+F8",
        "ноутбук.pdf",
    ),
}

EN_QUESTION = "How often should I descale the machine?"
EN_ANSWER_WORDS = "three months"
RU_QUESTION = "Как часто нужно менять мешок для пыли?"
RU_ANSWER_WORDS = "два месяца"
UNANSWERABLE = "What is the boiling point of liquid nitrogen on Mars?"


def write_manual(path: Path, title: str, pages: list[tuple[str, str]]) -> Path:
    """A real multi-page PDF with a text layer, Cyrillic included (DejaVu Sans)."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    for heading, body in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.multi_cell(0, 10, f"{title}: {heading}")
        pdf.ln(4)
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, body)
    pdf.output(str(path))
    return path


@dataclass(frozen=True)
class FrontFiles:
    coffee: Path
    vacuum: Path
    broken: Path
    text: Path

    @property
    def good(self) -> list[Path]:
        return [self.coffee, self.vacuum]


@pytest.fixture(scope="session")
def front_files(tmp_path_factory: pytest.TempPathFactory) -> FrontFiles:
    folder = tmp_path_factory.mktemp("front-files")
    broken = folder / "broken.pdf"
    # A PDF header followed by nothing a PDF reader can parse: a download cut short.
    broken.write_bytes(
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"\x00garbage" * 40
    )
    text = folder / "notes.txt"
    text.write_text("These are plain-text notes, not a manual.\n", encoding="utf-8")
    return FrontFiles(
        coffee=write_manual(folder / "coffee-machine.pdf", "Aurora CM-200", COFFEE_PAGES),
        vacuum=write_manual(folder / "пылесос.pdf", "Пылесос Вихрь-5", VACUUM_PAGES),
        broken=broken,
        text=text,
    )


def write_follow_up_manuals(folder: Path) -> list[Path]:
    """The four manuals of the follow-up tests (EN and RU), as real PDFs in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_manual(folder / "router-r7.pdf", "Router R-7", ROUTER_PAGES),
        write_manual(folder / "kettle.pdf", "Kettle K-2", KETTLE_PAGES),
        write_manual(folder / "ноутбук.pdf", "Ноутбук Н-3", LAPTOP_PAGES),
        write_manual(folder / "будильник.pdf", "Будильник Б-1", ALARM_PAGES),
    ]


@pytest.fixture(scope="session")
def conversation_workspace(tmp_path_factory: pytest.TempPathFactory, front_files: FrontFiles) -> Path:
    """The coffee machine's and vacuum's manuals and the follow-up manuals, indexed (read-only in tests)."""
    folder = tmp_path_factory.mktemp("conversation")
    with Assistant(folder / "ws") as assistant:
        assistant.add([*front_files.good, *write_follow_up_manuals(folder / "manuals")])
    return folder / "ws"


@pytest.fixture(scope="session")
def indexed_workspace(tmp_path_factory: pytest.TempPathFactory, front_files: FrontFiles) -> Path:
    """One workspace with both manuals, shared by the batch, LangChain and UI tests (read-only there)."""
    root = tmp_path_factory.mktemp("front-ws") / "ws"
    with Assistant(root) as assistant:
        assistant.add(front_files.good)
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]


def start_server(
    command: list[str], url: str, ready_path: str, env: dict[str, str], log_path: Path, timeout: float = 90
) -> RunningServer:
    """Start a real server process and wait until `ready_path` answers 200."""
    handle = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = RunningServer(url, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[:3]} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(url + ready_path, timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"{command[:3]} did not answer within {timeout}s:\n{server.log_tail()}")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    base = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
    if not base:
        pytest.skip(
            "ASSISTANT_TEST_DATABASE_URL is not set; run scripts/start-postgres.sh (see docs/FRONT_DOORS.md)"
        )
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"assistant_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
