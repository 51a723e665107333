"""Answer spans on real page layouts: a man page's term column, introduced command blocks, pronouns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from reader_manuals import FONTS, page_views, passage_with, write_laid_out_manual

from assistant.generators.extractive import AnswerSettings, Candidate, gate, span_bbox
from assistant.questions import profile_question
from assistant.spans import (
    PageView,
    Span,
    _dangles,
    bullet_term,
    definition_items,
    definition_spans,
    example_spans,
    footnote_spans,
    introduced_block_spans,
    list_item_spans,
    matched_terms,
    page_lines,
    prose_language,
    read_views,
    sentence_spans,
    span_fit,
    step_number,
)

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def cp_page() -> PageView:
    """Page 1 of cp(1) as groff prints it (tests/data/PROVENANCE.md)."""
    return page_views(DATA / "cp.1.en.pdf")[0]


def test_a_man_pages_term_column_is_found(cp_page: PageView) -> None:
    lines = page_lines(cp_page.passages)
    items = {lines[item.term].text.strip(): item for item in definition_items(lines) if not item.inline}
    archive = items["-a, --archive"]
    assert [lines[i].text for i in archive.definition] == ["same as -dR --preserve=all"]
    # A definition that wraps keeps both of its lines; the next term ends it.
    force = items["-f, --force"]
    assert len(force.definition) == 2 and "this option" in lines[force.definition[0]].text
    # Short options that share their line with the definition, in the same term column.
    inline = {item.inline: lines[item.term].text for item in definition_items(lines) if item.inline}
    assert inline["-b"].startswith("-b like --backup")
    assert inline["-p"].startswith("-p same as --preserve")


def best(view: PageView, question: str) -> Span:
    profile = profile_question(question)
    return max(read_views(profile, [view]), key=lambda pair: pair[1].score)[0]


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Which option copies directories recursively?", "-R, -r, --recursive"),
        ("Which cp option never follows symbolic links in SOURCE?", "-P, --no-dereference"),
        ("Which option prompts before overwriting?", "-i, --interactive"),
        ("Какой параметр cp создаёт жёсткие ссылки вместо копирования? (hard link)", "-l, --link"),
    ],
)
def test_which_option_is_answered_with_the_term_and_its_definition(
    cp_page: PageView, question: str, term: str
) -> None:
    span = best(cp_page, question)
    assert span.origin == "definition"
    assert span.text.startswith(term + "\n")
    # The citation box runs from the term down over its definition.
    box = span_bbox(span.passage, span.start, span.end)
    term_line = next(line for line in page_lines(cp_page.passages) if line.text.strip() == term)
    assert box[1] <= term_line.bbox[1] + 1 and box[3] > term_line.bbox[3] + 10


def test_a_sentence_inside_a_definition_is_read_with_its_term(cp_page: PageView) -> None:
    sentences = {span.text for span in sentence_spans(cp_page)}
    assert "hard link files instead of copying" not in sentences
    definitions = [span.text for span in definition_spans(cp_page)]
    assert "-l, --link\nhard link files instead of copying" in definitions


def test_section_headings_of_a_man_page_do_not_answer_which_option(cp_page: PageView) -> None:
    profile = profile_question("Which option describes the command?")
    for span, fit in read_views(profile, [cp_page]):
        if span.origin == "definition" and span.term in ("NAME", "SYNOPSIS", "DESCRIPTION"):
            assert not fit.kind


@pytest.fixture(scope="module")
def daemon_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    path = tmp_path_factory.mktemp("spans") / "daemon.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "Managing the daemon"),
                (
                    "text",
                    "The exampled daemon reads its configuration when it starts. To restart the daemon, "
                    "run the following command:",
                ),
                ("code", ["# systemctl restart exampled"]),
                ("text", "The next example shows how to follow its log as it is written."),
                ("code", ["# journalctl -f -u exampled", "-- Logs begin at Mon 2024-03-04 --"]),
                (
                    "text",
                    "The first of these helpers is logpurge, shipped in the package of the same name. "
                    "It deletes rotated logs older than a week.",
                ),
            ]
        ],
    )
    return page_views(path)[0]


def test_an_introducing_line_brings_the_block_it_introduces(daemon_page: PageView) -> None:
    blocks = {" ".join(span.text.split()): span for span in introduced_block_spans(daemon_page)}
    restart = "To restart the daemon, run the following command: # systemctl restart exampled"
    span = next(span for text, span in blocks.items() if text.endswith(restart))
    intro = passage_with(daemon_page, "following command:")
    command = passage_with(daemon_page, "systemctl restart")
    box = span_bbox(span.passage, span.start, span.end)
    # The citation covers the introducing line and the command below it.
    assert box[1] <= intro.spans[-1].bbox[1] + 1
    assert box[3] >= command.bbox[3] - 1
    # Without a colon, "the next example shows" introduces the indented block all the same.
    follow = "# journalctl -f -u exampled -- Logs begin at Mon 2024-03-04 --"
    assert any(text.endswith(follow) for text in blocks)


def test_a_command_question_is_answered_by_the_block_not_by_its_introduction(daemon_page: PageView) -> None:
    span = best(daemon_page, "What command restarts the exampled daemon?")
    assert span.origin == "introduced-block"
    assert span.text.endswith("# systemctl restart exampled")


def test_a_pronoun_brings_the_sentence_it_points_back_to(daemon_page: PageView) -> None:
    span = best(daemon_page, "Which package deletes rotated logs older than a week?")
    assert "logpurge" in span.text and "It deletes rotated logs" in " ".join(span.text.split())


def test_colons_on_a_screenshot_are_labels_not_introductions(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "dialog.pdf",
        [
            [
                ("text", "Paper format and orientation of the page:"),
                ("code", ["Format: A4", "Orientation: Landscape"]),
            ]
        ],
    )
    [view] = page_views(path, media_type="image/png")
    assert list(introduced_block_spans(view)) == []
    assert list(definition_spans(view)) == []


def test_the_fit_says_what_was_found(cp_page: PageView) -> None:
    profile = profile_question("Which option copies directories recursively?")
    span = next(s for s in definition_spans(cp_page) if s.term == "-R, -r, --recursive")
    fit = span_fit(profile, span)
    assert str(fit.kind) == "option -R" and fit.kind.strong
    assert fit.coverage == 1.0
    assert "kind: option -R" in fit.why()


def test_shell_lines_are_in_no_language() -> None:
    assert prose_language("$ scp file machine:/tmp/") == "und"
    assert prose_language("$ scp file machine:/tmp/\nКопирует файл на другую машину.") == "ru"


def test_a_shell_line_set_apart_after_a_paragraph_is_shown_with_it(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "scp.pdf",
        [
            [
                (
                    "text",
                    "scp копирует файлы между машинами; путь на другой машине начинается с её имени и "
                    "двоеточия.",
                ),
                ("code", ["$ scp report.pdf backup:/srv/reports/"]),
            ]
        ],
    )
    [view] = page_views(path)
    [shown] = introduced_block_spans(view)
    assert shown.origin == "shown-block"
    assert shown.text.endswith("$ scp report.pdf backup:/srv/reports/")


@pytest.fixture(scope="module")
def mixed_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A page of a Russian guide with English passages left untranslated, as real translations ship."""
    path = tmp_path_factory.mktemp("mixed") / "guide.ru.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "Настройка APT"),
                (
                    "text",
                    "If the Web can only be accessed through a proxy, add a line like Acquire::http::proxy "
                    '"http://yourproxy:3128". For an FTP proxy, write Acquire::ftp::proxy "ftp://yourproxy". '
                    "To discover more configuration options, read the apt.conf(5) manual page.",
                ),
                (
                    "text",
                    "Если сервис не работает как ожидалось, проверьте его статус, а затем его журнал. "
                    "Допустим, сервер SSH не работает:",
                ),
                ("code", ["# systemctl status ssh.service"]),
                (
                    "text",
                    "The journalctl command shows the messages of the journal. Most of the time, it will "
                    "be used with a service identifier:",
                ),
                ("code", ["# journalctl -u ssh.service"]),
            ]
        ],
    )
    return page_views(path)[0]


