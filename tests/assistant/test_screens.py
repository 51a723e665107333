"""Setting questions about dialog screenshots: the selected option, the ticked boxes, a field's value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageDraw, ImageFont

from assistant import Assistant
from assistant.generators.base import Answer
from assistant.generators.screens import (
    ControlReading,
    CountedQuestion,
    answer_besides,
    answer_choice,
    answer_from_controls,
    asks_for_message,
    asks_for_tabs,
    asks_untranslated,
    completed_name,
    is_setting_question,
    message_sentence,
    misread_alike,
    named_language,
    named_phrase,
    named_tabs,
    options_common_words,
    ordinal_question,
    question_parts,
    read_control,
    same_window,
    spatial_question,
)
from assistant.generators.visual import name_match
from assistant.retrieval import QUOTED_NAME, PageHit, names_window
from indexer.embedders import load_embedder
from indexer.language import search_tokens
from indexer.layout import control_passages
from indexer.records import Control, DocumentRecord, PassageRecord

if TYPE_CHECKING:
    from conftest import Maker

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def draw_dialog(
    path: Path,
    title: str,
    radios: tuple[str, list[str], int],
    fields: tuple[str, list[tuple[str, str]]],
    boxes: tuple[str, list[tuple[str, bool]]],
) -> None:
    """A dialog the way GTK draws one: radio column with a row label, a section of fields, check boxes."""
    image = Image.new("RGB", (640, 420), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    big, font = ImageFont.truetype(FONT, 20), ImageFont.truetype(FONT, 14)
    draw.text((16, 12), title, font=big, fill=(20, 20, 20))
    label, options, selected = radios
    draw.text((20, 62), label, font=font, fill="black")
    for row, option in enumerate(options):
        y = 60 + row * 30
        on = row == selected
        draw.ellipse(
            (150, y + 1, 166, y + 17),
            fill=(53, 132, 228) if on else "white",
            outline=(53, 132, 228) if on else (150, 150, 150),
        )
        if on:
            draw.ellipse((155, y + 6, 161, y + 12), fill="white")
        draw.text((176, y), option, font=font, fill="black")
    heading, rows = fields
    draw.text((16, 140), heading, font=font, fill="black")
    for row, (name, value) in enumerate(rows):
        y = 170 + row * 40
        draw.text((28, y + 6), name, font=font, fill="black")
        draw.rectangle((150, y, 300, y + 30), fill="white", outline=(160, 160, 160))
        draw.text((158, y + 6), value, font=font, fill="black")
    heading, ticks = boxes
    draw.text((340, 140), heading, font=font, fill="black")
    for row, (name, on) in enumerate(ticks):
        y = 170 + row * 30
        draw.rectangle(
            (350, y + 1, 366, y + 17),
            fill=(53, 132, 228) if on else "white",
            outline=(53, 132, 228) if on else (150, 150, 150),
        )
        if on:
            draw.line((353, y + 9, 357, y + 14, 363, y + 4), fill="white", width=2)
        draw.text((376, y), name, font=font, fill="black")
    image.save(path)


@pytest.fixture(scope="module")
def dialogs(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("screens")
    draw_dialog(
        root / "print_settings_en.png",
        "Print Settings",
        ("Orientation:", ["Portrait", "Landscape"], 1),
        ("Margins", [("Left:", "2.5 cm"), ("Top:", "1.8 cm")]),
        ("Options", [("Print in colour", True), ("Duplex", False), ("Collate", True)]),
    )
    draw_dialog(
        root / "print_settings_ru.png",
        "Параметры печати",
        ("Ориентация:", ["Книжная", "Альбомная"], 1),
        ("Поля", [("Слева:", "2,5 см"), ("Сверху:", "1,8 см")]),
        ("Дополнительно", [("Цветная печать", False), ("Двусторонняя", True)]),
    )
    assistant = Assistant(root / "workspace")
    assistant.add([root / "print_settings_en.png", root / "print_settings_ru.png"])
    return assistant


@pytest.mark.parametrize(
    ("question", "answer", "file"),
    [
        ("Which orientation is selected in the Print Settings dialog?", "Landscape", "print_settings_en.png"),
        ("What top margin is set in Print Settings?", "1.8 cm", "print_settings_en.png"),
        ("Which options are ticked in Print Settings?", "Print in colour, Collate", "print_settings_en.png"),
        ("Какая ориентация выбрана в окне «Параметры печати»?", "Альбомная", "print_settings_ru.png"),
        ("Какое верхнее поле задано в параметрах печати?", "1,8 см", "print_settings_ru.png"),
        ("Какой флажок отмечен в разделе «Дополнительно»?", "Двусторонняя", "print_settings_ru.png"),
    ],
)
def test_setting_questions_are_answered_with_the_value_and_its_box(
    dialogs: Assistant, question: str, answer: str, file: str
) -> None:
    result = dialogs.ask(question)
    assert result.found and result.text == answer
    citation = result.citations[0]
    assert citation.document.filename == file
    assert citation.quote == answer
    # The box is the value's, not its label's: right of the labels' column, one row high.
    x0, y0, _, y1 = citation.bbox
    assert x0 >= 150 and y1 - y0 < 80


def test_other_questions_about_a_screenshot_go_to_the_text_reader(dialogs: Assistant) -> None:
    result = dialogs.ask("What is the name of the dialog with the Duplex option?")
    assert result.text != "Duplex"
    assert not is_setting_question("What is the name of the dialog with the Duplex option?")


def record(text_control: Control, section: str = "Print Settings") -> PassageRecord:
    [draft] = control_passages([text_control], section)
    document = DocumentRecord(1, "dialog.png", "0" * 64, "image/png", 1, 100, "en", "2026-01-01")
    return PassageRecord(
        1, document, 1, 640, 420, draft.kind, draft.lang, draft.section, draft.text, draft.bbox, draft.spans
    )


def test_a_control_passage_reads_back_into_name_value_and_state() -> None:
    hit = PageHit(
        record(Control("field", "Top", (28, 210, 60, 224), "1.8 cm", (158, 206, 200, 220))).document,
        1,
        1.0,
        [],
    )
    field = read_control(
        record(Control("field", "Top", (28, 210, 60, 224), "1.8 cm", (158, 206, 200, 220), group="Margins")),
        hit,
    )
    assert field is not None
    assert (field.name, field.value, field.on, field.option) == ("Margins   Top", "1.8 cm", None, False)
    assert field.value_bbox == (158, 206, 200, 220)
    radio = read_control(
        record(
            Control("radio", "Ориентация", (20, 62, 100, 76), "Альбомная", (176, 90, 260, 104), True),
            "Параметры печати",
        ),
        hit,
    )
    assert radio is not None and radio.on is True and radio.value == "Альбомная" and radio.option
    box = read_control(record(Control("checkbox", "", None, "Duplex", (376, 200, 430, 214), False)), hit)
    assert box is not None and box.on is False and box.name == ""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which orientation is selected?", True),
        ("What left margin is set in the Page Style dialog?", True),
        ("Какой язык выбран в окне «Символ»?", True),
        ("Какое верхнее поле задано?", True),
        # "ё" is written as often as "е": the question's word is the same.
        ("Какой режим включён в настройках плеера?", True),
        ("Какой адрес введён в поле прокси?", True),
        ("Which of the extra options is turned off?", True),
        ("Какой флажок в группе «Сеть» выключен?", True),
        ("Which option is circled in red?", False),
        ("How often should I replace the dust bag?", False),
        # A property table says what the selected item has; a location field where it is placed.
        ("How many inputs does the selected gate have?", True),
        ("Какой размер имеет выбранный элемент?", True),
        ("Where is the status bar located in the preferences?", True),
        ("Where can I download the installer?", False),
    ],
)
def test_which_questions_ask_for_a_setting(question: str, expected: bool) -> None:
    assert is_setting_question(question) is expected


def test_names_match_across_word_forms_of_one_root() -> None:
    terms = {t: 1.0 for t in search_tokens("верхнее поле")}
    assert name_match(terms, search_tokens("Поля Сверху")) == pytest.approx(1.7)
    assert name_match(terms, search_tokens("Поля Снизу")) == pytest.approx(1.0)


def test_a_question_naming_the_window_finds_that_windows_mark(make: Maker, tmp_path: Path) -> None:
    # Two dialogs with a red ellipse each, and a clean copy of one of them. The other dialog's marked
    # option shares a word with the question ("Print"): the window's name must decide.
    make.screenshot(
        "print_marked.png",
        ["Print", "Printer: Office Laser", "Odd and even pages", "Copies: 2"],
        2,
        "ellipse",
    )
    make.screenshot(
        "export_marked.png", ["Export", "Format: PDF", "Print quality", "Compress images"], 2, "ellipse"
    )
    make.screenshot("print.png", ["Print", "Printer: Office Laser", "Odd and even pages", "Copies: 2"])
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([make.root / "print_marked.png", make.root / "export_marked.png", make.root / "print.png"])
    for question, file, option in [
        ("In the Print dialog, which option is circled in red?", "print_marked.png", "Odd and even pages"),
        ("In the Export dialog, which option is circled in red?", "export_marked.png", "Print quality"),
    ]:
        [first, *_] = assistant.search(question, 3)
        assert first.document.filename == file, question
        answer = assistant.ask(question)
        assert answer.text == option and answer.citations[0].document.filename == file
    # Not about the mark: the clean screen comes before its annotated copy.
    [first, second, *_] = assistant.search("How many copies does the Print dialog print?", 3)
    assert (first.document.filename, second.document.filename) == ("print.png", "print_marked.png")


def test_what_a_question_names_leaves_out_the_window_product_and_frame() -> None:
    window = "Печать lo ru print"
    question = "In the Russian LibreOffice print dialog (Печать), which paper size is selected?"
    assert named_phrase(question, window) == "paper size"
    assert named_phrase("Какое верхнее поле задано в окне «Стиль страницы»?", "Page Style") == "верхнее поле"


def test_a_question_in_the_other_language_is_answered_from_the_control_it_names(tmp_path: Path) -> None:
    # An English question about a Russian dialog shares no word with its controls; what it names
    # ("paper size") means one control's name ("Размер бумаги") far more than any other.
    draw_dialog(
        tmp_path / "pechat.png",
        "Печать",
        ("Ориентация:", ["Книжная", "Альбомная"], 0),
        ("Макет страницы", [("Размер бумаги:", "A4"), ("Копии:", "3")]),
        ("Дополнительно", [("Двусторонняя печать", True), ("Разобрать по копиям", False)]),
    )
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([tmp_path / "pechat.png"])
    answer = assistant.ask("Which paper size is selected in the Russian print dialog?")
    assert answer.found and answer.text == "A4"
    assert answer.citations[0].quote == "A4" and answer.citations[0].bbox[0] >= 150
    # Nothing on the screen is the thing named: no control's value is passed off as the answer.
    other = assistant.ask("Which paper tray is selected in the Russian print dialog?")
    assert other.text not in ("A4", "3", "Книжная", "Двусторонняя печать")


def test_which_tabs_a_dialog_has_besides_one_is_the_rest_of_its_tab_row(tmp_path: Path) -> None:
    image = Image.new("RGB", (640, 300), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    draw.text((16, 10), "Export Options", font=ImageFont.truetype(FONT, 20), fill="black")
    x = 20
    for tab in ["General", "Layout", "Security", "Signatures"]:
        draw.text((x, 52), tab, font=font, fill="black")
        x += int(draw.textlength(tab, font=font)) + 40
    draw.line((10, 76, 630, 76), fill=(160, 160, 160), width=1)  # the notebook's edge
    draw.text((30, 100), "Quality:", font=font, fill="black")
    draw.rectangle((150, 94, 300, 124), fill="white", outline=(160, 160, 160))
    draw.text((158, 100), "90%", font=font, fill="black")
    image.save(tmp_path / "export_options.png")
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([tmp_path / "export_options.png"])
    answer = assistant.ask("Which tabs does the Export Options dialog have besides General?")
    assert answer.found and answer.text == "Layout, Security, Signatures"
    assert answer.citations[0].bbox[1] >= 45 and answer.citations[0].bbox[3] <= 76


def export_boxes(states: dict[str, bool]) -> list[ControlReading]:
    """A column of check boxes written alike but for one word, and one that is not."""
    hit = PageHit(record(Control("checkbox", "", None, "x", (0, 0, 1, 1), False)).document, 1, 1.0, [])
    readings = []
    for row, (text, on) in enumerate(states.items()):
        reading = read_control(
            record(Control("checkbox", "", None, text, (40, 20 * row, 200, 20 * row + 14), on), "Экспорт"),
            hit,
        )
        assert reading is not None
        readings.append(reading)
    return readings


BOXES = {
    "Записать поля EXIF": True,
    "Записать поля ICC": True,
    "Записать поля Dublin": False,
    "Сжимать без потерь": True,
}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which fields checkbox is not ticked: EXIF, ICC or Dublin?", "Записать поля Dublin"),
        ("Какой из флажков отмечен — Dublin или ICC?", "Записать поля ICC"),
        # Two of the listed ones are ticked: no single answer.
        ("Which fields checkbox is ticked: EXIF, ICC or Dublin?", None),
        # A listed word no option holds: the list is not about these boxes.
        ("Is Portrait or Landscape selected?", None),
    ],
)
def test_a_question_listing_options_is_answered_with_the_one_in_the_asked_state(
    question: str, expected: str | None
) -> None:
    answer = answer_choice(question, export_boxes(BOXES))
    assert (answer.text if answer else None) == expected
    if answer is not None:
        assert answer.citations[0].bbox[0] == 40


def test_besides_one_option_the_ticked_ones_written_like_it_answer() -> None:
    readings = export_boxes(BOXES)
    answer = answer_besides("Какие поля, кроме EXIF, отмечены для записи?", readings)
    # "Сжимать без потерь" is ticked too, but it is not one of the family of "Записать поля EXIF".
    assert answer is not None and answer.text == "Записать поля ICC"
    unticked = answer_besides("Which fields besides EXIF are not ticked?", readings)
    assert unticked is not None and unticked.text == "Записать поля Dublin"
    assert answer_besides("Which fields besides XMP are ticked?", readings) is None


def shot_page(filename: str, controls: list[Control], marked: bool = False) -> list[PassageRecord]:
    """The passages of a one-page screenshot holding `controls` (and a red mark's passage)."""
    document = DocumentRecord(len(filename), filename, "0" * 64, "image/png", 1, 100, "en", "2026-01-01")
    drafts = control_passages(controls, "Blur")
    records = [
        PassageRecord(i, document, 1, 640, 420, d.kind, d.lang, d.section, d.text, d.bbox, d.spans)
        for i, d in enumerate(drafts)
    ]
    if marked:
        text = "Blur: marked in red"
        records.append(PassageRecord(99, document, 1, 640, 420, "mark", "en", "Blur", text, (0, 0, 9, 9), []))
    return records


def ask_screens(question: str, pages: list[list[PassageRecord]]) -> Answer | None:
    hits = [PageHit(records[0].document, 1, 1.0 - i / 10, []) for i, records in enumerate(pages)]
    by_id = {records[0].document.id: records for records in pages}
    return answer_from_controls(question, hits, lambda d, p: by_id[d], load_embedder("use"))


def test_a_setting_is_read_from_the_clean_copy_of_a_marked_screenshot() -> None:
    # The red frame drawn around "Edge handling" was erased before OCR together with the combo box's
    # own frame: the marked copy lost the control, the clean copy of the same window has it.
    clip = Control("checkbox", "", None, "Clip to input", (40, 90, 200, 104), True, "Edge handling")
    edge = Control("dropdown", "Edge handling", (20, 60, 120, 74), "Mirror", (150, 60, 260, 74))
    pages = [shot_page("blur_marked.png", [clip], marked=True), shot_page("blur.png", [edge, clip])]
    answer = ask_screens("Which edge handling is selected in Blur?", pages)
    assert answer is not None and answer.text == "Mirror"
    assert answer.citations[0].document.filename == "blur.png"


def test_a_question_naming_the_screens_language_is_read_from_that_screen() -> None:
    boxes_en = [
        Control("checkbox", "", None, f"Keep {name} tags", (40, 20 * i, 200, 20 * i + 14), name != "ID3")
        for i, name in enumerate(["ID3", "APE", "Vorbis"])
    ]
    boxes_ru = [
        Control("checkbox", "", None, f"Сохранять теги {name}", (40, 20 * i, 200, 20 * i + 14), name != "APE")
        for i, name in enumerate(["ID3", "APE", "Vorbis"])
    ]
    pages = [shot_page("tags_en.png", boxes_en), shot_page("tags_ru.png", boxes_ru)]
    answer = ask_screens(
        "In the Russian tag editor, which tags box is not ticked: ID3, APE or Vorbis?", pages
    )
    assert answer is not None and answer.text == "Сохранять теги APE"
    assert answer.citations[0].document.filename == "tags_ru.png"
    assert named_language("В английском окне какой флажок снят?") == "en"
    assert named_language("Which box is not ticked?") is None


def text_line(page: list[PassageRecord], text: str, bbox: tuple[float, float, float, float]) -> PassageRecord:
    """A plain OCR line of the same screenshot (a button's caption)."""
    from indexer.records import LineSpan

    document = page[0].document
    return PassageRecord(
        500 + len(page),
        document,
        1,
        640,
        420,
        "text",
        "en",
        "Blur",
        text,
        bbox,
        [LineSpan(0, len(text), bbox)],
    )


def test_a_control_named_by_its_place_beside_another_is_the_nearest_one_there() -> None:
    # Two columns: check boxes under a button on the right, radios on the left.
    controls = [
        Control("radio", "", None, "From file", (40, 250, 110, 262), True, "Source"),
        Control("checkbox", "", None, "Keep linked", (500, 320, 610, 334), False),
        Control("checkbox", "", None, "Read only", (500, 350, 590, 364), True),
        Control("checkbox", "", None, "Hidden", (40, 320, 100, 334), True),
    ]
    page = shot_page("import.png", controls)
    page.append(text_line(page, "Browse...", (520, 282, 575, 296)))
    answer = ask_screens("Which check box is under the Browse... button in the Import dialog?", [page])
    assert answer is not None and answer.text == "Keep linked"
    assert answer.citations[0].bbox == (500, 320, 610, 334)
    answer = ask_screens("Какой флажок находится под кнопкой «Browse...»?", [page])
    assert answer is not None and answer.text == "Keep linked"
    answer = ask_screens("Which check box is above Read only?", [page])
    assert answer is not None and answer.text == "Keep linked"
    # Nothing of the asked kind there: no answer rather than a neighbour of another kind.
    assert ask_screens("Which radio button is under the Browse... button?", [page]) is None
    assert spatial_question("Which option is circled in red next to Browse?") is None
    # "Above" that points back in the text names no control.
    assert spatial_question("Which of the options above is selected?") is None


def test_a_controls_own_label_decides_between_controls_of_one_section() -> None:
    # "Paper format" names the section of both; only one control's own label is "Format".
    controls = [
        Control("dropdown", "Format", (20, 60, 80, 74), "Letter", (150, 60, 260, 74), None, "Paper format"),
        Control(
            "radio", "Orientation", (20, 90, 120, 104), "Portrait", (150, 90, 230, 104), True, "Paper format"
        ),
        Control(
            "radio",
            "Orientation",
            (20, 90, 120, 104),
            "Landscape",
            (150, 120, 250, 134),
            False,
            "Paper format",
        ),
    ]
    answer = ask_screens(
        "Which paper format is chosen in Page Setup?", [shot_page("page_setup.png", controls)]
    )
    assert answer is not None and answer.text == "Letter"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which Extras option is checked?", "Verify archive"),
        ("Which Extras option is not checked?", "Split volumes"),
        ("Which of the Extras is turned off?", "Split volumes"),
    ],
)
def test_a_group_of_boxes_answers_with_the_ones_in_the_asked_state(question: str, expected: str) -> None:
    controls = [
        Control("checkbox", "Extras", (20, 40, 90, 54), "Verify archive", (40, 60, 160, 74), True),
        Control("checkbox", "Extras", (20, 40, 90, 54), "Split volumes", (40, 80, 160, 94), False),
    ]
    answer = ask_screens(question, [shot_page("archiver.png", controls)])
    assert answer is not None and answer.text == expected


