"""Consistency with the case's fact sheet: a number the candidate states ("50M daily users") is
compared with the fact sheet's numbers about the same thing ("80 million daily").

"The same thing" is read from the words around each number: the same dimensions, a shared noun
("users", "edges", "reviewers"), and no clash of qualifiers (daily vs monthly, peak vs average,
p99 vs p50). A fact's number with no noun of its own ("80 million daily") takes the one before it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from interviewer.estimates.quantities import NONE, TIME, Quantity, extract, is_unit_word
from interviewer.estimates.spoken import normalise
from interviewer.estimates.verdict import FACT_TOLERANCE, ratio
from interviewer.knowledge import Fact
from interviewer.text import STOPWORDS, stem

_QUALIFIERS = {
    "daily": "period:daily",
    "dau": "period:daily",
    "monthly": "period:monthly",
    "mau": "period:monthly",
    "weekly": "period:weekly",
    "peak": "load:peak",
    "peaks": "load:peak",
    "average": "load:average",
    "avg": "load:average",
    "averages": "load:average",
    "mean": "load:average",
    "median": "load:median",
    "p99": "pct:p99",
    "p95": "pct:p95",
    "p50": "pct:p50",
}
_IMPLIED = {"dau": "user", "mau": "user", "actives": "user", "qps": "request"}
_SYNONYMS = {"queri": "request", "search": "request", "rp": "request"}
_FILLER = frozenset(
    "about around roughly approximately maybe say some like something nearly almost over under "
    "only just least most up new total whole per each every near times".split()
)
_CONJUNCTIONS = frozenset({"and", "or", "but", "while", "whereas"})
_WORD = re.compile(r"[A-Za-z][\w-]*|\d|[,.;:()!?]")
# The number, its scale word and its unit inside a quantity's span: the rest are its nouns.
_INSIDE = re.compile(r"^[\d.,]+\s*(?:[kKMBT]\b|thousand|million|billion|trillion)?")
_PER_ITEM = re.compile(r"(?:\s+[A-Za-z][\w-]*){0,3}?\s+(?:per [a-z]|each\b)", re.IGNORECASE)
SMALL_COUNT = 1000
SAME_SET = 1000.0
_NO_FACT = re.compile(r"(?:\btop|\bfirst|@|k\s*=)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Described:
    """A quantity with the nouns and qualifiers around it."""

    quantity: Quantity
    head: str  # the thing counted, stemmed: "user", "edge", "request"
    qualifiers: frozenset[str]
    text: str  # how it reads, for the corrected figure
    fact_id: str = ""
    words: frozenset[str] = frozenset()  # the stemmed words after it: "eligible", "public"


def _words(fragment: str, reverse: bool, limit: int) -> list[str]:
    tokens = _WORD.findall(fragment)
    if reverse:
        tokens.reverse()
    out: list[str] = []
    for token in tokens:
        if not token[0].isalpha() or len(out) == limit:
            break
        out.append(token.lower())
    return out


def _head(words: list[str]) -> str:
    """The thing counted: the first plural among the first words ("homepage impressions"), else
    the first noun."""
    nouns = [w for w in words[:3] if w not in STOPWORDS and w not in _FILLER]
    implied = next((_IMPLIED[w] for w in nouns if w in _IMPLIED), None)
    if implied is not None:
        return implied
    pick = next((w for w in nouns if w.endswith("s") and w not in _QUALIFIERS), None)
    pick = pick or next((w for w in nouns if w not in _QUALIFIERS), "")
    implied = _IMPLIED.get(pick)
    if implied is not None:
        return implied
    root = stem(pick) if pick else ""
    return _SYNONYMS.get(root, root)


def describe(text: str, quantity: Quantity, inherit: str = "") -> Described:
    inside = _INSIDE.sub("", text[quantity.start : quantity.end])
    after = _words(inside + " " + text[quantity.end : quantity.end + 80], reverse=False, limit=6)
    before = _words(text[max(0, quantity.start - 60) : quantity.start], reverse=True, limit=3)
    near = list(itertools.takewhile(lambda w: w not in _CONJUNCTIONS, before[:2]))
    until = list(itertools.takewhile(lambda w: w not in _CONJUNCTIONS, after))
    qualifiers = {_QUALIFIERS[w] for w in [*until, *near] if w in _QUALIFIERS}
    if "dau" in after or "actives" in after:
        qualifiers.add("period:daily")
    head = "request" if quantity.unit == "QPS" else _head(after)
    if quantity.dims == TIME:  # "logs are kept for 90 days", "the scoring step gets 30 ms"
        head = _head(before)
    shown = text[quantity.start : quantity.end]
    words = frozenset(
        stem(w)
        for w in after[:3]
        if w not in STOPWORDS and w not in _FILLER and not is_unit_word(w)
    )
    return Described(quantity, head or inherit, frozenset(qualifiers), shown, words=words)


def _like(quantity: Quantity, previous: Quantity | None) -> Quantity:
    """ "100k requests per second on average and 250k at peak": a bare number after a measured one
    is measured in the same unit."""
    if previous is None or quantity.unit or quantity.per or previous.dims == NONE:
        return quantity
    if not previous.number:
        return quantity
    factor = previous.value / previous.number
    return replace(
        quantity,
        value=quantity.number * factor,
        dims=previous.dims,
        unit=previous.unit,
        per=previous.per,
    )


def fact_numbers(facts: Sequence[Fact]) -> list[Described]:
    """Every number of the fact sheet, with the thing it counts."""
    out: list[Described] = []
    for fact in facts:
        text = normalise(fact.answer).text
        found: list[Described] = []
        previous: Quantity | None = None
        for quantity in extract(text):
            if quantity.percent or quantity.unit == "x":
                continue
            quantity = _like(quantity, previous)
            found.append(describe(text, quantity))
            previous = quantity
        for i, item in enumerate(found):
            head = item.head
            if not head:  # "about 2,500 and peaks near 10,000 requests per second"
                around = [f.head for f in found[i - 1 :: -1] if f.head] if i else []
                around += [f.head for f in found[i + 1 :] if f.head]
                head = around[0] if around else ""
            out.append(replace(item, head=head, fact_id=fact.id))
    return out


def _clash(a: frozenset[str], b: frozenset[str]) -> bool:
    kinds_a = {q.split(":")[0]: q for q in a}
    return any(kinds_a.get(q.split(":")[0], q) != q for q in b)


def _same_thing(said: Described, fact: Described) -> bool:
    if fact.quantity.dims != said.quantity.dims or _clash(said.qualifiers, fact.qualifiers):
        return False
    if said.quantity.dims[1] < 0 and said.quantity.per != fact.quantity.per:
        return False  # a daily volume is not checked against a per-second fact: rounding compounds
    if said.head and said.head == fact.head:
        return True
    timed = said.quantity.dims[1] > 0
    percentile = {q for q in said.qualifiers if q.startswith("pct:")}
    return timed and bool(percentile & fact.qualifiers)


def contradiction(said: Described, facts: Sequence[Described]) -> Described | None:
    """The fact a stated number contradicts, if the sheet has a number about the same thing and
    none of those agree with it."""
    q = said.quantity
    if q.percent or q.unit in ("x", "GPU-s", "GPU-h", "GPU-day") or q.value <= 0 or q.ranged:
        return None
    same = [f for f in facts if _same_thing(said, f)]
    if not same:
        return None
    # "100 million eligible videos" agrees with "100 million eligible", beside "800 million videos".
    modifiers = said.words - {said.head}
    near = [f for f in facts if f.quantity.dims == q.dims and modifiers & f.words]
    if any(ratio(q.value, f.quantity.value) < FACT_TOLERANCE for f in [*same, *near]):
        return None
    closest = min(same, key=lambda f: abs(math.log(q.value / f.quantity.value)))
    # Further apart than 1000x, two numbers about "panoramas" count different sets of them.
    return closest if ratio(q.value, closest.quantity.value) <= SAME_SET else None


def checkable(text: str, quantity: Quantity) -> bool:
    """Not a rank ("top 20") and not a per-item parameter ("20 events per request", "nine views
    each", any count under 1,000): those are the candidate's own design, not the case's scale."""
    if _NO_FACT.search(text[max(0, quantity.start - 8) : quantity.start]):
        return False
    if quantity.dims == NONE and quantity.value < SMALL_COUNT:
        return False
    if quantity.per and quantity.number < 100:  # "a thread handles ten requests a second"
        return False
    return not _PER_ITEM.match(text, quantity.end)