def test_across_languages_the_span_that_keeps_the_questions_names_wins(mixed_page: PageView) -> None:
    question = "Какой параметр конфигурации APT задаёт HTTP-прокси?"
    span = best(mixed_page, question)
    assert "Acquire::http::proxy" in span.text
    fit = span_fit(profile_question(question), span)
    assert fit.crosslingual and fit.portable_coverage > 0.5
    assert "прокс" in fit.translated


def test_the_command_named_after_what_is_asked_wins(mixed_page: PageView) -> None:
    question = "Какой командой посмотреть сообщения журнала только для сервиса ssh?"
    span = best(mixed_page, question)
    assert span.text.endswith("# journalctl -u ssh.service")
    fit = span_fit(profile_question(question), span)
    # journalctl carries "журнал" (a loanword) and ssh.service "сервис", "ssh".
    assert fit.named > 0 and "its name says" in fit.why()


def test_keeping_the_names_never_lifts_a_span_above_one_in_the_questions_language(tmp_path: Path) -> None:
    question = profile_question("Which printer is chosen in the Print dialog of LibreOffice?")
    fits = {}
    for name, label in (
        ("print.en.pdf", "Printer: Generic Printer"),
        ("print.ru.pdf", "Принтер: Generic Printer"),
    ):
        path = write_laid_out_manual(tmp_path / name, [[("heading", "LibreOffice"), ("text", label)]])
        [view] = page_views(path)
        fits[name] = max(
            span_fit(question, span).score for span in sentence_spans(view) if "Generic" in span.text
        )
    assert fits["print.en.pdf"] >= fits["print.ru.pdf"]


