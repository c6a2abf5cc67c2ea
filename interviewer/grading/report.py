"""The human report: Markdown with scores as level names and percentages, quotes escaped."""

from __future__ import annotations

from interviewer.delivery import markdown_lines as delivery_markdown
from interviewer.domain import (
    PHASE_TITLES,
    Phase,
    phase_name,
)
from interviewer.estimates.render import markdown_section as estimates_markdown
from interviewer.estimates.verdict import EstimateCheck
from interviewer.grading.models import LEVEL_NAMES, GradeReport, PhaseGrade
from interviewer.grading.scoring import level_for
from interviewer.knowledge import KnowledgeBase
from interviewer.sketch_check import markdown_lines as sketch_markdown
from interviewer.text import (
    markdown_literal,
)


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
    if report.wrapup is not None:
        wrap = report.wrapup
        lines.append(
            f"| Wrap-up (cross-cutting, not in overall) | {score_label(wrap.score)} | "
            f"{wrap.confidence or '–'} |"
        )
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
    if report.delivery is not None:
        lines += delivery_markdown(report.delivery, PHASE_TITLES)
    lines += estimates_markdown(_estimates(report))
    for phase, grade in report.phases.items():
        lines += _phase_lines(report, knowledge, phase, grade)
    if report.wrapup is not None:
        lines += _phase_lines(report, knowledge, Phase.WRAPUP, report.wrapup)
    return "\n".join(lines).rstrip() + "\n"


def _estimates(report: GradeReport) -> dict[Phase, list[EstimateCheck]]:
    graded = dict(report.phases)
    if report.wrapup is not None:
        graded[Phase.WRAPUP] = report.wrapup
    return {p: g.estimates for p, g in graded.items() if g.estimates}


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
    rubric = knowledge.rubrics.get("cross-cutting" if phase is Phase.WRAPUP else str(phase))
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
