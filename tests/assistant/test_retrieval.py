"""Ranked pages for a question over the session's manuals and screenshots (dense + lexical fused)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from assistant import Assistant, retrieval
from assistant.questions import profile_question
from assistant.retrieval import (
    FIGURE_NOUN,
    PICTURE_WORD,
    RED_MARK,
    Evidence,
    FusionWeights,
    PageHit,
    Retriever,
    captioned_items,
    clean_copy_first,
    document_named,
    edge_rows,
    identifiers_held,
    is_marked_copy,
    named_mark_shapes,
    names_figure,
    names_program,
    numbered_items,
    numbered_otherwise,
    own_language_first,
    question_identifiers,
    same_layout,
    same_rows,
)
from assistant.spans import PageView
from indexer.language import MARK_QUESTION, search_tokens
from indexer.layout import control_passages
from indexer.records import Control, DocumentRecord, PassageRecord

if TYPE_CHECKING:
    from conftest import Library, Maker

DATA = Path(__file__).resolve().parent.parent / "data"

# (question, file, page): the page that states the answer must come first.
FIRST_PAGE = [
    ("How often should I replace the dust bag?", "vacuum_en.pdf", 2),
    ("What does a whistling noise mean?", "vacuum_en.pdf", 3),
    ("How long should the exhaust filter dry?", "vacuum_en.pdf", 2),
    ("Как часто менять мешок пылесборника?", "vacuum_ru.pdf", 2),
    ("Как часто промывать выходной фильтр?", "vacuum_ru.pdf", 2),
    ("What voltage does the model VC-2000 need?", "label.jpg", 1),
    ("When should the dust container be emptied?", "leaflet.tiff", 2),
    ("What is the pairing code?", "network.png", 1),
    ("What is the brush speed?", "settings_en.png", 1),
    ("Какая мощность всасывания?", "settings_ru.png", 1),
    ("How long does the charging station need to charge the battery?", "charger.pdf", 2),
    (
        "Which edge behavior option is circled in red in the Offset Layer dialog?",
        "gimp_en_offset_layer_marked.png",
        1,
    ),
    ("Какой параметр выделен красной рамкой в настройках дисплея?", "gimp_ru_prefs_display_marked.png", 1),
]

CROSS_LINGUAL = [
    ("Что делать, если шланг засорился?", "vacuum_en.pdf", 3),
    # Two Russian words about an English page: e5 (the deep channel) ranks the Russian vacuum
    # manual's cleaning page first; the reranker's span fit (USE similarity of "Descale ...") does not.
    ("Чем удалять накипь?", "coffee_en.pdf", 2),
    ("Сколько часов заряжается робот на зарядной станции?", "charger.pdf", 2),
]


def ranked(hits: list[PageHit]) -> list[tuple[str, int]]:
    return [(hit.document.filename, hit.page) for hit in hits]


@pytest.mark.parametrize(("question", "file", "page"), FIRST_PAGE)
def test_the_answering_page_comes_first(library: Library, question: str, file: str, page: int) -> None:
    hits = library.assistant.search(question, k=5)
    assert ranked(hits)[0] == (file, page), ranked(hits)


@pytest.mark.parametrize(("question", "file", "page"), CROSS_LINGUAL)
def test_russian_questions_find_english_pages(library: Library, question: str, file: str, page: int) -> None:
    hits = library.assistant.search(question, k=5)
    assert ranked(hits)[0] == (file, page), ranked(hits)
    assert all("lexical" not in evidence.ranks for evidence in hits[0].passages)


def test_cross_lingual_question_ranks_the_single_answering_passage_first(library: Library) -> None:
    hits = library.assistant.search("Как часто удалять накипь в кофемашине?", k=5)
    assert ranked(hits)[0] == ("coffee_en.pdf", 2), ranked(hits)


def test_hits_are_pages_of_listed_documents_with_their_evidence(library: Library) -> None:
    hits = library.assistant.search("dust bag", k=4)
    assert 1 <= len(hits) <= 4
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert len({hit.key for hit in hits}) == len(hits)
    listed = {record.id: record for record in library.assistant.documents()}
    for hit in hits:
        assert listed[hit.document.id] == hit.document
        assert 1 <= hit.page <= hit.document.page_count
        assert hit.passages
        for evidence in hit.passages:
            assert (evidence.passage.document.id, evidence.passage.page) == hit.key
            x0, y0, x1, y1 = evidence.passage.bbox
            assert 0 <= x0 < x1 <= evidence.passage.page_width + 1
            assert 0 <= y0 < y1 <= evidence.passage.page_height + 1


def test_search_can_be_limited_to_some_documents(library: Library) -> None:
    russian = library.document_id(library.corpus.vacuum_ru)
    hits = library.assistant.search("How often should I replace the dust bag?", k=5, documents={russian})
    assert hits and {hit.document.id for hit in hits} == {russian}
    assert ranked(hits)[0] == ("vacuum_ru.pdf", 2)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_questions_find_nothing(library: Library, question: str) -> None:
    # The retriever itself is lenient; the SDK in front of it refuses these (tests/assistant/test_sdk.py).
    assert library.assistant.retriever.search(question) == []
    assert library.assistant.retriever.search("dust bag", k=0) == []


def test_a_question_not_about_a_mark_is_answered_from_the_clean_copy(make: Maker, tmp_path: Path) -> None:
    lines = ["Printer settings", "Paper size: A4", "Duplex: Long edge", "Colour: Greyscale"]
    clean = make.screenshot("printer.png", lines)
    marked = make.screenshot("printer_marked.png", lines, marked=2, shape="ellipse")
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([clean.path, marked.path])
        for question in (
            "What duplex mode is set?",
            "Which colour mode is chosen?",
            "Which paper size is set?",
        ):
            hits = assistant.search(question, k=2)
            assert ranked(hits) == [("printer.png", 1), ("printer_marked.png", 1)], question
        circled = ranked(assistant.search("Which setting is circled in red in the printer settings?", k=2))
    assert circled == [("printer_marked.png", 1), ("printer.png", 1)]


def test_the_manual_of_the_model_asked_about_ranks_first_after_the_rerank(
    make: Maker, tmp_path: Path
) -> None:
    # model_07's footer says "VX-07 ... lasts 10 months": its "10" must not pass for model VX-10's code.
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add(make.model_manuals(12))
        for number in (10, 11):
            for question in (
                f"filter of model VX-{number}",
                f"How long does the filter of model VX-{number} last?",
            ):
                hits = assistant.search(question, k=3)
                assert hits[0].document.filename == f"model_{number}.pdf", question
            answer = assistant.ask(f"How long does the filter of model VX-{number} last?")
            assert f"{number + 3} months" in answer.text
            assert answer.citations[0].document.filename == f"model_{number}.pdf"


def _hit(lang: str, ranks: dict[str, int]) -> PageHit:
    from assistant.retrieval import Evidence
    from indexer.records import DocumentRecord, PassageRecord

    document = DocumentRecord(1, "guide.pdf", "0" * 64, "application/pdf", 1, 1, "", "")
    passage = PassageRecord(1, document, 3, 600.0, 800.0, "text", lang, "", "Some text", (0, 0, 1, 1), [])
    return PageHit(document, 3, 0.01, [Evidence(passage, 0.01, ranks)])


def test_the_reranker_reaches_a_page_in_the_other_language_that_a_multilingual_channel_ranks_first() -> None:
    """A Russian page that the dense (multilingual) channel ranks 1st for an English question has no
    lexical support, so the fusion may rank it 8th: the reranker still reads it. A page in the
    question's own language, or one ranked low, stays where the fusion put it."""
    from assistant.retrieval import _ranked_across_languages

    assert _ranked_across_languages(_hit("ru", {"dense": 1, "deep": 30}), "en", 2)
    assert _ranked_across_languages(_hit("en", {"deep": 2}), "ru", 2)
    assert not _ranked_across_languages(_hit("en", {"dense": 1}), "en", 2)
    assert not _ranked_across_languages(_hit("ru", {"dense": 7, "lexical": 1}), "en", 2)
    assert not _ranked_across_languages(_hit("und", {"dense": 1}), "en", 2)


