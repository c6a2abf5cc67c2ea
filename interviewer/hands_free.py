"""Hands-free listening: a live microphone stream in, finished answers out.

Framework-free: it uses the VoiceActivity and SpeechToText ports and the pure rules of
`turn_taking`. Each stretch of speech is transcribed as soon as a pause begins, while the hold is
still running, so when the pause turns out to end the answer its text is already known; and the
pause's transcript (with "um"s) is what decides how long the hold is.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from interviewer.errors import AudioRejected
from interviewer.ports import Audio, SpeechToText, VoiceActivity
from interviewer.turn_taking import Frame, Listening, Signal, TurnTiming, heard, step

RATE = 16_000  # what Whisper and Silero listen at
PRE_ROLL_S = 0.5  # audio kept from before the speech was recognised, so no first word is clipped
VAD_CONTEXT_S = 0.5  # audio before the new frames that the VAD hears again to settle its state
# Each pause transcribes the answer again from its start, so Whisper hears words in context (a lone
# "let me think" came out as "Last meeting"); Whisper pays for a 30 s window whatever the length.
# Past this much audio the text so far is kept and the next pauses transcribe only what follows.
COMMIT_AFTER_S = 20.0


@dataclass(frozen=True)
class Started:
    """The candidate began to speak: the interviewer stops talking (barge-in)."""

    at_s: float


@dataclass(frozen=True)
class Paused:
    """A pause began; `text` is everything said so far in this answer (it may go on)."""

    text: str
    speech_end_s: float


@dataclass(frozen=True)
class Answer:
    """The answer is over: send `text`. Times are seconds of microphone audio heard."""

    text: str
    speech_end_s: float
    ended_at_s: float


Heard = Started | Paused | Answer


def to_16k(rate: int, samples: npt.NDArray[np.generic]) -> Audio:
    """Mono float32 at 16 kHz from a browser chunk (int16 or float, mono or stereo, any rate)."""
    audio = np.asarray(samples)
    scale = 32768.0 if np.issubdtype(audio.dtype, np.integer) else 1.0
    audio = audio.astype(np.float32) / scale
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if rate == RATE or audio.size == 0:
        return audio
    width = int(rate // RATE)
    if width > 1:  # a box filter keeps what is above 8 kHz from folding into speech
        audio = np.convolve(audio, np.ones(width, dtype=np.float32) / width, mode="same")
    count = round(audio.size * RATE / rate)
    positions = np.arange(count, dtype=np.float64) * rate / RATE
    return np.interp(positions, np.arange(audio.size), audio).astype(np.float32)


@dataclass
class Draft:
    """One answer being heard: its audio, and its text as of the last transcribed pause."""

    frames: list[Audio] = field(default_factory=lambda: [])
    kept_from: int = 0  # first frame whose text is not kept yet
    kept: list[str] = field(default_factory=lambda: [])  # text of the frames before `kept_from`
    open_text: str = ""  # text of the frames after it, as of the last pause
    speech_end_s: float = 0.0
    ended_at_s: float | None = None  # set when the turn ended before its last transcript came

    @property
    def said(self) -> str:
        return " ".join(t for t in [*self.kept, self.open_text] if t).strip()

    def take(self, text: str, upto: int, frame_s: float) -> None:
        self.open_text = text
        if (upto - self.kept_from) * frame_s > COMMIT_AFTER_S:
            self.kept.append(text)
            self.kept_from, self.open_text = upto, ""


Job = tuple[int, Draft, "Future[tuple[str, int]]"]


class Listener:
    """One candidate's microphone: feed it chunks as they arrive, act on what it returns."""

    def __init__(
        self,
        vad: VoiceActivity,
        stt: SpeechToText,
        timing: TurnTiming,
        *,
        prompt: str = "",
        worker: Executor | None = None,
    ) -> None:
        """`worker` runs Whisper off the caller's thread; without one, `feed` transcribes itself."""
        self.vad, self.stt, self.timing, self.prompt = vad, stt, timing, prompt
        self.worker = worker
        self.frame = vad.frame_samples
        self.state = Listening()
        self.heard_s = 0.0
        self.starts = 0  # times the candidate started speaking (each one stops the interviewer)
        self.answers = 0  # answers finished
        self._pending = np.zeros(0, dtype=np.float32)  # less than a frame, waiting for more
        self._context = np.zeros(0, dtype=np.float32)
        self._pre_roll: deque[Audio] = deque(maxlen=max(1, round(PRE_ROLL_S * RATE / self.frame)))
        self._draft = Draft()
        self._pauses = 0  # numbers the pauses, so a late transcript sets the hold of its own pause
        self._running: deque[Job] = deque()

    def feed(self, rate: int, samples: npt.NDArray[np.generic]) -> list[Heard]:
        """What happened in this chunk of microphone audio (usually nothing). Quick: Whisper runs
        on the worker, and its transcripts are picked up by the next call."""
        audio = np.concatenate([self._pending, to_16k(rate, samples)])
        count = audio.size // self.frame
        events = self._collect()
        if count == 0:
            self._pending = audio
            return events
        new, self._pending = audio[: count * self.frame], audio[count * self.frame :]
        window = np.concatenate([self._context, new])
        probabilities = self.vad.speech_probabilities(window)[-count:]
        self._context = window[-round(VAD_CONTEXT_S * RATE) :]
        for index, probability in enumerate(probabilities):
            frame = new[index * self.frame : (index + 1) * self.frame]
            events += self._step(frame, probability)
        return events

    def _step(self, frame: Audio, probability: float) -> list[Heard]:
        seconds = self.frame / RATE
        self.heard_s += seconds
        if self.state.talking:
            self._draft.frames.append(frame)
        else:
            self._pre_roll.append(frame)
        was_paused = self.state.paused
        self.state, signal = step(
            self.state, Frame(seconds=seconds, speech=probability), self.timing
        )
        return self._on(signal, was_paused)

    def _on(self, signal: Signal | None, was_paused: bool) -> list[Heard]:
        draft = self._draft
        match signal:
            case "started":
                self._draft = Draft(frames=list(self._pre_roll))
                self._pre_roll.clear()
                self.starts += 1
                return [Started(at_s=self.heard_s)]
            case "paused":
                silent = round(self.state.silence_s * RATE / self.frame)
                draft.speech_end_s = self.heard_s - self.state.silence_s
                self._pauses += 1
                self._transcribe(draft, len(draft.frames) - silent, self._pauses)
                return self._collect()
            case "ended":
                if not was_paused:  # cut at the length limit, mid-speech
                    draft.speech_end_s = self.heard_s
                    self._transcribe(draft, len(draft.frames), self._pauses)
                draft.ended_at_s = self.heard_s
                self._draft = Draft()
                # Ended on the longest hold before its transcript came: it is sent when it comes.
                waiting = any(job[1] is draft for job in self._running)
                return self._collect() if waiting else self._finish(draft)
            case "resumed" | None:
                return []

    def _finish(self, draft: Draft) -> list[Heard]:
        if not draft.said or draft.ended_at_s is None:
            return []
        self.answers += 1
        return [Answer(draft.said, draft.speech_end_s, draft.ended_at_s)]

    def _transcribe(self, draft: Draft, upto: int, pause: int) -> None:
        """Start transcribing `draft` up to frame `upto` (on the worker if there is one)."""
        piece = draft.frames[draft.kept_from : max(draft.kept_from, upto)]
        if self.worker is None:
            done: Future[tuple[str, int]] = Future()
            done.set_result(self._text_of(piece, upto))
            self._running.append((pause, draft, done))
            return
        for _, _, queued in self._running:
            queued.cancel()  # not started yet: this pause's transcript will cover its audio
        self._running.append((pause, draft, self.worker.submit(self._text_of, piece, upto)))

    def _text_of(self, piece: list[Audio], upto: int) -> tuple[str, int]:
        """(text of `piece`, the frame it ends at); "" when Whisper found no words (it leaves out
        most "um"s)."""
        if not piece:
            return "", upto
        try:
            return self.stt.transcribe_audio(np.concatenate(piece), prompt=self.prompt), upto
        except AudioRejected:
            return "", upto

    def _collect(self) -> list[Heard]:
        """Apply finished transcripts in order; the one for the current pause sets its hold."""
        events: list[Heard] = []
        while self._running and self._running[0][2].done():
            pause, draft, future = self._running.popleft()
            if future.cancelled():
                continue
            before = _words(draft.said)
            draft.take(*future.result(), frame_s=self.frame / RATE)
            if draft.ended_at_s is not None:
                if not any(job[1] is draft for job in self._running):
                    events += self._finish(draft)
                continue
            if pause != self._pauses or not self.state.paused:
                continue  # the candidate went on talking: this pause was not the end
            # Speech that added no words was a hesitation sound ("um", which Whisper drops).
            tail = draft.said if _words(draft.said) != before else ""
            self.state = heard(self.state, tail)
            events.append(Paused(text=draft.said, speech_end_s=draft.speech_end_s))
        return events


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


__all__ = ["Answer", "Heard", "Listener", "Paused", "Started", "to_16k"]
