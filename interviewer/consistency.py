"""Questions from the notes checked against their case's fact sheet (DESIGN.md section 11).

The interviewer once said "we log each visual search... 8% lead to a save", then asked a question
from the notes that began "given visual search doesn't exist yet". Two checks catch that kind of
slip without a model:

- a question may not presuppose that the product, its logs or its users do not exist yet when the
  fact sheet describes them;
- a count the fact sheet gives for a thing ("5 billion images", "50 million searches") must be
  the same count when a question states it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from interviewer.knowledge import Case, KnowledgeBase

# What a question would have to assume for a product that is not built yet.
_NOT_BUILT = re.compile(
    r"\b(do(es)?n[’']?t exist|does not exist|not exist(ing)? yet|not built yet|"
    r"no (search |query |engagement |usage |interaction )?(logs?|log data|traffic|users) (yet|at all)|"
    r"(has|have)n[’']?t (launched|shipped)|not (yet )?(launched|live)|before (we|it) (launch|go live)|"
    r"(a )?brand[- ]new product|from zero users)",
    re.IGNORECASE,
)
# What in a fact sheet says the product already runs and records what users do.
_RUNNING = re.compile(
    r"\b(we log|logged|logs?\b|live\b|existing|today|currently|daily active)", re.I
)
# "5 billion images", "50 million visual searches": a count, then its noun (one of the next two
# words, so an adjective in between is allowed). A bound ("more than 1 million followers") is not
# a count.
_COUNT = re.compile(
    r"\b(more than |over |at least |up to |under |fewer than |less than )?"
    r"(\d[\d,.]*)\s+(billion|million)\s+([a-z-]+)(?:\s+([a-z-]+))?",
    re.IGNORECASE,
)
_NOT_NOUNS = frozenset(
    {"a", "an", "the", "of", "in", "per", "each", "every", "new", "more", "about"}
)


def questions(case: Case) -> Iterator[tuple[str, str]]:
    """(where, question) for every question the interviewer may read from the case's notes."""
    for phase, note in case.notes.items():
        source = note.source or f"{case.id}/{phase}"
        yield f"{source}: opening", note.opening
        for index, follow_up in enumerate(note.follow_ups, 1):
            yield f"{source}: follow-up {index}", follow_up
        for point in note.key_points:
            if point.ask:
                yield f"{source}: {point.id} ask", point.ask
        for item in note.misconceptions:
            yield f"{source}: {item.id} challenge", item.challenge


def fact_sheet_text(case: Case) -> str:
    facts = case.facts
    return " ".join(
        [facts.prompt, facts.summary, *(f.answer for f in facts.facts), *facts.established.values()]
    )


def _counts(text: str) -> dict[str, set[str]]:
    """noun (singular) -> the counts stated for it, as "5 billion"."""
    found: dict[str, set[str]] = {}
    for bound, number, scale, *after in _COUNT.findall(text):
        if bound:  # "more than 1 million followers" is a bound, not a count
            continue
        for noun in (w.lower() for w in after if w and w.lower() not in _NOT_NOUNS):
            found.setdefault(noun.removesuffix("s"), set()).add(f"{number} {scale.lower()}")
    return found


def contradictions(case: Case, extra: list[tuple[str, str]] | None = None) -> list[str]:
    """Each question (of the notes, plus `extra`) that contradicts the fact sheet, with why."""
    sheet = fact_sheet_text(case)
    running = bool(_RUNNING.search(sheet))
    stated = _counts(sheet)
    problems: list[str] = []
    for where, question in [*questions(case), *(extra or [])]:
        presumed = _NOT_BUILT.search(question)
        if presumed and running:
            problems.append(
                f"{where}: assumes “{presumed.group(0)}” but the fact sheet describes the product "
                f"running: {question}"
            )
        for noun, counts in _counts(question).items():
            if noun in stated and not counts <= stated[noun]:
                problems.append(
                    f"{where}: says {', '.join(sorted(counts))} {noun}s, the fact sheet "
                    f"{', '.join(sorted(stated[noun]))}: {question}"
                )
    return problems


def all_contradictions(knowledge: KnowledgeBase) -> list[str]:
    return [problem for case in knowledge.cases.values() for problem in contradictions(case)]
