"""Answer spans on a page and how well each fits a question: the reader's and the reranker's shared ground.

A page is read as its passages in reading order. *Span proposers* turn it into candidate answers:
sentences and line pairs, a short line joined to what follows it, a term with its definition (option
lists, man pages), an introducing sentence with the block it introduces ("run the following
command:" + the command). `span_fit` then weighs a span against a `QuestionProfile` with cheap,
explainable features; the extractive reader adds the meaning (embeddings) on a shortlist.

Everything here is a pure function of passages and text, so it is tested on real page layouts
without a workspace. Another kind of span (a dialog control with its value, a figure label) is added
by appending a proposer to `SPAN_PROPOSERS`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import median
from typing import TYPE_CHECKING

import numpy as np

from assistant.questions import (
    ACTION,
    AFTER,
    ALGORITHM,
    ANY,
    COMMAND,
    FIRST,
    FREQUENCY,
    KEY,
    LAST,
    MODEL,
    NAME,
    NO_EVIDENCE,
    NTH,
    NUMBER,
    OPTION,
    PACKAGE,
    PATH,
    VARIABLE,
    KindEvidence,
    QuestionProfile,
    asked_kind_words,
    english_word,
    kind_evidence,
    loanword_terms,
    missing_qualifiers,
    named_language,
    says_quoted,
    sorted_stems,
    span_terms,
    states_fallback,
    translated_terms,
    unsaid_contrasted_name,
    word_pairs,
)
from indexer.language import STOPWORDS, detect_language, search_tokens
from indexer.records import BBox, LineSpan, PassageRecord, union_bbox
from indexer.workspace import filename_words

if TYPE_CHECKING:
    from assistant.retrieval import Evidence, PageHit

MAX_ANSWER_CHARS = 320
CROSSLINGUAL_MEANING = 1.5
"""Weight of a span's similarity to the question when they are in different languages (1 otherwise):
across languages only names can match word for word, so the meaning carries more weight."""
GLOSSARY_SHARE = 0.5
"""What a question's word found only through the glossary's translation loses of its weight."""
MAX_BLOCK_LINES = 6
"""Lines of an introduced block (a command and a little of its output) that an answer carries."""

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZА-ЯЁ0-9“\"(<>-])|\n{2,}")
_MID_SENTENCE_ABBREVIATION = re.compile(
    r"(?<![^\W\d_])(?:resp|e\.\s?g|i\.\s?e|cf|vs|viz|approx|incl|esp|т\.\s?е|т\.\s?к|напр|рис|англ)\.$",
    re.IGNORECASE,
)
"""A full stop that ends an abbreviation standing inside a sentence ("0.1 resp. 10.0", "e.g. Ctrl",
"т. е. Ctrl"): the sentence runs on past it. ("etc." and "и т. д." often end one: they are not here.)"""


def sentence_ends(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
    """Where the sentences of `text` end (from `pos`): `_SENTENCE_END`'s matches less the full stops of
    abbreviations a sentence runs on past."""
    for match in _SENTENCE_END.finditer(text, pos):
        if match.group(0).count("\n") < 2 and _MID_SENTENCE_ABBREVIATION.search(
            text, max(0, match.start() - 8), match.start()
        ):
            continue
        yield match


_INTRODUCING = re.compile(
    r"\b(following|as follows|for example|for instance|example|below|like this|such as)\b"
    r"|(?<!\w)(следующ|пример|ниже|так:|вот так|например)\w*",
    re.IGNORECASE,
)
_UNFINISHED = re.compile(
    r"(?<!\w)(with|using|via|by|to|from|into|of|for|as|like|the|a|an|and|or|run|running|type|typing|enter"
    r"|use|execute|invoke|command|commands|is|are|"
    r"с|со|через|в|во|на|для|из|и|или|как|используя|запустите|выполните|введите|наберите|командой|команду"
    r"|помощью|вызовом|это|так)\s*$",
    re.IGNORECASE,
)
"""A sentence that stops on a word that needs what follows ("you can hold a package using", "с
помощью"): it runs on into the next block, which holds its object (a command, a path)."""
_UNFINISHED_REACH = max(len(word) for word in re.findall(r"[^\W\d_]+", _UNFINISHED.pattern))
"""The longest word `_UNFINISHED` ends on: a sentence's end is searched that far back only."""
_CONTINUATION = re.compile(r"^(and|or|but|nor|then|и|или|а|но|либо|затем)\s", re.IGNORECASE)
"""A span that starts mid-sentence ("and remove the hold with ..."): its subject and its point stand
in the sentence it continues."""
_PROMPT = re.compile(r"^\s*[$#>%]\s+\S")
_ANAPHOR = re.compile(
    r"(it|its|this|these|they|their|such|he|she|his|her)\b"
    r"|(он|она|оно|они|его|её|ее|их|это|эта|этот|эти|такой|такая|такие)(?!\w)",
    re.IGNORECASE,
)
MAX_ANTECEDENT_CHARS = 120
"""How much longer than an answer a span may grow to bring the sentence its pronoun points back to."""
_OPTION_START = re.compile(r"^(-{1,2}[A-Za-z0-9?][\w-]*(\[?=[^\s,]*)?,?\s*)+")


_LEADING_NUMBER = re.compile(r"\s*(\d{1,5})(?!\S)")
_LEADING_DIGITS = re.compile(r"\s*(\d{1,5})")
_BRACKET_HEADING = re.compile(r"\[[^\[\]=]{1,40}\]")
MIN_GUTTER_LINES = 4
"""Lines that must open with a bare number for a screenshot's left column to be a line-number gutter."""
GUTTER_STEP_SHARE = 0.6
"""Share of neighbouring numbered lines that must count up by one (the rest: lines OCR lost the number of)."""


def _counting_chain(numbered: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (line, number) pairs whose numbers rise in reading order (ties: the earliest)."""
    best: list[list[tuple[int, int]]] = []
    for k, (line, number) in enumerate(numbered):
        before = [best[j] for j in range(k) if numbered[j][1] < number]
        best.append([*max(before, key=len, default=[]), (line, number)])
    return max(best, key=len, default=[])


@dataclass(frozen=True)
class Gutter:
    """What a line-number gutter says of a screenshot's lines: how many leading characters of each are
    its number (0: none), and which line is the shown file's first, its title (None: not shown)."""

    widths: list[int]
    title: int | None = None
    numbers: range = range(0)
    """The line numbers the gutter shows."""


def gutter_numbers(lines: Sequence[str], lefts: Sequence[float], cell: float) -> Gutter:
    """Where a screenshot's lines (their text and left edge) hold an editor's, pager's or viewer's line
    numbers. The numbers count up line by line, set in a column at the left (right-aligned: "9" stands a
    cell right of "10"); OCR loses some and glues others to the text ("7" + "4. Check" -> "74. Check"),
    so once the bare numbers make a gutter, a line's leading digits that begin with the number due
    between two found ones are its number too. A repeated copy of the text is read the same way.

    The title is the first numbered line when no line of the text column stands above it (window and
    title bars stand elsewhere): the first line a viewer shows names what the lines below it are about."""
    numbered = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := _LEADING_NUMBER.match(line))]
    chain = _counting_chain(numbered)
    steps = [b - a for (_, a), (_, b) in itertools.pairwise(chain)]
    widths = [0] * len(lines)
    if len(chain) < MIN_GUTTER_LINES or sum(step == 1 for step in steps) < GUTTER_STEP_SHARE * len(steps):
        return Gutter(widths)
    numbers = {number for _, number in chain}
    low, high = min(numbers), max(numbers)
    column = max(lefts[i] for i, _ in chain) + cell
    due = {a + 1 for (_, a), (_, b) in itertools.pairwise(chain) if b - a == 2}
    for i, line in enumerate(lines):
        if lefts[i] > column or not (m := _LEADING_DIGITS.match(line)):
            continue
        digits = m.group(1)
        if _LEADING_NUMBER.match(line) and low <= int(digits) <= high + 1:
            widths[i] = m.end(1)
        elif glued := next((str(n) for n in due if digits.startswith(str(n)) and digits != str(n)), None):
            widths[i] = m.start(1) + len(glued)
    first = chain[0][0]
    above = any(lefts[i] <= column + 4 * cell and lines[i].strip() for i in range(first))
    titled = not above and any(ch.isalpha() for ch in lines[first][widths[first] :])
    return Gutter(widths, first if titled else None, range(low, high + 2))


@dataclass(frozen=True)
class EditorText:
    """A screenshot's passages read as a text file shown with line numbers (`without_gutter`)."""

    passages: list[PassageRecord]
    numbered: frozenset[int] = frozenset()
    """Ids of the passages whose lines are the file's numbered lines: each line is one statement."""


def without_gutter(passages: Sequence[PassageRecord]) -> EditorText:
    """A screenshot's passages with the line numbers of a text editor's gutter blanked out (`gutter_numbers`):
    "19 path /var/log/app.log" reads "   path /var/log/app.log", so no proposer offers the line number as
    the number asked for and no answer carries it. Blanks keep every character offset and box in place.
    The shown file's title line is blanked too and becomes the heading of the numbered passages: its
    words ("Shift 3 tasks") say which notes the question means, not which line answers it.
    Only the text passages count: controls read from the same lines come apart from them."""
    places = [(k, line) for k, p in enumerate(passages) if p.kind == "text" for line in p.spans]
    if len(places) < MIN_GUTTER_LINES:
        return EditorText(list(passages))
    cell = median(span.bbox[3] - span.bbox[1] for _, span in places)
    texts = [passages[k].text[span.start : span.end] for k, span in places]
    gutter = gutter_numbers(texts, [span.bbox[0] for _, span in places], cell)
    if not any(gutter.widths):
        return EditorText(list(passages))
    chars = [list(passage.text) for passage in passages]
    numbered = {k for (k, _), width in zip(places, gutter.widths, strict=True) if width}
    sections = [passage.section for passage in passages]
    for (k, span), width in zip(places, gutter.widths, strict=True):
        chars[k][span.start : span.start + width] = " " * width
    if gutter.title is not None:
        k, span = places[gutter.title]
        title = texts[gutter.title][gutter.widths[gutter.title] :].strip()
        chars[k][span.start : span.end] = " " * (span.end - span.start)
        sections = [title if k in numbered else section for k, section in enumerate(sections)]
    for k in numbered:
        # A configuration file's "[alarms]" opening a block of lines heads them as a manual's heading does.
        opening = next((line.strip() for line in "".join(chars[k]).split("\n") if line.strip()), "")
        if _BRACKET_HEADING.fullmatch(opening):
            sections[k] = f"{sections[k]} {opening}".strip()
    edited = [
        dataclasses.replace(passage, text="".join(text), section=section)
        if "".join(text) != passage.text or section != passage.section
        else passage
        for passage, text, section in zip(passages, chars, sections, strict=True)
        if not _numbered_control(passage, gutter.numbers)
    ]
    return EditorText(edited, frozenset(passages[k].id for k in numbered))


def _numbered_control(passage: PassageRecord, numbers: range) -> bool:
    """A "label: value" control the indexer read from a numbered line ("11 Phone: 555-01"): the line
    itself, read whole, is the text file's statement; the control repeats it with its number."""
    number = _LEADING_NUMBER.match(passage.text) if passage.kind == "control" else None
    return number is not None and int(number.group(1)) in numbers


@dataclass
class PageView:
    """One retrieved page: all its passages in reading order, and the retrieval evidence for some."""

    hit: PageHit
    passages: list[PassageRecord]
    evidence: dict[int, Evidence] = field(default_factory=dict)
    similarities: dict[int, float] = field(default_factory=dict)
    """passage id -> the question's similarity to the passage's stored dense vector (section included)."""
    fits: tuple[QuestionProfile, list[tuple[Span, Fit]]] | None = field(default=None, repr=False)
    query: tuple[object, np.ndarray] | None = field(default=None, repr=False)
    """(embedder, the question's vector) when retrieval embedded it already: the reader reuses it."""
    _lines: list[PageLine] | None = field(default=None, repr=False)
    _items: list[DefinitionItem] | None = field(default=None, repr=False)
    _bodies: dict[int, list[list[PageLine]]] | None = field(default=None, repr=False)
    _term_starts: dict[int, list[int]] | None = field(default=None, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)
    lacks_names: float = 0.0
    """How much less of the question's distinctive names the page holds than the page read with the most
    of them (`names_held`), plus one when it is not in the language the question names (set by the
    reranker): its spans lose as much to the reader."""

    numbered: frozenset[int] = frozenset()
    """Ids of the passages that are a text file's numbered lines on screen (`without_gutter`)."""

    def __post_init__(self) -> None:
        # A view copied with `dataclasses.replace` keeps what its original read (its passages are blanked).
        if self.from_image and not self.numbered:
            editor = without_gutter(self.passages)
            self.passages, self.numbered = editor.passages, editor.numbered

    @property
    def from_image(self) -> bool:
        """A screenshot or photo: its lines are OCR'd labels, not prose or option lists."""
        return self.hit.document.media_type.startswith("image/")

    @property
    def lines(self) -> list[PageLine]:
        if self._lines is None:
            self._lines = page_lines(self.passages)
        return self._lines

    @property
    def definition_items(self) -> list[DefinitionItem]:
        """The page's term/definition items (none on screenshots, whose rows are labels)."""
        if self._items is None:
            self._items = [] if self.from_image else definition_items(self.lines, self.text_height)
        return self._items

    @property
    def text_height(self) -> float:
        """The typical height of the page's own text lines: a screenshot pasted into the page has its
        labels OCR'd in smaller type, and they are no measure of the text's line spacing."""
        own = [line for line in self.lines if self.passages[line.passage].kind not in FIGURE_KINDS]
        return typical_height(own or self.lines)

    def in_definition(self, passage: PassageRecord, start: int, end: int) -> bool:
        """Whether a character range of a passage lies inside the body of a definition."""
        if self._bodies is None:
            # Asked for every sentence of the page: the definitions' lines are grouped by passage once.
            self._bodies = {}
            for item in self.definition_items:
                body: dict[int, list[PageLine]] = {}
                for i in item.definition:
                    body.setdefault(self.lines[i].passage, []).append(self.lines[i])
                for index, inside in body.items():
                    self._bodies.setdefault(index, []).append(inside)
        index = next((i for i, p in enumerate(self.passages) if p.id == passage.id), -1)
        for inside in self._bodies.get(index, ()):
            if any(line.start <= start and end <= line.end for line in inside):
                return True
            if inside[0].start <= start and end <= inside[-1].end:
                return True
        return False

    def _terms_of(self, passage: PassageRecord) -> list[int]:
        """Where the passage's lines that are a definition's term start."""
        if self._term_starts is None:
            self._term_starts = {}
            for item in self.definition_items:
                line = self.lines[item.term]
                self._term_starts.setdefault(self.passages[line.passage].id, []).append(line.start)
        return self._term_starts.get(passage.id, [])

    def starts_term(self, passage: PassageRecord, start: int) -> bool:
        return any(passage.text[at:start].strip() == "" for at in self._terms_of(passage) if at <= start)

    def cut_at_terms(self, passage: PassageRecord, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Sentence ranges cut where a definition's term starts a line: a term begins a new item, so
        "... для запросов DNS.\nno-reload (начиная с glibc 2.26)" is two items, not one sentence (the
        sentence splitter sees no capital after the full stop)."""
        starts = self._terms_of(passage)
        if not starts:
            return ranges
        cut = []
        for start, end in ranges:
            for at in sorted(s for s in starts if start < s < end):
                if passage.text[start:at].strip():
                    cut.append((start, at))
                start = at
            cut.append((start, end))
        return cut

    def best_evidence(self, passages: Iterable[PassageRecord]) -> Evidence | None:
        found = [self.evidence[p.id] for p in passages if p.id in self.evidence]
        return max(found, key=lambda e: e.score, default=None)

    def joined_span(
        self,
        anchor: PassageRecord,
        pieces: Sequence[tuple[PassageRecord, int, int]],
        origin: str,
        term: str = "",
        command: str = "",
    ) -> Span:
        """A span read from character ranges of the page's passages (`joined_passage`, standing for
        `anchor`), carrying the best retrieval evidence of the passages it reads as its `sources`."""
        joined = joined_passage(anchor, pieces)
        sources = tuple({passage.id: passage for passage, _, _ in pieces}.values())
        evidence = self.best_evidence(sources)
        text = joined.text
        return Span(self, joined, 0, len(text), text, origin, evidence, term, command, sources)


@dataclass
class Span:
    """A candidate answer: a character range of a passage (possibly one joined from several)."""

    view: PageView
    passage: PassageRecord
    start: int
    end: int
    text: str
    origin: str
    """Which proposer made it: sentence, pair, lead-in, definition, introduced-block, mark, ..."""
    evidence: Evidence | None = None
    term: str = ""
    """For a definition: the term (option name) the definition belongs to; it is the answer."""
    command: str = ""
    """For a manual's example: its command line (prompt left off); it is what a how-to question wants."""
    sources: tuple[PassageRecord, ...] = ()
    """The page's passages whose retrieval evidence the span carries (`PageView.best_evidence` of them):
    with them, the span's fit read ahead is bound to the final evidence without proposing it again.
    A proposer that leaves it empty has its page's spans proposed anew."""


