"""On the Start tab: "Recommended next", the drill the schedule picks from history, with its reason
and a button that starts it. Read through the session service, refreshed whenever the tab opens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from interviewer.domain import CaseId, Level, Mode, Phase
from interviewer.drill_text import recommendation
from interviewer.errors import InterviewerError
from interviewer.ui import render
from interviewer.ui.session_view import refuse, stream
from interviewer.ui.shared import AppContext, Updates


@dataclass(frozen=True)
class RecommendPanel:
    note: gr.Markdown
    start: gr.Button
    pick: gr.State  # "case/phase" of the drill shown, so the button starts what was read


def build() -> RecommendPanel:
    with gr.Group():
        note = gr.Markdown("**Recommended next:** …", elem_id="recommended-note")
        start = gr.Button("Start this drill", visible=False, elem_id="start-recommended")
    return RecommendPanel(note, start, gr.State(""))


def recommended(app: AppContext) -> tuple[str, str]:
    """(Markdown for the panel, "case/phase" or "" when there is nothing to start)."""
    try:
        plan = app.service.drill_plan()
    except InterviewerError as err:  # an unreadable store: say so, the rest of the tab works
        return f"**Recommended next:** {render.safe(err.user_message)}", ""
    what, why = recommendation(plan, app.knowledge, app.service.clock.now())
    if not what or plan.pick is None:
        return f"**Recommended next:** {render.safe(why)}", ""
    text = f"**Recommended next:** {render.safe(what)} (drill)  \n_Why:_ {render.safe(why)}"
    return text, f"{plan.pick.case}/{plan.pick.phase}"


def start_pick(app: AppContext, pick: str, level: str) -> Iterator[Updates]:
    case, _, phase = pick.partition("/")
    if not case or not phase:
        yield refuse(app, "", "There is no recommended drill yet.")
        return
    started = app.service.start_stream(CaseId(case), Mode.DRILL, Phase(phase), 1.0, Level(level))
    yield from stream(app, started, "")


def wire(
    panel: RecommendPanel,
    app: AppContext,
    demo: gr.Blocks,
    tab: gr.Tab,
    level: gr.Radio,
) -> Dependency:
    """Refresh on load and when the Start tab is opened; returns the start event to chain after."""

    def refresh(request: gr.Request) -> Updates:
        text, pick = recommended(app.for_request(request))
        return {panel.note: text, panel.pick: pick, panel.start: gr.update(visible=bool(pick))}

    outputs = [panel.note, panel.pick, panel.start]
    demo.load(refresh, None, outputs, api_name="recommended")
    tab.select(refresh, None, outputs, api_name="recommended_on_open")

    def start(pick: str, level_value: str, request: gr.Request) -> Iterator[Updates]:
        yield from start_pick(app.for_request(request), pick, level_value)

    return panel.start.click(
        start, [panel.pick, level], app.screen.outputs, api_name="start_recommended"
    )
