"""What to drill next: spaced repetition over the criteria of past final reports. Pure: history and
the time in, a plan out (no store, no clock, no framework).

Each (case, phase, criterion) is tracked on its own; cases never mix, so a weak latency budget
in one case is not cleared by a strong one in another. Rules:
- a result at level 1 or 2 (poor, partial) is low, at level 4 strong;
- after a low result the criterion is due again in 1 day; after one result at level 3 or 4 since
  the last low one, in 3 days; after two or more, in 7 days (the 1 / 3 / 7 ladder);
- strong twice in a row: it drops out;
- among the criteria due, the weakest (latest level, then latest score, then the longest run of
  low results) comes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interviewer.domain import GRADED_PHASES, CaseId, Phase
from interviewer.grading.models import LEVEL_NAMES, GradeReport
from interviewer.grading.scoring import level_for
from interviewer.knowledge import KnowledgeBase

DAY = 86_400.0
LADDER_DAYS = (1, 3, 7)
LOW_UP_TO, STRONG = 2, 4


@dataclass(frozen=True)
class Attempt:
    """One criterion's score in one final report."""

    case: CaseId
    phase: Phase
    criterion: str
    name: str  # the rubric's name for the criterion, e.g. "Latency or throughput budget"
    score: float
    at: float
    session_id: str

    @property
    def level(self) -> int:
        return level_for(self.score)


@dataclass(frozen=True)
class Item:
    """A criterion of one case with its history and when it is next due (None: dropped out)."""

    case: CaseId
    phase: Phase
    criterion: str
    name: str
    attempts: tuple[Attempt, ...]  # oldest first
    due_at: float | None

    @property
    def latest(self) -> Attempt:
        return self.attempts[-1]

    @property
    def low_streak(self) -> int:
        """How many results in a row, up to the latest, were low (a tie-break: longer is weaker)."""
        streak = 0
        for attempt in reversed(self.attempts):
            if attempt.level > LOW_UP_TO:
                break
            streak += 1
        return streak

    def reason(self) -> str:
        """ "serving / latency or throughput budget: 2 · partial, twice" """
        level = self.latest.level
        streak = 0
        for attempt in reversed(self.attempts):
            if attempt.level != level:
                break
            streak += 1
        times = {1: "once", 2: "twice"}.get(streak, f"{streak} times in a row")
        return f"{self.phase} / {self.name.lower()}: {level} · {LEVEL_NAMES[level]}, {times}"


@dataclass(frozen=True)
class DrillPlan:
    due: tuple[Item, ...]  # weakest first
    later: tuple[Item, ...]  # soonest first
    dropped: tuple[Item, ...]  # strong twice in a row

    @property
    def pick(self) -> Item | None:
        """The weakest criterion due now; else the one due soonest (drilled early)."""
        return self.due[0] if self.due else self.later[0] if self.later else None

    @property
    def empty(self) -> bool:
        return not (self.due or self.later or self.dropped)


def attempts_from_reports(
    reports: Iterable[tuple[str, float, GradeReport]], knowledge: KnowledgeBase
) -> list[Attempt]:
    """(session id, time, final report) → one attempt per graded criterion of a graded phase.

    A session's latest final report stands for it; a phase with too little said is skipped, as
    it tells nothing about a criterion."""
    latest: dict[str, tuple[float, GradeReport]] = {}
    for session_id, at, report in reports:
        if session_id not in latest or at >= latest[session_id][0]:
            latest[session_id] = (at, report)
    attempts: list[Attempt] = []
    for session_id, (at, report) in latest.items():
        for phase, grade in report.phases.items():
            if phase not in GRADED_PHASES or grade.score is None:
                continue
            rubric = knowledge.rubrics.get(str(phase))
            names = {c.id: c.name for c in rubric.criteria} if rubric else {}
            attempts += [
                Attempt(report.case, phase, c.id, names.get(c.id, c.id), c.score, at, session_id)
                for c in grade.criteria
            ]
    return sorted(attempts, key=lambda a: a.at)


def schedule(attempts: Sequence[Attempt], now: float) -> DrillPlan:
    """Sort every tracked criterion into due now, due later, and dropped out."""
    groups: dict[tuple[CaseId, Phase, str], list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: a.at):
        groups.setdefault((attempt.case, attempt.phase, attempt.criterion), []).append(attempt)
    items = [_item(history) for history in groups.values()]
    due = [i for i in items if i.due_at is not None and i.due_at <= now]
    later = [i for i in items if i.due_at is not None and i.due_at > now]
    dropped = [i for i in items if i.due_at is None]
    due.sort(key=lambda i: (i.latest.level, i.latest.score, -i.low_streak, i.due_at or 0.0))
    later.sort(key=lambda i: (i.due_at or 0.0, i.latest.score))
    return DrillPlan(tuple(due), tuple(later), tuple(dropped))


def _item(history: list[Attempt]) -> Item:
    last = history[-1]
    strong_twice = len(history) >= 2 and all(a.level >= STRONG for a in history[-2:])
    good = 0
    for attempt in reversed(history):
        if attempt.level <= LOW_UP_TO:
            break
        good += 1
    step = LADDER_DAYS[min(good, len(LADDER_DAYS) - 1)]
    due_at = None if strong_twice else last.at + step * DAY
    return Item(last.case, last.phase, last.criterion, last.name, tuple(history), due_at)
