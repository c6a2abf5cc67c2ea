"""Delivery feedback: what word timings cost on top of plain transcription, and the figures' own cost.

The answers are Piper renderings of evals/voice sentences (3-6 s each) and one long answer made of
them with 3 s pauses between. RTF = processing time / audio duration, in %.

python -c "from benchmarks import bench_delivery; from benchmarks.common import table; print(table(bench_delivery.run()))"
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Row, percentile, summarize, timed
from interviewer.adapters.stt import WhisperSpeechToText, vocabulary_prompt
from interviewer.adapters.tts import PiperTextToSpeech, read_wav, write_wav
from interviewer.delivery import measure
from interviewer.evaluation.voice import load_sentences


def _rtf(figure: str, ratios: list[float], note: str) -> Row:
    percent = [100 * r for r in ratios]
    return Row(figure, percentile(percent, 50), percentile(percent, 95), "% RTF", None, note)


def run(utterances: int = 8) -> list[Row]:
    stt, tts = WhisperSpeechToText(), PiperTextToSpeech()
    plain_prompt, timed_prompt = vocabulary_prompt(), vocabulary_prompt(fillers=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="interviewer-bench-delivery-") as tmp:
        folder = Path(tmp)
        paths = [
            Path(tts.synthesize(text, str(folder / f"{i:02d}.wav")))
            for i, text in enumerate(load_sentences()[:utterances])
        ]
        stt.transcribe_timed(str(paths[0]), prompt=timed_prompt)  # warm-up
        plain: list[float] = []
        with_words: list[float] = []
        for path in paths:
            rate, samples = read_wav(path)
            seconds = samples.size / rate
            started = time.perf_counter()
            stt.transcribe(str(path), prompt=plain_prompt)
            plain.append((time.perf_counter() - started) / seconds)
            started = time.perf_counter()
            stt.transcribe_timed(str(path), prompt=timed_prompt)
            with_words.append((time.perf_counter() - started) / seconds)
        rows.append(_rtf("STT RTF, plain text (3-6 s answers)", plain, "transcribe()"))
        rows.append(
            _rtf("STT RTF, with word timings", with_words, "transcribe_timed(): the app's path")
        )
        parts = [read_wav(p) for p in paths]
        rate = parts[0][0]
        gap = np.zeros(3 * rate, dtype=np.int16)
        joined = np.concatenate([x for _, s in parts for x in (s, gap)])
        long_path = write_wav(folder / "long.wav", rate, joined)
        started = time.perf_counter()
        heard = stt.transcribe_timed(long_path, prompt=timed_prompt)
        took = time.perf_counter() - started
        seconds = joined.size / rate
        rows.append(
            Row(
                "STT RTF with word timings, one long answer",
                100 * took / seconds,
                None,
                "% RTF",
                None,
                f"{seconds:.0f} s with {len(paths)} pauses of 3 s, in {took:.1f} s",
                budget_on="p50",
            )
        )
        ms = timed(lambda: measure(heard.speech), repeat=50)
        rows.append(summarize("delivery figures of that answer", ms, note="pure Python"))
    return rows
