"""The monolingual reader on lists, examples and replacements, and its gate on what a question is about.

Invented manuals of the shapes real ones use: an option list or an exit-code list under the line that
introduces it, an example configuration file, "change the line from: A to: B", and questions the pages
do not answer although they hold a number, a version or a heading of the asked-for topic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fpdf import FPDF
from reader_manuals import FONTS, page_views, read, write_laid_out_manual

from assistant import Assistant
from assistant.generators.base import NOT_FOUND_TEXT
from assistant.questions import (
    ANY,
    answer_kind,
    kind_evidence,
    number_value,
    profile_question,
    question_condition,
)
from assistant.spans import (
    Fit,
    PageView,
    Span,
    keyed_item_spans,
    keyed_line,
    page_fits,
    propose_spans,
    question_names,
    question_names_key,
    read_views,
)

Line = tuple[float, str]
"""A line of a page: its left edge in millimetres and its text."""


def write_lines(path: Path, pages: Sequence[Sequence[Line | None]]) -> Path:
    """A PDF whose lines stand exactly where given (`None` leaves a blank line): lists, scans' pages."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            if line is None:
                pdf.ln(4)
                continue
            pdf.set_x(line[0])
            pdf.cell(0, 6, line[1], new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def best(views: Sequence[PageView], question: str) -> tuple[Span, Fit]:
    profile = profile_question(question)
    return max(read_views(profile, list(views)), key=lambda pair: pair[1].score)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("• -e Eject the tape after the operation.", "-e"),
        ("--rewind  Rewind the tape first.", "--rewind"),
        ("3  The archive is damaged.", "3"),
        ("2. Key not found.", "2"),
        ("spool: /var/spool/mailer", "spool"),
        ("Verbosity = 4", "Verbosity"),
        ("The tape is rewound first.", ""),
        ("4.2) Using tapectl", ""),
        ("- a bullet in prose", ""),
    ],
)
def test_a_line_is_told_by_the_key_it_starts_with(line: str, key: str) -> None:
    assert keyed_line(line) == key


@pytest.mark.parametrize(
    ("question", "key", "named"),
    [
        ("What does running tapectl with -e do?", "-e", True),
        ("What does running tapectl with -E do?", "-e", False),
        ("What does exit code 3 of archivectl mean?", "3", True),
        ("What does exit code 3.5 of archivectl mean?", "3", False),
        ("Как в примере файла mailer.conf записана строка spool?", "spool", True),
        ("How is the spool line written in the example?", "spool", True),
        ("How is 'spool' set in the example?", "spool", True),
        # an everyday word of the question is no setting's name; a program is not its helper
        ("Which version of the package manager does the screenshot show?", "Package", False),
        ("Какой командой dpkg вывести список файлов пакета?", "dpkg-buildpackage", False),
    ],
)
def test_a_question_names_a_key_as_the_list_writes_it(question: str, key: str, named: bool) -> None:
    assert question_names_key(question, key) is named


@pytest.fixture(scope="module")
def tape_pages(tmp_path_factory: pytest.TempPathFactory) -> list[PageView]:
    """Page 1 mentions tapectl and its -e in passing, page 2 lists what each option does."""
    path = tmp_path_factory.mktemp("keyed") / "tapectl-guide.en.pdf"
    return page_views(
        write_lines(
            path,
            [
                [
                    (20, "Running tapectl"),
                    None,
                    (20, "Other less frequently used options of tapectl are available; run tapectl -h."),
                    (20, "The device may be given for the -r, -e and -s operations, but not for -i."),
                    (20, "Run tapectl as the owner of the tape device or as root."),
                ],
                [
                    (20, "Operations"),
                    None,
                    (20, "tapectl performs one of the following operations depending on the option given:"),
                    (28, "• -r Rewind the tape to its beginning."),
                    (28, "• -e Eject the cartridge once the drive has stopped. The drive must be idle."),
                    (28, "• -s Show the drive's status and the cartridge's label."),
                ],
            ],
        )
    )


def test_a_question_naming_an_option_is_answered_by_that_options_item(tape_pages: list[PageView]) -> None:
    span, fit = best(tape_pages, "What does running tapectl with -e do?")
    assert span.origin == "keyed-item" and span.term == "-e"
    # The item comes with the line that says what the list is a list of.
    assert span.text.startswith("tapectl performs one of the following operations")
    assert "Eject the cartridge" in span.text and "-s Show" not in span.text
    assert "the item of '-e' the question names" in fit.why()


def test_the_page_defining_the_option_outranks_the_page_mentioning_it(tape_pages: list[PageView]) -> None:
    mentions, defines = page_fits(profile_question("What does running tapectl with -e do?"), tape_pages)
    assert defines > mentions


