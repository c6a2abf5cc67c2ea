"""The History tab: past sessions, open or delete one, and the score trends of final reports
(per phase and per criterion, each case on its own lines)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.events import Dependency

from interviewer.drill_schedule import attempts_from_reports
from interviewer.errors import InterviewerError
from interviewer.grading.report import score_label
from interviewer.ui import render
from interviewer.ui.session_view import opener
from interviewer.ui.shared import AppContext, Updates

HEADERS = ["id", "case", "mode", "started", "status", "overall"]


@dataclass(frozen=True)
class HistoryTab:
    refresh: gr.Button
    table: gr.Dataframe
    picked: gr.Textbox
    resume_pick: gr.Button
    confirm: gr.Checkbox
    delete_btn: gr.Button
    trend: gr.Plot
    criteria: gr.Plot


def build() -> HistoryTab:
    """Lay out the tab (call inside `gr.Tab`)."""
    refresh = gr.Button("Refresh", size="sm")
    table = gr.Dataframe(headers=HEADERS, interactive=False, elem_id="history-table")
    picked = gr.Textbox(label="Session id (click a row)", elem_id="picked")
    with gr.Row():
        resume_pick = gr.Button("Resume / open", elem_id="resume-pick")
        confirm = gr.Checkbox(label="Yes, delete it", value=False, elem_id="confirm-delete")
        delete_btn = gr.Button("Delete", variant="stop", elem_id="delete")
    trend = gr.Plot(
        render.trend([]), label="Progress per phase (one line per case)", elem_id="trend"
    )
    criteria = gr.Plot(
        render.criterion_trend([]),
        label="Progress per criterion (one line per case; click a case in the legend to hide it)",
        elem_id="criterion-trend",
    )
    return HistoryTab(refresh, table, picked, resume_pick, confirm, delete_btn, trend, criteria)


def history_values(app: AppContext, criteria: gr.Plot) -> Updates:
    """The table and the trend, read through the session service."""
    rows = [
        [
            summary.id,
            summary.case,
            summary.mode,
            time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.created_at)),
            summary.status,
            "" if summary.overall is None else score_label(summary.overall),
        ]
        for summary in app.service.sessions()
    ]
    finals = app.service.final_reports()
    points = [
        (final.at, final.case, phase.value, grade.score)
        for final in finals
        for phase, grade in final.report.phases.items()
        if grade.score is not None
    ]
    attempts = attempts_from_reports(
        ((f.session_id, f.at, f.report) for f in finals), app.knowledge
    )
    titles = {c.value: case.facts.title for c, case in app.knowledge.cases.items()}
    return {
        app.screen.history_table: rows,
        app.screen.trend: render.trend(points, titles),
        criteria: render.criterion_trend(attempts, titles),
    }


class HistoryHandlers:
    def __init__(self, app: AppContext, tab: HistoryTab) -> None:
        self.app = app
        self.tab = tab

    def refresh(self, request: gr.Request) -> Updates:
        return history_values(self.app.for_request(request), self.tab.criteria)

    def select(self, evt: gr.SelectData, rows: Any) -> str:
        """The id in the clicked row (the table may arrive as a DataFrame or a list)."""
        try:
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            return str(rows.iloc[row, 0]) if hasattr(rows, "iloc") else str(rows[row][0])
        except (IndexError, KeyError, TypeError):
            return ""

    def delete(self, sid: str, sure: bool, current: str, request: gr.Request) -> Updates:
        app = self.app.for_request(request)
        screen = app.screen
        sid = (sid or "").strip()
        values: Updates = {self.tab.confirm: False, screen.session_id: current}
        if not sure:
            message = "Tick “Yes, delete it” first."
        else:
            try:
                message = "Deleted." if app.service.delete(sid) else "No such session."
                if sid == current:
                    values[screen.session_id] = ""
            except InterviewerError as err:
                message = err.user_message
        return {**values, **history_values(app, self.tab.criteria), screen.status: message}


def wire(tab: HistoryTab, app: AppContext, demo: gr.Blocks) -> Dependency:
    """Events of the tab; returns the "Resume / open" event so the caller can chain after it."""
    handlers = HistoryHandlers(app, tab)
    screen = app.screen
    shown = [screen.history_table, screen.trend, tab.criteria]
    tab.refresh.click(handlers.refresh, None, shown)
    tab.table.select(handlers.select, tab.table, tab.picked)
    tab.delete_btn.click(
        handlers.delete,
        [tab.picked, tab.confirm, screen.session_id],
        [tab.confirm, screen.session_id, *shown, screen.status],
    )
    demo.load(handlers.refresh, None, shown)
    return tab.resume_pick.click(opener(app), tab.picked, screen.outputs)
