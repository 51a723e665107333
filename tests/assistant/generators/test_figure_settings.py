"""A setting's value read off a pasted dialog's figure labels: "which ink set is selected?" -> the words
after "Ink Set" on its row, drop-down arrows and button captions left out, in both languages."""

from __future__ import annotations

from assistant.generators.figures import (
    SETTING_QUESTION,
    FigureLabel,
    _label_by_text,
    _selected_row,
    _setting_value,
    figure_captions,
    figure_labels,
    restates,
)
from indexer.language import search_tokens
from indexer.records import BBox, DocumentRecord, LineSpan, PassageRecord

DOCUMENT = DocumentRecord(1, "plotter-guide.pdf", "0" * 64, "application/pdf", 4, 100, "en", "2026-01-01")


def figure_page(rows: list[tuple[str, BBox]], caption: str) -> list[FigureLabel]:
    """The figure passage of a manual page whose pasted dialog OCR read as `rows` (text, page box)."""
    text, spans = "", []
    for line, box in rows:
        spans.append(LineSpan(len(text), len(text) + len(line), box))
        text += line + "\n"
    passage = PassageRecord(
        7, DOCUMENT, 2, 1241, 1754, "figure", "en", caption, text, (100, 200, 1100, 900), spans
    )
    return figure_labels([passage])


PLOTTER = [
    ("Plotter Setup", (110, 240, 260, 256)),
    ("Pen Width 0.35 mm v Reset", (120, 260, 700, 276)),
    ("Pen Colour Cyan v Reset", (120, 300, 700, 316)),
    ("Paper Feed", (120, 340, 220, 356)),
    ("Roll, 914 mm", (420, 340, 560, 356)),
    ("Cutter", (120, 380, 190, 396)),
    ("Auto", (120, 404, 170, 420)),
]


def test_the_value_after_the_settings_name_on_its_row_answers() -> None:
    labels = figure_page(PLOTTER, "Figure 2.3. The plotter setup dialog")
    captions = ["Figure 2.3. The plotter setup dialog"]
    # The dialog's title, right over the first row, names the figure, not a setting.
    answer = _setting_value("Which pen colour is selected in the plotter setup dialog?", labels, captions)
    assert answer is not None and answer.text == "Cyan"
    assert answer.citations[0].bbox == (120, 300, 700, 316)
    width = _setting_value("What pen width is set in the dialog shown in Figure 2.3?", labels)
    assert width is not None and width.text == "0.35 mm"  # the name shares "pen": its longer match wins


def test_a_value_in_its_own_label_beside_or_under_the_name_answers() -> None:
    labels = figure_page(PLOTTER, "Figure 2.3. The plotter setup dialog")
    feed = _setting_value("Which paper feed is selected in the screenshot?", labels)
    assert feed is not None and feed.text == "Roll, 914 mm" and feed.citations[0].bbox == (420, 340, 560, 356)
    cutter = _setting_value("What cutter mode is set in the screenshot?", labels)
    assert cutter is not None and cutter.text == "Auto"


def test_a_named_row_under_a_name_whose_value_ocr_lost_is_not_its_value() -> None:
    labels = figure_page(
        [("Spare margin:", (120, 480, 280, 494)), ("Typical usage: standard", (120, 513, 380, 532))],
        "Figure 4",
    )
    assert _setting_value("What spare margin is set in Figure 4?", labels, ["Figure 4"]) is None
    found = _setting_value("What typical usage is set in Figure 4?", labels, ["Figure 4"])
    assert found is not None and found.text == "standard"


def test_a_russian_dialog_answers_a_russian_question() -> None:
    rows = [
        ("Толщина пера 0,35 мм v Сброс", (120, 260, 700, 276)),
        ("Цвет пера Голубой v Сброс", (120, 300, 700, 316)),
    ]
    labels = figure_page(rows, "Рисунок 2.3. Окно настройки плоттера")
    answer = _setting_value("Какой цвет пера выбран на рисунке 2.3?", labels)
    assert answer is not None and answer.text == "Голубой"


def test_no_name_on_the_figure_or_two_equal_names_answer_nothing() -> None:
    labels = figure_page(PLOTTER, "Figure 2.3. The plotter setup dialog")
    captions = ["Figure 2.3. The plotter setup dialog"]
    assert _setting_value("Which language is selected in the plotter setup dialog?", labels, captions) is None
    twins = figure_page(
        [("Pen Colour Cyan", (120, 300, 500, 316)), ("Pen Colour Magenta", (620, 300, 1000, 316))], "Figure 9"
    )
    assert _setting_value("Which pen colour is selected?", twins) is None


def test_setting_questions_are_told_from_other_figure_questions() -> None:
    assert SETTING_QUESTION.search("Which ink set is selected in the print dialog?")
    assert SETTING_QUESTION.search("Какое разрешение задано в окне на рисунке 4?")
    assert not SETTING_QUESTION.search("Which knob on the top panel controls the timer?")


