"""Voice: Whisper and Piper real-time factors, and end of speech → first audio of the reply.

Real-time factor (RTF) = processing time / audio duration, shown in % (below 100 % is faster than
real time).
The spoken answers are Piper renderings of evals/voice sentences; the reply is a fixed script
streamed in small pieces as a model would stream it (the model's own time is in bench_model).

python -c "from benchmarks import bench_voice; from benchmarks.common import table; print(table(bench_voice.run()))"
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks import bench_model
from benchmarks.common import Row, percentile, summarize
from interviewer.adapters.stt import WhisperSpeechToText, vocabulary_prompt
from interviewer.adapters.tts import (
    Backchannel,
    PiperTextToSpeech,
    read_wav,
    split_sentences,
    write_wav,
)
from interviewer.evaluation.voice import load_sentences

REPLY = (
    "Good, a feature store keeps training and serving consistent. "
    "How would you keep the p99 latency under 50 milliseconds when traffic doubles? "
    "Think about caching, the number of candidates you score, and what you precompute offline."
)


def _streamed(text: str, piece: int = 4) -> Iterator[str]:
    """The reply as a model streams it: a few characters (about a token) at a time."""
    for start in range(0, len(text), piece):
        yield text[start : start + piece]


def _rtf_row(figure: str, ratios: list[float], budget: float | None, note: str) -> Row:
    percent = [100 * r for r in ratios]
    return Row(figure, percentile(percent, 50), percentile(percent, 95), "% RTF", budget, note)


def run(utterances: int = 12) -> list[Row]:
    sentences = load_sentences()[:utterances]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="interviewer-bench-voice-") as tmp:
        folder = Path(tmp)
        tts = PiperTextToSpeech()
        started = time.perf_counter()
        tts.load()
        tts_load = time.perf_counter() - started
        stt = WhisperSpeechToText()
        started = time.perf_counter()
        stt.load()
        stt_load = time.perf_counter() - started
        rows.append(
            Row(
                "voice models load (Whisper tiny.en + Piper joe)",
                stt_load + tts_load,
                None,
                "s",
                None,
                f"Whisper {stt_load:.1f}s, Piper {tts_load:.1f}s; once per process, lazily",
            )
        )

        tts.synthesize("Warm up.", str(folder / "warm.wav"))
        tts_ratios: list[float] = []
        paths: list[Path] = []
        for i, text in enumerate(sentences):
            path = folder / f"{i:02d}.wav"
            started = time.perf_counter()
            tts.synthesize(text, str(path))
            took = time.perf_counter() - started
            rate, samples = read_wav(path)
            tts_ratios.append(took / (samples.size / rate))
            paths.append(path)
        rows.append(
            _rtf_row(
                "TTS real-time factor (Piper joe-medium)",
                tts_ratios,
                None,
                f"{len(paths)} sentences of 3-6 s",
            )
        )

        prompt = vocabulary_prompt()
        stt.transcribe(str(paths[0]), prompt=prompt)  # warm-up
        stt_ratios: list[float] = []
        stt_ms: list[float] = []
        for path in paths:
            rate, samples = read_wav(path)
            started = time.perf_counter()
            stt.transcribe(str(path), prompt=prompt)
            took = time.perf_counter() - started
            stt_ratios.append(took / (samples.size / rate))
            stt_ms.append(took * 1000)
        rows.append(
            _rtf_row(
                "STT real-time factor, short answers (Whisper tiny.en int8)",
                stt_ratios,
                None,
                "3-6 s each; Whisper pads every window to 30 s, so short clips cost more per second",
            )
        )

        parts = [read_wav(p) for p in paths]
        rate = parts[0][0]
        long_path = write_wav(folder / "long.wav", rate, np.concatenate([s for _, s in parts]))
        seconds = sum(s.size for _, s in parts) / rate
        started = time.perf_counter()
        stt.transcribe(long_path, prompt=prompt)
        took = time.perf_counter() - started
        rows.append(
            Row(
                "STT real-time factor, one long answer",
                100 * took / seconds,
                None,
                "% RTF",
                None,
                f"{seconds:.0f} s of speech in {took:.1f} s",
                budget_on="p50",
            )
        )

        first_audio_ms: list[float] = []
        for path in paths:
            started = time.perf_counter()
            stt.transcribe(str(path), prompt=prompt)
            next(iter(tts.stream_sentences(_streamed(REPLY))))
            first_audio_ms.append((time.perf_counter() - started) * 1000)
        first_sentence = REPLY.split(". ")[0] + "."
        tts_first: list[float] = []
        for _ in range(len(paths)):
            started = time.perf_counter()
            next(iter(tts.stream_sentences(_streamed(REPLY))))
            tts_first.append((time.perf_counter() - started) * 1000)
        rows.append(
            summarize(
                "end of speech → first reply audio (excl. model)",
                first_audio_ms,
                budget=1500,  # DESIGN.md section 9
                note="transcribe the answer + synthesise the reply's first sentence",
                budget_on="p50",
            )
        )
        rows.append(
            summarize(
                "  of which first sentence TTS",
                tts_first,
                note=f"{first_sentence!r}, while the rest of the reply still streams",
            )
        )
        rows.append(summarize("  of which STT of a 3-6 s answer", stt_ms))
        rows += _with_model(stt, tts, folder)
    return rows


def _bench_dir() -> Path:
    """A lasting folder, so the knowledge index and the assembled model are built only once."""
    default = Path.home() / ".cache" / "mlsd-interviewer-bench"
    return Path(os.environ.get("INTERVIEWER_BENCH_DIR", default))


def _with_model(
    stt: WhisperSpeechToText, tts: PiperTextToSpeech, folder: Path, turns: int = 12
) -> list[Row]:
    """What the user hears after a spoken answer, with the bundled model writing the reply.

    Per turn, timed from the end of speech (the recording is complete): Whisper transcribes it, the
    app plays its backchannel ("Okay."), the session stores the answer and the model writes the
    reply, then Piper renders the reply's first sentence (the model's acknowledgement).
    """
    if not bench_model.installed("default"):
        return [
            Row("voice turn with the bundled model", None, None, "", None, "model not installed")
        ]
    from interviewer.config import Settings
    from interviewer.domain import Mode, Role
    from interviewer.wiring import build

    answers = [(c, p, a) for c, p, a in bench_model.recorded_turns(400) if len(a.split()) >= 8]
    answers = answers[:: max(1, len(answers) // turns)][:turns]
    wavs = [
        tts.synthesize(a, str(folder / f"answer-{i:02d}.wav"))
        for i, (_, _, a) in enumerate(answers)
    ]
    wiring = build(Settings(data_dir=_bench_dir(), local_model="default", base_url=None))
    back = Backchannel(tts)
    back.warm()
    service = wiring.service
    heard_ms: list[float] = []
    back_ms: list[float] = []
    reply_ms: list[float] = []
    first_ms: list[float] = []
    fallbacks = 0
    try:
        warm = service.start(answers[0][0], Mode.DRILL, answers[0][1]).state.id
        service.send(warm, "We would start with a simple baseline.")  # starts and warms the model
        for turn, ((case, phase, _), wav) in enumerate(zip(answers, wavs, strict=True)):
            sid = service.start(case, Mode.DRILL, phase).state.id
            terms = list(wiring.knowledge.case(case).facts.terms)
            started = time.perf_counter()
            text = stt.transcribe(wav, prompt=vocabulary_prompt(terms))
            heard_ms.append((time.perf_counter() - started) * 1000)
            back.audio(turn)
            back_ms.append((time.perf_counter() - started) * 1000)
            state = service.send(sid, text, voice=True).state
            reply_ms.append((time.perf_counter() - started) * 1000)
            reply = next(t for t in reversed(state.turns) if t.role is Role.INTERVIEWER)
            fallbacks += reply.fallback
            tts.synthesize_samples(split_sentences(reply.text)[0])
            first_ms.append((time.perf_counter() - started) * 1000)
    finally:
        wiring.store.close()
        from interviewer.adapters.local_model import LocalModelServer

        if LocalModelServer._shared is not None:  # pyright: ignore[reportPrivateUsage]
            LocalModelServer._shared.stop()  # pyright: ignore[reportPrivateUsage]
    n = len(first_ms)
    return [
        summarize(
            "voice turn, end of speech → first audio (backchannel)",
            back_ms,
            budget=1500,  # issue #9: measure what the user hears
            note=f"{n} recorded answers spoken by Piper; 'Okay.' plays while the model writes",
            budget_on="p50",
        ),
        summarize(
            "voice turn, end of speech → reply's first sentence audio",
            first_ms,
            note=f"with the bundled 1.5B model; {fallbacks}/{n} replies fell back to the script",
        ),
        summarize("  of which transcribing the answer", heard_ms),
        summarize(
            "  of which storing + model reply",
            [r - h for r, h in zip(reply_ms, back_ms, strict=True)],
        ),
    ]


__all__ = ["REPLY", "run"]
