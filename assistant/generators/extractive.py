"""The extractive reader: the span that answers, with the rectangle where it stands, and why it was trusted.

Reading a question goes: what does it ask for (`assistant.questions`), which spans of the top pages
could answer it (`assistant.spans`: sentences, terms with their definitions, introduced blocks, ...),
how well each fits (cheap features for every span, the meaning by embedding for a shortlist), and
whether the best one is trustworthy enough to say "found" (`gate`). The `Reading` keeps the reason,
so every answer can say which gate passed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from assistant.conversation import Turn
from assistant.generators.base import (
    NOT_FOUND_TEXT,
    Answer,
    AnswerDelta,
    Citation,
    Generator,
    answer_language,
)
from assistant.generators.pictures import VISUAL_READERS
from assistant.questions import ACTION, ANY, QuestionProfile, asks_button, profile_question, qualifier_terms
from assistant.retrieval import PageHit
from assistant.spans import (
    CROSSLINGUAL_MEANING,
    MAX_ANSWER_CHARS,
    SPAN_PROPOSERS,
    Fit,
    PageView,
    Span,
    SpanProposer,
    answer_text,
    defines_heading,
    evidence_weight,
    fallback_sentence,
    labelled_line,
    names_line,
    placed_score,
    propose_spans,
    read_views,
    span_fit,
    states_definition,
    subject_first_page,
    synopsis_line,
    without_cut_sentence,
)
from indexer.embedders import TextEmbedder
from indexer.layout import states_a_choice
from indexer.records import BBox, PassageRecord, union_bbox

log = logging.getLogger(__name__)

LABELLED_GENERIC_SHARE = 0.8
"""Share of `AnswerSettings.min_coverage` a text file's labelled line must reach for a question that asks
for no kind of value (half of it when the question asks for a number, a model, a name ...)."""

__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerSettings",
    "ExtractiveGenerator",
    "PagePassages",
    "Reading",
    "gate",
    "span_bbox",
]


@dataclass(frozen=True)
class AnswerSettings:
    min_similarity: float = 0.30
    """Dense cosine similarity the best span must reach (unless its words match well)."""
    min_coverage: float = 0.5
    """Share of the question's content words the span must contain (unless similarity is high)."""
    confident_similarity: float = 0.40
    """Similarity at which partial word evidence is trusted on any page read, not only the first."""
    min_crosslingual_similarity: float = 0.50
    """Similarity that vouches alone for a span in the other language."""
    crosslingual_rank: int = 3
    """A span in the other language is trusted when a multilingual channel (dense USE, deep e5) ranks
    its passage this high, its similarity reaches `crosslingual_floor` (a top rank alone may be the
    best of unrelated lines) and it holds the names the question keeps (option names, acronyms)."""
    crosslingual_floor: float = 0.20
    pages: int = 3
    gate_tries: int = 5
    """The best-scoring spans offered to the gate, in order; the first that passes is the answer."""
    shortlist: int = 24
    """Candidate spans compared with the question by embedding (the rest lose on cheap evidence)."""


PagePassages = Callable[[int, int], list[PassageRecord]]
"""(document id, page number) -> the page's passages in reading order."""


@dataclass
class Candidate:
    span: Span
    fit: Fit
    placed: float
    """The fit plus where the span stands (page rank, retrieval score): see `assistant.spans.placed_score`."""
    similarity: float = 0.0

    @property
    def score(self) -> float:
        return self.placed + self.similarity * (CROSSLINGUAL_MEANING if self.fit.crosslingual else 1.0)


@dataclass
class Reading:
    """The reader's decision on one question: the answer and the reason for it."""

    answer: Answer
    why: str
    best: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)