def selected_row(text: str, box: BBox, number: int) -> PassageRecord:
    """A list's selected row as the indexer stores it: a control passage holding the row alone."""
    return PassageRecord(
        number, DOCUMENT, 2, 1241, 1754, "control", "en", "", text, box, [LineSpan(0, len(text), box)]
    )


def test_the_selected_row_of_the_list_the_question_names_answers() -> None:
    # Two lists side by side, each labelled beside its middle row, each with its own selected row.
    labels = figure_page(
        [("Paper tray:", (120, 420, 260, 436)), ("Colour profile:", (640, 420, 820, 436))],
        "Figure 5. Printing options",
    )
    passages = [
        labels[0].passage,
        selected_row("Tray 2 (A4)", (280, 360, 460, 376), 8),
        selected_row("Coated FOGRA39", (840, 480, 1060, 496), 9),
    ]
    captions = ["Figure 5. Printing options"]
    profile = _selected_row(
        "Which colour profile is highlighted in the options shown in Figure 5?", passages, labels, captions
    )
    assert profile is not None and profile.text == "Coated FOGRA39"
    assert profile.citations[0].bbox == (840, 480, 1060, 496)
    tray = _selected_row("Which paper tray is selected?", passages, labels, captions)
    assert tray is not None and tray.text == "Tray 2 (A4)"
    # Nothing names either list: with two of them there is no telling which is meant.
    assert _selected_row("Which row is selected in Figure 5?", passages, labels, captions) is None
    alone = _selected_row("Which row is selected in Figure 5?", passages[:2], labels, captions)
    assert alone is not None and alone.text == "Tray 2 (A4)"


def test_a_grammar_word_read_alone_on_a_screenshot_names_nothing_the_text_says() -> None:
    # Sparse OCR of a pasted screen leaves words of its sentences as labels of their own.
    labels = figure_page([("the", (300, 400, 330, 414)), ("Firewall", (120, 300, 220, 316))], "Figure 7")
    prose = "Use this command to let the web server listen on another port."
    text = PassageRecord(3, DOCUMENT, 2, 1241, 1754, "text", "en", "", prose, (100, 100, 1100, 130), [])
    terms = {term: 1.0 for term in search_tokens("command web server listen port", drop_stopwords=True)}
    assert (
        _label_by_text("Which command lets the web server listen on a port?", [text], labels, terms) is None
    )
    named = PassageRecord(
        4,
        DOCUMENT,
        2,
        1241,
        1754,
        "text",
        "en",
        "",
        "The Firewall tab lets the web server listen.",
        (0, 0, 1, 1),
        [],
    )
    found = _label_by_text("Which tab lets the web server listen?", [named], labels, terms)
    assert found is not None and found[0].text == "Firewall"


def test_a_russian_question_about_an_english_panel_reads_the_value_after_the_name_it_translates() -> None:
    labels = figure_page(
        [
            ("Results", (900, 180, 980, 196)),
            ("Thermal resistance: 83.29 °C/W", (900, 210, 1180, 226)),
            ("Resistance: 0.00057 Ω", (900, 240, 1180, 256)),
            ("File size: 24.8 MB", (900, 270, 1180, 286)),
        ],
        "Figure 2.7. Via Size",
    )
    answer = _setting_value(
        "Какое сопротивление показывает калькулятор на рисунке 2.7?", labels, ["Figure 2.7. Via Size"]
    )
    assert answer is not None and answer.text == "0.00057 Ω"
    size = _setting_value("Какой размер файла показан на рисунке 2.7?", labels, ["Figure 2.7. Via Size"])
    assert size is not None and size.text == "24.8 MB"
    # "Thermal" writes none of the question's words: that row is another setting.
    assert _setting_value("Какое тепловое значение показано?", labels, ["Figure 2.7. Via Size"]) is None


def test_the_title_bar_of_a_picture_read_as_a_dialog_names_no_setting() -> None:
    # OCR reads the title bar's icons after the title ("Plotter Setup xX"): with the page's controls
    # read, the dialog's title names the figure, and the setting the question names answers.
    rows = [("Plotter Setup xX", (110, 240, 300, 256)), *PLOTTER[1:]]
    labels = figure_page(rows, "")
    figure = labels[0].passage
    control = PassageRecord(
        8, DOCUMENT, 2, 1241, 1754, "control", "en", "", "Pen Colour: Cyan", (420, 300, 560, 316), []
    )
    question = "Which pen colour is selected in the Plotter Setup dialog?"
    assert figure_captions(labels, [figure]) == []
    captions = figure_captions(labels, [figure, control])
    assert captions == ["Plotter Setup xX"]
    answer = _setting_value(question, labels, captions)
    assert answer is not None and answer.text == "Cyan"
    # Without the title taken for the figure's name, the title vies with the setting: nothing answers.
    assert _setting_value(question, labels, []) is None


def test_a_label_whose_value_the_question_already_says_answers_nothing() -> None:
    question = "Which spare blade kit does the vendor list for the PlotMaster 900?"
    assert restates(question, "Plotter Model: PlotMaster 900")
    assert not restates(question, "Blade kit: BK-12 fine")
    assert not restates("Which plotter model is shown?", "Plotter Model: PlotMaster 900")