def test_a_span_that_never_writes_the_option_asked_about_misses_it(tape_pages: list[PageView]) -> None:
    # tapectl has no -x: its other options and the lines that name tapectl do not answer for it.
    for _, fit in read_views(profile_question("What does running tapectl with -x do?"), tape_pages):
        assert "the option -x" in fit.why()
    _, fit = best(tape_pages, "What does running tapectl with -e do?")
    assert not fit.missing


def test_an_option_is_named_in_its_own_case(tape_pages: list[PageView]) -> None:
    # "-E" is another option than "-e": the item of -e is no answer to it.
    span, _ = best(tape_pages, "What does running tapectl with -E do?")
    assert span.term != "-e"


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What does the -q option of tapectl set?", "-q level"),
        # "-i" is a stopword to search: the definition still carries what the question names
        ("What does the -i option of tapectl do?", "-i, --interactive"),
        ("Что задаёт параметр --block-size у tapectl?", "-b, --block-size=BYTES"),
    ],
)
def test_a_question_naming_an_option_asks_what_it_does_and_its_definition_answers(
    tmp_path: Path, question: str, term: str
) -> None:
    assert answer_kind(question) == ANY  # it names the option: it does not ask which one
    path = write_laid_out_manual(
        tmp_path / "tapectl.1.pdf",
        [
            [
                ("heading", "SYNOPSIS"),
                ("text", "tapectl [options] device"),
                ("heading", "OPTIONS"),
                (
                    "options",
                    [
                        ("-q level", "Sets how much tapectl reports, from 0 (errors only) to 3."),
                        (
                            "-b, --block-size=BYTES",
                            "Writes blocks of BYTES bytes; the drive's own size by default.",
                        ),
                        ("-f", "Forces the operation on a drive that reports an error."),
                        ("-i, --interactive", "Asks before overwriting a cartridge."),
                    ],
                ),
            ]
        ],
    )
    span, fit = best(page_views(path), question)
    assert span.origin == "definition" and span.term == term
    assert fit.key == term and fit.carries


@pytest.fixture(scope="module")
def exit_code_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A man page's exit status list as a scan reads it: the introduction and the items at one margin."""
    path = tmp_path_factory.mktemp("codes") / "archivectl.1.ru.pdf"
    return page_views(
        write_lines(
            path,
            [
                [
                    (20, "КОД ВОЗВРАТА"),
                    None,
                    (28, "Программа archivectl может возвращать один из следующих кодов завершения:"),
                    (28, "0 Архив успешно проверен."),
                    (28, "1 Неверные аргументы командной строки."),
                    (28, "3 Архив повреждён и не может быть прочитан."),
                    (28, "4 Нет прав на запись в каталог назначения."),
                    None,
                    (20, "СМ. ТАКЖЕ"),
                    (28, "tar(1), gzip(1)"),
                ]
            ],
        )
    )[0]


@pytest.mark.parametrize(
    ("question", "meaning"),
    [
        ("Что означает код завершения 3 у программы archivectl?", "Архив повреждён"),
        ("What does exit code 4 of archivectl mean?", "Нет прав на запись"),
    ],
)
def test_a_code_is_answered_by_the_item_that_starts_with_it(
    exit_code_page: PageView, question: str, meaning: str
) -> None:
    span, fit = best([exit_code_page], question)
    assert meaning in span.text
    assert span.text.startswith("Программа archivectl может возвращать")
    assert fit.key


def test_every_proposed_span_carries_the_passages_it_reads(
    exit_code_page: PageView, tape_pages: list[PageView]
) -> None:
    # A span without its sources cannot take a later retrieval's evidence: its page is proposed anew.
    for view in [exit_code_page, *tape_pages]:
        spans = propose_spans([view])
        assert {span.origin for span in spans} >= {"sentence"}
        page = {passage.id for passage in view.passages}
        for span in spans:
            assert span.sources, (span.origin, span.text)
            assert {source.id for source in span.sources} <= page
    assert any(span.origin == "keyed-item" for span in propose_spans([exit_code_page]))


def test_a_list_item_is_read_under_its_introduction_only(exit_code_page: PageView) -> None:
    items = {span.term: span.text.split("\n") for span in keyed_item_spans(exit_code_page)}
    assert sorted(items) == ["0", "1", "3", "4"]
    # Each item alone, after the introduction: never the next item, nor the section after the list.
    assert items["4"] == [
        "Программа archivectl может возвращать один из следующих кодов завершения:",
        "4 Нет прав на запись в каталог назначения.",
    ]


