"""Quantities in text: "5B", "2,000 QPS", "600k scores/s", "2.5 TB", "~86k seconds", "10 to 20%".

A value is kept in base units (bytes, seconds) with the exponents of those two dimensions, so
"6k posts per second x 1 KB" is bytes per second and "a day" in seconds compares with "86k s".
Counted things ("images", "dims") carry no dimension: an estimate multiplies them freely.

Why not pint: its default registry makes bits and bytes dimensionless, so "5B images = 5 GB"
would pass a dimension check, and building the registry takes about 2 s here. The units an
interviewer hears fit in the small table below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Dims = tuple[int, int]  # exponents of (bytes, seconds)
NONE: Dims = (0, 0)
BYTES: Dims = (1, 0)
TIME: Dims = (0, 1)
RATE: Dims = (0, -1)

SECONDS = {
    "ns": 1e-9,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "day": 86400.0,
    "week": 604800.0,
    "month": 2_592_000.0,
    "year": 31_536_000.0,
}
BYTE_PREFIXES = {"B": 1.0, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15}


@dataclass(frozen=True)
class Unit:
    label: str  # canonical: "GB", "ms", "QPS", "%", "bit", "x", "MP"
    factor: float  # to base units
    dims: Dims


def _u(label: str, factor: float, dims: Dims) -> Unit:
    return Unit(label, factor, dims)


_TIME_WORDS = (
    ("ns", r"nanoseconds?|ns"),
    ("µs", r"microseconds?|µs|us"),
    ("ms", r"milliseconds?|millis|msec|ms"),
    ("s", r"seconds?|secs?|s"),
    ("min", r"minutes?|mins?"),
    ("h", r"hours?|hrs?|h"),
    ("day", r"days?"),
    ("week", r"weeks?"),
    ("month", r"months?"),
    ("year", r"years?"),
)
# (regex, unit): most specific first; abbreviations are case-sensitive ("MB" is not "mb").
_UNITS: list[tuple[str, Unit]] = [
    (r"(?i:petabytes?)|PB", _u("PB", 1e15, BYTES)),
    (r"(?i:terabytes?|teras?)|TB|TiB", _u("TB", 1e12, BYTES)),
    (r"(?i:gigabytes?|gigs?)|GB|GiB", _u("GB", 1e9, BYTES)),
    (r"(?i:megabytes?|megs)|MB|MiB", _u("MB", 1e6, BYTES)),
    (r"(?i:kilobytes?)|KB|kB|KiB", _u("KB", 1e3, BYTES)),
    (r"(?i:bytes?)", _u("B", 1.0, BYTES)),
    (r"(?i:terabits?)|Tbit|Tb", _u("Tbit", 1e12 / 8, BYTES)),
    (r"(?i:gigabits?)|Gbit|Gb", _u("Gbit", 1e9 / 8, BYTES)),
    (r"(?i:megabits?)|Mbit|Mb", _u("Mbit", 1e6 / 8, BYTES)),
    (r"(?i:bits?)", _u("bit", 1 / 8, BYTES)),
    (r"(?i:qps|rps|tps|queries per second|requests per second)", _u("QPS", 1.0, RATE)),
    (r"(?i:(?:gpu|cpu|core|machine|node)[- ](?:seconds?|secs?|s))", _u("GPU-s", 1.0, TIME)),
    (r"(?i:(?:gpu|cpu|core|machine|node)[- ](?:hours?|hrs?|h))", _u("GPU-h", 3600.0, TIME)),
    (r"(?i:(?:gpu|cpu|core|machine|node)[- ]days?)", _u("GPU-day", 86400.0, TIME)),
    *[(rf"(?i:{words})", _u(label, SECONDS[label], TIME)) for label, words in _TIME_WORDS],
    (r"%|(?i:percent|per cent)", _u("%", 0.01, NONE)),
    (r"(?i:megapixels?)|MP", _u("MP", 1e6, NONE)),
    (r"[x×](?![\w])(?!\s*\d)", _u("x", 1.0, NONE)),
]
_UNIT_RE = re.compile("|".join(f"(?P<u{i}>{pattern})" for i, (pattern, _) in enumerate(_UNITS)))

MAGNITUDES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mil": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}
_NUMBER = re.compile(
    r"(?<![\w.@/^-])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?:to|-|–)\s*(?P<hi>\d+(?:\.\d+)?)(?=\s*[a-zA-Z%x]))?"
    r"(?!\d)(?![/,]\d)"
    r"(?:\s*(?P<mag>[kKM]|mil|mn|bn|thousand|million|billion|trillion|B|T)(?![a-zA-Z]))?"
)
# "4B fp32" is four bytes; "5B images" is five billion.
_BYTES_AFTER_B = re.compile(r"\s*(?:fp|float|int|bf|each|per|of\b|[,.;)]|$)", re.IGNORECASE)
_RATE_TAIL = re.compile(
    r"(?P<pre>(?:\s*(?!(?:is|are|at|with|so|and|to|of|by|x|times|that|which|over|in|for|on|"
    r"from|gives?|means?|across|divided|plus)\b)[A-Za-z][\w-]*){0,3}?)"
    r"(?:\s*/\s*|\s+(?:per|a|an|each|every)\s+)"
    r"(?P<t>seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|months?|years?)\b"
)
_DAILY = re.compile(
    r"\s+(daily|hourly|weekly|monthly)\b(?!\s+(?:active|actives|users?|visitors?|people|members|"
    r"customers|viewers|dau|mau|and|or|to)\b)(?=\s+[A-Za-z])",
    re.IGNORECASE,
)
_DAILY_PER = {"daily": "day", "hourly": "h", "weekly": "week", "monthly": "month"}
_STANDALONE_TIME = re.compile(
    r"(?:^|(?<=[.;:!?,]\s)|(?<=\band\s)|(?<=\bfor\s)|(?<=\bin\s)|(?<=\bover\s)|(?<=\bwithin\s))(?:a|an|one)\s+"
    r"(?P<t>second|minute|hour|day|week|month|year)\b",
    re.IGNORECASE,
)
_VERSION = re.compile(
    r"(?:\bv|version|python|pytorch|torch|tensorflow|cuda|gpt-?|llama|precision|k\s*=)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    value: float  # in base units
    dims: Dims
    start: int
    end: int
    unit: str  # "" for a bare count
    number: float  # as said, with its magnitude: 5e9 for "5B", 2.5 for "2.5 TB"
    per: str  # the time a rate is per ("day", "s"), or ""
    ranged: bool = False

    @property
    def percent(self) -> bool:
        return self.unit == "%"


def time_label(word: str) -> str:
    word = word.lower()
    for label, pattern in _TIME_WORDS:
        if re.fullmatch(pattern, word):
            return label
    return "day" if word == "d" else word


def _unit_at(text: str, pos: int) -> tuple[Unit | None, int]:
    found = _UNIT_RE.match(text, pos)
    if not found or found.end() == pos:
        return None, pos
    if found.end() < len(text) and text[found.end()].isalnum():
        return None, pos  # "s" in "seconds" only as a whole word
    index = int(next(k for k, v in found.groupdict().items() if v is not None)[1:])
    return _UNITS[index][1], found.end()


def _is_year(found: re.Match[str], text: str) -> bool:
    raw = found.group("num")
    if found.group("mag") or "," in raw or "." in raw or not 1950 <= float(raw) <= 2099:
        return False
    return not _UNIT_RE.match(text, found.end() + 1)


def _number(found: re.Match[str], text: str) -> tuple[float, bool] | None:
    """(value, is_bytes) of a number token, or None for a year or a version."""
    value = float(found.group("num").replace(",", ""))
    if found.group("hi"):
        value = (value + float(found.group("hi"))) / 2
    mag = found.group("mag")
    if _VERSION.search(text[max(0, found.start() - 12) : found.start()]) or _is_year(found, text):
        return None
    if mag == "B" and _BYTES_AFTER_B.match(text, found.end()):
        return value, True
    if mag == "M" and re.match(r"\s*(?:minutes?|mins?)\b", text[found.end() :]):
        return value, False
    return value * (MAGNITUDES[mag.lower()] if mag else 1.0), False


def _make(text: str, found: re.Match[str]) -> Quantity | None:
    parsed = _number(found, text)
    if parsed is None:
        return None
    value, is_bytes = parsed
    number = value
    end = found.end()
    unit, unit_end = (Unit("B", 1.0, BYTES), end) if is_bytes else _unit_at(text, _skip(text, end))
    if unit is not None:
        value, end = value * unit.factor, unit_end
    dims = unit.dims if unit else NONE
    per = ""
    daily = _DAILY.match(text, end)
    if daily and dims != RATE:  # "500M daily posts" is a rate; "80M daily users" is a count
        per = _DAILY_PER[daily.group(1).lower()]
        value, dims = value / SECONDS[per], (dims[0], dims[1] - 1)
    elif dims != RATE:
        tail = _RATE_TAIL.match(text, end)
        if tail and (tail.group("pre").strip() or not unit or unit.dims != NONE):
            per = time_label(tail.group("t"))
            value, dims, end = value / SECONDS[per], (dims[0], dims[1] - 1), tail.end()
    elif unit is not None:
        per = "s"
    label = unit.label if unit else ""
    return Quantity(value, dims, found.start(), end, label, number, per, bool(found.group("hi")))


def _skip(text: str, pos: int) -> int:
    """Past one space or hyphen between a number and its unit ("64-byte", "2 TB")."""
    if pos < len(text) and text[pos] in " -\u00a0":
        return pos + 1
    return pos


def extract(text: str) -> list[Quantity]:
    """Every quantity in `text` (already normalised to digits), in order."""
    out: list[Quantity] = []
    for found in _NUMBER.finditer(text):
        if out and found.start() < out[-1].end:
            continue
        quantity = _make(text, found)
        if quantity is not None:
            out.append(quantity)
    taken = [(q.start, q.end) for q in out]
    for found in _STANDALONE_TIME.finditer(text):
        if any(s <= found.start() < e for s, e in taken):
            continue
        label = time_label(found.group("t"))
        out.append(Quantity(SECONDS[label], TIME, found.start(), found.end(), label, 1.0, ""))
    return sorted(out, key=lambda q: q.start)


def is_unit_word(word: str) -> bool:
    """ "ms", "TB", "seconds": a word that is a unit, not a thing counted."""
    found = _UNIT_RE.fullmatch(word)
    return found is not None or word.lower() in MAGNITUDES
