"""Quantities with a dimension: which words of a question ask for a voltage, a gain or a wire gauge, and
which values in a text are one ("1.5 A", "11 dB", "AWG 28", "4k7", "60-70%").

A unit is written alike in English and Russian manuals or is one of two spellings ("mA"/"мА", "dB"/"дБ"),
so the check works across languages: "какое напряжение" is answered by "5 V" in an English manual.
Pure functions over text; the reader's type gate (`assistant.questions.kind_evidence`) uses them to say
"holds the asked-for voltage (5 V)" or to turn a number without its unit away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_I = re.IGNORECASE

NUMBER = r"\d+(?:[.,]\d+)?(?:\s?(?:[-–]|to|до|…|\.\.\.?)\s?\d+(?:[.,]\d+)?)?"
"""A value or a range of values ("1.5", "4,7", "60-70", "5 to 15")."""


@dataclass(frozen=True)
class Dimension:
    """What a measured value is: the words that ask for it and the units that state it."""

    name: str
    noun: re.Pattern[str]
    """Words of a question that ask for a value of this dimension ("voltage", "напряжение")."""
    value: re.Pattern[str]
    """A value with one of its units, in either order where manuals write both ("AWG 28", "28 AWG")."""
    strict: bool
    """Whether a bare number never answers: a "5" is no voltage, but a limit of "51200" on a settings
    screen is a speed although its unit stands in another label."""


def _units(after: str, before: str = "") -> re.Pattern[str]:
    """A number followed by one of the units `after` (or preceded by one of `before`). Case matters:
    "mA" is a current and "MA" nothing, "В" after a number a voltage and "в" a preposition."""
    pattern = rf"(?<![\w.,]){NUMBER}\s?(?:{after})(?![^\W\d_])"
    if before:
        pattern += rf"|(?<![\w-])(?:{before})\s?#?\d+(?:[.,]\d+)?(?!\w)"
    return re.compile(pattern)


def _nouns(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


_DATA_UNITS = r"[KMGTP]i?B|[kKMGT]b(?:it)?s?|bytes?|octets?|[кКМГТ]и?Б|[кКМГТ]?байт\w*|[КМГТ]б"
_LENGTH_UNITS = (
    r"mm|cm|dm|m|km|µm|um|nm|inch(?:es)?|\"|ft|feet|px|pixels?|pt|mils?|мм|см|дм|м|км|мкм|дюйм\w*|пикс\w*"
)
_CURRENT_UNITS = r"[mµuμ]?A|amps?|amperes?|[мк]?А|мкА|ампер\w*"
_VOLTAGE_UNITS = r"[mkKµ]?V(?:AC|DC|ac|dc)?|volts?|[мк]?В|вольт\w*"
_POWER_UNITS = r"[mkKMµ]?W|dBm|watts?|[мк]?Вт|кВт|ватт\w*"

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "voltage",
        _nouns(r"\bvoltages?\b|\bvolts?\b|(?<!\w)напряжени\w*|(?<!\w)вольт\w*"),
        _units(_VOLTAGE_UNITS),
        strict=True,
    ),
    Dimension(
        "current",
        # "current" is a current only where it is the noun asked about ("how much current", "the current
        # through R"), not "the current directory".
        _nouns(
            r"\b(?:how\s+much|what|which|maximum|max|minimum|min|supply|output|input|drive|rated|total|peak)"
            r"\s+current\b|\bcurrent\s+(?:draw|consumption|rating|limit|through|does|do|is|can|must|should"
            r"|will|flows?)\b|\bamperage\b|\bamps?\b|(?<!\w)ток(?:а|у|ом|е|и|ов|и)?(?!\w)|(?<!\w)ампер\w*"
        ),
        _units(_CURRENT_UNITS),
        strict=True,
    ),
    Dimension(
        "power",
        _nouns(
            r"\b(?:how\s+much|what|which|maximum|max|output|transmit|tx|rated)\s+power\b"
            r"|\bpower\s+(?:consumption|draw|rating|output)\b|\bwattage\b|\bwatts?\b"
            r"|(?<!\w)мощност\w*|(?<!\w)ватт\w*"
        ),
        # A supply's power is often stated as what it delivers: "max 50 mA at 3.3 V".
        _units(f"{_POWER_UNITS}|{_CURRENT_UNITS}|{_VOLTAGE_UNITS}"),
        strict=True,
    ),
    Dimension(
        "gain",
        _nouns(r"\b(?:gain|amplification|attenuation)s?\b|(?<!\w)(?:усилени|ослаблени|затухани)\w*"),
        _units(r"dB[imc]?|decibels?|дБ\w*|децибел\w*"),
        strict=True,
    ),
    Dimension(
        "percentage",
        _nouns(r"\bpercent(?:age)?s?\b|\bper\s?cent\b|(?<!\w)процент\w*"),
        _units(r"%|percent|per\s?cent|процент\w*"),
        strict=True,
    ),
    Dimension(
        "resistance",
        _nouns(r"\b(?:resistance|impedance)s?\b|\bohms?\b|(?<!\w)(?:сопротивлени|импеданс)\w*"),
        re.compile(
            rf"(?<![\w.,]){NUMBER}\s?(?:[kKMmкМ]?(?:Ω|[Oo]hms?|Ом|ом))(?![^\W\d_])"
            r"|(?<![\w.,])\d+[kKMR]\d+(?!\w)|(?<![\w.,])\d+(?:[.,]\d+)?[kKM](?![\w-])"
        ),
        strict=True,
    ),
    Dimension(
        "capacitance",
        _nouns(r"\bcapacitance\b|\bfarads?\b|(?<!\w)[её]мкост\w*\s+конденсатор\w*"),
        _units(r"[pnuµμ]?F|[мкнп]?Ф|мкФ|farads?|фарад\w*"),
        strict=True,
    ),
    Dimension(
        "wire gauge",
        _nouns(r"\bgauge\b|\bAWG\b|\bwire\s+size\b|\bcross[- ]section\w*|(?<!\w)(?:сечени|калибр)\w*"),
        _units(r"AWG|ga\b|gauge|mm²|mm2|мм²|мм2|кв\.?\s?мм|sq\.?\s?mm", before="AWG"),
        strict=True,
    ),
    Dimension(
        "temperature",
        _nouns(r"\btemperatures?\b|(?<!\w)температур\w*"),
        _units(r"°\s?[CFС]?|℃|degrees?|град\w*"),
        strict=True,
    ),
    Dimension(
        "weight",
        _nouns(r"\b(?:weight|mass)\b|(?<!\w)(?:вес(?:а|у|ом|е)?|масс[аеуы]?)(?!\w)"),
        _units(r"[mk]?g|lbs?|oz|[мк]?г|кг|грамм\w*"),
        strict=True,
    ),
    Dimension(
        "frequency",
        _nouns(
            r"\b(?:frequency|frequencies|clock\s+rate|clock\s+speed|sample\s+rate|sampling\s+rate|hertz)\b"
            r"|(?<!\w)частот\w*"
        ),
        _units(r"[kKMGT]?Hz|[кМГТ]?Гц|hertz|герц\w*|[kMG]?sps|[kM]?S/s|[kMG]?Sa/s"),
        strict=False,
    ),
    Dimension(
        "speed",
        _nouns(
            r"\b(?:speed|throughput|bandwidth|baud\s?rate|bit\s?rate|data\s+rate|transfer\s+rate)s?\b"
            r"|(?<!\w)(?:скорост|пропускн)\w*"
        ),
        _units(
            r"[kKMG]i?B/s|[kKMG]?bit/s|[kKMG]?bps|[kKMG]?baud|[кКМГ]и?Б/с|[кКМГ]?бит/с|бод|rpm|об/мин"
            r"|km/h|км/ч|m/s|м/с|mph"
        ),
        strict=False,
    ),
    Dimension(
        "data size",
        _nouns(
            r"\b(?:capacity|disk\s+space|storage|file\s+size|cache\s+size|buffer\s+size|memory)\b"
            r"|(?<!\w)(?:объ[её]м|[её]мкост|памят)\w*"
        ),
        _units(rf"{_DATA_UNITS}|ml|mL|L|litres?|liters?|л|мл|литр\w*|mAh|Ah|мАч|Ач"),
        strict=False,
    ),
    Dimension(
        "length",
        _nouns(
            r"\b(?:length|width|height|thickness|diameter|distance|depth|spacing|pitch|size|dimensions?)\b"
            r"|(?<!\w)(?:длин|ширин|высот|толщин|диаметр|расстояни|глубин|размер)\w*"
            r"|(?<!\w)шаг\w*\s+(?:по|сетки|между)"
        ),
        _units(f"{_LENGTH_UNITS}|{_DATA_UNITS}"),
        strict=False,
    ),
    Dimension(
        "time",
        _nouns(
            r"\b(?:timeout|time-out|delay|duration|interval|period|lifetime|latency)s?\b"
            r"|(?<!\w)(?:тайм-?аут|задержк|длительност|интервал|период)\w*"
        ),
        _units(
            r"(?:milli|micro|nano)seconds?|msecs?|ms|µs|us|ns|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?"
            r"|hours?|days?|weeks?|months?|years?"
            r"|(?:милли|микро|нано)секунд\w*|мс|мкс|сек\w*|мин\w*|час\w*|дн\w*|дней|суток|сут|недел\w*"
            r"|месяц\w*|лет|год\w*"
        ),
        strict=False,
    ),
)
BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}


@lru_cache(maxsize=4096)
def asked_dimension(question: str) -> Dimension | None:
    """The dimension the question names first (None when it names none): "what output voltage" asks for
    a voltage, "на сколько процентов" for a percentage, "какого сечения провода" for a wire gauge."""
    found = [(match.start(), d) for d in DIMENSIONS if (match := d.noun.search(question))]
    return min(found, key=lambda item: item[0])[1] if found else None


@dataclass(frozen=True)
class Measured:
    """A value of a dimension found in a text, where it stands."""

    text: str
    start: int
    end: int


def measured_values(dimension: Dimension, text: str) -> list[Measured]:
    """The values of `dimension` in `text`, each with its unit ("2.3 V", "AWG 28", "4k7")."""
    return [Measured(m.group(0).strip(), m.start(), m.end()) for m in dimension.value.finditer(text)]
