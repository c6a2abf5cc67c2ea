"""On the Start tab: the study sheet of the chosen case and level, written when the button is clicked.

Same two-step as the report exports (report_tab.py): the visible button writes the file into a
hidden DownloadButton, whose click then starts the browser download.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from interviewer.domain import CaseId, Level
from interviewer.errors import InterviewerError
from interviewer.study_files import write_sheet
from interviewer.study_sheet import build_sheet
from interviewer.ui import render
from interviewer.ui.report_tab import EXPORT_FOLDER
from interviewer.ui.shared import AppContext, Updates

_CLICK_FILE = "() => { document.querySelector('#dl-sheet')?.click(); }"


@dataclass(frozen=True)
class SheetDownload:
    button: gr.Button
    file: gr.DownloadButton


def build() -> SheetDownload:
    button = gr.Button(
        "Study sheet for this case (.html, prints on A4/Letter)",
        size="sm",
        elem_id="study-sheet",
    )
    file = gr.DownloadButton("file", elem_id="dl-sheet", elem_classes=["hidden-download"])
    return SheetDownload(button, file)


def sheet_file(app: AppContext, case: str | None, level: str) -> Path:
    """Write the sheet of `case` at `level` and return its path."""
    if not case:
        raise InterviewerError("no case", user_message="Pick a case first.")
    case_id = CaseId(case)
    sheet = build_sheet(app.knowledge, case_id, Level(level))
    folder = EXPORT_FOLDER / "study"
    folder.mkdir(parents=True, exist_ok=True)
    return write_sheet(sheet, folder / f"study-sheet-{case_id.value}-{level}.html")


def wire(panel: SheetDownload, app: AppContext, case: gr.Radio, level: gr.Radio) -> None:
    status = app.screen.status

    def prepare(case_value: str | None, level_value: str) -> Updates:
        try:
            return {panel.file: str(sheet_file(app, case_value, level_value)), status: ""}
        except InterviewerError as err:
            return {panel.file: None, status: render.notes_line([err.user_message])}

    panel.button.click(
        prepare, [case, level], [panel.file, status], api_name="study_sheet"
    ).success(None, None, None, js=_CLICK_FILE)