@dataclass
class Fit:
    """How a span fits a question, feature by feature (the reader's gate reads these)."""

    coverage: float = 0.0
    """Share of the question's content words found in the span or its section heading."""
    own_coverage: float = 0.0
    """Weighted share of the question's words that the span itself adds beyond its section heading."""
    phrase: float = 0.0
    """Share of the question's neighbouring word pairs the span says side by side too."""
    portable_coverage: float = 0.0
    """Weighted share of the question's translation-proof words (names, identifiers) in the span."""
    crosslingual: bool = False
    translated: tuple[str, ...] = ()
    """Question words the span (in the other language) writes as a loanword or a glossary translation."""
    kind: KindEvidence = NO_EVIDENCE
    """What in the span is of the asked-for kind ("option --remove-files"); empty when nothing is."""
    named: float = 0.0
    """Weighted share of the question's words that the asked-for item itself carries: options and
    commands are named after what they do (`--skip-old-files`, `journalctl`, `Acquire::http::proxy`)."""
    missing: tuple[str, ...] = ()
    """Qualifiers of the question ("default", "maximum") the span does not state."""
    restates: bool = False
    carries: bool = False
    """The span itself says a word of the question besides the file's name: "Descale the machine every
    three months" under "Cleaning and descaling" does; gzip's copyright notice in gzip.1.pdf does not."""
    key: str = ""
    """The key of the list item the span is, when the question names it ("-n", "2", "hosts")."""
    unsaid: frozenset[str] = frozenset()
    """The question's terms that neither the span (in either language) nor its heading or file name says."""
    score: float = 0.0

    def why(self) -> str:
        parts = [f"kind: {self.kind}", f"coverage {self.coverage:.2f}/{self.own_coverage:.2f}"]
        if self.key:
            parts.append(f"the item of {self.key!r} the question names")
        if self.named:
            parts.append(f"its name says {self.named:.2f} of the question")
        if self.crosslingual:
            parts.append(f"cross-lingual, portable words {self.portable_coverage:.2f}")
            if self.translated:
                parts.append(f"said in the other language: {', '.join(self.translated)}")
        if self.missing:
            parts.append(f"missing {', '.join(self.missing)}")
        return "; ".join(parts)


SpanProposer = Callable[[PageView], Iterable[Span]]


# -- the page's lines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLine:
    """One line of a page with the passage it belongs to (index into `PageView.passages`)."""

    passage: int
    start: int
    end: int
    text: str
    bbox: BBox

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


def page_lines(passages: Sequence[PassageRecord]) -> list[PageLine]:
    """Every line of the page in reading order (marks left out: they repeat lines of the page)."""
    lines = []
    for index, passage in enumerate(passages):
        if passage.kind == "mark":
            continue
        spans = passage.spans or [LineSpan(0, len(passage.text), passage.bbox)]
        for span in spans:
            text = passage.text[span.start : span.end]
            if text.strip():
                lines.append(PageLine(index, span.start, span.end, text, span.bbox))
    return lines


FIGURE_KINDS = ("figure", "control")
"""Passages read from the pixels of a figure or a screenshot inside a page, not from its text layer."""


def typical_height(lines: Sequence[PageLine]) -> float:
    return median(line.height for line in lines) if lines else 0.0


def joined_passage(anchor: PassageRecord, pieces: Sequence[tuple[PassageRecord, int, int]]) -> PassageRecord:
    """A passage made of character ranges of several passages of one page, lines and boxes kept."""
    text = ""
    spans: list[LineSpan] = []
    last: tuple[int, int] = (-1, -1)
    for passage, start, end in pieces:
        for span in passage.spans or [LineSpan(0, len(passage.text), passage.bbox)]:
            lo, hi = max(start, span.start), min(end, span.end)
            # A word the layout mended across a line end ("op-" / "tion") has lines that meet in the
            # passage's text without a line break: it stays one word ("option", not "op\ntion").
            mended = last[0] == passage.id and lo < last[1]
            lo = max(lo, last[1]) if mended else lo
            if hi <= lo:
                continue
            piece = passage.text[lo:hi].strip()
            if not piece:
                continue
            last = (passage.id, hi)
            if text and not mended:
                text += "\n"
            spans.append(LineSpan(len(text), len(text) + len(piece), span.bbox))
            text += piece
    bbox = union_bbox([span.bbox for span in spans]) if spans else anchor.bbox
    return dataclasses.replace(anchor, text=text, spans=spans, bbox=bbox)


# -- proposers ------------------------------------------------------------------------------------


def sentence_ranges(passage: PassageRecord) -> list[tuple[int, int]]:
    """Sentence ranges of a passage; OCR'd UI text and lists are split by line (labels, not prose)."""
    text = passage.text
    if passage.kind in ("mark", "heading"):
        return [(0, len(text))]
    if passage.lang != "und" and _looks_like_prose(text):
        spans, start = [], 0
        for match in sentence_ends(text):
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        return _limit(spans, text)
    return [(span.start, span.end) for span in passage.spans] or [(0, len(text))]


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


_ITEM_OPENING = re.compile(r"\s*(?:\(\d{1,2}\)|\(?[a-h]\)|\d{1,2}[.)](?=\s)|[•▪◦‣∙●■])")


def _opens_item(text: str, start: int) -> bool:
    """Whether a sentence opens an item of an enumeration ("(2) ...", "3. ...", "b) ...", "• ...")."""
    return _ITEM_OPENING.match(text, start) is not None


def sentence_spans(view: PageView) -> Iterator[Span]:
    """Single sentences (lines, for lists and screens) and neighbouring pairs of them.

    A sentence inside a definition is read with its term (`definition_spans`), not alone.
    """
    for passage in view.passages:
        evidence = view.evidence.get(passage.id)
        # A text file's lines on screen are its statements ("2. Pay the invoice No 58."), each one.
        every = (
            [(line.start, line.end) for line in passage.spans if passage.text[line.start : line.end].strip()]
            if passage.id in view.numbered
            else view.cut_at_terms(passage, sentence_ranges(passage))
        )
        inside = [view.in_definition(passage, *r) for r in every]
        ranges = [r for r, defined in zip(every, inside, strict=True) if not defined]
        windows = [(r, "sentence") for r in ranges]
        # The fact often sits in the sentence after the one that names the topic (two neighbours, never
        # one item's line with the next item's term).
        windows += [
            ((every[i][0], every[i + 1][1]), "pair")
            for i in range(len(every) - 1)
            if not (inside[i] or inside[i + 1])
            and passage.id not in view.numbered
            and every[i + 1][1] - every[i][0] <= MAX_ANSWER_CHARS
            and not view.starts_term(passage, every[i + 1][0])
            and not (_opens_item(passage.text, every[i][0]) and _opens_item(passage.text, every[i + 1][0]))
        ]
        # "Its main effect is to run a script daily": what "it" is stands in the sentence before.
        windows += [
            ((ranges[i - 1][0], end), "antecedent")
            for (start, end), _ in list(windows)
            for i in [next((j for j, r in enumerate(ranges) if r[0] == start), 0)]
            if i > 0
            and _ANAPHOR.match(passage.text[start:end].lstrip())
            and end - ranges[i - 1][0] <= MAX_ANSWER_CHARS + MAX_ANTECEDENT_CHARS
        ]
        for (start, end), origin in windows:
            text = passage.text[start:end].strip()
            if len(text) >= 2 and any(ch.isalnum() for ch in text):
                origin = "mark" if passage.kind == "mark" else origin
                yield Span(view, passage, start, end, text, origin, evidence, sources=(passage,))
        if passage.id in view.numbered:
            yield from headed_lines(view, passage, every)


def headed_lines(view: PageView, passage: PassageRecord, lines: Sequence[tuple[int, int]]) -> Iterator[Span]:
    """A text file's line read with the "[section]" line above it that heads it ("[alarms]" ... "log =
    /srv/app/gate.log"): the section is what a question names the line by. (A file's lines are not read
    in pairs: each is one statement, and its neighbour is another's.)"""
    heading: tuple[int, int] | None = None
    for start, end in lines:
        if _BRACKET_HEADING.fullmatch(passage.text[start:end].strip()):
            heading = (start, end)
        elif heading is not None:
            top, bottom = heading
            yield view.joined_span(passage, [(passage, top, bottom), (passage, start, end)], "headed")


def bridged_spans(view: PageView) -> Iterator[Span]:
    """A sentence that a passage's end cuts ("... будут видны в панели" / "инструментов "Файл". Доступные:
    open, print") read whole across the two passages, alone and with the sentence after it: the words
    that name the topic and the fact may stand on either side of the cut."""
    for index in range(1, len(view.passages)):
        previous, passage = view.passages[index - 1], view.passages[index]
        if previous.kind != "text" or passage.kind != "text" or not passage.text[:1].islower():
            continue
        if previous.id in view.numbered or passage.id in view.numbered:
            continue
        cut = sentence_ranges(previous)[-1:]
        following = sentence_ranges(passage)[:2]
        lines = previous.text.splitlines()
        if not cut or not following or not lines:
            continue
        # The page's width cut the line, not a heading's end ("CONFIGURATION FILES" / "the viewer keeps ...").
        if not _wrapped(lines[-1], passage.text, max(len(line) for line in lines)):
            continue
        for end in (following[0][1], following[-1][1]):
            if (cut[0][1] - cut[0][0]) + end > MAX_ANSWER_CHARS:
                break
            yield view.joined_span(passage, [(previous, cut[0][0], cut[0][1]), (passage, 0, end)], "bridged")
            if end == following[0][1] and len(following) == 1:
                break


def lead_in_spans(view: PageView) -> Iterator[Span]:
    """A short line just before a passage (a command, a label) joined to the passage's first sentence."""
    for index in range(1, len(view.passages)):
        previous, passage = view.passages[index - 1], view.passages[index]
        if len(previous.text) > 80 or previous.kind == "mark" or passage.kind == "mark":
            continue
        if previous.id in view.numbered or passage.id in view.numbered:
            continue  # a text file's numbered lines are statements each: none leads into the next block
        first = sentence_ranges(passage)[:1]
        if not first:
            continue
        yield view.joined_span(
            passage, [(previous, 0, len(previous.text)), (passage, 0, first[0][1])], "lead-in"
        )


@dataclass(frozen=True)
class DefinitionItem:
    """A term (an option, a keyword) and the indented lines that define it: indexes into the page's lines."""

    term: int
    definition: tuple[int, ...]
    inline: str = ""
    """Set when the term shares its line with the definition ("-f  do not sort"): the term's text."""


PARAGRAPH_GAP = 2.5
"""The widest gap, in line heights, between two paragraphs of one definition at its own indent."""


def definition_items(lines: Sequence[PageLine], height: float = 0.0) -> list[DefinitionItem]:
    """Term/definition pairs laid out as man pages and option tables lay them out.

    A term is a short line whose next line starts clearly further right (a hanging indent of at
    least two line heights) and carries on below it; the definition is every following line at that
    indent or deeper. Where such a term column exists, a line in that column that starts with an
    option ("-f  list in directory order") is an item with its definition on the same line.
    `height` is the page's typical line height (that of `lines` when not given).
    """
    height = height or typical_height(lines)
    if height <= 0:
        return []
    items: list[DefinitionItem] = []
    columns: list[float] = []
    for index in range(len(lines) - 1):
        if not _starts_item(lines, index, height):
            continue
        first = lines[index + 1]
        definition = [index + 1]
        for following in range(index + 2, len(lines)):
            line, above = lines[following], lines[following - 1]
            # A further paragraph of the item is set at its definition's indent after one blank line
            # (cfdisk's "n" item goes on with the size suffixes); a wider gap ends the list.
            gap = PARAGRAPH_GAP if abs(line.x0 - first.x0) <= 0.5 * height else 1.5
            if line.x0 < first.x0 - 0.5 * height or line.bbox[1] - above.bbox[3] > gap * height:
                break
            # A term at the definition's own indent starts the next item (a subsection's intro
            # paragraph is followed by its options, not defined by them).
            if abs(line.x0 - first.x0) <= 0.5 * height and _starts_item(lines, following, height):
                break
            definition.append(following)
        items.append(DefinitionItem(index, tuple(definition)))
        columns.append(lines[index].x0)
    taken = {i for item in items for i in (item.term, *item.definition)}
    # A key list set under a section heading is that heading's definition too: its keys are items still.
    listed = _key_runs(lines, height)
    for index, line in enumerate(lines):
        if index in taken and index not in listed:
            continue
        in_column = len(items) >= 2 and any(abs(line.x0 - column) <= 0.5 * height for column in columns)
        in_column = in_column or index in listed
        body = _hanging_lines(lines, index, height)
        # A line in the term column, or one whose next lines hang further right, that starts with a key
        # ("ESC-F Like F, but ...", "-f  do not sort") is an item with its definition on the same line.
        if not (in_column or body):
            continue
        term = inline_term(line.text)
        if term:
            items.append(DefinitionItem(index, tuple(body), term))
            taken.update(body)
    return sorted(items, key=lambda item: item.term)


MIN_KEY_RUN = 3
"""Lines in a row that each start with a key before make a key list without a term column."""


def _key_runs(lines: Sequence[PageLine], height: float) -> set[int]:
    """The key lines of runs of items, each a key with its description beside it ("p  Print the current
    entry", "P  Print every entry"), at one indent, a long description carried on further right: a man
    page's list of one-key commands whose keys share their lines has no term column of its own."""
    listed: set[int] = set()
    run: list[int] = []
    for index, line in enumerate(lines):
        if run and line.x0 - lines[run[0]].x0 >= 2 * height:
            continue  # a description carried on under its key
        if run and not (abs(line.x0 - lines[run[0]].x0) <= 0.5 * height and inline_term(line.text)):
            if len(run) >= MIN_KEY_RUN:
                listed.update(run)
            run = []
        if not run and not inline_term(line.text):
            continue
        run.append(index)
    if len(run) >= MIN_KEY_RUN:
        listed.update(run)
    return listed


def _hanging_lines(lines: Sequence[PageLine], index: int, height: float) -> list[int]:
    """The lines that carry a line on at a hanging indent (two line heights or more further right,
    close below each other), as a man page sets the rest of an item whose key shares its first line."""
    body: list[int] = []
    for following in range(index + 1, len(lines)):
        line, above = lines[following], lines[following - 1]
        indent = line.x0 - lines[index].x0
        # A further paragraph of the item starts after a blank line at the body's own indent.
        gap = PARAGRAPH_GAP if body and abs(line.x0 - lines[body[0]].x0) <= 0.5 * height else 1.5
        if indent < 2 * height or not -0.5 * height < line.bbox[1] - above.bbox[3] < gap * height:
            break
        if body and abs(line.x0 - lines[body[0]].x0) > 0.5 * height and line.x0 < lines[body[0]].x0:
            break
        body.append(following)
    return body


