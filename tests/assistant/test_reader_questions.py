"""What a question asks for, and whether a span holds it: the reader's type gate on real wording."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.questions import (
    ACTION,
    ANY,
    COLOUR,
    COMMAND,
    FREQUENCY,
    FUNCTION,
    KEY,
    NAME,
    NUMBER,
    OPTION,
    PACKAGE,
    PATH,
    VARIABLE,
    YES_NO,
    Crossing,
    StepRelation,
    action_verb,
    answer_kind,
    cognate_key,
    glossary_translations,
    keys_match,
    kind_evidence,
    missing_qualifiers,
    portable_terms,
    profile_question,
    question_identifiers,
    question_qualifiers,
    question_step,
    span_terms,
    translated_terms,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which option makes tar keep newer files?", OPTION),
        ("Which command-line option stops R from restoring the workspace?", OPTION),
        ("Какой параметр cp сохраняет права доступа?", OPTION),
        ("Каким ключом rsync удалить лишние файлы на приёмнике?", OPTION),
        ("Which sshd_config directive turns off password logins?", OPTION),
        ("What command restarts the daemon?", COMMAND),
        ("Which apt-get command removes the cached files?", COMMAND),
        ("Какой командой перезапустить демон?", COMMAND),
        ("In which directory are the logs kept?", PATH),
        ("Where does cron write its log?", PATH),
        ("В каком файле хранятся настройки прокси?", PATH),
        ("How many virtual consoles are there?", NUMBER),
        ("Which port does the web interface listen on?", NUMBER),
        ("What JPEG compression quality is set in the PDF Options?", NUMBER),
        ("Сколько дней хранится журнал?", NUMBER),
        ("Какой порт использует VNC?", NUMBER),
        ("How often should the filter be replaced?", FREQUENCY),
        ("Как часто менять фильтр?", FREQUENCY),
        ("Which cloud provider stores the backups?", NAME),
        ("Who wrote the original program?", NAME),
        ("Какая компания разработала программу?", NAME),
        ("What is the keyboard shortcut that opens the menu?", KEY),
        ("Какой комбинацией клавиш открыть меню?", KEY),
        ("Каким цветом выделены каталоги?", COLOUR),
        ("Is the data encrypted?", YES_NO),
        ("Which package sends the daily e-mail?", PACKAGE),
        # "How do I ...?" asks for a way to do it (a command, a key, a menu path, or words).
        ("How do I repeat every element five times?", ACTION),
        ("Как отменить последнее действие?", ACTION),
        ("How to restart the daemon?", ACTION),
        ("How many seconds does it wait?", NUMBER),
        ("Which environment variable sets the locale?", VARIABLE),
        ("Какая переменная окружения задаёт язык?", VARIABLE),
        ("Which tool downloads updates once for many machines?", COMMAND),
        ("Какой утилитой проверить диск?", COMMAND),
        ("Which mirror does the updater use?", NAME),
        # "What is the name of the X ...?" asks for what X names.
        ("What is the name of the function that draws a histogram?", FUNCTION),
        ("Какая функция считает среднее значение?", FUNCTION),
        ("What is the name of the tool that fetches updates?", COMMAND),
        # The main clause decides; "how many" in a clause after it describes the option.
        ("Какой параметр задаёт, сколько секунд ждать остановки демона?", OPTION),
        ("Which option sets how often the cache is cleaned?", OPTION),
        ("How many seconds does the --wait option wait?", NUMBER),
        # Russian: the head noun follows the question word (adjectives may come first); a kind-naming
        # word later on belongs to the rest of the question.
        ("Какой сетевой порт использует VNC?", NUMBER),
        ("Какой оператор в R присваивает значение переменной во внешнем окружении?", ANY),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


def test_a_how_to_question_names_the_doing_it_asks_about() -> None:
    assert action_verb("Как откатить сделанные изменения?") == {"откат"}
    assert action_verb("How do I undo my changes?") == {"undo"}
    assert action_verb("Which option sets the size?") == frozenset()


def test_qualifiers_are_read_in_both_languages() -> None:
    assert question_qualifiers("Which gzip level does tar use by default?") == ("default",)
    assert question_qualifiers("Какое максимальное качество можно задать?") == ("maximum",)
    assert question_qualifiers("What is the smallest block size?") == ("minimum",)
    assert question_qualifiers("Which port does VNC use?") == ()
    # An English question's "by default" is stated by a Russian span's "по умолчанию".
    assert missing_qualifiers(("default",), "По умолчанию VNC использует порт 5900") == ()
    assert missing_qualifiers(("maximum",), "Качество: 90%") == ("maximum",)


def test_names_and_identifiers_survive_translation() -> None:
    assert portable_terms("Which sshd_config directive enables X11 forwarding?") == {"sshd_config", "x11"}
    assert portable_terms("Какой параметр конфигурации APT задаёт HTTP-прокси?") == {"apt", "http"}
    assert portable_terms("How many runlevels does Debian's System V init use?") >= {"debian", "system"}


def test_identifiers_split_into_the_words_a_question_uses() -> None:
    assert {"x11", "forward"} <= span_terms("указав X11Forwarding yes в файле")
    assert {"trust", "user"} <= span_terms("TrustedUserCAKeys /etc/ssh/ca.pub")
    # A placeholder's words count as words: "-o файл_результата" says "файл" and "результат".
    assert {"файл", "результат"} <= span_terms("-o файл_результата, --output=файл_результата")
    assert {"output", "file"} <= span_terms("--out=output_file")


def evidence(question: str, text: str) -> str:
    profile = profile_question(question)
    found = kind_evidence(profile.asks, text, profile)
    return str(found) if found else ""


@pytest.mark.parametrize(
    ("question", "span", "holds"),
    [
        # An option is named by its token, not by a line that merely says "option".
        ("Which option keeps newer files?", "--keep-newer-files", "option --keep-newer-files"),
        ("Which option keeps newer files?", "This option keeps newer files in place.", ""),
        ("Which directive enables X11 forwarding?", "X11Forwarding yes", "option X11Forwarding"),
        ("Which graphics parameter makes labels horizontal?", "las=1 Orientation of labels", "option las=1"),
        # A command: a prompt line, a program the question names run with something new, a code token.
        ("What command restarts the daemon?", "# systemctl restart exampled", "command line"),
        (
            "Which apt-get command removes old files?",
            "apt-get autoclean removes",
            "command 'apt-get autoclean'",
        ),
        ("Which apt-get command removes old files?", "The directory is /var/cache/apt/archives/.", ""),
        # The program spoken of, not run: an article before it, the sentence's end after the next word.
        ("Which command builds the package with pkgtools?", "We use the pkgtools helpers.", ""),
        # Forward port 8000 of server 25: the whole token is new although its parts are the question's.
        (
            "Какой командой ssh пробросить порт 8000 на порт 25 машины server?",
            "ssh -L 8000:server:25 r",
            "command",
        ),
        ("Where does apt log upgrades?", "logged into /var/log/apt/history.log", "path /var/log/apt/"),
        ("How many consoles are there?", "шесть виртуальных консолей", "number word 'шесть'"),
        ("How many days does the cache keep?", "the daily script cleans it", ""),
        ("How often is the list refreshed?", "the daily script refreshes it", "number word 'daily'"),
        ("How often should I descale it?", "Press the button once for an espresso.", ""),
        ("Как часто промывать фильтр?", "Промывайте фильтр раз в месяц.", "number word 'раз в'"),
        ("Which company developed SSH?", "разработанная компанией SSH Communications Security", "name"),
        ("Which cloud provider stores the backups?", "Backups are kept for 30 days.", ""),
        ("What is the keyboard shortcut for the menu?", "нажав Control+t", "key Control+t"),
        # A key is one the span tells to press, not a word that names one in passing.
        ("Which key opens the menu?", "Press F10 to open the menu.", "key F10"),
        ("Which key leaves the editor?", "press Esc twice to leave it", "key Esc"),
        ("Какой клавишей открыть меню?", "Чтобы открыть меню, нажмите клавишу Tab.", "key Tab"),
        ("Which key opens the menu?", "At the end of the list, go back to the home directory.", ""),
        ("Which keyboard shortcut opens the dialog?", "Return to the dialog and delete the key.", ""),
        ("Каким сочетанием клавиш открыть окно?", "Окно открывается из меню, клавиши не нужны.", ""),
        ("Каким цветом выделены каталоги?", "Каталоги выделяются синим.", "colour синим"),
        ("Каким цветом выделены каталоги?", "Использование цветов отключено по умолчанию.", ""),
        # An environment variable is written in capitals with "_", "$" or "="; a path is none.
        ("Which environment variable sets the spool folder?", "SPOOLER_DIR overrides it", "variable SPOOLER"),
        ("Which environment variable sets the spool folder?", "export SPOOLMAIL=you@example.org", "variable"),
        (
            "Какая переменная окружения задаёт каталог?",
            "каталог берётся из $QUEUE_HOME",
            "variable QUEUE_HOME",
        ),
        ("Which environment variable sets the spool folder?", "/var/spool/queue is the spool folder", ""),
        # A tool is answered by a program's name; a mirror by an address.
        ("Какой инструмент собирает пакеты в чистом окружении?", "Используйте pbuilder-dist.", "command"),
        ("Which mirror does the updater use?", "it fetches from http://mirror.example.org/pub", "name http"),
        ("Which mirror does the updater use?", "you can use cron-apt; this tool updates the system", ""),
        # "How many" is answered by a number of the asked thing, not by any number nearby.
        ("How many spare filters come in the box?", "The box holds 2 spare filters.", "number 2"),
        ("How many spare filters come in the box?", "Descale the machine every 3 months.", ""),
        ("Сколько фильтров в комплекте?", "1. снимите крышку и достаньте фильтр", ""),
        ("Сколько фильтров в комплекте?", "подходит для любых фильтров [12]", ""),
        ("Сколько фильтров в комплекте?", "В комплекте 3 фильтра.", "number 3"),
        # A count is of the counted noun: a network's "/8" beside "default" counts no attachments.
        (
            "How many attachments of one message does Mailgate accept by default?",
            "The administrators added 10.0.0.0/8 to the default list of trusted networks.",
            "",
        ),
        (
            "How many attachments does Mailgate accept?",
            "Mailgate accepts 20 attachments per message.",
            "number 20",
        ),
        ("How many attachments does Mailgate accept?", "mailgate_attachment_limit = 20", "number 20"),
        # A size, a level, a limit is the value beside its noun (or the word saying which one), not
        # any number on the page: an unanswerable question stays unanswered.
        (
            "Which compression level does the archiver use?",
            "It closes idle connections after 300 seconds.",
            "",
        ),
        ("Which compression level does the archiver use?", "The default compression level is 6.", "number 6"),
        ("Which compression level does the archiver use?", "Compression: 9", "number 9"),
        (
            "Какой уровень сжатия использует архиватор?",
            "Архиватор закрывает соединения через 300 секунд.",
            "",
        ),
        ("Какой уровень сжатия использует архиватор?", "Уровень сжатия по умолчанию — 6.", "number 6"),
        (
            "Which log level does the daemon use?",
            "The daemon logs at log level debug unless told.",
            "value 'debug'",
        ),
        (
            "What step size does ramp() use when neither by nor count is given?",
            "The default by=2 is used.",
            "number 2",
        ),
        # A version is a version of the named program, in a version's shape: no address is one.
        (
            "Which version of pgbouncer runs on the proxy?",
            "The proxy forwards to 10.0.0.5 for pgbouncer.",
            "",
        ),
        (
            "Which version of pgbouncer runs on the proxy?",
            "The proxy runs pgbouncer 1.21.0 now.",
            "number 1.21.0",
        ),
        ("Какая версия nginx установлена на сервере?", "Сервер nginx доступен по адресу 10.1.2.3.", ""),
        (
            "Какая версия nginx установлена на сервере?",
            "На сервере установлен nginx 1.24.0.",
            "number 1.24.0",
        ),
        # A port stands beside "port" or after a host.
        ("Which port does the metrics exporter listen on?", "The exporter is scraped every 15 seconds.", ""),
        (
            "Which port does the metrics exporter listen on?",
            "The exporter listens on port 9100.",
            "number 9100",
        ),
        ("Which port does the metrics exporter listen on?", "listen-address = localhost:9100", "number 9100"),
        ("На каком порту слушает экспортёр?", "Экспортёр опрашивается раз в 15 секунд.", ""),
        # "Where is it kept?" wants a folder or a full path; a bare file name is weak evidence, and none
        # when the sentence points back to the folder ("in that directory").
        (
            "Where are the hook scripts kept?",
            "All hook scripts are in /usr/share/hooks.",
            "path /usr/share/hooks",
        ),
        (
            "Where are the hook scripts kept?",
            "Each one is listed in hooks.list.",
            "file name hooks.list (no folder)",
        ),
        ("Where are the hook scripts kept?", "The file hooks.list in that directory lists them.", ""),
        ("Which file lists the hook scripts?", "Each one is listed in hooks.list.", "path hooks.list"),
        # A function is named where it is defined or called.
        ("Which function computes the average?", "use mean(x) for it", "function mean"),
        (
            "What is the name of the function that sums two vectors?",
            "> vsum <- function(a, b) {",
            "function vsum",
        ),
        ("Which function computes the mean?", "consider a function to compute it", ""),
        # A way to do something: a command line, a key combination, a menu path; or, weakly, words.
        ("Как отменить изменения?", "Выберите Правка → Отменить (Ctrl+z).", "action: press or choose Ctrl+z"),
        ("How do I freeze a package?", "run pkg-tool freeze NAME", "action: command pkg-tool"),
        # A word of the question followed by a preposition is prose ("files by age"), no command run.
        ("How do I list my newest files?", "Listing files by age", "adds"),
        ("How do I clean the cache with apt-get?", "apt-get autoclean removes old ones", "action: command"),
        ("Как собрать пакет из архива?", "foo-1.0.tar.gz\nfoo_1.0.orig.tar.gz", "adds"),
        ("How do I open the settings?", "Choose Edit > Preferences to open them.", "action: press or choose"),
    ],
)
def test_a_span_holds_the_asked_for_kind_or_not(question: str, span: str, holds: str) -> None:
    found = evidence(question, span)
    assert found.startswith(holds) if holds else found == ""


def test_a_screen_label_answers_with_any_new_word_but_weakly() -> None:
    profile = profile_question("Какой размер эскизов выбран?")
    found = kind_evidence(profile.asks, "Размер эскизов слоев и каналов: Средний", profile, ui_label=True)
    assert found and not found.strong
    assert not kind_evidence(profile.asks, "Размер эскизов слоев и каналов: Средний", profile, ui_label=False)


def test_an_option_named_in_passing_is_weaker_evidence_than_one_leading_its_line() -> None:
    profile = profile_question("Which ls option lists directories first?")
    leading = kind_evidence(
        profile.asks, "--group-directories-first\ngroup directories before files", profile
    )
    passing = kind_evidence(profile.asks, "Entries are sorted unless --sort is given.", profile)
    assert leading.strong and str(leading) == "option --group-directories-first"
    assert passing and not passing.strong


def test_the_question_keeps_its_word_pairs_stopwords_included() -> None:
    profile = profile_question("Какой параметр ls выводит каталоги перед файлами?")
    assert ("каталог", "перед") in profile.phrases and ("перед", "файл") in profile.phrases
    # The noun that names what is asked is not a topic word: the option's name answers it.
    assert "параметр" in profile.terms and "параметр" not in profile.topic


def test_codes_that_mix_letters_and_digits_are_identifiers_numbers_and_words_are_not() -> None:
    [model] = question_identifiers("How long does the filter of model VX-10 last?")
    assert model.parts == frozenset({"vx", "10"})
    assert model.pattern.search("Model vx10: the filter lasts 13 months.")
    assert model.pattern.search("Модель VX 10")
    assert not model.pattern.search("Model VX-107")
    assert not model.pattern.search("Model VX-07: the filter lasts 10 months.")
    [russian] = question_identifiers("Как часто менять фильтр модели ПК-200?")
    assert russian.pattern.search("Модель пк-200: фильтр служит год.")
    assert question_identifiers("Is 1.5 bar the maximum pressure?") == ()
    assert question_identifiers("Where are the e-mail settings?") == ()


@pytest.mark.parametrize(
    ("russian", "english"),
    [
        ("конфигурации", "configuration"),
        ("сервиса", "service"),
        ("журнала", "journalctl"),
        ("директива", "directive"),
        ("порт", "port"),
        ("дисплея", "display"),
        ("компьютер", "computer"),
        ("командой", "command"),
        ("процесса", "process"),
        ("функция", "function"),
        ("архив", "archive"),
    ],
)
def test_a_loanword_is_spelt_alike_in_both_languages(russian: str, english: str) -> None:
    assert keys_match(cognate_key(russian), cognate_key(english))


@pytest.mark.parametrize(
    ("russian", "english"),
    [("сервер", "service"), ("команда", "company"), ("пакет", "paper"), ("удалить", "update")],
)
def test_words_that_only_start_alike_are_not_loanwords(russian: str, english: str) -> None:
    assert not keys_match(cognate_key(russian), cognate_key(english))


def test_a_russian_question_finds_its_words_in_an_english_sentence() -> None:
    question = profile_question("Какой командой apt удалить пакет вместе с его файлами конфигурации?")
    stating = (
        "The apt purge package command involves a complete uninstallation by deleting the configuration files"
    )
    mentioning = "With APT, packages can be added or removed from the system with apt install package"
    # Loanword (конфигурации), glossary (удалить -> delete/remove, файлами -> files, пакет -> package).
    assert translated_terms(question, stating, question.topic) == {"конфигурац", "удал", "файл", "пакет"}
    assert translated_terms(question, mentioning, question.topic) == {"удал", "пакет"}
    # And the other way round.
    english = profile_question("Which sshd_config directive enables X11 forwarding?")
    russian = "Директива X11Forwarding включает перенаправление X11 через SSH."
    assert translated_terms(english, russian, english.terms) >= {"direct", "enabl", "forward"}


def test_glossary_stems_too_short_to_stand_for_a_word_form_must_match_whole() -> None:
    # "сеть" (network) is not "сетка" (grid); "tab" is not "table".
    assert "network" not in glossary_translations("сетк")
    question = profile_question("Какая вкладка открыта?")
    assert not translated_terms(question, "The table has two columns", question.topic)


def test_a_heading_in_capitals_is_not_a_name() -> None:
    question = profile_question("Which company wrote the manual?")
    assert not kind_evidence(NAME, "COPYRIGHT NOTICE", question)
    assert str(kind_evidence(NAME, "It was written by Jean-loup Gailly.", question)) == "name Jean-loup"


def test_the_noun_that_names_the_asked_for_name_is_not_a_topic_word() -> None:
    # "provided" in a licence says nothing about a provider.
    question = profile_question("Which cloud provider stores the backups?")
    assert question.asks == NAME and "provid" not in question.topic and "cloud" in question.topic


@pytest.mark.parametrize(
    ("question", "line", "said"),
    [
        # gzip(1), sort(1), du(1) as groff prints them; the questions are a Russian user's.
        (
            "Какой параметр gzip сохраняет исходные файлы?",
            "Keep (don’t delete) input files during compression",
            {"сохраня", "исходн", "файл"},
        ),
        (
            "Какой параметр sort сортирует в обратном порядке?",
            "reverse the result of comparisons",
            {"обратн"},
        ),
        (
            "Какая опция du задаёт максимальную глубину?",
            "print the total for a directory only if it is N or fewer levels below; --max-depth=0",
            {"максимальн", "глубин"},
        ),
    ],
)
def test_everyday_option_words_are_read_across_languages(question: str, line: str, said: set[str]) -> None:
    profile = profile_question(question)
    assert translated_terms(profile, line, profile.topic) >= said


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("Figure 6.1. The aptitude package manager", "none"),
        ("Рисунок 1.3. Путь пакета через различные версии Debian", "none"),
        ("10.1 Simple examples", "none"),
        ("1. At least 5 days spent in Unstable", "number 5"),
        ("see table 3: the daemon keeps 7 backups", "number 7"),
        ("5 days", "number 5"),
        ("3.5 GHz", "number 3.5"),
    ],
)
def test_the_number_of_a_figure_or_section_is_not_a_value(text: str, evidence: str) -> None:
    question = profile_question("How long are backups kept?")
    assert str(kind_evidence(NUMBER, text, question)) == evidence


@pytest.mark.parametrize(
    ("translation", "meets"),
    [
        ("x11forwarding", True),  # the span's word itself
        ("x11forw", True),  # a stem that starts the span's longer word
        ("x11forwardingrule", True),  # a longer form that the span's word starts
        ("x11f", False),  # four Latin letters are too short to stand for a longer form
        ("x11forwardinh", False),
    ],
)
def test_a_glossary_translation_meets_the_spans_word_as_stems_meet(translation: str, meets: bool) -> None:
    question = profile_question("Как включить перенаправление?")
    term = next(iter(question.topic))
    crossing = {term: Crossing("zzzz", frozenset({translation}))}
    invented = dataclasses.replace(question, crossing=crossing)
    found = translated_terms(invented, "Set x11forwarding in the file", question.topic)
    assert (term in found) is meets


def test_across_languages_a_count_may_stand_beside_any_word_of_the_question() -> None:
    """ "How many runlevels ...?" against a Russian guide that says "уровня запуска": no glossary knows
    the phrase, so the number beside the question's other words ("Debian") still answers."""
    found = evidence(
        "How many runlevels does Debian's init use by default?",
        "По умолчанию init в Debian использует четыре уровня запуска.",
    )
    assert found.startswith("number word")


