"""What a question asks for: its content words, the kind of answer it wants, the qualifiers it insists on.

Pure functions over text, shared by the page reranker (`assistant.retrieval`) and the extractive
reader (`assistant.generators.extractive`). English and Russian alike; no model is involved, so every
decision can be explained in one sentence ("asks for an option; the span names `--remove-files`").
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from assistant.lexicon import lexicon
from assistant.measures import BY_NAME, DIMENSIONS, Dimension, asked_dimension, measured_values
from indexer.language import MARK_QUESTION, STOPWORDS, detect_language, search_tokens, stem

ANY = "any"
OPTION = "option"
VARIABLE = "variable"
COMMAND = "command"
PATH = "path"
NUMBER = "number"
FREQUENCY = "frequency"
NAME = "name"
KEY = "key"
COLOUR = "colour"
FUNCTION = "function"
PACKAGE = "package"
"""A package, a library or a module: named as a distribution names it ("selinux-policy-dev",
"libnss_dns.so.2", "python3-venv"), which no translation changes."""
ACTION = "action"
""""How do I ...?": a way to do it, best a command line, a key combination or a menu path."""
YES_NO = "yes-no"
STANDARD = "standard"
"""A standard, a specification or a licence ("POSIX.1-2008", "RFC 1952", "CERN-OHL-P", "GPL-2.0"): named
by a code that no translation changes."""
MODEL = "model"
"""A model or a part ("1N4148", "XC2C64A", "LaserJet 4000"): a designation that mixes letters and digits."""
REASON = "reason"
""""Why ...?": a clause that gives the cause or the purpose ("because ...", "чтобы ...", "из-за ...")."""
ALGORITHM = "algorithm"
"""An algorithm, a cipher or a hash ("AES-256", "ChaCha20", "SHA-256", "Argon2id"): named by a code in
capitals or with digits, on a line that says what the algorithm does (encrypts, hashes, compresses)."""

_I = re.IGNORECASE

# What the wh-word is about ("which tar *option*", "какой *командой*"): the nouns that name a kind,
# tried in this order on the few words after the question word ("which command-line option" asks for
# an option). Russian nouns are matched by stem, so every case form counts.
HEAD_NOUNS: list[tuple[str, re.Pattern[str]]] = [
    (KEY, re.compile(r"\b(shortcuts?|hot ?keys?|keys?|keystrokes?)\b|(?<!\w)(клавиш|сочетани)\w*", _I)),
    (COLOUR, re.compile(r"\bcolou?rs?\b|(?<!\w)цвет\w*", _I)),
    (
        PATH,
        re.compile(
            r"\b(directory|directories|folders?|files?|paths?)\b|(?<!\w)(файл|каталог|папк|директори)\w*", _I
        ),
    ),
    # An environment or shell variable is named in capitals (GCONV_PATH, DEBEMAIL), not as an option.
    (VARIABLE, re.compile(r"\b(variables?|constants?|macros?)\b|(?<!\w)(переменн|констант|макрос)\w*", _I)),
    (
        OPTION,
        re.compile(
            r"\b(options?|flags?|switch(es)?|parameters?|directives?|arguments?|settings?|tags?)\b"
            r"|(?<!\w)(параметр|опци|ключ|флаг|директив|аргумент|настройк|тег)\w*",
            _I,
        ),
    ),
    # A function is named where it is defined or called: "twosam <- function(y1, y2)", "mean(x)".
    (
        FUNCTION,
        re.compile(
            r"\b(functions?|methods?|procedures?|subroutines?|class(es)?)\b|(?<!\w)(функци|метод|процедур|класс)\w*",
            _I,
        ),
    ),
    (
        PACKAGE,
        re.compile(
            r"\b(packages?|librar(y|ies)|modules?|plug-?ins?)\b|(?<!\w)(пакет|библиотек|модул|плагин)\w*", _I
        ),
    ),
    # A tool, a program or a utility is answered by its command's name ("apt-cacher", "debuild").
    (
        COMMAND,
        re.compile(
            r"\b(commands?|tools?|programs?|utilit(y|ies))\b"
            r"|(?<!\w)(команд|инструмент|программ|утилит)\w*",
            _I,
        ),
    ),
    (
        STANDARD,
        re.compile(
            r"\b(standards?|specifications?|licen[cs]es?|RFCs?)\b|(?<!\w)(стандарт|спецификаци|лицензи)\w*",
            _I,
        ),
    ),
    (
        MODEL,
        re.compile(
            r"\b(models?|chips?|ICs?|microcontrollers?|transceivers?|diodes?|transistors?|regulators?)\b"
            r"|(?<!\w)(модел|микросхем|чип|диод|транзистор|стабилизатор|микроконтроллер)\w*",
            _I,
        ),
    ),
    (
        ALGORITHM,
        re.compile(
            r"\b(algorithms?|ciphers?|hash(es)?|digests?|checksums?|KDFs?)\b"
            r"|(?<!\w)(алгоритм\w*|шифр(ы|а|ом|ов|ами|ах)?|шифровани\w*|х[еэ]ш\w*)(?!\w)",
            _I,
        ),
    ),
    (
        NUMBER,
        re.compile(
            r"\b(size|number|port|version|level|percentage|amount|limit|priority|timeout|time-out|interval"
            r"|frequency|quality|resolution|speed|rate|delay|duration|width|height|margin|length|position"
            r"|factor|count|time|hour|date|day|year)s?\b"
            r"|(?<!\w)(порт|номер|уровен|уровн|размер|верси|процент|количеств|числ|лимит|приоритет|тайм-аут"
            r"|таймаут|интервал|частот|качеств|разрешени|скорост|задержк|длительност|ширин|высот|отступ"
            r"|позици|коэффициент|врем|час|дат|дн|год)\w*",
            _I,
        ),
    ),
    (
        NAME,
        re.compile(
            r"\b(company|companies|vendor|provider|organi[sz]ation|person|author|developer|maintainer"
            r"|manufacturer|team|university|mirror|server|host|site|website|url|domain|address(e)?)s?\b"
            r"|(?<!\w)(компани|организаци|фирм|разработчик|автор|производител|провайдер|поставщик"
            r"|университет|зеркал|сервер|хост|сайт|домен|адрес)\w*",
            _I,
        ),
    ),
]
HEAD_NOUNS_BY_KIND = dict(HEAD_NOUNS)
_WH_WORD = re.compile(
    r"\b(which|what)\b|(?<!\w)(как(ой|ая|ое|ие|им|ую|ом|ого|ому|ими|их)"
    # After a comma "который" opens a relative clause (", по которому ограничение включается"): it
    # asks nothing.
    r"|(?<!,\s)(?<!,\s\w\s)(?<!,\s\w\w\s)(?<!,\s\w\w\w\s)котор\w+)(?!\w)",
    _I,
)
_WHOLE_QUESTION: list[tuple[str, re.Pattern[str]]] = [
    (
        REASON,
        re.compile(
            r"\bwhy\b|\bwhat\s+for\b|\bfor\s+what\s+(reason|purpose)\b|\bwhat\s+is\s+the\s+(reason|purpose)\b"
            r"|(?<!\w)(почему|зачем|для\s+чего|с\s+какой\s+целью|по\s+какой\s+причине)(?!\w)",
            _I,
        ),
    ),
    (FREQUENCY, re.compile(r"\bhow\s+often\b|(?<!\w)как\s+часто", _I)),
    (NUMBER, re.compile(r"\bhow\s+(many|much|long|big|large|far|old)\b|(?<!\w)(сколько|как\s+долго)", _I)),
    (NAME, re.compile(r"\bwho\b|\bwhom\b|(?<!\w)(кто|кем|кого)(?!\w)", _I)),
    (KEY, re.compile(r"\b(keyboard|shortcut|hot ?key|key combination)\b|(?<!\w)клавиш", _I)),
    (
        PATH,
        re.compile(
            r"\bwhere\b.*\b(stored?|kept|keeps?|saved?|saves|logs?|logged|located|written|writes?"
            r"|installed|put)\b"
            r"|(?<!\w)где\s+.*(хран|лежит|лежат|находит|сохраня|записыва|ведёт|ведет)\w*",
            _I,
        ),
    ),
    (
        ACTION,
        re.compile(
            r"\bhow\s+(do|can|could|should|would|shall)\s+(i|you|we|one)\b|\bhow\s+to\b"
            r"|^\s*как\s+(мне\s+|можно\s+)?[а-яё]+(ть|ться|ти|чь)(?!\w)",
            _I,
        ),
    ),
]
_YES_NO = re.compile(
    r"^\s*(is|are|can|could|does|do|did|should|will|would|has|have|must|may)\b|(?<!\w)ли(?!\w)", _I
)
_RUSSIAN_ADJECTIVE = re.compile(
    r"(ый|ий|ой|ая|яя|ое|ее|ые|ие|ого|его|ому|ему|ым|им|ую|юю|ых|их|ыми|ими)$", _I
)
_NAME_OF = re.compile(r"\s*(is|was|are|were)\s+the\s+names?\s+of\s+(the\s+|a\s+|an\s+)?", _I)
_HEAD_WINDOW = 5
"""Words after the question word that may name what is asked ("what *JPEG compression quality*")."""


QUALIFIERS: dict[str, re.Pattern[str]] = {
    "default": re.compile(r"\bdefaults?\b|\bby default\b|по умолчани|умолчани", _I),
    "maximum": re.compile(r"\b(maximum|max|maximal|largest|highest|most)\b|максимальн|наибольш", _I),
    "minimum": re.compile(r"\b(minimum|min|minimal|smallest|lowest|least)\b|минимальн|наименьш", _I),
}
"""Words that change which value is asked for: a span that states the current quality does not say the
maximum one. Matched in both languages, so an English question can be checked against a Russian span."""

_LATIN_WORD = re.compile(r"[A-Za-z][\w.:/+-]*[\w+]|[A-Za-z]")
_WORD = re.compile(r"[\w][\w.:/+=-]*[\w+]|\w", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Crossing:
    """How a question's word may be written in the other language: as a loanword ("конфигурации" and
    "configuration" share the spelling key "konfigurasi") or as a glossary's translation ("файл" ->
    "file")."""

    key: str
    translations: frozenset[str] = frozenset()
    """Stems of the other language's words for it (the lexicon's and `GLOSSARY`'s)."""


@dataclass(frozen=True)
class QuestionProfile:
    """A question as the reader weighs it."""

    text: str
    language: str
    terms: frozenset[str]
    """Stemmed content words (stopwords dropped)."""
    topic: frozenset[str]
    """The terms less the noun that names what is asked when the answer is a name: "option" in "which
    option keeps newer files" is answered by an option's name, not by a line that says "option", and
    "which company makes it" by "Acme Corp" (not by "provided"). (A number's noun stays: "Width: 300",
    "port 5900" state the noun beside the value.)"""
    weights: Mapping[str, float]
    """term -> weight (inverse document frequency in this workspace; 1.0 when unknown)."""
    asks: str
    """The kind of answer wanted: one of ANY, OPTION, COMMAND, PATH, NUMBER, NAME, KEY, COLOUR, YES_NO."""
    qualifiers: tuple[str, ...]
    """Keys of QUALIFIERS the question uses ("default", "maximum", "minimum")."""
    phrases: frozenset[tuple[str, str]]
    """Neighbouring stems of the question, stopwords kept ("каталог перед", "перед файл"): a span
    that says them side by side states what the question describes, not only its topic."""
    portable: frozenset[str]
    """Terms that survive translation (names, identifiers, numbers, Latin words in Russian text)."""
    wants_mark: bool
    identifiers: tuple[Identifier, ...] = ()
    """Model numbers and versions the question names ("VX-10", "v2.3"): their parts count only together."""
    crossing: Mapping[str, Crossing] = field(default_factory=dict)
    """term -> how its word is written in the other language (loanword spelling, glossary stems)."""
    action: frozenset[str] = frozenset()
    """The verb of a "how do I ..." question ("откатить" in "как откатить изменения"): a span that
    tells how to do it names the doing, not only the thing it is done to."""
    quantity: Quantity | None = None
    """What an asked-for number is, where the question says (a count of recipients, a version of
    clamav, a port): a number of another thing nearby ("192.168.0.0/16") does not answer it."""
    step: StepRelation | None = None
    """Where in a procedure the asked step stands ("after installing the dependencies", "the last step")."""
    subjects: frozenset[str] = frozenset()
    """The question's terms that name what a document read for it is about ("sed" of sed.1.en.pdf): set
    by the reader (`assistant.spans.read_views`), which knows the documents."""
    sets: frozenset[str] = frozenset()
    """Stems of what the asked-for option sets ("threads" in "which option sets the number of threads"),
    or what a how-to question wants set ("how do I enable *compression*"): an option or a way whose text
    never says it sets something else."""
    condition: frozenset[str] = frozenset()
    """Stems of the case the question sets ("... if there is not enough memory", "если ключ не найден"):
    a span that answers it says something of that case, not only what the rest of the question names."""
    defines: str = ""
    """The word a definition question asks about ("What is *frobscan*?", "Что такое *services*?"): where a
    document is about it (`assistant.spans.document_subject`), its NAME line defines it."""
    excluded: frozenset[str] = frozenset()
    """Stems of what the question sets aside ("размер кэша (а не журнала)", "the upload limit, not the
    download one"): they are no words of the question, and a span that says them tells of the other thing."""
    fallback: bool = False
    """Whether the case is that something is not given or set ("when --format is not given", "если цвет
    ORPHAN не задан"): the answer is what a man page says holds then (`states_fallback`), be it a number
    or not ("If not given, scanning continues until ...")."""

    def weight(self, terms: frozenset[str] | set[str]) -> float:
        return sum(self.weights.get(term, 1.0) for term in terms)


COUNT = "count"
VERSION = "version"
PORT = "port"
MEASURE = "measure"


@dataclass(frozen=True)
class Quantity:
    """The thing an asked-for number belongs to: "how many *recipients*", "which version of *clamav*",
    "which *port*". A value answers only with that thing beside it (and a version or a port only in
    its shape: "192.168.0.0/16" is neither a count, a version nor a port)."""

    kind: str
    """COUNT, VERSION, PORT or MEASURE (a size, a level, a limit, a timeout, a margin ...)."""
    beside: frozenset[str]
    """Stems of which one must stand next to the value (the counted noun, "version" or the program,
    "port")."""
    dimension: str = ""
    """For a measure, the name of its `assistant.measures.Dimension` where the question names one
    ("voltage"): a value answers only with one of its units ("8V", "11 dB", "AWG 28")."""
    head: str = ""
    """For a count, the counted noun's head as the question writes it ("models" of "how many code models")."""