_NUMBERING = re.compile(r"\(?\d{1,3}(\.\d+)*[.)]?|\(?([a-z]|[ivx]{1,4})[.)]|[•▪◦‣∙●■*–—-]")
_WORD_LETTERS = frozenset("AIaiаяАЯвВсСкКоОуУиИ")
"""Letters that are words of a sentence ("A", "I", "В", "С"), not a key's name."""


def _key_token(token: str) -> bool:
    """Whether a line's first token is a key as key and option lists write it: with punctuation or a
    digit inside ("ESC-F", "H.Max", ":Width", "$Name:", "f8", "-a") or a single character ("J", "%"); a
    list's numbering ("1.", "(a)"), a bullet, a bracketed or quoted word or a label ("Note:") is none."""
    if len(token) == 1:
        return token not in _WORD_LETTERS and not _NUMBERING.fullmatch(token)
    if len(token) > 24 or _NUMBERING.fullmatch(token):
        return False
    core = token.strip("()[]{}«»\"“”'‘’").rstrip(",.;:!?")
    return bool(core) and (bool(re.search(r"[^\w\s]|\d", core)) or core[0] in "^ˆ")


_TERM_JOINER = re.compile(r"\s*(?:,|\||\bor\b|\band\b|(?<!\w)или(?!\w)|(?<!\w)и(?!\w))\s*")
MAX_INLINE_TERM = 32


def listed_key(term: str) -> bool:
    """Whether a list's term is a key, a command or a code ("ESC-F", "H.Max | H3"), not a word."""
    first = term.split()[0] if term.split() else ""
    return bool(first) and _key_token(first)


def _first_key(term: str) -> str:
    """The first of a term's keys ("H.Max" of "H.Max | H3", "K" of "K or Y")."""
    return _KEYS_APART.split(term.strip(), maxsplit=1)[0] if term.strip() else term


_KEYS_APART = re.compile(r"\s+(?:\||or|или)\s+|,\s+")
"""Between two keys of one item ("H.Max | H3", "K or Y", "-s, --service"); "<yes|no>" is one argument."""


def inline_term(text: str) -> str:
    """The key a line of a key or option list starts with, before its description on the same line:
    "ESC-F Like F, but ..." -> "ESC-F", "K or Y Like k" -> "K or Y", "H.Max | H3 Real Maximum ..." ->
    "H.Max | H3", "-s, --service Print ..." -> "-s, --service"; "" when the line starts with a word."""
    line = text.strip()
    option = _OPTION_START.match(line)
    if option and len(line) > option.end() + 3:
        return option.group(0).strip(" ,")
    first = re.match(r"\S+", line)
    if first is None or not _key_token(first.group(0)):
        return ""
    end = first.end()
    # Other keys of the same item follow after "or", "," or "|" ("K or Y", "ESC-) or RIGHTARROW").
    while True:
        joiner = _TERM_JOINER.match(line, end)
        if joiner is None or joiner.end() == end:
            break
        other = re.compile(r"\S+").match(line, joiner.end())
        if other is None or other.end() > MAX_INLINE_TERM:
            break
        end = other.end()
    term, rest = line[:end].rstrip(" ,|"), line[end:].strip()
    if len(rest) <= 3 or not rest[:1].isalpha() or len(term) > MAX_INLINE_TERM:
        return ""
    return term


def _starts_item(lines: Sequence[PageLine], index: int, height: float) -> bool:
    """A short line, not a sentence, whose next line starts two line heights or more further right."""
    if index + 1 >= len(lines):
        return False
    term, first = lines[index], lines[index + 1]
    text = term.text.strip()
    gap = first.bbox[1] - term.bbox[3]
    return (
        first.x0 - term.x0 >= 2 * height
        and -0.5 * height < gap < 1.5 * height
        and len(text) <= 60
        and not text.endswith((".", ";", ":", ","))
        and len(text.split()) <= 8
    )


def definition_spans(view: PageView) -> Iterator[Span]:
    """Each term with its definition; the term leads the answer ("--remove-files  Remove files ...").

    A definition longer than an answer is read in parts, each part after the term; and again from each
    sentence, so that a sentence the parts cut in two ("Note: if you use ICC profiles
    ... / ... We recommend using the Uncorrected setting") is read whole once.
    """
    lines = view.lines
    for item in view.definition_items:
        term = lines[item.term]
        name = item.inline or term_name(term.text)
        parts = _definition_parts(len(term.text), [lines[index] for index in item.definition])
        for part in parts:
            chosen = [(term, term.start, term.end), *part]
            pieces = [(view.passages[line.passage], begin, end) for line, begin, end in chosen]
            yield view.joined_span(view.passages[term.passage], pieces, "definition", name)


Piece = tuple[PageLine, int, int]
"""A line of a page with the character range of it taken (its passage's offsets)."""


def _definition_parts(term_size: int, body: Sequence[PageLine]) -> list[list[Piece]]:
    """A definition's lines cut into parts of an answer's size; a long one also read from each sentence
    that no part starts with, on to the end of a sentence (a little past an answer's size if need be)."""
    parts: list[list[Piece]] = [[]]
    size = term_size
    for line in body:
        if parts[-1] and size + len(line.text) > MAX_ANSWER_CHARS:
            parts.append([])
            size = term_size
        parts[-1].append((line, line.start, line.end))
        size += len(line.text) + 1
    if len(parts) < 2:
        return parts
    starts = {id(part[0][0]) for part in parts}
    for at, line in enumerate(body):
        offsets = [match.end() for match in _SENTENCE_START.finditer(line.text)]
        if at > 0 and id(line) not in starts and _SENTENCE_STOP.search(body[at - 1].text.rstrip()[-1:]):
            offsets.insert(0, 0)
        for offset in offsets:
            parts.append(_sentence_window(term_size, body, at, line.start + offset))
    return parts


def _sentence_window(term_size: int, body: Sequence[PageLine], at: int, start: int) -> list[Piece]:
    """The definition's lines from a sentence's start (`start` on line `at`) up to an answer's size, run on
    to the end of the sentence that the size cuts."""
    window: list[Piece] = []
    size = term_size
    for line in body[at:]:
        begin = start if not window else line.start
        text = line.text[begin - line.start :]
        if window and size + len(text) > MAX_ANSWER_CHARS:
            stop = _SENTENCE_STOP.search(text)
            if stop is not None and size + stop.end() <= MAX_ANSWER_CHARS + MAX_ANTECEDENT_CHARS:
                window.append((line, begin, begin + stop.end()))
            break
        window.append((line, begin, line.end))
        size += len(text) + 1
    return window


_SENTENCE_STOP = re.compile(r"[.!?](?=\s|$)")
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁ])")


_TERM_NOTE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def term_name(text: str) -> str:
    """A term's name without the note a man page sets after it: "use-vc (since glibc 2.14)" and
    "keep-alive (начиная с версии 3.1)" name the options "use-vc" and "keep-alive"."""
    name = text.strip()
    bare = _TERM_NOTE.sub("", name)
    return bare if bare else name


def introduced_block_spans(view: PageView) -> Iterator[Span]:
    """An introducing sentence ("... run the following command:") with the block it introduces.

    A sentence introduces the next passage when it ends with a colon, or when that passage is set
    apart (indented) and the sentence announces it ("the next example shows") or the passage is a
    shell line. The block's first lines (the command, a little output) come along, within the limit.
    """
    if view.from_image:
        return
    lines = view.lines
    height = typical_height(lines)
    for index in range(len(lines) - 1):
        line, following = lines[index], lines[index + 1]
        if line.passage == following.passage:
            continue
        intro_passage = view.passages[line.passage]
        sentence = _sentence_ending_at(intro_passage, line.end)
        if sentence is None:
            continue
        start, end = sentence
        text = intro_passage.text[start:end].strip()
        colon = text.endswith(":")
        shell = bool(_PROMPT.match(following.text))
        indented = following.x0 - line.x0 >= 0.6 * height or shell
        # A shell line set apart after a paragraph shows what the paragraph describes.
        # "You can hold a package using" + "apt-mark hold NAME": the sentence ends in the block.
        unfinished = bool(_UNFINISHED.search(text)) or (indented and runs_into_code(text, following.text))
        introduces = colon or unfinished or (indented and (shell or bool(_INTRODUCING.search(text))))
        if len(text.split()) < 3 or not introduces:
            continue
        if intro_passage.kind == "heading":
            continue
        if _PAGE_NUMBER.fullmatch(following.text) and index + 2 == len(lines):
            continue  # the page's number under its last paragraph is no block
        block = [following]
        for later in lines[index + 2 :]:
            if later.passage != following.passage or len(block) >= MAX_BLOCK_LINES:
                break
            block.append(later)
        # "Change the following line from: / LogLevel Info / to / LogLevel Debug": the block is the old
        # line, the one to put follows the connector.
        block += replacement_lines(lines, index + len(block), height)
        # The block is what the introduction promises: a long introduction does not cut it short (the
        # command "following" a four-line sentence is often the block's last line).
        shown: list[tuple[PassageRecord, int, int]] = []
        size = 0
        for block_line in block:
            if size + len(block_line.text) > MAX_ANSWER_CHARS and shown:
                break
            shown.append((view.passages[block_line.passage], block_line.start, block_line.end))
            size += len(block_line.text) + 1
        # Announced ("run the following command:") or merely shown after the paragraph.
        origin = "introduced-block" if colon or unfinished or _INTRODUCING.search(text) else "shown-block"
        # "... Use" / "fluid -u filename.fl": an announced command line is what a how-to question wants.
        command = (
            following.text.strip() if origin == "introduced-block" and command_shaped(following.text) else ""
        )
        for opening in _intro_openings(intro_passage, start, end):
            yield view.joined_span(
                intro_passage, [(intro_passage, opening, end), *shown], origin, command=command
            )
        if origin != "introduced-block":
            continue
        # "... run the following commands:" over a session (each command with its output): the question
        # that names one command's argument ("the auth_digest module", "memusage.dat") asks for that one,
        # which may stand after the first command's output, past the lines a block carries.
        commands = transcript_commands(lines, index, height)
        if len(commands) < 2 or _names_a_program(text, commands):
            continue
        for command_line in commands:
            command = _PROMPT_MARK.sub("", command_line.text).strip()
            pieces = [
                (intro_passage, start, end),
                (view.passages[command_line.passage], command_line.start, command_line.end),
            ]
            yield view.joined_span(intro_passage, pieces, origin, command=command)


MAX_WRAPPED_LINES = 3
"""Lines of the sentence before and of the sentence after a wrapped block that an answer carries."""


def wrapped_block_spans(view: PageView) -> Iterator[Span]:
    """A sentence that runs around the block it shows: "The lines" / "[cache]" / "size=64" / "will set the
    cache to 64 MB." (man pages set their examples so). The block is lines set apart from the sentence's
    (in or out); the sentence goes on after it at its own margin, in lower case. What the block does is
    said after it, so the span is the opening, the block and the sentence's end."""
    if view.from_image:
        return
    lines = view.lines
    height = typical_height(lines)
    for index, line in enumerate(lines):
        intro_passage = view.passages[line.passage]
        if intro_passage.kind == "heading" or _STOPPED.search(line.text):
            continue
        block: list[PageLine] = []
        for later in lines[index + 1 :]:
            if abs(later.x0 - line.x0) < 0.6 * height or len(block) >= MAX_BLOCK_LINES:
                break
            block.append(later)
        if any(view.passages[piece.passage].kind == "heading" for piece in block):
            continue  # the next section's heading and its first line: no block in a sentence
        rest = index + 1 + len(block)
        if not block or rest >= len(lines) or abs(lines[rest].x0 - line.x0) >= 0.3 * height:
            continue
        if not lines[rest].text.lstrip()[:1].islower() or len(block) >= MAX_BLOCK_LINES:
            continue  # a new sentence after the block: the block ends no sentence of its own
        opening = [line]
        for earlier in reversed(lines[max(0, index - MAX_WRAPPED_LINES + 1) : index]):
            if abs(earlier.x0 - line.x0) >= 0.6 * height or _STOPPED.search(earlier.text):
                break
            opening.insert(0, earlier)
        opened = opening[0].text.lstrip()
        if not opened[:1].isupper() or opened.isupper():
            continue  # a sentence opens in capitals; a heading is all capitals, a definition in lower case
        ending: list[PageLine] = []
        for later in lines[rest : rest + MAX_WRAPPED_LINES]:
            if abs(later.x0 - line.x0) >= 0.6 * height or view.passages[later.passage].kind == "heading":
                break
            ending.append(later)
            if _STOPPED.search(later.text):
                break
        if not _ENDS_SENTENCE.search(ending[-1].text):
            continue  # the sentence must end: what the block does is said in full
        pieces = [
            (view.passages[piece.passage], piece.start, piece.end) for piece in (*opening, *block, *ending)
        ]
        if sum(end - start for _, start, end in pieces) > MAX_ANSWER_CHARS + MAX_INTRO_CHARS:
            continue
        command = block[0].text.strip() if command_shaped(block[0].text) else ""
        yield view.joined_span(intro_passage, pieces, "introduced-block", command=command)


_LONE_PATH = re.compile(r"[~$]?[\w${}.+-]*(/[\w${}.+-]+)+/?")
_STOPPED = re.compile(r"[.!?…;:]\W*$")
_ENDS_SENTENCE = re.compile(r"[.!?…]\W*$")


def runs_into_code(sentence: str, following: str) -> bool:
    """Whether a sentence with no stop at its end runs on into the code line set apart under it
    ("Implicit coloring can be disabled by an empty file" over "/etc/frob.d/frob.disable"): the line is
    its object, a path or a command, though no colon announces it."""
    if _STOPPED.search(sentence):
        return False
    line = following.strip()
    return bool(_LONE_PATH.fullmatch(line)) or command_shaped(line)


MAX_TRANSCRIPT_LINES = 40
"""Lines under an introducing sentence searched for the commands it announces (with their output)."""
_PROMPT_MARK = re.compile(r"^\s*[$#>%]\s+")
_FILE_ARGUMENT = re.compile(r"(?<!\S)[\w.+-]*\w\.[A-Za-z]\w{0,4}(?!\S)")


def _names_a_program(introduction: str, commands: Sequence[PageLine]) -> bool:
    """Whether the introduction names the program of one of the commands ("with the dh_make command as
    follows:", "check its status with systemctl status"): it announces that invocation, the session's other
    lines set it up or show its result, and the block read whole answers. An introduction that names only
    what the commands act on ("the authz_groupfile and auth_digest modules") announces each of them."""
    for command in commands:
        program = _PROMPT_MARK.sub("", command.text).split()[0]
        if re.search(rf"(?<![\w.-]){re.escape(program)}(?![\w.-])", introduction):
            return True
    return False


def transcript_commands(lines: Sequence[PageLine], intro: int, height: float) -> list[PageLine]:
    """The command lines of the block under the introducing line `intro`: the lines of the block's first
    passage and those set in under the introduction, up to the first that is neither. A command is a shell
    line or a lower-case program with arguments (an option, a path, a file's name); its output is not."""
    first = lines[intro + 1]
    commands: list[PageLine] = []
    for line in lines[intro + 1 : intro + 1 + MAX_TRANSCRIPT_LINES]:
        if line.passage != first.passage and line.x0 - lines[intro].x0 < 0.6 * height:
            break
        text = line.text.strip()
        words = text.split()
        if _PROMPT.match(text) or (
            _COMMAND_SHAPE.match(text)
            and words[0].lower() not in STOPWORDS
            and len(words) <= 12
            and (_ARGUMENT.search(text) or _FILE_ARGUMENT.search(text))
        ):
            commands.append(line)
    return commands


