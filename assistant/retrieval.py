"""Question -> channels (dense, lexical, visual) -> reciprocal rank fusion -> ranked pages with evidence."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy.ndimage import binary_dilation, maximum_filter1d

from assistant.questions import QuestionProfile, english_word, named_language, profile_question, text_tokens
from assistant.spans import (
    FIGURE_KINDS,
    PageView,
    Span,
    file_terms,
    page_fits,
    page_language,
    passages_language,
    propose_spans,
    read_views,
    section_terms,
)
from indexer.errors import WorkspaceError
from indexer.language import MARK_QUESTION, detect_language, search_tokens
from indexer.layout import MARK_DESCRIPTIONS
from indexer.marks import red_mask
from indexer.records import DocumentRecord, PassageRecord
from indexer.workspace import Workspace, filename_words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FusionWeights:
    dense: float = 1.0
    deep: float = 0.5
    lexical: float = 2.0
    visual: float = 0.5
    rrf_k: float = 60.0
    depth: int = 60
    mark_bonus: float = 0.02
    window_bonus: float = 0.02
    """Added to a screenshot whose window the question names ("in the «Format Cells» window")."""
    clean_copy: float = 0.002
    support: float = 0.0
    """Weight of the second and third passages of a page relative to its best one."""
    figure_bonus: float = 0.02
    """Added to a page whose figure the question names by its title (`names_figure`)."""
    figure_reach: int = 20
    """Pages, best first, whose figures `_name_figures` looks for (it reads their passages)."""
    mark_language: float = 0.005
    """Added to a marked screenshot in the question's language (or the one it names): a mark's passage
    describes it in both languages, so the lexical channel cannot tell which screen a question reads.
    A quarter of `mark_bonus`: it orders marked screens that match the question about equally."""
    rerank_pages: int = 5
    """Top pages whose best answer span is weighed before the order is final (0 turns reranking off)."""
    rerank: float = 1.5
    """Weight of the best span's fit against the page's fused score (relative to the best page's).
    Measured on the four tuning sets (reader_eval.py): 0.5 left a fifth of near-miss and cross-lingual
    pages second; 1.0 and 1.5 lift them (page R@1 +4 questions) and lose no answer; 2.5 lets a
    screenshot's span fit outvote the window's name (an answer lost)."""
    verbatim: float = 0.5
    """Added to a read page's fit for the share of the question's code identifiers it writes as the
    question does (`identifiers_held`): `ATTRS{product}` is not `product` on a page of other ATTRS. As
    much as a page lacking a name only one document holds loses (`spans.NAME_ABSENCE`): the same
    evidence, a name the question gives, at the scale of one page."""
    rerank_reach: int = 5
    """Pages past `rerank_pages` the reranker may still read: those in the other language that a
    multilingual channel ranks among its first `crosslingual_rank` (the lexical channel cannot vouch for
    them, so the fusion ranks them low)."""
    crosslingual_rank: int = 5


@dataclass
class Evidence:
    """One passage that supports a page, with its fused score and its rank in each channel."""

    passage: PassageRecord
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    similarity: float = 0.0
    """Cosine similarity of the question and the passage in the dense channel (0 when not seen)."""


@dataclass
class PageHit:
    document: DocumentRecord
    page: int
    score: float
    passages: list[Evidence]
    view: PageView | None = field(default=None, repr=False, compare=False)
    """The page as the reranker read it (all its passages, their spans and fits): the reader reuses it."""

    @property
    def key(self) -> tuple[int, int]:
        return (self.document.id, self.page)


def _has_clean_copy(marked: tuple[int, int], pages: dict[tuple[int, int], list[Evidence]]) -> bool:
    """Whether another found page without a red mark says what this marked page says."""
    texts = {e.passage.text for e in pages[marked] if e.passage.kind != "mark"}
    if not texts:
        return False
    for key, found in pages.items():
        if key == marked or any(e.passage.kind == "mark" for e in found):
            continue
        # Each page shows only the passages the channels found: most of them shared is a copy.
        other = {e.passage.text for e in found}
        if len(texts & other) >= 0.5 * min(len(texts), len(other)):
            return True
    return False


_CHANNELS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="assistant-channel")


class Retriever:
    """Runs the channels of one workspace and fuses them into ranked pages."""

    def __init__(self, workspace: Workspace, weights: FusionWeights | None = None) -> None:
        self.workspace = workspace
        self.weights = weights or FusionWeights()
        self.read_ahead = True
        """Whether the reranker's reading starts while the deep channel still embeds the question
        (the ranking is the same either way; off, everything runs after the fusion)."""
        self._edge_rows: OrderedDict[tuple[str, int], np.ndarray | None] = OrderedDict()
        """The `edge_rows` of the screenshot pages read last (by file hash and page), at most
        EDGE_ROWS_KEPT, the least recently used dropped first: they tell twins."""
        self.rebind_read_ahead = True
        """Whether the spans read ahead are rebound to the final pages (`_take_fits`) rather than
        proposed again (the same spans and fits either way)."""

    def search(self, question: str, k: int = 5, documents: Collection[int] | None = None) -> list[PageHit]:
        question = question.strip()
        if not question or k <= 0:
            return []
        self.workspace.refresh()
        weights = self.weights
        depth = max(weights.depth, k * 10)
        # The deep channel (its own model and index) and the lexical one run beside the dense one:
        # FAISS, SQLite and the e5 engine all release the GIL, so on two cores the channels overlap.
        deep_future = (
            _CHANNELS.submit(self._deep_search, question, depth) if self.workspace.deep_enabled else None
        )
        lexical_future = _CHANNELS.submit(self.workspace.lexical.search, question, depth)
        query_vector = self.workspace.embedder.embed_queries([question])[0]
        dense = self.workspace.dense.search(query_vector, depth)
        lexical = lexical_future.result()
        # Read the catalog for these two channels while the deep one is still working.
        records = self.workspace.passages(list({pid for pid, _ in dense} | {pid for pid, _ in lexical}))
        coverage = self._lexical_coverage(question, lexical, records)
        reranking = weights.rerank_pages > 0 and weights.rerank > 0
        profile = profile_question(question, self.workspace.lexical.idf) if reranking else None
        early: dict[tuple[int, int], PageView] = {}
        if deep_future is not None and profile is not None and self.read_ahead and not profile.wants_mark:
            provisional, _ = self._passage_scores(dense, [], lexical, coverage)
            early = self._read_ahead(profile, provisional, records, documents, deep_future)
        deep = deep_future.result() if deep_future is not None else []
        missing = [pid for pid, _ in deep if pid not in records]
        if missing:
            records.update(self.workspace.passages(missing))
        scores, ranks = self._passage_scores(dense, deep, lexical, coverage)
        similarity = dict(dense)
        pages: dict[tuple[int, int], list[Evidence]] = defaultdict(list)
        for passage_id, score in scores.items():
            record = records.get(passage_id)
            if record is None or (documents is not None and record.document.id not in documents):
                continue
            pages[(record.document.id, record.page)].append(
                Evidence(record, score, ranks[passage_id], similarity.get(passage_id, 0.0))
            )
        page_scores: dict[tuple[int, int], float] = {}
        wants_mark = bool(MARK_QUESTION.search(question))
        for key, found in pages.items():
            found.sort(key=lambda e: e.score, reverse=True)
            # A red mark's passage repeats the words under it; it speaks only for questions about
            # the mark, so that a marked copy of a screen does not outrank the clean one otherwise.
            scoring = found if wants_mark else [e for e in found if e.passage.kind != "mark"] or found
            # The best passage decides; optionally, further passages on the page add support.
            page_scores[key] = scoring[0].score + weights.support * sum(e.score for e in scoring[1:3])
            if len(scoring) < len(found):
                # Between a screen and its annotated copy, a question not about the mark means the screen.
                page_scores[key] *= 1.0 - weights.mark_bonus / 4
                if _has_clean_copy(key, pages):
                    page_scores[key] -= weights.clean_copy
        if wants_mark and page_scores:
            # "Which button is circled in red?": the page with the red mark is the one meant, even
            # when an unmarked copy of the same screen holds the same words. The bonus grows with
            # the page's own match, so it never lifts one marked page over a better-matching one
            # ("...in the Print dialog": another dialog's red circle must not win).
            # A second share goes to the marked page whose window the question names.
            # A third share goes to the page whose mark has the shape the question names ("the red
            # arrow"): another page's red frame is another mark.
            best = max(page_scores.values()) or 1.0
            terms = set(search_tokens(question, drop_stopwords=True))
            # Only a question that says the mark is red speaks of an annotation for sure: "the arrow
            # between Unstable and Testing", "the dashed frame" in a figure are drawn by the document.
            red = bool(RED_MARK.search(question))
            shapes = named_mark_shapes(question) if red else frozenset()
            language = named_language(question) or detect_language(question)
            for key, found in pages.items():
                if any(e.passage.kind == "mark" for e in found):
                    window = _window_words(found)
                    named = sum(_named(word, terms) for word in window) / len(window) if window else 0.0
                    shaped = bool(shapes & _mark_shapes(found))
                    page_scores[key] += weights.mark_bonus * (page_scores[key] / best + named + shaped)
                    if red and passages_language(e.passage for e in found) == language:
                        page_scores[key] += weights.mark_language
        named_document = document_named(question, pages)
        pointed, windows = self._name_windows(question, page_scores, pages)
        figures = self._name_figures(profile, page_scores, pages) if profile is not None else set()
        if not windows:
            # A screenshot of the window named stands beside the manual's figure of it: neither is kept ahead.
            pointed |= figures
        self._add_visual(question, page_scores, pages, depth, documents)
        reach = weights.rerank_pages + weights.rerank_reach if weights.rerank_pages > 0 else 0
        leading = sorted(page_scores, key=lambda key: page_scores[key], reverse=True)
        ranked = leading[: max(k, reach)]
        if reach and named_document is not None:
            # "Which tmpfs mount option ...": the pages of the one document named so are read, also those
            # in the other language that share no word with the question and rank below the reach.
            ranked += [key for key in leading[len(ranked) : weights.figure_reach] if key[0] == named_document]
        if reach and profile is not None:
            # "Какой размер тайла ...": a page in the other language that a multilingual channel ranks
            # first shares no word with the question, so the fusion may rank it below the reach; the
            # reranker reads it (`_rerank` keeps such pages) and its span's fit decides.
            ranked += [
                key
                for key in leading[len(ranked) : weights.figure_reach]
                if key not in ranked
                and _passages_across_languages(pages[key], profile.language, weights.crosslingual_rank)
            ]
        hits = []
        for key in ranked:
            supporting = pages.get(key) or []
            document = supporting[0].passage.document if supporting else self.workspace.document(key[0])
            if document is None:
                continue
            hits.append(PageHit(document, key[1], page_scores[key], supporting[:8]))
        if profile is not None and len(hits) > 1:
            hits = self._rerank(profile, hits, query_vector, early, named_document)
            if pointed:
                hits = _kept_ahead(hits, pointed, weights.window_bonus)
        return hits[:k]

    def _passage_scores(
        self,
        dense: list[tuple[int, float]],
        deep: list[tuple[int, float]],
        lexical: list[tuple[int, float]],
        coverage: dict[int, float],
    ) -> tuple[dict[int, float], dict[int, dict[str, int]]]:
        """Each passage's fused score (reciprocal rank fusion) and its rank in each channel."""
        weights = self.weights
        scores: dict[int, float] = defaultdict(float)
        ranks: dict[int, dict[str, int]] = defaultdict(dict)
        for rank, (passage_id, _) in enumerate(dense, start=1):
            scores[passage_id] += weights.dense / (weights.rrf_k + rank)
            ranks[passage_id]["dense"] = rank
        for rank, (passage_id, _) in enumerate(deep, start=1):
            scores[passage_id] += weights.deep / (weights.rrf_k + rank)
            ranks[passage_id]["deep"] = rank
        for rank, (passage_id, _) in enumerate(lexical, start=1):
            # A lexical hit that shares one common word with the question (a Russian question
            # against an English manual finds only such hits) should not outvote the dense channel.
            scores[passage_id] += weights.lexical * coverage.get(passage_id, 0.0) / (weights.rrf_k + rank)
            ranks[passage_id]["lexical"] = rank
        return scores, ranks

    def _read_ahead(
        self,
        profile: QuestionProfile,
        scores: dict[int, float],
        records: dict[int, PassageRecord],
        documents: Collection[int] | None,
        pending: Future[list[tuple[int, float]]],
    ) -> dict[tuple[int, int], PageView]:
        """Read and fit the spans of the pages the dense and lexical channels rank first, while the
        deep channel still embeds the question (the longest path of a search).

        The fusion is not final yet, so these are the pages the reranker will most likely read; the
        spans and fits of a page do not depend on its rank, and `_rerank` takes them for the pages it
        does read. Reading stops once the deep channel is done: after that it would only delay.
        """
        best: dict[tuple[int, int], float] = {}
        owner: dict[tuple[int, int], DocumentRecord] = {}
        for passage_id, score in scores.items():
            record = records.get(passage_id)
            if record is None or (documents is not None and record.document.id not in documents):
                continue
            key = (record.document.id, record.page)
            if score > best.get(key, -1.0):
                best[key], owner[key] = score, record.document
        keys = sorted(best, key=best.__getitem__, reverse=True)[: self.weights.rerank_pages]
        if pending.done() or not keys:
            return {}
        passages = self.workspace.pages_passages(keys, records)
        views: dict[tuple[int, int], PageView] = {}
        for key in keys:
            if pending.done():
                break
            view = PageView(PageHit(owner[key], key[1], 0.0, []), passages.get(key, []))
            read_views(profile, [view])
            views[key] = view
        return views

    def _rerank(
        self,
        profile: QuestionProfile,
        hits: list[PageHit],
        query_vector: np.ndarray,
        early: dict[tuple[int, int], PageView] | None = None,
        named_document: int | None = None,
    ) -> list[PageHit]:
        """Reorder the top pages by how well their best span answers the question.

        A page that states the fact can lose the fusion to one that mentions the topic more often;
        the span's fit (the kind of answer asked for, the question's rare words close together)
        tells them apart. The pages' passages are kept on the hits for the reader. `early` holds
        pages `_read_ahead` has read and fitted already.
        """
        early = early or {}
        top = hits[: self.weights.rerank_pages]
        top += [
            hit
            for hit in hits[len(top) :]
            if _ranked_across_languages(hit, profile.language, self.weights.crosslingual_rank)
            or hit.document.id == named_document
        ]
        if profile.wants_mark:
            # "Which option is circled in the Print dialog?": the marked text rarely shares a word
            # with the question; the window's name and the mark decide (the fused order keeps them).
            return hits
        language = named_language(profile.text) or profile.language
        top += self._twins_below(top, hits, language)
        passages = self._page_passages([hit for hit in top if hit.key not in early])
        passages.update({hit.key: early[hit.key].passages for hit in top if hit.key in early})
        similarities = self.workspace.dense.similarities(
            query_vector, [p.id for found in passages.values() for p in found]
        )
        views = []
        for hit in top:
            hit.view = PageView(
                hit,
                passages.get(hit.key, []),
                {e.passage.id: e for e in hit.passages},
                similarities,
                # The passages read ahead are a text file's lines with their numbers blanked already.
                numbered=early[hit.key].numbered if hit.key in early else frozenset(),
            )
            hit.view.query = (self.workspace.embedder, query_vector)
            if hit.key in early:
                _take_fits(hit.view, early[hit.key], self.rebind_read_ahead)
            views.append(hit.view)
        fits = pictured_fits(profile, views)
        held = identifiers_held(question_identifiers(profile.text), [view.passages for view in views])
        fits = [fit + self.weights.verbatim * share for fit, share in zip(fits, held, strict=True)]
        read = [bool(view.passages) for view in views]
        best_fit = max((fit for fit, text in zip(fits, read, strict=True) if text), default=0.0)
        # A page with no text (found by the visual channel alone) has nothing to read: it keeps
        # its fused score; a read page moves by how far its best span falls short of the best one.
        scale = self.weights.rerank * (top[0].score or 1.0)
        for hit, fit, text in zip(top, fits, read, strict=True):
            if text:
                hit.score = round(max(hit.score + scale * (fit - best_fit), 0.0), 6)
        fused = sorted(top, key=lambda hit: hit.score, reverse=True)
        reranked = clean_copy_first(own_language_first(fused, language, self.page_rows), self.page_rows)
        read_keys = {hit.key for hit in top}
        rest = [hit for hit in hits if hit.key not in read_keys]
        floor = min((hit.score for hit in reranked), default=0.0)
        for hit in rest:
            # Pages the reranker did not read stay below those it did.
            hit.score = min(hit.score, floor * 0.999)
        log.debug("reranked %s -> %s", [h.key for h in top], [h.key for h in reranked])
        return reranked + rest

    def page_rows(self, hit: PageHit) -> np.ndarray | None:
        """The `edge_rows` of a screenshot page, read from its image once (None for other pages, or when
        the image cannot be read)."""
        document = hit.document
        if not document.media_type.startswith("image/"):
            return None
        key = (document.sha256, hit.page)
        if key in self._edge_rows:
            self._edge_rows.move_to_end(key)
            return self._edge_rows[key]
        rows: np.ndarray | None
        try:
            with Image.open(self.workspace.page_image(document.id, hit.page)) as image:
                rows = edge_rows(image)
        except (WorkspaceError, OSError) as error:
            log.debug("no rows for %s p%d: %s", document.filename, hit.page, error)
            rows = None
        self._edge_rows[key] = rows
        while len(self._edge_rows) > EDGE_ROWS_KEPT:
            self._edge_rows.popitem(last=False)
        return rows

    def _twins_below(self, top: list[PageHit], hits: list[PageHit], language: str) -> list[PageHit]:
        """Screenshots in `language` below the pages the reranker reads whose twin in the other language
        is read: "... in the Russian setup window" reads the Russian shot of the window an English word
        found, so that `own_language_first` can put it ahead (the lexical channel ranks it low)."""
        if language not in ("en", "ru"):
            return []
        read = {hit.key for hit in top}
        below = [
            hit
            for hit in hits
            if hit.key not in read
            and hit.document.media_type.startswith("image/")
            and passages_language(e.passage for e in hit.passages) == language
        ]
        if not below:
            return []  # nothing to compare: no page image is read
        others = [
            hit
            for hit in top
            if passages_language(e.passage for e in hit.passages) not in (language, "und")
            and self.page_rows(hit) is not None
        ]
        return [
            hit
            for hit in below
            if (rows := self.page_rows(hit)) is not None
            and any(same_rows(rows, self.page_rows(other)) for other in others)
        ]

    def _page_passages(self, hits: list[PageHit]) -> dict[tuple[int, int], list[PassageRecord]]:
        """Every passage of a few pages in reading order; those the channels found are not read again."""
        known = {e.passage.id: e.passage for hit in hits for e in hit.passages}
        return self.workspace.pages_passages([hit.key for hit in hits], known)

    def _deep_search(self, question: str, depth: int) -> list[tuple[int, float]]:
        deep = self.workspace.deep
        if deep is None or len(deep) == 0:
            return []
        embedder = self.workspace.deep_embedder
        assert embedder is not None
        return deep.search(embedder.embed_queries([question])[0], depth)

    def _lexical_coverage(
        self, question: str, lexical: list[tuple[int, float]], records: dict[int, PassageRecord]
    ) -> dict[int, float]:
        """IDF-weighted share of the question's words that each lexical hit contains, in [0, 1]."""
        terms = set(search_tokens(question, drop_stopwords=True))
        if not terms:
            return {}
        idf = self.workspace.lexical.idf(sorted(terms))
        total = sum(idf.values()) or 1.0
        coverage = {}
        for passage_id, _ in lexical:
            record = records.get(passage_id)
            if record is None:
                continue
            words = set(text_tokens(record.text)) | file_terms(record.document.filename)
            if record.section and record.section != record.text:
                # What the lexical index saw (`index_text`): heading, file name and text, word by word.
                words |= section_terms(record.section)
            coverage[passage_id] = sum(idf[t] for t in terms & words) / total
        top = max(coverage.values(), default=0.0) or 1.0
        # Relative to the best lexical hit, so a channel with a strong match keeps its full weight.
        return {pid: value / top * min(1.0, top * 2) ** 2 for pid, value in coverage.items()}

    def _name_windows(
        self,
        question: str,
        page_scores: dict[tuple[int, int], float],
        pages: dict[tuple[int, int], list[Evidence]],
    ) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """Lift the screenshots whose window the question names, in whichever language it names it.

        "Which category is selected in the «Формат ячеек» window?" means that window's screenshot,
        though another screen holds more of the question's words ("selected", "выбрано"). The
        window's name is its title (the screenshot's passages' section). Returns the pages a quoted
        name points at (the reranker must not put another screen's span fit above them) and all those
        named.
        """
        labels = ["".join(q) for q in QUOTED_NAME.findall(question)]
        quoted = [set(search_tokens(label, drop_stopwords=True)) for label in labels]
        terms = set(search_tokens(question, drop_stopwords=True))
        named = [
            key
            for key, found in pages.items()
            if found
            and found[0].passage.document.media_type.startswith("image/")
            and names_window(quoted, terms, _window_words(found))
        ]
        # A quoted name is the label as the user reads it: «Настройка» (a menu) is not «Настройки» (a
        # window), though both cut to one stem. Where some of the windows named show the label as
        # written, those are meant.
        verbatim = [key for key in named if any(_shows_label(label, pages[key]) for label in labels)]
        if verbatim and len(verbatim) < len(named):
            named = verbatim
        # «Вид» (a menu) is not the end of "Внешний вид" (a tab): a label matched only inside a longer
        # one names nothing.
        if labels:
            named = [key for key in named if not all(_inside_label(label, pages[key]) for label in labels)]
            # "On the «Appearance» tab of the Color Tool": the windows whose title (or file) the question
            # also names hold the label somewhere (their tab strip, a menu) and outrank another program's
            # window that merely shows the label in its title; among the program's own windows, those
            # whose title shows the label (its «Settings» menu) stay the ones meant.
            program = self._named_programs(labels, quoted, terms, page_scores, pages)
            if program and not set(named) <= set(program):
                named = program
        if not named:
            return set(), set()
        # A quoted name is the user's own pointer to the window: it outweighs shared words. The
        # named pages move up together, so their own order (a clean screen before its marked copy) stays.
        lift = max(page_scores.values()) - max(page_scores[key] for key in named) if quoted else 0.0
        for key in named:
            page_scores[key] += lift + self.weights.window_bonus
        return (set(named) if quoted else set()), set(named)

    def _named_programs(
        self,
        labels: list[str],
        quoted: list[set[str]],
        terms: set[str],
        page_scores: dict[tuple[int, int], float],
        pages: dict[tuple[int, int], list[Evidence]],
    ) -> list[tuple[int, int]]:
        """The screenshots among the leading pages whose program the question names besides the labels
        it quotes (`names_program`), when one of them shows one of those labels anywhere (title, tab
        strip, menu): the label is the program's. All its windows are returned, whether they show the
        label or not: every tab of a dialog shows the whole tab strip, and OCR often loses the selected
        tab's own label (drawn on another background), so the strip cannot tell which tab is open."""
        others = terms - set().union(*quoted)
        leading = sorted(page_scores, key=page_scores.__getitem__, reverse=True)[: self.weights.figure_reach]
        shots = [
            key
            for key in leading
            if pages.get(key)
            and pages[key][0].passage.document.media_type.startswith("image/")
            and names_program(others, _window_words(pages[key]), pages[key][0].passage.document.filename)
        ]
        if not shots:
            return []
        known = {e.passage.id: e.passage for key in shots for e in pages[key]}
        for passages in self.workspace.pages_passages(shots, known).values():
            texts = [p.section for p in passages[:1]] + [p.text for p in passages if p.kind != "mark"]
            if any(_label_starts(label, text) for label in labels for text in texts):
                return shots
        return []

    def _name_figures(
        self,
        profile: QuestionProfile,
        page_scores: dict[tuple[int, int], float],
        pages: dict[tuple[int, int], list[Evidence]],
    ) -> set[tuple[int, int]]:
        """Lift the pages whose figure the question names by its title ("the HackRF One block diagram",
        "по блок-схеме", "на рисунке базовых углов").

        The figure's words are labels (a chip's part number, "CERN-OHL-P" in the corner), rarely the
        question's: the text pages around it share more words and win the fusion. A question that
        speaks of a figure and names its title means that figure's page: returned, the reranker keeps
        them ahead (the figure's labels are no sentences, so a text page's span fits better).
        """
        numbered = numbered_items(profile.text)
        if not page_scores or not (FIGURE_NOUN.search(profile.text) or numbered):
            return set()
        # The pages a search could put first: their figures' titles are read from all their passages,
        # as a figure and its caption are rarely what the channels found (its labels share no word).
        leading = sorted(page_scores, key=page_scores.__getitem__, reverse=True)[: self.weights.figure_reach]
        known = {e.passage.id: e.passage for key in leading for e in pages.get(key, [])}
        drawn: set[tuple[int, int]] = set()
        for key, passages in self.workspace.pages_passages(leading, known).items():
            captioned = captioned_items(passages)
            if (numbered and numbered <= captioned) or (
                not numbered_otherwise(numbered, captioned)
                and any(
                    names_figure(profile, title, passages[0].document.filename)
                    for title in figure_titles(passages)
                )
            ):
                drawn.add(key)
        for key in drawn:
            page_scores[key] += self.weights.figure_bonus
        return drawn

    def _add_visual(
        self,
        question: str,
        page_scores: dict[tuple[int, int], float],
        pages: dict[tuple[int, int], list[Evidence]],
        depth: int,
        documents: Collection[int] | None,
    ) -> None:
        visual = self.workspace.visual
        if visual is None:
            return
        found = visual.search(question, depth)
        located = self.workspace.page_ids([page_id for page_id, _ in found])
        for rank, (page_id, _) in enumerate(found, start=1):
            if page_id not in located:
                continue
            key = located[page_id]
            if documents is not None and key[0] not in documents:
                continue
            page_scores[key] = page_scores.get(key, 0.0) + self.weights.visual / (self.weights.rrf_k + rank)
            if key not in pages:
                pages[key] = [
                    Evidence(p, 0.0, {"visual": rank})
                    for p in self.workspace.page_passages(key[0], key[1])[:3]
                ]


_IDENTIFIER = re.compile(r"[^\s«»\"“”'(),?!;]+")
_JOINER = re.compile(r"[A-Za-z0-9][{}\[\]_:=/.][A-Za-z0-9{}_:/]|[A-Za-z]\{")


def document_named(question: str, pages: dict[tuple[int, int], list[Evidence]]) -> int | None:
    """The one document among those found whose file name holds a name the question says, a name of its
    own: a word that is no English word ("tmpfs" of tmpfs.5.ru.pdf, "memusage", "xz") and that no page of
    another document found writes ("Debian" of debian-faq.en.pdf is every Debian manual's word). None
    when no document or several are named so (xfe_en_modes.png, xfe_ru_modes.png, ...)."""
    said = {part.lower() for part in re.findall(r"[A-Za-z][A-Za-z0-9]*", question)}
    said = {
        word for word in said if len(word) >= 2 and word not in PROGRAM_FILE_NOISE and not english_word(word)
    }
    if not said:
        return None
    documents: dict[int, set[str]] = {}
    for found in pages.values():
        if found:
            document = found[0].passage.document
            words = {word.lower() for word in re.split(r"[\W_]+", filename_words(document.filename))}
            if words & said:
                documents[document.id] = words & said
    if len(documents) != 1:
        return None
    [(named, names)] = documents.items()
    for key, found in pages.items():
        if key[0] != named and any(
            re.search(
                rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", evidence.passage.text, re.IGNORECASE
            )
            for evidence in found
            for name in names
        ):
            return None
    return named


def question_identifiers(question: str) -> list[str]:
    """The code identifiers a question writes: words joined by braces, underscores, colons, dots or
    slashes (`ATTRS{product}`, `date_fmt`, `Acquire::http::Proxy`, `/etc/fstab`), five characters at
    least; a hyphen joins ordinary words ("USB-брелок") and is no sign of code."""
    found = []
    for word in _IDENTIFIER.findall(question):
        word = word.strip(".:")
        if len(word) >= 5 and re.search(r"[A-Za-z]", word) and _JOINER.search(word):
            found.append(word)
    return found


def identifiers_held(identifiers: list[str], pages: list[list[PassageRecord]]) -> list[float]:
    """For each page, the share of the identifiers it writes verbatim (case aside) that not every page
    writes: one written on all of them tells none apart (0.0 for all when none is told apart)."""
    if not identifiers or len(pages) < 2:
        return [0.0] * len(pages)
    # A page's document name is written on it too: "nsswitch.conf" tells no page of nsswitch.conf.5 apart.
    texts = [
        " ".join([passages[0].document.filename if passages else "", *(p.text for p in passages)]).casefold()
        for passages in pages
    ]
    wanted = [identifier.casefold() for identifier in identifiers]
    holds = [[identifier in text for identifier in wanted] for text in texts]
    telling = [i for i in range(len(wanted)) if 0 < sum(row[i] for row in holds) < len(pages)]
    if not telling:
        return [0.0] * len(pages)
    return [sum(row[i] for i in telling) / len(telling) for row in holds]


def _take_fits(view: PageView, ahead: PageView, rebind: bool = True) -> None:
    """Give `view` the fits read ahead on the same page, bound to its own spans.

    The proposers find the same spans on the same passages in the same order; only the retrieval
    evidence each span carries comes from the final fusion. Where every span names the passages its
    evidence comes from (`Span.sources`) and the page's passages are the same, the spans read ahead
    are rebound to `view` and to its evidence: proposing them again cost ~1.7 ms a page, on the
    search's last, single-threaded stretch. Otherwise (`rebind` off, or a proposer that names no
    sources) the spans are proposed again and the (costlier) fits are taken over; a page whose spans
    differ is left to be read anew.
    """
    if ahead.fits is None:
        return
    fitted = ahead.fits[1]
    if (
        rebind
        and [p.id for p in view.passages] == [p.id for p in ahead.passages]
        and all(span.sources for span, _ in fitted)
    ):
        for span, _ in fitted:
            span.view = view
            span.evidence = view.best_evidence(span.sources)
        view.fits = (ahead.fits[0], list(fitted))
        return
    spans = propose_spans([view])
    same = len(spans) == len(fitted) and all(
        (span.passage.id, span.start, span.end, span.text, span.origin, span.term, span.command)
        == (was.passage.id, was.start, was.end, was.text, was.origin, was.term, was.command)
        for span, (was, _) in zip(spans, fitted, strict=True)
    )
    if same:
        view.fits = (ahead.fits[0], [(span, fit) for span, (_, fit) in zip(spans, fitted, strict=True)])


def _kept_ahead(hits: list[PageHit], pointed: set[tuple[int, int]], bonus: float) -> list[PageHit]:
    """The pages a quoted window name points at, moved back ahead of the others, in their own order."""
    named = [hit for hit in hits if hit.key in pointed]
    others = [hit for hit in hits if hit.key not in pointed]
    if not named or not others or named[0].score > others[0].score:
        return hits
    lift = others[0].score - named[0].score + bonus
    for hit in named:
        hit.score = round(hit.score + lift, 6)
    return sorted(hits, key=lambda hit: hit.score, reverse=True)


def own_language_first(
    hits: list[PageHit], language: str, rows: Callable[[PageHit], np.ndarray | None] | None = None
) -> list[PageHit]:
    """Each screenshot in the question's language moved just ahead of its twin in the other language.

    A program shot in English and in Russian shows one window twice; both hold an answer, and the
    question's language says which the user reads ("What speed is set ..." means the English screen, even
    when the Russian one's labels happen to fit the words better). Twins are told by layout, not by
    words: their controls stand at the same places (`same_layout`), or, where OCR found the controls of
    one shot only, their pixel rows step at the same heights (`same_rows` of the pages' `rows`). Other
    pages keep their order, and a page is never moved past one that is not its twin.
    """
    if language not in ("en", "ru"):
        return hits

    def read_in_language(hit: PageHit) -> bool:
        return hit.view is not None and hit.view.from_image and page_language(hit.view) == language

    def twin(hit: PageHit, other: PageHit) -> bool:
        assert hit.view is not None
        if other.view is None or not other.view.from_image or page_language(other.view) in (language, "und"):
            return False
        if same_layout(hit.view.passages, other.view.passages):
            return True
        return rows is not None and same_rows(rows(hit), rows(other))

    return moved_ahead(hits, read_in_language, twin)


def clean_copy_first(
    hits: list[PageHit], rows: Callable[[PageHit], np.ndarray | None] | None = None
) -> list[PageHit]:
    """Each screenshot moved just ahead of its copy with a red mark drawn on it (for a question not about
    the mark: `_rerank` reads no other).

    The marked copy holds one passage more (the mark's, repeating the words under it), so its best span
    can fit a little better; the user asked about the window, and the clean screen shows it as it is.
    A copy is told by its text: the marked page's other passages all stand on the clean one too
    (`is_marked_copy`); or, where the mark changed what OCR read under it, by its pixel rows: a marked
    page in the clean one's language whose rows step at the same heights (`same_rows`). Other pages keep
    their order.
    """

    def clean(hit: PageHit) -> bool:
        view = hit.view
        return view is not None and view.from_image and not any(p.kind == "mark" for p in view.passages)

    def marked_copy(hit: PageHit, other: PageHit) -> bool:
        assert hit.view is not None
        if other.view is None or not any(p.kind == "mark" for p in other.view.passages):
            return False
        if is_marked_copy(other.view.passages, hit.view.passages):
            return True
        return (
            rows is not None
            and other.view.from_image
            and page_language(other.view) == page_language(hit.view)
            and same_rows(rows(hit), rows(other))
        )

    return moved_ahead(hits, clean, marked_copy)


def moved_ahead(
    hits: list[PageHit], moving: Callable[[PageHit], bool], passes: Callable[[PageHit, PageHit], bool]
) -> list[PageHit]:
    """Each hit that is `moving` put just ahead of the first hit above it that it `passes`, its score
    raised to stay there; other hits keep their order."""
    ordered = list(hits)
    for hit in hits:
        if not moving(hit):
            continue
        at = ordered.index(hit)
        passed = next((i for i, other in enumerate(ordered[:at]) if passes(hit, other)), None)
        if passed is None:
            continue
        hit.score = round(max(hit.score, ordered[passed].score + 1e-6), 6)
        ordered.insert(passed, ordered.pop(at))
    return ordered


MARKED_COPY = 0.8
"""Share of a marked screenshot's passages (the mark's aside) whose text a clean screenshot holds too
from which it is a copy of that screen: the mark hides a few letters from OCR, rarely a fifth."""


def is_marked_copy(marked: Collection[PassageRecord], clean: Collection[PassageRecord]) -> bool:
    """Whether a screenshot with a red mark is a copy of a clean one: most of its passages' texts are the
    clean one's (two passages at least: a one-line screen matches too easily)."""
    if not any(p.kind == "mark" for p in marked) or any(p.kind == "mark" for p in clean):
        return False
    texts = {p.text for p in marked if p.kind != "mark"}
    if len(texts) < 2:
        return False
    return len(texts & {p.text for p in clean}) >= MARKED_COPY * len(texts)


TWIN_LAYOUT = 0.75
"""Share of two screenshots' controls that stand at the same place (relative to the window) from which
they are one window shot twice. Measured on the cross-language pairs of eight programs' screenshots
(LibreOffice Writer, Calc, Impress, GIMP, Geany, Mousepad, FileZilla, HexChat; 74 twin pairs, about 480
others): 60 twins found, 1 other pair taken for twins (0.66 took 13)."""
TWIN_ROW = 0.02
"""How far (a share of the window's height) a control's middle may move between twins: translated
labels change the width of a window, rarely its rows."""
TWIN_COLUMN = 0.1
"""How far (a share of the window's width) a control's left edge may move between twins: longer labels
push a column right."""


def control_places(passages: Collection[PassageRecord]) -> list[tuple[float, float]]:
    """Where each control of a screenshot stands: (middle row, left edge) as shares of the window."""
    return [
        ((p.bbox[1] + p.bbox[3]) / 2 / p.page_height, p.bbox[0] / p.page_width)
        for p in passages
        if p.kind == "control" and p.page_height > 0 and p.page_width > 0
    ]


def same_layout(first: Collection[PassageRecord], second: Collection[PassageRecord]) -> bool:
    """Whether two screenshots show one window: most of their controls stand at the same places.

    Language-blind on purpose (twins in two languages share hardly a word); three controls at least
    on each, as a dialog of one or two controls matches any other.
    """
    here, there = control_places(first), control_places(second)
    if min(len(here), len(there)) < 3:
        return False
    free = list(there)
    matched = 0
    for row, column in sorted(here):
        found = next(
            (
                place
                for place in free
                if abs(place[0] - row) <= TWIN_ROW and abs(place[1] - column) <= TWIN_COLUMN
            ),
            None,
        )
        if found is not None:
            free.remove(found)
            matched += 1
    return matched / ((len(here) + len(there)) / 2) >= TWIN_LAYOUT


EDGE_ROWS_KEPT = 4096
"""Screenshot pages whose `edge_rows` a retriever keeps (a few KiB each: some 20 MiB at most)."""
EDGE_STEP = 40.0
"""Grey levels between vertically neighbouring pixels that make an edge (a frame, a separator, a glyph's
top or foot): anti-aliased 1-px lines of light themes step by more, flat fills by far less."""
TWIN_ROWS = 0.9
"""Share of two screenshots' edge rows (`edge_rows`) that stand at the same heights from which they are
one window shot twice. Measured on two programs' windows shot in English and Russian (a GTK 2 setup
dialog of six tabs, a text-mode file manager of eight dialogs drawn over the same panels; 12 twin pairs,
about 100 others): twins share 0.92-0.97, a red mark drawn on one included; other windows of one program
at most 0.87 (the text-mode ones: their panels behind the dialog are the same), other GTK tabs 0.67."""
TWIN_HEIGHT = 0.03
"""How far (a share of the taller) the heights of twins may differ: a translation widens a window, and
changes its height only where a label wraps."""


def edge_rows(image: Image.Image) -> np.ndarray:
    """Per pixel row of a screenshot, the share of its width where the grey level steps from the row above.

    The rows of a dialog (its frames, separators, text lines, buttons) stand at the same heights whatever
    the language of its labels, while another window or another tab of the same one steps elsewhere.
    A red mark drawn on the shot (`indexer.marks.red_mask`, and a pixel round it) makes no step: the
    marked copy of a window keeps its rows."""
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    if gray.shape[0] < 2 or gray.shape[1] == 0:
        return np.zeros(0, dtype=np.float32)
    steps = np.abs(np.diff(gray, axis=0)) > EDGE_STEP
    mark = red_mask(image)
    if mark.any():
        mark = binary_dilation(mark, iterations=2)
        steps &= ~(mark[:-1] | mark[1:])
    return steps.mean(axis=1).astype(np.float32)


def same_rows(first: np.ndarray | None, second: np.ndarray | None) -> bool:
    """Whether two screenshots show one window: most of their edge rows (`edge_rows`) stand at the same
    heights, a pixel either way (a label's glyphs may sit a pixel lower in the other script).

    Width-blind on purpose: longer labels widen a window, and its right-hand controls move with it."""
    if first is None or second is None or not first.size or not second.size:
        return False
    if abs(first.size - second.size) > TWIN_HEIGHT * max(first.size, second.size):
        return False
    size = min(first.size, second.size)
    here, there = first[:size], second[:size]
    total = float(here.sum() + there.sum())
    if total <= 0:
        return False
    shared = np.minimum(maximum_filter1d(here, 3), there) + np.minimum(here, maximum_filter1d(there, 3))
    return float(shared.sum()) / total >= TWIN_ROWS


def _ranked_across_languages(hit: PageHit, language: str, rank: int) -> bool:
    """Whether a multilingual channel ranks a passage of the page in the other language near the top."""
    return _passages_across_languages(hit.passages, language, rank)


def _passages_across_languages(passages: list[Evidence], language: str, rank: int) -> bool:
    """Whether a multilingual channel ranks one of these passages in the other language near the top."""
    for evidence in passages:
        if evidence.passage.lang in (language, "und") or language not in ("en", "ru"):
            continue
        best = min(evidence.ranks.get("dense", rank + 1), evidence.ranks.get("deep", rank + 1))
        if best <= rank:
            return True
    return False


RED_MARK = re.compile(r"\bred\b|(?<!\w)красн\w*", re.IGNORECASE)
"""A question that names the red of a hand-drawn mark (the marks `indexer.marks` finds are red)."""
_SHAPE_NAMES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(shapes))
    for pattern, shapes in (
        (r"\b(ellips\w*|ovals?|oval-shaped|circles?)\b|(?<!\w)(эллипс|овал|кружк|круг\b)\w*", ("ellipse",)),
        (r"\barrows?\b|(?<!\w)стрелк\w*", ("arrow",)),
        (r"\b(rectangle\w*|frames?|framed)\b|(?<!\w)(рамк|прямоугольн)\w*", ("rectangle",)),
        # "circled", "обведён": drawn round it, an oval or a frame, not an arrow.
        (r"\b(circled|encircled|outlined)\b|(?<!\w)обвед\w*", ("ellipse", "rectangle")),
    )
)


