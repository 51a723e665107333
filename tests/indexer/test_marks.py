"""Red annotations on screenshots: found, classified by shape, erased before OCR, turned into passages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from indexer.layout import MARK_DESCRIPTIONS
from indexer.marks import detect_marks, erase_marks, red_mask
from indexer.ocr import recognize
from indexer.pipeline import extract_document
from indexer.records import Mark
from indexer.settings import IndexSettings

if TYPE_CHECKING:
    from conftest import Corpus, Screenshot

RED = (220, 24, 24)
DATA = Path(__file__).resolve().parents[1] / "data"


def only_mark(image: Image.Image) -> Mark:
    marks = detect_marks(image).marks
    assert len(marks) == 1, marks
    return marks[0]


def open_rgb(shot: Screenshot) -> Image.Image:
    with Image.open(shot.path) as image:
        return image.convert("RGB")


@pytest.mark.parametrize(("name", "shape"), [("settings_en", "rectangle"), ("settings_ru", "ellipse")])
def test_frames_are_found_with_their_shape_and_box(corpus: Corpus, name: str, shape: str) -> None:
    shot: Screenshot = getattr(corpus, name)
    mark = only_mark(open_rgb(shot))
    assert mark.shape == shape
    assert shot.mark is not None
    # Pillow strokes a box inward from its outline coordinates, so the ink ends on the last pixel.
    assert mark.bbox == pytest.approx((*shot.mark[:2], shot.mark[2] + 1, shot.mark[3] + 1), abs=2)
    assert mark.target == mark.bbox


def test_arrow_target_is_the_label_at_its_head(corpus: Corpus) -> None:
    mark = only_mark(open_rgb(corpus.arrow))
    assert mark.shape == "arrow"
    label = corpus.arrow.labels["Pairing code: 4711"]
    tx, ty = (mark.target[0] + mark.target[2]) / 2, (mark.target[1] + mark.target[3]) / 2
    # The target lies just past the head (left of the tip), on the label's row, not at the tail.
    assert label[1] - 15 <= ty <= label[3] + 15
    assert label[2] - 30 <= tx <= label[2] + 15


@pytest.mark.parametrize(
    ("file", "shape", "label", "window"),
    [
        ("gimp_en_offset_layer_marked", "ellipse", "Wrap around", "Offset Layer"),
        ("gimp_ru_prefs_display_marked", "rectangle", "Стиль клеток", "Дисплей"),
    ],
)
def test_marks_on_real_gimp_screenshots(
    corpus: Corpus, file: str, shape: str, label: str, window: str
) -> None:
    with Image.open(corpus.real[file]) as image:
        mark = only_mark(image.convert("RGB"))
    assert mark.shape == shape
    document = extract_document(corpus.real[file], IndexSettings())
    marked = [p for p in document.pages[0].passages if p.kind == "mark"]
    assert len(marked) == 1
    assert marked[0].text.startswith(label)
    # The window's title travels with the mark, so a question naming the window finds this one.
    assert marked[0].section == f"{window}: {MARK_DESCRIPTIONS[shape]}"


def test_unmarked_real_screenshot_has_no_marks(corpus: Corpus) -> None:
    with Image.open(corpus.unmarked) as image:
        assert detect_marks(image.convert("RGB")).marks == []


def test_solid_red_icons_and_small_shapes_are_not_annotations() -> None:
    image = Image.new("RGB", (300, 200), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 44, 44), fill=RED)  # a record button
    draw.rectangle((100, 100, 112, 112), outline=RED, width=2)  # a tiny checkbox
    draw.rectangle((200, 30, 260, 90), fill=RED)  # a solid red badge
    assert detect_marks(image).marks == []


def test_erasing_removes_the_red_stroke_and_ocr_reads_the_label(corpus: Corpus) -> None:
    image = open_rgb(corpus.settings_ru)
    detection = detect_marks(image)
    erased = erase_marks(image, detection.mask)
    assert red_mask(image).sum() > 500
    assert red_mask(erased).sum() == 0
    assert "Скорость щётки: Обычная" in [line.text for line in recognize(erased).lines]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("settings_en", "Auto shut-off after 30 minutes"),
        ("settings_ru", "Скорость щётки: Обычная"),
        ("arrow", "Pairing code: 4711"),
    ],
)
def test_marked_label_becomes_a_mark_passage(corpus: Corpus, name: str, label: str) -> None:
    shot: Screenshot = getattr(corpus, name)
    [page] = extract_document(shot.path, IndexSettings()).pages
    marked = [p for p in page.passages if p.kind == "mark"]
    assert [p.text for p in marked] == [label]
    assert marked[0].bbox == pytest.approx(shot.labels[label], abs=4)
    assert marked[0].lang == ("ru" if name.endswith("_ru") else "en")


@settings(max_examples=30, deadline=None)
@given(
    x=st.integers(0, 200),
    y=st.integers(0, 120),
    # Annotation-sized frames; a tiny thick frame covers half its box and reads as a solid icon.
    width=st.integers(60, 180),
    height=st.integers(30, 90),
    stroke=st.integers(2, 4),
    ellipse=st.booleans(),
)
def test_any_hollow_frame_is_found_where_it_was_drawn(
    x: int, y: int, width: int, height: int, stroke: int, ellipse: bool
) -> None:
    image = Image.new("RGB", (400, 240), (250, 250, 250))
    box = (x, y, x + width, y + height)
    draw = ImageDraw.Draw(image)
    (draw.ellipse if ellipse else draw.rectangle)(box, outline=RED, width=stroke)
    mark = only_mark(image)
    assert mark.shape == ("ellipse" if ellipse else "rectangle")
    assert mark.bbox == pytest.approx((x, y, x + width + 1, y + height + 1), abs=1)
    assert np.asarray(erase_marks(image, detect_marks(image).mask)).min() > 200


def test_an_arrow_designates_the_whole_label_at_its_head_not_its_row() -> None:
    # A red arrow drawn up-left onto «Регулярные выражения» in LibreOffice's Find and Replace.
    image = Image.open(DATA / "lo_ru_find_replace_arrow.png").convert("RGB")
    [mark] = detect_marks(image).marks
    assert mark.shape == "arrow"
    # the page as ingest stores it: the mark's passage holds the label at the arrow's head
    [page] = extract_document(DATA / "lo_ru_find_replace_arrow.png", IndexSettings()).pages
    marked = [p.text for p in page.passages if p.kind == "mark"]
    assert marked == ["Регулярные выражения"]


def test_the_words_a_mark_frames_are_read_again_beside_the_erased_stroke() -> None:
    # GIMP's «Формат заголовка изображения» preferences (Russian help image) with «Формат строки
    # состояния» framed in red: beside the erased stroke the page's OCR reads «Формаг».
    [page] = extract_document(DATA / "gimp_ru_image_title_format_marked.png", IndexSettings()).pages
    marked = [p.text for p in page.passages if p.kind == "mark"]
    assert marked == ["Формат строки состояния"]
