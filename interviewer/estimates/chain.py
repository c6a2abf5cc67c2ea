"""Reads an answer as a chain of arithmetic: operands joined by operators ("x", "at ... each",
"divided by", "over"), then a result ("=", "is about", "so", "that's") that the chain must match.

An operator the candidate did not write ("and if a GPU embeds 2,000 frames a second") may be a
product or a quotient: the reading whose dimensions give the claimed unit wins, the written
operator first. A rate against a total ("GPU-hours" against "GPUs") may leave a period implicit
("a day"); a byte count may leave the value type implicit ("fp32"). A "result" whose dimensions
fit no reading is not a result but one more operand ("so 10 billion a day is 10 GB").
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from interviewer.estimates.quantities import NONE, SECONDS, Dims, Quantity

_RESULT = re.compile(
    r"=|≈|~=|→|->|=>|\bi\.e\.|^\s*,\s*(?:about|roughly|around|approximately|~|≈)|"
    r"\b(?:is|are|was|be|'s|that's|thats|so|gives?|means?|equals?|comes? to|"
    r"works? out(?: to)?|drops? to|goes? (?:up|down) to|call it|which is|totals?|expect|"
    r"see|need|end up|turns? into|yields?|makes?|becomes?|leaves?|that is|log|or|ingest|store|"
    r"generate|produce|we (?:score|serve|process|handle|get|have|need|see)|"
    r"adds? up to|lands? at)\b",
    re.IGNORECASE,
)
_STRONG_MUL = re.compile(r"×|\*|\bx\b|\btimes\b|\bmultiplied by\b", re.IGNORECASE)
_STRONG_DIV = re.compile(r"/|÷|\bdivided? by\b", re.IGNORECASE)
_WEAK_MUL = re.compile(r"\b(?:at|with|by|of|each|for)\b", re.IGNORECASE)
_WEAK_DIV = re.compile(r"\b(?:across|out of|per|among|between|over)\b", re.IGNORECASE)
_ADD = re.compile(r"\+|\bplus\b", re.IGNORECASE)
_BREAK = re.compile(r"[.;!?](?:\s|$)|,")
_DTYPES = {
    "fp32": 4,
    "float32": 4,
    "float": 4,
    "fp16": 2,
    "float16": 2,
    "bf16": 2,
    "half precision": 2,
    "int8": 1,
    "rgb": 3,
    "fp64": 8,
    "double": 8,
}
_DTYPE = re.compile(r"\b(" + "|".join(_DTYPES) + r")\b", re.IGNORECASE)
# Seconds in a day or an hour, written out as a divisor: the dimensions already convert.
_CONVERSIONS = (86400.0, 86000.0, 3600.0)


@dataclass(frozen=True)
class Term:
    value: float
    dims: Dims


@dataclass
class Operand:
    quantity: Quantity
    op: str  # mul, div, add; or wmul, wdiv, any (free: the dimensions decide)


@dataclass(frozen=True)
class Reading:
    """What the chain before a result says the result should be."""

    value: float
    dims: Dims
    guesses: int  # operators read against what was written, plus implicit periods and types


@dataclass
class Step:
    """A result and the chain it closes."""

    claim: Quantity
    extras: list[Operand] = field(default_factory=list[Operand])
    reading: Reading | None = None
    said: Term | None = None


_PRIORITY = {"mul": 3, "div": 3, "add": 2, "wmul": 1, "wdiv": 1}
# "64 bytes per image, the ...": "per image" belongs to the number before, it divides nothing.
_UNIT_PER = re.compile(r"^\s*(?:[A-Za-z][\w-]*\s+)?per\s+[A-Za-z][\w-]*", re.IGNORECASE)
_HEDGES = re.compile(r"\bat (?:most|least|best|worst)\b", re.IGNORECASE)


def classify(gap: str) -> str:
    """'result', or the operator a gap between two quantities writes."""
    gap = _UNIT_PER.sub(" ", _HEDGES.sub(" ", gap))
    last_result = max((m.end() for m in _RESULT.finditer(gap)), default=-1)
    ops: list[tuple[int, str]] = []
    for pattern, name in (
        (_STRONG_MUL, "mul"),
        (_STRONG_DIV, "div"),
        (_ADD, "add"),
        (_WEAK_MUL, "wmul"),
        (_WEAK_DIV, "wdiv"),
    ):
        ops += [(m.end(), name) for m in pattern.finditer(gap)]
    last_op = max(ops, default=(-1, "any"), key=lambda item: (item[0], _PRIORITY.get(item[1], 0)))
    if last_result >= 0 and last_result >= last_op[0]:
        return "result"
    return last_op[1]


def _choices(operand: Operand) -> list[str]:
    if operand.quantity.percent or operand.quantity.unit == "x":
        return ["mul"]
    return {
        "mul": ["mul"],
        "div": ["div"],
        "wmul": ["mul", "div"],
        "wdiv": ["div", "mul"],
    }.get(operand.op, ["mul", "div"])


def _is_conversion(operand: Operand) -> bool:
    q = operand.quantity
    near = any(abs(q.value - c) / c < 0.02 for c in _CONVERSIONS)
    return near and q.unit in ("", "s") and q.per == "" and operand.op in ("div", "wdiv", "any")


def _combine(terms: list[tuple[Term, str]]) -> Term:
    value, dims = 1.0, NONE
    for term, op in terms:
        sign = -1 if op == "div" else 1
        value = value * term.value if sign > 0 else value / term.value
        dims = (dims[0] + sign * term.dims[0], dims[1] + sign * term.dims[1])
    return Term(value, dims)


def _merge_adds(operands: list[Operand]) -> list[Operand]:
    out: list[Operand] = []
    for operand in operands:
        if operand.op == "add" and out and out[-1].quantity.dims == operand.quantity.dims:
            prev = out[-1].quantity
            total = prev.value + operand.quantity.value
            merged = Quantity(
                total, prev.dims, prev.start, operand.quantity.end, prev.unit, total, ""
            )
            out[-1] = Operand(merged, out[-1].op)
        else:
            out.append(operand)
    return out


def readings(
    carry: Term | None, operands: list[Operand], want: Dims, periods: set[str], dtype: int
) -> Iterator[Reading]:
    """Every reading of the chain whose dimensions give `want`."""
    operands = [o for o in _merge_adds(operands) if not _is_conversion(o)]
    if len(operands) > 8:
        operands = operands[-8:]
    options = [_choices(o) for o in operands]
    if carry is None and options:
        options[0] = ["mul"]  # the chain starts from its first number
    for ops in itertools.product(*options):
        guesses = sum(
            1 for o, op in zip(operands, ops, strict=True) if o.op != "any" and _choices(o)[0] != op
        )
        terms = [
            (Term(o.quantity.value, o.quantity.dims), op)
            for o, op in zip(operands, ops, strict=True)
        ]
        if carry is not None:
            terms.insert(0, (carry, "mul"))
        if not terms:
            return
        base = _combine(terms)
        yield from _adjusted(base, want, periods, dtype, guesses)


def _adjusted(
    base: Term, want: Dims, periods: set[str], dtype: int, guesses: int
) -> Iterator[Reading]:
    for bytes_fix in (0, 1):
        if bytes_fix and not dtype:
            continue
        value = base.value * (dtype if bytes_fix else 1)
        dims = (base.dims[0] + bytes_fix, base.dims[1])
        if dims[0] != want[0]:
            continue
        shift = want[1] - dims[1]
        if shift == 0:
            yield Reading(value, want, guesses + bytes_fix)
        elif abs(shift) == 1:
            for period in periods:
                scale = SECONDS[period] ** shift
                yield Reading(value * scale, want, guesses + bytes_fix + 1)


def best(
    carry: Term | None, operands: list[Operand], said: Term, periods: set[str], dtype: int
) -> Reading | None:
    """The reading with the fewest guesses, then the closest to what was said."""
    found = list(readings(carry, operands, said.dims, periods, dtype))
    if not found:
        return None
    return min(found, key=lambda r: (r.guesses, abs(math.log(max(r.value, 1e-30) / said.value))))


def dtype_bytes(sentence: str) -> int:
    found = _DTYPE.search(sentence)
    return _DTYPES[found.group(1).lower()] if found else 0


def is_break(gap: str) -> bool:
    return bool(_BREAK.search(gap))