def named_mark_shapes(question: str) -> frozenset[str]:
    """The shapes of red mark a question names ("the red arrow", "обведено рамкой"); none when it names none.

    A word that names a shape outright (arrow, frame, oval) decides; "circled" or "обведено" alone
    means only that something was drawn round the option.
    """
    named = [shapes for pattern, shapes in _SHAPE_NAMES if pattern.search(question)]
    outright = [shapes for shapes in named if len(shapes) == 1]
    return frozenset().union(*(outright or named))


def _mark_shapes(found: list[Evidence]) -> frozenset[str]:
    """The shapes of the red marks among a page's passages (their description names the shape)."""
    return frozenset(
        shape
        for evidence in found
        if evidence.passage.kind == "mark"
        for shape, description in MARK_DESCRIPTIONS.items()
        if evidence.passage.section.endswith(description)
    )


_MARK_WORDS = frozenset(search_tokens(" ".join(MARK_DESCRIPTIONS.values())))


def _window_words(found: list[Evidence]) -> set[str]:
    """The words of a screenshot's window title: its passages' section, less the mark's description."""
    words: set[str] = set()
    for evidence in found:
        words.update(search_tokens(evidence.passage.section, drop_stopwords=True))
    return words - _MARK_WORDS


def _shows_label(label: str, found: list[Evidence]) -> bool:
    """Whether a screenshot's title shows a quoted label word for word (case aside), not just its stems."""
    if not label.split():
        return False
    pattern = _label_pattern(label)
    return any(pattern.search(evidence.passage.section) for evidence in found)