def test_the_file_name_alone_does_not_vouch_for_a_span(tmp_path: Path) -> None:
    """gzip(1)'s last page: every span has "gzip" in its file name, and the notice has names in it."""
    path = write_laid_out_manual(
        tmp_path / "gzip.1.en.pdf",
        [
            [
                ("heading", "gzip"),
                (
                    "text",
                    "Copyright 1998-2022 Free Software Foundation, Inc. Copyright 1992 Jean-loup Gailly.",
                ),
                (
                    "text",
                    "gzip uploads nothing to a cloud: it reduces the size of the named files using "
                    "Lempel-Ziv coding.",
                ),
            ]
        ],
    )
    [view] = page_views(path)
    question = profile_question("Which cloud provider does gzip upload to?")
    settings = AnswerSettings()

    def passes(text: str) -> str:
        span = next(s for s in sentence_spans(view) if s.text.startswith(text))
        fit = span_fit(question, span)
        # As close in meaning as the real notice was to the question (USE, 0.44).
        return gate(question, Candidate(span, fit, fit.score, similarity=0.44), settings, view.hit)

    notice = next(s for s in sentence_spans(view) if s.text.startswith("Copyright 1998"))
    assert span_fit(question, notice).kind  # names are there ("Free Software Foundation")
    assert passes("Copyright 1998") == ""
    # A span that says the question's words itself passes, when it says which kind of provider ("cloud").
    assert passes("gzip uploads nothing").startswith("holds the asked-for name")


def test_a_name_in_the_file_name_is_kept_by_every_span_of_the_file(tmp_path: Path) -> None:
    """gzip(1): "gzip" is in the file name, not in the line of `-k`; the line still keeps the name."""
    path = write_laid_out_manual(
        tmp_path / "gzip.1.en.pdf",
        [
            [
                ("heading", "OPTIONS"),
                (
                    "options",
                    [
                        ("-c --stdout", "Write output on standard output; keep original files unchanged."),
                        (
                            "-f --force",
                            "Force compression or decompression even if the file has multiple links.",
                        ),
                        ("-k --keep", "Keep (don't delete) input files during compression or decompression."),
                        ("-l --list", "For each compressed file, list the compressed and uncompressed size."),
                    ],
                ),
                (
                    "text",
                    "By default, gzip keeps the original file name and timestamp in the compressed file.",
                ),
            ]
        ],
    )
    [view] = page_views(path)
    question = "Какой параметр gzip сохраняет исходные файлы?"
    span = best(view, question)
    assert span.text.startswith("-k --keep"), span.text
    assert span_fit(profile_question(question), span).portable_coverage == 1.0


def test_what_the_file_name_says_tells_no_option_apart(tmp_path: Path) -> None:
    """sort(1): "sort" (and "сортирует", said in Russian) is in the file's name and in many options."""
    path = write_laid_out_manual(
        tmp_path / "sort.1.en.pdf",
        [
            [
                ("heading", "DESCRIPTION"),
                (
                    "options",
                    [
                        ("-n, --numeric-sort", "compare according to string numerical value"),
                        ("-r, --reverse", "reverse the result of comparisons"),
                        ("-m, --merge", "merge already sorted files; do not sort"),
                        ("-V, --version-sort", "natural sort of (version) numbers within text"),
                    ],
                ),
            ]
        ],
    )
    [view] = page_views(path)
    question = "Какой параметр sort сортирует в обратном порядке?"
    span = best(view, question)
    assert span.text.startswith("-r, --reverse"), span.text
    fit = span_fit(profile_question(question), span)
    assert fit.translated == ("обратн",) and fit.named > 0


