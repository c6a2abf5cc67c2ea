"""Turns a transcript into a Report: per-phase scores, plus the human-facing parts.

No model is needed. The report never contains a score the scorer did not compute, and a phase with
too little candidate text is "insufficient evidence" (score null), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from interviewer.delivery import delivery_of
from interviewer.domain import (
    GRADED_PHASES,
    PHASE_TITLES,
    CaseId,
    Level,
    Mode,
    Phase,
    Role,
    Turn,
    TurnKind,
    default_budgets,
    phase_name,
)
from interviewer.estimates.check import check_turns
from interviewer.estimates.verdict import EstimateCheck
from interviewer.grading.models import GradeReport, PhaseGrade
from interviewer.grading.scoring import Bar, Scorer
from interviewer.grading.wrapup import grade_wrapup
from interviewer.knowledge import KnowledgeBase
from interviewer.sketch_check import with_drawn, with_sketch
from interviewer.transcript import Transcript


class Grader:
    def __init__(self, knowledge: KnowledgeBase, scorer: Scorer) -> None:
        self.knowledge = knowledge
        self.scorer = scorer

    def grade_turns(
        self,
        session_id: str,
        case_id: CaseId,
        turns: Sequence[Turn],
        phases: Sequence[Phase] | None = None,
        *,
        partial: bool = False,
        level: Level = Level.SENIOR,
        slots: dict[Phase, float] | None = None,
    ) -> GradeReport:
        """`slots`: minutes per phase in a full interview (the bar fits the time); None: a drill.
        While the interview runs (`partial`), nothing that would hand out the answers is included:
        no missed points, model answers, next steps or uncovered-point lists."""
        case = self.knowledge.case(case_id)
        wanted = list(phases) if phases is not None else _phases_present(turns)
        grades: dict[Phase, PhaseGrade] = {}
        for phase in wanted:
            if phase not in case.notes:
                continue
            rubric = self.knowledge.rubrics.get(str(phase))
            bar = Bar(level=level, slot_minutes=slots.get(phase) if slots else None)
            grade = with_sketch(self.scorer.score_phase, case, phase, rubric, turns, bar, partial)
            grades[phase] = _hide_answers(grade) if partial else grade
        scored = [g.score for g in grades.values() if g.score is not None]
        overall = round(sum(scored) / len(scored), 3) if scored else None
        wrapup = grade_wrapup(
            # Sketch saves are Mermaid, not prose: the wrap-up reads the drawn boxes instead.
            with_drawn(turns, case.notes),
            self.knowledge.rubrics.get("cross-cutting"),
        )
        # Added after scoring, so the numbers a candidate works out never move a score.
        estimates = check_turns(turns, case)
        grades = {p: _with_estimates(g, estimates.get(p)) for p, g in grades.items()}
        if wrapup is not None:
            wrapup = _with_estimates(wrapup, estimates.get(Phase.WRAPUP))
        return GradeReport(
            id=session_id,
            case=case_id,
            overall=overall,
            phases=grades,
            model_answers={} if partial else {p: case.notes[p].model_answer for p in grades},
            next_steps=[] if partial else self._next_steps(case_id, grades),
            partial=partial,
            level=level,
            wrapup=wrapup,
            delivery=delivery_of(turns),
        )

    def grade_transcript(self, transcript: Transcript, level: Level | None = None) -> GradeReport:
        turns = transcript.to_turns()
        phases = [transcript.phase] if transcript.phase else _phases_present(turns)
        extra = transcript.model_extra or {}
        level = level or Level(extra.get("level", Level.SENIOR))
        slots = None
        if transcript.mode is Mode.FULL:
            slots = {p: s / 60 for p, s in default_budgets(Mode.FULL, None).items()}
        return self.grade_turns(
            transcript.id, transcript.case, turns, phases, level=level, slots=slots
        )

    def _next_steps(self, case_id: CaseId, grades: dict[Phase, PhaseGrade]) -> list[str]:
        weakest: list[tuple[float, Phase, str, str]] = []
        for phase, grade in grades.items():
            if grade.insufficient_evidence:
                weakest.append((-1.0, phase, "", ""))
                continue
            for criterion in grade.criteria:
                weakest.append((criterion.score, phase, criterion.id, criterion.why))
        weakest.sort(key=lambda item: item[0])
        steps: list[str] = []
        for score, phase, criterion_id, _ in weakest:
            if len(steps) == 3:
                break
            title = phase_name(phase)
            if score < 0:
                steps.append(
                    f"Say more in {title}: give a full answer before moving on, even a short one."
                )
                continue
            if score >= 0.75:
                continue
            rubric = self.knowledge.rubrics.get(str(phase))
            name = rubric.criterion(criterion_id).name if rubric else criterion_id
            note = self.knowledge.case(case_id).notes[phase]
            missed = set(grades[phase].missed)
            example = next(
                (
                    p.statement
                    for p in note.key_points
                    if p.criterion == criterion_id and p.statement in missed
                ),
                "",
            )
            tip = f" For example: {example}" if example else ""
            steps.append(
                f"{PHASE_TITLES[phase]} / {name}: explain how and why, with a number or a trade-off, "
                f"not just the name of a technique.{tip}"
            )
        if not steps:
            steps.append("Strong session. Try a different case or a shorter time budget next.")
        return steps


def _with_estimates(grade: PhaseGrade, found: list[EstimateCheck] | None) -> PhaseGrade:
    return grade.model_copy(update={"estimates": found}) if found else grade


def _hide_answers(grade: PhaseGrade) -> PhaseGrade:
    """Scores and the candidate's own quotes only: the 'why' lines name key point statements,
    which would hand out the details not yet said."""
    criteria = [c.model_copy(update={"why": ""}) for c in grade.criteria]
    return grade.model_copy(update={"missed": [], "criteria": criteria})


def _phases_present(turns: Sequence[Turn]) -> list[Phase]:
    present = {
        t.phase for t in turns if t.role is Role.CANDIDATE and t.kind is not TurnKind.CLARIFYING
    }
    return [p for p in GRADED_PHASES if p in present]
