"""The CPU reader end to end: real PDFs laid out like admin guides and man pages, indexed, asked.

Each class of question the reader used to miss: the command after an introducing line, the term
of an option list, a question in the other language, a question the documents cannot answer
although they mention its topic, and a page that only mentions the topic ranked above the one
that states the fact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_manuals import read, write_laid_out_manual

from assistant import Assistant
from assistant.generators.base import NOT_FOUND_TEXT

GUIDE_EN = [
    [
        ("heading", "Installing exampled"),
        (
            "text",
            "Exampled is installed from the package of the same name. The package puts its configuration "
            "into /etc/exampled/exampled.conf and keeps its state under /var/lib/exampled.",
        ),
        (
            "text",
            "After you change the configuration the daemon must read it again. To restart the daemon, "
            "run the following command:",
        ),
        ("code", ["# systemctl restart exampled"]),
        ("text", "The service starts again within a few seconds and keeps every open session."),
    ],
    [
        ("heading", "Backups"),
        (
            "text",
            "Exampled writes a backup of its database every night. The backups are compressed and "
            "kept on the local disk of the server.",
        ),
        ("text", "A backup can be restored with exampled-ctl while the daemon is stopped."),
    ],
    [
        ("heading", "exampled-ctl options"),
        ("text", "The control program accepts the following options."),
        (
            "options",
            [
                ("--dry-run", "Show what would be done without changing anything."),
                ("--purge", "Remove the data directory together with all configuration files."),
                ("--no-restart", "Do not restart the daemon after its configuration has changed."),
                ("-w, --wait=SECONDS", "Wait at most SECONDS for the daemon to stop before giving up."),
            ],
        ),
    ],
    [
        ("heading", "Troubleshooting"),
        (
            "text",
            "When the daemon does not start, read its log first: the log says which setting of the "
            "configuration is wrong. The log is the first place to look for errors, warnings and "
            "messages about the log rotation itself.",
        ),
    ],
    [
        ("heading", "Logging"),
        (
            "text",
            "Exampled writes everything to /var/log/exampled/daemon.log, which logrotate rotates weekly.",
        ),
    ],
]

GUIDE_RU = [
    [
        ("heading", "Сетевые настройки"),
        (
            "text",
            "По умолчанию exampled принимает соединения на порту 8765. Другой порт задаётся параметром "
            "listen в файле конфигурации.",
        ),
    ],
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("reader")
    files = [
        write_laid_out_manual(root / "exampled-guide.en.pdf", GUIDE_EN),  # type: ignore[arg-type]
        write_laid_out_manual(root / "exampled-guide.ru.pdf", GUIDE_RU),  # type: ignore[arg-type]
    ]
    assistant = Assistant(root / "ws", deep_embedder="e5", background_enrichment=False)
    assistant.add(files)
    assistant.enrich()
    yield assistant
    assistant.close()


def test_the_command_after_an_introducing_line_is_the_answer(reader: Assistant) -> None:
    answer = reader.ask("What command restarts the daemon?")
    assert answer.found
    assert answer.text.endswith("# systemctl restart exampled")
    assert "run the following command:" in " ".join(answer.text.split())
    citation = answer.citations[0]
    assert (citation.document.filename, citation.page) == ("exampled-guide.en.pdf", 1)
    # One box from the introducing line down over the command block.
    passages = reader.workspace.page_passages(citation.document.id, 1)
    command = next(p for p in passages if "systemctl restart" in p.text)
    intro = next(p for p in passages if "following command:" in p.text)
    assert citation.bbox[1] <= intro.spans[-1].bbox[1] + 1
    assert citation.bbox[3] >= command.bbox[3] - 1


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Which exampled-ctl option removes the data directory with the configuration files?", "--purge"),
        ("Which option keeps the daemon from restarting after a configuration change?", "--no-restart"),
        ("Какой параметр exampled-ctl показывает, что будет сделано, ничего не меняя?", "--dry-run"),
        # Only loanwords and everyday words tie it to the English page (конфигурации, удаляет, файлами).
        ("Какой параметр удаляет каталог данных вместе с файлами конфигурации?", "--purge"),
        ("Какой параметр задаёт, сколько секунд ждать остановки демона?", "-w, --wait=SECONDS"),
    ],
)
def test_which_option_is_answered_with_the_option(reader: Assistant, question: str, term: str) -> None:
    reading = read(reader, question)
    assert reading.answer.found, reading.why
    assert reading.answer.text.startswith(term)
    assert "holds the asked-for option" in reading.why


def test_an_english_question_is_answered_from_the_russian_guide(reader: Assistant) -> None:
    reading = read(reader, "Which port does exampled listen on by default?")
    assert reading.answer.found, reading.why
    assert "8765" in reading.answer.text
    assert reading.answer.citations[0].document.filename == "exampled-guide.ru.pdf"
    # The answer is quoted in the document's language; the reason names the gate that passed.
    assert "порту 8765" in reading.answer.text
    assert "number 8765" in reading.why


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Which cloud provider stores the backups?", "en"),
        ("At what time of night does exampled write the backup?", "en"),
        ("How many days are the backups kept?", "en"),
        ("Which encryption key protects the backups?", "en"),
        ("Какой тайм-аут по умолчанию у exampled-ctl при остановке демона?", "ru"),
    ],
)
def test_a_line_that_only_mentions_the_topic_is_not_an_answer(
    reader: Assistant, question: str, language: str
) -> None:
    reading = read(reader, question)
    assert not reading.answer.found, reading.answer.text
    assert reading.answer.text == NOT_FOUND_TEXT[language]
    assert reading.why.startswith("not found")


def test_the_page_that_states_the_fact_outranks_the_one_that_mentions_the_topic(reader: Assistant) -> None:
    question = "Where does exampled write its log?"
    hits = reader.search(question, k=3)
    assert (hits[0].document.filename, hits[0].page) == ("exampled-guide.en.pdf", 5)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    answer = reader.ask(question)
    assert "/var/log/exampled/daemon.log" in answer.text


def test_every_found_answer_says_which_gate_passed(reader: Assistant) -> None:
    reading = read(reader, "Where does exampled keep its state?")
    assert reading.answer.found
    assert "/var/lib/exampled" in reading.answer.text
    assert reading.why.startswith("found: holds the asked-for path (path /")


def test_search_keeps_the_read_pages_for_the_reader(reader: Assistant) -> None:
    hits = reader.search("What command restarts the daemon?", k=5)
    assert hits[0].view is not None and hits[0].view.passages
    assert all(p.page == hits[0].page for p in hits[0].view.passages)


def test_words_on_another_page_do_not_vouch_for_a_span(tmp_path: Path) -> None:
    path = write_laid_out_manual(
        tmp_path / "notes.pdf",
        [[("heading", "Release notes"), ("text", "Version 2 adds a dark theme and faster start-up.")]],
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([path])
        answer = assistant.ask("Which option enables the dark theme?")
    assert not answer.found


def test_a_span_that_repeats_its_heading_and_file_name_still_answers(tmp_path: Path) -> None:
    # Every word of the question is in the heading ("descaling") or the file's name ("machine"): the
    # span says them again itself, so they vouch for it (only the file's name alone vouches for none).
    manual = write_laid_out_manual(
        tmp_path / "coffee-machine.pdf",
        [
            [
                ("heading", "Cleaning and descaling"),
                (
                    "text",
                    "Descale the machine every three months, or sooner when the orange descaling light "
                    "turns on. Rinse the milk frother with warm water after every use.",
                ),
            ]
        ],
    )
    with Assistant(tmp_path / "ws", deep_embedder="off") as assistant:
        assistant.add([manual])
        reading = read(assistant, "How often should I descale the machine?")
    assert reading.answer.found, reading.why
    assert "three months" in reading.answer.text
