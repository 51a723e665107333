"""Cross-lingual questions on real page layouts: a Russian question about an English manual and an English
question about a Russian one run the same question-type machinery (option, number, package, ...) as a
question in the document's own language, and a name only one document holds points at that document."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from reader_manuals import page_views, write_laid_out_manual

from assistant.generators.extractive import AnswerSettings, Candidate, gate
from assistant.questions import (
    ANY,
    NUMBER,
    OPTION,
    PACKAGE,
    PATH,
    VARIABLE,
    answer_kind,
    derived_adjective,
    kind_evidence,
    named_language,
    package_names,
    profile_question,
)
from assistant.spans import (
    PageView,
    Span,
    definition_spans,
    names_held,
    page_fits,
    placed_score,
    read_views,
    row_spans,
    span_fit,
    translation_names,
)


def best(view: PageView, question: str) -> Span:
    profile = profile_question(question)
    return max(read_views(profile, [view]), key=lambda pair: pair[1].score)[0]


def passes(view: PageView, question: str, span: Span, similarity: float = 0.35) -> str:
    profile = profile_question(question)
    fit = span_fit(profile, span)
    candidate = Candidate(span, fit, placed_score(profile, span, fit, 1.0, 1.0, True), similarity)
    return gate(profile, candidate, AnswerSettings(), view.hit)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # A kind's noun made an adjective describes the noun after it: a file system is no file.
        ("Какая файловая система монтируется на флешке первой?", ANY),
        ("Какую цветовую схему выбирает тема по умолчанию?", ANY),
        ("Which file system does the installer suggest?", ANY),
        ("Which colour profile is used for proofs?", ANY),
        # The noun itself still names its kind, in whatever case the question word puts it.
        ("Какая переменная окружения задаёт каталог кэша?", VARIABLE),
        ("Какой ключ отключает проверку подписи?", OPTION),
        ("В каком каталоге лежат шаблоны?", PATH),
        ("Какое разрешение использует сканер по умолчанию?", NUMBER),
        # "режим" ends like an adjective but does not agree with "какой": it is the head noun.
        ("Какой режим сжатия советует руководство?", ANY),
        ("Какой сетевой порт слушает демон?", NUMBER),
        # Packages, libraries and modules are a kind of their own, in both languages.
        ("Какой пакет нужен для сборки плагинов?", PACKAGE),
        ("Which library implements the ldap backend?", PACKAGE),
    ],
)
def test_the_head_noun_is_the_noun_described_not_the_describing_one(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


def test_a_derived_adjective_is_told_from_a_noun_of_adjective_form() -> None:
    assert derived_adjective("файловая") and derived_adjective("командной") and derived_adjective("цветовую")
    assert not derived_adjective("переменная") and not derived_adjective("сетевой")


def test_package_names_are_read_as_distributions_write_them() -> None:
    text = (
        "To build plugins, the widgetkit-devel package is required, as well as widgetkit-docs "
        "(see /usr/share/doc/widgetkit-docs/ and widgetkit.conf, e.g. version 2.13 at www.example.org)."
    )
    assert package_names(text) == ["widgetkit-devel", "widgetkit-docs"]
    assert package_names("/usr/lib/libstore_ldap.so.2 реализует хранилище «ldap»") == ["libstore_ldap.so.2"]
    # A word the text calls a package is one when no dictionary knows it ("the new package" is none).
    assert package_names("Install the zork package, then the new package.") == ["zork"]
    assert package_names("Установите пакет zork.") == ["zork"]
    # English words joined are no name; a library named with a placeholder in capitals is a pattern.
    assert package_names("It runs non-interactively on read-only media.") == []
    assert package_names("Each store lives in /usr/lib/libstore_STORE.so.2 (see libstore_ldap.so.2).") == [
        "libstore_ldap.so.2"
    ]


def test_a_word_no_dictionary_knows_beside_the_word_package_may_be_the_package() -> None:
    profile = profile_question("Which package mails a list of pending upgrades every day?")
    found = kind_evidence(PACKAGE, "The first tool is zorkmail, in the package of the same name.", profile)
    assert found and not found.strong and "zorkmail" in found.what
    # An unknown word far from "package" (an OCR misreading in a sentence about libraries) is none.
    far = "Команда gatant отображает записи из баз данных, поддерживаемых библиотеками диспетчера"
    assert not kind_evidence(PACKAGE, far, profile_question("Which library reads the databases?"))


@pytest.fixture(scope="module")
def plugin_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """An English guide's page that names the package needed to build plugins."""
    path = tmp_path_factory.mktemp("plugins") / "widgetkit-guide.en.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "7.3 Writing plugins"),
                (
                    "text",
                    "Since WidgetKit loads its features at run time, it is easy to add new plugins for "
                    "custom widgets. To build new plugins, the widgetkit-devel package is required, as well "
                    "as widgetkit-docs. The latter contains the reference of the plugin interface "
                    "(/usr/share/doc/widgetkit-docs/html/) and examples that can be used as templates.",
                ),
            ]
        ],
    )
    return page_views(path)[0]