def test_a_selected_list_row_answers_which_item_of_the_list_is_chosen() -> None:
    controls = [
        Control("list", "Encoding", (20, 40, 100, 54), "UTF-16", (28, 110, 90, 124), None),
        Control("dropdown", "Line endings", (20, 200, 120, 214), "Unix", (150, 200, 220, 214), None),
    ]
    answer = ask_screens("Which encoding is selected?", [shot_page("save_as.png", controls)])
    assert answer is not None and answer.text == "UTF-16"


def test_a_question_naming_a_window_by_its_title_ranks_that_screenshot_first(
    make: Maker, tmp_path: Path
) -> None:
    # The English screen shares more of the question's words; the question names the Russian window.
    make.screenshot(
        "sort_en.png", ["Sort Options", "Sort order: Ascending", "Case sensitive", "Sort key: Name"]
    )
    make.screenshot("sort_ru.png", ["Параметры сортировки", "Порядок: По убыванию", "Учитывать регистр"])
    make.screenshot("filter_ru.png", ["Фильтр", "Условие: равно", "Учитывать регистр"])
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([make.root / name for name in ("sort_en.png", "sort_ru.png", "filter_ru.png")])
    [first, *_] = assistant.search("Which sort order is set in the «Параметры сортировки» window?", 3)
    assert first.document.filename == "sort_ru.png"
    [first, *_] = assistant.search("Какой порядок задан в окне (Фильтр)?", 3)
    assert first.document.filename == "filter_ru.png"


