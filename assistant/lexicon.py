"""An English-Russian lexicon of word stems, read from a dictd dictionary (Debian's `mueller7-dict`).

A Russian question about an English manual ("какое действие немедленно завершает поиск") shares few
spellings with it: the reader needs to know that "действие" is "action" and "немедленно" is
"immediately". Mueller's dictionary (46,000 English headwords, GPL, in Debian main) says so; it is read
once per process into two tables of stems (English -> Russian, and its inverse), stemmed with the
same Snowball stemmers that index the documents, so a question's word form meets a span's.

Only a word's first senses are kept (the dictionary lists the usual meaning first; "file" as a rasp
and "action" as a lawsuit come later or not at all), and a Russian stem that many English headwords
give ("дело", "делать") keeps only the headwords that give it as their first meaning: a word that
translates everything vouches for nothing.

When the package is absent the lexicon is empty and a warning says how to install it: cross-lingual
questions then fall back on loanwords and the glossary of computing words (weaker, never wrong-footed),
which is better than failing every question of a user whose setup skipped one data package.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.language import STOPWORDS, stem

log = logging.getLogger(__name__)

DICTIONARY = Path("/usr/share/dictd/mueller7")
"""The dictd files `mueller7.index` and `mueller7.dict.dz` of Debian's `mueller7-dict` package."""
INSTALL_HINT = "`apt-get install mueller7-dict` (or run scripts/setup.sh)"

FIRST_SENSES = 3
"""Numbered senses of a headword that are read (per part of speech); later ones are rare meanings."""
MAX_TRANSLATIONS = 12
"""Stems kept per word, best senses first."""
MAX_WORDS_IN_TRANSLATION = 3
"""A longer Russian rendering is a paraphrase ("что-л., дополняющее другое"), not a translation."""

PRIMARY = 2
"""A rendering among the first two words of a headword's first sense is its usual translation."""

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_HEADWORD = re.compile(r"[a-z]{2,}")
_TRANSCRIPTION = re.compile(r"\[[^\]]*\]")
_PARENTHESES = re.compile(r"\([^()]*\)")
_LABEL = re.compile(r"(?<!\w)_[^\s.]*\.?")
_SENSE_NUMBER = re.compile(r"^(?:_[IVX]+\b|\d+[.)])\s*")
_LATIN = re.compile(r"[A-Za-z]")
_RUSSIAN_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)?")


Table = dict[str, dict[str, tuple[str, ...]]]
"""stem -> the dictionary words (lemmas) with that stem -> the other language's stems, best first."""


@dataclass(frozen=True)
class Lexicon:
    """Words -> the other language's stems, best first, in both directions."""

    english: Table
    russian: Table

    def translations(self, word: str) -> tuple[str, ...]:
        """The other language's stems for a word (empty when the lexicon lacks it).

        Snowball gives several words one stem ("вместе" together, "вместо" instead; "quit", "quite"):
        a word the dictionary has as it is written speaks for itself alone.
        """
        word = word.lower().replace("ё", "е")
        table = self.russian if re.search(r"[а-я]", word) else self.english
        lemmas = table.get(stem(word), {})
        if word in lemmas:
            # "новые" is a lemma of the paraphrases "new frontier", "neologism" ("новые рубежи"): the
            # adjective's dictionary form ("новый") says what the word usually means, and comes first.
            usual = next((lemmas[form] for form in _dictionary_forms(word) if form in lemmas), ())
            return tuple(dict.fromkeys([*usual, *lemmas[word]]))[:MAX_TRANSLATIONS]
        found: dict[str, None] = {}
        for lemma in sorted(lemmas, key=lambda lemma: (len(lemma), lemma)):
            found.update(dict.fromkeys(lemmas[lemma]))
        return tuple(found)[:MAX_TRANSLATIONS]

    def knows(self, word: str) -> bool:
        """Whether the dictionary has a word of this stem (OCR's misreadings mostly are not words)."""
        word = word.lower().replace("ё", "е")
        table = self.russian if re.search(r"[а-я]", word) else self.english
        return stem(word) in table

    def __bool__(self) -> bool:
        return bool(self.english or self.russian)


EMPTY = Lexicon({}, {})

_ADJECTIVE_ENDING = re.compile(r"(ые|ие|ая|яя|ое|ее|ого|его|ому|ему|ым|им|ую|юю|ых|их|ыми|ими|ой|ей)$")


def _dictionary_forms(word: str) -> tuple[str, ...]:
    """The masculine nominative forms an inflected Russian adjective may have ("новые" -> "новый"), the
    likelier first ("-ой" is as often a feminine case form: "новой")."""
    ending = _ADJECTIVE_ENDING.search(word)
    if ending is None:
        return ()
    base = word[: ending.start()]
    return tuple(form for form in (base + "ый", base + "ий", base + "ой") if form != word)


def _number(code: str) -> int:
    value = 0
    for char in code:
        value = value * 64 + _B64.index(char)
    return value


def _entries(index: Path, body: Path) -> Iterator[tuple[str, str]]:
    data = gzip.decompress(body.read_bytes()) if body.suffix == ".dz" else body.read_bytes()
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not _HEADWORD.fullmatch(parts[0]):
            continue
        start, length = _number(parts[1]), _number(parts[2])
        yield parts[0], data[start : start + length].decode("utf-8", "replace")