def _label_pattern(label: str) -> re.Pattern[str]:
    words = label.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)", re.IGNORECASE)


_LABEL_SEPARATOR = re.compile(r"(^|[|\[\](){}<>:;,.!?«»\"“”']|\s{2,}|\n)\s*$")


def _label_starts(label: str, text: str) -> bool:
    """Whether a text shows a quoted label where a label starts: after a separator (a tab's border read
    as '|' or ']', a line break, a wide gap, the text's start) or written with the label's own capital.

    A label starts with a capital in both languages' interfaces ("View", "Вид"), while a word inside a
    longer label does not ("Внешний вид"): «Вид» is found in "Главные| Внешний вид]" only inside.
    """
    if not label.split():
        return False
    capital = label[0].isupper()
    for match in _label_pattern(label).finditer(text):
        if (capital and text[match.start()].isupper()) or _LABEL_SEPARATOR.search(text[: match.start()]):
            return True
    return False


def _inside_label(label: str, found: list[Evidence]) -> bool:
    """Whether a screenshot's title shows a quoted label only inside a longer label (see `_label_starts`)."""
    sections = {evidence.passage.section for evidence in found}
    pattern = _label_pattern(label)
    shown = [section for section in sections if pattern.search(section)]
    return bool(shown) and not any(_label_starts(label, section) for section in shown)