def test_a_window_is_named_by_its_whole_title_even_when_ocr_cut_its_first_letters() -> None:
    def named(question: str, title: str) -> bool:
        quoted = [set(search_tokens("".join(q), drop_stopwords=True)) for q in QUOTED_NAME.findall(question)]
        terms = set(search_tokens(question, drop_stopwords=True))
        return names_window(quoted, terms, set(search_tokens(title, drop_stopwords=True)))

    question = "In the Russian slide show settings (Параметры демонстрации), which show is selected?"
    assert named(question, "раметры демонстрации ох")  # the title bar's icon took "Па"
    assert not named(question, "Slide Show Settings")  # the quoted name is the one meant
    assert named("Which margin is set in Writer's Page Style?", "Page Style")
    assert not named("Which margin is set in Writer's Page Style?", "Paragraph Style")
    assert not named("Which margin is set?", "Style")  # one common word names no window


def screen_page(filename: str, section: str, lang: str, controls: list[Control]) -> list[PassageRecord]:
    """The control passages of a one-page screenshot titled `section`."""
    document = DocumentRecord(len(filename), filename, "0" * 64, "image/png", 1, 100, lang, "2026-01-01")
    return [
        PassageRecord(i, document, 1, 640, 420, d.kind, d.lang, d.section, d.text, d.bbox, d.spans)
        for i, d in enumerate(control_passages(controls, section))
    ]


