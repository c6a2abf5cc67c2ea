"""Turns a transcript into a Report: per-phase scores from `scoring`, plus the human-facing parts.

No model is needed. The report never contains a score the scorer did not compute, and a phase with
too little candidate text is "insufficient evidence" (score null), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

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
from interviewer.knowledge import KnowledgeBase
from interviewer.scoring import Bar, PhaseGrade, Scorer, level_for
from interviewer.sketch_check import markdown_lines as sketch_markdown
from interviewer.sketch_check import with_sketch
from interviewer.text import markdown_literal
from interviewer.transcript import Transcript

LEVEL_NAMES = {1: "poor", 2: "partial", 3: "solid", 4: "strong"}


class GradeReport(BaseModel):
    """DESIGN.md section 6, plus fields for the human report (kept out of `contract_json`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    case: CaseId
    overall: float | None
    phases: dict[Phase, PhaseGrade]
    model_answers: dict[Phase, str] = {}
    next_steps: list[str] = []
    partial: bool = False
    level: Level = Level.SENIOR

    def contract_json(self) -> str:
        return self.model_dump_json(include={"id", "case", "overall", "phases"})


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
        return GradeReport(
            id=session_id,
            case=case_id,
            overall=overall,
            phases=grades,
            model_answers={} if partial else {p: case.notes[p].model_answer for p in grades},
            next_steps=[] if partial else self._next_steps(case_id, grades),
            partial=partial,
            level=level,
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


def score_label(score: float | None) -> str:
    """ "78% (level 4, strong)": a score never reads like a level."""
    if score is None:
        return "insufficient evidence"
    level = level_for(score)
    return f"{score:.0%} (level {level}, {LEVEL_NAMES[level]})"


def to_markdown(report: GradeReport, knowledge: KnowledgeBase) -> str:
    """The human report: shown in the app and the terminal, and exported. Candidate words are
    HTML-escaped, so a quoted answer cannot inject markup wherever the Markdown is rendered."""
    title = "Grade so far" if report.partial else "Interview report"
    case = knowledge.case(report.case).facts
    lines = [f"# {title}: {case.title}", "", f"**Overall:** {score_label(report.overall)}"]
    if report.phases:
        lines.append(f"**Graded against:** the {report.level} bar (each phase says its scope)")
    lines += ["", "| phase | score | confidence |", "|---|---|---|"]
    for phase, grade in report.phases.items():
        sure = grade.confidence or "–"
        mark = " ⚠" if grade.confidence == "low" else ""
        lines.append(f"| {PHASE_TITLES[phase]} | {score_label(grade.score)}{mark} | {sure} |")
    if report.partial:
        lines += [
            "",
            "_Grade so far: missed points, model answers and next steps come with the final "
            "report, so the interview stays a test._",
        ]
    else:
        lines += ["", "## Next steps", ""]
        lines += [f"{i}. {s}" for i, s in enumerate(report.next_steps, 1)]
    lines += _misconception_lines(report)
    for phase, grade in report.phases.items():
        lines += _phase_lines(report, knowledge, phase, grade)
    return "\n".join(lines).rstrip() + "\n"


def _misconception_lines(report: GradeReport) -> list[str]:
    found = [m for g in report.phases.values() for m in g.misconceptions]
    if not found:
        return []
    lines = ["", "## Misconceptions", ""]
    for item in found:
        lines += [
            f"> “{_escape(item.quote)}” ({phase_name(item.phase)})",
            "",
            f"- **Why it is wrong:** {item.why_wrong}",
        ]
        if not report.partial:
            lines.append(f"- **Correction:** {item.correction}")
        lines.append("")
    return lines


def _phase_lines(
    report: GradeReport, knowledge: KnowledgeBase, phase: Phase, grade: PhaseGrade
) -> list[str]:
    lines = ["", f"## {PHASE_TITLES[phase]}", ""]
    if grade.bar:
        lines += [f"_Bar: {grade.bar}._", ""]
    if grade.insufficient_evidence:
        lines.append("_Insufficient evidence: the candidate said almost nothing in this phase._")
    rubric = knowledge.rubrics.get(str(phase))
    for criterion in grade.criteria:
        name = rubric.criterion(criterion.id).name if rubric else criterion.id
        lines.append(f"### {name}: {criterion.score:.0%}")
        for i, quote in enumerate(criterion.evidence):
            said = criterion.sources[i] if i < len(criterion.sources) else phase
            where = "" if said is phase else f" (said in {phase_name(said)})"
            lines.append(f"> “{_escape(quote)}”{where}")
        if criterion.why:
            lines += ["", criterion.why]
        lines.append("")
    if grade.sketch is not None:
        lines += sketch_markdown(grade.sketch)
    if grade.missed:
        lines += ["**Missed:**", *[f"- {m}" for m in grade.missed], ""]
    if grade.flags:
        lines += ["**Flags:**", *[f"- {_escape(f)}" for f in grade.flags], ""]
    answer = report.model_answers.get(phase)
    if answer:
        lines += ["<details><summary>Model answer</summary>", "", answer, "", "</details>"]
    return lines


def _escape(text: str) -> str:
    return markdown_literal(text)
