"""What a found answer must carry: the keyword a config file's term sets, the one command of a session the
question names, the option named after what it does in the other language, and the case the question
restricts by a number or a counted noun (invented man pages, English and Russian)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from reader_manuals import page_views, write_laid_out_manual

from assistant.generators.extractive import AnswerSettings, Candidate, gate
from assistant.questions import COUNT, OPTION, answer_kind, profile_question, question_quantity
from assistant.retrieval import Evidence
from assistant.spans import PageView, Span, introduced_block_spans, read_views, term_keyword
from indexer.language import search_tokens


def page_weights(view: PageView) -> Callable[[list[str]], dict[str, float]]:
    """Inverse document frequency over the page's passages, as the workspace's lexical index weighs terms:
    a word no passage holds weighs most, one every passage holds least."""
    passages = [frozenset(search_tokens(passage.text)) for passage in view.passages]

    def weights(terms: list[str]) -> dict[str, float]:
        counts = {term: sum(term in tokens for tokens in passages) for term in terms}
        total = len(passages)
        return {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in counts.items()}

    return weights


def best(view: PageView, question: str) -> tuple[Span, Candidate]:
    profile = profile_question(question, page_weights(view))
    span, fit = max(read_views(profile, [view]), key=lambda pair: pair[1].score)
    return span, Candidate(span, fit, fit.score, similarity=0.5)


def test_a_config_keyword_is_named_without_the_arguments_written_after_it() -> None:
    assert term_keyword("refresh <yes|no>") == "refresh"
    assert term_keyword("mirror адрес приоритет") == "mirror"
    assert term_keyword("Compression yes") == "Compression"
    # Words that are no placeholders make a title, kept whole; an option list's term is left as it is.
    assert term_keyword("Quick Start") == "Quick Start"
    assert term_keyword("-t, --test") == "-t, --test"


def test_which_keyword_is_asked_like_an_option_also_when_its_file_is_named_first() -> None:
    profile = profile_question("Which fetchd.conf keyword sets the delay used between two retries?")
    assert profile.asks == OPTION
    assert profile.sets == frozenset({"delay"})


def test_a_russian_keyword_term_with_its_arguments_answers_which_keyword(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "fetchd.conf.5.ru.pdf",
        [
            [
                ("heading", "ОПИСАНИЕ"),
                (
                    "options",
                    [
                        (
                            "mirror адрес приоритет",
                            "Добавляет зеркало в список, из которого демон загружает пакеты.",
                        ),
                        (
                            "refresh <yes|no>",
                            "Данное ключевое слово определяет, будет ли демон заново читать список зеркал, "
                            "если тот изменился на диске.",
                        ),
                        ("timeout секунды", "Сколько секунд ждать ответа зеркала."),
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    question = "Какое ключевое слово в fetchd.conf определяет, будет ли демон перечитывать список зеркал?"
    span, candidate = best(view, question)
    assert span.term == "refresh <yes|no>"
    assert gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)


def session_page(tmp_path: Path) -> PageView:
    path = write_laid_out_manual(
        tmp_path / "proxy-guide.en.pdf",
        [
            [
                ("heading", "Turning on the modules"),
                ("text", "The gzip and tls modules of the proxy must be turned on, for that run:"),
                (
                    "code",
                    [
                        "# proxyctl enable gzip",
                        "Checking the dependencies of gzip",
                        "Module gzip enabled",
                        "# proxyctl enable tls",
                        "Checking the dependencies of tls",
                        "Module tls enabled",
                        "Module cache enabled",
                    ],
                ),
                ("text", "Both take effect at the next reload of the proxy."),
            ]
        ],
    )
    return page_views(path)[0]


def test_each_command_of_an_introduced_session_is_offered_on_its_own(tmp_path: Path) -> None:
    view = session_page(tmp_path)
    commands = {span.command for span in introduced_block_spans(view) if span.command}
    assert commands == {"proxyctl enable gzip", "proxyctl enable tls"}
    # The question names the second module: its command answers, not the block's first line.
    span, _ = best(view, "Which command turns on the tls module of the proxy?")
    assert span.command == "proxyctl enable tls"
    assert span.text.startswith("The gzip and tls modules")
    span, _ = best(view, "Which command turns on the gzip module of the proxy?")
    assert span.command == "proxyctl enable gzip"


def test_the_command_whose_files_the_question_names_answers_past_the_output(tmp_path: Path) -> None:
    """A Russian guide: two commands with the first one's output between them, no prompt."""
    path = write_laid_out_manual(
        tmp_path / "tracer.1.ru.pdf",
        [
            [
                ("heading", "ПРИМЕРЫ"),
                ("text", "После запуска следующих команд отчёт о вызовах можно найти в файле calls.html:"),
                (
                    "code",
                    [
                        "tracer --log=calls.log ./prog",
                        "Summary: calls 120, errors 0",
                        "open 40 0",
                        "read 80 0",
                        "tracereport calls.log calls.html",
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    span, _ = best(view, "Какой командой построить отчёт calls.html из журнала calls.log?")
    assert span.command == "tracereport calls.log calls.html"


def test_an_option_named_after_what_it_does_answers_across_languages(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "fetchd.conf.5.en.pdf",
        [
            [
                ("heading", "DESCRIPTION"),
                (
                    "options",
                    [
                        (
                            "EnableMirrorList",
                            "Setting this option to yes in fetchd.conf enables the use of the mirror list "
                            "kept in /var/lib/fetchd.",
                        ),
                        (
                            "Compression",
                            "Specifies whether to use compression. The argument must be yes or no.",
                        ),
                        ("Retries", "The number of attempts before a mirror is given up."),
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    question = "Какой параметр fetchd.conf включает сжатие?"
    profile = profile_question(question)
    read = {span.term: fit for span, fit in read_views(profile, [view]) if span.origin == "definition"}
    # The option that enables something else is no answer to what enables compression.
    assert any(item.startswith("what it sets") for item in read["EnableMirrorList"].missing)
    assert read["Compression"].carries and not read["Compression"].missing


def test_a_number_the_question_restricts_by_must_be_said(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "ramfs.5.en.pdf",
        [
            [
                ("heading", "Mount options"),
                (
                    "options",
                    [
                        (
                            "size=bytes",
                            "Specify the maximum size of the file system in bytes, rounded up to pages.",
                        ),
                        ("mode=mode", "Set the initial permissions of the root directory."),
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    question = "What is the maximum size of a ramfs file system on 64-bit systems?"
    span, candidate = best(view, question)
    assert "the number 64" in candidate.fit.missing
    assert not gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)
    # Without the restriction the same definition answers.
    span, candidate = best(view, "What is the maximum size of a ramfs file system?")
    assert span.text.startswith("size=bytes")
    assert not candidate.fit.missing


def test_a_counted_noun_stops_at_the_name_standing_after_it() -> None:
    quantity = question_quantity("Сколько дней Syncer хранит старые версии файлов?", "number", "дней")
    assert quantity is not None and quantity.kind == COUNT
    assert quantity.beside == frozenset({"дне"})
    # Two Russian words are one counted noun phrase.
    quantity = question_quantity("Сколько резервных копий хранит Syncer?", "number", "")
    assert quantity is not None and quantity.beside == frozenset({"резервн", "коп"})


def test_the_default_of_a_named_directive_asks_for_its_line() -> None:
    assert answer_kind("What is the default deny directive in /etc/fetchd/fetchd.conf?") == "any"
    assert answer_kind("Which directive sets the default deny rule?") == OPTION
    assert answer_kind("What is the option for verbose output?") == OPTION
    assert answer_kind("Какая директива deny задана по умолчанию в /etc/fetchd/fetchd.conf?") == "any"
    # The file's name after the noun is no setting's name: the option that does something is asked.
    assert answer_kind("Какой параметр fetchd.conf по умолчанию включает сжатие?") == OPTION


def archiver_page(tmp_path: Path, name: str, about: str, options: list[tuple[str, str]]) -> PageView:
    path = write_laid_out_manual(
        tmp_path / name, [[("heading", "bundle(1)"), ("text", about), ("options", options)]]
    )
    return page_views(path)[0]


def test_an_option_that_does_something_else_of_the_same_program_is_no_answer(tmp_path: Path) -> None:
    view = archiver_page(
        tmp_path,
        "bundle.1.en.pdf",
        "bundle packs files into an archive; bundle -x unpacks an archive that bundle made.",
        [
            ("-t, --test", "Test the integrity of bundled archives. Nothing is written to disk."),
            ("-k, --keep", "Keep the input files after bundling them into the archive."),
            ("-l, --list", "List the files a bundled archive holds."),
        ],
    )
    question = "Which bundle option signs the bundled archive with a private key?"
    span, candidate = best(view, question)
    assert any(item.startswith("most of what it does") for item in candidate.fit.missing)
    assert not gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)
    # The option that does what is asked answers.
    question = "Which bundle option tests the integrity of bundled archives?"
    span, candidate = best(view, question)
    assert span.term == "-t, --test"
    assert gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)


def test_a_russian_option_that_does_something_else_is_no_answer(tmp_path: Path) -> None:
    view = archiver_page(
        tmp_path,
        "bundle.1.ru.pdf",
        "bundle упаковывает файлы в архив; с ключом -x bundle распаковывает архив.",
        [
            ("-t, --test", "Проверить целостность архивов. На диск ничего не записывается."),
            ("-k, --keep", "Сохранить исходные файлы после упаковки в архив."),
        ],
    )
    question = "Какой параметр bundle подписывает архив закрытым ключом?"
    _, candidate = best(view, question)
    assert not gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)
    question = "Какой параметр bundle проверяет целостность архивов?"
    span, candidate = best(view, question)
    assert span.term == "-t, --test"
    assert gate(profile_question(question, page_weights(view)), candidate, AnswerSettings(), view.hit)


def test_across_languages_a_top_rank_and_a_kept_name_do_not_vouch_for_a_span_that_says_nothing_asked(
    tmp_path: Path,
) -> None:
    path = write_laid_out_manual(
        tmp_path / "monitor-guide.en.pdf",
        [
            [
                ("heading", "Setting up Zabbix"),
                (
                    "text",
                    "Remote commands are disabled in the default configuration of Zabbix, which is strict "
                    "for security reasons. The web frontend asks for the administrator password at login.",
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    profile = profile_question("Какой пароль по умолчанию у веб-интерфейса Zabbix?")
    settings = AnswerSettings()
    checked = 0
    for span, fit in read_views(profile, [view]):
        if "Remote commands" not in span.text or "password" in span.text:
            continue
        assert fit.crosslingual and fit.own_coverage == 0
        evidence = Evidence(span.passage, 1.0, {"dense": 1}, similarity=0.4)
        ranked = Span(span.view, span.passage, span.start, span.end, span.text, span.origin, evidence)
        assert not gate(profile, Candidate(ranked, fit, fit.score, similarity=0.4), settings, view.hit)
        checked += 1
    assert checked
    # The sentence that says the password (an everyday word, through the glossary) is vouched for.
    profile = profile_question("Какой пароль спрашивает веб-интерфейс Zabbix?")
    for span, fit in read_views(profile, [view]):
        if span.text.startswith("The web frontend asks"):
            evidence = Evidence(span.passage, 1.0, {"dense": 1}, similarity=0.4)
            ranked = Span(span.view, span.passage, span.start, span.end, span.text, span.origin, evidence)
            assert gate(profile, Candidate(ranked, fit, fit.score, similarity=0.4), settings, view.hit)
            checked += 1
    assert checked >= 2


def test_a_session_introduced_by_its_programs_name_is_read_whole(tmp_path: Path) -> None:
    """ "... check its status with svcctl status" names the invocation announced: the other command of the
    session is its follow-up, and the block read whole answers (no command is offered alone)."""
    path = write_laid_out_manual(
        tmp_path / "services.en.pdf",
        [
            [
                ("heading", "When a service fails"),
                (
                    "text",
                    "First check the status of the service with svcctl status, then read its log. "
                    "Say the mail daemon does not start:",
                ),
                (
                    "code",
                    [
                        "# svcctl status maild.service",
                        "maild.service - Mail daemon",
                        "Active: failed (Result: exit-code)",
                        "# logview --unit maild.service",
                        "-- Logs begin at Tue 17:29 --",
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    assert not [span for span in introduced_block_spans(view) if span.command]


def test_an_english_field_of_a_russian_page_says_the_questions_words_in_its_name(tmp_path: Path) -> None:
    """Russian man pages keep the program's English field names as terms: the term is the name the
    question asks for ("сводка" is "summary"), though the Russian definition never says it."""
    path = write_laid_out_manual(
        tmp_path / "tracer-scan.ru.pdf",
        [
            [
                ("heading", "ОПИСАНИЕ"),
                (
                    "options",
                    [
                        ("calls total", "Число перехваченных вызовов всех функций за время работы."),
                        ("summary", "Одна строка с итогами по памяти, выводимая после завершения программы."),
                        ("peak", "Наибольший объём памяти, занятый программой одновременно."),
                    ],
                ),
            ]
        ],
    )
    view = page_views(path)[0]
    span, _ = best(view, "Какое поле tracer выводит сводку по памяти?")
    assert span.term == "summary"


def test_a_model_listed_for_another_feature_is_no_answer(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "acme-printers.en.pdf",
        [
            [
                ("heading", "Printer features"),
                (
                    "text",
                    "The Acme LX-310 and LX-350 printers support duplex printing on both sides of A4 paper.",
                ),
                ("text", "The toolbox shows the ink levels of every Acme printer connected over USB."),
            ]
        ],
    )
    view = page_views(path)[0]
    weights = page_weights(view)
    question = "Which Acme printer models support wireless colour calibration from the toolbox?"
    span, candidate = best(view, question)
    assert not gate(profile_question(question, weights), candidate, AnswerSettings(), view.hit)
    question = "Which Acme printer models support duplex printing?"
    span, candidate = best(view, question)
    assert "LX-310" in span.text
    assert gate(profile_question(question, weights), candidate, AnswerSettings(), view.hit)


def test_a_how_to_answer_says_what_the_question_wants_set(tmp_path: Path) -> None:
    def page(name: str, text: str) -> PageView:
        path = write_laid_out_manual(tmp_path / name, [[("heading", "Site settings"), ("text", text)]])
        return page_views(path)[0]

    other = page(
        "ftpc-sites.en.pdf",
        "If the clock of a server differs, open the site settings and specify a time offset for that server.",
    )
    question = "How do I enable compression for one server in the site settings?"
    _, candidate = best(other, question)
    assert any(item.startswith("what it sets") for item in candidate.fit.missing)
    assert not gate(profile_question(question, page_weights(other)), candidate, AnswerSettings(), other.hit)
    answering = page(
        "ftpc-compress.en.pdf",
        "To enable compression for one server, open the site settings and tick Compress transfers.",
    )
    _, candidate = best(answering, question)
    assert not candidate.fit.missing
    assert gate(
        profile_question(question, page_weights(answering)), candidate, AnswerSettings(), answering.hit
    )