def test_a_question_about_the_other_languages_screen_is_read_through_its_twin() -> None:
    # The same window in both languages: rows stay, labels change length. The English question names
    # the Russian window; its words name a control only on the English screen.
    english = [
        Control("dropdown", "Format", (20, 60, 80, 74), "PNG", (150, 60, 220, 74), None, "Output"),
        Control("radio", "Dithering", (20, 120, 100, 134), "None", (150, 120, 200, 134), False, "Output"),
        Control(
            "radio", "Dithering", (20, 120, 100, 134), "Floyd-Steinberg", (150, 150, 290, 164), True, "Output"
        ),
        Control("checkbox", "", None, "Keep metadata", (40, 200, 180, 214), True, "Options"),
    ]
    russian = [
        Control("dropdown", "Формат файла", (20, 60, 120, 74), "PNG", (190, 60, 260, 74), None, "Вывод"),
        Control("radio", "Сглаживание", (20, 120, 130, 134), "Нет", (190, 120, 230, 134), False, "Вывод"),
        Control(
            "radio",
            "Сглаживание",
            (20, 120, 130, 134),
            "Флойд-Стейнберг",
            (190, 150, 330, 164),
            True,
            "Вывод",
        ),
        Control("checkbox", "", None, "Сохранять метаданные", (40, 200, 230, 214), True, "Параметры"),
    ]
    pages = [
        screen_page("export_ru.png", "Экспорт изображения", "ru", russian),
        screen_page("export_english.png", "Export Image", "en", english),
    ]
    answer = ask_screens("In the Russian window («Экспорт изображения»), which dithering is selected?", pages)
    assert answer is not None and answer.text == "Флойд-Стейнберг"
    assert answer.citations[0].document.filename == "export_ru.png"
    assert answer.citations[0].bbox == (190, 150, 330, 164)


def test_a_quoted_window_lifts_its_screens_together_the_clean_copy_first(make: Maker, tmp_path: Path) -> None:
    lines = ["Параметры PDF", "Формат: FDF", "Сжатие: JPEG", "Разрешение: 300"]
    make.screenshot("pdf_marked.png", lines, 2, "ellipse")
    make.screenshot("pdf.png", lines)
    make.screenshot("other.png", ["Печать", "Формат бумаги: A4", "Копии: 2"])
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([make.root / name for name in ("pdf_marked.png", "pdf.png", "other.png")])
    [first, second, *_] = assistant.search("Какой формат бумаги задан в окне «Параметры PDF»?", 3)
    assert (first.document.filename, second.document.filename) == ("pdf.png", "pdf_marked.png")


def window_page(filename: str, window: str, controls: list[Control]) -> list[PassageRecord]:
    """The passages of a one-page screenshot of `window` (its title) holding `controls`."""
    document = DocumentRecord(
        len(filename) + 1000, filename, "0" * 64, "image/png", 1, 100, "en", "2026-01-01"
    )
    return [
        PassageRecord(i, document, 1, 640, 420, d.kind, d.lang, d.section, d.text, d.bbox, d.spans)
        for i, d in enumerate(control_passages(controls, window))
    ]


def test_a_setting_shown_on_another_page_of_the_top_screens_window_is_read_there() -> None:
    # A mail client's "Preferences" window, shot on two of its pages: retrieval put the Appearance
    # page first ("theme" is there), the asked-for encoding is on the Composing page.
    appearance = window_page(
        "mail_prefs_appearance.png",
        "Preferences",
        [Control("dropdown", "Color theme", (20, 60, 110, 74), "Solarized", (150, 60, 260, 74))],
    )
    composing = window_page(
        "mail_prefs_composing.png",
        "Preferences",
        [
            Control("list", "Outgoing encoding", (20, 40, 150, 54), "KOI8-R", (28, 110, 90, 124)),
            Control("checkbox", "", None, "Spell check as I type", (40, 200, 220, 214), True),
        ],
    )
    answer = ask_screens(
        "Which outgoing encoding is selected in the mail preferences?", [appearance, composing]
    )
    assert answer is not None and answer.text == "KOI8-R"
    assert answer.citations[0].document.filename == "mail_prefs_composing.png"
    # Another program's window is no page of this one: its encoding list does not answer.
    other = window_page(
        "editor_settings.png",
        "Editor Settings",
        [Control("list", "Outgoing encoding", (20, 40, 150, 54), "CP1251", (28, 110, 90, 124))],
    )
    assert (
        ask_screens("Which outgoing encoding is selected in the mail preferences?", [appearance, other])
        is None
    )


def test_a_control_counted_by_its_place_among_its_kind_is_read_in_reading_order() -> None:
    # Two columns of check boxes, the right one set a pixel lower: rows first, then left to right.
    boxes = [
        Control("checkbox", "", None, "Перенос строк", (40, 100, 160, 114), True),
        Control("checkbox", "", None, "Нумерация строк", (300, 101, 430, 115), True),
        Control("checkbox", "", None, "Отключить перетаскивание", (40, 130, 240, 144), False),
        Control("checkbox", "", None, "Сворачивание блоков", (300, 130, 460, 144), True),
        Control("radio", "Режим", (20, 200, 80, 214), "Вставка", (150, 200, 220, 214), True),
    ]
    page = window_page("editor_ru.png", "Настройки", boxes)
    answer = ask_screens(
        "In the Russian editor settings, which feature can be turned off with the third checkbox?", [page]
    )
    assert answer is not None and answer.text == "Отключить перетаскивание"
    assert answer.citations[0].bbox == (40, 130, 240, 144)
    last = ask_screens("Что делает последний флажок в настройках редактора?", [page])
    assert last is not None and last.text == "Сворачивание блоков"
    # Past the last one of the kind: nothing rather than a neighbour.
    assert ask_screens("What does the fifth check box do?", [page]) is None
    assert ordinal_question("What is the first option under Margins?") is None
    assert ordinal_question("Какой третий переключатель выбран?") == CountedQuestion(3, "radio")


def test_a_page_naming_the_asked_control_whole_wins_over_the_top_page_naming_one_in_part() -> None:
    # Both pages of the "Preferences" window have a "style": the top one only as part of "Tool
    # button style", the other as a control of its own; "which widget style" means the latter.
    toolbar = window_page(
        "viewer_prefs_toolbar.png",
        "Preferences",
        [Control("dropdown", "Tool button style", (20, 60, 150, 74), "Icons only", (180, 60, 260, 74))],
    )
    looks = window_page(
        "viewer_prefs_looks.png",
        "Preferences",
        [Control("dropdown", "Style", (20, 60, 60, 74), "Fusion", (150, 60, 260, 74))],
    )
    answer = ask_screens("Which widget style is selected in the viewer preferences?", [toolbar, looks])
    assert answer is not None and answer.text == "Fusion"
    # Asked for whole on the top page, the top page answers.
    answer = ask_screens("Which tool button style is set in the viewer preferences?", [toolbar, looks])
    assert answer is not None and answer.text == "Icons only"


def test_which_single_tab_holds_something_is_the_tab_whose_caption_the_question_names() -> None:
    strip = Control("tabs", "Tabs", (20, 30, 400, 44), "Fonts, Highlights, Keys, Shell/Ed", (20, 30, 400, 44))
    page = window_page("idle_like_settings.png", "Settings", [strip])
    answer = ask_screens("Which tab of the Settings dialog holds the shell and editor options?", [page])
    assert answer is not None and answer.text == "Shell/Ed"
    # Another window's row names nothing the question asks for: no tab rather than the whole row.
    other = window_page(
        "editor_prefs.png",
        "Preferences",
        [Control("tabs", "Tabs", (20, 30, 400, 44), "Features, Indentation, Display", (20, 30, 400, 44))],
    )
    question = "Which tab of the Settings dialog holds the shell and editor options?"
    assert ask_screens(question, [other]) is None
    answer = ask_screens("Which tabs does the Preferences window have besides Display?", [other])
    assert answer is not None and answer.text == "Features, Indentation"


