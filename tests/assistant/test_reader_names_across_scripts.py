"""Names that survive translation, read on an invented Russian help (tessview-help.ru.pdf) and an invented
English man page (tessview.1.en.pdf): a library named in Latin inside Russian prose, a list of action
names after the words of the item that offers them, a loanword the two languages spell apart ("тайл" /
"tile") and the computing words a Russian question shares with an English page ("хранит" / "stored")."""

from __future__ import annotations

from pathlib import Path

import pytest
from reader_manuals import page_views
from test_reader_crosslingual import best, passes

from assistant.questions import (
    PACKAGE,
    cognate_key,
    keys_match,
    kind_evidence,
    listed_names,
    profile_question,
)
from assistant.spans import PageView, bridged_spans, read_views, span_fit, unwrapped

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def help_ru() -> PageView:
    return page_views(DATA / "tessview-help.ru.pdf")[0]


@pytest.fixture(scope="module")
def manual_en() -> PageView:
    return page_views(DATA / "tessview.1.en.pdf")[0]


def test_a_library_named_in_latin_inside_russian_prose_answers_which_library(help_ru: PageView) -> None:
    question = "Какие библиотеки использует tessview для поддержки TIFF и WebP?"
    span = best(help_ru, question)
    assert "libmosaic" in span.text and "Skeinlib" in span.text
    assert "libmosaic" in span_fit(profile_question(question), span).kind.what
    assert passes(help_ru, question, span)


def test_a_russian_sentence_without_a_latin_name_names_no_library() -> None:
    profile = profile_question("Какие библиотеки нужны для поддержки печати?")
    text = "Для поддержки печати нужна системная служба печати и драйвер принтера."
    assert not kind_evidence(PACKAGE, text, profile)
    # An acronym names a format, and English words are no names either.
    assert not kind_evidence(PACKAGE, "Поддержка печати PDF и TIFF включена по default.", profile)


@pytest.mark.parametrize(
    "question",
    [
        'Какие действия можно поставить на панель "Разметка" в tessview?',
        'Which actions does the Russian tessview help list as available for the «Панель "Разметка"» toolbar?',
    ],
)
def test_the_list_of_action_names_of_the_item_the_question_names_is_the_answer(
    help_ru: PageView, question: str
) -> None:
    span = best(help_ru, question)
    text = unwrapped(span.text)
    assert "drawRuler" in text and "undoMark" in text
    # Not the list of the item before it ("Снимок"), which the words of "Разметка" follow.
    assert "openFolder" not in text
    assert passes(help_ru, question, span)


def test_a_list_before_the_question_s_words_belongs_to_another_item() -> None:
    profile = profile_question('Какие действия можно поставить на панель "Разметка"?')
    before = (
        'Доступные: openFolder, rescanFolder, exportCopy и separator. Панель "Разметка" Определяет действия.'
    )
    after = 'Панель "Разметка" Определяет действия. Доступные: drawRuler, countCells, markRegion и separator.'
    assert listed_names(before, profile) == []
    assert listed_names(after, profile) == ["drawRuler", "countCells", "markRegion", "separator"]
    # A question after one thing is not answered by a list; English words in a list are no code names.
    assert listed_names(after, profile_question('Какое действие на панели "Разметка" измеряет?')) == []
    tabs = "The window has tabs: Regulators, RF Attenuators, E-Series, Colour Code and Via Size."
    assert listed_names(tabs, profile_question("Which tabs does the window have?")) == []
    # Two names are a pair said in passing, not a list.
    assert listed_names('Панель "Разметка" Определяет действия: drawRuler и countCells.', profile) == []


def test_a_sentence_cut_by_a_passage_s_end_is_read_whole(help_ru: PageView) -> None:
    bridged = [span.text for span in bridged_spans(help_ru)]
    assert any('Панель "Разметка" Определяет' in text and '"Разметка". Доступные' in text for text in bridged)
    # A heading's line is no cut sentence: "Настройки интерфейса" does not run into the text below it.
    assert not any(text.startswith(("Настройки интерфейса", "Введение", "Клавиши")) for text in bridged)


@pytest.mark.parametrize(
    ("russian", "english"), [("тайла", "tile"), ("тайлы", "tiled"), ("файлы", "files"), ("сайт", "site")]
)
def test_a_loanword_of_an_english_long_i_meets_its_english_word(russian: str, english: str) -> None:
    assert keys_match(cognate_key(russian), cognate_key(english))


def test_the_default_tile_size_is_read_from_the_english_man_page_for_a_russian_question(
    manual_en: PageView,
) -> None:
    question = "Какой размер тайла по умолчанию использует tessview при плиточной отрисовке?"
    span = best(manual_en, question)
    assert "768" in span.text
    fit = span_fit(profile_question(question), span)
    assert "тайл" in fit.translated
    assert passes(manual_en, question, span)


def test_where_bookmarks_are_stored_is_said_in_the_english_man_page_s_words(manual_en: PageView) -> None:
    question = "Где tessview хранит закладки и вкладки?"
    profile = profile_question(question)
    stored = next(span for span in read_views(profile, [manual_en]) if span[0].text.startswith("Persistent"))
    assert {"хран", "закладк", "вкладк"} <= set(stored[1].translated)
    assert stored[1].kind.item == "~/.local/share/tessview/state.db"
