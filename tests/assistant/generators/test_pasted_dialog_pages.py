"""A dialog pictured on a manual's page is answered from even when the page describing it ranks first.

The pages are invented: an export dialog pasted into page 2 of a manual (its controls read from the
picture, its title bar the picture's first line), and page 1 that only talks about the dialog.
"""

from __future__ import annotations

from assistant.generators.screens import answer_from_controls, named_dialog_picture_first
from assistant.retrieval import PageHit
from indexer.embedders import load_embedder
from indexer.layout import control_passages
from indexer.records import Control, DocumentRecord, PassageRecord

DOCUMENT = DocumentRecord(7, "plotter-manual.en.pdf", "0" * 64, "application/pdf", 2, 100, "en", "2026-01-01")


def prose_page() -> list[PassageRecord]:
    text = "The Export Drawing dialog opens from the File menu; its scaling fits a drawing to the sheet."
    return [
        PassageRecord(1, DOCUMENT, 1, 1240, 1754, "text", "en", "3. Export", text, (100, 100, 1100, 160), [])
    ]


def dialog_page() -> list[PassageRecord]:
    options = [
        Control(
            "radio",
            "",
            None,
            name,
            (140, 300 + 30 * i, 420, 320 + 30 * i),
            name == "Crop to margins",
            "Scaling",
        )
        for i, name in enumerate(["Fit to sheet", "Crop to margins", "Tile over two sheets"])
    ]
    drafts = control_passages(options, "3. Export")
    figure = "Export Drawing\nScaling\nFit to sheet\nCrop to margins\nTile over two sheets\nCancel Export"
    records = [
        PassageRecord(
            10, DOCUMENT, 2, 1240, 1754, "figure", "en", "3. Export", figure, (100, 250, 600, 500), []
        )
    ]
    records += [
        PassageRecord(11 + i, DOCUMENT, 2, 1240, 1754, d.kind, d.lang, d.section, d.text, d.bbox, d.spans)
        for i, d in enumerate(drafts)
    ]
    return records


def test_the_page_picturing_the_named_dialog_answers_which_option_is_selected() -> None:
    pages = {1: prose_page(), 2: dialog_page()}
    hits = [PageHit(DOCUMENT, 1, 0.9, []), PageHit(DOCUMENT, 2, 0.8, [])]
    question = "In the Export Drawing dialog pictured in the manual, which scaling is selected?"
    ordered = named_dialog_picture_first(question, hits, lambda d, p: pages[p])
    assert [hit.page for hit in ordered] == [2, 1]
    answer = answer_from_controls(question, hits, lambda d, p: pages[p], load_embedder("use"))
    assert answer is not None and answer.text == "Crop to margins"
    assert answer.citations[0].page == 2


def test_a_question_not_naming_the_pictured_dialog_keeps_the_ranking() -> None:
    pages = {1: prose_page(), 2: dialog_page()}
    hits = [PageHit(DOCUMENT, 1, 0.9, []), PageHit(DOCUMENT, 2, 0.8, [])]
    question = "Which paper size is selected in the Print dialog?"
    assert [hit.page for hit in named_dialog_picture_first(question, hits, lambda d, p: pages[p])] == [1, 2]
