"""The reader's answer types: a question asks for a value of a dimension (a voltage, a gain, a wire gauge),
a standard, a model, a reason or a keyword, and a span answers only with an instance of that type tied to
what the question asks about.

Invented manuals (a kettle in English, a pump in Russian), unlike the documents of the evaluation sets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from reader_manuals import read, write_laid_out_manual

from assistant import Assistant
from assistant.generators.extractive import AnswerSettings, Candidate, gate
from assistant.measures import BY_NAME, asked_dimension, measured_values
from assistant.questions import (
    ACTION,
    ANY,
    MODEL,
    NUMBER,
    OPTION,
    REASON,
    STANDARD,
    KindEvidence,
    asks_button,
    kind_evidence,
    model_names,
    profile_question,
    set_object,
)
from indexer.layout import states_a_choice


@pytest.mark.parametrize(
    ("question", "dimension"),
    [
        ("At least what output voltage must the adapter deliver?", "voltage"),
        ("Какое напряжение питания у насоса?", "voltage"),
        ("How much current does the heater draw?", "current"),
        ("Какой ток потребляет насос?", "current"),
        ("What gain does the preamplifier have?", "gain"),
        ("Какое усиление у предусилителя?", "gain"),
        ("На сколько процентов сокращается время нагрева?", "percentage"),
        ("Какого сечения провод питания?", "wire gauge"),
        ("What resistance does the sensor have?", "resistance"),
        ("Какой общий объём бака?", "data size"),
        ("What is the current directory of the shell?", None),
        ("Which option keeps the input files?", None),
    ],
)
def test_a_question_names_the_dimension_of_the_value_it_asks(question: str, dimension: str | None) -> None:
    found = asked_dimension(question)
    assert (found.name if found else None) == dimension


@pytest.mark.parametrize(
    ("dimension", "text", "values"),
    [
        ("voltage", "The adapter needs at least 8V; 12 V is better.", ["8V", "12 V"]),
        ("voltage", "Напряжение питания 12 В, в режиме ожидания меньше.", ["12 В"]),
        ("current", "The heater draws 1.5 A and the fan 50 mA.", ["1.5 A", "50 mA"]),
        ("current", "Насос потребляет 1,5 А.", ["1,5 А"]),
        ("gain", "LNA 11 dB, mixer 5-15 dB", ["11 dB", "5-15 dB"]),
        ("percentage", "it shrinks text by 60-70% and names to 14 characters", ["60-70%"]),
        ("wire gauge", "use AWG 28 for D+ and D-, 22AWG for power", ["AWG 28", "22AWG"]),
        ("resistance", "R1 - 4k7 resistor (4.7 kOhm); R2 - 10 Ом", ["4k7", "4.7 kOhm", "10 Ом"]),
        ("voltage", "Set option -a 0 -l 32 in chapter 5 в таблице", []),
    ],
)
def test_a_value_is_one_of_a_dimension_by_its_unit_in_either_language(
    dimension: str, text: str, values: list[str]
) -> None:
    assert [value.text for value in measured_values(BY_NAME[dimension], text)] == values


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which safety standard does the kettle meet?", STANDARD),
        ("Каким стандартам соответствует команда kettlectl?", STANDARD),
        ("Under which licence may the schematic be copied?", STANDARD),
        ("Which printer models support colour calibration?", MODEL),
        ("Какая микросхема стоит в контроллере?", MODEL),
        ("What is the part number of the replacement filter?", MODEL),
        ("Какой артикул у сменного фильтра?", MODEL),
        ("Why should the kettle be descaled every month?", REASON),
        ("Почему чайник нужно чистить от накипи?", REASON),
        ("Which keyword makes the resolver return all addresses?", OPTION),
        ("Какое ключевое слово заставляет резолвер возвращать все адреса?", OPTION),
        ("What output voltage does the adapter deliver?", NUMBER),
        ("Какое сопротивление у датчика?", NUMBER),
        ("Как называется параметр, задающий частоту мигания курсора?", OPTION),
        # a dimension only mentioned, or a gain control asked about, asks for no value
        ("Which knob adjusts the temperature?", ANY),
        ("Какой ручкой задают температуру воздуха?", ANY),
        ("What does the gain control do?", ANY),
    ],
)
def test_a_question_asks_for_a_type_of_answer(question: str, kind: str) -> None:
    assert profile_question(question).asks == kind


@pytest.mark.parametrize(
    ("question", "dimension"),
    [
        ("What voltage does the kettle need?", "voltage"),
        ("Какое значение напряжения на выходе?", "voltage"),
        ("How many times does it beep at that temperature?", ""),
        ("What position in percent is entered?", ""),
    ],
)
def test_a_value_is_asked_of_a_dimension_only_where_its_noun_heads_the_question(
    question: str, dimension: str
) -> None:
    quantity = profile_question(question).quantity
    assert (quantity.dimension if quantity else "") == dimension


@pytest.mark.parametrize(
    ("question", "sets"),
    [
        ("Which option sets the number of threads used for compression?", {"thread"}),
        ("Какой параметр задаёт число потоков?", {"поток"}),
        ("Which option keeps the input files?", set()),
    ],
)
def test_what_an_asked_option_sets_is_read_from_the_question(question: str, sets: set[str]) -> None:
    assert set(set_object(question)) == sets


@pytest.mark.parametrize(
    ("question", "text", "holds"),
    [
        # the number of another thing is no percentage, the percentage is
        ("На сколько процентов уменьшается архив?", "names are limited to 14 characters", False),
        ("На сколько процентов уменьшается архив?", "the archive is reduced by 60-70%", True),
        # a hostname is no program; a standard's code is a standard
        ("Which safety standard does the kettle meet?", "It was tested at lab.example.com", False),
        ("Which safety standard does the kettle meet?", "The kettle meets IEC 60335-2-15.", True),
        ("Which printer models support colour calibration?", "Not all printer models are supported.", False),
        (
            "Which printer models support colour calibration?",
            "The LaserJet 4000 and DJ990C support it.",
            True,
        ),
        ("Why is the tank made of glass?", "The tank holds 1.7 litres of water.", False),
        ("Почему бак сделан из стекла?", "Бак сделан из стекла, чтобы было видно уровень воды.", True),
        ("Почему бак сделан из стекла?", "Вместо того, чтобы мыть бак, замените фильтр.", False),
        # where a program runs is no program
        ("Какой программой шифруются резервные копии?", "Копии хранятся на rivendell.example.com.", False),
        ("Какой программой шифруются резервные копии?", "Копии шифрует программа gpg-agent.", True),
        # a command named far from what the question asks of it, or a path or an extension, is none
        (
            "Какой программой шифруются резервные копии?",
            "Копии кладутся в /var/tmp/*.bak. Имя машины можно узнать, как его показывает команда hostname.",
            False,
        ),
    ],
)
def test_a_span_holds_the_asked_type_or_not(question: str, text: str, holds: bool) -> None:
    profile = profile_question(question)
    assert bool(kind_evidence(profile.asks, text, profile)) == holds


def test_a_model_is_a_code_of_letters_and_digits_not_a_value_with_its_unit() -> None:
    # "D1" is where the part sits on the board, not which part it is
    assert model_names("D1 - 1N4148 diode, MAX2837 at 2.3V and 50mA") == ["1N4148", "MAX2837"]


@pytest.fixture(scope="module")
def appliances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("appliances")
    kettle = write_laid_out_manual(
        root / "kettle.en.pdf",
        [
            [
                ("heading", "Kettle KT-200"),
                (
                    "text",
                    "The heater draws 1.5 A from the mains. The glass jug holds 1.7 litres of water. "
                    "Descale the kettle every month because limescale slows the heating down. "
                    "The kettle meets the safety standard IEC 60335-2-15.",
                ),
            ],
            [
                ("heading", "Kettle control options"),
                (
                    "options",
                    [
                        ("--boil", "Boils the water once and switches the kettle off."),
                        ("--keep-warm", "Keeps the water warm for one hour after it boiled."),
                        ("--quiet", "Turns the beeper off, so the kettle boils silently."),
                    ],
                ),
            ],
        ],
    )
    pump = write_laid_out_manual(
        root / "pump.ru.pdf",
        [
            [
                ("heading", "Насос PX-7"),
                (
                    "text",
                    "Напряжение питания насоса 12 В. Насос подаёт до 300 литров воды в час. "
                    "Фильтр насоса промывают раз в неделю, чтобы он не засорился.",
                ),
            ]
        ],
    )
    assistant = Assistant(root / "ws", deep_embedder="off", background_enrichment=False)
    assistant.add([kettle, pump])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much current does the kettle heater draw?", "1.5 A"),
        ("Which safety standard does the kettle meet?", "IEC 60335-2-15"),
        ("Why should the kettle be descaled every month?", "because"),
        ("Which kettle option turns the beeper off?", "--quiet"),
        ("Какое напряжение питания у насоса PX-7?", "12 В"),
        ("What supply voltage does the PX-7 pump need?", "12 В"),
    ],
)
def test_a_span_with_the_asked_type_answers(appliances: Assistant, question: str, expected: str) -> None:
    reading = read(appliances, question)
    assert reading.answer.found, reading.why
    assert expected in reading.answer.text, (reading.answer.text, reading.why)


@pytest.mark.parametrize(
    "question",
    [
        # the page states a current, never a voltage
        "What voltage does the kettle heater need?",
        # the pump's page states a voltage, never a current
        "Какой ток потребляет насос PX-7?",
        # the options say what they do, none sets a brightness
        "Which kettle option sets the display brightness?",
        # a percentage is asked, the page has litres and amperes
        "By how many percent does descaling shorten the heating time of the kettle?",
    ],
)
def test_a_span_without_the_asked_type_is_not_an_answer(appliances: Assistant, question: str) -> None:
    reading = read(appliances, question)
    assert not reading.answer.found, (reading.answer.text, reading.why)
    assert reading.why.startswith("not found")


def test_an_unknown_code_in_capitals_is_a_standard_less_surely_than_a_known_one() -> None:
    profile = profile_question("Which standard does the kettle meet?")
    assert kind_evidence(profile.asks, "The kettle meets IEC 60335-2-15.", profile).strong
    unknown = kind_evidence(profile.asks, "Labels are written in UTF-8.", profile)
    assert unknown and not unknown.strong


def test_a_span_that_merely_adds_a_word_needs_the_questions_words_not_only_a_close_meaning(
    appliances: Assistant,
) -> None:
    question = "How much current does the kettle heater draw?"
    typed = read(appliances, question).best
    assert typed is not None and typed.fit.kind
    settings, page = AnswerSettings(), typed.span.view.hit
    # Half the question's words short, though close in meaning and on the first page: a value of the
    # asked-for type passes, a span that only adds some word does not.
    fit = dataclasses.replace(typed.fit, coverage=0.4)
    assert gate(profile_question(question), Candidate(typed.span, fit, 0.0, similarity=0.6), settings, page)
    generic = profile_question("Tell me about the heater of the kettle and its current")
    assert generic.asks == ANY
    adds = dataclasses.replace(fit, kind=KindEvidence("adds 'mains'", strong=False))
    assert not gate(generic, Candidate(typed.span, adds, 0.0, similarity=0.6), settings, page)
    # a how-to question answered by words alone, no command, key or menu path, is generic too
    how_to = profile_question("How do I keep the kettle heater from drawing current?")
    assert how_to.asks == ACTION
    assert not gate(how_to, Candidate(typed.span, adds, 0.0, similarity=0.6), settings, page)


def test_a_screens_labels_are_no_command_lines() -> None:
    profile = profile_question("How do I set a separate speed limit for one server?")
    # read as a command line, "speed limits" would be the program "speed" run with "limits"
    assert not kind_evidence(profile.asks, "Transfers Enable speed limits", profile, ui_label=True).item


def test_a_name_in_a_list_of_examples_is_no_command() -> None:
    profile = profile_question("Which command prints the value of date_fmt?")
    listed = "The tool accepts names of keywords (for example, date_fmt, class-names or decimal_point)."
    assert kind_evidence(profile.asks, listed, profile).item != "class-names"
    assert kind_evidence(profile.asks, "Run kettle-ctl to print it.", profile).item == "kettle-ctl"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Which button clears every reference in the sheet?", True),
        ("Which toolbar button prints the page?", True),
        ("Какая кнопка запускает проверку в фоне?", True),
        ("Какую кнопку нажать, чтобы сбросить счётчик?", True),
        # A radio button or an option button is an option one picks, not a button one presses.
        ("Which radio button is selected under Units?", False),
        ("What option button is set for the paper tray?", False),
        ("Какой переключатель выбран в группе «Масштаб»?", False),
        ("What does the Start button do?", False),
    ],
)
def test_a_question_asking_which_button_to_press_is_told_from_one_about_options(
    question: str, asked: bool
) -> None:
    assert asks_button(question) is asked


def test_a_radio_or_check_box_passage_states_a_choice_and_a_field_does_not() -> None:
    # What indexer.layout writes for controls, in both languages: the gate keeps these from "which button".
    assert states_a_choice("Нумерация › Сбросить все номера (не выбрано)")
    assert states_a_choice("Units › Metric (selected)")
    assert states_a_choice("Show hidden files (not ticked, disabled)")
    assert not states_a_choice("Printer: hp-office-2")
    assert not states_a_choice("Clear All (the button clears the references)")
