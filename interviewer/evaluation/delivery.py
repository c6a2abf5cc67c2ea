"""Delivery feedback measured: synthesised clips with known words, fillers and pauses, and the word
error rate on held-out spoken sentences (with fillers and false starts), Piper and espeak-ng.

Clips (evals/delivery/clips.jsonl) are lists of {"say": text} and {"pause": seconds}: each text is
read by the voice, its silent edges trimmed, and exact silences put between. The truth is the
author's: words (fillers included), fillers, pauses over 2 s; words per minute = words over the
summed length of the spoken pieces. Sentences (evals/voice/heldout.jsonl) carry what was said
(`text`, with "um", "the the", "we— we'd") and what was meant (`reference`): the raw WER compares
the transcript with the reference, the fluent WER first drops the fillers and doubled words the
delivery module finds. Both sets have a `tune` split (used to choose the prompt) and a `holdout`
split (reported once). Audio goes to a temporary folder and is deleted.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from interviewer.adapters.stt import WhisperSpeechToText, vocabulary_prompt
from interviewer.adapters.tts import SpeechSynthesizer, write_wav
from interviewer.delivery import PAUSE_SECONDS, fluent_text, measure
from interviewer.evaluation import EVALS_DIR
from interviewer.evaluation.voice import edit_distance, normalise, voices

CLIPS = EVALS_DIR / "delivery" / "clips.jsonl"
SENTENCES = EVALS_DIR / "voice" / "heldout.jsonl"
Split = Literal["tune", "holdout"]
EDGE = 0.01  # a sample above 1 % of full scale is speech, for trimming a piece's silent edges
JOIN_SECONDS = 0.15  # between two pieces said without a pause: a breath, part of speaking
WPM_TOLERANCE, FILLER_TOLERANCE, PAUSE_TOLERANCE = 0.10, 1, 1


class Say(BaseModel):
    model_config = ConfigDict(extra="forbid")
    say: str


class Silence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pause: float


class Clip(BaseModel):
    id: str
    split: Split
    segments: list[Say | Silence]
    words: int
    fillers: int
    pauses_over_2s: int


class Sentence(BaseModel):
    id: str
    split: Split
    text: str
    reference: str
    fillers: int = 0


def load_clips(path: Path = CLIPS) -> list[Clip]:
    return [Clip.model_validate_json(line) for line in path.read_text().splitlines() if line]


def load_sentences(path: Path = SENTENCES) -> list[Sentence]:
    return [Sentence.model_validate_json(line) for line in path.read_text().splitlines() if line]


def _trim(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples.astype(np.float32)) > EDGE * 32768)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]


def render(clip: Clip, voice: SpeechSynthesizer, path: Path) -> float:
    """Write the clip as a WAV at `path`; return the spoken seconds (pieces without silences)."""
    pieces: list[np.ndarray] = []
    rate, spoken, silent_next = 16_000, 0.0, True
    for segment in clip.segments:
        if isinstance(segment, Silence):
            pieces.append(np.zeros(round(segment.pause * rate), dtype=np.int16))
            silent_next = True
            continue
        rate, samples = voice.synthesize_samples(segment.say)
        speech = _trim(samples)
        if not silent_next:
            pieces.append(np.zeros(round(JOIN_SECONDS * rate), dtype=np.int16))
            spoken += JOIN_SECONDS
        pieces.append(speech)
        spoken += speech.size / rate
        silent_next = False
    pad = np.zeros(round(0.3 * rate), dtype=np.int16)  # a recording starts and ends quietly
    write_wav(path, rate, np.concatenate([pad, *pieces, pad]))
    return spoken


@dataclass
class ClipScore:
    voice: str
    split: str
    clips: int = 0
    wpm_ok: int = 0
    fillers_ok: int = 0
    pauses_ok: int = 0
    wpm_errors: list[float] = field(default_factory=list[float])
    misses: list[str] = field(default_factory=list[str])

    def row(self) -> str:
        n = max(1, self.clips)
        mean = 100 * sum(self.wpm_errors) / max(1, len(self.wpm_errors))
        return (
            f"| {self.voice} | {self.split} | {self.clips} | {self.wpm_ok}/{self.clips} "
            f"({self.wpm_ok / n:.0%}) | {mean:.1f} % | {self.fillers_ok}/{self.clips} "
            f"({self.fillers_ok / n:.0%}) | {self.pauses_ok}/{self.clips} ({self.pauses_ok / n:.0%}) |"
        )


def score_clips(
    clips: Sequence[Clip], voice: SpeechSynthesizer, stt: WhisperSpeechToText, prompt: str
) -> ClipScore:
    result = ClipScore(voice=voice.name, split="/".join(sorted({c.split for c in clips})))
    with tempfile.TemporaryDirectory(prefix="interviewer-delivery-eval-") as tmp:
        for clip in clips:
            path = Path(tmp) / f"{clip.id}.wav"
            spoken = render(clip, voice, path)
            figures = measure(stt.transcribe_timed(str(path), prompt=prompt).speech)
            truth = clip.words * 60 / spoken
            error = abs((figures.wpm or 0.0) - truth) / truth
            result.clips += 1
            result.wpm_errors.append(error)
            result.wpm_ok += error <= WPM_TOLERANCE
            result.fillers_ok += abs(len(figures.fillers) - clip.fillers) <= FILLER_TOLERANCE
            result.pauses_ok += abs(len(figures.pauses) - clip.pauses_over_2s) <= PAUSE_TOLERANCE
            result.misses.append(
                f"{clip.id}: wpm {figures.wpm} vs {truth:.1f}, words {figures.word_count} vs "
                f"{clip.words}, fillers {figures.fillers} vs {clip.fillers}, pauses "
                f"{[p.seconds for p in figures.pauses]} vs {clip.pauses_over_2s}"
            )
    return result


@dataclass
class WerScore:
    voice: str
    split: str
    sentences: int = 0
    words: int = 0
    raw_errors: int = 0
    fluent_errors: int = 0
    worst: list[tuple[int, str, str]] = field(default_factory=list[tuple[int, str, str]])

    def row(self) -> str:
        n = max(1, self.words)
        return (
            f"| {self.voice} | {self.split} | {self.sentences} | {self.words} | "
            f"{self.raw_errors / n:.1%} | {self.fluent_errors / n:.1%} |"
        )


def score_sentences(
    sentences: Sequence[Sentence], voice: SpeechSynthesizer, stt: WhisperSpeechToText, prompt: str
) -> WerScore:
    result = WerScore(voice=voice.name, split="/".join(sorted({s.split for s in sentences})))
    with tempfile.TemporaryDirectory(prefix="interviewer-wer-eval-") as tmp:
        for sentence in sentences:
            path = voice.synthesize(sentence.text, str(Path(tmp) / f"{sentence.id}.wav"))
            heard = stt.transcribe_timed(path, prompt=prompt)
            reference = normalise(sentence.reference)
            fluent = edit_distance(reference, normalise(fluent_text(heard.speech.words)))
            result.sentences += 1
            result.words += len(reference)
            result.raw_errors += edit_distance(reference, normalise(heard.text))
            result.fluent_errors += fluent
            result.worst.append((fluent, sentence.reference, heard.text))
    result.worst.sort(key=lambda item: -item[0])
    return result


def run(
    *,
    split: Split = "tune",
    voice_names: Sequence[str] = ("piper", "espeak"),
    parts: Sequence[str] = ("clips", "wer"),
    prompt: str | None = None,
    details: bool = False,
) -> str:
    """Markdown tables: delivery accuracy on the clips, WER on the sentences, for one split."""
    stt = WhisperSpeechToText()
    prompt = vocabulary_prompt(fillers=True) if prompt is None else prompt
    clips = [c for c in load_clips() if c.split == split]
    sentences = [s for s in load_sentences() if s.split == split]
    clip_rows: list[ClipScore] = []
    wer_rows: list[WerScore] = []
    for voice in voices(voice_names):
        if "clips" in parts:
            clip_rows.append(score_clips(clips, voice, stt, prompt))
        if "wer" in parts:
            wer_rows.append(score_sentences(sentences, voice, stt, prompt))
    return to_markdown(clip_rows, wer_rows, details)


def to_markdown(clips: Sequence[ClipScore], wers: Sequence[WerScore], details: bool) -> str:
    lines: list[str] = []
    if clips:
        lines += [
            f"Delivery figures against the truth (wpm within ±{WPM_TOLERANCE:.0%}, fillers and "
            f"pauses over {PAUSE_SECONDS:.0f} s within ±1):",
            "",
            "| voice | split | clips | wpm within ±10 % | mean wpm error | fillers within ±1 "
            "| pauses within ±1 |",
            "|---|---|---|---|---|---|---|",
            *[c.row() for c in clips],
        ]
    if wers:
        lines += [
            "",
            "Word error rate against what was meant (raw: the transcript as heard; fluent: "
            "fillers and doubled words dropped first):",
            "",
            "| voice | split | sentences | words | raw WER | fluent WER |",
            "|---|---|---|---|---|---|",
            *[w.row() for w in wers],
        ]
    if details:
        for c in clips:
            lines += ["", f"Clips, {c.voice}:", *[f"- {m}" for m in c.misses]]
        for w in wers:
            lines += ["", f"Worst sentences, {w.voice}:"]
            lines += [f"- {e} errors: {ref!r} → {hyp!r}" for e, ref, hyp in w.worst[:6]]
    return "\n".join(lines)