PROGRAM_FILE_NOISE = frozenset({"png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp", "gif", "en", "ru"})
"""Words of a screenshot's file name that name no program: its format and its language."""


def names_program(terms: set[str], window: set[str], filename: str) -> bool:
    """Whether a question's words (besides the labels it quotes) name a screenshot's program or window:
    two words of its title at least and half of them ("средства настройки Qt" names "Средство настройки
    Qt"), or a word of its file name ("Xfe" names xfe_general.png) that is no mark's description."""
    title = {word for word in window if len(word) >= 3}
    named = [word for word in title if _named(word, terms)]
    if len(named) >= 2 and 2 * len(named) >= len(title):
        return True
    from_file = file_terms(filename) - PROGRAM_FILE_NOISE - _MARK_WORDS
    return any(len(word) >= 3 and not word.isdigit() and word in terms for word in from_file)


QUOTED_NAME = re.compile(r"«([^»]+)»|\"([^\"]+)\"|“([^”]+)”|\(([^)]+)\)")
"""A name the question sets apart: «Формат ячеек», "Print", (Параметры демонстрации)."""


def names_window(quoted: list[set[str]], terms: set[str], window: set[str]) -> bool:
    """Whether the question names a screenshot's window by its title's words.

    A question that quotes names means the window one of them names in full; one that quotes
    nothing must name every word of a title of two or more words. Letters lost at a title's start
    (OCR cut "Параметры" to "раметры" at the window's edge) still count.
    """
    title = {word for word in window if len(word) >= 3}
    if not title:
        return False
    if quoted:
        return any(names and all(_in_title(word, title) for word in names) for names in quoted)
    return len(title) >= 2 and all(_named(word, terms) for word in title)


