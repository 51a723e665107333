"""What the model-backed generators share: the set-of-mark prompt, reading the reply, citations, fallback."""

from __future__ import annotations

import json
import logging
import re
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.conversation import Turn, resolve_follow_up
from assistant.generators.base import (
    Answer,
    AnswerDelta,
    Citation,
    Generator,
    GeneratorError,
    GeneratorSettings,
    answer_language,
    not_found,
)
from assistant.generators.regions import EvidenceImage, PageImage, Region, evidence_images, select_regions
from assistant.retrieval import PageHit
from indexer.language import search_tokens
from indexer.records import union_bbox

log = logging.getLogger(__name__)

HISTORY_TURNS = 6
"""Earlier turns sent to the model; older ones cost context and rarely matter."""
MAX_HISTORY_CHARS = 1200

SYSTEM_PROMPT = {
    "en": (
        "You answer questions about the user's documents (manuals and screenshots). Use only the "
        "numbered evidence regions given with the question; the images show the same regions outlined "
        "on the page, each labelled with its number. Answer in English, in one or two sentences, and "
        "after each statement put the number of the region it comes from in square brackets, for "
        "example: Replace the filter every month [2]. Never invent region numbers or coordinates. If the "
        "regions do not contain the answer, reply with exactly: NOT FOUND"
    ),
    "ru": (
        "Ты отвечаешь на вопросы по документам пользователя (руководствам и снимкам экрана). Используй "
        "только пронумерованные фрагменты, приложенные к вопросу; на изображениях те же фрагменты "
        "обведены на странице и подписаны своими номерами. Отвечай по-русски, одним-двумя "
        "предложениями, и после каждого утверждения ставь в квадратных скобках номер фрагмента, из "
        "которого оно взято, например: Меняйте фильтр раз в месяц [2]. Не придумывай номера фрагментов "
        "и координаты. Если во фрагментах нет ответа, ответь ровно: НЕ НАЙДЕНО"
    ),
}
EVIDENCE_HEADING = {"en": "Evidence regions:", "ru": "Фрагменты:"}
IMAGES_NOTE = {
    "en": "The images show these regions outlined on their pages, with the same numbers.",
    "ru": "На изображениях эти фрагменты обведены на страницах и подписаны теми же номерами.",
}
QUESTION_LINE = {
    "en": "Question: {question}\nAnswer in English and cite the region numbers in square brackets.",
    "ru": "Вопрос: {question}\nОтветь по-русски и укажи номера фрагментов в квадратных скобках.",
}

_SENTINEL = re.compile(r"\b(?:NOT\s+FOUND|НЕ\s+НАЙДЕНО)\b", re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:cannot|can't|can not|unable to)\s+(?:answer|find|determine)|\bno\s+(?:information|answer)\b|"
    r"\b(?:do|does)\s+not\s+(?:contain|mention|say|provide)|\bnot\s+(?:mentioned|stated|specified)\b|"
    r"не\s+могу\s+(?:ответить|найти|определить)|нет\s+(?:информации|ответа|сведений)|"
    r"не\s+(?:содержат|содержится|упоминается|упомянут[оа]?|указано|говорится)\b",
    re.IGNORECASE,
)
# "[2]", "[1, 3]", "[1][2]", "【2】", "(region 2)" / «(фрагмент 2)»: the forms models use for sources.
_MARKER = re.compile(
    r"\s*(?:\[\s*(?:(?:region|фрагмент)\s*)?#?\d{1,3}(?:\s*[,;]\s*#?\d{1,3})*\s*\]|【\s*\d{1,3}\s*】|"
    r"\(\s*(?:regions?|фрагменты?|фрагмент[аеу]?)\s*#?\d{1,3}(?:\s*(?:,|and|и)\s*#?\d{1,3})*\s*\))",
    re.IGNORECASE,
)
_MARKER_START = ("[", "【", "(")
_NUMBER = re.compile(r"\d{1,3}")
_WORDY_REFERENCE = re.compile(r"(?:region|фрагмент[а-я]*)\s*#?\s*(\d{1,3})", re.IGNORECASE)
MIN_MATCH_SHARE = 0.6
"""Share of the answer's content words a region must hold to be cited when the model cited none."""


class ImagesRefused(GeneratorError):
    """The model server does not take image inputs (a text-only model)."""


@dataclass
class Reply:
    """A model's reply, read: the text to show, the region numbers it used, whether it declined."""

    text: str
    numbers: list[int]
    declined: bool


