"""Extractive answers: the sentence or line that answers, with the rectangle where it stands."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.retrieval import Evidence, PageHit
from indexer.embedders import TextEmbedder
from indexer.language import detect_language, search_tokens
from indexer.records import BBox, DocumentRecord, PassageRecord, union_bbox

log = logging.getLogger(__name__)

NOT_FOUND_TEXT = {
    "en": "Not found: the indexed documents do not seem to answer this question.",
    "ru": "Не найдено: в проиндексированных документах нет ответа на этот вопрос.",
}
MAX_ANSWER_CHARS = 320

# Questions about annotations: the marked element is the answer, not a sentence about it.
_MARK_QUESTION = re.compile(
    r"\b(circled|marked|highlighted|arrow|framed|red|обвед\w*|выдел\w*|стрелк\w*|красн\w*|отмеч\w*|рамк\w*)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZА-ЯЁ0-9“\"(<>-])|\n{2,}")


@dataclass(frozen=True)
class Citation:
    document: DocumentRecord
    page: int
    bbox: BBox
    """(x0, y0, x1, y1) in pixels of the page image (`page_width` x `page_height`)."""
    quote: str
    score: float
    page_width: int = 0
    page_height: int = 0


@dataclass
class Answer:
    question: str
    text: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "en"


@dataclass(frozen=True)
class AnswerSettings:
    min_similarity: float = 0.30
    """Dense cosine similarity the best evidence must reach (unless its words match well)."""
    min_coverage: float = 0.5
    """Share of the question's content words the evidence must contain (unless similarity is high)."""
    pages: int = 3


@dataclass
class _Candidate:
    evidence: Evidence
    hit: PageHit
    start: int
    end: int
    text: str
    score: float = 0.0
    coverage: float = 0.0


class ExtractiveGenerator:
    """Picks the answering span from the top pages' passages; says "not found" on weak evidence."""

    def __init__(self, embedder: TextEmbedder, settings: AnswerSettings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or AnswerSettings()

    def answer(self, question: str, hits: list[PageHit]) -> Answer:
        language = detect_language(question)
        language = language if language in NOT_FOUND_TEXT else "en"
        not_found = Answer(question, NOT_FOUND_TEXT[language], False, [], language)
        candidates = self._candidates(question, hits[: self.settings.pages])
        if not candidates:
            return not_found
        terms = set(search_tokens(question, drop_stopwords=True))
        vectors = self.embedder.embed_passages([c.text for c in candidates])
        query = self.embedder.embed_queries([question])[0]
        similarities = vectors @ query
        wants_mark = bool(_MARK_QUESTION.search(question))
        best_fusion = max(c.evidence.score for c in candidates) or 1.0
        for candidate, similarity in zip(candidates, similarities, strict=True):
            tokens = set(search_tokens(candidate.text + " " + candidate.evidence.passage.section))
            candidate.coverage = len(terms & tokens) / len(terms) if terms else 0.0
            # An answer adds something to the question: a line that only repeats it (a dialog
            # title, a heading) is where the answer is, not the answer.
            own = set(search_tokens(candidate.text))
            novel = bool(own - terms)
            candidate.score = (
                float(similarity)
                + 0.35 * candidate.coverage
                + 0.35 * candidate.evidence.score / best_fusion
                + (0.5 if wants_mark and candidate.evidence.passage.kind == "mark" else 0.0)
                - (0.15 if candidate.evidence.passage.kind == "heading" else 0.0)
                - (0.0 if novel else 0.3)
            )
        best = max(candidates, key=lambda c: c.score)
        passage_similarity = max(best.evidence.similarity, float(similarities.max()))
        supported = (
            passage_similarity >= self.settings.min_similarity and best.coverage >= self.settings.min_coverage / 2
        ) or best.coverage >= self.settings.min_coverage
        if wants_mark and best.evidence.passage.kind == "mark":
            supported = True
        if not supported:
            log.info("not found: similarity %.2f, coverage %.2f for %r", passage_similarity, best.coverage, question)
            return not_found
        citations = [self._cite(best)]
        seen = {(best.hit.document.id, best.hit.page)}
        for other in sorted(candidates, key=lambda c: c.score, reverse=True):
            key = (other.hit.document.id, other.hit.page)
            if key not in seen and other.score >= best.score * 0.85 and len(citations) < 3:
                citations.append(self._cite(other))
                seen.add(key)
        return Answer(question, best.text, True, citations, language)

    def _candidates(self, question: str, hits: list[PageHit]) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        for hit in hits:
            for evidence in hit.passages[:4]:
                for start, end in _sentences(evidence.passage):
                    text = evidence.passage.text[start:end].strip()
                    if len(text) >= 2 and any(ch.isalnum() for ch in text):
                        candidates.append(_Candidate(evidence, hit, start, end, text))
        return candidates

    def _cite(self, candidate: _Candidate) -> Citation:
        passage = candidate.evidence.passage
        return Citation(
            document=passage.document,
            page=passage.page,
            bbox=span_bbox(passage, candidate.start, candidate.end),
            quote=candidate.text,
            score=round(candidate.score, 4),
            page_width=passage.page_width,
            page_height=passage.page_height,
        )


def _sentences(passage: PassageRecord) -> list[tuple[int, int]]:
    """Sentence spans of a passage; OCR'd UI text is split by line (labels, not prose)."""
    text = passage.text
    if passage.kind in ("mark", "heading"):
        return [(0, len(text))]
    if passage.lang != "und" and _looks_like_prose(text):
        spans, start = [], 0
        for match in _SENTENCE_END.finditer(text):
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        return _limit(spans, text)
    return [(span.start, span.end) for span in passage.spans]


def _looks_like_prose(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and sum(len(line) for line in lines) / len(lines) > 45


def _limit(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    limited = []
    for start, end in spans:
        while end - start > MAX_ANSWER_CHARS:
            cut = text.rfind(" ", start, start + MAX_ANSWER_CHARS)
            cut = cut if cut > start else start + MAX_ANSWER_CHARS
            limited.append((start, cut))
            start = cut + 1
        if end > start:
            limited.append((start, end))
    return limited


def span_bbox(passage: PassageRecord, start: int, end: int) -> BBox:
    """Union of the boxes of the lines a character range touches (the passage box if none)."""
    boxes = [span.bbox for span in passage.spans if span.start < end and span.end > start]
    return union_bbox(boxes) if boxes else passage.bbox


def as_array(values: list[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)