_PAGE_NUMBER = re.compile(r"\s*(\d{1,4}|[ivxlc]{1,6})\s*", re.IGNORECASE)
_COMMAND_SHAPE = re.compile(r"^[a-z][\w.+-]*(\s+\S+)+$")
"""A line set apart that reads as a command ("tar -xzf archive.tar.gz"): a lower-case program and its
arguments, no sentence."""
_ARGUMENT = re.compile(r"(?<!\S)(-{1,2}\w|[\w.~]*/\S|\S+=\S|\||\$\w|>)")
"""What a command line has and a sentence rarely does: an option, a path, an assignment, a pipe."""
MAX_EXAMPLE_LINES = 4
"""Lines of an example's command block an answer carries (a pipeline continued with "\")."""


def _command_block(passage: PassageRecord, previous: PassageRecord | None, height: float) -> bool:
    """Whether a passage is a manual's example command: shell lines, or a command-shaped line set in
    further right than the text before it."""
    lines = passage.text.split("\n")
    first = lines[0]
    if not _only_commands(lines):
        return False  # a command with its output is a session shown, not an example listed
    if _PROMPT.match(first):
        return True
    if previous is None:
        return False
    return command_shaped(first) and passage.bbox[0] - previous.bbox[0] >= 1.5 * height


def command_shaped(line: str) -> bool:
    """Whether a line set apart reads as a command line: a lower-case program and its arguments, with an
    option, a path, an assignment or a pipe among them, and no sentence."""
    if line.rstrip().endswith((".", ":", ",", ";")) or len(line) > 100:
        return False
    words = line.split()
    if not _COMMAND_SHAPE.match(line.strip()) or words[0].lower() in STOPWORDS or len(words) > 12:
        return False
    return bool(_ARGUMENT.search(line))


def _only_commands(lines: Sequence[str]) -> bool:
    """Whether a block's lines are all commands: each a shell line, or a continuation of the one
    before (after a trailing "\\" or starting with a pipe)."""
    prompted = bool(_PROMPT.match(lines[0]))
    for above, line in itertools.pairwise(lines):
        continued = above.rstrip().endswith("\\") or line.lstrip().startswith(("|", "&&"))
        if not continued and not (prompted and _PROMPT.match(line)):
            return False
    return True


MAX_EXAMPLE_ITEM = 200
"""A describing item before an example's command is short: a bullet, a caption, one or two sentences
(a longer paragraph before a shell line is prose that goes on, not the example's description)."""


def _describes_example(passage: PassageRecord, start: int) -> bool:
    """Whether the text before a command describes it as an example list's item: a bulleted line, or a
    short paragraph of its own."""
    line_start = passage.text.rfind("\n", 0, start + 1) + 1
    return bool(_BULLET.match(passage.text[line_start:])) or len(passage.text.strip()) <= MAX_EXAMPLE_ITEM


def _set_in(passage: PassageRecord, under: PassageRecord | None, height: float) -> bool:
    return under is not None and passage.bbox[0] >= under.bbox[0] + 0.5 * height


def example_spans(view: PageView) -> Iterator[Span]:
    """A manual's example: its command with the text that says what it does, in either order.

    Man pages and guides list examples as a describing line and then the command ("• Search for files
    modified in the last day" / "$ find $HOME -mtime 0"), or the command and then what it does
    indented under it. A how-to question is answered by the command, found through its description:
    the span is the description before, the command, and the text after (each pairing offered).
    """
    if view.from_image:
        return
    passages = view.passages
    height = typical_height(view.lines)
    for index, passage in enumerate(passages):
        previous = passages[index - 1] if index > 0 else None
        if passage.kind in ("heading", "mark") or not _command_block(passage, previous, height):
            continue
        spans = passage.spans or [LineSpan(0, len(passage.text), passage.bbox)]
        block = (passage, spans[0].start, spans[min(len(spans), MAX_EXAMPLE_LINES) - 1].end)
        command = _PROMPT_MARK.sub("", passage.text[block[1] : spans[0].end]).strip()
        before = after = None
        if previous is not None and previous.kind != "mark" and not _command_block(previous, None, height):
            sentence = _sentence_ending_at(previous, len(previous.text.rstrip()))
            # "To restart it, run:" introduces the block: that pairing is `introduced_block_spans`' own.
            if sentence is not None and not _dangles(previous.text[sentence[0] : sentence[1]]):
                before = (previous, *sentence)
        # An example list alternates descriptions and commands. Text between two commands, not a bulleted
        # item, says what the command above it does; otherwise a bullet or a short paragraph before the
        # command describes it, and text after it belongs to it only when set in under that item.
        alternating = (
            previous is not None
            and index >= 2
            and _command_block(passages[index - 2], None, height)
            and not _BULLET.match(previous.text)
        )
        if alternating:
            before = None
        elif before is None or previous is None or not _describes_example(previous, before[1]):
            continue
        following = passages[index + 1] if index + 1 < len(passages) else None
        if (
            following is not None
            and following.kind not in ("heading", "mark")
            and not _command_block(following, passage, height)
            and not _PAGE_NUMBER.fullmatch(following.text)
            and not _BULLET.match(following.text)  # the next example's description
            and (alternating or _set_in(following, previous, height))
        ):
            first = sentence_ranges(following)[:1]
            later = passages[index + 2] if index + 2 < len(passages) else None
            if first:
                text = following.text[first[0][0] : first[0][1]]
                # A paragraph that ends "... used like this:" above another command describes that one.
                introduces = _dangles(following.text) or bool(_INTRODUCING.search(text))
                if not (introduces and later is not None and _command_block(later, following, height)):
                    after = (following, *first[0])
        for pieces in ([before, block], [block, after], [before, block, after]):
            chosen = [piece for piece in pieces if piece is not None]
            if len(chosen) < 2 or len(chosen) < len(pieces):
                continue
            if sum(end - start for _, start, end in chosen) > MAX_ANSWER_CHARS + MAX_INTRO_CHARS:
                continue
            # The description carries the meaning: the joined span stands for its passage (whose stored
            # similarity to the question it takes), not for the command's.
            described = next(piece[0] for piece in chosen if piece is not block)
            yield view.joined_span(described, chosen, "example", command=command)


MAX_PARAGRAPH_INTRO = 300
"""A short paragraph is read whole before its block too: "As a first example, consider a function to
... This is artificial ... The function is defined as follows:" names the function's purpose two
sentences before the colon."""


def _intro_openings(passage: PassageRecord, start: int, end: int) -> list[int]:
    """Where an introduction may start: its sentence(s), and the paragraph's start when it is short."""
    openings = [start]
    if start > 0:
        earliest = next(
            (s for s, _ in sentence_ranges(passage) if s < start and end - s <= MAX_PARAGRAPH_INTRO), start
        )
        if earliest < start:
            openings.append(earliest)
    return openings


MAX_INTRO_CHARS = 220
"""A short introducing sentence ("The function is defined as follows:") brings the one before it,
which says what is introduced."""


def _sentence_ending_at(passage: PassageRecord, end: int) -> tuple[int, int] | None:
    """The sentence of a passage that ends the passage (with the one before it when it is short)."""
    if end < len(passage.text.rstrip()):
        return None
    ranges = sentence_ranges(passage) if _looks_like_prose(passage.text) else []
    if not ranges:
        # A list or a short paragraph: its last line is the introducing one.
        ranges = [(span.start, span.end) for span in passage.spans] or [(0, len(passage.text))]
    start, finish = ranges[-1]
    if len(ranges) > 1 and finish - ranges[-2][0] <= MAX_INTRO_CHARS:
        start = ranges[-2][0]
    return (start, finish)


_BULLET = re.compile(r"^\s*[•▪◦‣∙●■*–—-]\s+(?=\w)")
_BULLET_TERM = re.compile(r"([^\W\d_][\w+./-]*(?:\s+[^\W\d_][\w+./-]*){0,3})\s*:|([^\W\d_][\w+./-]*)")
MAX_ITEM_PASSAGES = 3
"""Paragraphs set in under a list item that still belong to it (a fourth is likely text after the list)."""


def bullet_term(text: str) -> str:
    """The term a bulleted item is about: "• Required: packages that ..." -> "Required", "• Standard
    packages are ..." -> "Standard" (the first word, when no colon closes a short term); "" when the
    text is no bulleted item."""
    bullet = _BULLET.match(text)
    if bullet is None:
        return ""
    match = _BULLET_TERM.match(text, bullet.end())
    return (match.group(1) or match.group(2)) if match else ""


def list_item_spans(view: PageView) -> Iterator[Span]:
    """Each sentence of the paragraphs set in under a bulleted item, read after the item's first line.

    "• Standard packages are standard on any Linux system ..." and, indented below it, "This is what
    will be installed by default": the sentence answers "which priority is installed by default?" and
    its item's term ("Standard") is the answer, which the sentence alone never says.
    """
    if view.from_image:
        return
    passages = view.passages
    height = typical_height(view.lines)
    for index, item in enumerate(passages):
        term = bullet_term(item.text)
        if not term:
            continue
        first = (item.spans or [LineSpan(0, len(item.text), item.bbox)])[0]
        for later in passages[index + 1 : index + 1 + MAX_ITEM_PASSAGES]:
            if later.kind in ("heading", "mark") or _BULLET.match(later.text):
                break
            if later.bbox[0] < item.bbox[0] + 0.5 * height:
                break  # back at the list's margin: the text after the list
            for start, end in sentence_ranges(later):
                pieces = [(item, first.start, first.end), (later, start, end)]
                yield view.joined_span(later, pieces, "list-item", term)


_STEP_NUMBER = re.compile(
    r"^\s*(?:(?:step|шаг)\s+(\d{1,2})[.:)]?|(\d{1,2})[.)]|([a-h])\))\s+(?=[^\W\d_])", re.IGNORECASE
)
MAX_STEP_LINES = 4


def step_number(text: str) -> str:
    """The number or letter a step line starts with ("3. Insert ...", "Step 2: ...", "b) ..."), or ""."""
    match = _STEP_NUMBER.match(text)
    return next((group.lower() for group in match.groups() if group), "") if match else ""


def numbered_step_spans(view: PageView) -> Iterator[Span]:
    """Each numbered step of a procedure ("1. Remove the cover.", "Step 2: ...", "a) ..."), with the
    lines that continue it up to the next step: a step is read whole and in its order.

    Steps need company: a lone "1." line is a list of one, no procedure."""
    if view.from_image:
        return
    lines = view.lines
    starts = [index for index, line in enumerate(lines) if step_number(line.text)]
    if len(starts) < 2:
        return
    for at, first in enumerate(starts):
        end = starts[at + 1] if at + 1 < len(starts) else len(lines)
        taken = [lines[first]]
        for line in lines[first + 1 : min(end, first + MAX_STEP_LINES)]:
            passage = view.passages[line.passage]
            if passage.kind == "heading" or line.x0 < lines[first].x0 - 1.0:
                break
            taken.append(line)
        pieces = [(view.passages[line.passage], line.start, line.end) for line in taken]
        yield view.joined_span(pieces[0][0], pieces, "numbered-step")


_FOOTNOTE = re.compile(r"^\s*(\d{1,2}|[*†‡])\s+(?=[^\W\d_])")
_FOOTNOTE_MARK = re.compile(r"(?<=[^\W\d_])[ ]?(\d{1,2}|[*†‡])(?=[\s.,;:)]|$)")
FOOTNOTE_PASSAGES = 2
"""The page's last passages (its number left out) are where its footnotes stand."""


def page_footnotes(view: PageView) -> dict[str, tuple[int, list[PageLine]]]:
    """The page's footnotes by their mark: the lines of its last passages that start with a mark, each
    with the lines that continue it (and the index of the passage it stands in)."""
    passages = [
        index
        for index, passage in enumerate(view.passages)
        if passage.kind != "mark" and not _PAGE_NUMBER.fullmatch(passage.text)
    ]
    notes: dict[str, tuple[int, list[PageLine]]] = {}
    current: list[PageLine] | None = None
    for line in view.lines:
        if line.passage not in passages[-FOOTNOTE_PASSAGES:]:
            current = None
            continue
        mark = _FOOTNOTE.match(line.text)
        if mark:
            current = [line]
            notes.setdefault(mark.group(1), (line.passage, current))
        elif current is not None and len(current) < MAX_STEP_LINES:
            current.append(line)
    return notes


def footnote_spans(view: PageView) -> Iterator[Span]:
    """A sentence with a footnote's mark ("... the value is printed and lost 2.") read with its
    footnote ("2 Actually, it is still available as .Last.value ..."): the note often says what the
    sentence leaves out."""
    if view.from_image:
        return
    notes = page_footnotes(view)
    if not notes:
        return
    for index, passage in enumerate(view.passages):
        if passage.kind in ("mark", "heading") or any(index == at for at, _ in notes.values()):
            continue
        for start, end in sentence_ranges(passage):
            for mark in _FOOTNOTE_MARK.finditer(passage.text, start, end):
                note = notes.get(mark.group(1))
                if note is None:
                    continue
                pieces = [(passage, start, end)] + [
                    (view.passages[line.passage], line.start, line.end) for line in note[1]
                ]
                yield view.joined_span(passage, pieces, "footnote")


# -- keyed items and replacements ------------------------------------------------------------------


_CONNECTOR = re.compile(r"\s*(to|with|into|by|на|в|во|следующей|следующую)\s*:?\s*", re.IGNORECASE)
"""A line that only joins an old block to its new one ("from: A / to / B", "строку: A / на: B")."""


def replacement_lines(lines: Sequence[PageLine], last: int, height: float) -> list[PageLine]:
    """The connector and the new block after an old one (`last` is the old block's last line index):
    "Change the following line from:" introduces both, and the line to put is the one after "to"."""
    at = last + 1
    if at + 1 >= len(lines) or not _CONNECTOR.fullmatch(lines[at].text):
        return []
    connector, new = lines[at], lines[at + 1]
    if new.bbox[1] - connector.bbox[3] > 2.5 * height or new.x0 < lines[last].x0 - 0.5 * height:
        return []
    taken = [connector, new]
    for later in lines[at + 2 :]:
        if later.passage != new.passage or len(taken) > MAX_BLOCK_LINES:
            break
        taken.append(later)
    return taken


_KEYED_LINE = re.compile(
    r"\s*(?:[•●▪◦‣∙■*–—-]\s+)?"
    r"(?P<key>--?[A-Za-z0-9?][\w-]*(?=[\s,=]|$)"  # -n, --nozzle-check
    r"|\d{1,3}(?=[.)]?\s+\S)"  # an exit code, a status number: "2  key not found"
    r"|[^\W\d][\w.-]*(?=\s*[:=]\s*\S))"  # hosts: dns files, LogLevel = Debug
)
"""A line that starts with its key: an option, a code or a setting's name, each with what it means or
holds after it."""
MAX_LIST_LINES = 40
"""Lines after an introducing line that its list may run to (a man page's option list is longer; its
items are definitions already)."""
MAX_ITEM_LINES = 4


def keyed_line(text: str) -> str:
    """The key a line starts with ("-n", "2", "hosts"), or "" when it starts with no key."""
    match = _KEYED_LINE.match(text)
    if match is None:
        return ""
    key = match.group("key")
    return "" if key.lower() in STOPWORDS else key


def keyed_item_spans(view: PageView) -> Iterator[Span]:
    """Each keyed item of a list read after the line that introduces the list.

    "getent can return one of the following exit codes:" / "0  success" / "2  key not found";
    "An example /etc/nsswitch.conf:" / "passwd: compat" / "hosts: dns files"; "escputil performs one of
    the following operations:" / "• -n Print a nozzle check pattern.": a question that names the key
    ("exit code 2", "the hosts line", "-n") is answered by its item, which needs its introduction to
    say what the key is a key of (the item alone says "2 key not found")."""
    if view.from_image:
        return
    lines = view.lines
    height = typical_height(lines)
    for index, intro in enumerate(lines):
        if not intro.text.rstrip().endswith(":") or view.passages[intro.passage].kind != "text":
            continue
        items = _list_items(lines, index, height)
        if len(items) < 2:
            continue  # a list of one is a label and its value, not a list
        passage = view.passages[intro.passage]
        opening = next(
            (
                start
                for start, end in sentence_ranges(passage)
                if start <= intro.start < end or start < intro.end <= end
            ),
            intro.start,
        )
        for key, item in items:
            pieces = [(passage, min(opening, intro.start), intro.end)]
            pieces += [(view.passages[line.passage], line.start, line.end) for line in item]
            # The introduction says what the list is: the span stands for its passage, as an introduced
            # block does (and takes its stored similarity to the question).
            yield view.joined_span(passage, pieces, "keyed-item", key)


