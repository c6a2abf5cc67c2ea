"""Walks an answer's quantities in order and cuts them into steps: the operands of a chain and
the result that closes it. The next chain starts from the result as the candidate said it, as an
interviewer follows along ("56M a day. At 50 per second per GPU that's ~1.1M GPU-seconds")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviewer.estimates.chain import (
    Operand,
    Reading,
    Step,
    Term,
    best,
    classify,
    dtype_bytes,
    is_break,
)
from interviewer.estimates.quantities import NONE, Quantity

_RATIO = re.compile(
    r"\s*(?:times|x|×)\s+(?:more|fewer|less|larger|bigger|smaller|higher|lower|as)\b", re.IGNORECASE
)
_PORTION = re.compile(
    r"\s*(?:[a-z]+\s+)?of (?:that|it|this|those|them|the budget)\b", re.IGNORECASE
)
_NEW_SENTENCE = re.compile(r"[.!?;]\s+(?!(?:so|that's|which|i\.e\.)\b)[A-Za-z]", re.IGNORECASE)
_CLAIM_EXTRA_OPS = ("wmul", "wdiv")  # "~10 hosts at 512 GB each": part of the result


@dataclass
class _State:
    text: str
    carry: Term | None = None
    operands: list[Operand] = field(default_factory=list[Operand])
    pending: Step | None = None
    steps: list[Step] = field(default_factory=list[Step])
    periods: set[str] = field(default_factory=lambda: {"day"})


def _said(step: Step) -> Term:
    value = step.claim.value
    dims = step.claim.dims
    for extra in step.extras:
        q = extra.quantity
        sign = -1 if extra.op == "wdiv" else 1
        value = value * q.value if sign > 0 else value / q.value
        dims = (dims[0] + sign * q.dims[0], dims[1] + sign * q.dims[1])
    return Term(value, dims)


def _ratio(operands: list[Operand]) -> Reading | None:
    """ "20 results out of 1,000 candidates, so 50 times more": the last two like numbers."""
    values = [o.quantity for o in operands[-2:]]
    if len(values) < 2 or values[0].dims != values[1].dims or min(q.value for q in values) <= 0:
        return None
    high, low = max(q.value for q in values), min(q.value for q in values)
    return Reading(high / low, NONE, 0)


def _close(state: _State) -> None:
    """Checks the pending result against the chain; a result no reading fits becomes an operand."""
    step = state.pending
    state.pending = None
    if step is None:
        return
    said = _said(step)
    start = state.operands[0].quantity.start if state.operands else step.claim.start
    dtype = dtype_bytes(state.text[max(0, start - 40) : step.claim.end + 40])
    reading: Reading | None = None
    if _RATIO.match(state.text, step.claim.end) or step.claim.unit == "x":
        reading = _ratio(state.operands)
    elif said.value > 0:
        found = [best(state.carry, state.operands, said, state.periods, dtype)]
        if state.carry is not None and state.operands:
            # A fresh chain ("..., and 2,000 QPS x 300 = 600k/s") need not use the last result:
            # the reading with fewer guesses wins, the one going on from the last result on a tie.
            found.append(best(None, state.operands, said, state.periods, dtype))
        readings = [r for r in found if r is not None]
        reading = min(readings, key=lambda r: r.guesses) if readings else None
    if reading is None:
        state.operands += [Operand(step.claim, "any"), *step.extras]
        return
    step.reading, step.said = reading, said
    state.steps.append(step)
    state.carry, state.operands = said, []


def walk(text: str, quantities: list[Quantity]) -> list[Step]:
    """The checked results of `text` (normalised), each with what its chain says."""
    state = _State(text)
    prev_end = 0
    for quantity in quantities:
        gap = text[prev_end : quantity.start]
        prev_end = quantity.end
        if quantity.per:
            state.periods.add(quantity.per)
        kind = classify(gap)
        if state.pending is not None:
            if kind in _CLAIM_EXTRA_OPS and not is_break(gap) and not state.pending.extras:
                state.pending.extras.append(Operand(quantity, kind))
                continue
            if kind == "result" and not is_break(gap):
                # "so 13 months of logs is roughly ...": what came first was the subject.
                state.operands += [Operand(state.pending.claim, "any"), *state.pending.extras]
                state.pending = Step(quantity)
                continue
            if kind == "mul" and not state.pending.extras:
                # "is 300 times 300": the result restates the chain as a new product.
                state.operands = [Operand(state.pending.claim, "any"), Operand(quantity, "mul")]
                state.pending, state.carry = None, None
                continue
            _close(state)
        if kind == "result" and _PORTION.match(text, quantity.end):
            kind = "any"  # "gets maybe 20 ms of that": a share of a budget, not its total
        if kind == "result" and _NEW_SENTENCE.search(gap):
            kind = "any"  # "... = 600k/s. We have 50M daily users": a new statement, not a result
        if kind == "result" and (state.operands or state.carry is not None):
            state.pending = Step(quantity)
        else:
            state.operands.append(Operand(quantity, "any" if kind == "result" else kind))
    _close(state)
    return state.steps
