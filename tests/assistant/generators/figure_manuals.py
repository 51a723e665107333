"""Manuals of figure pages for the figure reader's tests: a drawing invented in a test, pasted into a
text PDF under its heading and prose, with its caption under it, and the figure text the indexer read."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.base import Answer
from tests.conftest import FONT, font

FigurePage = tuple[str, str, Image.Image, str]
"""(heading, prose, figure, caption) of one page of a manual with a figure."""


def figure_manual(path: Path, pages: list[FigurePage], small_width: float = 110) -> Path:
    """A text PDF, one page per figure: its heading and prose, the figure (wide ones across the page,
    others `small_width` mm wide) and its caption under it."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    for heading, prose, image, caption in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, prose, new_x="LMARGIN", new_y="NEXT")
        width = 170 if image.width > 1000 else small_width
        pdf.image(image, x=20, y=55, w=width)
        pdf.set_xy(20, 55 + image.height * width / image.width + 3)
        pdf.set_font("DejaVu", size=10)
        pdf.cell(0, 6, caption, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def figure_text(assistant: Assistant, page: int) -> str:
    """The figure passages' text of a page of the assistant's one document."""
    [document] = assistant.documents()
    passages = assistant.workspace.page_passages(document.id, page)
    return "\n".join(passage.text for passage in passages if passage.kind == "figure")


def assert_value_answer(answer: Answer, value: str, others: tuple[str, ...], page: int) -> None:
    """The answer states `value` and none of the figure's `others`, cited on `page`.

    OCR may read a part's type in lower case ("ss14"): answers are compared without case."""
    assert answer.found, answer.text
    assert value.lower() in answer.text.lower(), answer.text
    assert not any(other.lower() in answer.text.lower() for other in others), answer.text
    assert answer.citations[0].page == page


STYLES = [
    ["XB_RAISED", "XB_SUNKEN", "XB_ETCHED"],
    ["XB_GROOVE", "XB_RIDGE", "XB_FLAT"],
    ["XB_SOLID", "XB_DOTTED", "XB_DASHED"],
]
PANEL_BLUE = (112, 112, 200)
"""Grey level 122: darker than the ink threshold (128), as a toolkit manual's sample panels are."""


def gallery_image() -> Image.Image:
    """A frame-style gallery: three rows of light sample boxes on a blue panel, each named inside in
    small dark letters."""
    image = Image.new("RGB", (600, 330), PANEL_BLUE)
    draw = ImageDraw.Draw(image)
    for row, names in enumerate(STYLES):
        for column, name in enumerate(names):
            x, y = 30 + column * 190, 30 + row * 100
            draw.rectangle((x, y, x + 160, y + 40), fill=(225, 225, 225), outline="black")
            draw.text((x + 80, y + 20), name, font=font(14), fill="black", anchor="mm")
    return image
