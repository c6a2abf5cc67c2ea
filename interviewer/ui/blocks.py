"""The Gradio app: start, interview, report and history screens over one InterviewService.

The UI only sends events and renders state; the interview flow lives in `engine.py`. Per-user data
lives in `gr.State` (this tab) and `gr.BrowserState` (this browser, for resume after a reload).
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from interviewer.domain import (
    GRADED_PHASES,
    PHASE_TITLES,
    CaseId,
    Level,
    Mode,
    Phase,
    SessionState,
    Status,
)
from interviewer.errors import InterviewerError
from interviewer.grading.models import GradeReport
from interviewer.grading.report import score_label, to_markdown
from interviewer.session import Command, SessionUpdate
from interviewer.transcript import from_state, to_json
from interviewer.ui import render
from interviewer.ui import voice_panel as voice
from interviewer.wiring import Wiring

Outputs = tuple[Any, ...]
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


def build_app(wiring: Wiring) -> gr.Blocks:
    service = wiring.service
    knowledge = wiring.knowledge
    cases = knowledge.ready_cases
    case_choices = [
        (f"{knowledge.case(c).facts.title}: {knowledge.case(c).facts.prompt}", c.value)
        for c in cases
    ]
    phase_choices = [(PHASE_TITLES[p], p.value) for p in GRADED_PHASES]
    engines = voice.VoiceEngines(wiring)

    with gr.Blocks(title="ML system design mock interviewer") as demo:
        session_id = gr.State("")
        saved_id = gr.BrowserState("", storage_key="mlsd-interviewer-session")
        gr.Markdown("# ML system design mock interviewer")
        status = gr.Markdown("", elem_id="status")
        with gr.Tabs() as tabs:
            with gr.Tab("Start", id="start"):
                gr.Markdown(
                    f"**Interviewer model:** {render.safe(wiring.model_label)}  \n"
                    "Everything runs on this computer; sessions are saved as you go."
                )
                case_pick = gr.Radio(
                    case_choices,
                    label="Pick a case",
                    value=cases[0].value if cases else None,
                    elem_id="case-cards",
                )
                surprise = gr.Button("Surprise me", size="sm", elem_id="surprise")
                mode_pick = gr.Radio(MODE_CHOICES, value="full", label="Mode", elem_id="mode")
                phase_pick = gr.Dropdown(
                    phase_choices,
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
                resume_btn = gr.Button(
                    "Resume my unfinished session", visible=False, elem_id="resume-saved"
                )
            with gr.Tab("Interview", id="interview"):
                progress = gr.HTML(render.progress_html(None), elem_id="progress")
                clock = gr.Markdown(render.clock_text(None), elem_id="clock")
                chat = gr.Chatbot(
                    label="Interview",
                    height=460,
                    elem_id="chat",
                    sanitize_html=True,
                    group_consecutive_messages=False,
                    render_markdown=True,
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Type your answer. Enter sends, Shift+Enter adds a line.",
                        lines=1,
                        max_lines=12,
                        show_label=False,
                        scale=8,
                        elem_id="answer-box",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    hint_btn = gr.Button("Hint", size="sm", elem_id="hint")
                    next_btn = gr.Button("Next phase", size="sm", elem_id="next")
                    grade_btn = gr.Button("Grade so far", size="sm", elem_id="grade")
                    end_btn = gr.Button("End interview", size="sm", variant="stop", elem_id="end")
                with gr.Row(visible=voice.voice_installed()):
                    mic = gr.Audio(
                        sources=["microphone", "upload"],
                        type="filepath",
                        label="Speak your answer: the transcript appears in the box to edit before sending",
                        elem_id="mic",
                    )
                    speaker = gr.Audio(
                        label="Interviewer voice",
                        autoplay=True,
                        streaming=True,
                        interactive=False,
                        elem_id="speaker",
                    )
                    with gr.Column(scale=0, min_width=180):
                        speak_toggle = gr.Checkbox(
                            value=wiring.settings.speak_replies and engines.can_speak,
                            label="Speak replies",
                            interactive=engines.can_speak,
                            elem_id="speak-toggle",
                        )
                        gr.Markdown(engines.voice_notice, elem_id="voice-notice")
                        auto_send = gr.Checkbox(
                            value=False,
                            label="Send as soon as it is transcribed (no review)",
                            elem_id="auto-send",
                        )
                voiced = gr.State(False)
                spoken = gr.State(0)
                with gr.Accordion("Why this question?", open=False, elem_id="why"):
                    why = gr.Markdown("_No grounded question yet._")
                with gr.Accordion("Whiteboard / notes (saved into the transcript)", open=False):
                    board = gr.Textbox(lines=6, show_label=False, elem_id="whiteboard")
                    board_btn = gr.Button("Save notes", size="sm")
            with gr.Tab("Report", id="report"):
                report_md = gr.Markdown(render.report_markdown(None), elem_id="report-md")
                radar = gr.Plot(render.radar(None), label="Scores by phase", elem_id="radar")
                with gr.Row():
                    dl_md = gr.DownloadButton(
                        "Download report (.md)", visible=False, elem_id="dl-md"
                    )
                    dl_json = gr.DownloadButton(
                        "Download report (.json)", visible=False, elem_id="dl-json"
                    )
                    dl_tx = gr.DownloadButton(
                        "Download transcript (.json)", visible=False, elem_id="dl-tx"
                    )
            with gr.Tab("History", id="history"):
                refresh = gr.Button("Refresh", size="sm")
                table = gr.Dataframe(
                    headers=["id", "case", "mode", "started", "status", "overall"],
                    interactive=False,
                    elem_id="history-table",
                )
                picked = gr.Textbox(label="Session id (click a row)", elem_id="picked")
                with gr.Row():
                    resume_pick = gr.Button("Resume / open", elem_id="resume-pick")
                    confirm = gr.Checkbox(
                        label="Yes, delete it", value=False, elem_id="confirm-delete"
                    )
                    delete_btn = gr.Button("Delete", variant="stop", elem_id="delete")
                trend = gr.Plot(render.trend([]), label="Progress per phase")
        ticker = gr.Timer(5.0)

        views = [chat, progress, clock, why, status, report_md, radar, dl_md, dl_json, dl_tx]

        def view(
            update: SessionUpdate | None, notice: str = "", *, same_session: bool = False
        ) -> Outputs:
            """Every output for `update`. With `same_session` (an answer, a tick, a note in the
            session already on screen) the report and radar are left as they are unless this
            update brings a new report: the radar alone costs ~30 ms to build plus its JSON."""
            if update is not None and update.draft is not None and not notice:
                # While a reply streams only the chat (and a notice) can change. Rendering the
                # report, the radar plot and the download files on every chunk made each turn cost
                # several times its own work and queued concurrent sessions behind each other.
                return (
                    render.chat_messages(update.state, update.draft),
                    *(gr.skip(),) * 3,
                    render.notes_line(update.notices),
                    *(gr.skip(),) * (len(views) - 5),
                )
            state = update.state if update else None
            report = update.report if update else None
            if state is not None and report is None:
                report = service.latest_report(state.id)
            notices = list(update.notices) if update else []
            if notice:
                notices.append(notice)
            files = _downloads(state, report, wiring)
            keep = same_session and (update is None or update.report is None)
            return (
                render.chat_messages(state, update.draft if update else None) if state else [],
                render.progress_html(state),
                render.clock_text(state),
                render.why_this_question(state) if state else "",
                render.notes_line(notices),
                gr.skip() if keep else render.report_markdown(report, knowledge),
                gr.skip() if keep else render.radar(report),
                *files,
            )

        def stream(
            updates: Iterator[SessionUpdate], sid: str, *, same_session: bool = False
        ) -> Iterator[Outputs]:
            try:
                for update in updates:
                    out = view(update, same_session=same_session)
                    yield (*out, update.state.id, update.state.id, "")
            except InterviewerError as err:
                current = _safe_load(sid)
                yield (*view(current, err.user_message), sid, sid, gr.update())

        def on_start(
            case: str | None, mode: str, phase: str, total: float, level: str
        ) -> Iterator[Outputs]:
            if not case:
                yield (*view(None, "Pick a case first."), "", "", gr.update())
                return
            drill = Phase(phase) if mode == "drill" else None
            scale = (total / 45.0) if mode == "custom" else 1.0
            real_mode = Mode.DRILL if mode == "drill" else Mode.FULL
            started = service.start_stream(CaseId(case), real_mode, drill, scale, Level(level))
            yield from stream(started, "")

        def on_send(text: str, sid: str, was_voiced: bool = False) -> Iterator[Outputs]:
            if not sid:
                yield (*view(None, "Start an interview first (Start tab)."), sid, sid, text)
                return
            try:
                updates = service.send_stream(sid, text, voice=was_voiced)
                first = next(updates)
            except InterviewerError as err:
                # Refused input stays in the box so nothing typed is lost.
                yield (*view(_safe_load(sid), err.user_message), sid, sid, text)
                return
            yield (*view(first, same_session=True), sid, sid, "")
            yield from stream(updates, sid, same_session=True)

        def on_command(command: Command):
            def handler(sid: str) -> Iterator[Outputs]:
                if not sid:
                    yield (
                        *view(None, "Start an interview first (Start tab)."),
                        sid,
                        sid,
                        gr.update(),
                    )
                    return
                yield from stream(service.command_stream(sid, command), sid)

            return handler

        def on_tick(sid: str) -> Outputs:
            if not sid:
                return (gr.update(),) * (len(views) + 3)
            try:
                update = service.tick(sid)
            except InterviewerError:
                return (gr.update(),) * (len(views) + 3)
            if update is None:
                state = _safe_load(sid)
                return (
                    gr.update(),
                    gr.update(),
                    render.clock_text(state.state if state else None),
                    *(gr.update(),) * (len(views) + 3 - 3),
                )
            return (*view(update, same_session=True), sid, sid, gr.update())

        def on_board(text: str, sid: str) -> Outputs:
            if not sid:
                return (*view(None, "Start an interview first."), sid, sid, gr.update())
            try:
                state = service.save_whiteboard(sid, text)
            except InterviewerError as err:
                return (*view(_safe_load(sid), err.user_message), sid, sid, gr.update())
            return (
                *view(
                    SessionUpdate(state=state), "Notes saved to the transcript.", same_session=True
                ),
                sid,
                sid,
                gr.update(),
            )

        def on_resume(sid: str) -> Iterator[Outputs]:
            sid = (sid or "").strip()
            if not sid:
                yield (*view(None, "Pick a session first."), "", "", gr.update())
                return
            yield from stream(service.resume_stream(sid), sid)

        def _safe_load(sid: str) -> SessionUpdate | None:
            if not sid:
                return None
            try:
                return SessionUpdate(state=service.load(sid))
            except InterviewerError:
                return None

        def on_load(saved: str) -> tuple[Any, Any]:
            update = _safe_load(saved) if saved else None
            if update is None or update.state.status is Status.ENDED:
                return gr.update(value=""), gr.update(visible=False)
            state = update.state
            title = knowledge.case(state.case).facts.title
            note = (
                f"You have an unfinished **{title}** session ({PHASE_TITLES[state.phase].lower()})."
            )
            return gr.update(value=note), gr.update(visible=True)

        def history_rows() -> tuple[list[list[Any]], Any]:
            rows: list[list[Any]] = []
            for summary in wiring.store.sessions():
                import time as _time

                rows.append(
                    [
                        summary.id,
                        summary.case,
                        summary.mode,
                        _time.strftime("%Y-%m-%d %H:%M", _time.localtime(summary.created_at)),
                        summary.status,
                        "" if summary.overall is None else score_label(summary.overall),
                    ]
                )
            points: list[tuple[float, str, float]] = []
            for _, _, created, payload in wiring.store.final_grades():
                data = json.loads(payload)
                for phase, grade in data.get("phases", {}).items():
                    if grade.get("score") is not None:
                        points.append((created, phase, float(grade["score"])))
            return rows, render.trend(points)

        def on_select(evt: gr.SelectData, rows: Any) -> str:
            try:
                row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
                return str(rows.iloc[row, 0]) if hasattr(rows, "iloc") else str(rows[row][0])
            except (IndexError, KeyError, TypeError):
                return ""

        def on_delete(sid: str, sure: bool, current: str) -> tuple[Any, ...]:
            sid = (sid or "").strip()
            if not sure:
                rows, chart = history_rows()
                return rows, chart, "Tick “Yes, delete it” first.", False, current
            try:
                deleted = wiring.store.delete(sid)
            except InterviewerError as err:
                rows, chart = history_rows()
                return rows, chart, err.user_message, False, current
            rows, chart = history_rows()
            message = "Deleted." if deleted else "No such session."
            return rows, chart, message, False, "" if sid == current else current

        outputs = [*views, session_id, saved_id, box]
        speak_args = ([session_id, speak_toggle, spoken], [speaker, spoken])
        mode_pick.change(
            _mode_visibility,
            mode_pick,
            [phase_pick, minutes],
        )
        surprise.click(lambda: random.choice(cases).value if cases else None, None, case_pick)
        start_btn.click(
            on_start, [case_pick, mode_pick, phase_pick, minutes, level_pick], outputs
        ).then(lambda: (gr.Tabs(selected="interview"), 0), None, [tabs, spoken]).then(
            engines.speak, *speak_args
        )

        def on_heard(text: str, sid: str, was_voiced: bool, auto: bool) -> Iterator[Outputs]:
            if not (auto and was_voiced and text.strip()):
                yield (gr.update(),) * len(outputs)  # the transcript waits in the box for review
                return
            yield from on_send(text, sid, was_voiced)

        def still_voiced(auto: bool, was_voiced: bool) -> bool:
            """Sent already: the flag is spent. Waiting for review: Enter sends a voice turn."""
            return was_voiced and not auto

        def backchannel_if_auto(
            sid: str, enabled: bool, was_voiced: bool, auto: bool
        ) -> Iterator[Any]:
            yield from engines.backchannel(sid, enabled and auto, was_voiced)

        for recorded in (mic.stop_recording, mic.upload):
            heard = recorded(engines.heard, [mic, session_id], [box, status, voiced]).then(
                lambda: None, None, mic
            )
            heard.then(backchannel_if_auto, [session_id, speak_toggle, voiced, auto_send], speaker)
            heard.then(on_heard, [box, session_id, voiced, auto_send], outputs).then(
                still_voiced, [auto_send, voiced], voiced
            ).then(engines.speak, *speak_args)
        for sent in (box.submit, send.click):
            # Two listeners on one trigger run side by side: "Okay." plays while the reply streams.
            sent(engines.backchannel, [session_id, speak_toggle, voiced], speaker)
            sent(on_send, [box, session_id, voiced], outputs).then(
                lambda: False, None, voiced
            ).then(engines.speak, *speak_args)
        commands: tuple[tuple[gr.Button, Command], ...] = (
            (hint_btn, "hint"),
            (next_btn, "next"),
            (grade_btn, "grade"),
            (end_btn, "end"),
        )
        for button, command in commands:
            button.click(on_command(command), session_id, outputs).then(engines.speak, *speak_args)
        board_btn.click(on_board, [board, session_id], outputs)
        ticker.tick(on_tick, session_id, outputs)

        def opened(sid: str) -> tuple[Any, int]:
            update = _safe_load(sid)
            return gr.Tabs(selected="interview"), len(update.state.turns) if update else 0

        resume_btn.click(on_resume, saved_id, outputs).then(opened, session_id, [tabs, spoken])
        resume_pick.click(on_resume, picked, outputs).then(opened, session_id, [tabs, spoken])
        refresh.click(history_rows, None, [table, trend])
        table.select(on_select, table, picked)
        delete_btn.click(
            on_delete, [picked, confirm, session_id], [table, trend, status, confirm, session_id]
        )
        demo.load(on_load, saved_id, [resume_note, resume_btn])
        demo.load(history_rows, None, [table, trend])
    return demo


def _mode_visibility(mode: str) -> tuple[Any, Any]:
    return gr.update(visible=mode == "drill"), gr.update(visible=mode == "custom")


def _downloads(
    state: SessionState | None, report: GradeReport | None, wiring: Wiring
) -> tuple[Any, Any, Any]:
    if state is None:
        return gr.update(visible=False), gr.update(visible=False), gr.update(visible=False)
    folder = Path(tempfile.gettempdir()) / "mlsd-interviewer-exports" / state.id
    folder.mkdir(parents=True, exist_ok=True)
    transcript = folder / f"transcript-{state.id[:8]}.json"
    transcript.write_text(to_json(from_state(state)), encoding="utf-8")
    if report is None:
        return (
            gr.update(visible=False),
            gr.update(visible=False),
            gr.update(value=str(transcript), visible=True),
        )
    md = folder / f"report-{state.id[:8]}.md"
    md.write_text(to_markdown(report, wiring.knowledge), encoding="utf-8")
    js = folder / f"report-{state.id[:8]}.json"
    js.write_text(report.contract_json(), encoding="utf-8")
    return (
        gr.update(value=str(md), visible=True),
        gr.update(value=str(js), visible=True),
        gr.update(value=str(transcript), visible=True),
    )