def test_a_russian_question_for_a_package_is_answered_by_the_english_package_name(
    plugin_page: PageView,
) -> None:
    question = "Какой пакет нужен, чтобы собирать новые плагины WidgetKit?"
    span = best(plugin_page, question)
    fit = span_fit(profile_question(question), span)
    assert fit.kind.item == "widgetkit-devel" and fit.crosslingual
    assert "widgetkit-devel package is required" in span.text
    assert passes(plugin_page, question, span)


@pytest.fixture(scope="module")
def store_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A Russian man page's FILES table: each library with what it implements, one row a line."""
    path = tmp_path_factory.mktemp("store") / "kvstore.conf.5.ru.pdf"
    rows = [
        "/etc/kvstore.conf файл настройки хранилища",
        "/usr/lib/libstore_files.so.2 реализует хранилище «files»",
        "/usr/lib/libstore_ldap.so.2 реализует хранилище «ldap»",
        "/usr/lib/libstore_redis.so.2 реализует хранилище «redis»",
        "/usr/lib/libstore_sqlite.so.2 реализует хранилище «sqlite»",
    ]
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "ФАЙЛЫ"),
                (
                    "text",
                    "Каждое хранилище реализовано в динамической библиотеке, которая находится в /usr/lib.",
                ),
                ("code", rows),
            ]
        ],
    )
    return page_views(path)[0]


def test_an_english_question_finds_the_row_of_a_russian_table(store_page: PageView) -> None:
    rows = [span.text for span in row_spans(store_page)]
    assert "/usr/lib/libstore_ldap.so.2 реализует хранилище «ldap»" in rows
    question = "Which library implements the ldap store?"
    span = best(store_page, question)
    assert span.text == "/usr/lib/libstore_ldap.so.2 реализует хранилище «ldap»"
    fit = span_fit(profile_question(question), span)
    # Of the table's libraries, the one named after what the question asks about.
    assert fit.kind.item == "libstore_ldap.so.2" and "implement" in fit.translated


@pytest.fixture(scope="module")
def cache_options_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A Russian man page's options: "--cache" is named after the word the English question uses."""
    path = tmp_path_factory.mktemp("cache") / "fetchit.1.ru.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "ПАРАМЕТРЫ"),
                (
                    "options",
                    [
                        ("-c, --cache каталог", "Заменить каталог кэша, общий для всех загрузок, указанным."),
                        ("-q, --quiet", "Не выводить сообщения о ходе загрузки."),
                        ("-V, --version", "Показать номер версии и завершить работу."),
                    ],
                ),
            ]
        ],
    )
    return page_views(path)[0]


def test_an_option_named_after_the_questions_word_answers_across_languages(
    cache_options_page: PageView,
) -> None:
    question = "Which fetchit option replaces the cache directory shared by all downloads?"
    span = best(cache_options_page, question)
    fit = span_fit(profile_question(question), span)
    assert span.term.startswith("-c, --cache") and fit.kind
    assert "replac" in fit.translated
    # The monolingual case: the option's name alone is no echo of the question either.
    profile = profile_question("Which option sets the cache?")
    assert kind_evidence(OPTION, "--cache DIR", profile).item == "--cache"
    assert not kind_evidence(OPTION, "--cache DIR", profile_question("What does --cache do?"))