class ExtractiveGenerator(Generator):
    """Picks the answering span from the top pages; says "not found" when no span passes the gate.

    The conversation's history does not reach it: a follow-up is rewritten before retrieval
    (`assistant.conversation.resolve_follow_up`), so the question it gets stands on its own.
    """

    name = "extractive"
    uses_history = False

    def __init__(
        self,
        embedder: TextEmbedder,
        settings: AnswerSettings | None = None,
        page_passages: PagePassages | None = None,
        term_weights: Callable[[list[str]], dict[str, float]] | None = None,
        proposers: Sequence[SpanProposer] | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or AnswerSettings()
        self.page_passages = page_passages
        self.term_weights = term_weights
        self.proposers = list(proposers) if proposers is not None else SPAN_PROPOSERS

    def stream(
        self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()
    ) -> Iterator[AnswerDelta | Answer]:
        answer = self.answer(question, hits, history)
        yield AnswerDelta(answer.text)
        yield answer

    def answer(self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()) -> Answer:
        return self.read(question, hits).answer

    def read(self, question: str, hits: Sequence[PageHit]) -> Reading:
        """Answer with the reason: which span, which gate passed (or why none did)."""
        language = answer_language(question)
        not_found = Answer(question, NOT_FOUND_TEXT[language], False, [], language)
        for visual_reader, reason in VISUAL_READERS:
            pictured = visual_reader(
                question, list(hits), self.page_passages, self.embedder, self.term_weights
            )
            if pictured is not None:
                return Reading(pictured, reason)
        profile = profile_question(question, self.term_weights)
        read = list(hits)[: self.settings.pages]
        # "What is services?": the first page of the document about it holds its NAME line.
        subject_page = subject_first_page(profile, hits)
        if subject_page is not None and subject_page not in read:
            read.append(subject_page)
        views = [self._view(hit) for hit in read]
        candidates = self._scored(profile, views)
        if not candidates:
            return Reading(not_found, "no passages to read")
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        # The best span that can be trusted: a higher-scoring one that fails the gate (it lacks the
        # asked-for kind, its words match by chance) must not hide a trustworthy one just below it.
        passed, best = "", ranked[0]
        for candidate in _gate_tries(ranked, self.settings.gate_tries):
            passed = gate(profile, candidate, self.settings, views[0].hit)
            if passed:
                best = candidate
                break
        if not passed:
            why = (
                f"not found: no span passes a gate (best: {best.fit.why()}; similarity {best.similarity:.2f})"
            )
            log.info("%s for %r", why, question)
            return Reading(not_found, why, best, candidates)
        why = f"found: {passed} ({best.fit.why()}; similarity {best.similarity:.2f})"
        # "... when --format is not given": the item's sentence that says what holds then.
        item = best.fit.kind.item
        best = dataclasses.replace(
            best, span=without_cut_sentence(fallback_sentence(profile, best.span, item), item)
        )
        log.info("%s for %r", why, question)
        citations = [_cite(best)]
        seen = {_page_key(best)}
        for other in sorted(candidates, key=lambda c: c.score, reverse=True):
            key = _page_key(other)
            if key not in seen and other.score >= best.score * 0.85 and len(citations) < 3:
                citations.append(_cite(other))
                seen.add(key)
        answer = Answer(question, answer_text(best.span), True, citations, language)
        return Reading(answer, why, best, candidates)

    def _view(self, hit: PageHit) -> PageView:
        if hit.view is not None:
            return hit.view
        evidence = {e.passage.id: e for e in hit.passages}
        passages = self.page_passages(hit.document.id, hit.page) if self.page_passages is not None else []
        return PageView(hit, passages or [e.passage for e in hit.passages], evidence)

    def _scored(self, profile: QuestionProfile, views: list[PageView]) -> list[Candidate]:
        read = read_views(profile, views) if self.proposers is SPAN_PROPOSERS else self._read(profile, views)
        if not read:
            return []
        best_page = max(view.hit.score for view in views) or 1.0
        best_evidence = max((e.score for view in views for e in view.evidence.values()), default=0.0)
        top = views[0].hit
        candidates = [
            Candidate(
                span,
                fit,
                placed_score(
                    profile,
                    span,
                    fit,
                    page_weight=span.view.hit.score / best_page,
                    evidence_weight=evidence_weight(span, best_evidence),
                    top_page=span.view.hit is top,
                ),
            )
            for span, fit in read
        ]
        # Embedding every span of three pages is most of an answer's cost: only the spans the cheap
        # evidence already favours are compared with the question's meaning, and a span that is a
        # whole passage reuses the passage's stored vector.
        shortlist = sorted(candidates, key=lambda c: c.placed, reverse=True)[: self.settings.shortlist]
        fresh = [c for c in shortlist if _stored_similarity(c.span) is None]
        if fresh:
            vectors = self.embedder.embed_passages([_in_context(c.span) for c in fresh])
            known = views[0].query
            query = (
                known[1]
                if known and known[0] is self.embedder
                else self.embedder.embed_queries([profile.text])[0]
            )
            for candidate, similarity in zip(fresh, vectors @ query, strict=True):
                candidate.similarity = float(similarity)
        for candidate in shortlist:
            stored = _stored_similarity(candidate.span)
            if stored is not None:
                candidate.similarity = stored
        return shortlist

    def _read(self, profile: QuestionProfile, views: list[PageView]) -> list[tuple[Span, Fit]]:
        return [(span, span_fit(profile, span)) for span in propose_spans(views, self.proposers)]


def _gate_tries(ranked: Sequence[Candidate], tries: int) -> Iterator[Candidate]:
    """The best candidates offered to the gate: `tries` distinct answers, where the pieces of one item
    (three windows of one option's definition, the same command under two openings) count as one
    answer, so that they do not crowd out the next option on the page."""
    offered: set[tuple[int, int, str]] = set()
    for candidate in ranked:
        # The windows of one definition are one item too when none holds the asked-for kind.
        item = candidate.fit.kind.item or candidate.span.term
        key = (*_page_key(candidate), item) if item else (*_page_key(candidate), f"#{id(candidate)}")
        if key not in offered:
            if len(offered) >= tries:
                return
            offered.add(key)
        yield candidate


def _stored_similarity(span: Span) -> float | None:
    """The passage's stored similarity when the span is the whole passage (nothing to embed again)."""
    if span.start == 0 and span.end >= len(span.passage.text.rstrip()):
        return span.view.similarities.get(span.passage.id)
    return None


def gate(
    profile: QuestionProfile, best: Candidate, settings: AnswerSettings, best_page: PageHit | None = None
) -> str:
    """Why the best span may be given as the answer ("" when it may not).

    A span must hold the kind of thing asked for (an option, a number, a path, ...), state every
    qualifier the question insists on ("by default", "maximum"), and be vouched for: by the
    question's words, by its meaning, or across languages by names the translation keeps and by
    a multilingual channel's ranking of its passage. Partial evidence is trusted on the first page
    (`best_page`) only, unless the meaning is close.
    """
    fit, span = best.fit, best.span
    if profile.wants_mark and span.passage.kind == "mark":
        return "the question asks about a red mark and the span is the marked text"
    if not fit.kind:
        return ""
    if fit.missing:
        return ""
    if span.passage.kind == "control" and states_a_choice(span.passage.text) and asks_button(profile.text):
        return ""  # an option that is picked does not answer which button to press
    similarity = max(best.similarity, span.evidence.similarity if span.evidence else 0.0)
    kind = f"holds the asked-for {profile.asks} ({fit.kind})" if profile.asks != ANY else f"{fit.kind}"
    # The heading and the file name are every span's context: they vouch for the page, and the span
    # must carry some of the question's words itself ("gzip" in gzip.1.pdf does not make its copyright
    # notice an answer to "which cloud provider does gzip upload to?").
    own = fit.carries
    if names_line(profile, span):
        return f"the NAME line of the man page of {profile.defines!r} defines it"
    if defines_heading(profile, span):
        return "the span opens the section the question asks about by saying what it is"
    if states_definition(profile, span):
        return "the span opens by saying what the word the question asks about is"
    if synopsis_line(profile, span):
        return "the question asks how the program is called and the span is its man page's SYNOPSIS line"
    if fit.coverage >= settings.min_coverage and own:
        return f"{kind}; the question's words are there"
    labelled = labelled_line(profile, span)
    # The asked-for kind of value vouches for half the question's words; a question that asks for no
    # kind ("which racks, from which one?") needs most of the words a line must say to answer alone.
    labelled_coverage = settings.min_coverage * (LABELLED_GENERIC_SHARE if profile.asks == ANY else 0.5)
    if labelled and own and span.view.hit is best_page and fit.coverage >= labelled_coverage:
        # A text file on screen writes a fact as its name and its value: "invoice No 7342", "Bosch K40".
        return f"{kind}; on the file's line {labelled[1]!r} stands after the question's word {labelled[0]!r}"
    if fit.key and profile.asks == ANY:
        # "Что делает параметр c (его описание осталось на английском)?": the item of the very key the
        # question names says what the key does, however many other words the question wraps it in.
        return f"{kind}; it is the item of {fit.key!r}, the key the question names"
    first_page = span.view.hit is best_page
    # A span that merely adds a word to the question ("adds 'the'") is vouched for by the question's
    # words or not at all: a meaning that is close is what every line of the right page has.
    generic = profile.asks == ANY or (profile.asks == ACTION and not fit.kind.item)
    if (
        own
        and not generic
        and similarity >= settings.min_similarity
        and fit.coverage >= settings.min_coverage / 2
        and (first_page or similarity >= settings.confident_similarity)
    ):
        return f"{kind}; close in meaning with some of the question's words"
    if fit.crosslingual:
        if similarity >= settings.min_crosslingual_similarity:
            return f"{kind}; close in meaning across languages"
        ranks = span.evidence.ranks if span.evidence else {}
        channel, rank = min(
            ((name, ranks[name]) for name in ("dense", "deep") if name in ranks),
            key=lambda item: item[1],
            default=("", 0),
        )
        # The rank and a kept name ("Nagios") vouch for the passage; the span must say something of what
        # the question asks itself too ("пароль" / "password", "шланг" / "hose"), not only its qualifier
        # ("по умолчанию" / "default"), or it answers some other question there.
        says = fit.own_coverage > 0 or bool(set(fit.translated) - qualifier_terms(profile.text))
        if (
            channel
            and rank <= settings.crosslingual_rank
            and similarity >= settings.crosslingual_floor
            and (fit.portable_coverage > 0 or not profile.portable)
            and says
        ):
            return (
                f"{kind}; across languages the {channel} channel ranks its passage {rank}, its meaning "
                "is not far off and the names the question keeps are there"
            )
    return ""


def _page_key(candidate: Candidate) -> tuple[int, int]:
    return (candidate.span.view.hit.document.id, candidate.span.view.hit.page)


def _cite(candidate: Candidate) -> Citation:
    span = candidate.span
    passage = span.passage
    return Citation(
        document=passage.document,
        page=passage.page,
        bbox=span_bbox(passage, span.start, span.end),
        quote=answer_text(span),
        score=round(candidate.score, 4),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )


def _in_context(span: Span) -> str:
    section = span.passage.section
    if section and section not in span.text:
        return f"{section}: {span.text}"
    return span.text


def span_bbox(passage: PassageRecord, start: int, end: int) -> BBox:
    """Union of the boxes of the lines a character range touches (the passage box if none)."""
    boxes = [span.bbox for span in passage.spans if span.start < end and span.end > start]
    return union_bbox(boxes) if boxes else passage.bbox
