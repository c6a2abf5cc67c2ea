"""Deterministic scoring of one phase's candidate answers against the case's key points.

How a score is made, and why it is hard to game:
- Candidate text is data. Instruction-like text is cut out before matching, and flagged
  (units.py), so the score is exactly that of the same answer without the injection.
- Each sentence is matched to the key points (matching.py). A point's coverage comes from its
  best sentences, said in any phase.
- Coverage counts fully only with depth (depth.py); one sentence that touches many points shares
  its credit between them.
- Asserted misconceptions and anti-patterns (claims.py) zero the sentence and cost points.
Evidence strings are slices of the candidate's turns, re-checked verbatim before they are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from interviewer.domain import (
    Level,
    Turn,
)
from interviewer.grading.claims import DISMISSAL, asserted_anti_pattern, copied_share
from interviewer.grading.depth import unit_depth
from interviewer.grading.matching import Matcher, on_topic_share
from interviewer.grading.misconceptions import asserted
from interviewer.grading.models import CriterionGrade, MisconceptionFound, PhaseGrade
from interviewer.grading.thresholds import (
    COPIED,
    DISMISSAL_COST,
    EXPLAINED,
    FENCE,
    GRADING_WRONG_BAR,
    LEVEL_CUTS,
    MATCHED,
    MAX_PENALTY,
    MIN_BAR,
    MIN_WORDS,
    MINUTES_PER_POINT,
    MISCONCEPTION_CAP,
    MISSED_BELOW,
    ON_TOPIC_FLOOR,
    SATURATION,
    SECOND_SENTENCE_SHARE,
    WRONG_CLAIM_COST,
    wrong_cap,
)
from interviewer.grading.units import (
    Unit,
    add_flag,
    candidate_units,
    excerpt,
    is_question,
    other_units,
)
from interviewer.knowledge import Case, KeyPoint, PhaseNote, Rubric
from interviewer.text import (
    words,
)


@dataclass(frozen=True)
class Bar:
    """What a phase is judged against: the points at the target level, all of them in a drill,
    or the highest-weight ones that fit the slot of a full interview."""

    level: Level = Level.SENIOR
    slot_minutes: float | None = None  # None: a drill, judged on the whole note

    def points(self, note: PhaseNote) -> list[KeyPoint]:
        expected = [p for p in note.key_points if p.expected_at(self.level)]
        if self.slot_minutes is None:
            return expected
        size = max(MIN_BAR, round(self.slot_minutes / MINUTES_PER_POINT))
        return sorted(expected, key=lambda p: -p.weight)[:size]

    def denominator(self, note: PhaseNote) -> float:
        return float(sum(p.weight for p in self.points(note))) or 1.0

    def describe(self) -> str:
        if self.slot_minutes is None:
            return f"{self.level} level: every key point of the note at that level (a drill)"
        return (
            f"{self.level} level: the highest-weight points a strong candidate covers in its "
            f"{self.slot_minutes:g}-minute slot"
        )


def confidence(score: float, n_words: int, credit: np.ndarray) -> Literal["high", "medium", "low"]:
    """How sure a phase score is: little text, or many points sitting on the fence, lower it."""
    near = int(
        np.sum(np.abs(credit - MISSED_BELOW) < FENCE) + np.sum(np.abs(credit - EXPLAINED) < FENCE)
    )
    margin = min(abs(score - cut) for cut in LEVEL_CUTS)
    if n_words < 40 or (margin < 0.03 and near >= 2):
        return "low"
    if n_words < 100 or margin < 0.05 or near >= 3:
        return "medium"
    return "high"


class Scorer(Matcher):
    """Scores phases of a case: a Matcher that also turns matches into credit and levels."""

    def score_phase(
        self,
        case: Case,
        note: PhaseNote,
        rubric: Rubric | None,
        turns: Sequence[Turn],
        bar: Bar | None = None,
    ) -> PhaseGrade:
        bar = bar or Bar()
        units, flags = candidate_units(turns, note.phase)
        n_words = sum(len(words(u.text)) for u in units)
        expected = [p.expected_at(bar.level) for p in note.key_points]
        if n_words < MIN_WORDS:
            return PhaseGrade(
                score=None,
                level=None,
                insufficient_evidence=True,
                criteria=[],
                missed=[p.statement for p, e in zip(note.key_points, expected, strict=True) if e],
                flags=flags,
                bar=bar.describe(),
            )
        elsewhere = [u for u in other_units(turns, note.phase) if not is_question(u.text)]
        own = len(units)
        units = units + elsewhere
        index = self._note_index(case, note)
        texts = [u.text for u in units]
        matrix = self.match_matrix(case, note, texts)
        depths = np.array([unit_depth(units, i, index.case_terms) for i in range(len(units))])
        penalty, wrong = self._judge_claims(case, note, units, own, matrix, flags)
        credit, best_unit = _credits(matrix, depths)
        mask = np.array(expected, dtype=np.float32)
        weights = np.array([p.weight for p in note.key_points], dtype=np.float32) * mask
        raw = float(min(1.0, (weights * credit).sum() / bar.denominator(note)))
        relevance = on_topic_share(units[:own], matrix[:own])
        if relevance < ON_TOPIC_FLOOR:
            add_flag(flags, f"mostly off-topic: {relevance:.0%} of the answer addresses this phase")
        score = max(
            0.0, min(1.0, raw / SATURATION) * min(1.0, relevance / ON_TOPIC_FLOOR) - penalty
        )
        score = min(score, wrong_cap(len(wrong)))
        capped = {p.criterion for p in note.key_points if p.id in {w.point for w in wrong}}
        quoted = quotes(credit, best_unit, units, turns, matrix)
        criteria = _criteria(note, rubric, credit, quoted, mask, capped)
        missed = [
            p.statement for i, p in enumerate(note.key_points) if expected[i] and i not in quoted
        ]
        return PhaseGrade(
            score=round(score, 3),
            level=level_for(score),
            insufficient_evidence=False,
            criteria=criteria,
            missed=missed,
            flags=flags,
            misconceptions=wrong,
            confidence=confidence(score, n_words, credit[mask > 0]),
            bar=bar.describe(),
        )

    def _judge_claims(
        self,
        case: Case,
        note: PhaseNote,
        units: list[Unit],
        own: int,
        matrix: np.ndarray,
        flags: list[str],
    ) -> tuple[float, list[MisconceptionFound]]:
        """Zero the coverage of copied text, wrong claims and dismissals; the penalty they cost."""
        index = self._note_index(case, note)
        texts = [u.text for u in units]
        penalty = 0.0
        for u, text in enumerate(texts):
            if copied_share(text, index.copied) >= COPIED:
                matrix[u, :] = 0.0
                add_flag(flags, f"copied from the notes, not credited: {excerpt(text, 90)}")
                continue
            if u >= own:
                continue
            claim = asserted_anti_pattern(text)
            if claim is not None:
                matrix[u, :] = 0.0  # a wrong claim is not coverage
                penalty += WRONG_CLAIM_COST
                add_flag(flags, f"questionable claim ({claim}): {excerpt(text, 90)}")
            elif DISMISSAL.search(text):
                dismissed = [k for k in range(matrix.shape[1]) if matrix[u, k] >= MATCHED]
                if dismissed:
                    matrix[u, dismissed] = 0.0
                    penalty += DISMISSAL_COST
                    add_flag(flags, f"dismisses a point the case needs: {excerpt(text, 90)}")
        found: list[MisconceptionFound] = []
        vectors = self.embedder.embed(texts) if texts else None
        for hit in asserted(index.wrong, texts, vectors, GRADING_WRONG_BAR):
            item = hit.misconception
            # A wrong claim is not coverage of anything it touches, least of all its correction.
            matrix[hit.unit, :] = 0.0
            if any(f.id == item.id for f in found) or units[hit.unit].unclear:
                continue  # a passage Whisper was unsure of is never quoted against the candidate
            penalty += WRONG_CLAIM_COST
            found.append(
                MisconceptionFound(
                    id=item.id,
                    quote=texts[hit.unit],
                    phase=units[hit.unit].phase,
                    claim=item.claim,
                    why_wrong=item.why_wrong,
                    correction=item.correction.statement,
                    point=item.correction.key_point,
                )
            )
        return min(penalty, MAX_PENALTY), found


def _credits(matrix: np.ndarray, depths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """credit[k] = coverage x depth; a sentence that is best for many points shares its credit."""
    n_units, n_points = matrix.shape
    if n_units == 0:
        return np.zeros(n_points), np.full(n_points, -1)
    weighted = matrix * depths[:, None]
    best_unit = weighted.argmax(axis=0)
    load = np.zeros(n_units)
    for k in range(n_points):
        if matrix[best_unit[k], k] >= MATCHED:
            load[best_unit[k]] += 1
    credit = np.zeros(n_points)
    for k in range(n_points):
        u = best_unit[k]
        share = min(1.0, 2.0 / load[u]) if load[u] > 0 else 1.0
        first = weighted[u, k] * share
        others = np.delete(weighted[:, k], u)
        second = float(others.max()) if others.size else 0.0
        credit[k] = min(1.0, first + SECOND_SENTENCE_SHARE * second * share)
    return credit, best_unit


def _criteria(
    note: PhaseNote,
    rubric: Rubric | None,
    credit: np.ndarray,
    quoted: dict[int, Unit],
    mask: np.ndarray,
    capped: set[str],
) -> list[CriterionGrade]:
    order: list[str] = [c.id for c in rubric.criteria] if rubric else []
    for point in note.key_points:
        if point.criterion not in order:
            order.append(point.criterion)
    grades: list[CriterionGrade] = []
    for criterion_id in order:
        members = [
            (i, p)
            for i, p in enumerate(note.key_points)
            if p.criterion == criterion_id and mask[i] > 0
        ]
        if not members:
            continue
        total = sum(p.weight for _, p in members)
        raw = sum(p.weight * float(credit[i]) for i, p in members) / total
        score = min(1.0, raw / SATURATION)
        if criterion_id in capped:
            score = min(score, MISCONCEPTION_CAP)
        evidence: list[Unit] = []
        for i, _ in sorted(members, key=lambda m: -credit[m[0]]):
            unit = quoted.get(i)
            if unit is not None and all(unit.text != e.text for e in evidence):
                evidence.append(unit)
        grades.append(
            CriterionGrade(
                id=criterion_id,
                score=round(score, 3),
                evidence=[e.text for e in evidence[:3]],
                sources=[e.phase for e in evidence[:3]],
                why=_why(members, credit, set(quoted)),
            )
        )
    return grades


def quotes(
    credit: np.ndarray,
    best_unit: np.ndarray,
    units: list[Unit],
    turns: Sequence[Turn],
    matrix: np.ndarray,
) -> dict[int, Unit]:
    """Per key point, the sentence that earned its credit, re-checked verbatim in its turn."""
    quoted: dict[int, Unit] = {}
    for i in range(matrix.shape[1]):
        u = int(best_unit[i])
        if credit[i] >= MISSED_BELOW and u >= 0 and matrix[u, i] >= MATCHED:
            unit = units[u]
            if unit.text in turns[unit.turn].text and not unit.unclear:
                quoted[i] = unit
    return quoted


def _why(members: list[tuple[int, KeyPoint]], credit: np.ndarray, quoted: set[int]) -> str:
    """Explained / mentioned list only points with a quote; the rest are in the phase's Missed."""
    deep = [p.statement.rstrip(".") for i, p in members if i in quoted and credit[i] >= EXPLAINED]
    shallow = [p.statement.rstrip(".") for i, p in members if i in quoted and credit[i] < EXPLAINED]
    parts: list[str] = []
    if deep:
        parts.append("Explained well: " + "; ".join(deep) + ".")
    if shallow:
        parts.append("Mentioned without how or why: " + "; ".join(shallow) + ".")
    return " | ".join(parts)


def level_for(score: float) -> int:
    return 1 + sum(1 for cut in LEVEL_CUTS if score >= cut)