def test_one_windows_title_is_recognised_through_the_title_bars_ocr_debris() -> None:
    assert same_window("settings: 8", "Settings ЕЕ")
    assert same_window("fe Settings", "Settings ЕЕ")
    # Two programs' windows that share one word of longer titles are not one window.
    assert not same_window("Средство настройки Qt5", "Настройки")
    assert not same_window("Preferences", "Настройки")


def test_a_long_title_word_ocr_read_a_letter_off_is_still_one_windows() -> None:
    # One window shot twice: its title bar's shading cost one letter here, added one there.
    assert same_window("Настройки kwriteconfig", "Hac ки kwritecnfig EJ")
    assert same_window("Preferences Audacious", "Preferenoes Audacious ox")
    assert misread_alike("galculator", "galiculator") and misread_alike("konsole", "konsoie")
    # Short words a letter apart are other words, and so are long ones two letters apart.
    assert not misread_alike("xterm", "xtern") and not misread_alike("settings", "sittingz")
    assert not same_window("Preferences", "Configuration")


def player_tab(filename: str, window: str, controls: list[Control]) -> list[PassageRecord]:
    """A page of a media player's settings window: its tab row, then `controls`."""
    strip = Control(
        "tabs", "Вкладки", (20, 30, 400, 44), "Внешний вид панели, Субтитры, Звук", (20, 30, 400, 44)
    )
    return window_page(filename, window, [*controls, strip])


def test_the_tab_a_question_names_says_which_page_not_which_control() -> None:
    # The subtitles page came first ("шрифт" is its group's title, no box ticked); the question asks
    # for the clock's font "in the appearance settings": that tab's name is no part of the control's.
    subtitles = player_tab(
        "player_ru_subtitles.png",
        "Настройки плеера",
        [
            Control("checkbox", "Шрифт", (20, 60, 80, 74), "Свой шрифт субтитров", (40, 80, 220, 94), False),
            Control("field", "Размер шрифта", (20, 110, 140, 124), "18", (200, 110, 230, 124)),
        ],
    )
    appearance = player_tab(
        "player_ru_appearance.png",
        "Настройки плеера",
        [
            Control(
                "dropdown",
                "Шрифт меню",
                (40, 60, 140, 74),
                "Cantarell 11",
                (200, 60, 330, 74),
                None,
                "Отображение",
            ),
            Control(
                "dropdown",
                "Шрифт часов",
                (40, 90, 140, 104),
                "Sans Mono 9",
                (200, 90, 330, 104),
                None,
                "Отображение",
            ),
        ],
    )
    answer = ask_screens(
        "Какой шрифт задан для часов в настройках внешнего вида панели плеера?", [subtitles, appearance]
    )
    assert answer is not None and answer.text == "Sans Mono 9"
    assert answer.citations[0].document.filename == "player_ru_appearance.png"
    page = [*appearance]
    asked = "Какой шрифт задан для часов в настройках внешнего вида панели?"
    assert named_tabs(asked, page) == {"внешн", "вид", "панел"}
    # A tab named only in part ("вид" alone) says nothing.
    assert named_tabs("Какой вид часов выбран?", page) == set()
    # A control named like its tab is still named by the question's word.
    fonts = window_page(
        "viewer_prefs_page2.png",
        "Preferences",
        [
            Control("tabs", "Tabs", (20, 30, 400, 44), "General, Font, Colours", (20, 30, 400, 44)),
            Control("dropdown", "Font family", (20, 60, 60, 74), "Sans", (150, 60, 260, 74)),
        ],
    )
    answer = ask_screens("Which font is set on the Font tab of the viewer preferences?", [fonts])
    assert answer is not None and answer.text == "Sans"


def test_a_question_naming_the_tab_it_is_about_does_not_ask_for_tabs() -> None:
    assert asks_for_tabs("Какие вкладки есть в разделе «Общее»?")
    assert asks_for_tabs("On which tab… which tab holds the font options?")
    assert asks_for_tabs("На какой вкладке находится размер шрифта?")
    assert not asks_for_tabs("Which option is ticked on the Fonts tab?")
    assert not asks_for_tabs("На какой параметр указывает красная стрелка на вкладке «Отступы»?")


def test_the_screen_whose_window_the_question_names_is_read_before_the_top_one() -> None:
    # Retrieval put the Print dialog first ("tabs" is in its tab row's passage too); the question
    # names the Export Options window, whose screenshot is second.
    printing = window_page(
        "office_print.png",
        "Print",
        [Control("tabs", "Tabs", (20, 30, 300, 44), "General, Page Layout", (20, 30, 300, 44))],
    )
    export = window_page(
        "office_export.png",
        "Export Options",
        [Control("tabs", "Tabs", (20, 30, 400, 44), "General, Links, Security", (20, 30, 400, 44))],
    )
    answer = ask_screens(
        "Which tabs does the office suite's Export Options dialog have besides General?", [printing, export]
    )
    assert answer is not None and answer.text == "Links, Security"
    assert answer.citations[0].document.filename == "office_export.png"
    # A question naming no window reads the top screen.
    answer = ask_screens("Which tabs are there besides General?", [printing, export])
    assert answer is not None and answer.text == "Page Layout"


# --- layout questions: headings, options described, the rest of a group, menus ------------------


def composing_page() -> list[PassageRecord]:
    """A mail client's "Composing" preferences: two sections, a radio group, check boxes (invented)."""
    return shot_page(
        "mail_composing.png",
        [
            Control("checkbox", "", None, "Check spelling as you type", (30, 40, 220, 54), True, "Spelling"),
            Control(
                "dropdown", "Language", (30, 60, 100, 74), "English", (150, 60, 250, 74), None, "Spelling"
            ),
            Control(
                "field",
                "Signature file",
                (30, 110, 130, 124),
                "~/.sig",
                (150, 110, 300, 124),
                None,
                "Signature",
            ),
            Control(
                "checkbox",
                "",
                None,
                "Place signature above the quote",
                (30, 130, 260, 144),
                False,
                "Signature",
            ),
            Control("checkbox", "", None, "Request read receipts", (30, 180, 200, 194), False, "Sending"),
            Control(
                "checkbox", "", None, "Show dotfiles in attachments", (30, 200, 240, 214), True, "Sending"
            ),
            Control("checkbox", "", None, "Show hidden folders", (30, 220, 200, 234), False, "Sending"),
            Control(
                "radio", "On start", (30, 260, 90, 274), "Open a blank message", (110, 260, 280, 274), False
            ),
            Control(
                "radio", "On start", (30, 260, 90, 274), "Restore the last draft", (110, 280, 280, 294), True
            ),
            Control(
                "radio", "On start", (30, 260, 90, 274), "Show the address book", (110, 300, 280, 314), False
            ),
        ],
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("In the Composing preferences, under which heading is the signature file setting?", "Signature"),
        ("Under which heading are the spelling-as-you-type check and the language?", "Spelling"),
        # Controls of two sections named: no one heading.
        ("Under which heading are the language and the read receipts?", None),
    ],
)
def test_a_heading_question_is_answered_with_the_section_of_the_controls_it_names(
    question: str, expected: str | None
) -> None:
    answer = ask_screens(question, [composing_page()])
    assert (answer.text if answer else None) == expected


def test_an_option_described_by_what_it_does_is_the_one_whose_text_says_it() -> None:
    page = [composing_page()]
    # "files that start with a dot" is what the label glues into "dotfiles".
    answer = ask_screens("Which option lets files that start with a dot show up among attachments?", page)
    assert answer is not None and answer.text == "Show dotfiles in attachments"
    answer = ask_screens("Which option asks the recipient to confirm they read the mail?", page)
    assert answer is not None and answer.text == "Request read receipts"
    # Nothing on the screen does it: no option is made up.
    assert ask_screens("Which option makes the printer print in colour?", page) is None
    # The asking words only inside a quote (a page's name) leave the question's own words to match.
    quoted = ask_screens(
        'What does the help page "Which option asks for receipts" say about read receipts?', page
    )
    assert quoted is None or quoted.text == "Request read receipts"