def test_a_question_in_the_document_restates_the_question(tmp_path: Path) -> None:
    """A FAQ: the question's heading shares every word with the question; the answer follows it."""
    path = write_laid_out_manual(
        tmp_path / "faq.en.pdf",
        [
            [
                ("text", "How do I put a package on hold?"),
                ("text", "There are two ways of holding back packages, with dpkg or with apt-mark:"),
                ("code", ["# apt-mark hold package_name"]),
            ]
        ],
    )
    [view] = page_views(path)
    span = best(view, "How do I put a package on hold?")
    assert span.text.endswith("# apt-mark hold package_name"), span.text
    restated = next(s for s in sentence_spans(view) if s.text == "How do I put a package on hold?")
    assert span_fit(profile_question("How do I put a package on hold?"), restated).restates


def test_a_file_in_a_term_column_is_no_variable_a_question_asks_for(tmp_path: Path) -> None:
    """A man page lists its files and its environment variables alike, as terms with definitions:
    "which environment variable ..." is answered by the variable's term, never by a file's path."""
    path = write_laid_out_manual(
        tmp_path / "spoold.8.pdf",
        [
            [
                ("heading", "FILES"),
                (
                    "options",
                    [
                        ("/usr/lib/spoold/queues", "The default folder the daemon loads its queues from."),
                        ("/etc/spoold.conf", "The configuration file read at start."),
                    ],
                ),
                ("heading", "ENVIRONMENT"),
                (
                    "options",
                    [
                        ("SPOOLD_QUEUES", "A list of folders to load queues from instead of the default."),
                        ("SPOOLD_DEBUG", "Print every decision to the standard error."),
                    ],
                ),
            ]
        ],
    )
    span = best(page_views(path)[0], "Which environment variable changes where spoold loads its queues from?")
    assert span.origin == "definition" and span.term == "SPOOLD_QUEUES"


def test_a_sentence_that_stops_on_using_brings_the_command_that_finishes_it(tmp_path: Path) -> None:
    """A FAQ writes "you can freeze a package using" and sets the command on the next line: the
    sentence alone says nothing, and the clause after the block ("and thaw it with") is a fragment."""
    path = write_laid_out_manual(
        tmp_path / "pkgtool-faq.pdf",
        [
            [
                ("heading", "How do I keep a package at its version?"),
                ("text", "There are two ways of keeping a package back, with pkgtool or with a pin."),
                ("text", "With pkgtool, you can freeze a package using"),
                ("code", ["pkgtool freeze package_name"]),
                ("text", "and thaw it again with"),
                ("code", ["pkgtool thaw package_name"]),
                ("text", "Ссылки на пакеты можно сохранить с помощью"),
                ("code", ["pkgtool export > list.txt"]),
            ]
        ],
    )
    view = page_views(path)[0]
    blocks = [" ".join(span.text.split()) for span in introduced_block_spans(view)]
    assert "With pkgtool, you can freeze a package using pkgtool freeze package_name" in blocks
    assert "Ссылки на пакеты можно сохранить с помощью pkgtool export > list.txt" in blocks
    span = best(view, "How do I freeze a package with pkgtool?")
    assert "pkgtool freeze package_name" in span.text and span.origin == "introduced-block"


def test_a_long_introduction_brings_its_whole_block(tmp_path: Path) -> None:
    """ "... you can make the first package with pkgmake as follows:" over four lines, then five shell
    lines whose last one runs pkgmake: the answer carries the block to that line."""
    intro = (
        "If you want to make a package of your own from the upstream release tarball that you downloaded "
        "in the previous step, and you have already renamed the folder as described above, you can make "
        "the first version of the package with the pkgmake command as follows:"
    )
    shell = ["$ cd ~/widget", "$ wget http://example.org/widget-2.1.tar.gz", "$ tar -xzf widget-2.1.tar.gz"]
    shell += ["$ cd widget-2.1", "$ pkgmake --from ../widget-2.1.tar.gz"]
    path = write_laid_out_manual(tmp_path / "packaging.pdf", [[("text", intro), ("code", shell)]])
    blocks = [span.text for span in introduced_block_spans(page_views(path)[0])]
    assert any("pkgmake --from ../widget-2.1.tar.gz" in text for text in blocks)


