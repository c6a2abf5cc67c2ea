"""The study sheet: a case's notes as portable Markdown, one section per phase, for a target level.

Built only from the KnowledgeBase (no session, no model). Each phase section stands alone so the
HTML page (adapters/html_page.py) can put a page break between phases.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviewer.domain import GRADED_PHASES, PHASE_TITLES, CaseId, Level
from interviewer.knowledge import Case, KeyPoint, KnowledgeBase, PhaseNote, Rubric

LEVEL_TAGS = {Level.MID: "mid", Level.SENIOR: "senior", Level.STAFF: "staff"}


@dataclass(frozen=True)
class Section:
    title: str
    markdown: str  # starts with its own "## title" heading


@dataclass(frozen=True)
class StudySheet:
    case: CaseId
    level: Level
    title: str
    intro: str  # the heading, the prompt and the fact sheet summary
    sections: tuple[Section, ...]

    def to_markdown(self) -> str:
        parts = [self.intro, *(s.markdown for s in self.sections)]
        return "\n\n".join(p.strip() for p in parts) + "\n"


def build_sheet(
    knowledge: KnowledgeBase, case_id: CaseId, level: Level = Level.SENIOR
) -> StudySheet:
    """The sheet for one case; KeyError (naming the ready cases) when the case has no notes."""
    case = knowledge.case(case_id)
    sections = tuple(
        Section(PHASE_TITLES[phase], _phase_markdown(n, level, knowledge.rubrics.get(phase), i))
        for i, phase in enumerate(GRADED_PHASES, 1)
        if (n := case.notes.get(phase)) is not None
    )
    title = f"Study sheet: {case.facts.title}"
    return StudySheet(case_id, level, title, _intro(case, level, title), sections)


def _intro(case: Case, level: Level, title: str) -> str:
    facts = case.facts
    lines = [
        f"# {title}",
        "",
        f"**The prompt:** {facts.prompt}",
        "",
        f"**Your bar:** {level.value}. Key points are tagged with the lowest level whose bar has "
        "them; staff-level points are listed apart in each phase.",
        "",
        "## Fact sheet",
        "",
        _one_line(facts.summary),
        "",
        "| topic | fact |",
        "|---|---|",
        *(f"| {f.topic} | {_cell(f.answer)} |" for f in facts.facts),
    ]
    return "\n".join(lines)


def _phase_markdown(note: PhaseNote, level: Level, rubric: Rubric | None, number: int) -> str:
    bar = [k for k in note.key_points if k.level is not Level.STAFF and k.expected_at(level)]
    staff = [k for k in note.key_points if k.level is Level.STAFF]
    lines = [
        f"## {number}. {PHASE_TITLES[note.phase]}",
        "",
        f"**Opening question:** {note.opening}",
        "",
        "### Key points",
        "",
        *(_point_line(k, rubric) for k in bar),
        "",
        "### Decision rules",
        "",
        *(f"- {r.sentence()}" for r in note.rules),
        "",
        "### Misconceptions",
        "",
    ]
    for wrong in note.misconceptions:
        lines += [
            f"- **“{wrong.claim}”**",
            f"  - *Why it is wrong:* {wrong.why_wrong}",
            f"  - *Correction:* {wrong.correction.statement}",
        ]
    scope = "part of your bar" if level is Level.STAFF else "beyond your bar, what sets staff apart"
    lines += ["", f"### Staff-level points ({scope})", ""]
    lines += [_point_line(k, rubric) for k in staff] or ["- None in this phase's notes."]
    lines += ["", "### Model answer", "", note.model_answer.strip()]
    return "\n".join(lines)


def _point_line(point: KeyPoint, rubric: Rubric | None) -> str:
    names = {c.id: c.name for c in rubric.criteria} if rubric else {}
    criterion = names.get(point.criterion, point.criterion)
    return f"- **[{LEVEL_TAGS[point.level]}]** {point.statement} *({criterion})*"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return _one_line(text).replace("|", "\\|")
