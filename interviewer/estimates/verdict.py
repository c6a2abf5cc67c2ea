"""What an estimate's check says: ✓ within a factor of 2, ✗ off (or off by 10x and more), a unit
slip (the right digits with the wrong unit), or a number the fact sheet contradicts."""

from __future__ import annotations

import math
from typing import Literal

from interviewer.domain import Frozen, Phase
from interviewer.estimates.quantities import BYTE_PREFIXES, BYTES, RATE, SECONDS, TIME, Quantity

Verdict = Literal["ok", "off", "off_10x", "unit", "fact"]
WITHIN = 2.0  # an estimate within a factor of 2 is right
UNIT_SLIP = 1.25  # the digits are right once the unit is swapped: they match closely
TEN_X = 9.5  # "off by 10x" from here: 9.6x is an order of magnitude in an interview
UNCHECKED = 1000.0  # further off than this with no unit slip: the chain lacks a premise we missed
FACT_TOLERANCE = 1.5  # facts are "about": a number within 1.5x of one agrees with it


class EstimateCheck(Frozen):
    """One estimate: the candidate's words, ✓/✗, the kind of verdict, the figure it should be."""

    claim: str
    ok: bool
    verdict: Verdict
    correct: str
    reason: str
    phase: Phase | None = None

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "✗"


def ratio(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return math.inf
    return max(a / b, b / a)


def count(value: float) -> str:
    """3 significant figures, with a scale word: "5.12 billion", "86,400", "0.5"."""
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{_sig(value / scale)} {word}"
    if abs(value) >= 1e4:
        return f"{round(value, -len(str(int(value))) + 3):,.0f}"
    return _sig(value)


def _sig(value: float) -> str:
    if value == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def bytes_text(value: float) -> str:
    label = "B"
    for name, factor in BYTE_PREFIXES.items():
        if value >= factor:
            label = name
    return f"{_sig(value / BYTE_PREFIXES[label])} {label}"


def time_text(seconds: float, prefer: str) -> str:
    unit = prefer if prefer in SECONDS else "s"
    if not 0.01 <= seconds / SECONDS[unit] < 10_000_000:
        unit = max(
            (u for u in SECONDS if seconds >= SECONDS[u]), key=lambda u: SECONDS[u], default="s"
        )
    return f"{count(seconds / SECONDS[unit])} {unit}"


def figure(value: float, like: Quantity) -> str:
    """`value` (base units, `like`'s dimensions) written the way `like` was."""
    per = like.per or ("s" if like.dims == RATE else "")
    if per:
        shown = value * SECONDS[per]
        body = bytes_text(shown) if like.dims[0] == 1 else count(shown)
        if like.unit == "QPS" and per == "s":
            return f"{body} QPS"
        return f"{body}/{per}"
    if like.dims == BYTES:
        return bytes_text(value)
    if like.unit.startswith("GPU-"):
        return f"{count(value / (like.value / like.number))} {like.unit}"
    if like.dims == TIME:
        return time_text(value, like.unit if like.unit in SECONDS else "s")
    if like.percent:
        return f"{_sig(value * 100)}%"
    return count(value)


_SUBSECOND = ("ns", "µs", "ms", "s")
_BITS = ("bit", "Mbit", "Gbit", "Tbit")


def _alternates(q: Quantity) -> list[tuple[float, str]]:
    """The value `q` would have with another unit of its kind: (base value, how it reads)."""
    factor = q.value / q.number if q.number else 1.0
    per_s = SECONDS.get(q.per, 1.0) if q.per and q.unit != "QPS" else 1.0
    out: list[tuple[float, str]] = []
    tail = f"/{q.per}" if q.per and q.unit != "QPS" else ""
    if q.dims[0] == 1 and (q.unit in BYTE_PREFIXES or q.unit in _BITS):
        for label, size in BYTE_PREFIXES.items():
            if label != q.unit:
                out.append((q.number * size / per_s, f"{_sig(q.number)} {label}{tail}"))
        if q.unit in _BITS:
            out.append((q.value * 8, f"{_sig(q.number)} bytes, not bits{tail}"))
    if q.per:
        base = factor * SECONDS.get(q.per, 1.0)
        said = f"{_sig(q.number)} {q.unit}" if q.dims[0] else count(q.number)
        for period, seconds in SECONDS.items():
            if period != q.per and seconds >= 1:
                out.append((q.number * base / seconds, f"{said}/{period}"))
    elif q.dims == TIME and q.unit in _SUBSECOND:
        for label in _SUBSECOND:
            seconds = SECONDS[label]
            if label != q.unit:
                out.append((q.number * seconds, f"{_sig(q.number)} {label}"))
    return out


def arithmetic(claim: Quantity, said: float, expected: float) -> tuple[Verdict, str, str] | None:
    """(verdict, corrected figure, reason) for a result the chain computes as `expected`; None
    when it is so far off that the chain must rest on a premise the reader missed."""
    scale = said / claim.value if claim.value else 1.0
    correct = figure(expected / scale, claim)
    off = ratio(said, expected)
    if off <= WITHIN:
        return "ok", correct, f"the numbers give {correct}"
    for value, reads in _alternates(claim):
        if ratio(value * scale, expected) <= UNIT_SLIP:
            return "unit", reads, f"the digits are right, the unit is not: it is {reads}"
    if off > UNCHECKED:
        return None
    way = "high" if said > expected else "low"
    if off >= TEN_X:
        return "off_10x", correct, f"the numbers give {correct}, {off:.0f}x too {way}"
    return "off", correct, f"the numbers give {correct}, {off:.1f}x too {way}"
