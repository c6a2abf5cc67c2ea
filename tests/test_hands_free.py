"""The hands-free listener on synthetic audio: fake VAD and Whisper, the real turn-taking rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Role
from interviewer.errors import AudioRejected
from interviewer.hands_free import RATE, Answer, Listener, Paused, Started, to_16k
from interviewer.ports import Audio
from interviewer.turn_taking import TurnTiming
from interviewer.wiring import Wiring, build_fake

# Each stretch of "speech" is a tone whose loudness says which words it carries.
WORDS = {0.5: "We cache the embeddings.", 0.3: "", 0.4: "and refresh them hourly."}


class LoudnessVad:
    frame_samples = 512

    def speech_probabilities(self, audio: Audio) -> list[float]:
        frames = audio[: audio.size // 512 * 512].reshape(-1, 512)
        return [1.0 if float(np.abs(f).max()) > 0.05 else 0.0 for f in frames]


class ToneWhisper:
    """Says the words of each loud stretch in order; "" for the "um" (Whisper drops it)."""

    name = "tone-whisper"

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, path: str, *, prompt: str = "") -> str:
        raise NotImplementedError

    def transcribe_audio(self, audio: Audio, *, prompt: str = "") -> str:
        self.calls += 1
        levels = [
            round(float(np.abs(f).max()), 1)
            for f in audio[: audio.size // 512 * 512].reshape(-1, 512)
        ]
        said: list[str] = []
        for level, previous in zip(levels, [0.0, *levels], strict=False):
            if level > 0.05 and level != previous and WORDS.get(level):
                said.append(WORDS[level])
        if not said:
            raise AudioRejected("nothing recognised")
        return " ".join(said)


def tone(seconds: float, level: float) -> Audio:
    return np.full(round(seconds * RATE), level, dtype=np.float32)


def feed(listener: Listener, audio: Audio) -> list[Started | Paused | Answer]:
    events: list[Started | Paused | Answer] = []
    step = RATE // 10
    for start in range(0, audio.size, step):
        chunk = (audio[start : start + step] * 32767).astype(np.int16)
        events += listener.feed(RATE, chunk)
    return events


TIMING = TurnTiming(end_of_turn_s=0.7, thinking_hold_s=2.5)
ANSWER = np.concatenate(
    [tone(0.5, 0), tone(2.0, 0.5), tone(0.3, 0), tone(0.4, 0.3), tone(1.2, 0), tone(1.5, 0.4)]
)


def test_an_um_pause_longer_than_the_hold_does_not_split_the_answer() -> None:
    listener = Listener(LoudnessVad(), ToneWhisper(), TIMING)
    events = feed(listener, np.concatenate([ANSWER, tone(2.0, 0)]))
    answers = [e for e in events if isinstance(e, Answer)]
    assert [a.text for a in answers] == ["We cache the embeddings. and refresh them hourly."]
    assert sum(isinstance(e, Started) for e in events) == 1
    assert answers[0].ended_at_s - answers[0].speech_end_s == pytest.approx(0.7, abs=0.1)
    assert answers[0].speech_end_s == pytest.approx(5.9, abs=0.1)


def test_the_same_pause_without_the_um_ends_the_answer() -> None:
    listener = Listener(LoudnessVad(), ToneWhisper(), TIMING)
    audio = np.concatenate([tone(0.5, 0), tone(2.0, 0.5), tone(1.2, 0), tone(1.5, 0.4), tone(2, 0)])
    answers = [e.text for e in feed(listener, audio) if isinstance(e, Answer)]
    assert answers == ["We cache the embeddings.", "and refresh them hourly."]


def test_with_a_worker_the_answer_waits_for_its_transcript() -> None:
    whisper = ToneWhisper()
    with ThreadPoolExecutor(max_workers=1) as worker:
        listener = Listener(LoudnessVad(), whisper, TIMING, worker=worker)
        events = feed(listener, np.concatenate([ANSWER, tone(3.0, 0)]))
        worker.shutdown(wait=True)
        events += listener.feed(RATE, np.zeros(1600, dtype=np.int16))  # the next post collects
    answers = [e.text for e in events if isinstance(e, Answer)]
    assert answers == ["We cache the embeddings. and refresh them hourly."]


def test_noise_alone_sends_nothing() -> None:
    listener = Listener(LoudnessVad(), ToneWhisper(), TIMING)
    clicks = np.concatenate([np.concatenate([tone(0.05, 0.5), tone(0.5, 0)]) for _ in range(6)])
    assert feed(listener, clicks) == []


def test_browser_audio_is_resampled_to_16k() -> None:
    second = np.sin(np.linspace(0, 440 * 2 * np.pi, 48_000)).astype(np.float32)
    stereo = np.stack([second, second], axis=1)
    out = to_16k(48_000, (stereo * 32767).astype(np.int16))
    assert out.dtype == np.float32 and out.size == RATE
    assert float(np.abs(out).max()) == pytest.approx(1.0, abs=0.05)


@pytest.fixture
def fake_wiring(settings: Settings) -> Wiring:
    return build_fake(settings)


def test_the_preview_is_what_the_reply_then_says(fake_wiring: Wiring) -> None:
    service = fake_wiring.service
    sid = service.start(CaseId.AD_CLICK_PREDICTION, Mode.DRILL, Phase.SERVING).state.id
    answer = "We precompute user features hourly and serve a GBDT behind a cache."
    before = len(service.load(sid).turns)
    known = service.preview(sid, answer)
    assert len(service.load(sid).turns) == before  # nothing stored
    assert known
    state = service.send(sid, answer, voice=True).state
    reply = next(t for t in reversed(state.turns) if t.role is Role.INTERVIEWER)
    assert reply.text.endswith(known)


def test_cli_turns_has_help() -> None:
    from typer.testing import CliRunner

    from interviewer.cli import app

    result = CliRunner().invoke(app, ["turns", "--help"])
    assert result.exit_code == 0 and "--pause" in result.output