@pytest.fixture(scope="module")
def mailer_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    path = tmp_path_factory.mktemp("example") / "mailer.conf.5.pdf"
    return page_views(
        write_laid_out_manual(
            path,
            [
                [
                    ("heading", "EXAMPLE"),
                    ("text", "An example /etc/mailer.conf:"),
                    ("code", ["relay: smtp.example.org", "port: 2525"]),
                    ("code", ["spool: /var/spool/mailer", "retries: 5", "bounce: postmaster"]),
                    ("text", "Each line names a setting, a colon and its value."),
                ]
            ],
        )
    )[0]


@pytest.mark.parametrize(
    "question",
    [
        "How is the line for the spool setting written in the example mailer.conf?",
        "Как в примере файла mailer.conf записана строка spool?",
    ],
)
def test_the_line_of_an_example_that_starts_with_the_asked_key_answers(
    mailer_page: PageView, question: str
) -> None:
    span, _ = best([mailer_page], question)
    assert span.text.split("\n") == ["An example /etc/mailer.conf:", "spool: /var/spool/mailer"]


@pytest.mark.parametrize(
    ("intro", "connector"),
    [
        ("To log every request, edit /etc/webd.conf as root. Change the following line from:", "to"),
        ("Чтобы записывать каждый запрос, отредактируйте /etc/webd.conf. Замените строку:", "на:"),
    ],
)
def test_the_line_to_put_is_the_one_after_the_connector(tmp_path: Path, intro: str, connector: str) -> None:
    path = write_laid_out_manual(
        tmp_path / "webd.pdf",
        [
            [
                ("heading", "Debugging"),
                ("text", intro),
                ("code", ["Verbosity 1"]),
                ("text", connector),
                ("code", ["Verbosity 4"]),
                ("text", "Restart webd afterwards; the log grows quickly at this level."),
            ]
        ],
    )
    view = page_views(path)[0]
    question = (
        "What line do I put in /etc/webd.conf to log every request?"
        if connector == "to"
        else "Какую строку указать в /etc/webd.conf, чтобы записывать каждый запрос?"
    )
    span, _ = best([view], question)
    lines = span.text.split("\n")
    # The old line, the connector and the new line: the answer ends on the line to put.
    assert lines[-3:] == ["Verbosity 1", connector, "Verbosity 4"]


# -- what a question is about -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "condition"),
    [
        ("Какой код завершения возвращает archivectl, если не хватает памяти?", {"хвата", "памят"}),
        ("Which exit code does archivectl return if the disk is full?", {"disk", "full"}),
        ("When does archivectl verify the archive?", set()),
        ("Which exit code does archivectl return?", set()),
    ],
)
def test_the_case_a_question_sets_is_read_from_its_clause(question: str, condition: set[str]) -> None:
    assert question_condition(question) == condition


def test_the_case_may_be_said_in_the_other_language(tmp_path: Path) -> None:
    # "шланг" is the English page's "hose", one everyday word found only through the dictionary: it
    # still says the case the question sets.
    path = write_laid_out_manual(
        tmp_path / "blender.en.pdf",
        [
            [
                ("heading", "Troubleshooting"),
                (
                    "text",
                    "A whistling noise means that the hose is blocked: remove the blockage with a "
                    "long stick.",
                ),
            ]
        ],
    )
    span, fit = best(page_views(path), "Что делать, если шланг засорился?")
    assert "hose is blocked" in span.text
    assert not fit.missing, fit.why()


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("В какой версии libfoo появилась поддержка модуля zonemap?", {"libfoo", "zonemap"}),
        ("How many slots does the Acme Tape Loader TL2000 hold?", {"tl2000"}),
        ("In the Export Image dialog, what is the maximum quality?", set()),
        ("In which pdfconv version did the -jpegopt option appear?", {"jpegopt"}),
    ],
)
def test_a_questions_names_are_its_codes_and_latin_words(question: str, names: set[str]) -> None:
    assert question_names(question) == names


@pytest.mark.parametrize(
    ("text", "version"),
    [
        (
            "3 Error related to permissions.\nWhen JPEG output is specified, the -jpegopt option sets it.",
            False,
        ),
        ("The -jpegopt option appeared in pdfconv version 4 of the tools.", True),
        ("The -jpegopt option needs pdfconv 4 or newer.", True),
        ("The -jpegopt option appeared in pdfconv 4.02.", True),
    ],
)
def test_a_plain_number_is_a_version_only_where_version_or_the_program_stands_before_it(
    text: str, version: bool
) -> None:
    question = profile_question("In which pdfconv version did the -jpegopt option appear?")
    assert bool(kind_evidence(question.asks, text, question)) is version


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("How many jobs can one queue hold?", "Queues for one job are kept apart from the others."),
        (
            "Сколько заданий может содержать одна очередь?",
            "Одна очередь заданий обслуживается одним демоном.",
        ),
    ],
)
def test_a_number_the_question_states_itself_is_not_its_answer(question: str, text: str) -> None:
    profile = profile_question(question)
    assert not kind_evidence(profile.asks, text, profile)
    assert kind_evidence(profile.asks, text + " One queue holds at most 64 jobs.", profile)


