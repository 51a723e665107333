"""Real test documents, generated once per session: manuals as PDFs (fpdf2), screenshots (Pillow).

Everything a test reads is generated here or committed under tests/data (see PROVENANCE.md);
nothing is read from ../shared at run time.
"""

from __future__ import annotations

import math
import os
import struct
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest
from fpdf import FPDF
from hypothesis import settings

# The deep (e5) channel fills in the background after every add; tests that do not study it keep
# it off so that results never depend on how far a background thread got.
os.environ.setdefault("ASSISTANT_DEEP_EMBEDDER", "off")
from PIL import Image, ImageDraw, ImageFont

# Property tests assert what holds, never how fast: Hypothesis' default 200 ms deadline per example turned a
# loaded CI machine (or two engineers sharing two cores) into a failure of a correct function.
settings.register_profile("assistant", deadline=None, print_blob=True)
settings.load_profile("assistant")

if TYPE_CHECKING:
    from assistant import Assistant

REPOSITORY = Path(__file__).resolve().parents[1]
# pytest puts tests/ on sys.path for this file; there tests/assistant and tests/indexer would pass for
# namespace packages and hide the real ones unless the repository itself is on the path (plain `pytest`).
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DATA = Path(__file__).parent / "data"
RED = (220, 24, 24)

Box = tuple[int, int, int, int]
Shape = Literal["rectangle", "ellipse", "arrow"]
ManualPage = tuple[str, Sequence[str]]
"""(heading, paragraphs) of one manual page."""

VACUUM_EN: list[ManualPage] = [
    (
        "Safety instructions",
        [
            "Read this manual before using the vacuum cleaner. Keep the cord away from water and never "
            "pull the plug out of the socket by the cable.",
            "Children must not play with the appliance.",
        ],
    ),
    (
        "Maintenance",
        [
            "Replace the dust bag every 4 weeks. A full bag reduces the suction power and can overheat "
            "the motor.",
            "Clean the exhaust filter under running water once a month and let it dry for 24 hours.",
        ],
    ),
    (
        "Troubleshooting",
        [
            "If the vacuum cleaner does not start, check that the plug is in the socket and that the fuse "
            "is intact.",
            "A whistling noise means that the hose is blocked: remove the blockage with a long stick.",
        ],
    ),
]

VACUUM_RU: list[ManualPage] = [
    (
        "Техника безопасности",
        [
            "Перед первым включением пылесоса прочитайте это руководство. Не вынимайте вилку из розетки, "
            "потянув за шнур.",
        ],
    ),
    (
        "Обслуживание",
        [
            "Меняйте мешок пылесборника каждые 4 недели. Переполненный мешок снижает мощность "
            "всасывания и перегревает двигатель.",
            "Промывайте выходной фильтр под проточной водой раз в месяц.",
        ],
    ),
]

COFFEE_EN: list[ManualPage] = [
    (
        "Brewing coffee",
        [
            "Fill the water tank up to the MAX mark and insert a coffee capsule. Press the cup button "
            "once for an espresso and twice for a lungo.",
        ],
    ),
    (
        "Descaling",
        [
            "Descale the coffee machine every three months with a citric acid solution, otherwise "
            "limescale blocks the heater.",
        ],
    ),
]

MODEL_FOOTER = "Model VX-{n:02d}: the filter lasts {months} months."
SCAN_TEXT = ["The charging station", "needs 5 hours to fully", "charge the battery."]
"""What the image-only page of `mixed.pdf` says (only OCR can read it)."""

SETTINGS_EN = ["Preferences", "Suction power: High", "Auto shut-off after 30 minutes", "Brush speed: Normal"]
SETTINGS_RU = [
    "Настройки",
    "Мощность всасывания: Высокая",
    "Автоотключение через 30 минут",
    "Скорость щётки: Обычная",
]
ARROW_LABELS = ["Network", "Wi-Fi name: HomeNet", "Pairing code: 4711", "Firmware: 2.3"]


@dataclass
class Screenshot:
    path: Path
    labels: dict[str, Box]
    """Pixel box of each drawn label."""
    mark: Box | None = None
    """Box of the red annotation, if one was drawn."""


