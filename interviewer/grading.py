"""Turns a transcript into a Report: per-phase scores from `scoring`, plus the human-facing parts.

No model is needed. The report never contains a score the scorer did not compute, and a phase with
too little candidate text is "insufficient evidence" (score null), never a guess.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from interviewer.domain import GRADED_PHASES, PHASE_TITLES, CaseId, Phase, Role, Turn, TurnKind
from interviewer.knowledge import KnowledgeBase
from interviewer.scoring import PhaseGrade, Scorer, level_for
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
    ) -> GradeReport:
        case = self.knowledge.case(case_id)
        wanted = list(phases) if phases is not None else _phases_present(turns)
        grades: dict[Phase, PhaseGrade] = {}
        for phase in wanted:
            if phase not in case.notes:
                continue
            rubric = self.knowledge.rubrics.get(str(phase))
            grades[phase] = self.scorer.score_phase(case, case.notes[phase], rubric, turns)
        scored = [g.score for g in grades.values() if g.score is not None]
        overall = round(sum(scored) / len(scored), 3) if scored else None
        return GradeReport(
            id=session_id,
            case=case_id,
            overall=overall,
            phases=grades,
            model_answers={p: case.notes[p].model_answer for p in grades},
            next_steps=self._next_steps(case_id, grades),
            partial=partial,
        )

    def grade_transcript(self, transcript: Transcript) -> GradeReport:
        turns = transcript.to_turns()
        phases = [transcript.phase] if transcript.phase else _phases_present(turns)
        return self.grade_turns(transcript.id, transcript.case, turns, phases)

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
            title = PHASE_TITLES[phase].lower()
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


def _phases_present(turns: Sequence[Turn]) -> list[Phase]:
    present = {
        t.phase for t in turns if t.role is Role.CANDIDATE and t.kind is not TurnKind.CLARIFYING
    }
    return [p for p in GRADED_PHASES if p in present]


def to_markdown(report: GradeReport, knowledge: KnowledgeBase) -> str:
    """The human report: shown in the app and the terminal, and exported. Candidate words are
    HTML-escaped, so a quoted answer cannot inject markup wherever the Markdown is rendered."""
    title = "Grade so far" if report.partial else "Interview report"
    case = knowledge.case(report.case).facts
    lines = [f"# {title}: {case.title}", ""]
    if report.overall is None:
        lines.append("**Overall:** insufficient evidence")
    else:
        lvl = level_for(report.overall)
        lines.append(f"**Overall:** {report.overall:.2f} (level {lvl}, {LEVEL_NAMES[lvl]})")
    lines += ["", "| phase | score | level |", "|---|---|---|"]
    for phase, grade in report.phases.items():
        if grade.score is None:
            lines.append(f"| {PHASE_TITLES[phase]} | insufficient evidence | – |")
        else:
            level = grade.level or 1
            lines.append(
                f"| {PHASE_TITLES[phase]} | {grade.score:.2f} | {level} ({LEVEL_NAMES[level]}) |"
            )
    lines += ["", "## Next steps", ""] + [f"{i}. {s}" for i, s in enumerate(report.next_steps, 1)]
    for phase, grade in report.phases.items():
        lines += ["", f"## {PHASE_TITLES[phase]}", ""]
        if grade.insufficient_evidence:
            lines.append(
                "_Insufficient evidence: the candidate said almost nothing in this phase._"
            )
        rubric = knowledge.rubrics.get(str(phase))
        for criterion in grade.criteria:
            name = rubric.criterion(criterion.id).name if rubric else criterion.id
            lines.append(f"### {name}: {criterion.score:.2f}")
            for quote in criterion.evidence:
                lines.append(f"> “{_escape(quote)}”")
            if criterion.why:
                lines.append("")
                lines.append(criterion.why)
            lines.append("")
        if grade.missed:
            lines += ["**Missed:**", *[f"- {m}" for m in grade.missed], ""]
        if grade.flags:
            lines += ["**Flags:**", *[f"- {_escape(f)}" for f in grade.flags], ""]
        answer = report.model_answers.get(phase)
        if answer:
            lines += ["<details><summary>Model answer</summary>", "", answer, "", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
