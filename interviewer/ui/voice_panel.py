"""Voice in the browser: microphone -> editable transcript, interviewer replies spoken by sentence.

The speech engines load lazily on first use (Whisper tiny.en and Piper, both offline); when the
voice extra is not installed the panel stays hidden and typing works as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
import numpy as np

from interviewer.adapters.tts import Backchannel
from interviewer.domain import Role, Speech, TurnKind
from interviewer.errors import InterviewerError
from interviewer.ui.shared import Screen, Updates
from interviewer.wiring import Voice, Wiring

SendHandler = Callable[[str, str, bool, Speech | None, gr.Request], Iterator[Updates]]
AudioOut = Any  # (rate, samples) for a streaming gr.Audio, or gr.update() for no new audio


class VoiceEngines:
    """The wiring's speech engines (shared by every tab, no user data) as the panel uses them."""

    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.voice: Voice | None = wiring.voice
        self.can_speak, self.voice_notice = False, ""
        if self.voice is not None:
            from interviewer.adapters.tts import FFMPEG_MISSING, ensure_ffmpeg

            self.can_speak = ensure_ffmpeg(wiring.settings.data_dir / "bin") is not None
            self.voice_notice = "" if self.can_speak else FFMPEG_MISSING
        self._backchannel = Backchannel(self.voice.tts) if self.voice is not None else None

    def backchannel(self, sid: str, enabled: bool, was_voiced: bool) -> Iterator[AudioOut]:
        """Say "Okay." the moment a spoken answer is sent, while the reply is still being written:
        the candidate hears the interviewer within the STT time instead of after the model."""
        if not (sid and enabled and was_voiced) or self._backchannel is None:
            yield gr.update()
            return
        try:
            answers = sum(
                1 for t in self.wiring.service.load(sid).turns if t.role is Role.CANDIDATE
            )
            rate, samples = self._backchannel.audio(answers)
        except InterviewerError:
            yield gr.update()
            return
        yield rate, np.asarray(samples)

    def prompt(self, sid: str, *, fillers: bool = False) -> str:
        """Whisper's vocabulary prompt for the session's case (the general one without a session)."""
        from interviewer.adapters.stt import vocabulary_prompt

        terms: list[str] = []
        if sid:
            try:
                case = self.wiring.knowledge.case(self.wiring.service.load(sid).case)
                terms = list(case.facts.terms)
            except InterviewerError:
                terms = []
        return vocabulary_prompt(terms, fillers=fillers)

    def heard(self, path: str | None, sid: str) -> tuple[Any, str, bool, Speech | None]:
        """(text for the answer box, status line, voiced flag, word timings) for a recording."""
        if not path or self.voice is None:
            return gr.update(), "", False, None
        from interviewer.adapters.stt import release_audio

        try:
            # With timings, for the delivery feedback in the report.
            heard = self.voice.stt.transcribe_timed(path, prompt=self.prompt(sid, fillers=True))
        except InterviewerError as err:
            return gr.update(), f"**Note:** {err.user_message}", False, None
        finally:
            release_audio(path, self.wiring.settings)
        status = "Heard you: check the text, edit it if needed, then press Enter."
        return heard.text, status, True, heard.speech

    def speak(self, sid: str, enabled: bool, spoken: int) -> Iterator[tuple[AudioOut, int]]:
        """Stream the new interviewer turns as audio, one sentence at a time."""
        if not sid or self.voice is None:
            return
        try:
            state = self.wiring.service.load(sid)
        except InterviewerError:
            return
        new = [
            t
            for t in state.turns[spoken:]
            if t.role is Role.INTERVIEWER and t.kind is not TurnKind.REPORT
        ]
        if not enabled or not new:
            yield gr.update(), len(state.turns)
            return
        from interviewer.adapters.tts import split_sentences

        try:
            tts = self.voice.tts
            for turn in new:
                for sentence in split_sentences(turn.text):
                    rate, samples = tts.synthesize_samples(sentence)
                    yield (rate, np.asarray(samples)), len(state.turns)
        except InterviewerError:
            yield gr.update(), len(state.turns)


@dataclass(frozen=True)
class VoiceRow:
    """Microphone, speaker and their switches; hidden when the voice extra is not installed."""

    mic: gr.Audio
    speaker: gr.Audio
    speak_toggle: gr.Checkbox
    auto_send: gr.Checkbox
    voiced: gr.State  # the text in the box came from the microphone
    spoken: gr.State  # how many turns have been read aloud already
    take: gr.State  # word timings of the last recording (Speech), sent with a voiced answer


def build_row(engines: VoiceEngines, speak_by_default: bool) -> VoiceRow:
    with gr.Row(visible=engines.voice is not None):
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
                value=speak_by_default and engines.can_speak,
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
    return VoiceRow(
        mic, speaker, speak_toggle, auto_send, gr.State(False), gr.State(0), gr.State(None)
    )


def speak_args(row: VoiceRow, session_id: gr.State) -> tuple[list[Any], list[Any]]:
    """(inputs, outputs) of `VoiceEngines.speak`, chained after every event that adds turns."""
    return [session_id, row.speak_toggle, row.spoken], [row.speaker, row.spoken]


def still_voiced(auto: bool, was_voiced: bool) -> bool:
    """Sent already: the flag is spent. Waiting for review: Enter sends a voice turn."""
    return was_voiced and not auto


def wire_microphone(
    row: VoiceRow, engines: VoiceEngines, screen: Screen, send: SendHandler
) -> None:
    """A finished recording is transcribed into the box; with auto-send it is sent at once."""

    def on_heard(
        text: str,
        sid: str,
        was_voiced: bool,
        auto: bool,
        take: Speech | None,
        request: gr.Request,
    ) -> Iterator[Updates]:
        if not (auto and was_voiced and text.strip()):
            yield {}  # the transcript waits in the box for review
            return
        yield from send(text, sid, was_voiced, take, request)

    def backchannel_if_auto(sid: str, enabled: bool, was_voiced: bool, auto: bool) -> Iterator[Any]:
        yield from engines.backchannel(sid, enabled and auto, was_voiced)

    speak = speak_args(row, screen.session_id)
    for recorded in (row.mic.stop_recording, row.mic.upload):
        heard = recorded(
            engines.heard,
            [row.mic, screen.session_id],
            [screen.box, screen.status, row.voiced, row.take],
        )
        heard = heard.then(lambda: None, None, row.mic)
        inputs = [screen.session_id, row.speak_toggle, row.voiced, row.auto_send]
        heard.then(backchannel_if_auto, inputs, row.speaker)
        heard.then(
            on_heard,
            [screen.box, screen.session_id, row.voiced, row.auto_send, row.take],
            screen.outputs,
        ).then(still_voiced, [row.auto_send, row.voiced], row.voiced).then(engines.speak, *speak)