def test_a_short_paragraph_is_read_whole_before_its_block(tmp_path: Path) -> None:
    """ "The function is defined as follows:" says nothing of what the function does; the paragraph's
    first sentence does, so the block is also offered with the whole short paragraph before it."""
    intro = (
        "As a first example, consider a function to add two vectors element by element. This is a toy, of "
        "course. The function is defined as follows:"
    )
    code = ["> vsum <- function(a, b) {", "a + b", "}"]
    path = write_laid_out_manual(tmp_path / "functions.pdf", [[("text", intro), ("code", code)]])
    view = page_views(path)[0]
    blocks = [" ".join(span.text.split()) for span in introduced_block_spans(view)]
    assert any(text.startswith("As a first example") and "vsum <- function" in text for text in blocks)
    span = best(view, "What is the name of the function that adds two vectors element by element?")
    assert "vsum" in span.text


def test_bullet_terms() -> None:
    assert bullet_term("• Required: packages that are necessary") == "Required"
    assert bullet_term("• Standard packages are standard on any system") == "Standard"
    assert bullet_term("- Low power mode: the fan stops") == "Low power mode"
    assert bullet_term("Standard packages are standard") == ""


def test_a_sentence_set_in_under_a_list_item_is_answered_with_the_items_term(tmp_path: Path) -> None:
    """A list of levels, each with an indented note under it: "which level is used when nothing is
    chosen?" is stated by a note that never names its level; the item's first line does."""
    path = tmp_path / "levels.pdf"
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.set_left_margin(20)
    pdf.multi_cell(
        0, 6, "Each job is given a level by the scheduler. The levels are:", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)
    items = [
        ("• Urgent: jobs that must run before any other job on the machine.", "Use it sparingly."),
        (
            "• Normal jobs run in the order they were submitted to the queue.",
            "This is what a job gets when the user chooses nothing else.",
        ),
        ("• Idle jobs run only when no other job is waiting.", "They may wait for days."),
    ]
    for bullet, note in items:
        pdf.set_x(25)
        pdf.multi_cell(0, 6, bullet, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_left_margin(30)
        pdf.set_x(30)
        pdf.multi_cell(0, 6, note, new_x="LMARGIN", new_y="NEXT")
        pdf.set_left_margin(20)
        pdf.ln(4)
    pdf.output(str(path))
    view = page_views(path)[0]
    spans = {span.term: span.text for span in list_item_spans(view)}
    assert "Normal" in spans and "chooses nothing else" in spans["Normal"]
    profile = profile_question("Jobs of which level are run when the user chooses nothing else?")
    read = sorted(read_views(profile, [view]), key=lambda pair: pair[1].score, reverse=True)
    span = next(span for span, fit in read if fit.kind)
    assert span.term == "Normal" and span.text.startswith("• Normal jobs")


def test_a_shared_stem_is_matched_whichever_form_the_stemmer_cut_shorter() -> None:
    """The prefix look-up must find what comparing every term with every token finds."""
    tokens = frozenset({"запуска", "архивир", "conf", "configurations", "packag", "the"})
    terms = frozenset({"запуск", "архивирован", "configur", "packages", "the", "conf", "зап"})
    # "запуск" is a prefix of a token, "архивирован" starts with one; "conf" is there itself; a
    # shared stem shorter than five letters ("зап") or a mere shared start ("packages"/"packag" is
    # fine, "configur"/"configurations" too) decides nothing else.
    assert matched_terms(terms, tokens) == {"запуск", "архивирован", "configur", "packages", "the", "conf"}
    assert matched_terms(frozenset({"архив"}), frozenset({"архи", "арх"})) == set()
    # The result is the caller's to change: a kept match must not change with it.
    found = matched_terms(terms, tokens)
    found.add("extra")
    assert "extra" not in matched_terms(terms, tokens)


@pytest.mark.parametrize(
    ("text", "dangles"),
    [
        ("A long sentence about the coffee machine's water tank that you can empty using", True),
        ("Сбросить настройки принтера можно с помощью", True),
        ("The archive is then unpacked into\n  ", True),
        ("A long sentence about the coffee machine's water tank that ends on a plain word", False),
        ("The values are stored in the file named goto", False),  # "to" ends a longer word
        ("Run the following:", True),
    ],
)
def test_a_span_that_stops_on_a_word_needing_what_follows_dangles(text: str, dangles: bool) -> None:
    assert _dangles(text) is dangles


def test_a_term_with_a_note_in_brackets_is_named_without_it_and_answers_which_option(tmp_path: Path) -> None:
    """Man pages mark when an option appeared ("keep-alive (начиная с версии 3.1)"): the option's name
    is the term without the note, and a definition's last sentence is no sentence of the next item."""
    path = write_laid_out_manual(
        tmp_path / "fetchd.conf.5.ru.pdf",
        [
            [
                ("heading", "Параметры"),
                (
                    "tight-options",
                    [
                        (
                            "rotate (начиная с версии 2.4)",
                            "Задаёт FETCH_ROTATE в _fetch.flags. Серверы опрашиваются по кругу, а не всегда "
                            "первым из списка.",
                        ),
                        (
                            "keep-alive (начиная с версии 3.1)",
                            "Задаёт FETCH_KEEPALIVE в _fetch.flags. Данный параметр включает постоянные "
                            "соединения с зеркалом для всех загрузок.",
                        ),
                        (
                            "no-cache (начиная с версии 3.2)",
                            "Задаёт FETCH_NOCACHE в _fetch.flags. Загруженные файлы не сохраняются в кэше.",
                        ),
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    span = best(view, "Какой параметр в fetchd.conf включает постоянные соединения с зеркалом?")
    assert span.origin == "definition" and span.term == "keep-alive"
    assert span.text.startswith("keep-alive (начиная с версии 3.1)\n")
    assert "no-cache" not in span.text
    # No sentence runs from one item's definition into the next item's term.
    for sentence in sentence_spans(view):
        assert not ("постоянные" in sentence.text and "no-cache" in sentence.text)


@pytest.fixture(scope="module")
def examples_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A man page's EXAMPLES: a described command (bullet, then the shell line), a command followed by
    what it does, and a Russian guide's example in the same shape."""
    path = tmp_path_factory.mktemp("examples") / "logscan.1.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "EXAMPLES"),
                ("text", "• Count the lines of every log file under /var/log that mention a failed login."),
                ("code", ["$ logscan -c 'Failed password' /var/log/*.log"]),
                ("text", "The count is printed for each file, after its name and a colon."),
                ("code", ["$ logscan -rl TODO src/"]),
                ("text", "Lists the names of the files under src that contain TODO, in every subfolder."),
                ("text", "• Показать процессы пользователя postgres, отсортированные по занятой памяти."),
                ("code", ["$ proclist -u postgres --sort=-rss"]),
                ("text", "Самые большие процессы идут первыми, как и в более длинной записи:"),
                ("text", "12"),
            ]
        ],
    )
    return page_views(path)[0]


@pytest.mark.parametrize(
    ("question", "command"),
    [
        (
            "How do I count the lines of each log file under /var/log that mention a failed login?",
            "logscan -c 'Failed password' /var/log/*.log",
        ),
        ("Which logscan command lists the files under src that contain TODO?", "logscan -rl TODO src/"),
        (
            "Как показать процессы пользователя postgres, отсортированные по занятой памяти?",
            "proclist -u postgres --sort=-rss",
        ),
    ],
)
def test_a_manuals_example_answers_with_its_command_whichever_side_its_description_stands(
    examples_page: PageView, question: str, command: str
) -> None:
    span = best(examples_page, question)
    assert command in span.text and span.origin == "example" and span.command == command


def test_the_page_number_under_an_introduction_is_no_block(examples_page: PageView) -> None:
    assert not any(span.text.endswith("\n12") for span in introduced_block_spans(examples_page))


def test_a_shell_session_inside_prose_is_no_listed_example(tmp_path: Path) -> None:
    """A guide's paragraph, a command with its output, and a paragraph that goes on about something
    else: no example joins the command with the unrelated text after it."""
    prose = (
        "These commands will not bring the settings back. But as the previous section showed, the package "
        "tool can ask again for every file it shipped, restoring any deleted one as well, when it is told "
        "to reinstall the package with the options below, which is rarely needed on a healthy system."
    )
    path = write_laid_out_manual(
        tmp_path / "guide.pdf",
        [
            [
                ("text", prose),
                ("code", ["# pkgtool --reinstall --ask-files widget"]),
                ("text", "Some packages create their settings while they are installed, from a template."),
                ("code", ["# svcctl status widgetd", "widgetd.service - Widget daemon", "Active: failed"]),
                ("text", "The journal tells why the service stopped."),
            ]
        ],
    )
    assert list(example_spans(page_views(path)[0])) == []


def test_an_example_without_a_prompt_is_a_command_set_in_under_its_description(tmp_path: Path) -> None:
    """tar(1) and many other man pages write their examples without "$": a short description, then the
    command set in below it. A how-to question gets the command with it."""
    path = write_laid_out_manual(
        tmp_path / "pack.1.pdf",
        [
            [
                ("heading", "EXAMPLES"),
                ("text", "Create bundle.pk from the files notes.txt and todo.txt."),
                ("code", ["pack -c -f bundle.pk notes.txt todo.txt"]),
                ("text", "List the contents of bundle.pk, one file a line, with sizes and dates."),
                ("code", ["pack -t -v -f bundle.pk"]),
                ("text", "Extract every file of bundle.pk into the folder /srv/out."),
                ("code", ["pack -x -f bundle.pk -C /srv/out"]),
            ]
        ],
    )
    view = page_views(path)[0]
    span = best(view, "How do I list the contents of bundle.pk with sizes and dates?")
    assert "pack -t -v -f bundle.pk" in span.text and span.origin == "example"
    span = best(view, "Which pack command extracts the files into /srv/out?")
    assert span.command == "pack -x -f bundle.pk -C /srv/out"


def test_the_definition_of_the_variable_a_question_names_outweighs_a_mention_of_it(tmp_path: Path) -> None:
    """ "Какими символами разделяются каталоги в SPOOL_PATH?": a search-order list names the variable
    beside the question's words ("каталогах"); the ENVIRONMENT list defines it and states the fact in
    other words ("папок", "отделены")."""
    path = write_laid_out_manual(
        tmp_path / "spoold.8.ru.pdf",
        [
            [
                ("heading", "Порядок поиска"),
                ("text", "(1) В каталогах из переменной SPOOL_PATH, если программа не привилегированная."),
                ("text", "(2) В каталогах кэша, который читается при запуске программы."),
                ("heading", "Переменные окружения"),
                (
                    "options",
                    [
                        ("SPOOL_DEBUG", "Выводит каждое решение загрузчика в стандартный поток ошибок."),
                        (
                            "SPOOL_PATH",
                            "Список папок для поиска очередей; его элементы отделены друг от друга "
                            "двоеточием или точкой с запятой.",
                        ),
                    ],
                ),
            ]
        ],
    )
    span = best(page_views(path)[0], "Какими символами разделяются каталоги в SPOOL_PATH?")
    assert span.origin == "definition" and "двоеточием" in span.text


@pytest.fixture(scope="module")
def firmware_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A procedure written as commands, each under the sentence that says what it does; the step
    after the one a question names shares fewer of the question's words than the named step."""
    path = tmp_path_factory.mktemp("steps") / "firmware.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "Flashing your own firmware image"),
                ("text", "First fetch the firmware sources of your board:"),
                ("code", ["git clone https://example.org/boardfw.git"]),
                ("text", "Then install the toolchain and the cross compiler for the board:"),
                ("code", ["sudo apt install gcc-arm-none-eabi"]),
                ("text", "Then configure a local board profile so that your image keeps its own name:"),
                ("code", ["make defconfig BOARD=local"]),
                ("text", "And finally compile the image:"),
                ("code", ["make -j4 image"]),
                ("text", "Write it to the board with the flashing tool:"),
                ("code", ["boardflash write build/image.bin"]),
            ]
        ],
    )
    return page_views(path)[0]


