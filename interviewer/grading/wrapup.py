"""The wrap-up (bottlenecks and trade-offs) graded with the cross-cutting rubric.

The rubric's anchors count observable items ("level 3 needs at least 2 of its list; level 4 needs
level 3 plus at least 3 of its own"). Each item here is a pattern for what a transcript shows
when the item is present, so the level is a count of items with a quote for each, never a guess.
Written by hand because no library grades rubric anchors; the table is the whole of the rule.
Trade-offs and communication are judged on the wrap-up answers; driving also looks at the whole
interview, since owning the conversation shows before the last five minutes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from interviewer.domain import Phase, Role, Turn
from interviewer.grading.guards import list_like
from interviewer.grading.models import CriterionGrade, PhaseGrade
from interviewer.grading.scoring import level_for
from interviewer.grading.thresholds import MIN_WORDS
from interviewer.grading.units import Unit, candidate_units
from interviewer.knowledge import Rubric
from interviewer.text import words

# The score at the middle of each level's band, so a level read from the anchors maps onto the
# same 0-1 scale (and the same LEVEL_CUTS) as the phases.
LEVEL_SCORE = {1: 0.125, 2: 0.375, 3: 0.625, 4: 0.875}


class Item(NamedTuple):
    criterion: str
    tier: int  # 3: an item of the level-3 list; 4: of the level-4 list
    label: str
    pattern: re.Pattern[str]


def _p(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


ITEMS: tuple[Item, ...] = (
    Item(
        "trade-offs",
        3,
        "options compared",
        _p(
            r"\b(instead of|rather than|compared (to|with)|versus|vs\.?|alternative\w*|the other option|"
            r"either\b.{0,60}\bor|over (a|an|the)\b)"
        ),
    ),
    Item(
        "trade-offs",
        3,
        "tied to this case's requirements",
        _p(r"\b(p\d\d|latency|budget|qps|freshness|\d+ ?(ms|k|m|%|gb|tb|x))\b"),
    ),
    Item(
        "trade-offs",
        3,
        "a choice with its reason",
        _p(
            r"\b(i'?d|we'?d|i would|we would|i'll|we'll|let's)\b.{0,80}\b(because|since|so that|given)\b"
        ),
    ),
    Item(
        "trade-offs",
        4,
        "criteria with numbers",
        _p(
            r"\d+(\.\d+)? ?(ms|%|x|k|m|b|qps|gb|tb|hours?|days?)\b.{0,60}\b(so|which|because|means)\b"
        ),
    ),
    Item(
        "trade-offs",
        4,
        "what would change the decision",
        _p(
            r"\b(revisit|if (we|the|traffic|data|it)\b.{0,60}\b(then|i'?d|we'?d|switch)|once we have|"
            r"would change (if|when)|switch to)\b"
        ),
    ),
    Item(
        "trade-offs",
        4,
        "decisions linked across the design",
        _p(
            r"\b(caps?|limits?|constrains?|forces?|drives?|bounds?)\b.{0,40}\b(model size|features?|"
            r"index|latency|candidates?|memory|training)\b"
        ),
    ),
    Item(
        "trade-offs",
        4,
        "reversible and one-way decisions told apart",
        _p(
            r"\b(roll ?back|reversible|one-way|two-way door|hard to undo|easy to undo|lock(ed)? in)\b"
        ),
    ),
    Item(
        "trade-offs",
        4,
        "cost, effort or risk weighed",
        _p(r"\b(cost\w*|\$\d|gpu[- ]hours?|spend|cheap\w*|expensive|team|engineer\w*|risk\w*)\b"),
    ),
    Item(
        "communication", 3, "a clear order", _p(r"\b(first|second|then|next|finally|after that)\b")
    ),
    Item("communication", 3, "assumptions said out loud", _p(r"\b(assum\w+|i'?ll take|suppose)\b")),
    Item(
        "communication",
        3,
        "components and how data moves",
        _p(r"->|→|\b(feeds?|flows? (in)?to|writes? to|reads? from|pipeline|goes (in)?to)\b"),
    ),
    Item(
        "communication",
        4,
        "signposting",
        _p(
            r"\b(let me (start|go|walk)|i'?ll (start|cover|walk)|three things|two things|a few things)\b"
        ),
    ),
    Item(
        "communication",
        4,
        "a recap",
        _p(r"\b(to (sum(marize)?|recap)|in short|overall|so the (plan|design)|in summary)\b"),
    ),
    Item("communication", 4, "numbers rather than adjectives", _p(r"\d")),
    Item(
        "driving",
        3,
        "names what breaks first",
        _p(
            r"\b(breaks? first|bottleneck|first to (go|fail|break)|falls? over|saturat\w*|hot ?spot)\b"
        ),
    ),
    Item(
        "driving",
        3,
        "proposes the fix",
        _p(
            r"\b(i'?d|we'?d|i would|we would)\b.{0,30}\b(add|shard|cache|replicate|scale|precompute|"
            r"batch|quanti[sz]e|distil\w*|fall ?back|degrade)\w*"
        ),
    ),
    Item(
        "driving",
        4,
        "a fallback that still serves users",
        _p(r"\b(fall ?back|degrade\w*|cached|popular(ity)?|last known|default list|rule-based)\b"),
    ),
    Item(
        "driving",
        4,
        "moves the discussion on",
        _p(
            r"\b(let me (move|turn|go)|moving on|next i'?d|the next (thing|step)|before we (move|go))\b"
        ),
    ),
    Item(
        "driving",
        4,
        "says what to measure or do next",
        _p(
            r"\b(i'?d (measure|monitor|test|check|run)|next steps?|we should (measure|monitor|test))\b"
        ),
    ),
)


def _hits(units: Sequence[Unit], item: Item) -> Unit | None:
    # A bare list of buzzwords shows no item: it names things without ordering or weighing them.
    return next((u for u in units if item.pattern.search(u.text) and not list_like(u.text)), None)


def _criterion(criterion: str, units: Sequence[Unit], wide: Sequence[Unit]) -> CriterionGrade:
    """Level by the rubric's counting rule; evidence is the first sentence showing each item."""
    found: list[tuple[Item, Unit]] = []
    for item in ITEMS:
        if item.criterion != criterion:
            continue
        pool = wide if criterion == "driving" and item.tier == 4 else units
        unit = _hits(pool, item)
        if unit is not None:
            found.append((item, unit))
    tier3 = sum(1 for item, _ in found if item.tier == 3)
    tier4 = sum(1 for item, _ in found if item.tier == 4)
    level = 1 if not found else 2 if tier3 < 2 else 3 if tier4 < 3 else 4
    quotes: list[str] = []
    for _, unit in found:
        if unit.text not in quotes and not unit.unclear:
            quotes.append(unit.text)
    shown = ", ".join(item.label for item, _ in found) or "none of the rubric's items"
    return CriterionGrade(
        id=criterion,
        score=LEVEL_SCORE[level],
        evidence=quotes[:4],
        why=f"level {level}: {shown}",
        sources=[unit.phase for _, unit in found[:4]],
    )


