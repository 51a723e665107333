"""Key and parameter lists read as term and description: the key is the answer to "which key/command/
parameter does X", in English and Russian; commented script lines; the kinds named in passing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fpdf import FPDF
from reader_manuals import FONTS, page_views

from assistant.generators.extractive import Candidate, _gate_tries
from assistant.questions import KEY, KindEvidence, asks_location, kind_evidence, profile_question
from assistant.spans import (
    Fit,
    PageView,
    definition_items,
    definition_spans,
    inline_term,
    names_held,
    page_lines,
    program_names,
    read_views,
)


def best(view: PageView, question: str) -> tuple[str, str, str]:
    """(the best span's text, its term, the asked-for item the fit found) for a question."""
    profile = profile_question(question)
    span, fit = max(read_views(profile, [view]), key=lambda pair: pair[1].score)
    return span.text, span.term, fit.kind.item


def headed_page(heading: str) -> FPDF:
    """A new A4 page with its heading, set for body text."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    return pdf


KEYS = [
    (
        "C-s",
        "Search forward incrementally for a string typed after the key; each further C-s finds "
        "the next match and the search wraps at the end of the buffer.",
    ),
    ("C-r", "Search backward incrementally, like C-s but towards the start of the buffer."),
    ("M-%", "Query replace: search for a string and replace each match after asking."),
    ("ESC-g or M-g", "Go to the line whose number is given after the key."),
    ("^K", "Kill the rest of the current line and put it in the kill ring."),
    ("F3", "Start recording a keyboard macro; F4 ends it."),
    ("C-x u or undo-key", "Undo the last change made to the buffer, one step at a time."),
]


@pytest.fixture(scope="module")
def key_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """An editor's key list as a man page sets it: the key at the margin, its description on the same
    line at a hanging indent and carried on below it."""
    path = tmp_path_factory.mktemp("keys") / "tedit.1.en.pdf"
    pdf = headed_page("KEY COMMANDS")
    pdf.multi_cell(0, 6, "The editor reads the following keys while a buffer is shown.", new_x="LMARGIN")
    pdf.ln(4)
    for key, description in KEYS:
        pdf.set_x(30)
        if len(key) > 6:
            # A long key stands on its own line, its description below it.
            pdf.cell(0, 6, key, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(15, 6, key)
        pdf.set_left_margin(50)
        pdf.set_x(50)
        pdf.multi_cell(0, 6, description, new_x="LMARGIN", new_y="NEXT")
        pdf.set_left_margin(20)
        pdf.ln(3)
    pdf.output(str(path))
    return page_views(path)[0]


def test_a_key_sharing_its_line_with_its_description_is_the_items_term(key_page: PageView) -> None:
    lines = page_lines(key_page.passages)
    items = {item.inline or lines[item.term].text.strip(): item for item in definition_items(lines)}
    assert {"C-s", "C-r", "M-%", "^K", "F3", "ESC-g or M-g", "C-x u or undo-key"} <= set(items)
    # The description carried on below the key belongs to its item.
    search = items["C-s"]
    assert any("wraps at the end" in lines[i].text for i in search.definition)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Which key searches backward incrementally towards the start of the buffer?", "C-r"),
        ("Which command kills the rest of the current line?", "^K"),
        ("Which key starts recording a keyboard macro?", "F3"),
        ("Какая команда ищет строку и заменяет каждое совпадение?", "M-%"),
    ],
)
def test_which_key_is_answered_by_the_key_whose_description_fits(
    key_page: PageView, question: str, key: str
) -> None:
    text, _, item = best(key_page, question)
    assert text.startswith(key) and item == key


PARAMETERS = [
    ("Name", "Type", "Description"),
    ("tx.Rate", "Real", "Transmit rate of the link, in baud"),
    ("rx.Timeout", "Integer", "Time to wait for a reply before giving up, in ms"),
    ("rx.Retries", "Integer", "Number of retries after a timeout"),
    ("link.Mode", "String", "Half or full duplex"),
]


def test_a_parameter_tables_row_is_answered_by_its_key(tmp_path: Path) -> None:
    path = tmp_path / "modem-card.en.pdf"
    pdf = headed_page("4.2 Parameters of the .link card")
    for name, kind, description in PARAMETERS:
        pdf.set_x(30)
        pdf.cell(30, 6, name)
        pdf.cell(25, 6, kind)
        pdf.cell(0, 6, description, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    view = page_views(path)[0]
    text, term, item = best(view, "Which parameter sets how long to wait for a reply?")
    assert text.startswith("rx.Timeout") and term == item == "rx.Timeout"
    text, term, _ = best(view, "Which parameter of the .link card sets the transmit rate?")
    assert text.startswith("tx.Rate") and term == "tx.Rate"


@pytest.mark.parametrize(
    ("line", "term"),
    [
        ("ESC-F Like F, but rings the bell", "ESC-F"),
        ("K or Y Like k, but continues", "K or Y"),
        ("H.Max | H3 Real Maximum space size", "H.Max | H3"),
        (":Width Real Width between lines", ":Width"),
        ("-s, --service Print the service", "-s, --service"),
        ("$Name: содержит название игры", "$Name:"),
        ("f8/f9 быстрое сохранение", "f8/f9"),
        ("p or % Go to a position", "p or %"),
        # A list's numbering, a bullet, a label, a word or a lone word-letter starts no key.
        ("1. Open the lid and", ""),
        ("(a) the first case", ""),
        ("Note: this is so", ""),
        ("The end is near", ""),
        ("A line is found", ""),
        ("В комбинации с f8", ""),
        ("2.3 Section title", ""),
        ("«quoted» word here", ""),
    ],
)
def test_the_key_a_line_starts_with(line: str, term: str) -> None:
    assert inline_term(line) == term


def test_a_commented_script_line_is_the_command_its_comment_describes(tmp_path: Path) -> None:
    question = profile_question("Which command keeps the server's log for a week?")
    block = "-- keep the log for a week\nset retention 7d"
    assert kind_evidence(question.asks, block, question).item == "set retention 7d"
    plot = profile_question("Какой командой убрать сетку с графика?")
    assert kind_evidence(plot.asks, "* без сетки\nunset grid", plot).item == "unset grid"
    # A sentence under a comment is no command line.
    prose = "-- Notes\nthe log can be kept for a week as shown."
    assert not kind_evidence(question.asks, prose, question).item.startswith("the log")


def test_a_file_question_that_names_the_folder_it_lies_in_asks_for_a_file() -> None:
    assert not asks_location("Какой файл-скрипт должен лежать в каталоге проекта?")
    assert not asks_location("Which file in the plugin directory lists the plugins?")
    assert asks_location("В каком каталоге лежат файлы шрифтов?")
    assert asks_location("Where are the plugins kept?")
    question = profile_question("Which script file must be in the project's folder?")
    evidence = kind_evidence(question.asks, "The project folder must hold the script init4.lua.", question)
    assert evidence.item == "init4.lua"


def test_kinds_named_in_passing() -> None:
    keys = profile_question("Какими клавишами делается быстрое сохранение и загрузка?")
    assert keys.asks == KEY
    said = "Можно воспользоваться быстрым сохранением и загрузкой (клавиши f5/f6)."
    assert kind_evidence(keys.asks, said, keys).item == "f5/f6"
    address = profile_question("Which address does the gateway use by default?")
    assert kind_evidence(address.asks, "The gateway answers on 192.168.7.1 unless told.", address).item == (
        "192.168.7.1"
    )
    tag = profile_question("Which tag sets the author of the package?")
    assert kind_evidence(tag.asks, "The tag $Author: holds the author's name.", tag).item == "$Author:"
    widget = profile_question("Which class draws a slider with a value box?")
    said = "• Gx_Value_Slider - A slider with a box showing its value."
    assert kind_evidence(widget.asks, said, widget).item == "Gx_Value_Slider"
    # A word in capitals or an ordinary word is no code name.
    assert not kind_evidence(widget.asks, "The slider shows its VALUE in a box.", widget)


def test_a_count_is_of_the_phrase_whose_head_is_the_counted_noun() -> None:
    question = profile_question("How many filter presets does the audio package ship?")
    said = "The audio package ships 3 standard filter preset folders with 24 filter presets in all."
    assert kind_evidence(question.asks, said, question).item == "24"
    # Only a number of something else: no count of presets.
    other = "The audio package ships 3 standard filter preset folders."
    assert not kind_evidence(question.asks, other, question)


def test_a_program_named_in_lower_case_points_at_its_manual(tmp_path: Path) -> None:
    """ "Under which licence is the vidcut manual distributed?": another manual's licence page shares the
    question's words, not the program's name, and loses to the page of the manual that names it."""
    question = profile_question("Under which licence is the vidcut manual distributed?")
    views = []
    for number, (name, text) in enumerate(
        [
            ("other-toolkit.en.pdf", "LICENSE. The toolkit is distributed under the following licence."),
            ("vidcut-manual.en.pdf", "vidcut is covered by the GNU Free Documentation License."),
        ],
        start=1,
    ):
        pdf = headed_page("Licence")
        pdf.multi_cell(0, 6, text)
        pdf.output(str(tmp_path / name))
        view = page_views(tmp_path / name)[0]
        document = dataclasses.replace(view.hit.document, id=number, filename=name)
        hit = dataclasses.replace(view.hit, document=document)
        views.append(PageView(hit, [dataclasses.replace(p, document=document) for p in view.passages]))
    assert program_names(question, views) == {"vidcut"}
    assert names_held(question, views) == [0.0, 1.0]
    # A word no file name holds names no manual read; a word the dictionary knows is no name.
    assert not program_names(profile_question("Which codec does vidsplit use?"), views)
    assert not program_names(profile_question("Which licence covers the other manual?"), views)


def test_the_windows_of_one_definition_take_one_gate_try(key_page: PageView) -> None:
    """A long definition read in several windows, none holding the asked-for kind, is one item: its
    windows do not use up the tries that the next item of the page (the answer) needs."""
    spans = list(definition_spans(key_page))
    search = [span for span in spans if span.term == "C-s"]
    other = next(span for span in spans if span.term == "C-r")
    assert search
    windows = [Candidate(span, Fit(), 1.0) for span in search * 5]
    answer = Candidate(other, Fit(kind=KindEvidence("the list's key 'C-r'", item="C-r")), 0.5)
    assert answer in list(_gate_tries([*windows, answer], 2))
    # Apart from one another, the same spans would each take a try.
    lone = [Candidate(dataclasses.replace(span, term=""), Fit(), 1.0) for span in search * 5]
    assert answer not in list(_gate_tries([*lone, answer], 2))


def test_of_several_keys_a_span_names_the_one_beside_the_questions_words_is_the_item() -> None:
    question = profile_question("Which keys toggle the fullscreen mode?")
    said = "Press ctrl-q to quit at any time. The F11 key toggles the fullscreen mode, F1 opens help."
    assert kind_evidence(question.asks, said, question).item == "F11"