@pytest.mark.parametrize(
    ("question", "command"),
    [
        # the step after the named one that does what is asked, not the named step itself
        (
            "After installing the cross compiler toolchain, which command compiles my local board image?",
            "make -j4 image",
        ),
        ("What do I run after cloning the firmware sources?", "sudo apt install gcc-arm-none-eabi"),
        ("Which command do I run before writing the image to the board?", "make -j4 image"),
        ("What is the last step of flashing the firmware?", "boardflash write build/image.bin"),
    ],
)
def test_the_step_a_question_places_in_a_procedure_answers(
    firmware_page: PageView, question: str, command: str
) -> None:
    assert command in best(firmware_page, question).text


def test_a_step_question_on_a_page_without_a_procedure_reads_as_before(daemon_page: PageView) -> None:
    # one introduced block is no procedure: the relation changes nothing
    span = best(daemon_page, "After editing the configuration, how do I restart the daemon?")
    assert "systemctl restart exampled" in span.text


def test_a_russian_question_places_the_step_after_the_one_it_names(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "backup.pdf",
        [
            [
                ("heading", "Резервная копия каталога"),
                ("text", "Сначала подключите внешний диск резервных копий:"),
                ("code", ["sudo mount /dev/sdb1 /mnt/backup"]),
                ("text", "Затем создайте архив каталога резервных копий на диске:"),
                ("code", ["tar czf /mnt/backup/home.tgz /home"]),
                ("text", "Наконец отключите диск:"),
                ("code", ["sudo umount /mnt/backup"]),
            ]
        ],
    )
    view = page_views(path)[0]
    assert "tar czf" in best(view, "Что нужно выполнить после подключения диска?").text


