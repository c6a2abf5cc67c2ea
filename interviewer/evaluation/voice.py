"""Voice round trip on evals/voice/sentences.txt: text → speech (Piper, espeak-ng) → Whisper → text.

Each sentence (our own writing, one per line, each with ML vocabulary) is synthesised by every
available voice into a temporary WAV, transcribed with and without the vocabulary prompt, and
compared with the sentence as written: word error rate over all words, and the share of ML terms
recovered. Both sides go through the same normalisation, which only removes differences of spelling
and formatting (case, punctuation, "two-tower" vs "two tower", "A/B" vs "AB", "N.D.C.G." vs
"NDCG", "ten" vs "10", "20,000" vs "twenty thousand", "p99" vs "P-99"); a wrong or missing word
still counts as an error. Audio is deleted afterwards unless `keep_audio` names a folder.
"""

from __future__ import annotations

import re
import tempfile
import time
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from interviewer.adapters.stt import SttModel, WhisperSpeechToText, vocabulary_prompt
from interviewer.adapters.tts import (
    EspeakTextToSpeech,
    PiperTextToSpeech,
    SpeechSynthesizer,
    espeak_available,
)
from interviewer.evaluation import EVALS_DIR

SENTENCES = EVALS_DIR / "voice" / "sentences.txt"
TARGET_WER = 0.10
TARGET_TERMS = 0.90

# The ML terms scored for "term accuracy", as written in the sentences. Longer terms win where
# they overlap ("precision at k" is one term, not also "precision").
ML_TERMS = (
    "two-tower",
    "CTR",
    "NDCG",
    "A/B test",
    "HNSW",
    "approximate nearest neighbor",
    "ANN",
    "embeddings",
    "embedding",
    "p99",
    "latency",
    "QPS",
    "feature store",
    "recall at k",
    "precision at k",
    "precision",
    "calibration",
    "calibrate",
    "log loss",
    "cold start",
    "AUC",
    "in-batch negatives",
    "sampled softmax",
    "softmax",
    "hard negatives",
    "candidate generation",
    "gradient boosted trees",
    "gradient boosted tree",
    "negative sampling",
    "position bias",
    "isotonic regression",
    "feature drift",
    "training skew",
    "dot product",
    "distill",
    "brute force",
    "reliability plot",
    "guardrail",
    "shard",
    "leakage",
)

# ---- normalisation --------------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Spelling variants that are the same word (not errors): one canonical form each.
_VARIANTS = {
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "reranking": "re ranking",
    "dataset": "data set",
    "datasets": "data sets",
    "lets": "let us",
    "guard rail": "guardrail",
    "pctr": "p ctr",
    "ok": "okay",
}


def _numbers(tokens: list[str]) -> list[str]:
    """Runs of number words become digits: "twenty thousand" → "20000", "a thousand" → "1000"."""
    out: list[str] = []
    total = current = 0
    active = False

    def flush() -> None:
        nonlocal total, current, active
        if active:
            out.append(str(total + current))
        total = current = 0
        active = False

    for i, word in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word in _UNITS:
            value = _UNITS[word]
            if active and (
                current % 10 or 10 <= current % 100 < 20 or (value >= 10 and current % 100)
            ):
                flush()  # "one two" is two numbers
            current += value
            active = True
        elif word in _TENS:
            if active and current % 100:
                flush()
            current += _TENS[word]
            active = True
        elif word in _SCALES and active:
            if _SCALES[word] == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * _SCALES[word], 0
        elif word == "a" and not active and following in _SCALES:
            current, active = 1, True  # "a thousand"
        elif word.isdigit() and not active and following in _SCALES:
            current, active = int(word), True  # "20 thousand"
        elif word == "and" and active and (following in _UNITS or following in _TENS):
            continue  # "one hundred and five"
        else:
            flush()
            out.append(word)
    flush()
    return out


