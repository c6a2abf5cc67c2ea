"""Anti-patterns: claims the notes call wrong, as a table of (pattern, unless, label), and
dismissals of what the case needs. Asserted, not rejected, they cost credit.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from interviewer.grading.thresholds import COPY_RUN
from interviewer.text import (
    words,
)


def copied_share(text: str, runs: set[tuple[str, ...]]) -> float:
    """The share of a sentence's words that sit inside a run copied from the notes."""
    tokens = words(text)
    if len(tokens) < COPY_RUN:
        return 0.0
    inside = [False] * len(tokens)
    for i in range(len(tokens) - COPY_RUN + 1):
        if tuple(tokens[i : i + COPY_RUN]) in runs:
            inside[i : i + COPY_RUN] = [True] * COPY_RUN
    return sum(inside) / len(tokens)


_REJECTION = re.compile(
    r"\b(not|never|avoid\w*|instead of|rather than|wrong|mistake|misleading|meaningless|useless|"
    r"pitfall|leak\w*|inflat\w*|don't|do not|wouldn't|won't|shouldn't|can't|cannot|bad idea|trap|"
    r"overestimat\w*|optimistic|broken|flawed|naive|biased)\b",
    re.IGNORECASE,
)


DISMISSAL = re.compile(
    r"not (really )?(a |an )?(real |big |major |serious )?(problem|issue|concern|needed|necessary|important|"
    r"relevant|worth)|(wouldn't|won't|don't|do not|no need to) (really )?(worry|bother|care)|"
    r"no need (for|to)\b|(aren't|isn't|is not|are not) (really )?needed|overkill|doesn't matter|"
    r"don't matter|not worth|irrelevant|unnecessary|can (safely )?be ignored|we can ignore|just ignore|"
    r"isn't (really )?an? (real )?(issue|problem|concern)|(isn't|is not|not) (really )?a (big|huge) deal|"
    r"(don't|doesn't|won't|do not|does not) (really )?change (that |very |so )?(much|fast|often|quickly)|"
    r"(isn't|is not|not) (that |very )?much (that )?(can|could) go wrong|nothing (can|could) go wrong",
    re.IGNORECASE,
)


class AntiPattern(NamedTuple):
    """A well-known wrong claim: `claim` (and `context`, when given) must match the sentence,
    and `unless` must not (the same words in a sentence that gets it right)."""

    claim: re.Pattern[str]
    context: re.Pattern[str] | None
    label: str
    unless: re.Pattern[str] | None = None


_ROWS: list[tuple[re.Pattern[str], re.Pattern[str] | None, str]] = [
    (
        re.compile(r"\baccuracy\b", re.IGNORECASE),
        re.compile(
            r"\b(metric|measure\w*|launch|bar|target|goal|optimi[sz]\w*|report|track|"
            r"evaluat\w*|\d+(\.\d+)? ?%)",
            re.IGNORECASE,
        ),
        "accuracy as the metric on rare positives",
    ),
    (
        re.compile(
            r"\b(random(ly)? (train|split|shuffl|\d+/\d+)|shuffl\w+|split\w* [^.]{0,30}"
            r"\b(at random|randomly)|random \d+ ?/ ?\d+)",
            re.IGNORECASE,
        ),
        None,
        "random split of time-ordered logs",
    ),
    (
        re.compile(r"\b(before|prior to) (the )?(split|splitting)\b", re.IGNORECASE),
        re.compile(r"\b(feature|rate|statistic|count|average|mean|normali[sz])", re.IGNORECASE),
        "features computed on data from the test period",
    ),
    (
        re.compile(
            r"\b(skip\w*|no need for|without) (an |the )?a/?b\b|\ba/?b tests? (are|is) "
            r"(too |really |just )?(slow|unnecessary|overkill|expensive|a waste)|\bship (it |the "
            r"(new )?model )?(straight |directly )?to (everyone|all (users|traffic))",
            re.IGNORECASE,
        ),
        None,
        "launching without an online experiment",
    ),
    (
        re.compile(
            r"\b(gpt-?\d*|llm|large language model|\d+ ?b(illion)?[- ]param\w*|billion[- ]"
            r"parameter|giant|huge|massive)\b[^.]{0,80}\b(every|each|per|all) (request|"
            r"impression|query|event|candidate|item|video|post|ad|listing|user)s?\b|\bjust "
            r"(use|fine-?tune|call) (a |an )?(big |large |huge )?(llm|gpt)",
            re.IGNORECASE,
        ),
        None,
        "a huge model on every request under a tight latency budget",
    ),
    (
        re.compile(
            r"\bretrain\w*\W[^.]{0,25}(once a year|yearly|annually|every year|every (few|couple "
            r"of|six|6|twelve|12) months)|\bnever (need to )?retrain|\bno need to retrain|"
            r"\btrain (it )?once and\b",
            re.IGNORECASE,
        ),
        None,
        "retraining too rarely for a changing product",
    ),
    (
        re.compile(
            r"\b(compare|scan|score|check|match)\b[^.]{0,40}\b(every|each|all( the)?) ?(image|item|video|"
            r"listing|document|post|photo|product)s?\b[^.]{0,30}\b(database|catalog\w*|corpus|collection|"
            r"library|index|inventory)",
            re.IGNORECASE,
        ),
        None,
        "brute-force comparison against the whole catalogue",
    ),
]


_STAGED = re.compile(r"\b(after|once|canary|ramp|gradual\w*|shadow|holdout)\b", re.IGNORECASE)
_RANKING_METRIC = re.compile(
    r"\b(precision|recall|auc|ndcg|log ?loss|calibrat\w*|map|mrr|top-?\d)\b", re.IGNORECASE
)
_UNLESS = {
    "launching without an online experiment": _STAGED,
    "accuracy as the metric on rare positives": _RANKING_METRIC,
}
ANTI_PATTERNS = [AntiPattern(*row, unless=_UNLESS.get(row[2])) for row in _ROWS]


def asserted_anti_pattern(sentence: str) -> str | None:
    """The label of a well-known wrong claim the sentence asserts (not rejects), if any."""
    if _REJECTION.search(sentence):
        return None
    for row in ANTI_PATTERNS:
        if not row.claim.search(sentence):
            continue
        if row.context is not None and not row.context.search(sentence):
            continue
        if row.unless is None or not row.unless.search(sentence):
            return row.label
    return None