def test_besides_the_options_named_the_rest_of_their_group_answers() -> None:
    answer = ask_screens(
        "Which start-up choice, besides restoring the last draft and the address book, is offered?",
        [composing_page()],
    )
    assert answer is not None and answer.text == "Open a blank message"
    russian = shot_page(
        "mail_ru.png",
        [
            Control(
                "radio",
                "При запуске",
                (30, 260, 90, 274),
                "Открыть пустое письмо",
                (110, 260, 280, 274),
                False,
            ),
            Control(
                "radio",
                "При запуске",
                (30, 260, 90, 274),
                "Восстановить черновик",
                (110, 280, 280, 294),
                True,
            ),
            Control(
                "radio",
                "При запуске",
                (30, 260, 90, 274),
                "Показать адресную книгу",
                (110, 300, 280, 314),
                False,
            ),
            Control("checkbox", "", None, "Проверять орфографию", (30, 40, 220, 54), True, "Орфография"),
        ],
    )
    answer = ask_screens("Что ещё можно выбрать при запуске, кроме черновика и адресной книги?", [russian])
    assert answer is not None and answer.text == "Открыть пустое письмо"


def test_the_control_labelled_as_the_question_asks_wins_over_words_of_the_page_name() -> None:
    # "Layout" names the page and two controls; "layout type" is the label of one radio group only.
    page = shot_page(
        "viewer_layout.png",
        [
            Control("radio", "Layout type", (20, 40, 110, 54), "Compact", (130, 40, 200, 54), True),
            Control("radio", "Layout type", (20, 40, 110, 54), "Wide", (220, 40, 280, 54), False),
            Control("checkbox", "", None, "Show layout hints", (20, 70, 200, 84), True, "Layout type"),
            Control(
                "dropdown",
                "Window layout",
                (20, 100, 120, 114),
                "Default",
                (140, 100, 240, 114),
                None,
                "Layout",
            ),
        ],
    )
    answer = ask_screens("In the viewer's Layout preferences, which layout type is selected?", [page])
    assert answer is not None and answer.text == "Compact"


def menu_page(title: str, items: str, heading: str = "Menu") -> list[PassageRecord]:
    return shot_page(
        f"{title.lower()}_menu.png",
        [Control("list", title, (50, 20, 80, 32), items, (40, 40, 300, 160), None, heading)],
    )


def test_questions_about_an_open_menu_are_read_from_its_items() -> None:
    edit = menu_page("Edit", "Undo (Ctrl+Z), Redo (Ctrl+Shift+Z), Cut (Ctrl+X), Copy (Ctrl+C), Select All")
    cases = {
        "What is the first item of the Edit menu?": "Undo",
        "Which entry comes right after Cut in the Edit menu?": "Copy",
        "What is the last item in the Edit menu?": "Select All",
        "What is the keyboard shortcut for Redo in the Edit menu?": "Ctrl+Shift+Z",
    }
    for question, expected in cases.items():
        answer = ask_screens(question, [edit])
        assert answer is not None and answer.text == expected, question
    russian = menu_page("Вид", "Панель инструментов, Строка состояния, Во весь экран (F11)", "Меню")
    answer = ask_screens("Какой второй пункт в меню «Вид»?", [russian])
    assert answer is not None and answer.text == "Строка состояния"
    answer = ask_screens("Какое сочетание клавиш у пункта «Во весь экран» в меню «Вид»?", [russian])
    assert answer is not None and answer.text == "F11"
    # A menu the screen does not show open: nothing to read.
    assert ask_screens("What is the first item of the File menu?", [edit, russian]) is None
    # The dialogs the menu opens share its words and rank above the screenshot showing it open.
    dialogs = [composing_page() for _ in range(4)]
    answer = ask_screens("Какой первый пункт в меню «Вид»?", [*dialogs, edit, russian])
    assert answer is not None and answer.text == "Панель инструментов"


def test_what_a_program_uses_is_a_setting_read_from_the_field_of_that_name() -> None:
    # "Which X does Y use as Z?" asks for a value as plainly as "which X is set": the field named Z.
    controls = [
        Control("field", "Web browser", (20, 40, 110, 54), "firefox", (150, 40, 220, 54), None, "Helpers"),
        Control("field", "Mail reader", (20, 70, 110, 84), "mutt", (150, 70, 200, 84), None, "Helpers"),
        Control("field", "Image viewer", (20, 100, 110, 114), "feh", (150, 100, 190, 114), None, "Helpers"),
    ]
    page = shot_page("ranger_helpers.png", controls)
    answer = ask_screens("Which program does the file manager use as its mail reader?", [page])
    assert answer is not None and answer.text == "mutt"
    assert answer.citations[0].bbox == (150, 70, 200, 84)
    answer = ask_screens("Какая программа используется как web browser?", [page])
    assert answer is not None and answer.text == "firefox"
    assert is_setting_question("What shell does the terminal use as its login shell?")
    # What a program uses, without the role it is used as, is as often a manual's fact.
    assert not is_setting_question("Which port does the server use?")
    assert not is_setting_question("Какой порт использует сервер Identd?")
    assert not is_setting_question("How do I use the terminal?")


def test_the_words_a_groups_options_share_name_what_the_group_chooses() -> None:
    # "Compression": the title "Archive" does not say it, two of the three options do.
    controls = [
        Control("radio", "", None, "Compression with gzip", (40, 40, 200, 54), False, "Archive"),
        Control("radio", "", None, "Compression with zstd", (40, 60, 200, 74), True, "Archive"),
        Control("radio", "", None, "Store only", (40, 80, 200, 94), False, "Archive"),
        Control("radio", "", None, "Daily", (300, 40, 360, 54), True, "Schedule"),
        Control("radio", "", None, "Weekly", (300, 60, 360, 74), False, "Schedule"),
    ]
    page = shot_page("backup_prefs.png", controls)
    answer = ask_screens("Which compression is selected for the archive?", [page])
    assert answer is not None and answer.text == "Compression with zstd"
    answer = ask_screens("Which compression is selected?", [page])
    assert answer is not None and answer.text == "Compression with zstd"
    # A word one option alone holds ("gzip", "Weekly") names that option, not its group.
    assert options_common_words(
        [r for r in (read_control(p, PageHit(p.document, 1, 1.0, [])) for p in page) if r is not None]
    ) == {"Archive": ["compress"], "Schedule": []}


def test_the_option_a_translation_left_in_english_is_the_one_in_the_other_script() -> None:
    controls = [
        Control("checkbox", "", None, "Показывать скрытые файлы", (40, 40, 260, 54), True, "Параметры"),
        Control("checkbox", "", None, "Open links in new tab", (40, 60, 260, 74), False, "Параметры"),
        Control("checkbox", "", None, "Запоминать размер окна", (40, 80, 260, 94), True, "Параметры"),
        # A field's value is the user's data (a program's name), not text the translation missed.
        Control("field", "Редактор", (40, 110, 120, 124), "geany", (150, 110, 200, 124), None, "Программы"),
    ]
    page = shot_page("browser_ru.png", controls)
    for question in (
        "Какой параметр остался без перевода?",
        "Which option was left untranslated in the Russian settings?",
        "Какой флажок не переведён?",
    ):
        answer = ask_screens(question, [page])
        assert answer is not None and answer.text == "Open links in new tab", question
        assert answer.citations[0].bbox == (40, 60, 260, 74)
    # A screen in one script has nothing left untranslated: no answer rather than a guess.
    english = [
        Control("checkbox", "", None, "Show hidden files", (40, 40, 260, 54), True, "Options"),
        Control("checkbox", "", None, "Remember window size", (40, 80, 260, 94), True, "Options"),
    ]
    assert ask_screens("Which option was left untranslated?", [shot_page("browser_en.png", english)]) is None
    assert not asks_untranslated("Which options are translated into Russian?")