class MarkerFilter:
    """Removes source markers ("[2]") from streamed text, so the deltas read as the final answer does.

    Text that might begin a marker is held back until it is clear; whitespace before a marker goes
    with it.
    """

    def __init__(self) -> None:
        self._pending = ""
        self.raw = ""

    def feed(self, piece: str) -> str:
        self.raw += piece
        self._pending += piece
        return self._release(final=False)

    def close(self) -> str:
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        out = []
        text = self._pending
        while text:
            match = _MARKER.match(text)
            if match:  # every marker form ends with its closing bracket: a match is complete
                text = text[match.end() :]
                continue
            start = next((i for i, ch in enumerate(text) if ch.isspace() or ch in _MARKER_START), None)
            if start is None:
                out.append(text)
                text = ""
                break
            if start > 0:
                out.append(text[:start])
                text = text[start:]
                continue
            # text starts with whitespace or a bracket: is it (the start of) a marker?
            if not final and _could_be_marker(text):
                break
            out.append(text[0])
            text = text[1:]
        self._pending = text
        return "".join(out)


def _could_be_marker(text: str) -> bool:
    """True while `text` is a prefix of something _MARKER might still match."""
    stripped = text.lstrip()
    if not stripped:
        return True  # only whitespace so far: wait for what follows
    if stripped[0] not in _MARKER_START:
        return False
    if len(stripped) > 40:
        return False
    if stripped[0] == "(":
        inner = stripped[1:].lstrip().lower()
        words = ("region", "regions", "фрагмент", "фрагменты", "фрагмента", "фрагменте", "фрагменту")
        return not inner or any(w.startswith(inner[: len(w)]) or inner.startswith(w) for w in words)
    return (
        re.fullmatch(r"[\[【]\s*(?:(?:r|re|reg|regi|regio|region|ф[а-я]*)\s*)?#?[\d\s,;#]*", stripped)
        is not None
    )


def clean_reply_text(raw: str) -> str:
    marker_filter = MarkerFilter()
    return (marker_filter.feed(raw) + marker_filter.close()).strip()


def read_reply(raw: str) -> Reply:
    """The text without markers, the cited numbers in order of first mention, and whether the model
    declined. A JSON reply ({"answer": ..., "regions": [...]}) is read too."""
    stripped = raw.strip()
    structured = _json_reply(stripped)
    if structured is not None:
        text, numbers = structured
    else:
        text = clean_reply_text(stripped)
        numbers = []
        for match in _MARKER.finditer(stripped):
            numbers.extend(int(n) for n in _NUMBER.findall(match.group()))
        numbers.extend(int(n) for n in _WORDY_REFERENCE.findall(stripped))
    declined = bool(_SENTINEL.search(stripped)) or bool(_REFUSAL.search(text)) or not text
    return Reply(text, list(dict.fromkeys(numbers)), declined)


def _json_reply(text: str) -> tuple[str, list[int]] | None:
    body = text
    if body.startswith("```"):
        body = body.strip("`")
        body = body[4:] if body.lower().startswith("json") else body
    if not body.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    answer = next((data[k] for k in ("answer", "text", "ответ") if isinstance(data.get(k), str)), None)
    if answer is None:
        return None
    numbers: list[int] = []
    for key in ("regions", "sources", "citations", "numbers", "фрагменты"):
        value = data.get(key)
        if isinstance(value, list):
            numbers = [int(v) for v in value if isinstance(v, int | str) and str(v).strip().isdigit()]
            break
    return clean_reply_text(answer), numbers


def build_messages(
    question: str,
    language: str,
    regions: Sequence[Region],
    images: Sequence[EvidenceImage],
    history: Sequence[Turn] = (),
) -> list[dict[str, Any]]:
    """OpenAI chat messages: instructions, the earlier turns, then the evidence and the question."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT[language]}]
    for turn in list(history)[-HISTORY_TURNS:]:
        messages.append({"role": "user", "content": turn.question[:MAX_HISTORY_CHARS]})
        messages.append({"role": "assistant", "content": turn.answer[:MAX_HISTORY_CHARS]})
    text = "\n".join(
        [EVIDENCE_HEADING[language], *(region.label() for region in regions)]
        + ([IMAGES_NOTE[language]] if images else [])
        + ["", QUESTION_LINE[language].format(question=question)]
    )
    if not images:
        messages.append({"role": "user", "content": text})
    else:
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": image.data_uri()}} for image in images
        ]
        parts.append({"type": "text", "text": text})
        messages.append({"role": "user", "content": parts})
    return messages


def cite(reply: Reply, regions: Sequence[Region]) -> list[tuple[Region, float]]:
    """The regions the reply rests on: the numbers it cited, or (when it cited none it may) the one
    region that holds most of its words."""
    by_number = {region.number: region for region in regions}
    cited = [by_number[n] for n in reply.numbers if n in by_number]
    unknown = [n for n in reply.numbers if n not in by_number]
    if unknown:
        log.info("the model cited unknown region(s) %s; known: 1..%d", unknown, len(regions))
    if cited:
        return [(region, 1.0) for region in cited]
    answer_terms = set(search_tokens(reply.text, drop_stopwords=True))
    if not answer_terms:
        return []
    best: tuple[float, Region] | None = None
    for region in regions:
        region_terms = set(search_tokens(region.passage.text + " " + region.passage.section))
        share = len(answer_terms & region_terms) / len(answer_terms)
        if best is None or share > best[0]:
            best = (share, region)
    if best is not None and best[0] >= MIN_MATCH_SHARE and len(answer_terms) >= 1:
        return [(best[1], best[0])]
    return []


def citation_for(region: Region, answer_text: str, confidence: float) -> Citation:
    """A citation of the region, narrowed to the lines of its passage that share the answer's words."""
    passage = region.passage
    terms = set(search_tokens(answer_text, drop_stopwords=True))
    scored = []
    for span in passage.spans:
        line_terms = set(search_tokens(passage.text[span.start : span.end]))
        scored.append((len(terms & line_terms), span))
    best = max((score for score, _ in scored), default=0)
    bbox, quote = passage.bbox, passage.text.strip()
    if best >= 2 or (best >= 1 and len(terms) <= 2):
        lines = [span for score, span in scored if score == best]
        bbox = union_bbox([span.bbox for span in lines])
        quote = " ".join(passage.text[span.start : span.end].strip() for span in lines)
    return Citation(
        document=passage.document,
        page=passage.page,
        bbox=bbox,
        quote=quote,
        score=round(confidence * max(region.score, 1e-4), 6),
        page_width=passage.page_width,
        page_height=passage.page_height,
    )