def _senses(article: str) -> Iterator[tuple[int, str]]:
    """(rank, text) of an article's senses: rank 0 for the first of each part of speech."""
    senses: list[list[str]] = [[]]
    for raw in article.splitlines()[1:]:
        text = _TRANSCRIPTION.sub(" ", raw).strip()
        if _SENSE_NUMBER.match(text):
            senses.append([])
            while (marker := _SENSE_NUMBER.match(text)) is not None and marker.end():
                text = text[marker.end() :]
        senses[-1].append(text)
    rank = 0
    for lines in senses:
        text = " ".join(lines).strip()
        if not re.search(r"[а-яё]", text):
            # "1. _n." opens a part of speech: its numbered senses start again from the first.
            rank = 0
            continue
        yield rank, text
        rank += 1


def _renderings(sense: str) -> Iterator[str]:
    """The Russian words a sense gives for its headword (examples and glosses left out)."""
    text = _PARENTHESES.sub(" ", _PARENTHESES.sub(" ", sense))
    for clause in text.split(";"):
        if _LATIN.search(_LABEL.sub(" ", clause)):
            break  # an English example ("to quit the army выходить в отставку") and what follows it
        for piece in clause.split(","):
            words = _RUSSIAN_WORD.findall(_LABEL.sub(" ", piece).lower().replace("ё", "е"))
            if not words or len(words) > MAX_WORDS_IN_TRANSLATION:
                continue
            yield from (word for word in words if word not in STOPWORDS and len(word) > 2)


def read_lexicon(index: Path, body: Path) -> Lexicon:
    """Both tables from a dictd English-Russian dictionary's index and (dictzip or plain) body."""
    english: dict[tuple[str, str], dict[str, int]] = {}
    russian: dict[tuple[str, str], dict[str, int]] = {}
    for headword, article in _entries(index, body):
        if headword in STOPWORDS or len(headword) < 3:
            continue  # "do", "how": a span's grammar, not its topic
        english_stem = stem(headword)
        found = english.setdefault((english_stem, headword), {})
        for rank, sense in _senses(article):
            if rank >= FIRST_SENSES:
                continue
            for position, word in enumerate(_renderings(sense)):
                # The first word of the first sense is the usual translation; later ones narrower.
                russian_stem = stem(word)
                place = rank * 100 + position
                found[russian_stem] = min(found.get(russian_stem, place), place)
                given = russian.setdefault((russian_stem, word), {})
                given[english_stem] = min(given.get(english_stem, place), place)
    return Lexicon(_best(english), _best(russian))


def _best(table: dict[tuple[str, str], dict[str, int]]) -> Table:
    best: Table = {}
    for (word_stem, lemma), found in table.items():
        ranked = sorted(found, key=lambda other: (found[other], other))
        if len(ranked) > MAX_TRANSLATIONS:
            # "дело" is given by a hundred headwords: only those whose first meaning it is are kept.
            ranked = [other for other in ranked if found[other] < PRIMARY]
        if ranked:
            best.setdefault(word_stem, {})[lemma] = tuple(ranked[:MAX_TRANSLATIONS])
    return best


_LOADED: dict[Path, Lexicon] = {}
_LOCK = threading.Lock()


def lexicon(dictionary: Path = DICTIONARY) -> Lexicon:
    """The lexicon of `dictionary` (its path without `.index` / `.dict.dz`), read once per process;
    empty, with a warning, when the dictionary is not installed."""
    with _LOCK:
        if dictionary not in _LOADED:
            index, body = dictionary.with_suffix(".index"), dictionary.with_suffix(".dict.dz")
            if not body.exists():
                body = dictionary.with_suffix(".dict")
            try:
                _LOADED[dictionary] = _cached_lexicon(index, body)
            except OSError as error:
                log.warning(
                    "English-Russian lexicon %s not readable (%s): cross-lingual questions match only "
                    "loanwords and the computing glossary; install it with %s",
                    index,
                    error.strerror or error,
                    INSTALL_HINT,
                )
                _LOADED[dictionary] = EMPTY
        return _LOADED[dictionary]


CACHE_FORMAT = 1
"""Raised whenever `read_lexicon` changes what it keeps: an older cache is then read afresh."""


def cache_folder() -> Path:
    """Where the read lexicon is kept between processes: `$XDG_CACHE_HOME/omnifusion-assistant`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omnifusion-assistant"


def _cached_lexicon(index: Path, body: Path) -> Lexicon:
    """The lexicon of these files from the cache (a tenth of a second), or read and cached (seconds).

    The cache is JSON, keyed by the dictionary files' size and time and by `CACHE_FORMAT`; a missing,
    stale or damaged one is read again, and a cache that cannot be written only costs the next
    process the same seconds.
    """
    stats = [(path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in (index, body)]
    key = hashlib.sha256(
        json.dumps([CACHE_FORMAT, FIRST_SENSES, MAX_TRANSLATIONS, stats]).encode()
    ).hexdigest()[:16]
    cache = cache_folder() / f"lexicon-{key}.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        return Lexicon(data["english"], data["russian"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    read = read_lexicon(index, body)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a process reading it never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=cache.parent, suffix=".tmp", delete=False) as file:
            json.dump({"english": read.english, "russian": read.russian}, file, ensure_ascii=False)
        os.replace(file.name, cache)
    except OSError as error:
        log.info(
            "lexicon cache %s not written (%s): the next process reads the dictionary again", cache, error
        )
    return read