def test_the_message_a_window_shows_above_its_tabs_is_its_bars_sentence() -> None:
    # A message bar between the title and the notebook: its icon (read "А") and buttons ("|Retry||
    # Dismiss") are on its OCR line; the sentence is the message. The tab row is no sentence.
    controls = [
        Control("tabs", "Tabs", (20, 80, 400, 96), "General, Network, Updates", (20, 80, 400, 96), None, ""),
        Control("checkbox", "", None, "Check for updates daily", (40, 120, 260, 134), True, "Updates"),
    ]
    page = shot_page("updater.png", controls)
    page.append(text_line(page, "Software Updater a x", (200, 4, 420, 16)))
    page.append(text_line(page, "А Updates could not be checked. |Retry|| Dismiss", (16, 40, 620, 58)))
    page.append(text_line(page, "General Network Updates", (20, 80, 400, 96)))
    answer = ask_screens("What error does the Software Updater show at the top?", [page])
    assert answer is not None and answer.text == "Updates could not be checked."
    assert answer.citations[0].bbox == (16, 40, 620, 58)
    # No line between the title and the controls: nothing to quote.
    bare = shot_page("updater_ok.png", controls)
    bare.append(text_line(bare, "Software Updater a x", (200, 4, 420, 16)))
    assert ask_screens("What warning does the Software Updater show?", [bare]) is None
    assert message_sentence("Appearance Fonts Icon Theme Interface") == ""
    assert message_sentence("⚠ Приложение настроено неправильно. |Сведения|| Скрыть") == (
        "Приложение настроено неправильно."
    )
    assert asks_for_message("Какое предупреждение показывает окно?")
    assert not asks_for_message("Which option shows hidden files?")


def test_a_question_naming_the_window_keeps_the_top_page_when_both_are_tabs_of_that_window() -> None:
    # Two tabs of one "Preferences" window; OCR added debris to the top one's title ("Preferences Bolx").
    # The question names "preferences": that is both pages' window, so the top page (the fonts tab) stays.
    fonts = window_page(
        "viewer_fonts.png",
        "Preferences Bolx",
        [Control("list", "Font family", (20, 40, 120, 54), "Noto Sans", (20, 60, 120, 74))],
    )
    colours = window_page(
        "viewer_colours.png",
        "Preferences",
        [Control("dropdown", "Colour scheme", (20, 40, 140, 54), "Solarized", (150, 40, 260, 54))],
    )
    answer = ask_screens("Which font family is selected in the viewer's preferences?", [fonts, colours])
    assert answer is not None and answer.text == "Noto Sans"
    assert answer.citations[0].document.filename == "viewer_fonts.png"


def test_which_item_of_a_menu_is_checked_is_read_from_its_marks() -> None:
    # A pop-up menu as the indexer writes it: checked items marked, separators parting its sections.
    view = menu_page(
        "View",
        "Open... (Ctrl+O), Save As... | ✓ Word Wrap, Line Numbers, ✓ Status Bar, Enable Spell Check "
        "| Small Text, Normal Text, ✓ Large Text, Huge Text | Close Window",
    )
    cases = {
        # The question names items by a word: the checked ones among them.
        "Which spell check option is checked in the View menu?": None,
        "In the View menu, which bar option is ticked?": "Status Bar",
        # It names none ("text size"): the one checked item of a part where only one is (a choice of one).
        "Which text size is checked in the editor's View menu?": "Large Text",
    }
    for question, expected in cases.items():
        answer = ask_screens(question, [view])
        if expected is None:
            assert answer is None or "Spell" not in answer.text, question
        else:
            assert answer is not None and answer.text == expected, question
    russian = menu_page(
        "Вид", "✓ Перенос строк, Номера строк | Мелкий шрифт, ✓ Обычный шрифт, Крупный шрифт", "Меню"
    )
    answer = ask_screens("Какой размер отмечен в меню «Вид»?", [russian])
    assert answer is not None and answer.text == "Обычный шрифт"
    # A menu drawn with no marks at all says nothing of what is checked.
    plain = menu_page("Edit", "Undo (Ctrl+Z), Redo, Cut, Copy, Paste")
    assert ask_screens("Which item of the Edit menu is checked?", [plain]) is None


def test_a_control_named_whole_wins_over_one_whose_name_holds_a_word_more() -> None:
    # "Line colour" and "Out-line colour" both hold the question's words and mean nearly the same; the
    # question says the first whole and nothing of "out": it is the one meant (the tie was "not found").
    cases = [
        ("Line colour", "Out-line colour", "What does the Line colour drop-down show?"),
        ("Шрифт заголовка", "Моно-шрифт заголовка", "Что показывает список «Шрифт заголовка»?"),
    ]
    for named, longer, question in cases:
        page = window_page(
            "theme_editor.png",
            "Theme",
            [
                Control("dropdown", longer, (20, 40, 120, 54), "Amber", (150, 40, 260, 54)),
                Control("dropdown", named, (20, 80, 150, 94), "Slate", (150, 80, 260, 94)),
            ],
        )
        answer = ask_screens(question, [page])
        assert answer is not None and answer.text == "Slate", question


def test_the_highlighted_item_of_a_side_menu_is_its_checked_one() -> None:
    # A web page's side menu as the indexer writes it (a tinted pill marks one item): "the left menu"
    # and "highlighted" name no menu's title, the chosen item answers.
    side = menu_page("", "Profile, Privacy, ✓ Storage, Display, Reset settings")
    answer = ask_screens("Which item of the left menu is highlighted in the settings?", [side])
    assert answer is not None and answer.text == "Storage"
    russian = menu_page("", "Профиль, Конфиденциальность, ✓ Хранилище, Экран, Сбросить настройки", "Меню")
    answer = ask_screens("Какой пункт левого меню выделен?", [russian])
    assert answer is not None and answer.text == "Хранилище"
    # A menu the question names by a title the screen does not show is still not this one.
    assert ask_screens("Which item of the Edit menu is highlighted?", [side]) is None


def test_the_menu_item_that_does_what_the_question_describes_is_named_by_its_words() -> None:
    tools = menu_page(
        "Tools",
        "Word Count..., Spelling..., Sort Lines, Macros | Indentation Settings..., Indent Lines, Options...",
    )
    answer = ask_screens("Which item of the Tools menu opens the dialog for the indentation width?", [tools])
    assert answer is not None and answer.text == "Indentation Settings"
    answer = ask_screens("Which command in the Tools menu sorts the lines?", [tools])
    assert answer is not None and answer.text == "Sort Lines"
    russian = menu_page("Файл", "Создать окно, Открыть файл..., Сохранить | Закрыть вкладку, Выйти", "Меню")
    answer = ask_screens("Какой пункт меню «Файл» закрывает вкладку?", [russian])
    assert answer is not None and answer.text == "Закрыть вкладку"
    # Nothing of the menu does what is asked: no guess.
    assert ask_screens("Which item of the Tools menu prints the page?", [tools]) is None


def test_a_question_about_a_red_arrow_is_left_to_the_mark_not_a_label_holding_arrow() -> None:
    controls = [
        Control("checkbox", "", None, "Arrow keys scroll the view", (40, 40, 260, 54), True, "Keys"),
        Control("checkbox", "", None, "Wrap around", (40, 60, 260, 74), False, "Keys"),
    ]
    marked = shot_page("keys_marked.png", controls, marked=True)
    assert ask_screens("Which option does the red arrow point at?", [marked]) is None