FIGURE_NOUN = re.compile(
    r"\b(figures?|fig\.|diagrams?|drawings?|illustrations?|pictures?|images?|schematics?|charts?|pinouts?"
    r"|windows?|screenshots?)\b"
    r"|(?<!\w)(рисун\w*|рис\.|схем\w*|изображени\w*|иллюстраци\w*|черт[её]ж\w*|распиновк\w*|окн[оаеу]\w*"
    r"|скриншот\w*|снимк\w*|снимок)",
    re.IGNORECASE,
)
"""A word for a figure itself (a drawing, a diagram, a window shown in a manual), not for what one shows:
"the antenna port" speaks of the device, "the block diagram" of a figure."""


PICTURE_WORD = re.compile(
    r"\b(pictures?|pictured|screenshots?|screen shots?|figures?|fig\.|illustrations?|diagrams?|charts?)\b"
    r"|(?<!\w)(рисун\w*|рис\.|снимк\w*|снимок|скриншот\w*|иллюстраци\w*|диаграмм\w*|изображ[её]нн\w*)",
    re.IGNORECASE,
)
"""A word that says the answer is in a picture ("in the screenshot of ...", "на рисунке ..."): unlike
`FIGURE_NOUN` it leaves out what a page's text speaks of as much ("the window", "схема" a circuit, "image" a
disk's, "drawing" an editor's file)."""