def answer_from_reply(
    question: str, language: str, raw: str, regions: Sequence[Region], generator: str
) -> Answer:
    reply = read_reply(raw)
    if reply.declined:
        return not_found(question, language, generator)
    cited = cite(reply, regions)
    if not cited:
        log.info("not found: the reply %r cites no region of %d", raw[:200], len(regions))
        return not_found(question, language, generator)
    citations = [citation_for(region, reply.text, confidence) for region, confidence in cited]
    return Answer(question, reply.text, True, citations, language, generator)


class ChatGenerator(Generator):
    """A generator whose model speaks OpenAI-style chat: it sees numbered regions, it cites numbers.

    Subclasses implement `_complete(messages)`, which yields the reply's text as it is generated and
    raises `GeneratorError` subclasses (`ImagesRefused` when the model takes no images).
    """

    def __init__(
        self,
        settings: GeneratorSettings,
        page_image: PageImage | None = None,
        fallback: Generator | None = None,
        vision: bool = True,
    ) -> None:
        self.settings = settings
        self.page_image = page_image
        self.fallback = fallback
        self.vision = vision and settings.generator_vision != "off" and page_image is not None

    @abstractmethod
    def _complete(self, messages: list[dict[str, Any]]) -> Iterator[str]: ...

    def prompt(
        self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()
    ) -> tuple[str, list[Region], list[EvidenceImage], list[dict[str, Any]]]:
        """The language, the regions, the evidence images and the messages for one question."""
        settings = self.settings
        language = answer_language(question)
        regions = select_regions(hits, limit=settings.generator_regions)
        images: list[EvidenceImage] = []
        if self.vision and regions and self.page_image is not None:
            images = evidence_images(
                regions, self.page_image, settings.generator_max_images, settings.generator_max_pixels
            )
        return language, regions, images, build_messages(question, language, regions, images, history)

    def stream(
        self, question: str, hits: Sequence[PageHit], history: Sequence[Turn] = ()
    ) -> Iterator[AnswerDelta | Answer]:
        language, regions, images, messages = self.prompt(question, hits, history)
        if not regions:
            # Nothing retrieved: there is nothing the model could cite, so it is not asked.
            answer = not_found(question, language, self.name)
            yield AnswerDelta(answer.text)
            yield answer
            return
        marker_filter = MarkerFilter()
        try:
            try:
                for piece in self._complete(messages):
                    shown = marker_filter.feed(piece)
                    if shown:
                        yield AnswerDelta(shown)
            except ImagesRefused:
                if self.settings.generator_vision == "on" or not images or marker_filter.raw:
                    raise
                log.warning(
                    "%s: the model takes no images; sending the evidence as text from now on", self.name
                )
                self.vision = False
                messages = build_messages(question, language, regions, [], history)
                for piece in self._complete(messages):
                    shown = marker_filter.feed(piece)
                    if shown:
                        yield AnswerDelta(shown)
        except GeneratorError as error:
            if self.fallback is None:
                raise
            log.error("%s failed (%s); answering with the extractive reader", self.name, error)
            # The reader takes no history: a follow-up reaches it rewritten as a question of its own.
            resolved = resolve_follow_up(question, history).text if history else question
            answer = self.fallback.answer(resolved, hits, history)
            answer.question = question
            answer.generator = f"{self.fallback.name} (fallback: {error})"
            yield answer
            return
        rest = marker_filter.close()
        if rest:
            yield AnswerDelta(rest)
        yield answer_from_reply(question, language, marker_filter.raw, regions, self.name)