def _list_items(lines: Sequence[PageLine], intro: int, height: float) -> list[tuple[str, list[PageLine]]]:
    """The keyed items of the list under an introducing line, each with the lines that continue it:
    the list runs while its lines stay at or right of the introduction's margin, close below each
    other, and ends at the next introducing line."""
    items: list[tuple[str, list[PageLine]]] = []
    above = lines[intro]
    for line in lines[intro + 1 : intro + 1 + MAX_LIST_LINES]:
        if line.x0 < lines[intro].x0 - 0.5 * height or line.bbox[1] - above.bbox[3] > 2.5 * height:
            break
        above = line
        key = keyed_line(line.text)
        if key:
            items.append((key, [line]))
        elif items and len(items[-1][1]) < MAX_ITEM_LINES and not line.text.rstrip().endswith(":"):
            items[-1][1].append(line)
        elif line.text.rstrip().endswith(":"):
            break
    return items


_KEY_NOUN = (
    r"(?:commands?|options?|keys?|flags?|switch(?:es)?|letters?|keystrokes?"
    r"|команд[аыуеой]*|параметр[аыуеом]*|опци[яиюей]*|ключ[аиуеом]*|клавиш[аиуеой]*|флаг[аиуеом]*)"
)
"""What a question calls a one-letter key of a man page's list ("the s command", «параметр c»)."""


def question_names_letter(question: str, letter: str) -> bool:
    """Whether a question names a one-character key as a key: beside the noun that says what it is ("the s
    command", "option V", «параметр c», «клавиша q») or quoted ('s'), in the key's own case: a man page
    lists "V" and "v" as two keys, and "a" or «с» alone is a word of the sentence."""
    at = rf"(?<![\w-]){re.escape(letter)}(?![\w-])"
    quoted = rf"['\"«“`]{re.escape(letter)}['\"»”`]"
    noun = rf"(?i:\b{_KEY_NOUN}\b)"
    if re.search(rf"{quoted}|{noun}\s+{at}", question):
        return True
    # "a command", «с параметром»: an article or a preposition before the noun names no key.
    return letter not in _WORD_LETTERS and re.search(rf"{at}\s+{noun}", question) is not None


@lru_cache(maxsize=4096)
def question_names_key(question: str, key: str) -> bool:
    """Whether a question names a list item's key as the item writes it: an option exactly ("-n" is not
    "-N"), a code as a whole number, a one-letter key in its own case, a setting's name in any case."""
    if len(key) == 1 and key.isalpha():
        return question_names_letter(question, key)
    if key.startswith("-"):
        return re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", question) is not None
    if key.isdigit():
        return re.search(rf"(?<![\w.,]){key}(?![\w]|[.,]\d)", question) is not None
    # A setting's name is an everyday word as often as not ("Package: *" against "the package manager"):
    # the question names it as a name, or as the line, entry or setting it is.
    tokens = set(search_tokens(key))
    if tokens and tokens <= question_names(question):
        return True
    named = re.compile(
        rf"(?<![\w-])['\"«“`]?{re.escape(key)}['\"»”`]?(?![\w-])(\s+{_ENTRY_NOUN})?", re.IGNORECASE
    )
    return any(match.group(1) or match.group(0)[0] in "'\"«“`" for match in named.finditer(question))


DESCRIBED_KINDS = (ANY, PATH, NAME)
"""What a question about a named keyword may ask that the keyword's own description answers ("for which
files", "what kind of", "what does it mean"), where no path or name stands in it."""
DESCRIBED_SHARE = 0.5
"""Share of the question's words (by weight) the description must say itself."""


def names_the_keyword(question: QuestionProfile, span: Span) -> bool:
    """Whether the span is the definition of a configuration keyword or a field the question names as a
    name ("if ORPHAN is not set": the item "ORPHAN colour"; "the GID field": the item "GID")."""
    if not span.term:
        return False
    keyword = term_keyword(span.term)
    # A man page's running head ("CP(1)") names the program the whole document is about, no keyword of it.
    if not _KEYWORD_NAME.fullmatch(keyword) or term_keyword(keyword).lower() == document_subject(
        span.passage.document.filename
    ):
        return False
    return (_names_an_option(keyword) or keyword.isupper()) and question_names_key(question.text, keyword)


_KEYWORD_NAME = re.compile(r"[A-Za-z][\w.:-]*")


_ENTRY_NOUN = r"(line|entry|setting|key|field|database|directive|parameter|option|value|record|keyword)s?\b"


def names_the_key(question: QuestionProfile, span: Span) -> bool:
    """Whether the span is the item of the key the question names ("what does exit code 2 mean"): a
    keyed item, or an option list's definition whose term writes the option ("-r number", "-s, --service")."""
    if span.origin == "keyed-item":
        return bool(span.term) and question_names_key(question.text, span.term)
    if span.origin == "definition":
        options = _TERM_OPTION.findall(span.term)
        if options:
            return any(question_names_key(question.text, option) for option in options)
        # A one-letter command or option of a man page ("s", "V", "c [start,]end"): "the s command".
        letter = span.term.split()[0] if span.term.split() else ""
        if len(letter) == 1 and letter.isalpha():
            return question_names_key(question.text, letter)
        # "Для каких файлов задаёт цвет ORPHAN?", "какой цвет, если ORPHAN не задан?": a question about the
        # keyword itself; one that asks a number of something its name says ("the PWM frequency") is not.
        return (question.fallback or question.asks in DESCRIBED_KINDS) and names_the_keyword(question, span)
    return False


_TERM_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z0-9?][\w-]*")


_ROW_KEY = re.compile(r"^\s*(?=\S*[/_.:=-]\S*[^\W_])[^\s]{3,}\s+\S")
"""A table row's key: a file, a library, a keyword written as code ("/lib/libnss_dns.so.X реализует ...")."""
MIN_ROWS = 3


def row_spans(view: PageView) -> Iterator[Span]:
    """Each row of a two-column table set as text lines: a key written as code and what it is ("/etc/hosts
    static table", "libnss_dns.so.X реализует источник «dns»"). Such a table reads as prose to the
    sentence splitter (long lines, no full stops): without its rows, a question about one row gets the
    whole table."""
    if view.from_image:
        return
    for passage in view.passages:
        if passage.kind in ("heading", "mark"):
            continue
        rows = [span for span in passage.spans if _ROW_KEY.match(passage.text[span.start : span.end])]
        if len(rows) < MIN_ROWS or 2 * len(rows) < len(passage.spans):
            continue
        for row in rows:
            text = passage.text[row.start : row.end].strip()
            evidence = view.evidence.get(passage.id)
            # The row's key is what a "which parameter ..." question about its description asks for.
            term = inline_term(text) or text.split()[0]
            yield Span(view, passage, row.start, row.end, text, "row", evidence, term, sources=(passage,))


SPAN_PROPOSERS: list[SpanProposer] = [
    sentence_spans,
    row_spans,
    lead_in_spans,
    bridged_spans,
    definition_spans,
    introduced_block_spans,
    wrapped_block_spans,
    list_item_spans,
    example_spans,
    numbered_step_spans,
    footnote_spans,
    keyed_item_spans,
]
"""Every proposer runs on every page read; a new kind of span is one more function here."""


def propose_spans(views: Sequence[PageView], proposers: Sequence[SpanProposer] | None = None) -> list[Span]:
    spans: list[Span] = []
    for view in views:
        for proposer in proposers if proposers is not None else SPAN_PROPOSERS:
            spans.extend(proposer(view))
    return spans


# -- fit ------------------------------------------------------------------------------------------


MIN_SHARED_STEM = 5


def matched_terms(terms: frozenset[str], tokens: frozenset[str]) -> set[str]:
    """The question's terms found among a span's tokens, also where the stemmer cut one form shorter
    than the other ("запуск" / "запускается" -> "запуска"): a shared stem of 5 letters or more."""
    return set(_matched_terms(frozenset(terms), frozenset(tokens)))


@lru_cache(maxsize=50_000)
def _matched_terms(terms: frozenset[str], tokens: frozenset[str]) -> frozenset[str]:
    # Every span of a section meets the same heading and file name: their matches are kept.
    found = set(terms & tokens)
    ordered: tuple[str, ...] | None = None
    for term in terms - found:
        if len(term) < MIN_SHARED_STEM:
            continue
        # A token the term starts is one of its prefixes; one that starts with the term follows it in order.
        if any(term[:length] in tokens for length in range(MIN_SHARED_STEM, len(term))):
            found.add(term)
            continue
        ordered = ordered if ordered is not None else sorted_stems(tokens)
        at = bisect_left(ordered, term)
        if at < len(ordered) and ordered[at].startswith(term):
            found.add(term)
    return frozenset(found)


@dataclass(frozen=True)
class FitWeights:
    coverage: float = 0.2
    own_coverage: float = 0.8
    phrase: float = 0.3
    named: float = 0.3
    portable: float = 0.15
    """Across languages only names read word for word ("HTTP", "X11Forwarding"): a span that drops the
    question's names (says "FTP" instead) is likely about something else. A penalty, not a bonus, so
    that keeping the names never lifts a span above one in the question's own language."""
    same_language: float = 0.1
    """An answer in the question's own language, where the page offers one, reads better (it weighs
    spans, never pages: `page_fits` leaves it out)."""
    evidence: float = 0.2
    page: float = 0.3
    kind: float = 0.25
    weak_kind: float = 0.4
    """Share of the kind bonus that weak evidence (a line that says "command") earns."""
    restates: float = 0.3
    wrong_kind: float = 0.3
    missing_qualifier: float = 0.3
    mark: float = 0.5
    term: float = 0.15
    """A term with its definition answers "which option ..." better than a line of the definition."""
    action: float = 0.1
    """A span that names the doing a how-to question asks about ("откатить") tells how to do it."""
    introduced: float = 0.1
    """An introducing sentence with its block answers better than either alone."""
    example: float = 0.2
    """A manual's example (what it does and the command) answers a how-to question better than its
    description alone, which says the same words without the command."""
    dangling: float = 0.2
    """A span that ends by introducing something (":", "... using") in a document points at the answer, it
    is not it."""
    defines: float = 0.3
    """The definition of the very option or variable the question names ("what separates the entries of
    LD_LIBRARY_PATH?") states its facts; other pages only mention it."""
    continuation: float = 0.1
    """A span that starts mid-sentence ("and remove the hold with") says less than the whole sentence."""
    keyed: float = 1.0
    """The item of a list whose key the question names ("exit code 2", "-n", "the hosts line") states what
    the key means; other lines only mention it."""
    row: float = 0.05
    """A table's row states one key's fact; the whole table read as one sentence states every key's, and
    the answer would not say which."""
    fallback: float = 0.5
    """The item of the key a question names that says what holds when the key is not given ("If --format
    is not specified, PNM is written") answers "what ... when --format is not given"; the item's other
    windows and the neighbouring items, which say it in the same words, do not."""
    listed: float = 0.2
    """A list of names after the question's words ("... на панели "Файл". Доступные: open, print и
    separator") answers "which actions ..." with every name; the lines around it only mention them."""
    quoted: float = 0.3
    """A span that says the phrase the question quotes («спящий узел», "sleeping node") word for word
    is where the document speaks of it; other spans only share its words."""
    whatis: float = 1.0
    """A man page's NAME line ("frobscan - read sheets from a feeder") defines what the page is about: it
    answers "what is frobscan?" better than any later line that mentions frobscan."""