def test_a_page_in_the_other_language_ranked_fifth_by_a_multilingual_channel_is_read_too() -> None:
    """An English question about a Russian help ("which keys open the copy dialog") has its page's passage
    ranked 5th by the dense channel and nothing by the lexical one: it is read (and its keys found) by
    default; a passage the multilingual channels rank lower is not."""
    from assistant.retrieval import FusionWeights, _passages_across_languages

    rank = FusionWeights().crosslingual_rank
    assert _passages_across_languages(_hit("ru", {"dense": 5, "deep": 26}).passages, "en", rank)
    assert not _passages_across_languages(_hit("ru", {"dense": 12, "deep": 40}).passages, "en", rank)


def test_search_returns_k_pages_after_reading_more(library: Library) -> None:
    for k in (1, 2, 3):
        assert len(library.assistant.search("Что делать, если шланг засорился?", k=k)) == k


class _PatientRetriever(Retriever):
    """As on a loaded machine where the deep channel's e5 embedding is the slowest: the read ahead
    runs to its end (the deep channel's result is not waited for until it returns)."""

    taken: int = 0
    rebound: int = 0

    def _read_ahead(self, profile, scores, records, documents, pending):  # type: ignore[no-untyped-def]
        return super()._read_ahead(profile, scores, records, documents, Future())

    def _rerank(self, profile, hits, query_vector, early=None, named_document=None):  # type: ignore[no-untyped-def]
        reranked = super()._rerank(profile, hits, query_vector, early, named_document)
        for hit in reranked:
            ahead = (early or {}).get(hit.key)
            if hit.view is not None and ahead is not None and ahead.fits and hit.view.fits:
                # The page's fits are the ones read ahead, bound to the spans of the final view.
                self.taken += hit.view.fits[1][0][1] is ahead.fits[1][0][1]
                assert all(span.view is hit.view for span, _ in hit.view.fits[1])
                # Rebound: the very spans read ahead, now carrying the final fusion's evidence.
                self.rebound += hit.view.fits[1][0][0] is ahead.fits[1][0][0]
        return reranked


def _read(hits: list[PageHit]) -> list[tuple[str, int, float, list[tuple[str, float, float]]]]:
    """What a search returns and what the reader reuses: pages, scores, every span's fit and evidence."""
    return [
        (
            hit.document.filename,
            hit.page,
            hit.score,
            [
                (span.text, fit.score, span.evidence.score if span.evidence else -1.0)
                for span, fit in (hit.view.fits[1] if hit.view and hit.view.fits else [])
            ],
        )
        for hit in hits
    ]


def test_reading_ahead_while_the_deep_channel_embeds_ranks_and_answers_exactly_as_in_sequence(
    library: Library,
) -> None:
    assistant = library.assistant
    shipped = assistant.retriever
    sequential = Retriever(assistant.workspace, shipped.weights)
    sequential.read_ahead = False
    patient = _PatientRetriever(assistant.workspace, shipped.weights)
    proposing = _PatientRetriever(assistant.workspace, shipped.weights)
    proposing.rebind_read_ahead = False
    questions = [question for question, _, _ in FIRST_PAGE + CROSS_LINGUAL] + [
        "How often should I replace the dust bag?",
        "Как часто удалять накипь в кофемашине?",
        # A question naming what one document is about ("coffee" of coffee_en.pdf): a page read ahead
        # alone must not keep fits made without the other pages' subjects.
        "How often should I descale the coffee machine?",
        "How long does the charger need for a full battery?",
        "What brush speed do the vacuum settings show?",
    ]
    try:
        for question in questions:
            assistant.retriever = sequential
            expected, answer = _read(assistant.search(question, k=5)), assistant.ask(question)
            for retriever in (patient, proposing, shipped):
                assistant.retriever = retriever
                assert _read(assistant.search(question, k=5)) == expected, question
                again = assistant.ask(question)
                assert (again.text, again.citations) == (answer.text, answer.citations), question
    finally:
        assistant.retriever = shipped
    # The read-ahead pages were taken over (EN and RU questions alike), not read a second time; with
    # rebinding, not even proposed a second time.
    assert patient.taken >= len(questions) and proposing.taken >= len(questions)
    assert patient.rebound == patient.taken and proposing.rebound == 0