@pytest.fixture(scope="module")
def imgconv_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    path = tmp_path_factory.mktemp("imgconv") / "imgconv.1.en.pdf"
    write_laid_out_manual(
        path,
        [
            [
                ("heading", "OPTIONS"),
                (
                    "options",
                    [
                        ("-q number", "Sets the JPEG compression quality, from 1 to 100. The default is 85."),
                        ("-s number", "Scales the image by this factor. The default is 1."),
                    ],
                ),
            ]
        ],
    )
    return page_views(path)[0]


def test_a_measure_across_languages_may_stand_a_sentence_from_its_value(imgconv_page: PageView) -> None:
    """ "качество" is "quality", a sentence before the value; "по умолчанию" stands beside it."""
    question = "Какое качество сжатия по умолчанию использует imgconv?"
    span = best(imgconv_page, question)
    fit = span_fit(profile_question(question), span)
    assert fit.kind.item == "85" and "-q number" in span.text


def _other_document(view: PageView, number: int, name: str) -> PageView:
    document = dataclasses.replace(view.hit.document, id=number, filename=name)
    hit = dataclasses.replace(view.hit, document=document)
    passages = [dataclasses.replace(passage, document=document) for passage in view.passages]
    return PageView(hit, passages)


def test_a_name_only_one_document_holds_outweighs_a_screen_in_the_questions_language(
    imgconv_page: PageView, tmp_path: Path
) -> None:
    """A Russian settings page that shares the question's words ("качество", "по умолчанию") but not
    the program it names loses to the English manual of that program."""
    path = write_laid_out_manual(
        tmp_path / "viewer-settings.ru.pdf",
        [
            [
                ("heading", "Настройки просмотра"),
                ("text", "Качество сжатия по умолчанию: высокое"),
                ("text", "Чтобы применить это качество ко всем документам, используйте «Общие»."),
            ]
        ],
    )
    settings = _other_document(page_views(path)[0], 2, "viewer-settings.ru.pdf")
    manual = _other_document(imgconv_page, 1, "imgconv.1.en.pdf")
    profile = profile_question("Какое качество сжатия по умолчанию использует imgconv?")
    assert names_held(profile, [settings, manual]) == [0.0, 1.0]
    fits = page_fits(profile, [settings, manual])
    assert fits[1] > fits[0]
    assert settings.lacks_names == 1.0 and manual.lacks_names == 0.0
    # Without a name only one document holds, no page is told apart by names.
    plain = profile_question("Какое качество сжатия используется по умолчанию?")
    assert names_held(plain, [settings, manual]) == [1.0, 1.0]


def test_a_page_holds_the_names_of_the_page_it_continues(tmp_path: Path) -> None:
    """A wiring chapter names its cable low on a page and draws it on the next page: the drawing's page
    lacks the name, yet it is the cable's page; another manual's page is what lacks it."""
    wiring = write_laid_out_manual(
        tmp_path / "relay-board.en.pdf",
        [
            [("heading", "Serial cables"), ("text", "Two cables connect the board. The KX-7 cable follows.")],
            [("text", "Pin 1 (TxD) goes to pin 3. Wires: 24 AWG, shielded.")],
        ],
    )
    heading, drawing = (_other_document(view, 1, "relay-board.en.pdf") for view in page_views(wiring))
    other = write_laid_out_manual(
        tmp_path / "modem.en.pdf", [[("heading", "Serial cables"), ("text", "Wires: 28 AWG, shielded.")]]
    )
    modem = _other_document(page_views(other)[0], 2, "modem.en.pdf")
    profile = profile_question("Какого сечения провода в кабеле KX-7?")
    assert names_held(profile, [heading, drawing, modem]) == [1.0, 1.0, 0.0]