def span_fit(question: QuestionProfile, span: Span, weights: FitWeights | None = None) -> Fit:
    """Cheap features of how a span answers a question, and their weighted sum (higher is better).

    Where the span stands (its page's rank, its passage's retrieval score) is added by `placed_score`.
    """
    weights = weights or FitWeights()
    passage = span.passage
    # A question in the document (a FAQ's "How do I put a package on hold?") heads its answer: its
    # words are the span's context, like a heading's, and a span of nothing but questions restates.
    lines = span.text.split("\n")
    asked = [line for line in lines if line.rstrip().endswith("?")]
    answering = "\n".join(line for line in lines if not line.rstrip().endswith("?")) if asked else span.text
    own = span_terms(answering)
    # The dialog's name or the manual's heading is in every line's context: a line earns credit for
    # the words it adds beyond it (the asked-for setting is in one line only).
    context = section_terms(passage.section) if span.text.strip() != passage.section.strip() else frozenset()
    # The file's name is every span's context too ("tar.1.en.pdf" answers questions about tar).
    context |= file_terms(passage.document.filename)
    if asked:
        context |= span_terms("\n".join(asked))
    terms = question.topic
    total = question.weight(terms) or 1.0
    found = matched_terms(terms, own) - split_identifier_parts(question, span.text)
    crosslingual = question.language in ("en", "ru") and prose_language(span.text) not in (
        question.language,
        "und",
    )
    # "удалить ... файлами конфигурации" is said in English as "deleting the configuration files".
    translated = translated_terms(question, span.text, terms - found) if crosslingual else set()
    found |= translated
    in_context = matched_terms(terms, context)
    if question.crossing and context:
        # "сортирует" is said by sort.1.en.pdf's name as much as "sort" is.
        in_context |= translated_terms(question, _context_text(passage), terms - in_context)
    # An everyday word found through the glossary ("удалять" -> "remove") is on many pages of any
    # manual: it counts half; a loanword ("конфигурации") or the word itself counts in full.
    everyday = translated - loanword_terms(question, span.text, translated) if translated else set()
    # An option named after what it does ("Compression" for "сжатие") says it in its very name: that is
    # no everyday word met in passing.
    everyday -= (
        translated_terms(question, span.term, frozenset(everyday)) if span.term and everyday else set()
    )
    if everyday and len(everyday) < 2 and not (found - in_context - everyday):
        # One everyday word alone ("удалять" -> "remove") is on every other page: it vouches for nothing.
        found -= everyday
        everyday = set()
    if span.term and not crosslingual and _written_in_other_language(question, span.term):
        # An English field of a Russian man page ("stack peak" over "... пиком стека"): the term is the
        # name the question asks for in its own language ("пик ... стека"), said in full.
        found |= translated_terms(question, span.term, terms - found)
    coverage = len(found | in_context) / len(terms) if terms else 0.0
    own_coverage = (
        question.weight(found - in_context) - GLOSSARY_SHARE * question.weight(everyday - in_context)
    ) / total
    portable = question.portable
    # A name in the file's name or heading is kept by every span of it ("gzip" in gzip.1.en.pdf).
    kept = question.weight(portable & (found | in_context))
    portable_coverage = kept / (question.weight(portable) or 1.0) if portable else 0.0
    # "... if ORPHAN is not set": the item that says what holds then ("Если этот цвет не задан, то ...")
    # states the case in its own words, in either language.
    falls_back = question.fallback and states_fallback(answering)
    kind = NO_EVIDENCE
    if span.term and question.asks in (OPTION, VARIABLE):
        kind = kind_evidence(question.asks, span.term, question)
        # A keyword in an option table ("failed-read", "TAR_FILETYPE") names an option too; a man
        # page's section heading ("DESCRIPTION") does not.
        if not kind and _names_an_option(_first_key(span.term), question.asks):
            kind = KindEvidence(f"term {span.term!r}", item=span.term)
        elif (
            not kind
            and question.asks == OPTION
            and span.origin == "definition"
            and labels_a_setting(span.term)
        ):
            # A handbook lists a program's settings by their labels in the window ("Maximum retries",
            # "Число повторов"), each over what it sets: the label is the setting's name.
            kind = KindEvidence(f"the setting labelled {span.term!r}", strong=False, item=span.term)
        elif kind:
            # The whole term is the option's name: "-k --keep", not only "-k".
            kind = dataclasses.replace(kind, item=span.term)
        if not kind and falls_back:
            # "If no tray is named, ... the tray named by the environment variable FROBSCAN_TRAY": the
            # item of the option says which variable stands in for it.
            kind = kind_evidence(question.asks, answering, question)
    elif span.command and question.asks in (COMMAND, ACTION):
        kind = KindEvidence(f"the example's command {span.command!r}", item=span.command)
    elif span.term and question.asks in (COMMAND, KEY) and listed_key(span.term):
        # A key list's term ("ESC-F", "ˆW", "f8/f9") is the command or key its description tells of.
        kind = KindEvidence(f"the list's key {span.term!r}", item=span.term)
    else:
        kind = kind_evidence(question.asks, span.text, question, span.view.from_image, context)
        if not kind and span.origin == "list-item" and question.asks in (NUMBER, NAME):
            # "Packages of which priority ...?": the values of a setting are the terms of a list.
            kind = kind_evidence(question.asks, span.term, question) or KindEvidence(
                f"the list item {span.term!r}", strong=False, item=span.term
            )
    # What the file or heading names ("sort" in sort.1.pdf) is in every option of it: it tells none apart.
    named = _item_names(question, kind.item, terms - in_context, crosslingual) / total if kind.item else 0.0
    # An everyday word said in the other language ("шланг" / "hose") is left out of `found` alone, not
    # out of what the span says.
    said = found | translated
    missing = missing_qualifiers(question.qualifiers, span.text) + unsaid_focus(
        question, said, in_context, states_case=falls_back
    )
    missing += unsaid_subject(question, span, said | in_context) + unsaid_option(question.text, span.text)
    missing += unsaid_numbers(question, frozenset(said | in_context))
    missing += unsaid_contrasted_name(question.text, span.text)
    if question.excluded and matched_terms(question.excluded, own) and terms - said - in_context:
        # "The minimum resp. maximum scale factor" says both and answers "the maximum (not the minimum)";
        # a span that says what is set aside and leaves a word of the question unsaid tells of the other.
        missing += (f"tells of what the question sets aside ({', '.join(sorted(question.excluded))})",)
    missing += unsaid_action(question, span, frozenset(said | in_context))
    missing += unsaid_defined(question, frozenset(said | in_context | span_terms(span.term)))
    unsaid = frozenset(terms - said - in_context)
    if question.asks in NAMED_KINDS and not crosslingual and not span.view.from_image:
        # A name the question keeps ("main3.lua", "INSTEAD") that the page says places the item; it is
        # not what the item does, which the item's own text must say.
        missing += unsaid_purpose(question, unsaid - (question_names(question.text) & _page_words(span.view)))
    restates = (
        span.text.strip() == passage.section.strip()
        or passage.kind == "heading"
        or len(asked) == len(lines)
        or (not span.view.from_image and contents_lines(span.text))
    )
    phrases = question.phrases
    phrase = len(phrases & span_pairs(answering)) / len(phrases) if phrases else 0.0
    # The heading vouches for the page and a span may repeat it ("descale" under "descaling"); the
    # file's name is in every span of the file and vouches for none of them.
    carries = bool(found - matched_terms(terms, file_terms(passage.document.filename)))
    # The item of the option or code the question names carries it, be its name a stopword ("-i").
    key = span.term if names_the_key(question, span) else ""
    carries = carries or bool(key)
    # The fallback said in the item of the very key the question names is the answer, whatever its kind
    # ("how many pages without --batch-count": "scanning continues until the feeder is empty").
    fallback = falls_back and bool(key)
    if fallback and not kind:
        kind = KindEvidence("what holds when it is not given", strong=False)
    elif key and not kind and question.asks in DESCRIBED_KINDS and own_coverage >= DESCRIBED_SHARE:
        # "Для каких файлов задаёт цвет ключевое слово ORPHAN?": the description of the very keyword the
        # question names, saying most of its words, tells what the keyword is for.
        kind = KindEvidence(f"the description of {term_keyword(key)!r}", strong=False)
    fit = Fit(
        coverage=coverage,
        own_coverage=own_coverage,
        phrase=phrase,
        portable_coverage=portable_coverage,
        crosslingual=crosslingual,
        translated=tuple(sorted(translated)),
        kind=kind,
        named=named,
        missing=missing,
        restates=restates,
        carries=carries,
        key=key,
        unsaid=unsaid,
    )
    fit.score = (
        weights.coverage * coverage
        + weights.own_coverage * own_coverage
        + weights.phrase * phrase
        + weights.named * named
        - (weights.portable * (1.0 - portable_coverage) if crosslingual and question.portable else 0.0)
        + (weights.kind * (1.0 if kind.strong else weights.weak_kind) if question.asks != ANY else 0.0)
        - (weights.wrong_kind if not kind else 0.0)
        - (weights.restates if restates else 0.0)
        - (weights.missing_qualifier if missing else 0.0)
        + (weights.term if span.term and question.asks in (OPTION, VARIABLE) else 0.0)
        + (weights.introduced if span.origin == "introduced-block" else 0.0)
        + (weights.row if span.origin == "row" else 0.0)
        + (weights.example if span.command and question.asks in (COMMAND, ACTION) else 0.0)
        + (weights.defines if _defines_the_named(question, span) else 0.0)
        + (weights.action if question.action and question.action <= found else 0.0)
        - (weights.dangling if _dangles(span.text) and not span.view.from_image else 0.0)
        - (weights.continuation if _CONTINUATION.match(span.text) and not span.view.from_image else 0.0)
        + (weights.keyed if fit.key else 0.0)
        + (weights.listed if kind.listed else 0.0)
        + (weights.quoted if says_quoted(question.text, answering) else 0.0)
        + (weights.fallback if fallback else 0.0)
        + (weights.whatis if names_line(question, span) else 0.0)
        + (
            weights.whatis
            if synopsis_line(question, span)
            or defines_heading(question, span)
            or defines_term(question, span)
            else 0.0
        )
        # A sentence that says what the word is ranks below its man page's NAME line.
        + (weights.whatis * DEFINING_SENTENCE if states_definition(question, span) else 0.0)
    )
    return fit


COUNTED_KINDS = (NUMBER, FREQUENCY)
"""Questions answered by any number on a page (a version, a count, a size): the gate can tell only by
their subject whether the number is the one asked for."""


@lru_cache(maxsize=4096)
def document_subject(filename: str) -> str:
    """The stem of what a document is about as its file's name starts ("sed" of sed.1.en.pdf, "getent"
    of getent-scan.ru.pdf), or "" when the name starts with no word of two letters or more."""
    first = re.split(r"[-_.\s]", filename.lower(), maxsplit=1)[0]
    tokens = search_tokens(first, drop_stopwords=True) if len(first) >= 2 and first.isalpha() else []
    return tokens[0] if len(tokens) == 1 else ""


def named_subjects(question: QuestionProfile, views: Sequence[PageView]) -> frozenset[str]:
    """The question's terms that name what one of the documents read is about."""
    subjects = {document_subject(view.hit.document.filename) for view in views}
    return frozenset(question.terms & subjects)


def unsaid_subject(question: QuestionProfile, span: Span, said: set[str]) -> tuple[str, ...]:
    """The program or product the question is about, where it is another document's and the span never
    names it: "what does exit status 4 of sed mean" is not answered by find(1)'s exit status."""
    own = document_subject(span.passage.document.filename)
    if not question.subjects or own in question.subjects:
        return ()
    return () if question.subjects & said else (f"the subject {'/'.join(sorted(question.subjects))}",)


def unsaid_defined(question: QuestionProfile, said: frozenset[str]) -> tuple[str, ...]:
    """The word a definition question asks about ("what is the sidebar?"), where the span, its term, its
    heading and file name never say it: the NAME line of the program the word belongs to defines the
    program, not the word."""
    if question.asks != ANY:
        return ()  # "What is the name of the function ...?" asks for a function, not what "name" is
    defined = frozenset(search_tokens(question.defines, drop_stopwords=True)) & question.terms
    if not defined or matched_terms(defined, said):
        return ()
    return (f"what it defines: {'/'.join(sorted(defined))}",)


def unsaid_option(question: str, text: str) -> tuple[str, ...]:
    """The option a question names ("what does aptitude's -s option do"), where the span never writes
    it: a span about the program's other options says nothing of this one."""
    options = _TERM_OPTION.findall(question)
    if not options or any(_writes_option(text, option) for option in options):
        return ()
    return (f"the option {'/'.join(options)}",)


NAMED_KINDS = (OPTION, VARIABLE, PACKAGE, MODEL)
"""Kinds of answer named after what they do or told apart by it in the text around them (an option's
description, a plugin's or a package's sentence, the models a feature is listed for)."""
MAX_UNSAID_SHARE = 0.6
"""Share of the question's words (by weight) that an option or a package's text may leave unsaid: past it,
most of what the question asks the item to do ("encrypts ... with a password", "monitors the temperature
of NVMe drives") is said of none of it, and the item is some other one of the same program."""


def unsaid_purpose(question: QuestionProfile, unsaid: frozenset[str]) -> tuple[str, ...]:
    """What the question asks an option or a package to do, where most of it (by weight) is unsaid by the
    item's text, its heading and its file's name: "which xz option encrypts the compressed file with a
    password" is not answered by -t because -t's definition says "compressed files"."""
    total = question.weight(question.topic) or 1.0
    if question.weight(unsaid & question.topic) / total <= MAX_UNSAID_SHARE:
        return ()
    heaviest = sorted(unsaid & question.topic, key=lambda term: (-question.weights.get(term, 1.0), term))
    return ("most of what it does: " + "/".join(heaviest[:3]),)


def unsaid_action(question: QuestionProfile, span: Span, said: frozenset[str]) -> tuple[str, ...]:
    """The doing a how-to question asks about, when a line of prose never says it ("How do I convert a
    disk to GPT?" against "frobdisk supports MBR and GPT labels": what the program is, not how to do it).
    An example's command, a command line in the text or a numbered step says it its own way ("frobdisk
    --relabel gpt")."""
    if question.asks != ACTION or not question.action or span.origin == "numbered-step":
        return ()
    if matched_terms(question.action, said):
        return ()
    commands = [span.command] if span.command else []
    commands += [line for line in span.text.split("\n") if _PROMPT.match(line) or command_shaped(line)]
    if commands and shows_doing(question, span.text, span.passage.document.filename, said):
        return ()  # "... like cp: $ scp file machine:/tmp/": the command line shows the doing
    return ("the doing: " + "/".join(sorted(question.action)),)


_FILE_GIVEN = re.compile(r"(?<![\w.])[\w.+/~*-]*\w\.[A-Za-z]\w{0,4}(?:[#:][^\s\"»]*)?")
"""A file a command is given, with the place in it it opens at ("foo.pdf#5", "main.c:42")."""


SHOWN_DOING_SHARE = 0.3
"""Share (by weight) of what a how-to question's doing acts on that an example must say when it never
says the doing itself: "opens the slide with the lamp dimmed" shows how to open a slide dimmed, "waits for
the next slide" does not show how to print a slide on paper."""


def shows_doing(question: QuestionProfile, text: str, filename: str, said: frozenset[str]) -> bool:
    """Whether an example with its command line says its own way some of what a how-to question asks
    beyond the doing: most of what it acts on ("opens the slide with the lamp dimmed" for "how do I open a
    slide dimmed?"). The program's name and the files given to it ("bar.pdf"
    says the file is a PDF, not what is done to it) say nothing of the doing: an example that opens a
    file is no answer to how to sign it. `said`: the question's words the span says (in either language)."""
    objects = question.topic - question.action - file_terms(filename) - question.subjects
    if not objects:
        return True
    # A word said only by a file's name ("bar.pdf") is no word of the doing.
    given = matched_terms(objects, span_terms(" ".join(_FILE_GIVEN.findall(text))))
    shown = (said & objects) - (given - matched_terms(objects, span_terms(_FILE_GIVEN.sub(" ", text))))
    return question.weight(shown) >= SHOWN_DOING_SHARE * question.weight(objects)


_MANUAL_REFERENCE = re.compile(r"(?<![\w.-])[\w.+-]*[^\W\d_][\w.+-]*\((\d\w{0,3})\)")
"""A man page named with its section ("shells(5)", "crontab(1)", "getpwent(3p)")."""


def only_names_a_section(question: str, number: str) -> bool:
    """Whether a number of the question stands only as the section of a man page it names ("the shells(5)
    page"): it is part of the page's name, not a case the answer must state."""
    sections = [m.group(1) for m in _MANUAL_REFERENCE.finditer(question)]
    if number not in sections:
        return False
    rest = _MANUAL_REFERENCE.sub(" ", question)
    return re.search(rf"(?<![\w.]){re.escape(number)}(?![\w.])", rest) is None


def unsaid_numbers(question: QuestionProfile, said: frozenset[str]) -> tuple[str, ...]:
    """A number the question states ("на 32-битных системах", "with 4 GB of RAM"), where neither the span
    nor its heading says it: the question restricts its case by it, and a span that never names the case
    answers another one (the maximum size in general is not the maximum size on 32-bit systems)."""
    numbers = sorted(
        term
        for term in question.topic
        if term.isdigit() and term not in said and not only_names_a_section(question.text, term)
    )
    return (f"the number {'/'.join(numbers)}",) if numbers else ()