def _mixer_shot(filename: str, lang: str, width: int, rows: list[tuple[str, str, int]]) -> PageView:
    """A one-page screenshot of an audio mixer's preferences: a category list on the left and, per row,
    (label, value, top) of a field on the right; a Russian shot is wider (its labels are longer)."""
    scale = width / 640
    document = DocumentRecord(abs(hash(filename)) % 10_000, filename, "0" * 64, "image/png", 1, 100, lang, "")
    controls = [Control("tabs", "", None, "Audio, Video, MIDI", (200 * scale, 8, 520 * scale, 22))]
    controls.append(Control("list", "Categories", None, "Audio", (12, 60, 110, 74)))
    for label, value, top in rows:
        controls.append(
            Control(
                "field",
                label,
                (140 * scale, top, 300 * scale, top + 14),
                value,
                (320 * scale, top, 420 * scale, top + 14),
            )
        )
    drafts = control_passages(controls, "Preferences" if lang == "en" else "Настройки")
    records = [
        PassageRecord(i, document, 1, width, 420, d.kind, lang, d.section, d.text, d.bbox, d.spans)
        for i, d in enumerate(drafts)
    ]
    return PageView(PageHit(document, 1, 0.0, []), records)


MIXER_EN = [("Sample rate", "48000", 90), ("Buffer size", "256", 130), ("Output device", "hw:1", 170)]
MIXER_RU = [
    ("Частота дискретизации", "44100", 90),
    ("Размер буфера", "512", 131),
    ("Устройство вывода", "hw:0", 171),
]
MIDI_EN = [("MIDI port", "Midi Through", 210), ("Channel", "10", 250), ("Sync", "Internal", 290)]
MIDI_RU = [("Порт MIDI", "Midi Through", 210), ("Канал", "10", 250), ("Синхронизация", "Внутренняя", 290)]


def _marked_copy(view: PageView, filename: str) -> PageView:
    """The same screen with a red frame drawn round its first field (the mark's passage added)."""
    document = DocumentRecord(abs(hash(filename)) % 10_000, filename, "0" * 64, "image/png", 1, 100, "en", "")
    records = [dataclasses.replace(p, document=document) for p in view.passages]
    first = records[0]
    mark = dataclasses.replace(first, id=99, kind="mark", section=first.section + ": marked in red")
    return PageView(PageHit(document, 1, 0.0, []), [*records, mark])


def test_a_screen_goes_ahead_of_its_marked_copy() -> None:
    clean = _mixer_shot("mixer.png", "en", 640, MIXER_EN)
    marked = _marked_copy(clean, "mixer_marked.png")
    other = _mixer_shot("midi.png", "en", 640, MIDI_EN)
    names = lambda hits: [hit.document.filename for hit in hits]  # noqa: E731

    hits = clean_copy_first(_ranked([marked, other, clean], [0.9, 0.8, 0.7]))
    assert names(hits) == ["mixer.png", "mixer_marked.png", "midi.png"]
    assert hits[0].score > hits[1].score
    # A marked screen that is no copy of the clean one keeps its place.
    hits = clean_copy_first(_ranked([_marked_copy(other, "midi_marked.png"), clean], [0.9, 0.8]))
    assert names(hits) == ["midi_marked.png", "mixer.png"]
    assert is_marked_copy(marked.passages, clean.passages)
    assert not is_marked_copy(clean.passages, marked.passages)


def test_one_window_shot_in_two_languages_is_told_by_its_layout() -> None:
    english = _mixer_shot("mixer-en.png", "en", 640, MIXER_EN)
    russian = _mixer_shot("mixer-ru.png", "ru", 860, MIXER_RU)
    other = _mixer_shot("midi-ru.png", "ru", 860, MIDI_RU)
    # The rows stay where they were though the labels (and so the window) grew; no word is shared.
    assert same_layout(english.passages, russian.passages)
    # Another page of the same program shares its category list and tab row, not its rows.
    assert not same_layout(english.passages, other.passages)
    assert not same_layout(english.passages[:2], russian.passages[:2])  # too few controls to tell


def _ranked(views: list[PageView], scores: list[float]) -> list[PageHit]:
    hits = []
    for view, score in zip(views, scores, strict=True):
        hit = PageHit(view.hit.document, 1, score, [], view)
        view.hit = hit
        hits.append(hit)
    return hits


def test_the_screenshot_in_the_questions_language_goes_ahead_of_its_twin() -> None:
    english = _mixer_shot("mixer-en.png", "en", 640, MIXER_EN)
    russian = _mixer_shot("mixer-ru.png", "ru", 860, MIXER_RU)
    other = _mixer_shot("midi-ru.png", "ru", 860, MIDI_RU)
    names = lambda hits: [hit.document.filename for hit in hits]  # noqa: E731

    hits = own_language_first(_ranked([other, russian, english], [0.9, 0.8, 0.7]), "en")
    # Only the twin is passed; the other Russian page (no twin of the English one) keeps its place.
    assert names(hits) == ["midi-ru.png", "mixer-en.png", "mixer-ru.png"]
    assert hits[1].score > hits[2].score
    hits = own_language_first(_ranked([russian, english], [0.8, 0.7]), "ru")
    assert names(hits) == ["mixer-ru.png", "mixer-en.png"]  # already in the question's language
    # A page in the question's language that is no twin does not pass one in the other language.
    hits = own_language_first(_ranked([russian, other], [0.8, 0.7]), "en")
    assert names(hits) == ["mixer-ru.png", "midi-ru.png"]


UPLOAD_SHOTS = {
    name: edge_rows(Image.open(DATA / name))
    for name in (
        "gtk3_en_upload_setup.png",
        "gtk3_ru_upload_setup.png",
        "gtk3_ru_upload_setup_marked.png",
        "gtk3_en_upload_server.png",
        "gtk3_ru_upload_server.png",
    )
}


