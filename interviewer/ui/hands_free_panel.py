"""Hands-free voice: the microphone streams to the server, a pause sends the answer, no click.

A small script in the page (`hands_free.js`) posts the microphone's 16 kHz samples to
`/hands-free/listen` as they come (Gradio's streaming microphone dropped audio whenever the server
was busy); a `Listener` per page (Silero VAD, Whisper on each pause, the `turn_taking` rules) says
when the answer is over, and the script hands the text to the page's hidden send button. While the pause is
still being held, the reply's known words (the question from the notes) are synthesised in the
background, so when the answer is sent the first words of the reply are ready: "Okay." plays, then
the question, while the model writes its acknowledgement for the chat. When the candidate starts
speaking, the page stops the interviewer's audio (barge-in) and the rest of the reply is not said.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from interviewer.errors import InterviewerError
from interviewer.hands_free import RATE, Answer, Listener, Paused, Started
from interviewer.speaking import Mute, Narrator, SpeechCache
from interviewer.turn_taking import TurnTiming
from interviewer.ui.session_view import refuse, show
from interviewer.ui.shared import AppContext, Updates
from interviewer.ui.voice_panel import AudioOut, VoiceEngines, VoiceRow

MAX_PAGES = 32  # listeners kept, one per open page; the oldest is dropped
SCRIPT = Path(__file__).with_name("hands_free.js")
TOGGLE_JS = """async () => {
  const on = await window.handsFree.toggle();
  document.querySelector('#hands-free-toggle').textContent = on ? 'Stop hands-free' : 'Start hands-free';
}"""


def page_head() -> str:
    """The script to put in the page's <head>."""
    return f"<script>{SCRIPT.read_text(encoding='utf-8')}</script>"


def timing(pause_s: float) -> TurnTiming:
    """The slider's pause; a thinking pause gets at least 2.5 s, or twice the pause."""
    pause_s = min(3.0, max(0.5, float(pause_s)))
    return TurnTiming(end_of_turn_s=pause_s, thinking_hold_s=max(2.5, 2 * pause_s))


class HandsFree:
    """What every tab's hands-free microphone shares: the engines, the speech cache, and when each
    session's candidate last started speaking (a reply begun before that is not said any further)."""

    def __init__(self, app: AppContext, engines: VoiceEngines) -> None:
        self.app, self.engines = app, engines
        self.cache = SpeechCache(engines.voice.tts if engines.voice else Mute())
        # Whisper runs here, not in the microphone handler: one at a time, for every tab.
        self.whisper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt-live")
        self._spoke_at: dict[str, float] = {}
        self._listeners: OrderedDict[str, tuple[str, Listener]] = OrderedDict()  # by page
        self._lock = threading.Lock()

    def listen(self, stream: str, sid: str, pause_s: float, pcm: bytes) -> dict[str, Any]:
        """One post of microphone samples (16 kHz, 16-bit) from page `stream`: how many times the
        candidate has started speaking, and the finished answer if there is one."""
        voice = self.engines.voice
        if voice is None or not sid:
            return {"starts": 0, "answers": 0}
        listener = self._listener(stream, sid, pause_s)
        try:
            heard = listener.feed(RATE, np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype=np.int16))
        except InterviewerError as err:
            return {
                "starts": listener.starts,
                "answers": listener.answers,
                "notice": err.user_message,
            }
        found: dict[str, Any] = {"starts": listener.starts, "answers": listener.answers}
        for event in heard:
            match event:
                case Started():
                    self._spoke_at[sid] = time.monotonic()
                case Paused(text=text):
                    self.cache.prepare_from(partial(self.app.service.preview, sid, text))
                case Answer(text=text):
                    found["answer"] = text
        return found

    def _listener(self, stream: str, sid: str, pause_s: float) -> Listener:
        """The page's listener (a new one when the session or the pause changes)."""
        voice = self.engines.voice
        assert voice is not None
        wanted = timing(pause_s)
        with self._lock:
            known = self._listeners.get(stream)
            if known is None or known[0] != sid or known[1].timing != wanted:
                prompt = self.engines.prompt(sid)
                made = Listener(voice.vad, voice.stt, wanted, prompt=prompt, worker=self.whisper)
                if known is not None:  # counters go on, so the page sees every new start
                    made.starts, made.answers = known[1].starts, known[1].answers
                known = (sid, made)
                self._listeners[stream] = known
                while len(self._listeners) > MAX_PAGES:
                    self._listeners.popitem(last=False)
            self._listeners.move_to_end(stream)
            return known[1]

    def reply(
        self, text: str, sid: str, enabled: bool
    ) -> Iterator[tuple[Updates, AudioOut | None]]:
        """Send a finished answer; yield (screen values, audio) as the reply is written and said."""
        if not text.strip() or not sid:
            return
        started = time.monotonic()
        if enabled:
            back = next(iter(self.engines.backchannel(sid, True, True)))
            yield {}, back
        try:
            updates = self.app.service.send_stream(sid, text, voice=True)
            first = next(updates)
        except InterviewerError as err:
            yield refuse(self.app, sid, err.user_message), None
            return
        narrator = Narrator(self.cache, len(first.state.turns))
        try:
            for update in chain([first], updates):
                yield show(self.app, update, same_session=True), None
                if enabled and not self.spoken_over(sid, started):
                    for audio in narrator.hear(update):
                        yield {}, audio
        except InterviewerError as err:
            yield show(self.app, self.app.load(sid), err.user_message), None

    def spoken_over(self, sid: str, since: float) -> bool:
        """The candidate started speaking after `since`: stop talking."""
        return self._spoke_at.get(sid, 0.0) > since


