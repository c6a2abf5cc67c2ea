"""Spoken numbers ("eighty-six thousand four hundred") become digits, with a map back to the words
the candidate used, so every claim is quoted verbatim.

text2num does the word-to-digit work (it is the only module that imports it); the few phrasings it
leaves alone ("half a billion", "4 and a half", "86 400" from "eighty-six four hundred") are
finished here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import cast

from text_to_num import alpha2digit  # pyright: ignore[reportMissingTypeStubs]

_TOKEN = re.compile(r"\S+")
# "500 million" comes out as "500 1000000": digits before a spoken scale word.
_SCALED = re.compile(r"\b(\d+(?:\.\d+)?) (1000|1000000|1000000000|1000000000000)\b")
_HALF_A = re.compile(r"\bhalf an? (\d+)\b", re.IGNORECASE)
_AND_A_HALF = re.compile(r"\b(\d+) and a half\b", re.IGNORECASE)
# "eighty-six four hundred" comes out as "86 400": a spoken thousands group.
_GROUPS = re.compile(r"\b(\d{1,3}) (\d{3})\b(?![.,]\d)")


@dataclass(frozen=True)
class Normalised:
    """`text` with digits for spoken numbers; `span` maps a span of it back to `original`."""

    original: str
    text: str
    _starts: tuple[int, ...]  # for each char of `text`, the original offset of its token start
    _ends: tuple[int, ...]  # ... and of its token end

    def span(self, start: int, end: int) -> tuple[int, int]:
        if not self.text:
            return 0, 0
        last = max(start, end - 1)
        return self._starts[min(start, len(self.text) - 1)], self._ends[
            min(last, len(self.text) - 1)
        ]


_FRACTIONS = {"half": "0.5", "third": "0.33", "quarter": "0.25", "fifth": "0.2", "tenth": "0.1"}
_FRACTION = re.compile(r"\b(?:a|one) (half|third|quarter|fifth|tenth) of\b", re.IGNORECASE)


def _digits(text: str) -> str:
    text = _FRACTION.sub(lambda m: _FRACTIONS[m.group(1).lower()] + " of", text)
    converted = cast(str, alpha2digit(text, "en"))
    converted = _SCALED.sub(lambda m: _fmt(float(m.group(1)) * int(m.group(2))), converted)
    converted = _HALF_A.sub(lambda m: _fmt(int(m.group(1)) / 2), converted)
    converted = _AND_A_HALF.sub(lambda m: f"{m.group(1)}.5", converted)
    return _GROUPS.sub(lambda m: m.group(1) + m.group(2), converted)


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def normalise(original: str) -> Normalised:
    """Digits for number words; typed digits and every other word are kept as they are."""
    text = _digits(original)
    old = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(original)]
    new = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    starts = [0] * len(text)
    ends = [len(original)] * len(text)
    matcher = SequenceMatcher(a=[t[2] for t in old], b=[t[2] for t in new], autojunk=False)
    for _, a0, a1, b0, b1 in matcher.get_opcodes():
        for j in range(b0, b1):
            if a1 > a0:  # a replaced run maps to the whole run of original words
                i0, i1 = (a0 + j - b0, a0 + j - b0 + 1) if a1 - a0 == b1 - b0 else (a0, a1)
                lo, hi = old[i0][0], old[i1 - 1][1]
            else:
                lo = hi = old[a0 - 1][1] if a0 else 0
            s, e, _ = new[j]
            for k in range(s, e):
                starts[k] = lo + (k - s if (hi - lo) == (e - s) else 0)
                ends[k] = lo + (k - s + 1) if (hi - lo) == (e - s) else hi
    _fill_gaps(starts, ends, text)
    return Normalised(original, text, tuple(starts), tuple(ends))


def _fill_gaps(starts: list[int], ends: list[int], text: str) -> None:
    """Spaces between tokens take the offsets of the token before them."""
    for k, char in enumerate(text):
        if char.isspace() and k:
            starts[k] = ends[k - 1]
            ends[k] = ends[k - 1]
