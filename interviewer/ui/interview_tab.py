"""The Interview tab: the phase bar, the clock, the chat, the answer box and the commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gradio as gr

from interviewer.domain import Speech
from interviewer.errors import InterviewerError
from interviewer.session import Command, SessionUpdate
from interviewer.sketch_check import saved_message
from interviewer.ui import hands_free_panel, render, sketch_panel, voice_panel
from interviewer.ui.session_view import refuse, show, stream
from interviewer.ui.shared import NO_SESSION, AppContext, Updates

COMMANDS: tuple[Command, ...] = ("hint", "next", "grade", "end")


@dataclass(frozen=True)
class InterviewTab:
    progress: gr.HTML
    clock: gr.Markdown
    chat: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    commands: dict[Command, gr.Button]
    voice: voice_panel.VoiceRow
    hands_free: hands_free_panel.HandsFreeRow
    why: gr.Markdown
    sketch: sketch_panel.SketchPanel


def build(
    engines: voice_panel.VoiceEngines, speak_by_default: bool, pause_s: float
) -> InterviewTab:
    """Lay out the tab (call inside `gr.Tab`)."""
    progress, clock, chat, box, send = build_top()
    commands = build_commands()
    voice = voice_panel.build_row(engines, speak_by_default)
    hands_free = hands_free_panel.build_row(engines, pause_s)
    why, sketch = build_notes()
    return InterviewTab(progress, clock, chat, box, send, commands, voice, hands_free, why, sketch)


def build_top() -> tuple[gr.HTML, gr.Markdown, gr.Chatbot, gr.Textbox, gr.Button]:
    """Phase bar, clock, chat and answer box (call inside `gr.Tab`)."""
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
    return progress, clock, chat, box, send


def build_commands() -> dict[Command, gr.Button]:
    with gr.Row():
        return {
            "hint": gr.Button("Hint", size="sm", elem_id="hint"),
            "next": gr.Button("Next phase", size="sm", elem_id="next"),
            "grade": gr.Button("Grade so far", size="sm", elem_id="grade"),
            "end": gr.Button("End interview", size="sm", variant="stop", elem_id="end"),
        }


def build_notes() -> tuple[gr.Markdown, sketch_panel.SketchPanel]:
    """ "Why this question?" and the architecture sketch, below the voice row."""
    with gr.Accordion("Why this question?", open=False, elem_id="why"):
        why = gr.Markdown("_No grounded question yet._")
    return why, sketch_panel.build()


class InterviewHandlers:
    def __init__(self, app: AppContext) -> None:
        self.app = app

    def send(
        self,
        text: str,
        sid: str,
        was_voiced: bool,
        take: Speech | None,
        request: gr.Request,
    ) -> Iterator[Updates]:
        """`take`: the word timings of the recording the text came from (kept with the turn)."""
        app = self.app.for_request(request)
        screen = app.screen
        if not sid:
            yield {**refuse(app, sid, NO_SESSION), screen.box: text}
            return
        speech = take if was_voiced else None
        try:
            updates = app.service.send_stream(sid, text, voice=was_voiced, speech=speech)
            first = next(updates)
        except InterviewerError as err:
            # Refused input stays in the box so nothing typed is lost.
            yield {**refuse(app, sid, err.user_message), screen.box: text}
            return
        yield {**show(app, first, same_session=True), screen.box: ""}
        yield from stream(app, updates, sid, same_session=True)

    def command(self, command: Command) -> Callable[[str, gr.Request], Iterator[Updates]]:
        def handler(sid: str, request: gr.Request) -> Iterator[Updates]:
            app = self.app.for_request(request)
            if not sid:
                yield refuse(app, sid, NO_SESSION)
                return
            yield from stream(app, app.service.command_stream(sid, command), sid)

        return handler

    def tick(self, sid: str, request: gr.Request) -> Updates:
        app = self.app.for_request(request)
        if not sid:
            return {}
        try:
            update = app.service.tick(sid)
        except InterviewerError:
            return {}
        if update is None:
            loaded = app.load(sid)
            return {app.screen.clock: render.clock_text(loaded.state if loaded else None)}
        return show(app, update, same_session=True)

    def save_board(self, text: str, sid: str, request: gr.Request) -> Updates:
        app = self.app.for_request(request)
        if not sid:
            return refuse(app, sid, "Start an interview first.")
        try:
            state = app.service.save_whiteboard(sid, text)
        except InterviewerError as err:
            return refuse(app, sid, err.user_message)
        saved = saved_message(text)
        return show(app, SessionUpdate(state=state), saved, same_session=True)


def wire(
    tab: InterviewTab, app: AppContext, engines: voice_panel.VoiceEngines
) -> hands_free_panel.HandsFree:
    """Typed and spoken answers, the command buttons, the sketch and the clock; returns the
    hands-free listener, which also answers the page's microphone posts."""
    handlers = InterviewHandlers(app)
    screen, voice = app.screen, tab.voice
    speak = voice_panel.speak_args(voice, screen.session_id)
    for sent in (tab.box.submit, tab.send.click):
        # Two listeners on one trigger run side by side: "Okay." plays while the reply streams.
        sent(
            engines.backchannel,
            [screen.session_id, voice.speak_toggle, voice.voiced],
            voice.speaker,
        )
        sent(
            handlers.send, [tab.box, screen.session_id, voice.voiced, voice.take], screen.outputs
        ).then(lambda: False, None, voice.voiced).then(engines.speak, *speak)
    voice_panel.wire_microphone(voice, engines, screen, handlers.send)
    hands_free = hands_free_panel.HandsFree(app, engines)
    hands_free_panel.wire(tab.hands_free, voice, hands_free)
    for command, button in tab.commands.items():
        button.click(handlers.command(command), screen.session_id, screen.outputs).then(
            engines.speak, *speak
        )
    tab.sketch.save.click(handlers.save_board, [tab.sketch.text, screen.session_id], screen.outputs)
    gr.Timer(5.0).tick(handlers.tick, screen.session_id, screen.outputs)
    return hands_free
