"""Questions about a screenshot pasted into a manual: answered from its controls, boxed on the page.

The manual is invented here: two pages of a galculator guide (a program no evaluation set shoots)
with its real preferences dialog pasted at about 90 screen pixels to the inch, an English page and
a Russian one, each with body text that answers text questions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from assistant import Assistant
from assistant.generators.pasted import chosen_option, options_named
from assistant.generators.screens import ControlReading, read_control
from assistant.retrieval import PageHit
from indexer.layout import control_passages
from indexer.records import BBox, Control, DocumentRecord, PassageRecord
from tests.conftest import FONT

DATA = Path(__file__).resolve().parent.parent / "data"
MM = 150.0 / 25.4


def write_page(path: Path, heading: str, before: str, shot: str, caption: str, after: str) -> BBox:
    """A guide's page with the screenshot pasted 160 mm wide; where it stands (page pixels)."""
    with Image.open(DATA / shot) as image:
        screen = image.convert("RGB")
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, before, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 4
    height = 160 * screen.height / screen.width
    pdf.image(screen, x=25, y=top, w=160)
    pdf.set_xy(10, top + height + 4)
    pdf.multi_cell(0, 6, caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, after, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return (25 * MM, top * MM, 185 * MM, (top + height) * MM)


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, dict[str, BBox]]]:
    root = tmp_path_factory.mktemp("guide")
    where = {
        "calc_en.pdf": write_page(
            root / "calc_en.pdf",
            "4.2 Number bases",
            "The calculator shows numbers in one of four bases. Open Edit > Preferences and choose the "
            "Numbers page to change it. The separator settings apply to decimal numbers only.",
            "galculator_en_numbers.png",
            "Figure 4.2: The Numbers page of the preferences",
            "Separator block length - how many digits stand between two separators.",
        ),
        "calc_ru.pdf": write_page(
            root / "calc_ru.pdf",
            "4.3 Общие настройки",
            "На странице «Общие» окна настроек задаются режим стека RPN, поведение при запуске и "
            "видимость строки меню.",
            "galculator_ru_general.png",
            "Рисунок 4.3: Страница «Общие» окна настроек",
            "Ограниченный стек хранит четыре регистра x, y, z и t; неограниченный растёт по мере ввода.",
        ),
    }
    assistant = Assistant(root / "workspace", background_enrichment=False)
    assistant.add([root / name for name in where])
    yield assistant, where
    assistant.close()


@pytest.mark.parametrize(
    ("question", "answer", "file"),
    [
        ("Which number base is configured on the Numbers page of the preferences?", "Decimal", "calc_en.pdf"),
        ("What separator block length is set in the preferences shown in the guide?", "3", "calc_en.pdf"),
        ("Какой размер стека RPN выбран в общих настройках?", "ограниченный размер стека", "calc_ru.pdf"),
        (
            "Какой вариант выбран на странице «Общие» окна настроек?",
            "ограниченный размер стека",
            "calc_ru.pdf",
        ),
    ],
)
def test_a_question_about_a_pasted_screenshot_is_answered_from_its_controls_on_the_page(
    guide: tuple[Assistant, dict[str, BBox]], question: str, answer: str, file: str
) -> None:
    assistant, where = guide
    result = assistant.ask(question)
    assert result.found and result.text.casefold().startswith(answer.casefold()), result.text
    citation = result.citations[0]
    assert citation.document.filename == file and citation.page == 1
    # Boxed on the screenshot, where the value stands, not on the body text around it.
    x0, y0, x1, y1 = citation.bbox
    left, top, right, bottom = where[file]
    assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom
    assert y1 - y0 < 0.1 * (bottom - top)


def test_the_body_text_around_a_pasted_screenshot_still_answers_text_questions(
    guide: tuple[Assistant, dict[str, BBox]],
) -> None:
    assistant, where = guide
    result = assistant.ask("Where do I open the preferences to change the base?")
    assert result.found and "Edit > Preferences" in result.text
    # Cited on the paragraph over the screenshot, not on the screen's own words.
    assert result.citations[0].bbox[3] <= where["calc_en.pdf"][1]


def radio(value: str, on: bool, row: int, group: str = "") -> ControlReading:
    box = (100.0, 40.0 * row, 400.0, 40.0 * row + 20)
    [draft] = control_passages([Control("radio", "", None, value, box, on=on, group=group)], "Options")
    document = DocumentRecord(1, "manual.pdf", "0" * 64, "application/pdf", 1, 100, "en", "2026-01-01")
    passage = PassageRecord(
        row,
        document,
        1,
        1240,
        1754,
        draft.kind,
        draft.lang,
        draft.section,
        draft.text,
        draft.bbox,
        draft.spans,
    )
    reading = read_control(passage, PageHit(document, 1, 1.0, []))
    assert reading is not None
    return reading


def test_the_options_a_question_names_by_their_shared_word_give_the_chosen_one() -> None:
    screens = [radio("Use AXIS Screen", True, 1), radio("Use Gmoccapy Screen", False, 2)]
    programs = [radio("Blank program", False, 3), radio("Existing custom program", True, 4)]
    readings = screens + programs
    assert [r.value for r in options_named("Which screen is selected?", readings)] == [
        "Use AXIS Screen",
        "Use Gmoccapy Screen",
    ]
    chosen = chosen_option("Which screen is selected on the Options page?", readings)
    assert chosen is not None and chosen.value == "Use AXIS Screen"
    chosen = chosen_option("Which program is selected?", readings)
    assert chosen is not None and chosen.value == "Existing custom program"
    # A word one option holds names no family; a generic "option" with two groups names none.
    assert chosen_option("Which Gmoccapy is selected?", readings) is None
    assert chosen_option("Which option is selected?", readings) is None
    # Two options on (or none) among those named: no single answer.
    assert (
        chosen_option("Which screen is selected?", [radio("A screen", True, 1), radio("B screen", True, 2)])
        is None
    )


def test_a_word_naming_where_to_look_names_no_options() -> None:
    # "sort" of "the first sort key" is where the field is, not the options "… (sort rows/columns)".
    readings = [radio("Top to bottom (sort rows)", True, 1), radio("Left to right (sort columns)", False, 2)]
    assert chosen_option("Which field is chosen in the first sort key?", readings) is None
    chosen = chosen_option("Which sort direction is chosen?", readings)
    assert chosen is not None and chosen.value == "Top to bottom (sort rows)"


def test_which_option_is_chosen_on_a_screen_of_one_choice_is_its_chosen_option() -> None:
    readings = [
        radio("Импортировать параметры из предыдущей версии", False, 1),
        radio("Запустить со значениями по умолчанию", True, 2),
    ]
    chosen = chosen_option("Какой вариант выбран в окне первичной настройки?", readings)
    assert chosen is not None and chosen.value == "Запустить со значениями по умолчанию"
    assert chosen_option("Какой каталог выбран в окне первичной настройки?", readings) is None