def grade_wrapup(turns: Sequence[Turn], rubric: Rubric | None) -> PhaseGrade | None:
    """None when the interview never reached the wrap-up; insufficient evidence when it said little."""
    if not any(t.phase is Phase.WRAPUP and t.role is Role.CANDIDATE for t in turns):
        return None
    units, flags = candidate_units(turns, Phase.WRAPUP)
    n_words = sum(len(words(u.text)) for u in units)
    if n_words < MIN_WORDS:
        return PhaseGrade(
            score=None, level=None, insufficient_evidence=True, criteria=[], missed=[], flags=flags
        )
    wide = [u for phase in Phase for u in candidate_units(turns, phase)[0]]
    wanted = (
        [c.id for c in rubric.criteria] if rubric else ["trade-offs", "communication", "driving"]
    )
    criteria = [
        _criterion(c, units, wide) for c in wanted if any(item.criterion == c for item in ITEMS)
    ]
    score = round(sum(c.score for c in criteria) / len(criteria), 3)
    return PhaseGrade(
        score=score,
        level=level_for(score),
        insufficient_evidence=False,
        criteria=criteria,
        missed=[],
        flags=flags,
        confidence="low" if n_words < 60 else "medium",
        bar="the cross-cutting rubric: items shown, counted as its anchors say",
    )
