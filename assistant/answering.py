"""Answers with citations: the records every front door shows, and the default (extractive) reader.

The backends live in `assistant.generators`; this module keeps the names older code imports.
"""

from __future__ import annotations

from assistant.generators.base import NOT_FOUND_TEXT, Answer, AnswerDelta, Citation
from assistant.generators.extractive import (
    MAX_ANSWER_CHARS,
    AnswerSettings,
    ExtractiveGenerator,
    PagePassages,
    span_bbox,
)

__all__ = [
    "MAX_ANSWER_CHARS",
    "NOT_FOUND_TEXT",
    "Answer",
    "AnswerDelta",
    "AnswerSettings",
    "Citation",
    "ExtractiveGenerator",
    "PagePassages",
    "span_bbox",
]