def shown_in_figure(span: Span) -> bool:
    """Whether a span is read from a picture: a screenshot's, or a figure's of a manual."""
    return span.view.from_image or any(p.kind in FIGURE_KINDS for p in (span.passage, *span.sources))


def pictured_fits(question: QuestionProfile, views: Sequence[PageView]) -> list[float]:
    """`page_fits`, where a question asks what a picture shows (`figures_answer`): a manual's page fits as
    well as its figures' best span. Among the manuals' pages the figures decide; against a screenshot
    (all of it is a picture) the best manual page keeps the fit its best span of any kind gives, so that
    the manuals as a whole neither gain nor lose against the screenshots."""
    fits = page_fits(question, views)
    if not figures_answer(question.text, views):
        return fits
    drawn = page_fits(question, views, shown_in_figure)
    manual = [index for index, view in enumerate(views) if not view.from_image]
    lift = max(fits[index] for index in manual) - max(drawn[index] for index in manual)
    return [
        fit if view.from_image else shown + lift for view, fit, shown in zip(views, fits, drawn, strict=True)
    ]


def figures_answer(question: str, views: Sequence[PageView]) -> bool:
    """Whether only what pictures show may speak for the pages read: the question asks what a picture shows
    ("In the screenshot of the Output tab, what file path ..."), and a manual's page read holds a figure.
    The text around a figure describes the same window and shares more of the question's words; its spans
    then outvote the figure's labels, which are what the question reads."""
    return bool(PICTURE_WORD.search(question)) and any(
        not view.from_image and any(p.kind in FIGURE_KINDS for p in view.passages) for view in views
    )