@lru_cache(maxsize=50_000)
def _writes_option(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def unsaid_focus(
    question: QuestionProfile, found: set[str], in_context: set[str], states_case: bool = False
) -> tuple[str, ...]:
    """What a question is about that a span (which says `found`, in either language, its heading and
    file name `in_context`) leaves unsaid.

    The case it sets ("... if memory runs out"): the span must say some word of it. And for a number
    (`COUNTED_KINDS`), the most specific name the question holds besides what the number is of ("in
    which glibc version did *subid* support appear"): a line with glibc versions that never names
    subid gives some other thing's version. Each is told by its words, which `why` shows. A span that
    `states_case` (what holds when something is not given) says the case in words of its own."""
    unsaid: list[str] = []
    condition = question.condition & question.topic
    if condition and not states_case and not condition & (found | in_context):
        unsaid.append("the case " + "/".join(sorted(condition)))
    if question.sets and not matched_terms(question.sets, frozenset(found | in_context)):
        # "Which option sets the number of threads?": an option that sets something else is no answer;
        # "which cipher encrypts the drawers?": nor a cipher of something else.
        unsaid.append("what it sets: " + "/".join(sorted(question.sets)))
    kind_words = asked_kind_words(question.text) & question.topic
    if kind_words and not matched_terms(kind_words, frozenset(found | in_context)):
        # "Which proxy server ...": a name on a line that never says "proxy" is some other thing's.
        unsaid.append("which kind: " + "/".join(sorted(kind_words)))
    if question.asks in (*COUNTED_KINDS, ALGORITHM):
        # An algorithm too: "which cipher encrypts KeeShare containers" is not answered by the cipher of
        # the database on a line that never names KeeShare.
        beside = question.quantity.beside if question.quantity else frozenset()
        names = sorted(question_names(question.text) & question.topic - beside - in_context)
        rarest = max(names, key=lambda name: (question.weights.get(name, 1.0), len(name)), default="")
        if rarest and rarest not in found:
            unsaid.append(rarest)
    return tuple(unsaid)


_NAME_SHAPE = re.compile(
    r"[A-Za-z][A-Za-z0-9]*[0-9][A-Za-z0-9]*|[A-Z]{2,}[0-9]*|\w*[a-z0-9][A-Z]\w*|\w+[_.:/+-]\w[\w.:/+-]*"
)


@lru_cache(maxsize=4096)
def question_names(question: str) -> frozenset[str]:
    """Stems of the names a question holds that no other word stands for: a Latin word in a Russian
    question ("subid"), a code ("R2400", "nsswitch.conf", "X11Forwarding", "RAM"). A capitalised English
    word is left out: "In the Convert Image dialog" names the window the value stands in."""
    russian = bool(re.search(r"[а-яё]", question, re.IGNORECASE))
    found: set[str] = set()
    for word in re.findall(r"[\w][\w.:/+-]*[\w]|\w", question):
        if re.search(r"[а-яё]", word, re.IGNORECASE) or word.isdigit():
            continue
        if (russian and re.search(r"[A-Za-z]", word)) or _NAME_SHAPE.fullmatch(word):
            found.update(search_tokens(word, drop_stopwords=True))
    # An option the question names ("did the -jpegopt option appear") is a name in either language.
    for option in _TERM_OPTION.findall(question):
        found.update(search_tokens(option, drop_stopwords=True))
    return frozenset(found)


def _dangles(text: str) -> bool:
    """Whether a span stops where it introduces what follows ("run:", "hold a package using")."""
    tail = text.rstrip()
    # Only the last word can match: the search starts where the longest of them would (the
    # look-behind still sees the character before it).
    return tail.endswith(":") or bool(_UNFINISHED.search(tail, max(0, len(tail) - _UNFINISHED_REACH)))


def split_identifier_parts(question: QuestionProfile, text: str) -> frozenset[str]:
    """Parts of the question's codes that the text holds only apart: for "model VX-10" the "10" of
    "Model VX-07: lasts 10 months" is a coincidence, not the model asked about."""
    apart: set[str] = set()
    for identifier in question.identifiers:
        if not identifier.pattern.search(text):
            apart |= identifier.parts
    return frozenset(apart)


def _item_names(question: QuestionProfile, item: str, terms: frozenset[str], crosslingual: bool) -> float:
    """The weight of the question's terms that an option or command (`item`) carries in its own name."""
    if question.asks not in (OPTION, VARIABLE, COMMAND, PACKAGE):
        return 0.0
    words = span_terms(item)
    named = matched_terms(terms, words)
    if crosslingual:
        named |= translated_terms(question, item, terms - named)
    return question.weight(named)


def _defines_the_named(question: QuestionProfile, span: Span) -> bool:
    """Whether a span is the definition of a keyword the question names (the term is not the answer
    here: a question that names the option asks about it)."""
    if span.origin != "definition" or not span.term or question.asks in (OPTION, VARIABLE):
        return False
    named = frozenset(search_tokens(span.term))
    return bool(named) and named <= question.terms and _names_an_option(span.term) and not span.term.isalpha()


def defines_term(question: QuestionProfile, span: Span) -> bool:
    """Whether the span is the item whose term is the word a definition question asks about ("What is the
    sidebar?": the item of "set sidebar"), read as a list or as a short line over its description."""
    if not question.defines or question.asks in (OPTION, VARIABLE) or span.view.from_image:
        return False  # a screen's "Pairing code: 4711" is a label with its value, no term over a description
    head = span.term or _leading_term(span.text)
    description = span.text.strip().partition("\n")[2] if not span.term else span.text
    if _SECTION_NAME.fullmatch(head.strip()) or len(description.split()) < MIN_DESCRIPTION_WORDS:
        return False  # a heading in capitals ("FORMAT OF INTERVALS"), a label over its value ("1")
    # The word leads the term, maybe after the keyword that sets it ("set sidebar"); a path that ends in
    # it ("/etc/sidebar") or a sentence that mentions it is no such term.
    keyed = re.match(rf"\s*(?:([\w-]+)[ \t]+)?{re.escape(question.defines)}(?![\w/.-])", head, re.I)
    return (
        keyed is not None
        and ":" not in head
        and (keyed.group(1) or "").lower() not in STOPWORDS  # "A passphrase is ..." is a sentence
    )


DEFINING_SENTENCE = 0.75
"""Share of a NAME line's weight that a sentence saying what the word is ("A vault is a ...") earns."""
MAX_TERM_WORDS = 4
"""Words a line may have to be read as the term over the lines after it ("set sidebar", "-U, --quick")."""
MIN_DESCRIPTION_WORDS = 3
"""Words the lines under a term must have to describe it (a setting's value under its label has one)."""


def _leading_term(text: str) -> str:
    """The first line of a span of several lines, where it is short enough to be the term they describe."""
    first, _, rest = text.strip().partition("\n")
    return first if rest.strip() and len(first.split()) <= MAX_TERM_WORDS else ""


_PLACEHOLDER = re.compile(r"<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|[a-zа-яё_][\w|-]*|[A-Z][A-Z0-9_]*|[\w-]+=\S*")
_KEYWORD_TERM = re.compile(r"(?P<keyword>[A-Za-z][\w.:-]*)\s+(?P<arguments>\S.*)")


def term_keyword(term: str) -> str:
    """The keyword a configuration file's term sets, without the arguments the man page writes after it:
    "reload <yes|no>", "scopev4 маска значение", "Compression yes|no" set "reload", "scopev4" and
    "Compression". A term whose later words are no placeholders ("Quick Start") is kept whole."""
    match = _KEYWORD_TERM.fullmatch(term.strip())
    if match is None:
        return term
    arguments = match.group("arguments").split()
    if all(_PLACEHOLDER.fullmatch(word) for word in arguments):
        return match.group("keyword")
    return term


def _names_an_option(term: str, asks: str = OPTION) -> bool:
    """Whether a definition list's term names an option or a variable: a keyword, not a section heading
    in capitals ("DESCRIPTION") nor a file the list describes ("/usr/lib/gconv"). A keyword stands with
    the arguments the man page writes after it ("reload <yes|no>")."""
    term = term_keyword(term)
    if not re.fullmatch(r"[\w.:/=\[\]-]+", term) or term.startswith(("/", "~/", "./")):
        return False
    if asks == VARIABLE:
        return bool(re.fullmatch(r"[A-Z][A-Z0-9_]*", term)) and "_" in term
    return not (term.isalpha() and term.isupper())


MAX_LABEL_WORDS = 6


def labels_a_setting(term: str) -> bool:
    """Whether a definition list's term is a setting's label as a window shows it: a few words opening with
    a capital ("Maximum retries", "Число повторов"), not a sentence, a heading in capitals or a number."""
    words = term.split()
    return (
        0 < len(words) <= MAX_LABEL_WORDS
        and term[:1].isupper()
        and not term.isupper()
        and all(re.fullmatch(r"[^\W\d_][\w-]*", word) for word in words)
    )


def _written_in_other_language(question: QuestionProfile, term: str) -> bool:
    """Whether a term is written in the language the question is not (Latin words for a Russian question,
    Cyrillic ones for an English one)."""
    latin = bool(re.search(r"[A-Za-z]{2}", term))
    cyrillic = bool(re.search(r"[А-Яа-яЁё]{2}", term))
    return (question.language == "ru" and latin and not cyrillic) or (
        question.language == "en" and cyrillic and not latin
    )


@lru_cache(maxsize=20_000)
def prose_language(text: str) -> str:
    """The language of a span's prose: shell lines ("$ scp file host:/tmp/") are in none."""
    prose = "\n".join(line for line in text.splitlines() if not _PROMPT.match(line))
    return detect_language(prose)


@lru_cache(maxsize=20_000)
def span_pairs(text: str) -> frozenset[tuple[str, str]]:
    return word_pairs(text)


def _context_text(passage: PassageRecord) -> str:
    return f"{passage.section} {filename_words(passage.document.filename)}"


@lru_cache(maxsize=4096)
def file_terms(filename: str) -> frozenset[str]:
    # "ssh_config.5.en.pdf" is about "ssh_config" as a whole word as well as its parts.
    return frozenset(search_tokens(filename_words(filename))) | frozenset(
        search_tokens(filename.split(".")[0])
    )


@lru_cache(maxsize=4096)
def section_terms(section: str) -> frozenset[str]:
    return frozenset(search_tokens(section))


def placed_score(
    question: QuestionProfile,
    span: Span,
    fit: Fit,
    page_weight: float,
    evidence_weight: float,
    top_page: bool = False,
    weights: FitWeights | None = None,
) -> float:
    """The span's fit plus where it stands: `page_weight` is its page's retrieval score relative to
    the best page read, `evidence_weight` its passage's fused score relative to the best passage read
    (0 for passages no channel found); a question about a red mark favours the mark on the first page."""
    weights = weights or FitWeights()
    marked = question.wants_mark and span.passage.kind == "mark" and top_page
    return (
        fit.score
        + weights.page * page_weight
        + weights.evidence * evidence_weight
        + (weights.mark if marked else 0.0)
        + (0.0 if fit.crosslingual else weights.same_language)
        - NAME_ABSENCE * span.view.lacks_names
    )


STEP_ORIGINS = ("introduced-block", "shown-block", "numbered-step")
"""Spans that are one step of a procedure written as commands, each under the sentence saying what it does."""
STEP_BONUS = 0.6
"""What being the step a question places (after/before the step it names, first, last) adds to a fit:
the named step shares the question's words and must not win for them."""
MIN_ANCHOR_SHARE = 0.5
_STEP_LEAD = re.compile(
    r"^(?:(?:and|then|now|next|finally|lastly|first|second|afterwards|и|затем|потом|теперь|наконец"
    r"|сначала|далее|после\s+этого)[\s,]+)*",
    re.IGNORECASE,
)


def procedure_steps(spans: Sequence[Span]) -> list[list[Span]]:
    """The page's steps in reading order, each with its spans (the same block under shorter or longer
    introductions): the blocks a page shows one after another under the sentences that introduce them."""
    steps: dict[tuple[int, float, float], list[Span]] = {}
    for span in spans:
        if span.origin in STEP_ORIGINS and span.passage.spans:
            last = span.passage.spans[-1].bbox
            steps.setdefault((span.passage.page, last[1], last[0]), []).append(span)
    return [steps[key] for key in sorted(steps, key=lambda key: (key[1], key[2]))]


def step_sentence(span: Span) -> str:
    """The sentence that introduces the step's block: what the step does."""
    if span.origin == "numbered-step":
        text = span.text[_STEP_NUMBER.match(span.text).end() :]  # type: ignore[union-attr]
        return re.split(r"(?<=[.!?])\s+", " ".join(text.split()))[0]
    lines = span.text.split("\n")
    # the introduction ends on its colon; a block shown without one follows the first line's sentence
    ends = [index for index, line in enumerate(lines[:-1]) if line.rstrip().endswith(":")]
    intro = " ".join(lines[: ends[-1] + 1] if ends else lines[:1])
    return re.split(r"(?<=[.!?])\s+", intro.strip())[-1]


def step_verb(span: Span) -> frozenset[str]:
    """The stem of what the step tells to do: the first word of its introducing sentence past "then",
    "and finally" ("Then install needed build-dependencies:" -> install)."""
    sentence = step_sentence(span)
    rest = sentence[_STEP_LEAD.match(sentence).end() :]  # type: ignore[union-attr]
    word = rest.split(maxsplit=1)[0] if rest.split() else ""
    return frozenset(search_tokens(word, drop_stopwords=True))


def placed_step(question: QuestionProfile, spans: Sequence[Span]) -> tuple[int, int | None] | None:
    """Which of the page's steps (an index into `procedure_steps`) the question's relation picks.

    "After X, which command builds ...": the steps after the one that does X, the one among them
    that does what the question asks (builds), else the next one; "before X" the same backwards;
    "the first/last step" the ends; with it the step the question names (done already, so no answer).
    None when the page has no procedure or no step does X."""
    relation = question.step
    steps = procedure_steps(spans)
    if relation is None or len(steps) < 2:
        return None
    if relation.place == FIRST:
        return 0, None
    if relation.place == LAST:
        return len(steps) - 1, None
    if relation.place == NTH:
        # the step numbered so ("3." or "c)") where the steps are numbered, else the n-th in order
        numbered = [
            index
            for index, step in enumerate(steps)
            if step_number(step[0].text) in (str(relation.number), chr(ord("a") + relation.number - 1))
        ]
        if numbered:
            return numbered[0], None
        return (relation.number - 1, None) if relation.number <= len(steps) else None

    def share(step: list[Span]) -> float:
        tokens = frozenset(search_tokens(step_sentence(step[0])))
        # the step that does what the question names ("writing the image" -> "Write it to ...")
        doing = MIN_ANCHOR_SHARE if step_verb(step[0]) & relation.anchor else 0.0
        return len(matched_terms(relation.anchor, tokens)) / len(relation.anchor) + doing

    shares = [share(step) for step in steps]
    best = max(shares)
    if best < MIN_ANCHOR_SHARE or shares.count(best) > 1:
        return None
    anchor = shares.index(best)
    order = range(anchor + 1, len(steps)) if relation.place == AFTER else range(anchor - 1, -1, -1)
    placed = list(order)
    if not placed:
        return None
    doing = [index for index in placed if relation.verb and step_verb(steps[index][0]) & relation.verb]
    return (doing or placed)[0], anchor


def _placed_steps(question: QuestionProfile, read: list[tuple[Span, Fit]]) -> list[tuple[Span, Fit]]:
    placed = placed_step(question, [span for span, _ in read])
    if placed is not None:
        steps = procedure_steps([span for span, _ in read])
        index, named = placed
        chosen = {id(span) for span in steps[index]}
        done = {id(span) for span in steps[named]} if named is not None else set()
        for span, fit in read:
            if id(span) in chosen:
                fit.score += STEP_BONUS
            elif id(span) in done:
                fit.score -= STEP_BONUS
    return read


def read_views(question: QuestionProfile, views: Sequence[PageView]) -> list[tuple[Span, Fit]]:
    """Every span of the pages with its fit (computed once per page and question, then kept)."""
    found = []
    asked = dataclasses.replace(question, subjects=named_subjects(question, views))
    for view in views:
        # The reranker and the reader profile the same question apart: equal profiles share fits. The
        # subjects named are part of the profile: a page read ahead alone (the reranker's read-ahead)
        # is read again among the others, or its fits would depend on when it happened to be read.
        if view.fits is None or view.fits[0] != asked:
            read = [(span, span_fit(asked, span)) for span in propose_spans([view])]
            view.fits = (asked, _placed_steps(asked, read))
        found.extend(view.fits[1])
    return found


def evidence_weight(span: Span, best_evidence: float) -> float:
    return span.evidence.score / best_evidence if span.evidence and best_evidence > 0 else 0.0


NAME_ABSENCE = 0.5
"""What a page loses when it lacks the names (program, identifier) the question shares with one document
only among the pages read, relative to the page that holds the most of them."""


def translation_names(question: QuestionProfile) -> frozenset[str]:
    """What a translation keeps and names one thing: identifiers, acronyms, Latin words of a Russian
    question ("pdftoppm", "AF_INET6"), less English words joined ("text-mode", "e-mail" are no names)."""
    common = set()
    for word in re.findall(r"[A-Za-z][\w.:/=+-]*[A-Za-z0-9]", question.text):
        # "e-mail", "x-ray": a single letter joined to an English word makes no name either.
        parts = [part for part in re.split(r"[\W_]+", word) if len(part) > 1]
        if not re.search(r"\d", word) and all(english_word(part) for part in parts):
            common.update(search_tokens(word))
    return question.portable - common


def program_names(question: QuestionProfile, views: Sequence[PageView]) -> frozenset[str]:
    """Words of an English question that no dictionary knows and that a read document's file name holds:
    "the ngspice manual" names ngspice-manual.en.pdf as much as "pdftoppm" names pdftoppm.1.en.pdf (a
    word the dictionary lacks, "database", names no document)."""
    if question.language != "en":
        return frozenset()
    files = frozenset().union(*(file_terms(view.hit.document.filename) for view in views))
    return frozenset(
        token
        for word in re.findall(r"(?<![\w.-])[a-z][a-z0-9]{3,}(?![\w.-])", question.text)
        if not english_word(word)
        for token in search_tokens(word, drop_stopwords=True)
        if token in files
    )


def page_language(view: PageView) -> str:
    """The language most of a page's text is in ("und" when it has none)."""
    return passages_language(view.passages)


def passages_language(passages: Iterable[PassageRecord]) -> str:
    """The language most of the passages' text is in ("und" when none is English or Russian)."""
    sizes: dict[str, int] = {}
    for passage in passages:
        if passage.lang in ("en", "ru"):
            sizes[passage.lang] = sizes.get(passage.lang, 0) + len(passage.text)
    return max(sizes, key=sizes.__getitem__) if sizes else "und"


def _page_words(view: PageView) -> frozenset[str]:
    if view._words is None:
        words = set(file_terms(view.hit.document.filename))
        for passage in view.passages:
            words |= span_terms(passage.text) | section_terms(passage.section)
        view._words = frozenset(words)
    return view._words


def names_held(question: QuestionProfile, views: Sequence[PageView]) -> list[float]:
    """For each page, the weighted share of the question's distinctive names it holds (text, headings or
    file name); a name is distinctive when the pages holding it are all of one document ("pdftoppm" in
    pdftoppm.1.en.pdf, "AF_INET6" on one page of getent's manual): the question points at that document,
    and a screenshot in the question's own language that is merely close in meaning does not answer it.
    A page also holds what the page before it names, when that page is read too: a section named low on a
    page ("3.1.4 USB-RJ45 cable") goes on over the page (its drawing, its table).
    All pages hold everything (1.0) when no name is distinctive."""
    names = translation_names(question) | program_names(question, views)
    if not names or len(views) < 2:
        return [1.0] * len(views)
    own = {(view.hit.document.id, view.hit.page): _page_words(view) for view in views}
    words = [
        own[(view.hit.document.id, view.hit.page)]
        | own.get((view.hit.document.id, view.hit.page - 1), frozenset())
        for view in views
    ]
    distinctive = set()
    for name in names:
        documents = {view.hit.document.id for view, held in zip(views, words, strict=True) if name in held}
        if len(documents) == 1:
            distinctive.add(name)
    if not distinctive:
        return [1.0] * len(views)
    total = question.weight(distinctive) or 1.0
    return [question.weight(distinctive & held) / total for held in words]


def page_fits(
    question: QuestionProfile, views: Sequence[PageView], admits: Callable[[Span], bool] | None = None
) -> list[float]:
    """For each page, how well its best span answers the question: the span's fit, its passage's
    retrieval score and its passage's similarity to the question (the page's own rank left out), less
    what it lacks of the names only one document holds (`names_held`). `admits`, when given, says which
    spans may speak for their page (a page none of whose spans it admits fits with 0)."""
    read = [(span, fit) for span, fit in read_views(question, views) if admits is None or admits(span)]
    best_evidence = max((e.score for view in views for e in view.evidence.values()), default=0.0)
    best: dict[int, float] = {}
    for span, fit in read:
        # Which language a page is in says nothing about whether it answers.
        score = fit.score + FitWeights.evidence * evidence_weight(span, best_evidence)
        meaning = span.view.similarities.get(span.passage.id, 0.0)
        score += meaning * (CROSSLINGUAL_MEANING if fit.crosslingual else 1.0)
        key = id(span.view)
        best[key] = max(best.get(key, score), score)
    held = names_held(question, views)
    language = named_language(question.text)
    for view, share in zip(views, held, strict=True):
        # "In the Russian Geany settings": the language is a name of the document as much as "Geany".
        astray = bool(language) and page_language(view) not in (language, "und")
        view.lacks_names = max(held) - share + (1.0 if astray else 0.0)
    return [best.get(id(view), 0.0) - NAME_ABSENCE * view.lacks_names for view in views]


# -- the answer as read -----------------------------------------------------------------------------

WRAPPED_SHARE = 0.6
"""A line at least this share of the block's longest line long, that stops mid-sentence, was wrapped by
the page's width: the next line goes on with its sentence."""
_GOES_ON = re.compile(r"[^\W_]|[,(]|[-–—]\s*$")
_ITEM_START = re.compile(r"^\s*(?:[•▪◦‣∙●■*–—-]\s|\d+[.)]\s|[$#>%]\s)")
_STOPS = (".", "!", "?", ":", ";")


def _wrapped(line: str, following: str, longest: int) -> bool:
    """Whether `following` goes on with the sentence that `line` wraps: a prose line (several words, not a
    command) that ends mid-sentence and is about as long as the block's longest, before a line that starts
    in lower case and opens no list item, prompt or command."""
    line, following = line.rstrip(), following.strip()
    if not line or not following or line.endswith(_STOPS) or not _GOES_ON.search(line[-1]):
        return False
    if len(line.split()) < 3 or len(line) < WRAPPED_SHARE * longest:
        return False
    if not following[0].islower() or _ITEM_START.match(following):
        return False
    return not (command_shaped(line) or command_shaped(following) or _PROMPT.match(line))


def unwrapped(text: str) -> str:
    """The answer's text with the lines the page wrapped inside a sentence joined ("пароль не" / "нужен." ->
    "пароль не нужен."); a term's line, list items, commands and table rows keep their own lines."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    longest = max(len(line.rstrip()) for line in lines)
    out = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        if _wrapped(previous, line, longest):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


_SPLIT_NAME = re.compile(r"(?<=[^\s.])\. (?=[a-z][a-z0-9]{0,4}(?![\w.]))")
"""OCR of a monospaced screen reads the full stop of "controller.log" in its own cell as a word's end."""


def rejoined_names(text: str) -> str:
    """Screen text with file names and paths that OCR split at their extension joined again: a full stop,
    one blank and a short lowercase extension after a token that holds a path's or a name's marks
    ("/var/log/app. log", "mill-room. conf"); a sentence's end ("the pump. Then") is left alone."""
    out, last = [], 0
    for match in _SPLIT_NAME.finditer(text):
        token = text[: match.start()].rsplit(None, 1)[-1] if text[: match.start()].strip() else ""
        if re.search(r"[/\\_~-]", token):
            out.append(text[last : match.start()] + ".")
            last = match.end()
    return "".join(out) + text[last:]


_LINE_VALUE = re.compile(r"(?<![\w-])(?:[^\W\d_]{1,4}-)?[^\W_]*\d[\w./:@-]*")
_LABEL_REACH = 2
"""Words before a value on a text file's line that may be its label ("invoice No 7342", "счёт № 5178")."""


def labelled_value(
    question: QuestionProfile, text: str, context: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """(the question's word, the value) when a line states a value right after a word of the question:
    "invoice No 7342" for "which invoice number", "Bosch K40" for "which Bosch model", "полок C-7"
    for «полки». A notes or configuration file writes a fact as its name and then its value. A word
    that names the document (`context`: its file name, its heading; "vim" in "the vim screenshot"; a file
    name the question gives) labels no fact: "Editor 3.1" is the program's title, not an asked-for value."""
    # The file the question names ("mill-room.conf") names the document too.
    files = " ".join(re.findall(r"[\w-]+\.[^\W\d_]{1,5}\b", question.text))
    named = matched_terms(question.topic, context | frozenset(search_tokens(files)))
    for match in _LINE_VALUE.finditer(text):
        before = re.findall(r"[^\W\d_]+", text[: match.start()])[-_LABEL_REACH:]
        label = matched_terms(question.topic, frozenset(search_tokens(" ".join(before)))) - named
        if label:
            return min(label), match.group(0).rstrip(".,:;")
    return None


def labelled_line(question: QuestionProfile, span: Span) -> tuple[str, str] | None:
    """`labelled_value` of a text file's line on screen (None for any other span)."""
    if span.passage.id not in span.view.numbered:
        return None
    context = file_terms(span.passage.document.filename) | section_terms(span.passage.section)
    return labelled_value(question, span.text, context)


def answer_text(span: Span) -> str:
    """What the user reads of a span: its page-wrapped lines joined (`unwrapped`); on a screenshot with
    file names split by OCR joined again (`rejoined_names`), and a text file's lines without the blanks
    their line numbers left (`without_gutter`)."""
    text = unwrapped(span.text)
    if not span.view.from_image:
        return text
    if span.passage.id in span.view.numbered:
        text = "\n".join(line.strip() for line in text.split("\n"))
    return rejoined_names(text)


def without_cut_sentence(span: Span, item: str = "") -> Span:
    """A definition's window without the sentence its size cut at the end ("... SANE_DEFAULT_DEVICE. If
    this variable is not"): the answer stops where its last whole sentence does, unless the cut one holds
    the asked-for `item`."""
    text = span.text.rstrip()
    if span.origin != "definition" or text.endswith((".", "!", "?", ":", ";", ")")):
        return span
    stops = [match.start() for match in sentence_ends(text) if text[match.start() - 1] in ".!?"]
    if not stops or (item and item in text[stops[-1] :]) or stops[-1] <= len(span.term):
        return span
    # Only prose cut on the last line goes: "Пример:\nsortlist 130.155.160.0/..." is the example itself.
    if any(mark in text[stops[-1] :].strip() for mark in ("\n", ":")):
        return span
    end = stops[-1]
    return dataclasses.replace(span, end=span.start + end, text=text[:end])


def fallback_sentence(question: QuestionProfile, span: Span, item: str = "") -> Span:
    """For a question that asks what holds when something is not given, the sentence of the chosen item
    that says it ("If --format is not specified, PNM is written by default."), not the item's first line;
    any other span as it is. The sentence must be whole (a window may cut the last one: "If this variable
    is not") and hold the asked-for `item` where the span has one (the variable's name, the port)."""
    if not question.fallback or not span.term or span.origin not in ("definition", "keyed-item"):
        return span
    text = span.text
    body = text.find("\n") + 1 if text.startswith(span.term) else 0
    starts = [body, *(match.end() for match in sentence_ends(text, body))]
    for start, end in itertools.pairwise([*starts, len(text)]):
        sentence = text[start:end].rstrip()
        whole = sentence.endswith((".", "!", "?"))
        if whole and states_fallback(sentence) and item in sentence:
            return dataclasses.replace(
                span, start=span.start + start, end=span.start + start + len(sentence), text=sentence
            )
    return span


_ASKS_SYNOPSIS = re.compile(
    r"\b(?:synopsis|syntax|how\s+(?:is|do\s+I|do\s+you)\s+(?:call|invoke|run)\w*)\b"
    r"|(?<!\w)(?:синтаксис|синопсис|формат\w*\s+вызова)",
    re.IGNORECASE,
)
_SYNOPSIS_HEADING = re.compile(
    r"^\s*(?:SYNOPSIS|USAGE|СИНТАКСИС|СИНОПСИС|ОБЗОР|ИСПОЛЬЗОВАНИЕ)\s*$", re.IGNORECASE
)


def synopsis_line(question: QuestionProfile, span: Span) -> bool:
    """Whether the span is the synopsis of the program a question asks how to call ("Как выглядит
    синтаксис вызова frobscan?", "What is the synopsis of frobscan?"): a line of the man page's SYNOPSIS
    section that starts with the program's name, the document's subject."""
    heading, text = span_heading(span)
    if not _ASKS_SYNOPSIS.search(question.text) or not _SYNOPSIS_HEADING.match(heading):
        return False
    subject = document_subject(span.passage.document.filename)
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(subject and lines) and all(search_tokens(line.split()[0])[:1] == [subject] for line in lines)


_DEFINING = r"(?:\s*[-–—:]\s*|\s+)(?:это|является|означает|называется|is|are|means|refers\s+to)(?!\w)"
_DEFINING_CLASS = (
    r"(?:\s*[-–—:]\s*|\s+)(?:(?:is|are)\s+(?:a|an|the|one|any)|это|является|означает|называется|means"
    r"|refers\s+to)(?!\w)"
)
"""Says what class a thing belongs to ("is a sequence of words", "— это папка"), not what it is like ("is
specifically designed to ...")."""


def defines_heading(question: QuestionProfile, span: Span) -> bool:
    """Whether the span opens the section the definition question asks about with its definition
    ("Что такое формат отчёта?": under ФОРМАТ ОТЧЁТА, "Формат отчёта — это ..."; "What is ledger mode?":
    "Ledger mode is ..."): the heading names what the question asks and the span says "X is"."""
    if not question.defines or span.view.from_image:
        return False
    heading, text = span_heading(span)
    named = frozenset(search_tokens(heading))
    if not named or not named <= question.terms:
        return False
    words = r"\W+".join(re.escape(word) for word in re.findall(r"\w+", heading))
    return re.match(rf"\s*{words}{_DEFINING}", text, re.IGNORECASE) is not None


def states_definition(question: QuestionProfile, span: Span) -> bool:
    """Whether the span opens with the definition of the word a definition question asks about ("How
    does the guide define a vault?": "A vault is a ..."; «Что такое ящик?»: «Общий ящик — это ...»),
    whatever heading it stands under."""
    if not question.defines or span.view.from_image:
        return False
    if document_subject(span.passage.document.filename) in search_tokens(question.defines):
        return False  # the document is about the word: its NAME line defines it
    word = re.escape(question.defines)
    adjective = r"(?:[а-яё]+(?:ый|ий|ой|ая|яя|ое|ее|ые|ие)\s+)?"
    opening = rf"\s*(?:(?:a|an|the)\s+)?{adjective}{word}\w{{0,3}}{_DEFINING_CLASS}"
    return re.match(opening, span.text, re.IGNORECASE) is not None


def span_heading(span: Span) -> tuple[str, str]:
    """The section heading a span stands under and the span's text after it: the passage's section, or
    the heading the span starts with (groff's PDF sets "SYNOPSIS" as a term over its lines)."""
    first, _, rest = span.text.strip().partition("\n")
    if rest and _SECTION_NAME.fullmatch(first.strip()):
        return first.strip(), rest
    return span.passage.section.strip(), span.text


def contents_lines(text: str) -> bool:
    """Whether a span is only a list of section names in capitals ("ИМЯ / СИНТАКСИС", "NAME / SYNOPSIS"),
    as the contents at the top of a man page printed from HTML lists them: it names parts, it says
    nothing."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) >= 2 and all(_SECTION_NAME.fullmatch(line) for line in lines)


_SECTION_NAME = re.compile(r"[^\W\d_a-zа-яё]{2,}(?:(?:\.?\s+|\.)[^\W\d_a-zа-яё]{2,}){0,3}\.?")


def names_line(question: QuestionProfile, span: Span) -> bool:
    """Whether the span is the NAME line of the man page of the word a definition question asks about:
    "frobscan - read sheets", or on a scan, where OCR may lose the dash, "frobscan read sheets" as the
    first line of its first page after the page's header or NAME heading."""
    if not question.defines:
        return False
    if whatis_line(span.text, question.defines):
        return True
    if span.view.hit.page != 1 or span.view.from_image:
        return False
    word = re.escape(question.defines)
    if re.match(rf"\s*(?i:{word})(?:[ \t]*,[ \t]*[\w.+-]+)*[ \t]+[a-zа-яё]", span.text) is None:
        return False
    before: list[str] = []
    for passage in span.view.passages:
        if passage.id == span.passage.id:
            break
        before.append(passage.text.strip())
    # Only the page's header (the name itself), the section's heading and a list of the sections stand
    # before it.
    return bool(before) and all(
        text.lower() in (question.defines, *_NAME_HEADINGS)
        or all(_SECTION_NAME.fullmatch(line.strip()) for line in text.split("\n") if line.strip())
        for text in before
    )


_NAME_HEADINGS = ("name", "имя", "название")


@lru_cache(maxsize=20_000)
def whatis_line(text: str, word: str) -> bool:
    """Whether a text holds a man page's NAME line for `word` ("services - список служб сети Интернет",
    "frobscan, frobctl \\- read sheets ..."): the name, maybe others after commas, a dash, its summary."""
    pattern = rf"^\s*{re.escape(word)}(?:\s*,\s*[\w.+-]+)*\s+[-–—]+\s+\w"
    return re.search(pattern, text, re.IGNORECASE | re.MULTILINE) is not None


def subject_first_page(question: QuestionProfile, hits: Sequence[PageHit]) -> PageHit | None:
    """For "what is X?" where a document is about X (its file's name starts with X), the hit of that
    document's first page, where its NAME line stands; None when the question defines no such word or
    the first page was not retrieved."""
    if not question.defines:
        return None
    stems = frozenset(search_tokens(question.defines))
    for hit in hits:
        if hit.page == 1 and document_subject(hit.document.filename) in stems:
            return hit
    return None
