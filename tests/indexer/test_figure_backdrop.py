"""Figures drawn on a mid-tone backdrop: a toolkit's gallery of sample boxes on a blue panel, the names
in dark letters inside light boxes.

The backdrop is darker than the ink threshold: taken for ink, it hides the lettering from OCR's
binarisation and joins every label to every other as one huge connector. The figure is read again with
the backdrop whitened, and the diagram reader leaves it out of the ink.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.diagrams import whiten_backdrop
from indexer.figures import read_figures
from indexer.pdf import read_pdf
from indexer.pipeline import figure_limits
from indexer.records import PageContent
from indexer.settings import IndexSettings
from tests.assistant.generators.figure_manuals import STYLES, figure_manual, gallery_image


@pytest.fixture(scope="module")
def gallery_page(tmp_path_factory: pytest.TempPathFactory) -> PageContent:
    folder = tmp_path_factory.mktemp("backdrop")
    page = (
        "2. Frame styles",
        "Every frame style of the toolkit is drawn on the panel below; pick one by its name.",
        gallery_image(),
        "Figure 2. Frame styles of the toolkit",
    )
    manual = figure_manual(folder / "toolkit.pdf", [page])
    settings = IndexSettings()
    [content] = read_pdf(Path(manual), settings.dpi, figures=figure_limits(settings))
    return read_figures(content, "eng", 6_000_000, 120.0)


def test_the_names_on_a_blue_panel_are_read(gallery_page: PageContent) -> None:
    [figure] = gallery_page.figures
    text = " ".join(line.text for line in figure.lines)
    assert all(name in text for row in STYLES for name in row), text


def test_the_backdrop_joins_no_labels(gallery_page: PageContent) -> None:
    # Taken for ink, the panel made every name an arrow's end: "XB_SOLID ← XB_RAISED, XB_SUNKEN, ...".
    [figure] = gallery_page.figures
    assert figure.relations == [], [line.text for line in figure.relations]


def test_a_mid_tone_backdrop_is_whitened_and_its_lettering_kept() -> None:
    gray = np.full((100, 200), 122, dtype=np.uint8)
    gray[40:60, 20:180] = 225  # a light box
    gray[45:55, 30:40] = 0  # a letter in it
    assert whiten_backdrop(gray)
    assert gray[5, 5] == 255 and gray[50, 100] == 225 and gray[50, 35] == 0


@pytest.mark.parametrize(
    "level",
    [
        255,  # paper
        230,  # a window's grey: its lettering is read as it is
        30,  # a dark screen: light lettering, read by its light specks
    ],
)
def test_other_backgrounds_are_left_as_they_are(level: int) -> None:
    gray = np.full((100, 200), level, dtype=np.uint8)
    gray[45:55, 30:40] = 0 if level > 128 else 255
    before = gray.copy()
    assert not whiten_backdrop(gray)
    assert (gray == before).all()


def test_a_photo_has_no_backdrop() -> None:
    # No one grey level fills a third of a photo's grain.
    gray = np.random.default_rng(7).integers(60, 180, size=(120, 160), dtype=np.uint8)
    assert not whiten_backdrop(gray.copy())