@dataclass
class Corpus:
    """The generated documents of the session (paths) and what each screenshot shows."""

    root: Path
    vacuum_en: Path
    vacuum_ru: Path
    coffee_en: Path
    mixed: Path
    settings_en: Screenshot
    settings_ru: Screenshot
    arrow: Screenshot
    tiff: Path
    jpeg: Path
    webp: Path
    real: dict[str, Path] = field(default_factory=dict)
    """Committed GIMP screenshots with a red mark, by file stem."""
    unmarked: Path = DATA / "gimp_en_new_layer.png"

    def good_files(self) -> list[Path]:
        return [
            self.vacuum_en,
            self.vacuum_ru,
            self.coffee_en,
            self.mixed,
            self.settings_en.path,
            self.settings_ru.path,
            self.arrow.path,
            self.tiff,
            self.jpeg,
            self.webp,
            *self.real.values(),
        ]


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    return pdf


def _manual_page(pdf: FPDF, heading: str, paragraphs: Sequence[str], footer: str = "") -> None:
    pdf.add_page()
    pdf.set_font("DejaVu", size=20)
    pdf.multi_cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    for paragraph in [*paragraphs, footer] if footer else paragraphs:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


def write_manual(path: Path, pages: Sequence[ManualPage], footer: str = "") -> Path:
    """An A4 manual: one 20 pt heading and 11 pt paragraphs per page (DejaVu, so Cyrillic works)."""
    pdf = _pdf()
    for heading, paragraphs in pages:
        _manual_page(pdf, heading, paragraphs, footer)
    pdf.output(str(path))
    return path


