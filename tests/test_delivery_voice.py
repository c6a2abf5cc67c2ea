"""Delivery end to end: a clip read by espeak-ng with known words, fillers and a long pause, through
the real Whisper word timings to the figures `interviewer transcribe --json` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.adapters.tts import EspeakTextToSpeech, espeak_available
from interviewer.cli import app
from interviewer.evaluation.delivery import Clip, Say, Silence, render

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
