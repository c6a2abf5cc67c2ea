"""The Report tab: the report, the radar, and downloads written only when one is clicked.

Each visible "Download" button writes its file on click into a hidden `gr.DownloadButton`, whose
own click then starts the browser download. A DownloadButton downloads the value it already holds
when clicked, so a file made in its own click handler would arrive one click late; and writing all
three files on every update (as before) cost a report render per turn for files rarely wanted.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import gradio as gr

from interviewer.errors import InterviewerError
from interviewer.grading.report import to_markdown
from interviewer.transcript import from_state, to_json
from interviewer.ui import render
from interviewer.ui.shared import AppContext

Export = Literal["md", "json", "transcript"]
EXPORT_FOLDER = Path(tempfile.gettempdir()) / "mlsd-interviewer-exports"
# Clicks the hidden DownloadButton once the handler has given it the new file.
_CLICK_FILE = "() => { document.querySelector('#dl-file')?.click(); }"


@dataclass(frozen=True)
class ReportTab:
    report_md: gr.Markdown
    radar: gr.Plot
    downloads: tuple[gr.Button, gr.Button, gr.Button]
    file: gr.DownloadButton


def build() -> ReportTab:
    """Lay out the tab (call inside `gr.Tab`)."""
    report_md = gr.Markdown(render.report_markdown(None), elem_id="report-md")
    radar = gr.Plot(render.radar(None), label="Scores by phase", elem_id="radar")
    with gr.Row():
        md = gr.Button("Download report (.md)", visible=False, elem_id="dl-md")
        js = gr.Button("Download report (.json)", visible=False, elem_id="dl-json")
        tx = gr.Button("Download transcript (.json)", visible=False, elem_id="dl-tx")
    # Rendered but hidden by CSS (a component with visible=False is not in the page to click).
    file = gr.DownloadButton("file", elem_id="dl-file", elem_classes=["hidden-download"])
    return ReportTab(report_md, radar, (md, js, tx), file)


def export_file(app: AppContext, sid: str, kind: Export) -> Path:
    """Write one export of session `sid` and return its path; InterviewerError if there is none."""
    state = app.service.load(sid)
    folder = EXPORT_FOLDER / state.id
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "transcript":
        path = folder / f"transcript-{state.id[:8]}.json"
        path.write_text(to_json(from_state(state)), encoding="utf-8")
        return path
    report = app.service.latest_report(state.id)
    if report is None:
        raise InterviewerError("no report", user_message="There is no report to download yet.")
    if kind == "md":
        path = folder / f"report-{state.id[:8]}.md"
        path.write_text(to_markdown(report, app.knowledge), encoding="utf-8")
    else:
        path = folder / f"report-{state.id[:8]}.json"
        path.write_text(report.contract_json(), encoding="utf-8")
    return path


def wire(tab: ReportTab, app: AppContext) -> None:
    kinds: tuple[Export, ...] = ("md", "json", "transcript")
    for button, kind in zip(tab.downloads, kinds, strict=True):

        def prepare(sid: str, request: gr.Request, kind: Export = kind) -> dict[object, object]:
            try:
                scoped = app.for_request(request)
                return {tab.file: str(export_file(scoped, sid, kind)), app.screen.status: ""}
            except InterviewerError as err:
                # No file: the click that follows finds nothing to download.
                return {tab.file: None, app.screen.status: render.notes_line([err.user_message])}

        button.click(prepare, app.screen.session_id, [tab.file, app.screen.status]).success(
            None, None, None, js=_CLICK_FILE
        )
