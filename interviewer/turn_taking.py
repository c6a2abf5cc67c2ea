"""When the candidate's turn ends, decided on a stream of speech/silence frames. Pure: no audio, no
clock, no framework; `hands_free.py` feeds it frames from the microphone and transcripts.

An answer ends after a pause of `end_of_turn_s` (about a second). A pause that follows a thinking
sound ("um", "let me think", a trailing "so" or "and", or speech Whisper found no words in) is a
candidate gathering their thoughts, not the end of the answer: it gets `thinking_hold_s`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Signal = Literal["started", "paused", "resumed", "ended"]


class TurnTiming(BaseModel):
    model_config = ConfigDict(frozen=True)

    end_of_turn_s: float = Field(default=1.0, ge=0.3, le=5.0)  # silence that ends an answer
    thinking_hold_s: float = Field(default=2.5, ge=0.3, le=10.0)  # silence after "um..."
    start_s: float = Field(default=0.2, gt=0)  # speech before it counts as talking (not a click)
    # Silence after which what was said is transcribed: longer than the gap after a comma.
    pause_s: float = Field(default=0.4, gt=0)
    threshold: float = Field(default=0.5, gt=0, lt=1)  # speech probability that counts as speech
    max_answer_s: float = Field(default=280.0, gt=0)  # recordings over 5 minutes are refused

    def hold(self, tail: str | None) -> float:
        """Silence that ends the answer, given what its last stretch of speech said; while that
        is not transcribed yet (a busy machine), the longest hold."""
        if tail is None or thinking(tail):
            return max(self.thinking_hold_s, self.end_of_turn_s)
        return self.end_of_turn_s


class Frame(BaseModel):
    model_config = ConfigDict(frozen=True)

    seconds: float = Field(gt=0)
    speech: float = Field(ge=0, le=1)  # probability of speech from the VAD


class Listening(BaseModel):
    """Where the candidate is in their turn."""

    model_config = ConfigDict(frozen=True)

    talking: bool = False  # an answer is open
    paused: bool = False  # the current silence reached `pause_s`: its speech is being transcribed
    speech_run_s: float = 0.0  # unbroken speech just heard
    silence_s: float = 0.0  # silence since the last speech (short blips count as silence)
    answer_s: float = 0.0  # length of the open answer
    tail: str | None = None  # what the speech before this pause said, once transcribed


# Said when thinking aloud, at the end of a stretch of speech; a trailing conjunction means the
# sentence is not finished. Whisper often drops "um" altogether: see `thinking`.
_THINKING_END = re.compile(
    r"(\b(u+m+|u+h+m*|h+m+|hum|e+r+m*|ah+|so|and|but|or|because|then|like|well|i mean|let me think"
    r"|let me see|let's see|give me a (second|sec|moment)|how do i put it)|\.\.\.|…|,|-{1,2})"
    r"[\s.?!,…-]*$",
    re.IGNORECASE,
)


def thinking(tail: str | None) -> bool:
    """The last stretch of speech was a thinking sound, so the pause after it is not the end.
    Speech in which Whisper found no words at all ("") was a hesitation sound, too."""
    if tail is None:
        return False
    if not re.search(r"[A-Za-z0-9]", tail):
        return True
    return _THINKING_END.search(tail.strip()) is not None


def step(state: Listening, frame: Frame, timing: TurnTiming) -> tuple[Listening, Signal | None]:
    """The state after one more frame, and what the listener must do now:
    - "started": the candidate began to speak (the interviewer stops talking: barge-in);
    - "paused": a pause began; transcribe the speech before it, then call `heard`;
    - "resumed": the pause ended in more speech (the answer goes on);
    - "ended": the answer is over; send it. The state is back to waiting."""
    if frame.speech >= timing.threshold:
        return _speech(state, frame.seconds, timing)
    if not state.talking:
        return Listening(), None
    state = state.model_copy(
        update={
            "speech_run_s": 0.0,
            "silence_s": state.silence_s + frame.seconds,
            "answer_s": state.answer_s + frame.seconds,
        }
    )
    return _silence(state, timing)


def heard(state: Listening, tail: str) -> Listening:
    """Record the transcript of the speech before the current pause."""
    return state.model_copy(update={"tail": tail}) if state.paused else state


def _speech(
    state: Listening, seconds: float, timing: TurnTiming
) -> tuple[Listening, Signal | None]:
    run = state.speech_run_s + seconds
    answer_s = state.answer_s + seconds if state.talking else run
    if run < timing.start_s:
        # Too short to be speech yet: a click, a breath, or the first syllable. Inside a pause it
        # still counts as pause, so a cough does not restart the hold.
        silence = state.silence_s + seconds if state.talking else 0.0
        blip = state.model_copy(
            update={"speech_run_s": run, "silence_s": silence, "answer_s": answer_s}
        )
        return _silence(blip, timing) if state.talking else (blip, None)
    signal: Signal | None = None
    if not state.talking:
        signal = "started"
    elif state.paused:
        signal = "resumed"
    resumed = Listening(talking=True, speech_run_s=run, answer_s=answer_s)
    if answer_s >= timing.max_answer_s:
        return Listening(), "ended"
    return resumed, signal


def _silence(state: Listening, timing: TurnTiming) -> tuple[Listening, Signal | None]:
    if state.answer_s >= timing.max_answer_s:
        return Listening(), "ended"
    if not state.paused:
        if state.silence_s >= timing.pause_s:
            return state.model_copy(update={"paused": True, "tail": None}), "paused"
        return state, None
    if state.silence_s >= timing.hold(state.tail):
        return Listening(), "ended"
    return state, None


__all__ = ["Frame", "Listening", "Signal", "TurnTiming", "heard", "step", "thinking"]