def normalise(text: str) -> list[str]:
    """Lower-case words with spelling and formatting differences removed (see the module doc)."""
    text = text.lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 20,000 → 20000
    text = re.sub(r"\b([a-z])[./-](?=[a-z]\b)", r"\1", text)  # a/b, a-b, n.d.c.g. → ab, ndcg
    text = re.sub(r"\b([a-z])[./-](?=[a-z]\b)", r"\1", text)  # (again for overlapping letters)
    text = re.sub(r"\ba b test", "ab test", text)
    text = text.replace("@", " at ").replace("%", " percent ").replace("&", " and ")
    text = text.replace("'", "").replace("’", "")
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # p99 → p 99
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # keep 0.5, drop full stops
    text = re.sub(r"[^a-z0-9.]+", " ", text)  # hyphens, slashes and other marks → spaces
    text = " " + " ".join(text.split()) + " "
    for variant, canonical in _VARIANTS.items():
        text = text.replace(f" {variant} ", f" {canonical} ")
    return _numbers(text.split())


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions).

    Written here rather than taken from jiwer: it is ten lines, and a library would bring its own
    normalisation that we would have to undo to keep the one above.
    """
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
            )
        previous = current
    return previous[-1]


def _find(needle: list[str], haystack: list[str]) -> int:
    for start in range(len(haystack) - len(needle) + 1):
        if haystack[start : start + len(needle)] == needle:
            return start
    return -1


def terms_in(sentence: str) -> list[str]:
    """The ML_TERMS in a sentence, longest first, each token counted for one term only."""
    tokens: list[str | None] = list(normalise(sentence))
    found: list[str] = []
    for term in sorted(ML_TERMS, key=lambda t: -len(normalise(t))):
        needle = normalise(term)
        while True:
            at = _find(needle, [t or "" for t in tokens])
            if at < 0:
                break
            found.append(term)
            tokens[at : at + len(needle)] = [None] * len(needle)
    return found


def term_recovered(term: str, hypothesis: str) -> bool:
    return _find(normalise(term), normalise(hypothesis)) >= 0


def load_sentences(path: Path = SENTENCES) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the run --------------------------------------------------------------------------------


@dataclass
class Condition:
    voice: str
    prompted: bool
    sentences: int = 0
    words: int = 0
    errors: int = 0
    terms: int = 0
    terms_found: int = 0
    audio_s: float = 0.0
    stt_s: float = 0.0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (term, hypothesis)
    worst: list[tuple[float, str, str]] = field(default_factory=list)  # (wer, ref, hyp)

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)

    @property
    def term_accuracy(self) -> float:
        return self.terms_found / max(1, self.terms)

    @property
    def rtf(self) -> float:
        return self.stt_s / max(1e-9, self.audio_s)


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as src:
        return src.getnframes() / src.getframerate()


def voices(names: Sequence[str] = ("piper", "espeak")) -> list[SpeechSynthesizer]:
    out: list[SpeechSynthesizer] = []
    for name in names:
        if name == "piper":
            out.append(PiperTextToSpeech())
        elif name == "espeak" and espeak_available():
            out.append(EspeakTextToSpeech())
    return out


def measure(
    *,
    sentences: Sequence[str] | None = None,
    tts: Sequence[SpeechSynthesizer] | None = None,
    stt: WhisperSpeechToText | None = None,
    prompt: str | None = None,
    conditions: Sequence[bool] = (False, True),
    keep_audio: Path | None = None,
) -> list[Condition]:
    """One Condition per voice and prompt setting (False = no prompt, True = vocabulary prompt)."""
    sentences = list(sentences if sentences is not None else load_sentences())
    stt = stt or WhisperSpeechToText()
    prompt = vocabulary_prompt() if prompt is None else prompt
    results: list[Condition] = []
    with tempfile.TemporaryDirectory(prefix="interviewer-voice-eval-") as tmp:
        for voice in tts if tts is not None else voices():
            folder = (keep_audio or Path(tmp)) / voice.name
            folder.mkdir(parents=True, exist_ok=True)
            paths = [
                Path(voice.synthesize(text, str(folder / f"{i:03d}.wav")))
                for i, text in enumerate(sentences)
            ]
            for prompted in conditions:
                result = Condition(voice=voice.name, prompted=prompted)
                for text, path in zip(sentences, paths, strict=True):
                    started = time.perf_counter()
                    heard = stt.transcribe(str(path), prompt=prompt if prompted else "")
                    result.stt_s += time.perf_counter() - started
                    result.audio_s += _seconds(path)
                    ref, hyp = normalise(text), normalise(heard)
                    errors = edit_distance(ref, hyp)
                    result.sentences += 1
                    result.words += len(ref)
                    result.errors += errors
                    result.worst.append((errors / max(1, len(ref)), text, heard))
                    for term in terms_in(text):
                        result.terms += 1
                        if term_recovered(term, heard):
                            result.terms_found += 1
                        else:
                            result.misses.append((term, heard))
                result.worst.sort(key=lambda item: -item[0])
                results.append(result)
    return results


def to_markdown(results: Sequence[Condition], prompt: str) -> str:
    lines = [
        "| voice | prompt | sentences | words | WER | ML terms | term accuracy | STT RTF |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.voice} | {'vocabulary' if r.prompted else 'none'} | {r.sentences} | {r.words} "
            f"| {r.wer:.1%} | {r.terms_found}/{r.terms} | {r.term_accuracy:.1%} | {r.rtf:.3f} |"
        )
    lines += [
        "",
        f"Targets with the prompt: WER ≤ {TARGET_WER:.0%}, ML-term accuracy ≥ {TARGET_TERMS:.0%}.",
        f"Prompt ({len(prompt)} characters): {prompt}",
    ]
    for r in results:
        if not r.prompted:
            continue
        lines += ["", f"Missed terms, {r.voice} with the prompt:"]
        lines += [f"- {term!r} in: {heard}" for term, heard in r.misses] or ["- none"]
        lines += ["", f"Worst sentences, {r.voice} with the prompt:"]
        for wer, ref, hyp in r.worst[:5]:
            lines.append(f"- {wer:.0%}: {ref!r} → {hyp!r}")
    return "\n".join(lines)


def run(
    *,
    limit: int | None = None,
    voice_names: Sequence[str] = ("piper", "espeak"),
    keep_audio: Path | None = None,
    stt_model: SttModel = "tiny",
) -> str:
    sentences = load_sentences()[:limit]
    prompt = vocabulary_prompt()
    stt = WhisperSpeechToText(stt_model)
    started = time.perf_counter()
    results = measure(
        sentences=sentences,
        tts=voices(voice_names),
        stt=stt,
        prompt=prompt,
        keep_audio=keep_audio,
    )
    took = time.perf_counter() - started
    head = (
        f"{len(sentences)} sentences from {SENTENCES.relative_to(EVALS_DIR.parent)}, "
        f"{stt.name} int8 (beam {stt.beam_size}, VAD), {took:.0f}s"
    )
    if not espeak_available() and "espeak" in voice_names:
        head += "; espeak-ng not installed, so Piper only"
    return head + "\n\n" + to_markdown(results, prompt)


__all__ = [
    "ML_TERMS",
    "Condition",
    "edit_distance",
    "load_sentences",
    "measure",
    "normalise",
    "run",
    "term_recovered",
    "terms_in",
    "to_markdown",
]