def test_one_window_shot_in_two_languages_steps_at_the_same_pixel_rows() -> None:
    """A GTK 3 setup window shot in English and Russian (the Russian one 48 px wider), its other tab in
    both languages, and the Russian shot with a red frame drawn on it."""
    rows = UPLOAD_SHOTS
    assert same_rows(rows["gtk3_en_upload_setup.png"], rows["gtk3_ru_upload_setup.png"])
    assert same_rows(rows["gtk3_en_upload_server.png"], rows["gtk3_ru_upload_server.png"])
    # The red frame makes no step of its own: the marked copy is the same window, in either language.
    assert same_rows(rows["gtk3_ru_upload_setup.png"], rows["gtk3_ru_upload_setup_marked.png"])
    assert same_rows(rows["gtk3_en_upload_setup.png"], rows["gtk3_ru_upload_setup_marked.png"])
    # Another tab of the same window shares its tab row and buttons, not its rows.
    assert not same_rows(rows["gtk3_en_upload_setup.png"], rows["gtk3_en_upload_server.png"])
    assert not same_rows(rows["gtk3_ru_upload_setup.png"], rows["gtk3_en_upload_server.png"])
    assert not same_rows(rows["gtk3_ru_upload_server.png"], None)


def test_twins_whose_controls_ocr_lost_are_told_by_their_pixel_rows() -> None:
    """OCR found the fields of the English shot and none of the Russian one's: the layouts cannot be
    compared, the pixel rows of the two shots can."""
    english = _mixer_shot("gtk3_en_upload_setup.png", "en", 450, MIXER_EN)
    russian = _mixer_shot("gtk3_ru_upload_setup.png", "ru", 498, [])
    other = _mixer_shot("gtk3_ru_upload_server.png", "ru", 299, MIDI_RU)
    names = lambda hits: [hit.document.filename for hit in hits]  # noqa: E731
    rows = lambda hit: UPLOAD_SHOTS[hit.document.filename]  # noqa: E731
    assert not same_layout(english.passages, russian.passages)

    hits = own_language_first(_ranked([other, russian, english], [0.9, 0.8, 0.7]), "en", rows)
    assert names(hits) == [
        "gtk3_ru_upload_server.png",
        "gtk3_en_upload_setup.png",
        "gtk3_ru_upload_setup.png",
    ]
    assert hits[1].score > hits[2].score
    # Without the rows the English shot stays behind (what the layout alone decides).
    hits = own_language_first(_ranked([other, russian, english], [0.9, 0.8, 0.7]), "en")
    assert names(hits)[1:] == ["gtk3_ru_upload_setup.png", "gtk3_en_upload_setup.png"]


def test_a_clean_shot_whose_marked_copy_ocr_read_apart_goes_ahead_of_it() -> None:
    """The red frame hid words from OCR, so the marked copy's text is no longer the clean one's: the
    pixel rows still tell it a copy (same language), and the clean shot goes first."""
    clean = _mixer_shot("gtk3_ru_upload_setup.png", "ru", 498, MIXER_RU)
    marked = _marked_copy(_mixer_shot("gtk3_ru_upload_setup_marked.png", "ru", 498, MIDI_RU), "marked.png")
    marked.hit.document = dataclasses.replace(marked.hit.document, filename="gtk3_ru_upload_setup_marked.png")
    names = lambda hits: [hit.document.filename for hit in hits]  # noqa: E731
    rows = lambda hit: UPLOAD_SHOTS[hit.document.filename]  # noqa: E731
    hits = clean_copy_first(_ranked([marked, clean], [0.9, 0.8]), rows)
    assert names(hits) == ["gtk3_ru_upload_setup.png", "gtk3_ru_upload_setup_marked.png"]
    assert names(clean_copy_first(_ranked([marked, clean], [0.9, 0.8]))) == names(hits)[::-1]


@pytest.mark.parametrize(
    ("question", "about_mark"),
    [
        ("Какой флажок в группе «Запуск» не отмечен?", False),
        ("Какие поля отмечены для записи?", False),
        ("Which printer is highlighted in the list?", False),
        ("Какой параметр выделен красной рамкой?", True),
        ("Which option is marked with a red frame?", True),
        ("На какое поле указывает стрелка?", True),
    ],
)
def test_a_ticked_or_highlighted_control_is_no_red_mark(question: str, about_mark: bool) -> None:
    assert bool(MARK_QUESTION.search(question)) is about_mark


def test_an_unticked_box_is_read_on_the_clean_shot_not_its_marked_copy(tmp_path: Path) -> None:
    """«Не отмечен» is the check box's state, not a red mark: the clean shot answers, ahead of its copy
    with a red frame round that very box."""
    shots = [DATA / "gtk3_ru_upload_setup_marked.png", DATA / "gtk3_ru_upload_setup.png"]
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add(shots)
        question = "Какой флажок не отмечен?"
        assert ranked(assistant.search(question, k=2))[0] == ("gtk3_ru_upload_setup.png", 1)
        answer = assistant.ask(question)
    assert "Спрашивать перед заменой" in answer.text
    assert answer.citations[0].document.filename == "gtk3_ru_upload_setup.png"


def test_the_retriever_keeps_the_pixel_rows_of_a_bounded_number_of_screens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-running service reads rows of ever more screenshots: it keeps the last few, and a screen read
    again after its rows were dropped ranks the same."""
    monkeypatch.setattr(retrieval, "EDGE_ROWS_KEPT", 2)
    shots = [
        DATA / "gtk3_ru_upload_setup_marked.png",
        DATA / "gtk3_ru_upload_setup.png",
        DATA / "gtk3_en_upload_server.png",
    ]
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add(shots)
        question = "Какой флажок не отмечен?"
        first = ranked(assistant.search(question, k=3))
        retriever = assistant.retriever
        for hit in assistant.search("upload server", k=3):
            retriever.page_rows(hit)
        assert len(retriever._edge_rows) == 2
        assert ranked(assistant.search(question, k=3)) == first


def test_a_quoted_label_as_written_points_at_the_menu_not_the_window_of_its_stem(
    make: Maker, tmp_path: Path
) -> None:
    """«Tools» is a menu of the menu bar; "Tool Settings" is a window whose title cuts to the same stem
    and holds more of the question's words ("first", "item", "tools")."""
    make.screenshot("menu.png", ["File  Edit  View  Tools  Help", "Options...", "Macros", "Spell check"])
    make.screenshot(
        "tool_settings.png", ["Tool Settings", "First item: Brush", "Item size: 12", "Tools reset: off"]
    )
    make.screenshot("tool_window.png", ["Tool Window", "Tool: Eraser", "Opacity: 80"])
    assistant = Assistant(tmp_path / "workspace")
    assistant.add([make.root / name for name in ("menu.png", "tool_settings.png", "tool_window.png")])
    [first, *_] = assistant.search("What is the first item of the «Tools» menu?", 3)
    assert first.document.filename == "menu.png"
    # Without a label written as the menu shows it, the stems still name the windows.
    [first, *_] = assistant.search("Which item size is set in «Tool Settings»?", 3)
    assert first.document.filename == "tool_settings.png"