@pytest.mark.parametrize(
    "question",
    ["Какими символами разделяются каталоги в SPOOL_PATH?", "В каком файле хранятся настройки?"],
)
def test_the_question_word_is_no_content_word_in_any_case_form(question: str) -> None:
    """ "какими", "каком" stem to "как", which the stopword list (nominative forms) does not hold: a
    span must not earn coverage for saying "как"."""
    assert "как" not in profile_question(question).terms


def test_a_labelled_value_under_a_heading_that_names_the_measure_answers() -> None:
    profile = profile_question("What margin is set?")
    # "Left: 2.00 cm" under "Margins": the heading names what the label's value is
    assert str(kind_evidence(profile.asks, "Left: 2.00 cm", profile, context=frozenset({"margin"}))) == (
        "number 2.00"
    )
    assert not kind_evidence(profile.asks, "Left: 2.00 cm", profile, context=frozenset({"paper"}))
    # on a screenshot the label still answers, if weakly
    found = kind_evidence(profile.asks, "Left: 2.00 cm", profile, ui_label=True)
    assert found and not found.strong


@pytest.mark.parametrize(
    ("question", "relation"),
    [
        (
            "After unpacking the sources, which command compiles the library?",
            StepRelation("after", frozenset({"unpack", "sourc"}), frozenset({"compil"})),
        ),
        ("What do I run before rebooting?", StepRelation("before", frozenset({"reboot"}))),
        (
            "Что нужно сделать после установки драйвера?",
            StepRelation("after", frozenset({"установк", "драйвер"})),
        ),
        ("What is the last step?", StepRelation("last")),
        ("What is the first thing to do?", StepRelation("first")),
        ("What does the third step do?", StepRelation("nth", number=3)),
        ("Что делает шаг 2?", StepRelation("nth", number=2)),
        ("Which option sorts the list?", None),
        ("After I run a query, where is its result kept?", None),
    ],
)
def test_a_question_places_the_step_it_asks_for(question: str, relation: StepRelation | None) -> None:
    assert question_step(question) == relation