def text_image(lines: Sequence[str], size: int = 40, width: int = 1100) -> Image.Image:
    """Black text on white, as a scanner would see a printed page."""
    image = Image.new("RGB", (width, 120 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((60, 60 + index * size * 2), line, font=font(size), fill=(10, 10, 10))
    return image


def write_scanned_pdf(path: Path, text_page: ManualPage, scanned: Image.Image) -> Path:
    """Page 1 has a text layer; page 2 is only a picture of text (a scan inside a text PDF)."""
    pdf = _pdf()
    _manual_page(pdf, *text_page)
    pdf.add_page()
    pdf.image(scanned, x=10, y=20, w=190)
    pdf.output(str(path))
    return path


def draw_screenshot(
    lines: Sequence[str],
    marked: int | None = None,
    shape: Shape = "rectangle",
    size: tuple[int, int] = (640, 300),
) -> tuple[Image.Image, dict[str, Box], Box | None]:
    """A grey settings dialog with one label per row, optionally with a red mark around/at one row."""
    image = Image.new("RGB", size, (236, 236, 236))
    draw = ImageDraw.Draw(image)
    labels: dict[str, Box] = {}
    for index, line in enumerate(lines):
        origin = (30, 30 + index * 48)
        draw.text(origin, line, font=font(18), fill=(20, 20, 20))
        left, top, right, bottom = draw.textbbox(origin, line, font=font(18))
        labels[line] = (int(left), int(top), int(right), int(bottom))
    mark: Box | None = None
    if marked is not None:
        left, top, right, bottom = labels[lines[marked]]
        if shape == "rectangle":
            mark = (left - 10, top - 9, right + 10, bottom + 9)
            draw.rectangle(mark, outline=RED, width=3)
        elif shape == "ellipse":
            mark = (left - 22, top - 16, right + 22, bottom + 16)
            draw.ellipse(mark, outline=RED, width=3)
        else:
            mark = draw_arrow(draw, tip=(right + 12, (top + bottom) // 2), length=150)
    return image, labels, mark


def draw_arrow(draw: ImageDraw.ImageDraw, tip: tuple[int, int], length: int) -> Box:
    """A red arrow coming from the right, its head at `tip`; returns its bounding box."""
    x, y = tip
    tail = (x + length, y + length // 3)
    angle = math.atan2(tail[1] - y, tail[0] - x)
    draw.line([tail, tip], fill=RED, width=4)
    spread = 0.45
    wings = [(x + 24 * math.cos(angle + s), y + 24 * math.sin(angle + s)) for s in (-spread, spread)]
    draw.polygon([tip, wings[0], wings[1]], fill=RED)
    xs = [tail[0], tip[0], *(w[0] for w in wings)]
    ys = [tail[1], tip[1], *(w[1] for w in wings)]
    return (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def save_screenshot(
    path: Path, lines: Sequence[str], marked: int | None = None, shape: Shape = "rectangle"
) -> Screenshot:
    image, labels, mark = draw_screenshot(lines, marked, shape)
    image.save(path)
    return Screenshot(path, labels, mark)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid PNG signature and IHDR claiming `width` x `height`, with almost no pixel data (cheap bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path


class Maker:
    """Writes documents for one test into its own directory."""

    vacuum_en = VACUUM_EN
    vacuum_ru = VACUUM_RU
    coffee_en = COFFEE_EN

    scan_text = SCAN_TEXT

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def font(size: int) -> ImageFont.FreeTypeFont:
        return font(size)

    def manual(self, name: str, pages: Sequence[ManualPage] = VACUUM_EN, footer: str = "") -> Path:
        return write_manual(self.root / name, pages, footer)

    def long_manual(self, name: str, chapters: int = 10) -> Path:
        """Many pages of long passages, so that deleting it frees a measurable share of the indexes."""
        step = "Step {n}.{i}: clean the brush roll of model X{n}. " * 8
        pages = [(f"Chapter {n}", [step.format(n=n, i=i) for i in range(4)]) for n in range(chapters)]
        return self.manual(name, pages)

    def model_manuals(
        self, count: int, pages: Sequence[ManualPage] = VACUUM_EN, footer: str = ""
    ) -> list[Path]:
        """`count` distinct manuals model_00.pdf...; `footer` may use {n} (the model number)."""
        text = footer or "Model VX-{n:02d}: the filter lasts {months} months."
        return [
            self.manual(f"model_{n:02d}.pdf", pages, footer=text.format(n=n, months=n + 3))
            for n in range(count)
        ]

    def screenshot(
        self, name: str, lines: Sequence[str], marked: int | None = None, shape: Shape = "rectangle"
    ) -> Screenshot:
        return save_screenshot(self.root / name, lines, marked, shape)

    def picture(self, name: str, lines: Sequence[str], size: int = 40, **save: object) -> Path:
        path = self.root / name
        text_image(lines, size).save(path, **save)
        return path

    def header_only_png(self, name: str, width: int, height: int) -> Path:
        return png_header_only(self.root / name, width, height)

    def raw(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path


@pytest.fixture
def make(tmp_path: Path) -> Maker:
    return Maker(tmp_path)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("corpus")
    frames = [
        text_image(["Battery pack", "Charge it for 5 hours"]),
        text_image(["Dust container", "Empty it after use"]),
    ]
    tiff = root / "leaflet.tiff"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    jpeg = root / "label.jpg"
    text_image(["Model VC-2000", "Voltage 230 V"], size=36, width=700).save(jpeg, quality=92)
    webp = root / "sticker.webp"
    text_image(["Made in Finland", "Serial number 88213"], size=36, width=800).save(webp, lossless=True)
    return Corpus(
        root=root,
        vacuum_en=write_manual(root / "vacuum_en.pdf", VACUUM_EN),
        vacuum_ru=write_manual(root / "vacuum_ru.pdf", VACUUM_RU),
        coffee_en=write_manual(root / "coffee_en.pdf", COFFEE_EN),
        mixed=write_scanned_pdf(
            root / "charger.pdf",
            ("Charging station", ["Put the robot on the charging station when the red light blinks."]),
            text_image(SCAN_TEXT, size=44),
        ),
        settings_en=save_screenshot(root / "settings_en.png", SETTINGS_EN, marked=2, shape="rectangle"),
        settings_ru=save_screenshot(root / "settings_ru.png", SETTINGS_RU, marked=3, shape="ellipse"),
        arrow=save_screenshot(root / "network.png", ARROW_LABELS, marked=2, shape="arrow"),
        tiff=tiff,
        jpeg=jpeg,
        webp=webp,
        real={
            name: DATA / f"{name}.png"
            for name in ("gimp_en_offset_layer_marked", "gimp_ru_prefs_display_marked")
        },
    )


@dataclass
class Library:
    """A workspace with the whole corpus indexed once; tests must not change it."""

    assistant: Assistant
    corpus: Corpus

    def document_id(self, path: Path) -> int:
        for record in self.assistant.documents():
            if record.filename == path.name:
                return record.id
        raise KeyError(path.name)


@pytest.fixture(scope="session")
def library(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    from assistant import Assistant

    # The shared library runs as shipped: both dense channels, the deep one filled before use.
    assistant = Assistant(
        tmp_path_factory.mktemp("library") / "ws", deep_embedder="e5", background_enrichment=False
    )
    assistant.add(corpus.good_files())
    assistant.enrich()
    yield Library(assistant, corpus)
    assistant.close()