_VERSION_NOUN = re.compile(r"\b(versions?|releases?)\b|(?<!\w)(верси|релиз)\w*", _I)
_PORT_NOUN = re.compile(r"\bports?\b|(?<!\w)порт(а|у|ом|ы|ов)?(?!\w)", _I)
COUNTED = re.compile(r"\bhow\s+many\s+(?:of\s+(?:the\s+|its\s+|their\s+)?)?|(?<!\w)сколько\s+", _I)
MAX_COUNTED_WORDS = 2
_MEASURE_NOUN = re.compile(
    r"\b(size|level|limit|timeout|time-out|interval|delay|duration|width|height|margin|length|quality"
    r"|resolution|speed|rate|percentage|priority|factor|threshold)s?\b"
    r"|(?<!\w)(уровен|уровн|размер|лимит|приоритет|тайм-аут|таймаут|интервал|задержк|длительност|ширин"
    r"|высот|отступ|пол[еяю]\b|качеств|разрешени|скорост|процент|коэффициент|порог)\w*",
    _I,
)


def _measured(question: str, noun: str) -> Quantity | None:
    """A size, a level, a limit ... the question asks the value of: the value must stand beside the
    noun or the word that says which one ("compression level", "уровень сжатия", "left margin")."""
    measure = _MEASURE_NOUN.search(noun) and _MEASURE_NOUN.search(question)
    if not measure:
        return None
    before = [
        w for w in re.findall(r"[\w-]+", question[: measure.start()])[-1:] if w.lower() not in STOPWORDS
    ]
    after = [w for w in re.findall(r"[\w-]+", question[measure.end() :])[:1] if w.lower() not in STOPWORDS]
    # English puts the word that says which one before the noun, Russian after it.
    which = after if detect_language(question) == "ru" else before
    beside = frozenset(search_tokens(" ".join([measure.group(0), *which]), drop_stopwords=True))
    beside -= {token for match in _WH_WORD.finditer(question) for token in search_tokens(match.group(0))}
    return Quantity(MEASURE, beside) if beside else None


def question_quantity(question: str, asks: str, noun: str = "") -> Quantity | None:
    """What the asked-for number belongs to, when the question names it (see `Quantity`)."""
    if asks != NUMBER:
        return None
    # "What position in percent": the head noun asks, the dimension only names the unit it is read in.
    dimension = asked_dimension(noun) if noun else None
    if dimension is not None:
        measured = _measured(question, noun)
        noun_match = dimension.noun.search(question)
        assert noun_match is not None
        words = [w for w in re.findall(r"[\w-]+", noun_match.group(0)) if w.lower() not in _ASKING_WORDS]
        beside = (
            measured.beside if measured else frozenset(search_tokens(" ".join(words), drop_stopwords=True))
        )
        beside -= {token for match in _WH_WORD.finditer(question) for token in search_tokens(match.group(0))}
        return Quantity(MEASURE, beside, dimension.name)
    counted = COUNTED.search(question)
    if counted:
        words = []
        for word in re.findall(r"[\w-]+", question[counted.end() :])[:MAX_COUNTED_WORDS]:
            # "сколько дней KiCad хранит": the name after the counted noun is the subject, not the noun's.
            if word.lower() in STOPWORDS or (
                words and bool(_CYRILLIC.search(word)) != bool(_CYRILLIC.search(words[0]))
            ):
                break
            words.append(word)
        beside = frozenset(search_tokens(" ".join(words), drop_stopwords=True))
        return Quantity(COUNT, beside, head=words[-1].lower() if words else "") if beside else None
    version = _VERSION_NOUN.search(question)
    if version:
        # "which *aptitude* version", "version of *clamav*", "версия *Webmin*": the program it is of.
        before = re.findall(r"[\w/+.-]+", question[: version.start()])[-1:]
        following = re.findall(r"[\w/+.-]+", question[version.end() :])[:3]
        after = [word for word in following if word.lower() not in STOPWORDS]
        named = search_tokens(" ".join(before + after[:1]), drop_stopwords=True)
        return Quantity(VERSION, frozenset(search_tokens(version.group(0))) | frozenset(named))
    port = _PORT_NOUN.search(question)
    if port:
        return Quantity(PORT, frozenset(search_tokens(port.group(0))))
    return _measured(question, noun)


@dataclass(frozen=True)
class Identifier:
    """A code of letters and digits joined by '-', '.' or '/' ("VX-10"): search splits it into parts."""

    parts: frozenset[str]
    """Its search tokens ("vx", "10")."""
    pattern: re.Pattern[str]
    """Matches the whole code in text, whichever joiner or case it is written with ("vx 10", "VX10")."""


_IDENTIFIER = re.compile(r"(?<![\w.-])[^\W_]+(?:[-./][^\W_]+)+(?![\w-])")


def question_identifiers(question: str) -> tuple[Identifier, ...]:
    """The codes in a question that mix letters and digits (a number like "1.5" or a word like
    "e-mail" is not one): "10" must not be found in "VX-07 ... 10 months" for "model VX-10"."""
    found = []
    for match in _IDENTIFIER.finditer(question):
        code = match.group()
        if not (any(ch.isdigit() for ch in code) and any(ch.isalpha() for ch in code)):
            continue
        pieces = re.split(r"[-./]", code)
        joined = r"[-./\s]?".join(re.escape(piece) for piece in pieces)
        pattern = re.compile(rf"(?<![^\W_]){joined}(?![^\W_])", re.IGNORECASE)
        found.append(Identifier(frozenset(search_tokens(code)), pattern))
    return tuple(found)


@dataclass(frozen=True)
class StepRelation:
    """Which step of a procedure a question asks for: the one after or before the step it names, the
    first or the last one, and what the step does ("builds" in "which command builds the package")."""

    place: str
    """"after", "before", "first", "last" or "nth"."""
    anchor: frozenset[str] = frozenset()
    """Stems of the step the question names ("installing the build dependencies")."""
    verb: frozenset[str] = frozenset()
    """Stem of what the asked step does, when the question says."""
    number: int = 0
    """For "nth": which step ("step 3", "the third step", «третий шаг»)."""


AFTER = "after"
BEFORE = "before"
FIRST = "first"
LAST = "last"
NTH = "nth"
_ORDINALS = {
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "втор": 2,
    "трет": 3,
    "четв": 4,
    "пят": 5,
    "шест": 6,
}
_STEP_NTH = re.compile(
    r"\b(?P<word>second|third|fourth|fifth|sixth)\s+step\b|\bstep\s+(?P<number>\d{1,2})\b"
    r"|(?<!\w)(?P<ru_word>втор|трет|четв|пят|шест)\w*\s+шаг|(?<!\w)шаг\w*\s+(?P<ru_number>\d{1,2})(?!\d)",
    _I,
)
_STEP_ANCHOR = re.compile(
    r"\b(?P<place>after|before|once)\s+(?P<anchor>[^,?;]+?)\s*"
    r"(?=[,?;]|$|\b(?:which|what|how|do|does|should|must|can|is|are)\b)"
    r"|(?<!\w)(?P<ru_place>после|перед)\s+(?P<ru_anchor>[^,?;]+?)\s*"
    r"(?=[,?;]|$|(?<!\w)(?:как\w*|что|чем|где|нужно|надо|следует)(?!\w))",
    _I,
)
_STEP_ORDINAL = re.compile(
    r"\b(?P<place>first|last|final)\s+(?:steps?|commands?|things?)\b"
    r"|(?<!\w)(?P<ru_place>перв|последн)\w*\s+(?:шаг|команд|действи)",
    _I,
)
_STEP_VERB = re.compile(
    r"\b(?:which|what)\s+(?:commands?|steps?|tools?|programs?)\s+(?:(?:do|does|should|will|must)\s+\w+\s+)?"
    r"(?P<verb>[a-z]+)"
    r"|(?<!\w)(?:как\w*\s+(?:команд\w*|шаг\w*))\s+(?P<ru_verb>[а-яё]+)",
    _I,
)
_ASKS_A_STEP = re.compile(
    r"\b(do|does|run|execute|type|enter|press|commands?|steps?|next)\b"
    r"|(?<!\w)(сдела|дела|выполн|запуст|запуска|ввест|ввод|нажа|команд|шаг)\w*",
    _I,
)
"""A question about a procedure asks what to do, run, type or press, or names a step or a command."""
_PLACES = {"after": AFTER, "once": AFTER, "before": BEFORE, "после": AFTER, "перед": BEFORE}


def question_step(question: str) -> StepRelation | None:
    """The step a question asks for within a procedure, if it places it (after/before a named step,
    first, last); the asked step's action comes along when a "which command <does>" clause says it."""
    anchored = _STEP_ANCHOR.search(question)
    # "where is the value still available after I run it?" asks for no step: the asking clause says
    asking = question[: anchored.start()] + question[anchored.end() :] if anchored else question
    if not _ASKS_A_STEP.search(asking):
        return None
    verb_match = _STEP_VERB.search(question)
    verb = (verb_match.group("verb") or verb_match.group("ru_verb")) if verb_match else ""
    verbs = frozenset(search_tokens(verb, drop_stopwords=True))
    if anchored:
        place = _PLACES[(anchored.group("place") or anchored.group("ru_place")).lower()]
        anchor = frozenset(
            search_tokens(anchored.group("anchor") or anchored.group("ru_anchor"), drop_stopwords=True)
        )
        return StepRelation(place, anchor, verbs) if anchor else None
    nth = _STEP_NTH.search(question)
    if nth:
        number = nth.group("number") or nth.group("ru_number")
        word = (nth.group("word") or nth.group("ru_word") or "").lower()
        return StepRelation(NTH, verb=verbs, number=int(number) if number else _ORDINALS[word])
    ordinal = _STEP_ORDINAL.search(question)
    if ordinal:
        word = (ordinal.group("place") or ordinal.group("ru_place")).lower()
        return StepRelation(FIRST if word in ("first", "перв") else LAST, verb=verbs)
    return None


_CONDITION = re.compile(
    r"\b(?:if|when|whenever|unless|in\s+case)\s+(?P<clause>[^,?;]+)"
    r"|(?<!\w)(?:если|когда|в\s+случае|при\s+условии)\s+(?P<ru_clause>[^,?;]+)",
    _I,
)


_NAMED_LANGUAGE = re.compile(
    r"\b(?:in|on|of|from)\s+the\s+(?P<en>Russian|English)\b"
    r"|(?<!\w)(?:в|на|из)\s+(?P<ru>русск|английск)(?:ой|ом|их|ая|ое)(?!\w)",
    _I,
)


def question_condition(question: str) -> frozenset[str]:
    """The content stems of the condition a question sets after "if", "when", "если", "когда" ("which
    code does it return if memory runs out?"); a leading "when" asks for a time and sets none."""
    for match in _CONDITION.finditer(question):
        if not question[: match.start()].strip():
            continue
        clause = match.group("clause") or match.group("ru_clause")
        return frozenset(search_tokens(clause, drop_stopwords=True))
    return frozenset()


_UNGIVEN = (
    r"(?:not|never)\s+(?:be\s+)?(?:given|set|specified|supplied|provided|defined|passed|present|used)\b"
    r"|(?<!\w)не\s+(?:был[аио]?\s+)?(?:зада|указа|определ|установл|переда|использ)\w*"
)
_ABSENT_CASE = re.compile(_UNGIVEN + r"|\bomitted\b|\bunset\b", _I)


