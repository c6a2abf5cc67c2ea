"""The Gradio app: the Start, Interview, Report and History tabs over one InterviewService.

Each tab lays out and wires itself (`start_tab`, `interview_tab` with `voice_panel`, `report_tab`,
`history_tab`); this module puts them in order and hands them the shared `Screen`. The UI only
sends events and renders state; the interview flow lives in `engine.py`. Per-user data lives in
`gr.State` (this tab) and `gr.BrowserState` (this browser, for resume after a reload).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import gradio as gr
from fastapi import Request
from fastapi.responses import JSONResponse

from interviewer.ui import hands_free_panel, history_tab, interview_tab, report_tab, start_tab
from interviewer.ui import voice_panel as voice
from interviewer.ui.session_view import opener
from interviewer.ui.shared import AppContext, Screen
from interviewer.wiring import Wiring


@dataclass(frozen=True)
class BuiltApp:
    """The Blocks, plus what the launch adds around them: HTTP routes and the page's <head>."""

    demo: gr.Blocks
    routes: dict[str, Callable[[Request], Awaitable[JSONResponse]]]  # POST path -> handler
    head: str


def build_app(wiring: Wiring) -> gr.Blocks:
    return build(wiring).demo


def build(wiring: Wiring) -> BuiltApp:
    engines = voice.VoiceEngines(wiring)
    with gr.Blocks(title="ML system design mock interviewer") as demo:
        session_id = gr.State("")
        saved_id = gr.BrowserState("", storage_key="mlsd-interviewer-session")
        gr.Markdown("# ML system design mock interviewer")
        status = gr.Markdown("", elem_id="status")
        with gr.Tabs() as tabs:
            with gr.Tab("Start", id="start") as start_block:
                start = start_tab.build(wiring.knowledge, wiring.model_label)
            with gr.Tab("Interview", id="interview"):
                interview = interview_tab.build(
                    engines, wiring.settings.speak_replies, wiring.settings.end_of_turn_seconds
                )
            with gr.Tab("Report", id="report"):
                report = report_tab.build()
            with gr.Tab("History", id="history"):
                history = history_tab.build()
        screen = Screen(
            session_id=session_id,
            saved_id=saved_id,
            status=status,
            tabs=tabs,
            box=interview.box,
            chat=interview.chat,
            progress=interview.progress,
            clock=interview.clock,
            why=interview.why,
            report_md=report.report_md,
            radar=report.radar,
            downloads=report.downloads,
            history_table=history.table,
            trend=history.trend,
        )
        app = AppContext(
            service=wiring.service,
            knowledge=wiring.knowledge,
            screen=screen,
            auth=wiring.settings.auth_required,
        )
        hands_free = _wire(app, demo, engines, (start, start_block), interview, report, history)
    routes = {"/hands-free/listen": hands_free_panel.route(hands_free)}
    return BuiltApp(demo, routes, hands_free_panel.page_head())


def _wire(
    app: AppContext,
    demo: gr.Blocks,
    engines: voice.VoiceEngines,
    start_parts: tuple[start_tab.StartTab, gr.Tab],
    interview: interview_tab.InterviewTab,
    report: report_tab.ReportTab,
    history: history_tab.HistoryTab,
) -> hands_free_panel.HandsFree:
    screen, row = app.screen, interview.voice
    speak = voice.speak_args(row, screen.session_id)
    start, start_block = start_parts
    for started in start_tab.wire(start, app, demo, start_block):
        started.then(
            lambda: {screen.tabs: gr.Tabs(selected="interview"), row.spoken: 0},
            None,
            [screen.tabs, row.spoken],
        ).then(engines.speak, *speak)
    hands_free = interview_tab.wire(interview, app, engines)
    report_tab.wire(report, app)

    def opened(sid: str, request: gr.Request) -> tuple[gr.Tabs, int]:
        update = app.for_request(request).load(sid)
        return gr.Tabs(selected="interview"), len(update.state.turns) if update else 0

    resumed = start.resume_btn.click(opener(app), screen.saved_id, screen.outputs)
    for event in (resumed, history_tab.wire(history, app, demo)):
        event.then(opened, screen.session_id, [screen.tabs, row.spoken])
    return hands_free