@pytest.fixture(scope="module")
def descaling_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A product manual's numbered procedure, steps in words, no commands."""
    path = tmp_path_factory.mktemp("steps") / "kettle.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "Descaling the kettle"),
                ("text", "Descale the kettle every month in hard water areas."),
                ("text", "1. Unplug the kettle and let it cool down completely."),
                ("text", "2. Fill the kettle with descaling solution up to the MAX mark."),
                ("text", "3. Boil the descaling solution and leave it in the kettle for an hour."),
                ("text", "4. Pour the solution away and rinse the kettle twice with fresh water."),
                ("text", "Never immerse the kettle base in water."),
            ]
        ],
    )
    return page_views(path)[0]


@pytest.mark.parametrize(
    ("question", "step"),
    [
        ("What do I do after boiling the descaling solution?", "4. Pour the solution away"),
        ("What is the third step of descaling the kettle?", "3. Boil the descaling solution"),
        ("What should I do before filling the kettle with descaling solution?", "1. Unplug the kettle"),
    ],
)
def test_a_numbered_step_is_read_whole_and_in_its_order(
    descaling_page: PageView, question: str, step: str
) -> None:
    assert best(descaling_page, question).text.startswith(step)


def test_a_sentence_is_read_with_the_footnote_its_mark_points_to(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "mail.pdf",
        [
            [
                ("heading", "Deleting messages"),
                (
                    "text",
                    "Press Delete to remove the selected message from the inbox. A deleted message is "
                    "discarded 3 and no longer shown in the message list.",
                ),
                ("text", "To delete several messages, select them with Shift and press Delete once."),
                ("text", "3 It is kept in the Recycled folder for 30 days before it is erased for good."),
            ]
        ],
    )
    view = page_views(path)[0]
    span = best(
        view, "Once a message is deleted and no longer shown, is it still kept somewhere for a while?"
    )
    assert span.origin == "footnote"
    assert "discarded" in span.text and "Recycled folder for 30 days" in span.text
    # a number in the text that no footnote answers is no mark
    assert all("select them with Shift" not in s.text for s in footnote_spans(view))