_DEFINED_KIND = (
    r"(?:(?:the\s+)?(?:file|directory|command|program|option|setting)\s+"
    r"|(?:файл|каталог|команда|программа|параметр|опция|настройка)\s+)?"
)
"""The kind a definition question may put before the word ("what is the file /etc/gra", «что такое файл»)."""
_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?(?:[\w.+-]+['’]s\s+)?"
    + _DEFINED_KIND
    + r"[\"“'‘«]?(?P<en>[\w.+/-]+)"
    r"|how\s+(?:does|do)\s+(?!(?:i|you|we|one)\s)(?:[^?]*?\s)?define\s+(?:an?\s+|the\s+)?[\"“'‘«]?(?P<en_how>[\w.+/-]+)"
    r"|что\s+(?:такое|представляет\s+собой)\s+" + _DEFINED_KIND + r"[\"„«]?(?P<ru>[\w.+/-]+))",
    _I,
)


def defined_word(question: str) -> str:
    """The word a definition question asks about, lower-cased ("what is frobscan according to its man
    page" -> "frobscan", "what is frob's "ledger"" -> "ledger", "how does the guide define a vault" ->
    "vault"), or "". A file is named as its man page names it ("что такое файл /etc/hosts" -> "hosts")."""
    match = _DEFINITION_QUESTION.match(question)
    if match is None:
        return ""
    word = match.group("en") or match.group("en_how") or match.group("ru")
    return word.lower().strip("./").rsplit("/", 1)[-1]


def asks_fallback(question: str) -> bool:
    """Whether a question asks what holds when something is not given or set ("How many pages with
    --batch-count not given?", "какой цвет, если цвет ORPHAN не задан?")."""
    return _ABSENT_CASE.search(question) is not None


_FALLBACK = re.compile(
    r"\b(?:if|when|where)\s+(?:no|not)\b|\bif\s+(?:[\w.=-]+\s+){1,5}?(?:is|are)\s+(?:not|absent|omitted|unset)\b|\b"
    + _UNGIVEN
    + r"|\bomitted\b|\bunless\b|\botherwise\b|\bby\s+default\b|\bdefaults?\s+(?:is|to|value)\b|\binstead\b"
    r"|(?<!\w)(?:если|когда)\s+(?:[\w.=-]+\s+){0,5}?(?:не|нет)(?!\w)|по\s+умолчанию|(?<!\w)вместо\s+(?:него|нее|неё|этого)"
    r"|(?<!\w)иначе(?!\w)|в\s+противном\s+случае",
    _I,
)


@lru_cache(maxsize=20_000)
def states_fallback(text: str) -> bool:
    """Whether a text says what holds when something is not given ("If --format is not specified, PNM is
    written by default", "Если этот цвет не задан, то ls будет использовать вместо него цвет LINK")."""
    return _FALLBACK.search(text) is not None


_NAMED_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


_QUALIFIED_SETTING = re.compile(
    r"^\s*what\s+(?:is|are|was)\s+the\s+(?:default|maximum|minimum|initial)\s+[\w.:/-]+\s+"
    r"(?:options?|directives?|settings?|parameters?|keywords?)\s*(?:\?|$|in\b|of\b|for\b)"
    # "Какая директива allow задана по умолчанию в munin-node.conf?": nothing is asked of it beyond that.
    r"|^\s*как(?:ая|ой|ое|ие)\s+(?:директив|параметр|настройк|опци)\w*\s+[A-Za-z][\w.:-]*\s+"
    r"(?:(?:задан|установлен|указан|записан|стоит)\w*\s+)?(?:по\s+умолчанию|изначально)"
    r"(?:\s+(?:в|у|для)\s+[^\s?]+(?:\s+[^\s?]+)?)?\s*\?*\s*$",
    _I,
)


def _about_named_option(question: str, asks: str) -> str:
    """ "What does the -r option of pdftoppm set?", "Что делает параметр -s?": a question that names the
    option asks what it does (ANY), not which option does something. So does "What is the default allow
    directive in munin-node.conf?": it names the directive and asks for the line it stands in by default."""
    if asks != OPTION:
        return asks
    return ANY if _NAMED_OPTION.search(question) or _QUALIFIED_SETTING.search(question) else asks


def named_language(question: str) -> str:
    """The language the question says its document is in ("in the Russian Geany settings", "в английском
    руководстве"): "ru", "en", or "" when it names none."""
    match = _NAMED_LANGUAGE.search(question)
    if match is None:
        return ""
    word = (match.group("en") or match.group("ru")).lower()
    return "ru" if word.startswith(("russian", "русск")) else "en"


_BUTTON_ASKED = re.compile(
    r"\b(which|what)\s+(?!radio\b|option\b)([\w-]+\s+)?(?<!radio )(?<!option )buttons?\b"
    r"|(?<!\w)как(ая|ой|ую|ие|их)\s+([\w-]+\s+)?кнопк\w*",
    _I,
)


def asks_button(question: str) -> bool:
    """ "Which button clears ...", «какая кнопка запускает ...»: a push button is asked for (a radio
    button or an option is not)."""
    return _BUTTON_ASKED.search(question) is not None


def answer_kind(question: str) -> str:
    """The kind of answer a question asks for (ANY when nothing says more)."""
    return _about_named_option(question, _asked(question)[0])


_PART_NUMBER = re.compile(
    r"\b(part|model|catalog(ue)?|order|product)\s+(numbers?|no\.?|codes?)(?!\w)"
    r"|(?<!\w)(артикул\w*|каталожн\w*\s+номер\w*|номер\w*\s+(детал|модел|издели)\w*)",
    _I,
)
_CALLED = re.compile(r"(?<!\w)как\s+называ\w*", _I)
_KEYWORD = re.compile(r"(?:\s*[\w.:/+-]+){0,2}?\s*(key\s?words?|ключев\w*\s+слов\w*)(?!\w)", _I)
""""Which keyword ...", "which ssh_config keyword ...", "какое ключевое слово ...": the term of a definition
list, asked like an option (up to two words may say whose keyword it is before the noun)."""


def _asked(question: str) -> tuple[str, str]:
    """(kind, the noun that named it: "option" in "which tar option ...", or "")."""
    kind, noun = _kind_asked(question)
    if kind in (ANY, NUMBER) and _PART_NUMBER.search(question):
        return MODEL, noun  # "the HP part number of the cartridge" is "C9338W", letters and digits
    if kind == NUMBER and noun and asked_dimension(noun) and _DESCRIBES.search(question):
        return ANY, ""  # "What does the gain control do?" asks what it does, not a gain
    if kind == ANY or (kind == NUMBER and not noun):
        # "At least what output voltage", "какое сопротивление", "на сколько процентов": a value of a
        # dimension, stated with its unit.
        measured = _dimension_asked(question, kind)
        if measured is not None:
            return NUMBER, measured
    return kind, noun


def _dimension_asked(question: str, kind: str) -> str | None:
    """The dimension's noun where it heads what the question asks ("what output *voltage*", "how much
    *current*", "на сколько *процентов*"); None where a dimension is only mentioned ("which knob sets the
    temperature" asks for a knob, "how many times does it beep at that temperature" for a count)."""
    if asked_dimension(question) is None or (kind == ANY and _DESCRIBES.search(question)):
        return None  # "What does the gain control do?" asks what it does, not a gain
    heads = [_head_phrase(question, opener.end()) for opener in _OPENERS.finditer(question)]
    for dimension in DIMENSIONS:
        for noun in dimension.noun.finditer(question):
            if any(noun.start() < end and noun.end() > start for start, end in heads):
                return noun.group(0)
    return None


_OPENERS = re.compile(rf"{_WH_WORD.pattern}|\bhow\s+(much|many)\b|(?<!\w)(на\s+)?сколько(?!\w)", _I)


def _head_phrase(question: str, after: int) -> tuple[int, int]:
    """Where the noun phrase that a question word opens stands: in Russian its first word that is no
    adjective ("какое *сопротивление*", "какого *сечения*"), in English the words up to the next
    function word, past an "is the" ("what is the *output voltage* of")."""
    words = list(re.finditer(r"[\w-]+", question[after:]))
    if detect_language(question) == "ru":
        for word in words:
            # "сопротивление", "значение" end like adjectives: a dimension's noun is none.
            if not _RUSSIAN_ADJECTIVE.search(word.group(0)) or asked_dimension(word.group(0)):
                return after + word.start(), after + word.end()
        return after, after
    phrase = list(words)
    while phrase and phrase[0].group(0).lower() in STOPWORDS:
        phrase.pop(0)
    run = []
    for word in phrase:
        if word.group(0).lower() in STOPWORDS:
            break
        run.append(word)
    return (after + run[0].start(), after + run[-1].end()) if run else (after, after)


@lru_cache(maxsize=4096)
def asked_kind_words(question: str) -> frozenset[str]:
    """Stems of the words that say which kind of the asked-for thing is meant, when the question asks
    for a name: "proxy" of "which proxy server", "облачн" of «какой облачный провайдер». A line that
    never says them names something else ("chrome://settings" for a proxy server)."""
    kind, noun = _asked(question)
    wh = _WH_WORD.search(question)
    if kind != NAME or not noun or wh is None:
        return frozenset()
    start, end = _head_phrase(question, wh.end())
    if detect_language(question) == "ru":
        # The adjectives between the question word and the noun ("какой *облачный* провайдер").
        before = re.findall(r"[\w-]+", question[wh.end() : start])
        words = [w for w in before if _RUSSIAN_ADJECTIVE.search(w)]
    else:
        phrase = re.findall(r"[\w-]+", question[start:end])
        lowered = [w.lower() for w in phrase]
        words = phrase[: lowered.index(noun.lower())] if noun.lower() in lowered else []
    return frozenset(t for w in words for t in search_tokens(w, drop_stopwords=True))


_DESCRIBES = re.compile(
    r"\b(do|does|mean|means|stand\s+for)\s*\?*\s*$|(?<!\w)(делает|делают|означает|означают|значит)(?!\w)", _I
)
_ASKING_WORDS = frozenset({"how", "much", "many", "what", "which", "на", "сколько"})


def _kind_asked(question: str) -> tuple[str, str]:
    whole = min(
        ((match.start(), kind) for kind, pattern in _WHOLE_QUESTION if (match := pattern.search(question))),
        default=None,
    )
    wh = _WH_WORD.search(question)
    called = _CALLED.search(question)
    if called is not None and (wh is None or called.start() < wh.start()):
        # "Как называется параметр, задающий ...": the name of what the noun after it names.
        # "Как называется аварийный файл, ...": adjectives may stand before the noun.
        kind, noun = _head_kind(re.findall(r"[\w-]+", question[called.end() :])[:_HEAD_WINDOW], question)
        if kind != ANY:
            return kind, noun
    if wh is not None and (whole is None or wh.start() < whole[0]):
        # The main clause comes first: "which option sets how many seconds to wait" asks for an option.
        rest = question[wh.end() :]
        # "What is the name of the function that ..." asks for what the noun after "name of" names.
        named = _NAME_OF.match(rest)
        rest = rest[named.end() :] if named else rest
        keyword = _KEYWORD.match(rest)
        if keyword:
            return OPTION, keyword.group(1)
        words = [w for w in re.findall(r"[\w-]+", rest) if len(w) > 1]
        kind, noun = _head_kind(words[:_HEAD_WINDOW], question)
        if kind != ANY or whole is None:
            return kind, noun
    if whole is not None:
        return whole[1], ""
    if wh is not None:
        return ANY, ""
    if _YES_NO.search(question):
        return YES_NO, ""
    return ANY, ""


def _noun_kind(word: str) -> str | None:
    for kind, pattern in HEAD_NOUNS:
        if pattern.search(word):
            return kind
    return None


def _head_kind(window: list[str], question: str) -> tuple[str, str]:
    """The kind named by the noun phrase after the question word, and the noun.

    English puts the head noun last ("command-line *option*"), Russian first ("*параметр*
    конфигурации"): of the first run of kind-naming words, the last counts in English, the first in
    Russian. A kind's noun that only describes another noun names no kind: "файловая система" and
    "file system" ask for a file system (Ext4), not a file.
    """
    if detect_language(question) == "ru":
        # Russian puts the head noun right after the question word, adjectives before it ("какой
        # сетевой порт"): a kind-naming word further on ("какой оператор присваивает значение
        # переменной") belongs to the rest of the question.
        wh = _WH_WORD.search(question)
        agreeing = _agreeing_endings(wh.group(0)) if wh else ()
        for index, word in enumerate(window):
            kind = _noun_kind(word)
            following = window[index + 1] if index + 1 < len(window) else ""
            if kind is not None and _COMBINATION.match(word) and _noun_kind(following) is not None:
                # "какое сочетание цветов": a combination of what the next noun names (colours here,
                # keys in "сочетание клавиш").
                return _noun_kind(following) or kind, following
            if kind is not None and not derived_adjective(word):
                return kind, word
            adjective = word.lower().endswith(agreeing) if agreeing else bool(_RUSSIAN_ADJECTIVE.search(word))
            if not adjective:
                return ANY, ""
        return ANY, ""
    run: list[tuple[str, str]] = []
    for index, word in enumerate(window):
        kind = _noun_kind(word)
        following = window[index + 1].lower() if index + 1 < len(window) else ""
        if kind is not None and _COMPOUND_HEAD.fullmatch(following):
            kind = None  # "file system", "colour profile", "package manager": the next noun is the head
        if kind is None:
            if run:
                break
            continue
        run.append((kind, word))
    return run[-1] if run else (ANY, "")


_COMBINATION = re.compile(r"(сочетани|комбинаци)", _I)
"""Russian nouns of a combination: what is combined is the noun after them ("сочетание цветов")."""
_COMPOUND_HEAD = re.compile(
    r"(systems?|formats?|modes?|types?|profiles?|managers?|schemes?|encodings?|models?|engines?|backends?)",
    _I,
)
"""English nouns that a kind's noun may describe ("file system", "key type"): the compound asks for one of
them, whose name is no file, key or colour."""
_AGREEMENT = (
    ("ого", ("ого", "его")),
    ("ому", ("ому", "ему")),
    ("ими", ("ыми", "ими")),
    ("ой", ("ый", "ий", "ой", "ей")),
    ("ый", ("ый", "ий", "ой")),
    ("ая", ("ая", "яя")),
    ("ое", ("ое", "ее")),
    ("ие", ("ые", "ие")),
    ("ые", ("ые", "ие")),
    ("им", ("ым", "им")),
    ("ым", ("ым", "им")),
    ("ую", ("ую", "юю")),
    ("ом", ("ом", "ем")),
    ("их", ("ых", "их")),
)
"""The question word's ending -> the endings of an adjective that agrees with it ("какая файловая",
"какой сетевой"): a noun after it ("какой режим", "какое разрешение") does not agree, whatever it ends in."""
_DERIVED_ADJECTIVE = re.compile(
    r"(?P<base>[а-яё]+?)(ов|ев|н|ск)(ый|ий|ой|ей|ая|яя|ое|ее|ые|ие|ого|его|ому|ему|ым|им|ую|юю|ых|их|ыми|ими)",
    _I,
)


def _agreeing_endings(question_word: str) -> tuple[str, ...]:
    lower = question_word.lower()
    return next((endings for ending, endings in _AGREEMENT if lower.endswith(ending)), ())


def derived_adjective(word: str) -> bool:
    """Whether a Russian word is an adjective made of a kind's noun ("файловая" of "файл", "цветовой" of
    "цвет", "командной" of "команда"): it describes the noun after it. "Переменная" is the variable itself
    (no suffix stands between its stem and its ending)."""
    match = _DERIVED_ADJECTIVE.fullmatch(word)
    return match is not None and _noun_kind(match.group("base")) is not None


_ACTION_VERB = re.compile(
    r"\bhow\s+(?:do|can|could|should|would|shall)\s+(?:i|you|we|one)\s+(\w+)|\bhow\s+to\s+(\w+)"
    r"|^\s*как\s+(?:мне\s+|можно\s+)?([а-яё]+(?:ть|ться|ти|чь))(?!\w)",
    _I,
)


def action_verb(question: str) -> frozenset[str]:
    """The stem of what a how-to question wants done ("undo" in "How do I undo it?"), if it says."""
    match = _ACTION_VERB.search(question)
    verb = next((group for group in match.groups() if group), "") if match else ""
    return frozenset(search_tokens(verb, drop_stopwords=True))


def question_qualifiers(question: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in QUALIFIERS.items() if pattern.search(question))


@lru_cache(maxsize=4096)
def qualifier_terms(question: str) -> frozenset[str]:
    """The stems of the question's qualifying words ("умолчан" of "по умолчанию", "maximum"): they say
    which value is asked, not what it is of."""
    return frozenset(
        term
        for pattern in QUALIFIERS.values()
        for match in pattern.finditer(question)
        for term in search_tokens(match.group(0), drop_stopwords=True)
    )


def portable_terms(question: str) -> frozenset[str]:
    """Stemmed words of the question that a translation of the document would keep as they are.

    Names and identifiers are not translated: option names, `sshd_config`, `X11`, acronyms (VNC, APT),
    numbers, capitalised names inside a sentence, and any Latin word inside a Russian question.
    """
    russian = detect_language(question) == "ru"
    found: set[str] = set()
    for index, match in enumerate(_WORD.finditer(question)):
        word = match.group(0)
        if _CYRILLIC.search(word):
            # "HTTP-прокси": the Latin part of a mixed word is a name all the same.
            if russian:
                found.update(search_tokens(" ".join(re.findall(r"[A-Za-z0-9_]+", word)), drop_stopwords=True))
            continue
        lower = word.lower()
        if lower in STOPWORDS:
            continue
        keeps = (
            russian
            or any(ch.isdigit() for ch in word)
            or (len(word) >= 2 and word.isupper())
            or bool(re.search(r"[a-z0-9][A-Z]", word))
            or bool(re.search(r"\w[_.:/=+-]\w", word))
            or (index > 0 and word[:1].isupper())
        )
        if keeps:
            found.update(search_tokens(word, drop_stopwords=True))
    return frozenset(found)


@lru_cache(maxsize=20_000)
def text_tokens(text: str) -> tuple[str, ...]:
    """`search_tokens` of a text, kept: a passage's sentences are tokenized by several features."""
    return tuple(search_tokens(text))


def word_pairs(text: str, content: frozenset[str] | None = None) -> frozenset[tuple[str, str]]:
    """Pairs of neighbouring stems; with `content`, only pairs holding at least one content stem."""
    tokens = text_tokens(text)
    pairs = pairwise(tokens)
    return frozenset(p for p in pairs if content is None or p[0] in content or p[1] in content)


def profile_question(
    question: str, term_weights: Callable[[list[str]], dict[str, float]] | None = None
) -> QuestionProfile:
    # "Какими символами ...": the question word is no content, in whichever case form it is.
    asking = {token for match in _WH_WORD.finditer(question) for token in search_tokens(match.group(0))}
    excluded = set_aside(question)
    terms = frozenset(search_tokens(question, drop_stopwords=True)) - asking - excluded
    weights = term_weights(sorted(terms)) if term_weights and terms else {}
    asks, noun = _asked(question)
    asks = _about_named_option(question, asks)
    return QuestionProfile(
        text=question,
        language=detect_language(question),
        terms=terms,
        topic=(
            terms - frozenset(search_tokens(noun))
            if asks in (OPTION, VARIABLE, FUNCTION, COMMAND, NAME, MODEL)
            else terms
        )
        or terms,
        weights=weights,
        asks=asks,
        qualifiers=question_qualifiers(question),
        phrases=word_pairs(question, terms),
        portable=portable_terms(question),
        wants_mark=bool(MARK_QUESTION.search(question)),
        action=action_verb(question) if asks == ACTION else frozenset(),
        identifiers=question_identifiers(question),
        crossing=crossings(question),
        quantity=question_quantity(question, asks, noun),
        step=question_step(question),
        condition=question_condition(question),
        fallback=asks_fallback(question),
        defines=defined_word(question),
        excluded=excluded,
        sets=(
            set_object(question)
            if asks in (OPTION, VARIABLE, ACTION)
            else processed_object(question)
            if asks == ALGORITHM
            else frozenset()
        ),
    )


_SET_ASIDE = re.compile(
    r"[(,]\s*(?:(?:(?<!\w)а|(?<!\w)но)\s+не|\b(?:and\s+|but\s+)?not|\brather\s+than|\binstead\s+of|(?<!\w)вместо)"
    # "а не только в текущей", "not only the first": the question widens, it sets nothing aside.
    r"\s+(?!(?:только|лишь|only|just)\b)(?P<words>[^\W\d_][\w\s-]{0,40}?)\s*(?=[)?,.;]|$)",
    _I,
)
MAX_SET_ASIDE_WORDS = 3


def set_aside(question: str) -> frozenset[str]:
    """Stems of what a question sets aside after a comma or in brackets ("(а не загрузки)", ", not the
    download limit", "(rather than upload)"); nothing where it sets nothing aside. A word the rest of the
    question says too ("limit" in "the upload limit, not the download limit") is no word set aside."""
    stems: set[str] = set()
    rest = question
    for match in _SET_ASIDE.finditer(question):
        words = search_tokens(match.group("words"), drop_stopwords=True)
        if 0 < len(words) <= MAX_SET_ASIDE_WORDS:
            stems.update(words)
            rest = rest.replace(match.group(0), " ")
    return frozenset(stems) - frozenset(search_tokens(rest, drop_stopwords=True))


_SETS = re.compile(
    r"\b(?:sets?|controls?|changes?|specif(?:y|ies)|determines?|defines?|selects?|limits?|adjusts?"
    r"|enables?|disables?|turns?\s+(?:on|off)|switch(?:es)?\s+(?:on|off))\s+"
    r"(?:the\s+|a\s+|an\s+)?(?:(?:maximum|minimum|max|min|default)\s+)?"
    r"(?:(?:number|amount|count|size|level|kind|type)\s+of\s+(?:the\s+)?)?(?P<en>[A-Za-z][\w-]+)"
    r"|(?<!\w)(?:зада[её]т|задают|задать|установить|настроить|устанавлива\w+|определя\w+|меня\w+|ограничива\w+|выбира\w+"
    r"|включа\w+|отключа\w+|выключа\w+|разреша\w+|запреща\w+)\s+"
    r"(?:(?:максимальн|минимальн)\w*\s+)?(?:(?:числ|количеств|размер|уровень|уровн|тип|вид)\w*\s+)?"
    r"(?P<ru>[^\W\d_][\w-]+)",
    _I,
)


def set_object(question: str) -> frozenset[str]:
    """What a "which option sets X" question says the option sets (the stems of X), or nothing."""
    match = _SETS.search(question)
    if match is None:
        return frozenset()
    word = match.group("en") or match.group("ru")
    return frozenset() if word.lower() in STOPWORDS else frozenset(search_tokens(word, drop_stopwords=True))


_PROCESSES = re.compile(
    r"\b(?:encrypt|decrypt|hash|compress|sign|protect|verif)(?:s|es|ed|ing|y|ies|ied)?\s+"
    r"(?!(?:does|do|did|is|are|was|were|will|can|should|would)\b)(?P<en>(?:[A-Za-z][\w-]*\s*){1,3})"
    r"|(?<!\w)(?:шифру|зашифров|расшифров|хеширу|хэширу|сжима|сжат|подписыва|защища|провер)\w*\s+"
    r"(?P<ru>(?:[^\W\d_][\w-]*\s*){1,3})",
    _I,
)
PROCESSED_WORDS = 2
"""Content words after the verb that may say what an algorithm is applied to ("encrypts the drawers")."""


def processed_object(question: str) -> frozenset[str]:
    """What a "which algorithm encrypts X" question says the algorithm is applied to (the stems of the first
    content words of X), or nothing: a cipher named on a line about something else is that thing's."""
    match = _PROCESSES.search(question)
    if match is None:
        return frozenset()
    words = search_tokens(match.group("en") or match.group("ru"), drop_stopwords=True)
    return frozenset(words[:PROCESSED_WORDS])


# -- what a span holds ----------------------------------------------------------------------------

_OPTION_TOKEN = re.compile(
    r"(?<![\w-])--?[A-Za-z0-9][\w-]*(\[?=[^\s,;]*)?"  # -x, --long-option, --opt=VALUE
    r"|\b[A-Za-z]\w*(::[\w-]+)+"  # Acquire::http::Proxy
    r"|\b[A-Za-z][A-Za-z0-9]*[a-z0-9][A-Z]\w*"  # X11Forwarding, TrustedUserCAKeys
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # TAR_FILETYPE
    r"|\b[A-Za-z][\w.]*=[^\s,;)]+"  # las=1, each=5
    r"|(?<!\S)\$[A-Za-z]\w*:"  # a header tag: $Name:, $Version:
)
_VARIABLE_TOKEN = re.compile(
    r"\$\{?[A-Za-z_]\w*"  # $HOME, ${GCONV_PATH}
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # GCONV_PATH, TAR_FILETYPE
    r"|\b[A-Z][A-Z0-9]{3,}(?=\s*=)"  # DEBEMAIL=...
)
_FUNCTION_TOKEN = re.compile(
    r"\b([A-Za-z_][\w.]*)\s*(?:<-|=)\s*function\b"  # twosam <- function(y1, y2)
    r"|\b(?:def|function|func|fn|sub)\s+([A-Za-z_]\w*)\s*\("  # def name(, function name(
    r"|(?<![\w.$])([A-Za-z_][\w.]*)\("  # a call: mean(x)
)
_CODE_NAME = re.compile(
    r"(?<![\w.$-])(?:[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]"  # Fl_Check_Button, g_object_unref
    r"|[A-Z]+[a-z0-9]+(?:[A-Z][a-z0-9]+)+"  # QPushButton, GtkWindow
    r"|[A-Za-z]\w*(?:::\w+)+)(?![\w-])"  # std::vector
)
_CODE_KEYWORDS = frozenset({"function", "if", "for", "while", "return", "switch", "repeat", "print"})
_CAPITALS = re.compile(r"\b[A-Z][A-Z0-9]{3,}\b")
"""An environment or shell variable as manuals write it: in capitals, with "$", "_" or "=" (a word in
capitals elsewhere in a sentence is as likely an acronym: HTTP, POSIX)."""
_PROMPT_LINE = re.compile(r"^\s*[$#>%]\s+\S", re.MULTILINE)
_CODE_TOKEN = re.compile(r"(?<![\w])[a-z][\w]+[-./:=_][\w./:=-]*\w/?|(?<![\w-])--?[A-Za-z][\w-]*")
_PATH_TOKEN = re.compile(
    r"(?<![\w])~?/[\w.+-]+(/[\w.+-]*)*"
    r"|\b[\w-]+\.(conf|list|log|txt|cfg|ini|json|xml|ya?ml|sh|py|deb|service|d|rc|pub|key|pdf|png|html?"
    r"|lua|fl|c|h|cc|cpp|cxx|hh|hpp|js|ts|rb|pl|go|rs|java|tex|md|csv|tsv|toml|so|dll|exe|bat|ps1|mk|cmake"
    r"|desktop|svg|jpe?g|gif|bmp|ico|wav|mp3|ogg|zip|gz|tgz|bz2|xz|tar|iso|img|bin|dat|db|sqlite|mo|po|pot"
    r"|ttf|otf|qml|ui|css|sql|spec|rpm|ppd|patch|diff|cir|sp|net|lib|mod|fs|el|vim|plist|reg|inf)\b"
    r"|\b[A-Za-z]:\\[\w\\. -]+"
    # Files of a type, named by their extension's pattern ("*.plan", "*.plan2").
    r"|(?<![\w*])\*\.[A-Za-z][A-Za-z0-9]{0,7}\b",
    _I,
)
_NAMED_FILE = re.compile(
    r"(?:\bfiles?\s+(?:named|called)|(?<!\w)файл\w*\s+(?:с\s+именем|под\s+(?:именем|названием)))"
    r"\s+[\"'«“]?(?P<name>[\w.~+-]*\w\.\w[\w.~+-]*|[\w.~+-]+(?=[\"'»”]))",
    _I,
)
"""A file's name given in words ("a file named draft.keep", "файл с именем dead.letter")."""
_LOCATION = re.compile(
    r"\bwhere\b|\b(directory|directories|folders?)\b|(?<!\w)(где|каталог|папк|директори)", _I
)
"""A question that asks where something is: a folder or a full path answers it, a bare file name does not."""
_FOLDER_NOUN = re.compile(r"\b(directory|directories|folders?)\b|(?<!\w)(каталог|папк|директори)", _I)


@lru_cache(maxsize=1024)
def asks_location(question: str) -> bool:
    """Whether a question asks where something is ("where is it kept", "in which folder"), not which
    file ("which script must be in the game's folder" asks for a file, the folder is where it lies)."""
    _, noun = _kind_asked(question)
    if noun:
        return _FOLDER_NOUN.search(noun) is not None
    return _LOCATION.search(question) is not None


_POINTS_BACK = re.compile(
    r"\b(that|this|the same|the above|same)\s+(directory|folder|location|place)\b"
    r"|(?<!\w)(этом|том|этой|той|том же|этом же)\s+(каталоге|папке|директории|месте)",
    _I,
)
_FILE_NAME = re.compile(r"~?/?[\w.+~-]*[\w+~-]\.[A-Za-z][A-Za-z0-9]{0,4}/?|~?/[\w.+~/-]*")
"""A file or a folder alone (its name ends in an extension, or it is a path): no command line."""
_NUMBER_WORDS = re.compile(
    r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    r"|hundred|thousand|million|once|twice|single|double|dozen)\b"
    r"|(?<!\w)(ноль|нол|один|одн|два|две|двух|три|трёх|трех|четыр|пят|шест|сем|восем|девят|десят|двадцат"
    r"|тридцат|сорок|сто|тысяч|миллион|дважды|трижды|однажды)\w*",
    _I,
)
_FREQUENCY_WORDS = re.compile(
    r"\b(daily|weekly|monthly|hourly|yearly|annually|nightly|every|each|(once|twice) (a|an|per))\b"
    r"|(?<!\w)(ежедневн|еженедельн|ежемесячн|ежечасн|ежегодн|кажд|раз в)\w*",
    _I,
)
"""How often: "every three months", "daily", "раз в месяц" (a count alone, "press it twice", is not)."""
_KEY_NAME = re.compile(
    r"(?<![\w-])(Ctrl|Control|Alt|Shift|Cmd|Meta|Super|Esc|Escape|Enter|Return|Tab|Space|Backspace|Delete"
    r"|Del|Home|End|Insert|PgUp|PgDn|PageUp|PageDown|F\d{1,2})(?![\w-])"
)
"""A key as manuals write it: capitalised ("Home", "Esc"), so "at the end" or "home directory" is none."""
_FUNCTION_KEY = re.compile(r"(?<![\w.-])[Ff](?:[1-9]|1[0-2])(?:/[Ff](?:[1-9]|1[0-2]))*(?![\w.-])")
_MODIFIER_COMBINATION = re.compile(r"\b(ctrl|control|alt|shift|cmd|meta|super)(\s*\+\s*|-)\w+\b", _I)
_PRESS = re.compile(
    r"(\b(press|pressing|hit|type|keys?|keystroke|shortcut)\b|(?<!\w)(нажм|нажат|нажав|клавиш|сочетани|комбинаци)\w*)"
    r"[^.!?\n]{0,20}$",
    _I,
)


def _pressed_key(text: str, question: QuestionProfile | None = None) -> str:
    """The key or key combination a span tells to press: a modifier combination ("Ctrl+T", "control+t"),
    a function key, or a key's name after a word that presses it ("press Esc", "клавишу Tab"). Where a
    span names several, the one beside the question's words ("quick save ... (keys f8/f9)", not the
    "alt-r" of the next sentence)."""
    keys = [*_MODIFIER_COMBINATION.finditer(text), *_FUNCTION_KEY.finditer(text)]
    keys += [m for m in _KEY_NAME.finditer(text) if _PRESS.search(text[max(0, m.start() - 40) : m.start()])]
    if not keys:
        return ""
    keys.sort(key=lambda m: m.start())
    if question is not None and len(keys) > 1:
        # The key with the most of the question's words beside it; the first of equals.
        said = [
            sum(
                _near(text, m.start(), m.end(), frozenset({term}), question, KEY_WINDOW)
                for term in question.topic
            )
            for m in keys
        ]
        return keys[said.index(max(said))].group(0)
    return keys[0].group(0)


KEY_WINDOW = 4
"""Words either side of a key that may say what it does ("быстрым сохранением/загрузкой (клавиши f8/f9)")."""


_KEY_COMBINATION = re.compile(
    r"\b(Ctrl|Control|Alt|Shift|Cmd|Meta|Super)\s*[+-]\s*\w+|\bF\d{1,2}\b|(?<![\w-])[A-Z]-[a-z]\b"
)
_MENU_PATH = re.compile(r"\w[\w .]{0,30}\s(→|->|»|>)\s\w")
"""A menu path as manuals write it: "Actions → Undo", "File > Export"."""
_COLOURS = re.compile(
    r"\b(red|green|blue|yellow|black|white|gr[ae]y|cyan|magenta|purple|violet|orange|brown|pink)\b"
    r"|(?<!\w)(красн|зел[её]н|син|голуб|ж[её]лт|ч[её]рн|бел|сер|фиолетов|оранжев|коричнев|розов|пурпурн)\w*",
    _I,
)
_COMMAND_WORD = re.compile(
    r"\b(commands?|run|type|execute|invoke)\b|(?<!\w)(команд|выполн|запуст|набрать|набер|введ)\w*", _I
)
_QUOTED = re.compile(r"«[^»]{2,60}»|“[^”]{2,60}”|\"[^\"]{2,60}\"")


def _new(matches: list[str], question: QuestionProfile) -> list[str]:
    """The matches that are not just the question's own words repeated.

    A token with punctuation counts as new when the question does not write it out in full:
    `8000:server:25` answers "forward port 8000 to port 25 of server", and `--service` answers "which
    option replaces the service" (options are named after what they do).
    """
    asked = question.text.lower()
    fresh = []
    for match in matches:
        tokens = set(search_tokens(match))
        if not tokens:
            continue
        punctuated = re.search(r"\w\W+\w|^[-$@]", match) is not None
        if not tokens <= question.terms or (punctuated and match.lower() not in asked):
            fresh.append(match)
    return fresh


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""An e-mail address: what names a mail account, in a sentence or in a picture of a mail program."""
_HOST = re.compile(
    r"\b(?:https?|ftp)://[^\s<>\"'”)]+[\w/]"
    r"|\b(?:[a-z0-9-]+\.)+(?:org|com|net|edu|gov|io|info|de|ru|uk|fr|eu)\b(?:/[\w./-]*)?"
    r"|(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\w.])"  # an IPv4 address: 127.0.1.1, 10.0.0.0/8
    rf"|\b{EMAIL.pattern}\b",  # an e-mail address
    _I,
)
"""A site or a mirror is named by its address ("http://deb.debian.org/debian", "ftp.example.org")."""


def _names(text: str, question: QuestionProfile) -> list[str]:
    """Capitalised words inside sentences, quoted names, addresses, and Latin words inside Russian text.

    A line that follows a heading or a label (a short line without a full stop) starts a sentence.
    """
    found = [m.group(0) for m in _QUOTED.finditer(text)] + [m.group(0) for m in _HOST.finditer(text)]
    russian = detect_language(text) == "ru"
    for line_number, line in enumerate(text.split("\n")):
        letters = [ch for ch in line if ch.isalpha()]
        if len(letters) > 3 and all(ch.isupper() for ch in letters):
            continue  # a heading in capitals ("COPYRIGHT NOTICE", "SEE ALSO") names a section, not a name
        sentence_start = True
        for match in re.finditer(r"\S+", line):
            word = match.group(0).strip("()[]{},;:!?\"'«»“”")
            named = word[:1].isupper() or (russian and not _CYRILLIC.search(word) and len(word) >= 2)
            wrapped = line_number > 0 and match.start() == 0 and _continues(text.split("\n")[line_number - 1])
            if word[:1].isalpha() and (not sentence_start or wrapped) and named:
                found.append(word)
            sentence_start = match.group(0).endswith((".", "!", "?", ":"))
    return _new(found, question)


def _continues(previous_line: str) -> bool:
    """Whether the sentence of a line runs on into the next (a long line that does not end one)."""
    line = previous_line.rstrip()
    return len(line) > 60 and not line.endswith((".", "!", "?", ":"))


@dataclass(frozen=True)
class KindEvidence:
    """What in a span is of the asked-for kind ("option --remove-files"); empty when nothing is.

    Weak evidence (a line that only says "command", any word on a screen) lets a span through the
    gate but earns less than a real option name, command line or number.
    """

    what: str = ""
    strong: bool = True
    item: str = ""
    """The option, command line, path or number itself ("--skip-old-files"), where there is one."""
    listed: bool = False
    """The span lists names ("openInNewTab, open, saveCopy и separator") after the question's words."""

    def __bool__(self) -> bool:
        return bool(self.what)

    def __str__(self) -> str:
        return self.what or "none"


NO_EVIDENCE = KindEvidence()
_PURE_PATH = re.compile(r"^[\w.+-]*(/[\w.+-]*)+/?$")


def kind_evidence(
    asks: str,
    text: str,
    question: QuestionProfile,
    ui_label: bool = False,
    context: frozenset[str] = frozenset(),
) -> KindEvidence:
    """What in `text` is of the asked-for kind: the reader's type gate.

    `ui_label` marks text read from a screenshot, where every label is a control ("which option ...")
    and a value may be a word ("Size: Medium"). `context` holds the stemmed words of the span's
    heading and file name: the product a manual is about is not the name a question asks for.
    """
    found = _strong_evidence(asks, text, question, context, ui_label)
    if found:
        return found
    if asks == OPTION:
        # An option mentioned in passing inside a sentence ("unless --sort is given") may be the
        # answer, but less surely than one that leads its line (a list's term, "las=1 Orientation").
        options = _new([m.group(0) for m in _OPTION_TOKEN.finditer(text)], question)
        if options:
            return KindEvidence(f"option {options[0]} (in passing)", strong=False, item=options[0])
    if asks == VARIABLE:
        # A name in capitals inside a sentence ("set DEBEMAIL in your shell") may be the variable.
        capitals = _new(_CAPITALS.findall(text), question)
        if capitals:
            return KindEvidence(f"variable {capitals[0]} (in passing)", strong=False, item=capitals[0])
    if asks == COMMAND:
        word = _COMMAND_WORD.search(text)
        # "... отображается командой hostname" names a command, but of what the question asks only where
        # one of its words stands beside the name.
        subject = question.topic - context
        named = [
            m
            for m in _LATIN_WORD.finditer(text)
            if m.group(0).islower()
            and _program_name(text, m)
            and _new([m.group(0)], question)
            and (not subject or _near(text, m.start(), m.end(), subject, question, SUBJECT_WINDOW))
        ]
        if word and named:
            return KindEvidence(f"names a command ({word.group(0)!r}: {named[0].group(0)})", strong=False)
    if asks == ANY:
        # "Which actions can the toolbar show?": a run of names ("openInNewTab, open, saveCopy и
        # separator") after the words that say what they are for lists them.
        listed = listed_names(text, question)
        if listed:
            return KindEvidence(
                f"a list of names ({', '.join(listed[:3])}, ...)", item=listed[0], listed=True
            )
    if asks in (ANY, ACTION):
        # A way to do something may be told in words ("open the lid and ..."): weaker than a command.
        return KindEvidence(_novel(text, question), strong=False)
    quantity = question.quantity
    if (
        asks == NUMBER
        and quantity is not None
        and (quantity.kind in (PORT, VERSION) or (quantity.dimension and BY_NAME[quantity.dimension].strict))
    ):
        return NO_EVIDENCE  # a port, a version or a voltage is written in digits, on a screen too
    if ui_label and asks not in (KEY, COLOUR, PATH, ALGORITHM):
        # A path is written as one on a screen too: "Ask where to save each file" names no folder; a
        # cipher too ("AES 256-bit"): "Max. history size" is no algorithm.
        novel = _novel(text, question)
        return KindEvidence(f"a value on the screen ({novel})", strong=False) if novel else NO_EVIDENCE
    return NO_EVIDENCE


def _strong_evidence(
    asks: str, text: str, question: QuestionProfile, context: frozenset[str], ui_label: bool = False
) -> KindEvidence:
    if asks == OPTION:
        leading = [m.group(0) for m in _OPTION_TOKEN.finditer(text) if _leads_line(text, m.start())]
        options = _new(leading, question)
        return _found("option", options[0]) if options else NO_EVIDENCE
    if asks == COMMAND:
        prompt = _PROMPT_LINE.search(text)
        if prompt:
            line = text[prompt.start() :].splitlines()[0].strip()
            return KindEvidence(f"command line {line!r}", item=line)
        code = [
            c
            for c in _new(
                [m.group(0) for m in _CODE_TOKEN.finditer(text) if not _EXAMPLED.search(text, 0, m.start())],
                question,
            )
            if not _PURE_PATH.match(c) and not _HOST_NAME.fullmatch(c)
        ]
        # A file's name ("filename.fl") is what a command works on, not the command: less sure evidence.
        commands = [c for c in code if not _PATH_TOKEN.fullmatch(c)]
        if commands:
            return _found("command", commands[0])
        if code:
            return KindEvidence(f"command {code[0]} (a file's name)", strong=False, item=code[0])
        commented = _commented_command(text)
        if commented and _new([commented], question):
            return KindEvidence(f"command line {commented!r} under its comment", item=commented)
        # A screen's labels are no command lines: "Enable speed limits" runs no program "speed".
        invoked = "" if ui_label else _invocation(text, question)
        return KindEvidence(f"command {invoked!r}", item=invoked) if invoked else NO_EVIDENCE
    if asks == PATH:
        paths = _new([m.group(0).rstrip(".,;") for m in _PATH_TOKEN.finditer(text)], question)
        if paths and asks_location(question.text):
            # "Where are they kept?" is answered by a folder or a full path; a file's bare name
            # ("foo.list in that directory") says what lies there, not where.
            placed = [path for path in paths if "/" in path or "\\" in path]
            if not placed and _POINTS_BACK.search(text):
                return NO_EVIDENCE  # "foo.list in that directory": the place is named elsewhere
            if not placed:
                return KindEvidence(f"file name {paths[0]} (no folder)", strong=False, item=paths[0])
            return _found("path", placed[0])
        if not paths:
            # "... into a file named draft.keep", "в файл с именем dead.letter": a name the text gives a file.
            paths = _new([m.group("name").rstrip(".,;") for m in _NAMED_FILE.finditer(text)], question)
        return _found("path", paths[0]) if paths else NO_EVIDENCE
    if asks == ACTION:
        # "How do I undo it?": what the user does is a command line, a key combination or a menu path.
        command = _strong_evidence(COMMAND, text, question, context, ui_label)
        # A file's name in a listing ("gentoo_0.9.12.orig.tar.gz") is what a command made, not one.
        if command and not _FILE_NAME.fullmatch(command.item.strip()):
            return dataclasses.replace(command, what=f"action: {command.what}")
        key = _KEY_COMBINATION.search(text) or _MENU_PATH.search(text)
        return _found("action: press or choose", key.group(0)) if key else NO_EVIDENCE
    if asks == FUNCTION:
        defined = [next(g for g in m.groups() if g) for m in _FUNCTION_TOKEN.finditer(text)]
        functions = _new([name for name in defined if len(name) > 1 and name not in _CODE_KEYWORDS], question)
        if functions:
            return _found("function", functions[0])
        # A class or a function named without its call ("Fl_Check_Button - A button ...", "QPushButton")
        # is a name in code's shape; less sure than one defined or called.
        named = _new(_CODE_NAME.findall(text), question)
        return KindEvidence(f"code name {named[0]}", strong=False, item=named[0]) if named else NO_EVIDENCE
    if asks == VARIABLE:
        names = _new([m.group(0).strip().lstrip("${") for m in _VARIABLE_TOKEN.finditer(text)], question)
        return _found("variable", names[0]) if names else NO_EVIDENCE
    if asks in (NUMBER, FREQUENCY):
        # "How many architectures?" is answered by a number of architectures, not by any number nearby.
        counting = asks == NUMBER and bool(_COUNTING.search(question.text))
        quantity = question.quantity if asks == NUMBER else None
        dimension = BY_NAME.get(quantity.dimension) if quantity is not None and quantity.dimension else None
        if dimension is not None and quantity is not None:
            measured = _dimension_value(dimension, quantity, text, question, context)
            # A bare "5" is no voltage in a manual's text; on a screen the unit stands in the field's label
            # or beside the box ("Position (%): 50.00").
            if measured or (dimension.strict and not ui_label):
                return measured
            counting = False
        values = [
            m
            for m in re.finditer(r"\d[\d.,:%]*", text)
            if not _numbers_a_part(text, m.start())
            and (not counting or _counts(text, m, question))
            and (quantity is None or _belongs(text, m, quantity, question, context))
            and not _given_by_question(m.group(0), question)
        ]
        if values and question.qualifiers:
            # "the default quality" is the value said to be the default ("from 1 to 100. The default is 85").
            values.sort(key=lambda m: not _qualified(text, m, question.qualifiers))
        if values:
            return _found("number", values[0].group(0).rstrip(".,:"))
        if quantity is not None and quantity.kind not in (COUNT, MEASURE):
            return NO_EVIDENCE  # a version or a port is written in digits
        if quantity is not None and quantity.kind == MEASURE:
            word = _value_word(text, quantity, question)
            if word:
                return KindEvidence(f"value {word!r} beside its noun", strong=False, item=word)
        words_ = [
            m
            for m in (_FREQUENCY_WORDS if asks == FREQUENCY else _NUMBER_WORDS).finditer(text)
            if (not counting or _counts(text, m, question))
            and (quantity is None or _belongs(text, m, quantity, question, context))
            and not _given_by_question(m.group(0), question)
        ]
        return (
            KindEvidence(f"number word {words_[0].group(0)!r}", item=words_[0].group(0))
            if words_
            else NO_EVIDENCE
        )
    if asks == PACKAGE:
        # Packages are named after what they hold, like options: "libnss_dns.so" for "the dns source".
        packages = sorted(
            _new(package_names(text), question), key=lambda n: not set(span_terms(n)) & question.terms
        )
        if packages:
            return _found("package", packages[0])
        # "apticron, in the package of the same name": a word no dictionary knows, beside the word
        # "package", may be the package.
        unknown = _called_package(text, question) or _latin_name_in_russian(text, question)
        return KindEvidence(f"package {unknown}? (unknown word)", strong=False) if unknown else NO_EVIDENCE
    if asks == NAME:
        names = [n for n in _names(text, question) if not set(search_tokens(n)) <= context]
        return _found("name", names[0]) if names else NO_EVIDENCE
    if asks == STANDARD:
        standards = _new([m.group(0) for m in _STANDARD_NAME.finditer(text)], question)
        if standards:
            return _found("standard", standards[0])
        codes = _new(_CODE_IN_CAPITALS.findall(text), question)
        if not codes:
            return NO_EVIDENCE
        return KindEvidence(f"code {codes[0]} (a standard?)", strong=False, item=codes[0])
    if asks == MODEL:
        models = _new(model_names(text), question)
        return _found("model", models[0]) if models else NO_EVIDENCE
    if asks == REASON:
        # "Вместо того, чтобы ...", "instead of ...": what is not done gives no reason.
        causes = [
            m for m in _CAUSE.finditer(text) if not _INSTEAD.search(text[max(0, m.start() - 20) : m.start()])
        ]
        return _found("reason", repr(causes[0].group(0).strip())) if causes else NO_EVIDENCE
    if asks == KEY:
        pressed = _pressed_key(text, question)
        return _found("key", pressed) if pressed else NO_EVIDENCE
    if asks == COLOUR:
        colours = _new([m.group(0) for m in _COLOURS.finditer(text)], question)
        return _found("colour", colours[0]) if colours else NO_EVIDENCE
    if asks == ALGORITHM:
        named = algorithm_names(text, context)
        fresh = _new(named, question)
        return _found("algorithm", fresh[0]) if fresh else NO_EVIDENCE
    return NO_EVIDENCE


SUBJECT_WINDOW = 10
"""Words either side of a measured value that may name what it is of ("the antenna port ... max 50 mA")."""


def _dimension_value(
    dimension: Dimension, quantity: Quantity, text: str, question: QuestionProfile, context: frozenset[str]
) -> KindEvidence:
    """A value of the asked-for dimension with its unit, beside a word of what the question asks it of:
    "the heater draws 1.5 A" answers the heater's current, not the pump's nor any voltage."""
    subject = question.topic - quantity.beside - context
    for value in measured_values(dimension, text):
        if _given_by_question(value.text, question) or value.text in question.text:
            continue
        # Tied to the question by what it is of ("the heater draws 1.5 A") or by the dimension's own noun
        # ("Напряжение питания насоса 12 В").
        tied = (subject, quantity.beside)
        if subject and not any(
            _near(text, value.start, value.end, stems, question, SUBJECT_WINDOW) for stems in tied
        ):
            continue
        return _found(dimension.name, value.text)
    return NO_EVIDENCE


_STANDARD_NAME = re.compile(
    r"(?<![\w-])(?:ISO|IEC|IEEE|ANSI|EN|DIN|ГОСТ|GOST|RFC|ECMA|ITU-T|ETSI|JIS|UL|FCC|RS|EIA|TIA|USB|SAE)"
    r"(?:[\s/-]?[A-Z]{0,3})?[\s-]?\d[\w.:/-]*"
    r"|\bPOSIX(?:\.\d+)?(?:-\d{4})?|\b(?:SUSv|XPG|C|C\+\+)\d{1,2}\b|\b(?:ISO|ANSI)\s+C\b"
    r"|\b(?:L?GPL|AGPL|GFDL|MPL|EPL|BSD|MIT|Apache|CC[- ]BY(?:[- ](?:SA|NC|ND))*|CERN[- ]OHL[\w-]*|TAPR|OHL"
    r"|Creative\s+Commons|public\s+domain|GNU\s+(?:Lesser\s+|Affero\s+|Free\s+Documentation\s+)?"
    r"(?:General\s+Public\s+)?Licen[cs]e)(?:[- ]?v?\d[\d.]*\+?)?"
    r"|(?<!\w)rfc\s?\d+",
    _I,
)
"""Codes of standards and licences: "POSIX.1-2008", "IEEE 802.11", "RFC 1952", "CERN-OHL-P", "GPLv2"."""
_CODE_IN_CAPITALS = re.compile(r"(?<![\w.-])[A-Z]{2,}(?:-[A-Z0-9]+)+(?![\w-])")
"""An unknown code in capitals ("EN-55022-B", but "UTF-8" too): maybe a standard, less surely."""

_MODEL_CODE = re.compile(
    r"(?<![\w.-])(?=[\w-]*\d)(?=[\w-]*[A-Za-zА-Яа-я])[A-Za-zА-Яа-я0-9][\w-]{2,}(?![\w-])"
)
_SERIES_NUMBER = re.compile(r"\b[A-Z][A-Za-z]+\s\d{2,}[A-Za-z]?\b")
_UNIT_VALUE = re.compile(
    r"\d+(?:[.,]\d+)?(?:[kKMGTmµu]?(?:Hz|V|A|W|B|b|bps|dB|Ω|F)|mm|cm|ms|px|pt|s|x|th|st|nd|rd|[кМГ]?Гц|мм|см|мс)"
)


def model_names(text: str) -> list[str]:
    """Designations of models and parts ("1N4148", "XC2C64A", "C9338W", "LaserJet 4000"): codes that mix
    letters and digits, less values with a unit ("50mA", "3.3V") and ordinals ("2nd")."""
    codes = [m.group(0) for m in _MODEL_CODE.finditer(text) if not _UNIT_VALUE.fullmatch(m.group(0))]
    return codes + [m.group(0) for m in _SERIES_NUMBER.finditer(text)]


_ALGORITHM_CODE = re.compile(
    r"(?<![\w.-])(?:[A-Z]{3,}|[A-Z][a-z]+(?=-\n?[A-Z0-9]{2})|(?=[\w-]*\d)[A-Za-z][A-Za-z0-9]*)"
    r"(?:-\n?[A-Za-z0-9]+)*(?![\w-])"
)
"""A code an algorithm is named by: capitals ("AES", "HMAC-SHA256", "LZMA"), letters with digits ("ChaCha20",
"Argon2id", "MD5", "X25519"), a name with a code in capitals ("Serpent-XTS"); wrapped at its hyphen too."""
_DOES_ALGORITHM = re.compile(
    r"\b(encrypt\w*|decrypt\w*|cipher\w*|algorithms?|hash\w*|digests?|checksums?|key\s+derivation|KDF"
    r"|compress\w*|sign(s|ed|ing|atures?)?)\b"
    r"|(?<!\w)(шифр\w*|зашифр\w*|расшифр\w*|алгоритм\w*|х[еэ]ш\w*|сжат\w*|сжима\w*|подпис\w*)",
    _I,
)
_ALGORITHM_CONTEXT = frozenset(
    search_tokens("encryption cipher algorithm hash compression шифрование алгоритм")
)


def algorithm_names(text: str, context: frozenset[str] = frozenset()) -> list[str]:
    """The algorithms `text` names ("AES-256", "ChaCha20"), where it or its heading (`context`, stems)
    says what an algorithm does: a code in capitals on a settings line ("Max. history size: MiB") is no
    cipher. Units ("MiB", "50ms") do not count."""
    if not _DOES_ALGORITHM.search(text) and not context & _ALGORITHM_CONTEXT:
        return []
    names = [m.group(0).replace("-\n", "-") for m in _ALGORITHM_CODE.finditer(text)]
    return [name for name in names if not _UNIT_VALUE.fullmatch(name) and not _DOES_ALGORITHM.fullmatch(name)]


_CAUSE = re.compile(
    r"\b(?:because|since|due\s+to|owing\s+to|so\s+that|in\s+order\s+to|so\s+as\s+to|otherwise|in\s+case"
    r"|therefore|thus|hence|reasons?|purposes?|as\s+a\s+result|this\s+is\s+why|that\s+is\s+why"
    r"|which\s+is\s+why|caused\s+by|risks?|to\s+(?:avoid|prevent|protect|ensure|keep|make\s+sure|allow|reduce"
    r"|limit|minimi[sz]e|save|guard)|prevents?|protects?|leads?\s+to|results?\s+in|would\s+otherwise)\b"
    r"|(?:^|[.;:]\s+|,\s+)as\b"
    r"|(?<!\w)(?:потому\s+что|так\s+как|поскольку|из-за|благодаря|чтобы|для\s+того|в\s+случае|иначе|поэтому"
    r"|вследствие|ради|с\s+целью|по\s+причине|дабы|т\.\s?к\.|причин\w*|цель\w*|во\s+избежание"
    r"|опасност\w*|риск\w*|защит\w*|предотвра\w*|избежа\w*|привод\w*\s+к|может\s+привести)(?!\w)",
    _I,
)
"""What gives a cause or a purpose, in either language: a "why" question is answered by a clause with one."""


_INSTEAD = re.compile(r"(?<!\w)вместо\s+того,?\s*$|\binstead\s+of\s*$", _I)

_NUMBER_VALUES = {
    "one": 1, "single": 1, "once": 1, "two": 2, "twice": 2, "double": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "один": 1, "одн": 1, "однажды": 1, "два": 2, "две": 2, "двух": 2, "дважды": 2, "три": 3,
    "трёх": 3, "трех": 3, "трижды": 3, "четыр": 4, "пят": 5, "шест": 6, "сем": 7, "восем": 8,
    "девят": 9, "десят": 10,
}  # fmt: skip
"""Number words by their value, Russian ones by the stem every case form starts with."""


def number_value(word: str) -> int | None:
    """The value of a number written in digits or as a word ("2", "two", "двух", "одна"), if it is one."""
    lower = word.lower().rstrip(".,:")
    if lower.isdigit():
        return int(lower)
    for stem_, value in _NUMBER_VALUES.items():
        # a Russian number's case ending is short ("семи", "одной"): "семейство" is no seven
        inflected = _CYRILLIC.search(stem_) and lower.startswith(stem_) and len(lower) - len(stem_) <= 3
        if lower == stem_ or inflected:
            return value
    return None


def _given_by_question(value: str, question: QuestionProfile) -> bool:
    """Whether a number is one the question states itself ("how many commands can *one* script hold",
    "сколько правил в *одной* цепочке"): it is what the question counts within, never the answer."""
    return number_value(value) in _stated_numbers(question.text)


@lru_cache(maxsize=4096)
def _stated_numbers(question: str) -> frozenset[int | None]:
    return frozenset(
        value for word in re.findall(r"\w+", question) if (value := number_value(word)) is not None
    )


_LIBRARY_FILE = re.compile(r"(?<![\w.-])lib[a-z0-9_+-]*\.so(?:\.\w+)*(?![\w-])")
"""A shared library as a manual names it, also at the end of its path ("/lib/libnss_dns.so.X"); a name
with a placeholder in capitals ("libnss_SERVICE.so") is a pattern, no library."""
_PACKAGE_SHAPE = re.compile(r"(?<![\w/.~$-])[a-z0-9][a-z0-9+]*(?:[-_.][a-z0-9+]+)+(?![\w/-])")
"""Lower-case parts joined by '-', '_' or '.' ("selinux-policy-dev", "python3-venv"), not within a path."""
_CALLED_PACKAGE = re.compile(
    r"\b(?:the\s+)?([a-z][\w+.-]*)\s+(?:packages?|librar(?:y|ies)|modules?)\b"
    r"|(?<!\w)(?:пакет|библиотек|модул)\w*\s+«?([a-z][\w+.-]*)",
)
"""A one-word name that the text calls a package ("the sudo package", "пакет sudo")."""


_ENGLISH_PREFIXES = frozenset(
    {"non", "pre", "re", "co", "un", "multi", "sub", "self", "semi", "anti", "auto"}
)


def english_word(word: str) -> bool:
    """Whether a Latin word is an English word (the dictionary's, a stopword, a prefix), not a name."""
    lower = word.lower()
    return lower in STOPWORDS or lower in _ENGLISH_PREFIXES or lexicon().knows(lower)


_LOWER_WORD = re.compile(r"(?<![\w./-])[a-z][a-z0-9]{2,}(?![\w/-]|\.\w)")
"""A lower-case word that is no part of a path, an address or a dotted name."""
PACKAGE_REACH = 4
"""Words between a package's name and the word "package" that calls it so ("apticron, in the package")."""


def _called_package(text: str, question: QuestionProfile) -> str:
    nouns = [match.start() for match in HEAD_NOUNS_BY_KIND[PACKAGE].finditer(text)]
    for match in _LOWER_WORD.finditer(text):
        word = match.group(0)
        if english_word(word) or stem(word) in question.terms:
            continue
        for at in nouns:
            between = text[min(at, match.end()) : max(at, match.start())]
            if len(between.split()) <= PACKAGE_REACH:
                return word
    return ""


_LATIN_NAME = re.compile(r"(?<![\w./-])[A-Za-z][A-Za-z0-9+]{3,}(?![\w/-]|\.\w)")
"""A Latin word of four characters at least, no part of a path or a dotted name."""
_CYRILLIC = re.compile(r"[а-яё]", _I)
NAME_REACH = 3
"""Words either side of a name in Russian prose that may say what it is for ("libfoo для поддержки PS")."""


def _latin_name_in_russian(text: str, question: QuestionProfile) -> str:
    """A name written in Latin inside Russian prose that no dictionary knows ("Использует libspectre для
    поддержки PS"), beside the question's words: a translation keeps a library's or a program's name as it
    is, so in the other script it stands out as a name. An acronym in capitals ("PDF") names a format."""
    if len(_CYRILLIC.findall(text)) < len(re.findall(r"[A-Za-z]", text)):
        return ""
    names = [
        match
        for match in _LATIN_NAME.finditer(text)
        if not (
            match.group(0).isupper() or english_word(match.group(0)) or stem(match.group(0)) in question.terms
        )
    ]
    # The name beside a name the question keeps ("... для поддержки PS") before one beside its other words.
    for subject in (question.portable, question.topic):
        for match in names:
            if subject and _near(text, match.start(), match.end(), subject, question, NAME_REACH):
                return match.group(0)
    return ""


MIN_PACKAGE_NAME = 4
"""Shorter dotted words are abbreviations ("e.g", "i.e")."""


def package_names(text: str) -> list[str]:
    """The package, library and module names a text holds, in order: libraries' files, names shaped like
    a distribution's packages (no file of a known kind, no version), words the text calls packages."""
    found = [(m.start(), m.group(0).rstrip(".")) for m in _LIBRARY_FILE.finditer(text)]
    for match in _PACKAGE_SHAPE.finditer(text):
        name = match.group(0).rstrip(".")
        file_like = _PATH_TOKEN.fullmatch(name) or _HOST.fullmatch(name)
        # "non-interactively", "read-only": English words joined, no name.
        words = re.split(r"[-_.]", name)
        english = not re.search(r"\d", name) and all(english_word(word) for word in words)
        if not (file_like or english) and len(name) >= MIN_PACKAGE_NAME and re.search(r"[a-z]{2}", name):
            found.append((match.start(), name))
    for match in _CALLED_PACKAGE.finditer(text):
        name = (match.group(1) or match.group(2)).rstrip(".,;:")
        # "the new package", "a Python module": a word the dictionary knows describes the package.
        if name.lower() not in STOPWORDS and not lexicon().knows(name):
            found.append((match.start(), name))
    return list(dict.fromkeys(name for _, name in sorted(found)))


QUALIFIER_REACH = 30
"""Characters before a value in which its qualifier stands ("The default is 85", "максимум: 64")."""


def _qualified(text: str, match: re.Match[str], qualifiers: tuple[str, ...]) -> bool:
    """Whether the words just before a value say it is the qualified one (the default, the maximum)."""
    before = text[max(0, match.start() - QUALIFIER_REACH) : match.start()]
    return all(QUALIFIERS[name].search(before) for name in qualifiers)


_PART_LABEL = re.compile(
    r"(figure|fig\.|table|section|chapter|part|step|рисунок|рис\.|таблица|раздел|глава|часть|шаг)\s*$", _I
)


def _numbers_a_part(text: str, start: int) -> bool:
    """Whether the number at `start` numbers a part of the document ("Figure 6.1", "10.1 Simple
    examples", "8.4 How do I ...?", a list's "1. compiles on every architecture", a reference "[64]",
    a manual page's section "tar(1)"), which is no value a question asks for."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    if before.endswith("[") and re.match(r"\d+\]", text[start:]):
        return True
    if re.search(r"[\w.-]\($", before) and re.match(r"\d[a-z]?\)", text[start:]):
        return True  # a manual page's section: "TAR(1)", "getaddrinfo(3)" count nothing
    if not before.strip():
        # A section or list number leads its line, dotted, before a title or an item: "10.1 Simple
        # examples", "1. Introduction", "2) remove the lid" ("5 days", "3.5 GHz" are values).
        return bool(
            re.match(r"\d+\.(\d+\.?)*\s+[A-ZА-ЯЁ][a-zа-яё]", text[start:])
            or re.match(r"\d{1,2}[.)]\s+\w", text[start:])
        )
    return bool(_PART_LABEL.search(before))


_COUNTING = re.compile(r"\bhow\s+many\b|(?<!\w)сколько(?!\w)", _I)
COUNTED_WINDOW = 3
"""Words either side of a number that may name what it counts ("27 updates", "ports: 4")."""


def _counts(text: str, match: re.Match[str], question: QuestionProfile) -> bool:
    """Whether a number stands beside what a "how many" question counts (its counted noun where the
    question names one: "how many *recipients*" is not answered by a 16 beside "default")."""
    if _in_code(text, match):
        return False  # "192.168.0.0/16", "2.14": a part of an address or a version counts nothing
    quantity = question.quantity
    if quantity is None or (
        _language(text) not in (question.language, "und") and not _translatable(quantity, question)
    ):
        # Across languages the counted noun may be a phrase no glossary knows ("runlevels" / "уровня
        # запуска"): any of the question's words beside the number stands in for it.
        return _stands_beside(text, match, question.terms, question)
    if quantity.head and _counts_another(text, match, quantity.head):
        return False
    return _stands_beside(text, match, quantity.beside, question)


MAX_COUNTED_RUN = 5
"""Words after a number that may name what it counts before a preposition or a verb ends the phrase."""


def _counts_another(text: str, match: re.Match[str], head: str) -> bool:
    """Whether the noun phrase after a number holds the counted noun only as a modifier of another noun,
    as English sets it, in the singular: "5 standard code model library sources" counts sources, not the
    code models a question asks about ("40 code models" does, "20 attachments per message" too)."""
    stems = search_tokens(head, drop_stopwords=True)
    if not stems or not head.endswith("s"):
        return False
    run: list[str] = []
    for word in re.findall(r"[^\W\d_][\w-]*|[^\w\s]", text[match.end() : match.end() + 80]):
        if not word[0].isalpha() or word.lower() in STOPWORDS or len(run) >= MAX_COUNTED_RUN:
            break
        run.append(word)
    return any(
        word.lower() != head and search_tokens(word, drop_stopwords=True)[:1] == stems[:1]
        for word in run[:-1]
    )


def _translatable(quantity: Quantity, question: QuestionProfile) -> bool:
    """Whether a dictionary knows the other language's word for the counted noun ("правил"): then it
    must stand beside the number in that language too ("two types of chains" counts no rules)."""
    return any(
        (crossing := question.crossing.get(term)) is not None and crossing.translations
        for term in quantity.beside
    )


@lru_cache(maxsize=20_000)
def _language(text: str) -> str:
    return detect_language(text)


def _stands_beside(text: str, match: re.Match[str], stems: frozenset[str], question: QuestionProfile) -> bool:
    return _near(text, match.start(), match.end(), stems, question, COUNTED_WINDOW)


def _near(
    text: str, start: int, end: int, stems: frozenset[str], question: QuestionProfile, window: int
) -> bool:
    """Whether one of `stems` (in either language) is among the `window` words either side of a value."""
    reach = 20 * window
    before = re.findall(r"\w+", text[max(0, start - reach) : start])[-window:]
    after = re.findall(r"\w+", text[end : end + reach])[:window]
    nearby = " ".join(before + after)
    # "smtpd_recipient_limit = 50": the counted word inside an identifier stands beside it too.
    near = set(search_tokens(nearby.replace("_", " ")))
    if any(
        token == term
        or (min(len(token), len(term)) >= 4 and (token.startswith(term) or term.startswith(token)))
        for token in near
        for term in stems
    ):
        return True
    # "How many consoles?" against "шесть виртуальных консолей": the counted word in the other language.
    return bool(translated_terms(question, nearby, stems))


def _in_code(text: str, match: re.Match[str]) -> bool:
    """Whether a number is one part of a dotted or slashed code: an address, a network, a version."""
    value = match.group(0).rstrip(".,:")
    return (
        value.count(".") >= 2
        or text[max(0, match.start() - 1) : match.start()] in ("/", ".")
        or bool(re.match(r"/\d", text[match.end() :]))
    )


_ADDRESS = re.compile(r"(?<![\d.])(\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")


_LABEL_BEFORE = re.compile(r"(?:^|\n)\s*[^\W\d_][^\n:]{0,40}:\s*$")


def _belongs(
    text: str,
    match: re.Match[str],
    quantity: Quantity,
    question: QuestionProfile,
    context: frozenset[str] = frozenset(),
) -> bool:
    """Whether a value is of the asked-for thing: a count beside its noun (`_counts`), a version in a
    version's shape with the program or "version" beside it, a port beside "port" or after a host, a
    size, a level, a margin beside its noun, or in a "Label: value" line under a heading that names it
    ("Left: 2.00 cm" under "Margins")."""
    if quantity.kind == COUNT:
        return True  # `_counts` has judged it
    if quantity.kind == MEASURE:
        if _in_code(text, match) and not re.fullmatch(r"\d+[.,]\d+", match.group(0).rstrip(".,:")):
            return False
        labelled = bool(_LABEL_BEFORE.search(text[: match.start()])) and bool(quantity.beside & context)
        # Across languages the measure's noun may stand a sentence away ("the X and Y resolution, in DPI.
        # The default is 150 DPI"): another of the question's words beside the value stands in for it.
        beside = quantity.beside if _language(text) in (question.language, "und") else question.terms
        return labelled or _assigned(text, match, question) or _stands_beside(text, match, beside, question)
    value = match.group(0).rstrip(".,:")
    if quantity.kind == PORT and match.start() > 1 and text[match.start() - 1] == ":":
        return text[match.start() - 2].isalnum()  # "inet:127.0.0.1:10023", "localhost:10000"
    if any(a.start() <= match.start() < a.end() + 4 for a in _ADDRESS.finditer(text)):
        return False  # "192.168.0.0/16" is a network, no version and no port
    if quantity.kind == PORT:
        # "NISPORT (default: TCP 3551)", "3551/tcp": a transport protocol names the number a port in any
        # language the question is asked in.
        transport = _TRANSPORT_BEFORE.search(text, max(0, match.start() - 8), match.start()) or (
            _TRANSPORT_AFTER.match(text, match.end())
        )
        return bool(transport) or _stands_beside(text, match, quantity.beside, question)
    if text[max(0, match.start() - 1) : match.start()] == "/":
        return False
    dotted = re.fullmatch(r"\d+(\.\d+)+[\w~+-]*", value) is not None
    if dotted and quantity.beside & set(span_terms(text)):
        return True
    if not dotted and quantity.kind == VERSION and not _numbers_a_version(text, match, quantity):
        return False
    return _stands_beside(text, match, quantity.beside, question)


_TRANSPORT_BEFORE = re.compile(r"(?<![\w-])(?:tcp|udp|sctp)[\s:/]{0,3}$", _I)
_TRANSPORT_AFTER = re.compile(r"\s?/\s?(?:tcp|udp|sctp)\b", _I)


def _numbers_a_version(text: str, match: re.Match[str], quantity: Quantity) -> bool:
    """Whether a plain number is a version: "version 3", "версии 3", "v3", "glibc 2" (right after the
    program the question names); "99 Other error" near a JPEG option is none."""
    before = text[max(0, match.start() - 30) : match.start()]
    if re.search(r"(?<![\w])[vV]\s?$", before) or _VERSION_NOUN.search(" ".join(before.split()[-1:])):
        return True
    words = re.findall(r"[\w.+-]+", before)
    return bool(words) and bool(set(search_tokens(words[-1])) & quantity.beside)


_ASSIGNED_TO = re.compile(r"([^\W\d][\w.-]*)\s*=\s*$")


def _assigned(text: str, match: re.Match[str], question: QuestionProfile) -> bool:
    """Whether the value is assigned to a name the question says ("the default by=1" for a question
    about the step when "by" is not given): the argument or setting that holds the measure."""
    assigned = _ASSIGNED_TO.search(text[max(0, match.start() - 40) : match.start()])
    if assigned is None:
        return False
    return assigned.group(1).lower() in {word.lower() for word in re.findall(r"[\w.-]+", question.text)}


_VALUE_WORD = re.compile(r"\s*(?:[:=—–-]|\bis\b|\bare\b)?\s*(?:(?:the|an?)\s+)?([^\W\d_][\w-]*)")


def _value_word(text: str, quantity: Quantity, question: QuestionProfile) -> str:
    """A level or a priority written as a word right after its noun ("Приоритет optional", "log level
    debug", "Quality: high", "the default size is the current size"): the word, when it is not one of
    the question's."""
    for noun in _MEASURE_NOUN.finditer(text):
        if not set(search_tokens(noun.group(0))) & quantity.beside:
            continue
        value = _VALUE_WORD.match(text, noun.end())
        word = value.group(1) if value else ""
        if word and word.lower() not in STOPWORDS and not set(search_tokens(word)) & question.terms:
            return word
    return ""


def _found(kind: str, item: str) -> KindEvidence:
    return KindEvidence(f"{kind} {item}", item=item)


def _leads_line(text: str, start: int) -> bool:
    """Whether a match is among the first two words of its line."""
    line_start = text.rfind("\n", 0, start) + 1
    return len(text[line_start:start].split()) <= 1


_CODE_COMMENT = re.compile(r"^\s*(?:#|\*|//|--|;|%|rem\b)\s*[^\W\d_]", _I)
_COMMAND_LINE = re.compile(r"^\s*[a-z][\w.-]*(?:\s+\S+){1,8}\s*$")


def _commented_command(text: str) -> str:
    """The command line under a comment line of a script or input file ("* white background" over
    "set color0 = white", "# enable compression" over "zstd -19 file"): the comment says what it does."""
    lines = text.split("\n")
    for comment, line in itertools.pairwise(lines):
        if (
            _CODE_COMMENT.match(comment)
            and _COMMAND_LINE.match(line)
            and not line.rstrip().endswith((".", ",", ":"))
            and not _CODE_COMMENT.match(line)
        ):
            return line.strip()
    return ""


def _invocation(text: str, question: QuestionProfile) -> str:
    """A program the question names, followed in the span by what it is run with ("apt-get autoclean")."""
    programs = {w.lower() for w in _LATIN_WORD.findall(question.text) if re.search(r"[a-z]", w)}
    for match in re.finditer(r"(?<![\w-])([a-z][\w.-]*)\s+(-{0,2}[a-z][\w.:=/-]*)", text):
        program, argument = match.group(1), match.group(2)
        # "using the devscripts tools." speaks of the program (an article before it, a full stop after
        # the next word); "run apt-get autoclean" runs it.
        spoken_of = _ARTICLE_BEFORE.search(text[: match.start()]) and argument.endswith(".")
        # "files by age", "search for": an English word followed by a preposition is prose, not a run.
        prose = program.lower() in STOPWORDS or argument.lower().rstrip(".,;:") in STOPWORDS
        if (
            program.lower() in programs
            and argument.lower() not in question.text.lower()
            and not spoken_of
            and not prose
        ):
            return match.group(0)
    return ""


_EXAMPLED = re.compile(
    r"\((?:e\.\s?g\.|for\s+example|for\s+instance|such\s+as|например|напр\.|такие\s+как|к\s+примеру)[^()]*$",
    _I,
)
"""The open parenthesis of a list of examples ("имена ключевых слов (например, date_fmt, ctype-class-names"):
what it lists are instances of the noun before it, not commands to run."""


def _program_name(text: str, match: re.Match[str]) -> bool:
    """Whether a word may name a program: not a path ("var/tmp"), a host ("rivendell.falcot.com") or a
    file name's extension ("*.bak")."""
    word = match.group(0)
    before = text[max(0, match.start() - 1) : match.start()]
    return "/" not in word and not _HOST_NAME.fullmatch(word) and before not in (".", "/", "*", "~")


_HOST_NAME = re.compile(
    r"(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|mil|int|info|biz|io|ru|su|de|uk|fr|eu|local|lan|localdomain)",
    _I,
)
"""A machine's or a site's name ("rivendell.falcot.com"): where something runs, not a program to run."""
_ARTICLE_BEFORE = re.compile(r"\b(the|a|an|this|these|that|those)\s*$", _I)


MIN_LISTED_NAMES = 3
"""Names in a run that make a list (two are a pair, said as often in passing)."""
_LIST_NAME = r"[A-Za-z_][\w.:+-]*[\w+]"
_NAME_LIST = re.compile(
    rf"(?<![\w.-]){_LIST_NAME}(?:\s*,\s*{_LIST_NAME})+(?:,?\s+(?:and|or|и|или)\s+{_LIST_NAME})?(?![\w-])"
)


def _code_name(word: str, russian_prose: bool) -> bool:
    """Whether a word of a list is a name in code ("openInNewTab", "cm_Copy", "mp3"), or any Latin word
    in Russian prose: a program's actions keep their names in a translated help."""
    return russian_prose or bool(re.search(r"[a-z][A-Z]|[_:.]\w|\d", word))


_SEVERAL_ASKED = re.compile(r"\b(which|what)\s+(\w+\s+)?\w+s\b|(?<!\w)(какие|каких|какими)(?!\w)", _I)
"""A question after several things: "which actions", "what toolbar buttons", «какие действия»."""


def listed_names(text: str, question: QuestionProfile) -> list[str]:
    """The names of the list of identifiers a span holds, in order ("openInNewTab, open, refresh и
    separator"), for a question after several things ("which actions"), when the question's words stand
    before the list rather than after it: the list then belongs to what the question names (the next
    item of a settings list starts after it)."""
    if not _SEVERAL_ASKED.search(question.text):
        return []
    russian_prose = len(_CYRILLIC.findall(text)) > len(re.findall(r"[A-Za-z]", text))
    for match in _NAME_LIST.finditer(text):
        names = re.findall(_LIST_NAME, match.group(0))
        names = [name for name in names if name.lower() not in ("and", "or")]
        coded = [name for name in names if _code_name(name, russian_prose)]
        if len(names) < MIN_LISTED_NAMES or len(coded) * 2 < len(names):
            continue
        if len(_said(question, text[: match.start()])) > len(_said(question, text[match.end() :])):
            return names
    return []


def _said(question: QuestionProfile, text: str) -> set[str]:
    """The question's words a text says, in its language or the other one."""
    return set(question.topic & set(search_tokens(text))) | translated_terms(question, text, question.topic)


def _novel(text: str, question: QuestionProfile) -> str:
    """The first content word a span adds to the question's ("adds 'descale'"): a stopword ("the", "если")
    or a bare number adds nothing a reader could take for an answer, unless it is the value a label the
    question names holds ("Pairing code: 4711" for "what is the pairing code?")."""
    for line in text.splitlines():
        for value in _LABELLED_NUMBER.finditer(line):
            if question.terms & set(search_tokens(line[: value.start()])):
                return f"adds {value.group(1)!r}"
    for word in _LETTERED_WORD.findall(text):
        if word.lower() in STOPWORDS or len(word) < 3:
            continue
        novel = [token for token in search_tokens(word) if token not in question.terms]
        if novel:
            return f"adds {novel[0]!r}"
    return ""


_LABELLED_NUMBER = re.compile(r"[:=]?\s(\d{2,}(?:[.,:/-]\d+)*)(?![\w.,:/-]*[^\W\d_])")
"""A number of two digits or more standing after a label on its line ("Pairing code: 4711")."""
_LETTERED_WORD = re.compile(r"[^\W\d_][\w.+-]*[^\W_]|[^\W\d_]+")


_QUOTED_NAME = re.compile(r"['\"«“„]([^'\"«»“”„\n]{2,60})['\"»”“]")
_CONTRASTING = re.compile(
    r"(?:\b(?:unlike|not|rather\s+than|instead\s+of|as\s+opposed\s+to|in\s+contrast\s+to|compared\s+(?:to|with))"
    r"|(?<!\w)(?:в\s+отличие\s+от|а\s+не|не|вместо|по\s+сравнению\s+с))\s+(?:[\w-]+\s+){0,2}$",
    _I,
)
"""What sets a quoted name apart as the one the question is NOT about ("unlike the 'Reset' button", "в
отличие от кнопки 'По умолчанию'"): up to two words may stand between it and the name."""


@lru_cache(maxsize=4096)
def contrasted_names(question: str) -> tuple[str, ...]:
    """The quoted names a question asks about when it sets them against another quoted name ("What does
    'Reset this tab' do, unlike 'Reset'?" -> ("Reset this tab",)); () when it contrasts none. The two names
    often share words, so only a span that quotes the asked one in full tells of it."""
    asked, contrasted = [], False
    for match in _QUOTED_NAME.finditer(question):
        if _CONTRASTING.search(question, max(0, match.start() - 40), match.start()):
            contrasted = True
        else:
            asked.append(match.group(1).strip())
    return tuple(asked) if contrasted else ()


@lru_cache(maxsize=4096)
def quoted_phrases(question: str) -> tuple[str, ...]:
    """The phrases of two words or more a question quotes («спящий узел», "sleeping node"),
    casefolded with their spaces evened."""
    quoted = (" ".join(match.group(1).split()).casefold() for match in _QUOTED_NAME.finditer(question))
    return tuple(phrase for phrase in quoted if len(phrase.split()) >= 2)


def says_quoted(question: str, text: str) -> bool:
    """Whether a span says a phrase the question quotes, word for word."""
    phrases = quoted_phrases(question)
    if not phrases:
        return False
    said = " ".join(text.split()).casefold()
    return any(phrase in said for phrase in phrases)


def unsaid_contrasted_name(question: str, text: str) -> tuple[str, ...]:
    """The quoted name a contrasting question asks about, where the span never writes it in full (it tells
    of the other one, whose name is often the start of the asked one)."""
    asked = contrasted_names(question)
    said = " ".join(text.split()).casefold()
    if not asked or any(" ".join(name.split()).casefold() in said for name in asked):
        return ()
    return (f"the item named {asked[0]!r}",)


def missing_qualifiers(qualifiers: tuple[str, ...], text: str) -> tuple[str, ...]:
    return tuple(name for name in qualifiers if not QUALIFIERS[name].search(text))


_IDENTIFIER_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@lru_cache(maxsize=20_000)
def span_terms(text: str) -> frozenset[str]:
    """Stemmed words of a span, identifiers also split into their parts (X11Forwarding -> x11, forward;
    a placeholder such as output_file or файл_результата -> output, file / файл, результат)."""
    tokens = set(text_tokens(text))
    for word in re.findall(r"\w+_\w+", text):
        tokens.update(search_tokens(word.replace("_", " ")))
    for word in re.findall(r"\b\w*[a-z0-9][A-Z]\w*\b", text):
        parts = _IDENTIFIER_PART.findall(word)
        tokens.update(stem(part.lower()) for part in parts)
        # "X11Forwarding" -> "x11" as the question writes it.
        joined = re.findall(r"[A-Za-z]+\d+", word)
        tokens.update(part.lower() for part in joined)
    return frozenset(tokens)


# -- words across languages -----------------------------------------------------------------------
#
# A Russian question about an English manual shares few words with it, but technical Russian is full
# of loanwords (конфигурация, сервис, журнал, директива, порт) and a short list of everyday computing
# words covers most of the rest. Both are matched only between a question and a span in different
# languages, and only count towards the span's coverage: they say "the same words", not "the answer".

_TRANSLITERATION = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "s", "ч": "kh", "ш": "sh", "щ": "sh",
        "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "u", "я": "a",
    }
)  # fmt: skip
_ENGLISH_SPELLING: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in (
        (r"ph", "f"),
        (r"th", "t"),
        (r"ch", "kh"),
        (r"ck", "k"),
        (r"qu", "kv"),
        (r"x", "ks"),
        (r"w", "v"),
        (r"ou", "u"),
        (r"j", "zh"),
        (r"y", "i"),
        (r"c(?=[ei])", "s"),
        (r"c", "k"),
        (r"ti(?=[aeiou])", "si"),
        (r"(?<![kszc])h", "kh"),
        # A first "i" before a consonant and a final "e" sounds "ai" ("tile", "files", "site"), as Russian
        # writes it ("тайл", "файл", "сайт"); "directive" keeps its "i".
        (r"^([^aeiou]{1,3})i(?=[^aeiouy]e(?:s|d|r|rs)?$)", r"\1ai"),
    )
]
MIN_COGNATE_PREFIX = 4
COGNATE_SHARE = 0.7
"""Two spelling keys match when they start alike for 4 letters and 70% of the shorter one ("server"
and "service" do not)."""


