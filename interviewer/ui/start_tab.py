"""The Start tab: pick a case, a mode and a level; start, or resume the session this browser left."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from interviewer.domain import GRADED_PHASES, PHASE_TITLES, CaseId, Level, Mode, Phase, Status
from interviewer.knowledge import KnowledgeBase
from interviewer.ui import recommend_panel, render, sheet_download
from interviewer.ui.session_view import refuse, stream
from interviewer.ui.shared import AppContext, Updates

LEVEL_CHOICES = [
    ("Mid-level: the basics, done well", Level.MID.value),
    ("Senior (default)", Level.SENIOR.value),
    ("Staff: cost at peak, experiment statistics, delayed feedback, skew", Level.STAFF.value),
]
MODE_CHOICES = [
    ("Full interview (45 min, all phases)", "full"),
    ("Drill one phase (~8 min)", "drill"),
    ("Custom budget", "custom"),
]


@dataclass(frozen=True)
class StartTab:
    case_pick: gr.Radio
    surprise: gr.Button
    mode_pick: gr.Radio
    phase_pick: gr.Dropdown
    minutes: gr.Slider
    level_pick: gr.Radio
    start_btn: gr.Button
    resume_note: gr.Markdown
    resume_btn: gr.Button
    sheet: sheet_download.SheetDownload
    recommend: recommend_panel.RecommendPanel


def build(knowledge: KnowledgeBase, model_label: str) -> StartTab:
    """Lay out the tab's components (call inside `gr.Tab`)."""
    cases = knowledge.ready_cases
    case_choices = [
        (f"{knowledge.case(c).facts.title}: {knowledge.case(c).facts.prompt}", c.value)
        for c in cases
    ]
    gr.Markdown(
        f"**Interviewer model:** {render.safe(model_label)}  \n"
        "Everything runs on this computer; sessions are saved as you go."
    )
    recommend = recommend_panel.build()
    case_pick = gr.Radio(
        case_choices,
        label="Pick a case",
        value=cases[0].value if cases else None,
        elem_id="case-cards",
    )
    with gr.Row():
        surprise = gr.Button("Surprise me", size="sm", elem_id="surprise")
        sheet = sheet_download.build()
    mode_pick = gr.Radio(MODE_CHOICES, value="full", label="Mode", elem_id="mode")
    phase_pick = gr.Dropdown(
        [(PHASE_TITLES[p], p.value) for p in GRADED_PHASES],
        value="requirements",
        label="Phase to drill",
        visible=False,
        elem_id="drill-phase",
    )
    minutes = gr.Slider(15, 90, value=45, step=5, label="Total minutes", visible=False)
    level_pick = gr.Radio(
        LEVEL_CHOICES,
        value=Level.SENIOR.value,
        label="Target level (the follow-ups and the bar you are graded against)",
        elem_id="level",
    )
    start_btn = gr.Button("Start interview", variant="primary", elem_id="start-btn")
    resume_note = gr.Markdown("")
    resume_btn = gr.Button("Resume my unfinished session", visible=False, elem_id="resume-saved")
    return StartTab(
        case_pick,
        surprise,
        mode_pick,
        phase_pick,
        minutes,
        level_pick,
        start_btn,
        resume_note,
        resume_btn,
        sheet,
        recommend,
    )


class StartHandlers:
    def __init__(self, app: AppContext) -> None:
        self.app = app

    def start(
        self,
        case: str | None,
        mode: str,
        phase: str,
        total: float,
        level: str,
        request: gr.Request,
    ) -> Iterator[Updates]:
        app = self.app.for_request(request)
        if not case:
            yield refuse(app, "", "Pick a case first.")
            return
        drill = Phase(phase) if mode == "drill" else None
        scale = (total / 45.0) if mode == "custom" else 1.0
        real_mode = Mode.DRILL if mode == "drill" else Mode.FULL
        started = app.service.start_stream(CaseId(case), real_mode, drill, scale, Level(level))
        yield from stream(app, started, "")

    def surprise(self) -> str | None:
        cases = self.app.knowledge.ready_cases
        return random.choice(cases).value if cases else None

    def offer_resume(self, saved: str, request: gr.Request) -> tuple[str, dict[str, object]]:
        """On page load: offer the unfinished session this browser saved, if there is one."""
        update = self.app.for_request(request).load(saved)
        if update is None or update.state.status is Status.ENDED:
            return "", gr.update(visible=False)
        state = update.state
        title = self.app.knowledge.case(state.case).facts.title
        phase = PHASE_TITLES[state.phase].lower()
        return f"You have an unfinished **{title}** session ({phase}).", gr.update(visible=True)


def mode_visibility(mode: str) -> tuple[dict[str, object], dict[str, object]]:
    return gr.update(visible=mode == "drill"), gr.update(visible=mode == "custom")


def wire(tab: StartTab, app: AppContext, demo: gr.Blocks, block: gr.Tab) -> list[Dependency]:
    """Events of the tab; returns the events that start a session, so the caller can chain."""
    handlers = StartHandlers(app)
    screen = app.screen
    tab.mode_pick.change(mode_visibility, tab.mode_pick, [tab.phase_pick, tab.minutes])
    tab.surprise.click(handlers.surprise, None, tab.case_pick)
    demo.load(handlers.offer_resume, screen.saved_id, [tab.resume_note, tab.resume_btn])
    sheet_download.wire(tab.sheet, app, tab.case_pick, tab.level_pick)
    inputs = [tab.case_pick, tab.mode_pick, tab.phase_pick, tab.minutes, tab.level_pick]
    recommended = recommend_panel.wire(tab.recommend, app, demo, block, tab.level_pick)
    started = tab.start_btn.click(handlers.start, inputs, screen.outputs, api_name="start")
    return [started, recommended]