def test_two_items_of_an_enumeration_are_never_read_as_one_span(tmp_path: Path) -> None:
    """ "(2) ... FOO_PATH ..." and "(3) ... folders ... section": joined, their words would answer a
    question neither item answers (which characters separate the folders in FOO_PATH?)."""
    path = write_laid_out_manual(
        tmp_path / "loader.pdf",
        [
            [
                ("heading", "Search order"),
                (
                    "text",
                    "The loader looks for a plugin in this order. (1) In the folder of the program. "
                    "(2) In the FOO_PATH variable, unless the program runs with raised rights. "
                    "(3) In the folders named in the plugins section of the configuration.",
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    pairs = [span.text for span in sentence_spans(view) if span.origin == "pair"]
    assert not [text for text in pairs if "FOO_PATH" in text and "plugins section" in text]
    # the sentence that announces the list is still read with its first item
    assert any(text.startswith("The loader looks") and "(1) In the folder" in text for text in pairs)


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("1. Unplug the kettle.", "1"),
        ("Step 2: Fill the tank", "2"),
        ("b) Boil the water", "b"),
        ("Шаг 3. Откройте крышку", "3"),
        ("C: drive is full", ""),
        ("e.g. a filter", ""),
        ("(3) In the default folders", ""),
    ],
)
def test_a_step_line_is_told_by_its_number(line: str, number: str) -> None:
    assert step_number(line) == number
