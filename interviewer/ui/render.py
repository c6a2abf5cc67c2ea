"""Pure rendering helpers for the web UI: state in, safe display values out (no gradio import).

Candidate and model text is HTML-escaped before it reaches the browser, so a transcript can never
inject markup or script; the only HTML we emit is built here from our own ids and numbers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from interviewer.domain import (
    GRADED_PHASES,
    PHASE_TITLES,
    Mode,
    Phase,
    Role,
    SessionState,
    Status,
    TurnKind,
)
from interviewer.drill_schedule import Attempt
from interviewer.grading.models import GradeReport
from interviewer.grading.report import to_markdown
from interviewer.knowledge import KnowledgeBase
from interviewer.sketch_check import saved_message
from interviewer.text import markdown_literal

SHORT_TITLES = {
    Phase.REQUIREMENTS: "Requirements",
    Phase.FRAMING: "Framing",
    Phase.DATA: "Data",
    Phase.MODELING: "Modeling",
    Phase.EVALUATION: "Evaluation",
    Phase.SERVING: "Serving",
    Phase.MONITORING: "Monitoring",
}


def safe(text: str) -> str:
    """Escape for display inside Markdown: tags show as text and no character formats it."""
    return markdown_literal(text)


def notes_line(notices: Sequence[str]) -> str:
    return " · ".join(f"**Note:** {safe(n)}" for n in notices)


def chat_messages(state: SessionState, draft: str | None = None) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for turn in state.turns:
        if turn.role is Role.CANDIDATE:
            if turn.kind is TurnKind.SKETCH:  # the Mermaid text is in the sketch panel
                messages.append({"role": "user", "content": f"*{safe(saved_message(turn.text))}*"})
                continue
            prefix = "*Whiteboard notes:*\n\n" if turn.kind is TurnKind.WHITEBOARD else ""
            messages.append({"role": "user", "content": prefix + safe(turn.text)})
            continue
        content = safe(turn.text)
        if turn.fallback:
            content += "\n\n<sub>(scripted reply: the model was unavailable)</sub>"
        message: dict[str, Any] = {"role": "assistant", "content": content}
        messages.append(message)
    if draft:
        messages.append({"role": "assistant", "content": safe(draft) + " …"})
    return messages


def why_this_question(state: SessionState) -> str:
    """The notes behind the latest cited interviewer turns ("why this question?")."""
    cited = [t for t in state.turns if t.role is Role.INTERVIEWER and t.citation is not None]
    if not cited:
        return "_No grounded question yet._"
    lines: list[str] = []
    for turn in cited[-3:][::-1]:
        assert turn.citation is not None
        what = {
            TurnKind.FOLLOW_UP: "Follow-up",
            TurnKind.FACT: "Answer",
            TurnKind.OPENING: "Opening",
            TurnKind.HINT: "Hint",
            TurnKind.BRIEFING: "Briefing",
        }.get(turn.kind, "Reply")
        lines.append(
            f"**{what}** ({PHASE_TITLES[turn.phase]}): from `{turn.citation.source}` › "
            f"{safe(turn.citation.heading)}"
        )
    return "\n\n".join(lines)


def progress_html(state: SessionState | None) -> str:
    current = state.phase if state else None
    drill = state.drill_phase if state and state.mode is Mode.DRILL else None
    done_index = (
        GRADED_PHASES.index(current)
        if current in GRADED_PHASES
        else (len(GRADED_PHASES) if current is Phase.WRAPUP else -1)
    )
    if state and state.status is Status.ENDED:
        done_index = len(GRADED_PHASES)
    cells: list[str] = []
    for index, phase in enumerate(GRADED_PHASES):
        if drill is not None and phase is not drill:
            css = "phase skipped"
        elif phase is current and not (state and state.status is Status.ENDED):
            css = "phase current"
        elif index < done_index:
            css = "phase done"
        else:
            css = "phase"
        cells.append(f'<div class="{css}" data-phase="{phase.value}">{SHORT_TITLES[phase]}</div>')
    return f'<div class="phase-bar">{"".join(cells)}</div>'


def clock_text(state: SessionState | None, now: float | None = None) -> str:
    if state is None:
        return "No interview running."
    now = time.time() if now is None else now
    if state.status is Status.ENDED:
        return "Interview finished."
    phase_left = state.phase_budget() - state.phase_elapsed(now)
    total_left = state.total_budget() - max(0.0, now - state.started_at)
    title = PHASE_TITLES.get(state.phase, state.phase)
    text = f"**{title}** · phase {_mmss(phase_left)} · total {_mmss(total_left)}"
    if phase_left < 0:
        text += " · ⏰ over time: wrap up this phase"
    return text


def _mmss(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"


def radar(report: GradeReport | None) -> go.Figure:
    """Scores as percentages; a phase never reached (or too thin to grade) is a labelled gap."""
    values: list[float | None] = []
    labels: list[str] = []
    for phase in GRADED_PHASES:
        grade = report.phases.get(phase) if report else None
        reached = grade is not None and grade.score is not None
        # A phase never reached is a gap in the chart, not a score of 0.
        values.append(
            round(100 * grade.score) if grade is not None and grade.score is not None else None
        )
        gap = "" if reached else " (not reached)" if grade is None else " (too little said)"
        labels.append(SHORT_TITLES[phase] + gap)
    figure = go.Figure(
        go.Scatterpolar(
            r=[*values, values[0]], theta=[*labels, labels[0]], fill="toself", name="score"
        )
    )
    figure.update_layout(
        polar={"radialaxis": {"range": [0, 100], "tickvals": [25, 50, 75, 100], "ticksuffix": "%"}},
        showlegend=False,
        margin={"l": 40, "r": 40, "t": 30, "b": 30},
        height=360,
    )
    return figure


def report_markdown(report: GradeReport | None, knowledge: KnowledgeBase | None = None) -> str:
    if report is None or knowledge is None:
        return "_No report yet. Use **Grade so far** or finish an interview._"
    return to_markdown(report, knowledge)


def trend(
    points: list[tuple[float, str, str, float]], titles: dict[str, str] | None = None
) -> go.Figure:
    """points: (timestamp, case, phase, score) from final reports; one line per case and phase,
    so no line joins scores of different cases."""
    series: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for at, case, phase, score in points:
        series.setdefault((case, phase), []).append((at, score))
    order = {p.value: i for i, p in enumerate(GRADED_PHASES)}
    keys = sorted(series, key=lambda k: (k[0], order.get(k[1], 99)))
    named = [(k[0], SHORT_TITLES.get(Phase(k[1]), k[1]), sorted(series[k])) for k in keys]
    return _lines(named, titles or {}, height=320)


def criterion_trend(attempts: Sequence[Attempt], titles: dict[str, str] | None = None) -> go.Figure:
    """One line per case and criterion ("serving / latency or throughput budget"), grouped by case
    in the legend; a case's lines never join another case's points."""
    series: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for attempt in attempts:
        key = (attempt.case.value, attempt.phase.value, attempt.name)
        series.setdefault(key, []).append((attempt.at, attempt.score))
    order = {p.value: i for i, p in enumerate(GRADED_PHASES)}
    keys = sorted(series, key=lambda k: (k[0], order.get(k[1], 99), k[2]))
    named = [(k[0], f"{k[1]} / {k[2].lower()}", sorted(series[k])) for k in keys]
    return _lines(named, titles or {}, height=420)


def _lines(
    named: list[tuple[str, str, list[tuple[float, float]]]], titles: dict[str, str], height: int
) -> go.Figure:
    """(case, line name, [(time, score)]) → one trace each, in a legend group per case (titled
    with the case's title when `titles` has it)."""
    figure = go.Figure()
    for case_id, name, points in named:
        case = titles.get(case_id, case_id)
        figure.add_trace(
            go.Scatter(
                x=[time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) for t, _ in points],
                y=[s for _, s in points],
                mode="lines+markers",
                name=name,
                legendgroup=case_id,
                legendgrouptitle={"text": case},
                hovertemplate=f"{case}<br>{name}<br>%{{x}}: %{{y:.0%}}<extra></extra>",
            )
        )
    figure.update_layout(
        # A little room below 0 and above 1, so a score at either end is not hidden by the axis.
        yaxis={"range": [-0.04, 1.04], "title": "score", "tickformat": ".0%"},
        height=height,
        margin={"l": 40, "r": 20, "t": 30, "b": 40},
        legend={"groupclick": "toggleitem"},
    )
    return figure


CSS = """
.phase-bar {display:flex; gap:4px; margin:4px 0 8px 0}
.phase-bar .phase {flex:1; text-align:center; padding:6px 2px; border-radius:6px;
  background:var(--neutral-200, #e5e7eb); color:var(--neutral-700,#374151); font-size:0.85em}
.phase-bar .phase.done {background:#bbf7d0; color:#14532d}
.phase-bar .phase.current {background:#2563eb; color:white; font-weight:600}
.phase-bar .phase.skipped {opacity:0.35}
.hidden-download {display:none !important}
"""