@lru_cache(maxsize=50_000)
def cognate_key(word: str) -> str:
    """A spelling both languages give a loanword: Russian transliterated, English respelt as it sounds
    ("сервиса" -> "servisa", "service" -> "servise"; "конфигурации" -> "konfigurasii",
    "configuration" -> "konfigurasion"), doubled letters single."""
    lower = word.lower()
    if _CYRILLIC.search(lower):
        key = lower.translate(_TRANSLITERATION)
    else:
        key = lower
        for pattern, replacement in _ENGLISH_SPELLING:
            key = pattern.sub(replacement, key)
    return re.sub(r"(.)\1+", r"\1", key)


def keys_match(a: str, b: str) -> bool:
    shorter = min(len(a), len(b))
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    return common >= MIN_COGNATE_PREFIX and common >= COGNATE_SHARE * shorter


GLOSSARY = """
файл file; каталог directory folder; папк folder directory; пакет package; удал remove delete purge;
установ install; обнов update upgrade; ключ key option; настройк setting configuration; умолчан default;
журнал log; пользовател user; парол password; окн window; кнопк button; страниц page; печат print;
размер size; ширин width; высот height; ошибк error; сообщен message; диск disk; сет network;
запуск start run launch boot; запуст start run launch; запущ run start launch; останов stop;
сохран save keep; откр open; закр close;
копир copy; перемещ move; показ show display; списк list; список list; поиск search find; найт find;
замен replace; имен name; им name; верси version; существу existing exist;
пропуска skip; пропуст skip; распаков extract unpack; архив archive; включ enable; отключ disable;
уровн level; загрузк boot load; соединен connection; подключен connection; значен value; числ number;
врем time; перв first; измен change; созда create; добав add; провер check; выбр select choose;
выбра select choose; пут path; экран screen display; текст text; строк line string; символ character;
изображен image; цвет colour color; вкладк tab;
перенаправлен forward redirect; разрешен allow permit resolution; запрещ deny; доступ access; служб service;
каждый every each; ежедневн daily; еженедельн weekly; резервн backup; копи copy; секунд second;
минут minute; демон daemon; ожида wait; ждат wait; обратн reverse; порядк order; сравн compare;
исходн input source original; вывод output print; выход output exit; ввод input; сжат compress;
человек human; глубин depth; скрыт hidden; игнорир ignore; рекурсивн recursive; подробн verbose;
принудительн force; тих quiet; владел owner;
дне day; ден day; дня day; дням day; час hour; недел week; месяц month; лет year; год year;
слов word; цел whole entire; совпаден match; выбира select choose; образ form; изначальн originally initially;
назва called named; называ called named; машин machine computer host; компьютер computer machine;
скачива download fetch; загружа download load; нескольк several multiple; сред environment;
окружен environment; переменн variable; инструмент tool utility; сопровожд maintainer maintain;
адрес address; почт mail email; отмен undo cancel; откат undo revert; режим mode;
рекоменд recommend; реализ implement; нуж need required necessary; требу require required need;
плагин plugin; сборк build; собира build assemble;
флажк check checkbox tick; флажок check checkbox tick; переключател switch toggle radio; ползунк slider;
ползун slider; прокрутк scroll; полос bar; метк label; подсказк tooltip hint; пол field; фон background;
клавиш key; сочетан combination shortcut; горяч hot; команд command; повтор repeat; предыдущ previous;
следующ next; направлен direction; границ boundary border; назад back backward; вперед forward;
отладк debug debugging; отладочн debug debugging; трассировк trace tracing; суффикс suffix; префикс prefix;
хран store keep; закладк bookmark; панел panel toolbar bar; меню menu; диалог dialog; перемещен move
"""
"""Everyday computing words that are not loanwords ("файл" / "file"), Russian stem first."""