@dataclass(frozen=True)
class HandsFreeRow:
    toggle: gr.Button
    pause: gr.Slider
    answer: gr.Textbox  # hidden: the page's script puts a finished answer here...
    send: gr.Button  # ...and clicks this
    sid: gr.Textbox  # hidden: the session the script's audio belongs to


def build_row(engines: VoiceEngines, pause_s: float) -> HandsFreeRow:
    with gr.Row(visible=engines.voice is not None, elem_id="hands-free"):
        with gr.Column(scale=1, min_width=200):
            toggle = gr.Button("Start hands-free", elem_id="hands-free-toggle")
            gr.Markdown(
                "Then just talk: a pause sends your answer, and talking stops the interviewer.",
                elem_id="hands-free-state",
            )
        pause = gr.Slider(
            minimum=0.5,
            maximum=3.0,
            value=pause_s,
            step=0.1,
            label="Pause that ends your answer (seconds)",
            info="A pause after 'um' or 'let me think' is held longer.",
            elem_id="end-of-turn",
            scale=2,
        )
    answer = gr.Textbox(visible="hidden", elem_id="hands-free-answer")
    send = gr.Button(visible="hidden", elem_id="hands-free-send")
    sid = gr.Textbox(visible="hidden", elem_id="hands-free-sid")
    return HandsFreeRow(toggle, pause, answer, send, sid)


def wire(row: HandsFreeRow, voice: VoiceRow, hands_free: HandsFree) -> None:
    """The script's finished answers are sent and their replies spoken."""
    screen = hands_free.app.screen
    row.toggle.click(None, None, None, js=TOGGLE_JS)
    screen.session_id.change(lambda sid: sid, screen.session_id, row.sid)  # pyright: ignore[reportUnknownLambdaType]

    def reply(text: str, sid: str, enabled: bool) -> Iterator[Updates]:
        for values, audio in hands_free.reply(text, sid, enabled):
            if audio is not None:
                values = {**values, voice.speaker: audio}
            yield values

    row.send.click(
        reply,
        [row.answer, screen.session_id, voice.speak_toggle],
        [*screen.outputs, voice.speaker],
        show_progress="hidden",
        trigger_mode="multiple",
    ).then(partial(_turns, hands_free), screen.session_id, voice.spoken)


def route(hands_free: HandsFree) -> Callable[[Request], Awaitable[JSONResponse]]:
    """POST /hands-free/listen?stream=&sid=&pause= with raw 16 kHz 16-bit samples as the body."""

    async def listen(request: Request) -> JSONResponse:
        params = request.query_params
        try:
            pause_s = float(params.get("pause", "1"))
        except ValueError:
            pause_s = 1.0
        body = await request.body()
        found = await run_in_threadpool(
            hands_free.listen, params.get("stream", ""), params.get("sid", ""), pause_s, body
        )
        return JSONResponse(found)

    return listen


def _turns(hands_free: HandsFree, sid: str) -> int:
    """Every turn so far has been said (or deliberately not): the typed path starts after them."""
    loaded = hands_free.app.load(sid) if sid else None
    return len(loaded.state.turns) if loaded else 0


__all__ = [
    "HandsFree",
    "HandsFreeRow",
    "SpeechCache",
    "build_row",
    "page_head",
    "route",
    "timing",
    "wire",
]