def test_a_manual_pages_section_number_counts_nothing() -> None:
    profile = profile_question("How many compression programs does tapectl support?")
    assert not kind_evidence(
        profile.asks, "TAPECTL(1) User Commands TAPECTL(1)\ncompressor program failed.", profile
    )
    assert kind_evidence(profile.asks, "tapectl supports 3 compression programs.", profile)


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("2", 2),
        ("two", 2),
        ("Twice", 2),
        ("одна", 1),
        ("одной", 1),
        ("четырёх", 4),
        ("семи", 7),
        ("семейство", None),
        ("пятница", None),
        ("12.5", None),
    ],
)
def test_a_numbers_value_is_read_from_digits_or_a_word(word: str, value: int | None) -> None:
    assert number_value(word) == value


def test_a_count_across_languages_needs_the_counted_noun_beside_the_number() -> None:
    # "заданий" is "job"/"task" in the other language: "three kinds of queues" counts no jobs.
    question = profile_question("Сколько заданий может содержать одна очередь?")
    text = "There are three kinds of queues: local queues, remote queues and held queues."
    assert not kind_evidence(question.asks, text, question)
    assert kind_evidence(question.asks, "One queue holds at most 64 jobs at a time.", question)


@pytest.fixture(scope="module")
def archivectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("focus")
    manual = write_laid_out_manual(
        root / "archivectl.ru.pdf",
        [
            [
                ("heading", "Версии"),
                (
                    "text",
                    "Номер версии формата может быть равен 1 (для libfoo 2.0) или 2 (для libfoo 2.1 "
                    "и новее). "
                    "Поддержка сжатия zstd появилась в libfoo 2.4.",
                ),
            ],
            [
                ("heading", "Коды завершения"),
                ("text", "Программа archivectl может возвращать один из следующих кодов завершения:"),
                (
                    "code",
                    [
                        "0 Архив успешно проверен.",
                        "1 Неверные аргументы командной строки.",
                        "3 Архив повреждён и не может быть прочитан.",
                    ],
                ),
            ],
        ],
    )
    assistant = Assistant(root / "ws", deep_embedder="off", background_enrichment=False)
    assistant.add([manual])
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    "question",
    [
        # a version line that never names what the question asks about
        "В какой версии libfoo появилась поддержка модуля zonemap?",
        # the exit code list, but no word of the case asked about
        "Какой код завершения возвращает archivectl, если не хватает памяти?",
    ],
)
def test_a_span_without_what_the_question_is_about_is_not_an_answer(
    archivectl: Assistant, question: str
) -> None:
    reading = read(archivectl, question)
    assert not reading.answer.found, reading.answer.text
    assert reading.answer.text == NOT_FOUND_TEXT["ru"]
    assert "missing" in reading.why


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("В какой версии libfoo появилась поддержка сжатия zstd?", "2.4"),
        ("Какой код завершения возвращает archivectl, если архив повреждён?", "3 Архив повреждён"),
    ],
)
def test_the_same_questions_about_what_the_page_states_are_answered(
    archivectl: Assistant, question: str, expected: str
) -> None:
    reading = read(archivectl, question)
    assert reading.answer.found, reading.why
    assert expected in reading.answer.text


def test_a_span_of_another_programs_manual_does_not_answer_about_the_program_named(
    tmp_path: Path, exit_code_page: PageView
) -> None:
    # archivectl's exit codes, and tapectl's manual, which has none: "exit code 3 of tapectl" is not
    # answered by archivectl's code 3, though its words are all there.
    tape = page_views(
        write_laid_out_manual(
            tmp_path / "tapectl.1.en.pdf",
            [[("heading", "DESCRIPTION"), ("text", "tapectl rewinds, ejects and labels tape cartridges.")]],
        )
    )[0]
    for question in ("What does exit code 3 of tapectl mean?", "Что означает код завершения 3 у tapectl?"):
        profile = profile_question(question)
        for span, fit in read_views(profile, [exit_code_page, tape]):
            if span.view is exit_code_page:
                assert "the subject tapectl" in fit.why()
    # Asked about archivectl, the same item answers.
    span, fit = best([exit_code_page, tape], "Что означает код завершения 3 у archivectl?")
    assert "Архив повреждён" in span.text and not fit.missing
