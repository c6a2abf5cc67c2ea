"""The back-of-envelope check of a text or a transcript: each estimate quoted verbatim, with ✓/✗,
its kind of verdict, the corrected figure and a one-line reason."""

from __future__ import annotations

import re
from collections.abc import Sequence

from interviewer.domain import Phase, Role, Turn, TurnKind
from interviewer.estimates.chain import Step
from interviewer.estimates.facts import Described, checkable, contradiction, describe, fact_numbers
from interviewer.estimates.quantities import Quantity, extract
from interviewer.estimates.spoken import Normalised, normalise
from interviewer.estimates.verdict import EstimateCheck, arithmetic, figure
from interviewer.estimates.walk import walk
from interviewer.knowledge import Case
from interviewer.text import stem

_WORD_AFTER = re.compile(r"\s+([A-Za-z][\w-]*)")
_APPROX = re.compile(
    r"(?:(?:about|around|roughly|approximately|approx\.?|maybe|nearly|almost|call it|only|"
    r"something like|on the order of)\s+|[~≈]\s*)+$",
    re.IGNORECASE,
)


def _claim_text(norm: Normalised, quantity: Quantity, head: str = "") -> str:
    """The candidate's words for a claim: from "about"/"~" to the unit, or to the thing counted."""
    start = quantity.start
    end = quantity.end
    pos = end
    for _ in range(4 if head else 0):
        found = _WORD_AFTER.match(norm.text, pos)
        if found is None:
            break
        pos = found.end()
        if stem(found.group(1).lower()) == head or found.group(1).lower().startswith(head):
            end = pos
            break
    lead = _APPROX.search(norm.text[max(0, start - 40) : start])
    if lead:
        start -= len(lead.group(0))
    a, b = norm.span(start, end)
    return norm.original[a:b].strip(" ,;")


def _fact_check(
    norm: Normalised, quantity: Quantity, facts: Sequence[Described], phase: Phase | None
) -> EstimateCheck | None:
    if not facts or not checkable(norm.text, quantity):
        return None
    said = describe(norm.text, quantity)
    fact = contradiction(said, facts)
    if fact is None:
        return None
    correct = figure(fact.quantity.value, quantity)
    return EstimateCheck(
        claim=_claim_text(norm, quantity, said.head),
        ok=False,
        verdict="fact",
        correct=correct,
        reason=f"fact sheet, {fact.fact_id}: about {correct}",
        phase=phase,
    )


def _step_check(
    norm: Normalised, step: Step, facts: Sequence[Described], phase: Phase | None
) -> EstimateCheck | None:
    if step.reading is None or step.said is None:
        return None
    judged = arithmetic(step.claim, step.said.value, step.reading.value)
    if judged is None:
        return None
    verdict, correct, reason = judged
    if verdict == "ok":
        against = _fact_check(norm, step.claim, facts, phase)
        if against is not None:
            return against.model_copy(
                update={"reason": f"the arithmetic holds, but {against.reason}"}
            )
    return EstimateCheck(
        claim=_claim_text(norm, step.claim),
        ok=verdict == "ok",
        verdict=verdict,
        correct=correct,
        reason=reason,
        phase=phase,
    )


def check_text(
    text: str, case: Case | None = None, phase: Phase | None = None
) -> list[EstimateCheck]:
    """Every estimate in one answer, in the order said."""
    return _check(text, fact_numbers(case.facts.facts) if case is not None else [], phase)


def _check(text: str, facts: Sequence[Described], phase: Phase | None) -> list[EstimateCheck]:
    norm = normalise(text)
    quantities = extract(norm.text)
    steps = walk(norm.text, quantities)
    results = {step.claim.start: step for step in steps}
    found: list[tuple[int, EstimateCheck]] = []
    for quantity in quantities:
        step = results.get(quantity.start)
        checked = _step_check(norm, step, facts, phase) if step is not None else None
        if checked is None:
            checked = _fact_check(norm, quantity, facts, phase)
        if checked is not None:
            found.append((quantity.start, checked))
    return [c for _, c in sorted(found, key=lambda item: item[0])]


def check_turns(turns: Sequence[Turn], case: Case | None) -> dict[Phase, list[EstimateCheck]]:
    """The estimates of every candidate answer, by phase (questions and sketches are not read)."""
    out: dict[Phase, list[EstimateCheck]] = {}
    facts = fact_numbers(case.facts.facts) if case is not None else []
    for turn in turns:
        if turn.role is not Role.CANDIDATE or turn.kind in (TurnKind.SKETCH, TurnKind.CLARIFYING):
            continue
        checks = _check(turn.text, facts, turn.phase)
        if checks:
            out.setdefault(turn.phase, []).extend(checks)
    return out