def _glossary() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    russian: dict[str, set[str]] = {}
    english: dict[str, set[str]] = {}
    for entry in GLOSSARY.replace("\n", " ").split(";"):
        words_ = entry.split()
        if len(words_) < 2:
            continue
        head, others = words_[0], {stem(w) for w in words_[1:]}
        russian.setdefault(head, set()).update(others)
        for other in others:
            english.setdefault(other, set()).add(head)
    return (
        {k: frozenset(v) for k, v in russian.items()},
        {k: frozenset(v) for k, v in english.items()},
    )


_RUSSIAN_GLOSSARY, _ENGLISH_GLOSSARY = _glossary()
MIN_GLOSSARY_STEM = 4
"""A stem this long may start a longer form of its word ("удал" / "удаля"); a shorter one ("сет", "tab")
must be the whole stem ("сетк" is a grid, "table" is not a tab)."""


def _stems_meet(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return shorter == longer or (
        len(shorter) >= MIN_GLOSSARY_STEM + (shorter.isascii()) and longer.startswith(shorter)
    )


def glossary_translations(term: str) -> frozenset[str]:
    """The other language's stems for a stemmed word, from `GLOSSARY` (empty when it is not there)."""
    table = _RUSSIAN_GLOSSARY if _CYRILLIC.search(term) else _ENGLISH_GLOSSARY
    found: set[str] = set()
    for head, others in table.items():
        if _stems_meet(term, head):
            found |= others
    return frozenset(found)


def translations(word: str) -> frozenset[str]:
    """The other language's stems for a word: the dictionary's (`assistant.lexicon`), and the
    glossary's computing senses it lacks (Mueller's "file" is a rasp and a dossier, never "файл")."""
    return frozenset(lexicon().translations(word)) | glossary_translations(stem(word.lower()))


_COMPOUND_PREPOSITION = re.compile(
    r"(?<!\w)(?:вместе|наряду|совместно|одновременно)(?=\s+со?\s)|(?<!\w)(?:независимо|исходя|начиная|отлично|"
    r"вплоть|согласно|благодаря|вопреки|ввиду|вследствие)(?=\s+\w)"
    r"|\b(?:along|together)(?=\s+with\b)|\baccording(?=\s+to\b)|\bregardless(?=\s+of\b)"
)
"""Words that only build a preposition with the next one ("вместе с" is "with", "согласно" "by"):
grammar, whose dictionary senses ("together", "in accordance") would match any span that has them."""


def crossings(question: str) -> dict[str, Crossing]:
    """For each content word of a question: its loanword key and its translations."""
    found: dict[str, Crossing] = {}
    lowered = _COMPOUND_PREPOSITION.sub(" ", question.lower().replace("ё", "е"))
    for word in re.findall(r"[^\W\d_]+", lowered):
        if word in STOPWORDS or len(word) < MIN_COGNATE_PREFIX:
            continue
        term = stem(word)
        if term not in found:
            found[term] = Crossing(cognate_key(word), translations(word))
    return found


@lru_cache(maxsize=20_000)
def span_keys(text: str) -> dict[str, tuple[str, ...]]:
    """The spelling keys of a span's words, by their first letters (for `translated_terms`)."""
    keys: dict[str, set[str]] = {}
    # Three letters may spell four ("max" -> "maks", against "максимальную").
    for word in re.findall(r"[^\W\d_]{3,}", text.lower().replace("ё", "е")):
        key = cognate_key(word)
        keys.setdefault(key[:MIN_COGNATE_PREFIX], set()).add(key)
    return {prefix: tuple(found) for prefix, found in keys.items()}


def translated_terms(question: QuestionProfile, text: str, terms: frozenset[str]) -> set[str]:
    """The question's terms (of `terms`) whose word a span in the other language writes too: as a loanword
    ("конфигурации" in "deleting the configuration files") or as a glossary translation ("файлами")."""
    if not question.crossing:
        return set()
    return {
        term
        for term in terms
        if (crossing := question.crossing.get(term)) is not None and _crosses_text(crossing, text)
    }


@lru_cache(maxsize=50_000)
def _crosses_text(crossing: Crossing, text: str) -> bool:
    # Every span of a section asks this of the same heading and file name: the answer is kept.
    return _crosses(crossing, span_keys(text), span_terms(text))


def loanword_terms(question: QuestionProfile, text: str, terms: set[str] | frozenset[str]) -> set[str]:
    """Of `terms`, those a span writes as a loanword (by spelling key), not only by the glossary."""
    keys = span_keys(text)
    return {term for term in terms if (crossing := question.crossing.get(term)) and _loaned(crossing, keys)}


def _loaned(crossing: Crossing, keys: Mapping[str, tuple[str, ...]]) -> bool:
    return any(keys_match(crossing.key, key) for key in keys.get(crossing.key[:MIN_COGNATE_PREFIX], ()))


def _crosses(crossing: Crossing, keys: Mapping[str, tuple[str, ...]], stems: frozenset[str]) -> bool:
    if _loaned(crossing, keys):
        return True
    ordered = sorted_stems(stems)
    return any(_meets_any(translation, stems, ordered) for translation in crossing.translations)


@lru_cache(maxsize=20_000)
def sorted_stems(stems: frozenset[str]) -> tuple[str, ...]:
    """A span's stems in order, so that those starting with a prefix are found by bisection."""
    return tuple(sorted(stems))


def _meets_any(stem_: str, stems: frozenset[str], ordered: tuple[str, ...]) -> bool:
    """`any(_stems_meet(stem_, token) for token in stems)` without walking every token: the tokens
    `stem_` starts are among its prefixes, those that start with it follow it in `ordered`."""
    if stem_ in stems:
        return True
    for length in range(MIN_GLOSSARY_STEM, len(stem_)):
        prefix = stem_[:length]
        if prefix in stems and length >= MIN_GLOSSARY_STEM + prefix.isascii():
            return True
    if len(stem_) < MIN_GLOSSARY_STEM + stem_.isascii():
        return False
    at = bisect_left(ordered, stem_)
    return at < len(ordered) and ordered[at].startswith(stem_)