def test_a_menu_left_in_english_answers_a_russian_question_by_meaning() -> None:
    tools = menu_page("Сервис", "Параметры, Spell Check, Word Count, Record Macro..., Plugin Manager", "Меню")
    answer = ask_screens("Какой пункт меню «Сервис» подсчитывает количество слов?", [tools])
    assert answer is not None and answer.text == "Word Count"
    # A menu in the question's own language must share its words: meaning alone picks no item.
    russian = menu_page("Сервис", "Орфография, Статистика, Запись макроса, Модули", "Меню")
    assert ask_screens("Какой пункт меню «Сервис» подсчитывает количество слов?", [russian]) is None


def test_a_count_is_read_from_a_field_that_holds_a_number_never_from_a_check_box() -> None:
    retry = Control("checkbox", "", None, "Retry on timeout", (40, 90, 200, 104), True, "Retries")
    count = Control("field", "Retry count", (20, 60, 120, 74), "4", (150, 60, 190, 74))
    answer = ask_screens("How many retries are set?", [shot_page("upload.png", [retry, count])])
    assert answer is not None and answer.text == "4"
    retry_ru = Control("checkbox", "", None, "Повторять при таймауте", (40, 90, 200, 104), True, "Повторы")
    count_ru = Control("field", "Число повторов", (20, 60, 120, 74), "4", (150, 60, 190, 74))
    answer = ask_screens("Сколько повторов задано?", [shot_page("upload.png", [retry_ru, count_ru])])
    assert answer is not None and answer.text == "4"
    # Without the field, the check box named like the question is no count: the text reader answers.
    assert ask_screens("How many retries are set?", [shot_page("upload.png", [retry])]) is None


def test_a_spin_field_packed_at_the_end_of_its_row_answers_how_many(tmp_path: Path) -> None:
    """A GTK 3 window shot in English and Russian: «Число повторов» stands at the left edge, its spin
    field at the right end of the row, and the question counts («сколько»)."""
    data = Path(__file__).resolve().parent.parent / "data"
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([data / "gtk3_en_upload_setup.png", data / "gtk3_ru_upload_setup.png"])
        english = assistant.ask("How many retries are set?")
        russian = assistant.ask("Сколько повторов задано?")
    assert english.text == "3"
    assert english.citations[0].document.filename == "gtk3_en_upload_setup.png"
    assert russian.text == "6"
    assert russian.citations[0].document.filename == "gtk3_ru_upload_setup.png"


def test_an_item_between_two_named_items_of_a_menu_is_the_one_standing_between_them() -> None:
    edit = menu_page(
        "Edit", "Undo (Ctrl-Z), Cut (Ctrl-X), Copy (Ctrl-C), Paste (Ctrl-V), Select All (Ctrl-A)"
    )
    answer = ask_screens("In the Edit menu, which item sits between Cut and Paste?", [edit])
    assert answer is not None and answer.text == "Copy"
    # The second item is named with the rest of the question after it.
    answer = ask_screens("Which item is between Undo and Copy in the Edit menu?", [edit])
    assert answer is not None and answer.text == "Cut"
    # Two items between them, or neighbours: no one item answers.
    assert ask_screens("Which item of the Edit menu is between Undo and Paste?", [edit]) is None
    assert ask_screens("Which item of the Edit menu is between Cut and Copy?", [edit]) is None
    # OCR misread a letter of an item ("Изнерить"); the question's word is still that item's.
    russian = menu_page("Вид", "Обновить (F5), Изнерить окно, Во весь экран (F11), Лупа", "Меню")
    answer = ask_screens("Какой пункт меню «Вид» стоит между «Обновить» и «Во весь экран»?", [russian])
    assert answer is not None and answer.text == "Изнерить окно"


def test_a_property_tables_value_answers_what_the_item_its_title_names_has(tmp_path: Path) -> None:
    """Swing shots of the project's own program, English and Russian: a two-column property table
    under "Selection: Pump", an open menu with Swing's "Ctrl-F" accelerators."""
    data = Path(__file__).resolve().parent.parent / "data"
    shots = ["swing_en_aquarium_table.png", "swing_ru_aquarium_table.png", "swing_en_aquarium_menu.png"]
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([data / name for name in shots])
        light = assistant.ask("What light mode does the REEF tank have?")
        sensors = assistant.ask("How many sensors does the REEF tank have?")
        russian = assistant.ask("Какой режим света имеет насос?")
        between = assistant.ask("Which item sits between Feed Fish and Check Water in the Tank menu?")
        shortcut = assistant.ask("What is the keyboard shortcut of Measure Oxygen in the Tank menu?")
        two = assistant.ask("What light mode is set for the pump, and how many sensors does it have?")
    assert light.text == "Dawn"
    # The value's own cell is cited, right of the column rule.
    assert light.citations[0].bbox[0] > 140
    assert sensors.text == "5"
    assert russian.text == "Рассвет"
    assert between.text == "Clean Filter"
    assert shortcut.text == "Ctrl-M"
    # A question asking two things gets both values, each cited in its own cell.
    assert two.text == "Dawn; 5"
    assert len({c.bbox for c in two.citations}) == 2


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "What gate size is set, and how many inputs does it have?",
            ["What gate size is set?", "how many inputs does it have?"],
        ),
        ("Какой шрифт задан и какой размер выбран?", ["Какой шрифт задан?", "какой размер выбран?"]),
        # One thing asked ("what and how" of one control, or a second part that asks no setting): whole.
        ("Which black and white mode is selected?", ["Which black and white mode is selected?"]),
        ("Which mode is selected, and what does it do?", ["Which mode is selected, and what does it do?"]),
    ],
)
def test_a_question_asking_two_settings_is_read_in_two_parts(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


def test_a_tab_read_as_a_field_is_not_the_control_a_question_about_that_tab_asks_for() -> None:
    # Swing's raised tab reads as a label with the next tab as its value ("Экран: Сеть"); the question
    # names that tab by its quoted caption, so the tab says which page, and OCR's "вет фона" answers.
    tab = Control("field", "Экран", (90, 40, 140, 54), "Сеть", (200, 40, 240, 54))
    colour = Control("dropdown", "вет фона", (20, 90, 110, 104), "Серый", (150, 90, 230, 104))
    page = shot_page("viewer.png", [tab, colour])
    answer = ask_screens("Какой цвет фона выбран на вкладке «Экран»?", [page])
    assert answer is not None and answer.text == "Серый"
    english = shot_page(
        "viewer.png",
        [
            Control("field", "Display", (90, 40, 140, 54), "Network", (200, 40, 260, 54)),
            Control("dropdown", "ackground colour", (20, 90, 110, 104), "Grey", (150, 90, 230, 104)),
        ],
    )
    answer = ask_screens('Which background colour is selected on the "Display" tab?', [english])
    assert answer is not None and answer.text == "Grey"


def test_a_label_a_narrow_column_cut_short_is_named_by_the_word_it_begins() -> None:
    assert completed_name("Number Of Inp...", "How many inputs does it have?") == "Number Of inputs"
    # No word of the question begins so: the cut word stays as it is.
    assert completed_name("Output Val…", "How many inputs does it have?") == "Output Val…"
    rows = [
        Control("field", "Биты данных", (4, 40, 80, 54), "8", (124, 40, 140, 54), None, "Выделение: Счётчик"),
        Control(
            "field", "Число вхо...", (4, 60, 110, 74), "4", (124, 60, 140, 74), None, "Выделение: Счётчик"
        ),
    ]
    answer = ask_screens("Сколько у него входов?", [shot_page("counter.png", rows)])
    assert answer is not None and answer.text == "4"
    answer = ask_screens(
        "Какая разрядность у счётчика и сколько у него входов?", [shot_page("counter.png", rows)]
    )
    assert answer is None or answer.text != "8"