CAPTION_WORDS = 12
"""Words at most of a line beside a figure that is its title or caption ("Figure 3. Signal flow")."""


def figure_titles(passages: Sequence[PassageRecord]) -> set[str]:
    """What titles each figure of a page (its passages in reading order): the heading it stands under and
    a short line just above or below it (its caption, or a title the layout did not take for a heading)."""
    titles = set()
    for index, passage in enumerate(passages):
        if passage.kind != "figure":
            continue
        titles.add(passage.section)
        for beside in (*passages[max(index - 1, 0) : index], *passages[index + 1 : index + 2]):
            if beside.kind in ("text", "heading") and len(beside.text.split()) <= CAPTION_WORDS:
                titles.add(beside.text)
    return titles - {""}


_ITEM_KINDS: tuple[tuple[str, str], ...] = (
    (r"figures?|figs?\.?|рисун\w*|рис\.?", "figure"),
    (r"tables?|таблиц\w*|табл\.?", "table"),
    (r"examples?|пример\w*", "example"),
    (r"listings?|листинг\w*", "listing"),
)
_ITEM_NUMBER = r"(\d+(?:[.-]\d+)*)(?![.-]?\d)"
_NAMED_ITEM = re.compile(
    r"(?<!\w)(" + "|".join(pattern for pattern, _ in _ITEM_KINDS) + r")\s*(?:№\s*)?" + _ITEM_NUMBER,
    re.IGNORECASE,
)
_CAPTION_START = re.compile(
    r"^\s*(" + "|".join(pattern for pattern, _ in _ITEM_KINDS) + r")\s*" + _ITEM_NUMBER + r"\s*([.:—–-]|$)",
    re.IGNORECASE | re.MULTILINE,
)


