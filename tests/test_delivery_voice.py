"""Delivery end to end: a clip read by espeak-ng with known words, fillers and a long pause, through
the real Whisper word timings to the figures `interviewer transcribe --json` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.adapters.tts import EspeakTextToSpeech, espeak_available
from interviewer.cli import app
from interviewer.domain import CaseId, Mode, Phase, Role, Speech
from interviewer.evaluation.delivery import Clip, Say, Silence, render
from interviewer.transcript import from_state, to_json
from interviewer.ui.voice_panel import VoiceEngines
from interviewer.wiring import Wiring

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]

# Our own clip (not from the eval set): 34 words as spoken, 2 fillers, one pause of 3 s.
CLIP = Clip(
    id="test",
    split="tune",
    segments=[
        Say(say="Basically the ranker scores about a thousand candidates for every request."),
        Silence(pause=3.0),
        Say(
            say="We cache the user features, you know, so the feature fetch stays under ten "
            "milliseconds, and we retrain the model every night."
        ),
    ],
    words=34,
    fillers=2,
    pauses_over_2s=1,
)


def test_a_spoken_clip_gives_the_true_pace_fillers_and_pauses(tmp_path: Path) -> None:
    recording = tmp_path / "clip.wav"
    spoken = render(CLIP, EspeakTextToSpeech(), recording)
    result = CliRunner().invoke(app, ["transcribe", str(recording), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    truth = CLIP.words * 60 / spoken
    assert data["wpm"] == pytest.approx(truth, rel=0.10)
    assert abs(len(data["fillers"]) - CLIP.fillers) <= 1
    assert len(data["pauses"]) == 1 and 2.5 < data["pauses"][0]["seconds"] < 3.6
    starts = [w["start"] for w in data["words"]]
    assert starts == sorted(starts) and all(w["end"] >= w["start"] for w in data["words"])
    assert data["unclear"] == []


def test_a_spoken_answer_in_the_app_keeps_its_timings_into_the_report(
    wiring: Wiring, tmp_path: Path
) -> None:
    """The microphone handler's take goes with the answer; the grade and the export carry it."""
    engines = VoiceEngines(wiring)
    sid = wiring.service.start(CaseId.AD_CLICK_PREDICTION, Mode.DRILL, Phase.SERVING).state.id
    recording = tmp_path / "answer.wav"
    render(CLIP, EspeakTextToSpeech(), recording)
    text, _status, voiced, take = engines.heard(str(recording), sid)
    assert voiced and isinstance(take, Speech) and "ranker" in str(text)
    state = wiring.service.send(sid, str(text), voice=True, speech=take).state
    answer = next(t for t in state.turns if t.role is Role.CANDIDATE)
    assert answer.speech == take and answer.voice
    report = wiring.service.grade(state, partial=False)
    assert report.delivery is not None and report.delivery.overall.spoken_turns == 1
    assert report.delivery.phases[Phase.SERVING].pauses == 1
    exported = json.loads(to_json(from_state(wiring.service.load(sid))))
    spoken = next(t for t in exported["turns"] if t["role"] == "candidate")
    assert spoken["voice"] is True and len(spoken["words"]) >= 25