def test_a_quoted_label_inside_a_longer_label_names_no_window(make: Maker, tmp_path: Path) -> None:
    """«Правка» is a menu; "Быстрая правка" is a tab of another program's window, whose tab strip the
    indexer read as the window's title. The arrow the question names is on the menu's screen."""
    tabs = make.screenshot(
        "scanner_tabs_marked.png",
        ["Основные | Быстрая правка | Печать", "Разрешение: 300", "Цветность: серый"],
        1,
        "ellipse",
    )
    menu = make.screenshot(
        "notes_menu_marked.png", ["notes.txt", "Отменить", "Вырезать", "Копировать", "Вставить"], 3, "arrow"
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([tabs.path, menu.path])
        question = "На какой пункт меню «Правка» блокнота указывает красная стрелка?"
        hits = ranked(assistant.search(question, k=2))
    assert hits[0] == ("notes_menu_marked.png", 1)


def test_a_quoted_tab_of_the_program_the_question_names_beats_another_program_showing_it(
    make: Maker, tmp_path: Path
) -> None:
    """Two marked screens: a mixer whose tab strip (read as its title) shows «Effects», and the photo
    editor the question names, whose own title is "Photo Studio Preferences" and whose tab strip holds
    «Effects» in its body. The program named decides between the two windows showing the label."""
    mixer = make.screenshot(
        "mixer_marked.png", ["Input | Effects | Output", "Reverb: 20", "Echo delay: 300"], 1, "ellipse"
    )
    editor = make.screenshot(
        "editor_marked.png",
        ["Photo Studio Preferences", "Effects   Layers   Brushes", "Sharpen amount: 40", "Blur radius: 2"],
        2,
        "ellipse",
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([mixer.path, editor.path])
        question = "Which setting on the «Effects» tab of the Photo Studio preferences is circled in red?"
        assert ranked(assistant.search(question, k=2))[0] == ("editor_marked.png", 1)
        # Naming no program, the window whose title shows the label is still the one meant.
        assert ranked(assistant.search("Which setting on the «Effects» tab is circled in red?", k=2))[0] == (
            "mixer_marked.png",
            1,
        )


def test_every_window_of_the_program_named_stands_for_its_quoted_tab(make: Maker, tmp_path: Path) -> None:
    """The selected tab's label is often lost to OCR (drawn on another background): the «Effects» tab's
    own screen shows only the other tabs. The program named and its strip elsewhere vouch for its
    windows; their words pick the tab, and another program's window titled "Effects" does not win."""
    mixer = make.screenshot("mixer.png", ["Input | Effects | Output", "Reverb amount: 20", "Echo delay: 300"])
    effects = make.screenshot(
        "studio_effects.png", ["Photo Studio Preferences", "Layers   Brushes", "Sharpen amount: 40"]
    )
    layers = make.screenshot(
        "studio_layers.png", ["Photo Studio Preferences", "Effects   Layers   Brushes", "Layer opacity: 80"]
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([mixer.path, effects.path, layers.path])
        question = "Which sharpen amount is set on the «Effects» tab of the Photo Studio preferences?"
        assert ranked(assistant.search(question, k=3))[0] == ("studio_effects.png", 1)


@pytest.mark.parametrize(
    ("program", "window", "filename", "named"),
    [
        ("средства настройки qt6", "Средство настройки Qt", "shot.png", True),
        ("xfe settings", "Настройки", "xfe_ru_general.png", True),
        # One word of a title of several is not the program.
        ("settings of the player", "Player Equalizer Presets", "shot.png", False),
        # The file's format, language or mark words name nothing.
        ("the marked png in english", "Window", "tool_en_marked.png", False),
    ],
)
def test_a_question_names_a_screenshots_program(
    program: str, window: str, filename: str, named: bool
) -> None:
    terms = set(search_tokens(program, drop_stopwords=True))
    title = set(search_tokens(window, drop_stopwords=True))
    assert names_program(terms, title, filename) is named


@pytest.mark.parametrize(
    ("question", "shapes"),
    [
        ("Which channel does the red arrow point at?", {"arrow"}),
        ("Какой параметр обведён красной рамкой?", {"rectangle"}),
        ("Что обведено красным овалом?", {"ellipse"}),
        ("Which option has a red ellipse drawn around it?", {"ellipse"}),
        # Drawn round it: an oval or a frame, not an arrow.
        ("Which box is circled in red?", {"ellipse", "rectangle"}),
        ("Which option is marked in red?", set()),
    ],
)
def test_the_shape_of_red_mark_a_question_names(question: str, shapes: set[str]) -> None:
    assert named_mark_shapes(question) == shapes


def test_an_arrow_or_a_frame_of_a_figure_is_no_red_mark() -> None:
    """A diagram's own arrows and frames are drawn by the document: only "red" says an annotation."""
    assert RED_MARK.search("Как подписана стрелка от Unstable к Testing на рисунке 1.3?") is None
    assert RED_MARK.search("What does the dashed frame around the sheet mean?") is None
    assert RED_MARK.search("Какой параметр обведён красной рамкой?") is not None


def test_a_question_naming_the_marks_shape_finds_the_screen_marked_so(make: Maker, tmp_path: Path) -> None:
    """Two equalizer screens marked in red, one with an arrow, one with a frame: the shape the question
    names picks the screen, whichever shares more of its words."""
    arrow = make.screenshot(
        "eq_bands.png", ["Equalizer bands", "Band 60 Hz: +3", "Band 1 kHz: 0"], 1, "arrow"
    )
    frame = make.screenshot(
        "eq_preset.png", ["Equalizer preset", "Preset: Rock", "Band gain limit: 12"], 1, "rectangle"
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([arrow.path, frame.path])
        pointed = ranked(assistant.search("Which equalizer band does the red arrow point at?", k=2))
        framed = ranked(assistant.search("Which equalizer band is framed in red?", k=2))
    assert pointed[0] == ("eq_bands.png", 1)
    assert framed[0] == ("eq_preset.png", 1)


def test_a_marked_screen_in_the_questions_language_comes_first(make: Maker, tmp_path: Path) -> None:
    """One program's two windows marked alike, one shot in English, one in Russian: a mark's description
    reads in both languages, so the question's own language tells the screens apart."""
    english = make.screenshot("player_en.png", ["Playback", "Repeat: All", "Shuffle: Off"], 2, "ellipse")
    russian = make.screenshot(
        "player_ru.png", ["Воспроизведение", "Повтор: Все", "Случайно: Выкл"], 2, "ellipse"
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([english.path, russian.path])
        assert ranked(assistant.search("Which option is circled in red?", k=2))[0] == ("player_en.png", 1)
        assert ranked(assistant.search("Какой параметр обведён красным?", k=2))[0] == ("player_ru.png", 1)
        # A question naming the other language's screen reads that one.
        named = ranked(assistant.search("In the Russian player window, which option is circled in red?", k=2))
        assert named[0] == ("player_ru.png", 1)


FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _drawn_manual(
    path: Path, pages: list[tuple[str, str, bool]], labels: tuple[str, ...], caption: str = ""
) -> Path:
    """A manual of (heading, prose, drawn) pages; a drawn page shows boxes with `labels` only, and
    `caption` under them."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT_FILE)
    for heading, body, drawn in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        if body:
            pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
        if drawn:
            _draw_figure(pdf, labels, caption, 40)
    pdf.output(str(path))
    return path


def _draw_figure(pdf: FPDF, labels: tuple[str, ...], caption: str, top: float) -> None:
    """A figure of boxes holding `labels` (a row of them) drawn `top` mm down the page, `caption` under it."""
    image = Image.new("RGB", (1200, 500), "white")
    draw = ImageDraw.Draw(image)
    width = 1160 // len(labels)
    for index, label in enumerate(labels):
        left = 40 + index * width
        draw.rectangle((left, 180, left + width - 60, 320), outline="black", width=4)
        draw.text((left + 30, 225), label, font=ImageFont.truetype(FONT_FILE, 44), fill="black")
    pdf.image(image, x=15, y=top, w=180)
    if caption:
        pdf.set_y(top + 80)
        pdf.set_font("DejaVu", size=11)
        pdf.cell(0, 8, caption, new_x="LMARGIN", new_y="NEXT")


def _station_manual(path: Path) -> Path:
    """A weather station's manual: two pages of prose about its sensor board and, between them, the
    board's signal flow diagram, whose labels ("ADS1115", "ESP32-C3") share no word with the prose."""
    prose = (
        "The sensor board converts the analog signal of each sensor into a digital signal. The converter "
        "chip samples the signal sixteen times a second; the signal then flows to the radio chip, which "
        "sends it to the base station (the signal flow diagram shows the chips the signal passes). Keep "
        "the board dry: a wet board distorts every signal."
    )
    calibration = "Calibrate the converter chip of the sensor board yearly. " + prose
    pages = [
        ("Sensor board", prose, False),
        ("Signal flow diagram", "", True),
        ("Calibrating the converter", calibration, False),
    ]
    return _drawn_manual(path, pages, ("Thermistor", "ADS1115", "ESP32-C3"))


def test_a_question_naming_a_figure_by_its_title_ranks_the_figures_page_first(tmp_path: Path) -> None:
    manual = _station_manual(tmp_path / "station.en.pdf")
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([manual])
        hits = assistant.search("Which converter chip does the signal flow diagram show?", k=3)
        assert ranked(hits)[0] == ("station.en.pdf", 2), ranked(hits)
        # Not speaking of a figure, the question is the prose's.
        hits = assistant.search("How often does the converter chip sample the signal?", k=3)
        assert ranked(hits)[0] != ("station.en.pdf", 2), ranked(hits)


def _router_manual(path: Path) -> Path:
    """A Russian router manual: prose about its ports on pages 1 and 3 that refers to figure 2.1 in
    passing, and on page 2 the rear panel's drawing (labels only) captioned "Рисунок 2.1. ..."."""
    prose = (
        "Порт WAN подключают к модему провайдера, порты LAN к компьютерам сети (их расположение показано "
        "на рисунке 2.1). Каждый порт имеет индикатор: индикатор порта горит, когда кабель подключён, и "
        "мигает, когда через порт идут данные. Крайний порт панели не используйте для компьютеров."
    )
    pages = [
        ("Подключение портов", prose, False),
        ("Задняя панель", "", True),
        ("Индикаторы портов", "Если индикатор порта не горит, проверьте кабель. " + prose, False),
    ]
    return _drawn_manual(
        path, pages, ("RESET", "WAN", "LAN1", "DC 12V"), "Рисунок 2.1. Задняя панель роутера"
    )


def test_a_figure_named_by_its_number_ranks_the_page_it_stands_on_first(tmp_path: Path) -> None:
    """The prose shares the question's words and names figure 2.1 too; only page 2 holds the figure."""
    manual = _router_manual(tmp_path / "router.ru.pdf")
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([manual])
        hits = assistant.search("Какой порт подключён крайним слева на рисунке 2.1?", k=3)
        assert ranked(hits)[0] == ("router.ru.pdf", 2), ranked(hits)
        # Another figure's number points at no page of this manual.
        hits = assistant.search("Какой порт подключён крайним слева на рисунке 4.2?", k=3)
        assert ranked(hits)[0] != ("router.ru.pdf", 2), ranked(hits)


def _recorder_manual(path: Path, russian: bool = False) -> Path:
    """A sound recorder's manual, a figure of its dialog on each page: page 1 shows the Input tab and then
    explains at length the Output tab's File field (the question's words); page 2 shows the Output tab with
    the file name typed in the File field, under a line of prose."""
    if russian:
        heading = "Окно записи"
        explained = (
            "На вкладке Выход задают, куда идёт запись. В поле Файл вкладки Выход введите путь и имя файла "
            "записи: рекордер пишет файл туда. Если поле Файл пустое, имя файла записи выбирает рекордер, "
            "а файл кладёт в домашний каталог. Имя файла в поле Файл можно набрать или выбрать кнопкой."
        )
        pages = [
            (("Вход", "Устройство", "mic0"), "Рисунок 1. Окно записи, вкладка Вход", explained),
            (
                ("Выход", "Файл", "take7.wav"),
                "Рисунок 2. Окно записи, вкладка Выход",
                "Так выглядит вкладка.",
            ),
        ]
    else:
        heading = "The recorder dialog"
        explained = (
            "The Output tab sets where the recording goes. The file name typed in the File field of the "
            "Output tab is the recording's: the recorder writes the file there. When no file name is typed "
            "in the File field, the recorder names the recording file itself and puts it in your home folder."
        )
        pages = [
            (("Input", "Device", "mic0"), "Figure 1. The recorder dialog, Input tab", explained),
            (
                ("Output", "File", "take7.wav"),
                "Figure 2. The recorder dialog, Output tab",
                "This is the tab.",
            ),
        ]
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT_FILE)
    for labels, caption, body in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        _draw_figure(pdf, labels, caption, 25)
        pdf.set_y(120)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.mark.parametrize(
    ("question", "filename"),
    [
        (
            "In the picture of the recorder dialog, what is typed in the File field?",
            "rec.en.pdf",
        ),
        ("Какое имя файла набрано в поле Файл на рисунке вкладки Выход окна записи?", "rec.ru.pdf"),
    ],
)
def test_a_question_about_a_picture_ranks_the_page_whose_figure_shows_it_first(
    tmp_path: Path, question: str, filename: str
) -> None:
    """Both pages hold a figure of the dialog named as the question names it; the prose around the first
    explains the field asked about in the question's words. What a picture shows is read from figures."""
    manual = _recorder_manual(tmp_path / filename, russian=filename.endswith(".ru.pdf"))
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([manual])
        hits = assistant.search(question, k=2)
        assert ranked(hits)[0] == (filename, 2), ranked(hits)


def test_reading_a_manuals_figures_leaves_it_its_place_among_screenshots(make: Maker, tmp_path: Path) -> None:
    """The manual's figure spans fit less than its prose would: the manual must not drop below another
    program's screenshot that shows a File field too."""
    manual = _recorder_manual(tmp_path / "rec.en.pdf")
    player = make.screenshot("player.png", ["Player dialog", "File field: song3.mp3", "Type: picture"])
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([manual, player.path])
        hits = assistant.search(
            "In the picture of the recorder dialog, what is typed in the File field?", k=3
        )
        assert ranked(hits)[0] == ("rec.en.pdf", 2), ranked(hits)


@pytest.mark.parametrize(
    ("question", "pictured"),
    [
        ("In the screenshot of the Output tab, what path is typed?", True),
        ("Какая дата стоит в поле «Дата от» на рисунке вкладки поиска?", True),
        ("What does the diagram's dashed arrow mean?", True),
        # A window, a circuit, a disk image and a drawing file are spoken of by text as much.
        ("Which keys close the Print window?", False),
        ("Что такое комбинационная схема?", False),
        ("How large may the disk image grow?", False),
        ("Какой файл чертежа открыт в окне редактора?", False),
    ],
)
def test_a_picture_word_says_a_figure_holds_the_answer(question: str, pictured: bool) -> None:
    assert bool(PICTURE_WORD.search(question)) is pictured


@pytest.mark.parametrize(
    ("question", "items"),
    [
        ("According to Figure 11.1, which name is announced?", {("figure", "11.1")}),
        ("Как подписана стрелка на рисунке 9.3?", {("figure", "9.3")}),
        ("What does Table 6.2 list, and fig. 3?", {("table", "6.2"), ("figure", "3")}),
        ("Что выводит команда в примере 4?", {("example", "4")}),
        # A number of something else is no figure's.
        ("Which figure shows the 2.4 GHz antenna?", set()),
    ],
)
def test_the_numbered_figures_a_question_names(question: str, items: set[tuple[str, str]]) -> None:
    assert numbered_items(question) == items


def test_a_caption_holds_its_figure_a_reference_does_not() -> None:
    def passage(text: str, kind: str = "text", section: str = "") -> PassageRecord:
        document = DocumentRecord(1, "manual.pdf", "0" * 64, "application/pdf", 1, 1, "", "")
        return PassageRecord(1, document, 1, 600, 800, kind, "en", section, text, (0, 0, 1, 1), [])

    held = captioned_items(
        [
            passage("As Figure 11.1 shows, the relay asks the DNS first."),
            passage("Figure 11.10 shows the queue.\nTable 2: Default ports"),
            passage("MX\nPostfix", "figure", "Рисунок 9.3. Перенаправление порта"),
        ]
    )
    assert held == {("table", "2"), ("figure", "9.3")}


def test_a_page_captioning_another_figure_of_the_numbered_kind_is_not_the_one_named() -> None:
    named = numbered_items("Что на схеме загрузки (рисунок 9.1) стоит между загрузчиком и ядром?")
    # Figure 9.2's page is not figure 9.1's, however well its title's words match the question.
    assert numbered_otherwise(named, frozenset({("figure", "9.2")}))
    # The named figure's own page, a page with only a table, and a page with no caption stay candidates.
    assert not numbered_otherwise(named, frozenset({("figure", "9.1"), ("figure", "9.2")}))
    assert not numbered_otherwise(named, frozenset({("table", "3")}))
    assert not numbered_otherwise(named, frozenset())
    # A question that numbers nothing excludes nothing.
    assert not numbered_otherwise(frozenset(), frozenset({("figure", "9.2")}))


def test_a_figure_is_named_by_two_words_of_its_title_not_by_the_documents_name() -> None:
    question = profile_question("Какая микросхема CPLD стоит на блок-схеме Zorkboard One?")
    assert names_figure(question, "Block Diagram")  # through the lexicon: блок, схема
    assert not names_figure(question, "Zorkboard One", "zorkboard-one.en.pdf")  # every page's name
    assert not names_figure(question, "Block")  # one word names a chapter
    english = profile_question("What does the outer dashed frame mean in the base corners figure?")
    assert names_figure(english, "3.3. Base corners and coordinates")
    assert not names_figure(english, "3.4. Rotation of items")
    assert FIGURE_NOUN.search("Which port supplies the antenna current?") is None


def _prose_manual(path: Path, pages: list[tuple[str, str]]) -> Path:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT_FILE)
    for heading, body in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=18)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_the_pages_of_the_document_a_question_names_are_read_in_the_other_language(tmp_path: Path) -> None:
    """An English question names "zorkfs"; only zorkfs.5.ru.pdf is about it, in Russian, and an English
    guide on mounting shares every other word of the question: the Russian page with the option is
    read (and answers) though the fusion ranks it below the English pages."""
    russian = _prose_manual(
        tmp_path / "zorkfs.5.ru.pdf",
        [
            ("ZORKFS", "zorkfs — файловая система в оперативной памяти. Её создают командой mount."),
            ("ПАРАМЕТРЫ", "mode= задаёт начальные права доступа корневого каталога (по умолчанию 1777)."),
        ],
    )
    english = _prose_manual(
        tmp_path / "mounting-guide.en.pdf",
        [
            (
                f"Mount options {number}",
                "The mount command attaches a file system to a directory. Each option of mount is given "
                f"after -o. Example {number}: mount -o ro /dev/sdb{number} /mnt. The permissions of files "
                "are listed by ls -l.",
            )
            for number in range(1, 7)
        ],
    )
    question = "Which zorkfs mount option sets the initial permissions of the root directory?"
    with Assistant(tmp_path / "ws", weights=FusionWeights(rerank_pages=2, rerank_reach=0)) as assistant:
        assistant.add([russian, english])
        assert ranked(assistant.search(question, k=3))[0] == ("zorkfs.5.ru.pdf", 2)


def test_a_document_is_named_by_a_name_of_its_own() -> None:
    def found(document_id: int, filename: str, text: str) -> list[Evidence]:
        document = DocumentRecord(document_id, filename, "0" * 64, "application/pdf", 1, 1, "", "")
        passage = PassageRecord(document_id, document, 1, 600, 800, "text", "en", "", text, (0, 0, 1, 1), [])
        return [Evidence(passage, 0.1)]

    pages = {
        (1, 1): found(1, "tmpfs.5.ru.pdf", "tmpfs — файловая система"),
        (2, 1): found(2, "debian-faq.en.pdf", "Debian packages"),
        (3, 1): found(3, "maint-guide.ru.pdf", "Debian maintainer tools"),
    }
    assert document_named("Which tmpfs mount option sets the mode?", pages) == 1
    # "Debian" is written by another document too: it names none of them.
    assert document_named("Which Debian tool sets my e-mail address?", pages) is None
    # English words of a file name ("guide", "mount") name nothing.
    assert document_named("Which mount guide?", {(4, 1): found(4, "mount-guide.en.pdf", "mount")}) is None


@pytest.mark.parametrize(
    ("question", "identifiers"),
    [
        ("Какое значение ATTRS{serial} у брелока в примере?", ["ATTRS{serial}"]),
        (
            "What does Acquire::http::Proxy set in /etc/apt/apt.conf?",
            ["Acquire::http::Proxy", "/etc/apt/apt.conf"],
        ),
        ("Which rate does kbd.repeat_rate set?", ["kbd.repeat_rate"]),
        # Hyphens join ordinary words; abbreviations and versions are no code.
        ("What kind of cable does the SOLA-330 USB-брелок use, i.e. version 2.4?", []),
    ],
)
def test_the_code_identifiers_a_question_writes(question: str, identifiers: list[str]) -> None:
    assert question_identifiers(question) == identifiers


def _page_of(text: str) -> list[PassageRecord]:
    document = DocumentRecord(1, "kbd.en.pdf", "0" * 64, "application/pdf", 2, 100, "en", "")
    return [PassageRecord(1, document, 1, 600, 800, "text", "en", "", text, (0, 0, 9, 9), [])]


def test_a_page_writing_the_questions_identifier_verbatim_is_told_apart() -> None:
    prose = _page_of(
        "The repeat rate of the keyboard (kbd.delay, kbd.layout) sets how fast a held key repeats."
    )
    example = _page_of("Example:\nkbd.delay = 250\nKBD.REPEAT_RATE = 30")
    other = _page_of("kbd.repeat_rate is read at start.")
    assert identifiers_held(["kbd.repeat_rate"], [prose, example]) == [0.0, 1.0]
    # Written on every page read, it tells none apart.
    assert identifiers_held(["kbd.repeat_rate"], [example, other]) == [0.0, 0.0]
    assert identifiers_held([], [prose, example]) == [0.0, 0.0]
    # The document's own name is written on each of its pages.
    assert identifiers_held(["kbd.en.pdf"], [prose, _page_of("Example:")]) == [0.0, 0.0]


def test_the_example_that_writes_the_asked_identifier_outranks_the_prose_about_its_words(
    make: Maker, tmp_path: Path
) -> None:
    """The prose page says "keyboard", "repeat" and names the rule's other keys; the example output
    writes the asked key itself, braces and all (which the word index cuts in two)."""
    prose = (
        "A rule matches the keyboard by its attributes: KEYS{delay} says how long a held key waits, "
        "KEYS{layout} names its layout. The repeat of a held key follows the repeat rate; a fast repeat "
        "suits typists. The example output below lists the attributes of the keyboard and of its parent."
    )
    output = ['KEYS{delay}=="250"', 'KEYS{layout}=="us"', 'KEYS{repeat}=="30"', 'DRIVERS=="usbhid"']
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([make.manual("kbd.en.pdf", [("Keyboard rules", [prose]), ("Example output", output)])])
        hits = assistant.search(
            "What is the value of KEYS{repeat} for the keyboard in the example output?", k=2
        )
    assert ranked(hits)[0] == ("kbd.en.pdf", 2), ranked(hits)


def test_a_named_window_shot_is_not_pushed_below_the_manuals_figure_of_it(
    make: Maker, tmp_path: Path
) -> None:
    """The manual draws the "Signal flow diagram" window; a screenshot shows that window with the value
    asked for: the figure's title being named keeps no page ahead, the screenshot's fit decides."""
    manual = _station_manual(tmp_path / "station.en.pdf")
    shot = make.screenshot(
        "flow.png", ["Signal flow diagram", "Sample rate: 16 per second", "Converter gain: 2x", "Radio: on"]
    )
    with Assistant(tmp_path / "ws") as assistant:
        assistant.add([manual, shot.path])
        hits = assistant.search("Which converter gain is set in the signal flow diagram window?", k=3)
    assert ranked(hits)[0] == ("flow.png", 1), ranked(hits)