def _item_kind(word: str) -> str:
    return next(kind for pattern, kind in _ITEM_KINDS if re.fullmatch(pattern, word, re.IGNORECASE))


def numbered_items(question: str) -> frozenset[tuple[str, str]]:
    """The figures, tables and examples a question names by number, in either language: "Figure 11.1",
    "на рисунке 9.3", "Table 6.2", "в примере 3" -> {("figure", "11.1"), ...}."""
    return frozenset((_item_kind(match[1]), match[2]) for match in _NAMED_ITEM.finditer(question))


def numbered_figure(text: str) -> str | None:
    """The number of the first figure `text` names: "13.10" of «на рисунке 13.10?», "2-3" of "Fig. 2-3 shows",
    "5" of the caption "Figure 5. Wiring"; None when it names none."""
    return next((match[2] for match in _NAMED_ITEM.finditer(text) if _item_kind(match[1]) == "figure"), None)


def captioned_items(passages: Sequence[PassageRecord]) -> frozenset[tuple[str, str]]:
    """The numbered figures, tables and examples a page holds: a line that starts with the item's label and
    number and goes on as a caption does ("Figure 11.1. Role of ...", "Рисунок 9.3. ...", "Table 6.2:"),
    or a figure titled so. Running text that refers to one ("as Figure 11.1 shows") holds none."""
    found: set[tuple[str, str]] = set()
    for passage in passages:
        texts = [passage.text, passage.section] if passage.kind == "figure" else [passage.text]
        for text in texts:
            found.update((_item_kind(match[1]), match[2]) for match in _CAPTION_START.finditer(text))
    return frozenset(found)


def numbered_otherwise(named: frozenset[tuple[str, str]], captioned: frozenset[tuple[str, str]]) -> bool:
    """Whether a page's captions number other items of the kind the question numbers, and not the one it
    names: «на схеме загрузки (рисунок 9.1)» does not mean the page of "Рисунок 9.2. Последовательность
    загрузки", however well its title's words match."""
    kinds = {kind for kind, _ in named}
    return any(kind in kinds for kind, _ in captioned) and not named & captioned


def names_figure(question: QuestionProfile, title: str, filename: str = "") -> bool:
    """Whether the question names a figure by its title (caption, or the heading it stands under), in
    either language: two of the title's words at least, and half of them ("рисунок базовых углов" names
    "3.3. Базовые углы и координаты"; "по блок-схеме" names "Block Diagram" through the lexicon).
    A title of one word ("Eaton") names a chapter, not a figure; the document's own name ("HackRF One" in
    hackrf-hardware.en.pdf) names every page of it, so its words do not count."""
    words = {
        word for word in search_tokens(title, drop_stopwords=True) if len(word) >= 3 and not word.isdigit()
    }
    words -= file_terms(filename)
    if len(words) < 2:
        return False
    translated = {stem for crossing in question.crossing.values() for stem in crossing.translations}
    named = {word for word in words if _named(word, set(question.terms)) or word in translated}
    return len(named) >= 2 and 2 * len(named) >= len(words)


def _in_title(word: str, title: set[str]) -> bool:
    return _named(word, title) or any(len(part) >= 5 and word.endswith(part) for part in title)


def _named(word: str, terms: set[str]) -> bool:
    """Whether the question names a title word, in any of its forms ("дисплея" names "Дисплей").

    The stemmer cuts the two apart ("диспле" / "диспл"): a shared start of all but a letter counts.
    """
    for term in terms:
        if term == word:
            return True
        shorter = min(len(term), len(word))
        common = next((i for i, (a, b) in enumerate(zip(term, word, strict=False)) if a != b), shorter)
        if shorter >= 4 and common >= shorter - 1:
            return True
    return False