def test_english_words_joined_are_no_name_a_page_must_hold() -> None:
    assert (
        translation_names(profile_question("What is the text-mode counterpart of zorkshark called?")) == set()
    )
    assert translation_names(profile_question("Which variable holds my e-mail address?")) == set()
    assert translation_names(profile_question("Which database uses the AF_INET6 family?")) == {"af_inet6"}
    assert translation_names(profile_question("Какой формат сохраняет imgconv?")) == {"imgconv"}


@pytest.fixture(scope="module")
def printing_page(tmp_path_factory: pytest.TempPathFactory) -> PageView:
    """A long definition whose recommending sentence the answer-sized parts would cut in two."""
    path = tmp_path_factory.mktemp("printing") / "inkjet-guide.en.pdf"
    body = (
        "This selects how the driver dithers the image. Normally it is not necessary to change it from "
        "the default, which suits most documents. Other common settings: Adaptive, which mixes the two "
        "methods, and Ordered, which is fastest for text. Note: if you print on transparent film or on "
        "fabric transfer sheets you should test a small area first, with the exact media that you plan to "
        "use. We recommend using the Even Tone setting for dithering on such media, both when testing and "
        "when printing. Hybrid is kept for old drivers only and may disappear in a later release of the "
        "driver, so do not rely on it."
    )
    write_laid_out_manual(path, [[("heading", "Print settings"), ("options", [("Dither Algorithm", body)])]])
    return page_views(path)[0]


def test_a_long_definition_is_also_read_from_each_sentence(printing_page: PageView) -> None:
    texts = [span.text for span in definition_spans(printing_page)]
    whole = [text for text in texts if "Note: if you print" in text and "Even Tone setting" in text]
    assert whole and whole[0].startswith("Dither Algorithm\nNote:")
    # The window holds the recommending sentence to its end, not a word short of it.
    assert "both when testing and when printing." in " ".join(whole[0].split())
    question = "Какой алгоритм дизеринга советует руководство для прозрачной плёнки?"
    span = best(printing_page, question)
    assert "Even Tone" in span.text


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("In the Russian Inkscape settings, which option is ticked?", "ru"),
        ("Which tab is open in the English version of the dialog?", "en"),
        ("On the English screenshot of the mixer, which channel is muted?", "en"),
        ("Какой флажок снят в английском окне настроек?", "en"),
        ("Что показано на русском снимке экрана?", "ru"),
        # The language a user switches to is no document's language.
        ("How do I switch the interface to Russian?", ""),
        ("Как переключить интерфейс на русский?", ""),
    ],
)
def test_the_language_a_question_names_its_document_in(question: str, language: str) -> None:
    assert named_language(question) == language


def test_a_page_in_the_language_the_question_names_outranks_a_page_in_the_other(tmp_path: Path) -> None:
    """Two copies of one settings page, English and Russian: "in the Russian ... settings" means the
    Russian one, though the English one shares more of the question's words."""
    english = write_laid_out_manual(
        tmp_path / "zorkedit-prefs.en.pdf",
        [[("heading", "Editor features"), ("text", "Smart home key. Disable drag and drop of text.")]],
    )
    russian = write_laid_out_manual(
        tmp_path / "zorkedit-prefs.ru.pdf",
        [[("heading", "Возможности редактора"), ("text", "Умная клавиша Home. Отключить Drag&Drop текста.")]],
    )
    views = [
        _other_document(page_views(english)[0], 1, "zorkedit-prefs.en.pdf"),
        _other_document(page_views(russian)[0], 2, "zorkedit-prefs.ru.pdf"),
    ]
    profile = profile_question("In the Russian zorkedit settings, which editor feature can be disabled?")
    fits = page_fits(profile, views)
    assert fits[1] > fits[0] and views[0].lacks_names == 1.0 and views[1].lacks_names == 0.0
    # Naming no language, the English page's words win.
    plain = profile_question("Which zorkedit editor feature can be disabled?")
    assert page_fits(plain, views)[0] > page_fits(plain, views)[1]
