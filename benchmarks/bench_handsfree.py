"""Hands-free voice with the bundled model: end of speech → first audio of the interviewer's reply.

Each turn plays a recorded answer (spoken by Piper, then 3 s of silence) into the app's own
`Listener` at real-time pace, 0.1 s at a time as the page posts it; the answer is sent when the
listener ends the turn, and the reply is said the way the app says it (`Narrator` over the
`SpeechCache` the pause filled). Timed from the moment the speech really ended (the last voiced
sample of the clip), so the pause the listener waits for counts:
- backchannel: "Okay." ready to play;
- reply: the first sentence of the actual reply (the question from the notes, spoken while the
  model still writes its acknowledgement) ready to play;
- model done: the model's acknowledgement finished (shown in the chat, for reference).
Not counted: the browser's share (ffmpeg encoding of the stream, the network on 127.0.0.1).

python -m benchmarks.run_all --only handsfree
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from benchmarks import bench_model
from benchmarks.bench_voice import _bench_dir  # pyright: ignore[reportPrivateUsage]
from benchmarks.common import Row, summarize
from interviewer.adapters.stt import vocabulary_prompt
from interviewer.adapters.tts import Backchannel
from interviewer.hands_free import Answer, Listener, Paused, to_16k
from interviewer.ports import Samples
from interviewer.session import InterviewService
from interviewer.speaking import Narrator, SpeechCache
from interviewer.turn_taking import TurnTiming
from interviewer.wiring import Voice, Wiring

POST_S = 0.1  # the page posts what the microphone gave every ~0.1 s
TAIL_S = 3.0
MAX_WAIT_S = 60.0


def _speech_end(rate: int, samples: Samples) -> float:
    """Seconds to the last sample above -40 dBFS (Piper ends a clip with a little silence)."""
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > 328)[0]
    return float(loud[-1] + 1) / rate if loud.size else 0.0


class _Turn:
    """One answer spoken into the listener, and when each thing became ready (wall clock)."""

    def __init__(self, wiring: Wiring, voice: Voice, sid: str, timing: TurnTiming) -> None:
        self.service: InterviewService = wiring.service
        self.sid = sid
        self.cache = SpeechCache(voice.tts)
        terms = list(wiring.knowledge.case(self.service.load(sid).case).facts.terms)
        worker = ThreadPoolExecutor(max_workers=1)
        self.listener = Listener(
            voice.vad, voice.stt, timing, prompt=vocabulary_prompt(terms), worker=worker
        )

    def play(self, rate: int, samples: Samples) -> tuple[Answer, float]:
        """Feed the clip in real time; returns the answer and the wall time the clip started."""
        audio = to_16k(rate, samples)
        step = round(POST_S * 16_000)
        silence = np.zeros(step, dtype=np.int16)
        started = time.perf_counter()
        # After the clip the microphone goes on sending silence, as it would in the page.
        for index in range(audio.size // step + round(MAX_WAIT_S / POST_S)):
            due = started + (index + 1) * POST_S
            time.sleep(max(0.0, due - time.perf_counter()))
            piece = audio[index * step : (index + 1) * step]
            chunk = (piece * 32767).astype(np.int16) if piece.size else silence
            for event in self.listener.feed(16_000, chunk):
                if isinstance(event, Paused):
                    self.cache.prepare_from(partial(self.service.preview, self.sid, event.text))
                if isinstance(event, Answer):
                    return event, started
        raise RuntimeError("the listener never ended the turn")

    def reply(self, text: str) -> tuple[float, float, bool]:
        """(first reply audio ready, reply finished, said ahead of the model) as perf_counter."""
        updates = self.service.send_stream(self.sid, text, voice=True)
        first = next(updates)
        narrator = Narrator(self.cache, len(first.state.turns))
        first_audio, ahead = 0.0, False
        for update in updates:
            ahead = ahead or bool(update.ahead)
            for _ in narrator.hear(update):
                first_audio = first_audio or time.perf_counter()
        return first_audio, time.perf_counter(), ahead


def run(turns: int = 12) -> list[Row]:
    if not bench_model.installed("default"):
        return [
            Row(
                "hands-free voice turn",
                None,
                None,
                "",
                None,
                "bundled model not installed (skipped)",
            )
        ]
    from interviewer.adapters.local_model import LocalModelServer
    from interviewer.config import Settings
    from interviewer.wiring import build

    wiring = build(Settings(data_dir=_bench_dir(), local_model="default", base_url=None))
    voice = wiring.voice
    if voice is None:
        return [
            Row(
                "hands-free voice turn", None, None, "", None, "voice extra not installed (skipped)"
            )
        ]
    try:
        return _measure(wiring, voice, turns)
    finally:
        wiring.store.close()
        if LocalModelServer._shared is not None:  # pyright: ignore[reportPrivateUsage]
            LocalModelServer._shared.stop()  # pyright: ignore[reportPrivateUsage]


def _measure(wiring: Wiring, voice: Voice, turns: int) -> list[Row]:
    from interviewer.domain import Mode

    answers = [(c, p, a) for c, p, a in bench_model.recorded_turns(400) if len(a.split()) >= 8]
    answers = answers[:: max(1, len(answers) // turns)][:turns]
    timing = TurnTiming(end_of_turn_s=wiring.settings.end_of_turn_seconds)
    back = Backchannel(voice.tts)
    back.warm()
    service = wiring.service
    # The app embeds every note's phrasings in the background at start; do the same for the
    # notes these answers use, so the figure is a turn in a running app, not its first minute.
    wiring.scorer.warm([wiring.knowledge.case(case) for case in {c for c, _, _ in answers}])
    warm = service.start(answers[0][0], Mode.DRILL, answers[0][1]).state.id
    service.send(warm, "We would start with a simple baseline.")  # starts and warms the model
    stt_rtf: list[float] = []
    tts_rtf: list[float] = []
    rows: dict[str, list[float]] = {"back": [], "reply": [], "done": [], "detect": []}
    ahead_count = 0
    for case, phase, text in answers:
        started = time.perf_counter()
        rate, spoken = voice.tts.synthesize_samples(text)
        tts_rtf.append((time.perf_counter() - started) / (spoken.size / rate))
        started = time.perf_counter()
        voice.stt.transcribe_audio(to_16k(rate, spoken), prompt=vocabulary_prompt())
        stt_rtf.append((time.perf_counter() - started) / (spoken.size / rate))
        clip = np.concatenate([spoken, np.zeros(round(TAIL_S * rate), dtype=np.int16)])
        sid = service.start(case, Mode.DRILL, phase).state.id
        turn = _Turn(wiring, voice, sid, timing)
        answer, t0 = turn.play(rate, clip)
        speech_end = t0 + _speech_end(rate, spoken)
        rows["detect"].append((time.perf_counter() - speech_end) * 1000)
        back.audio(0)
        rows["back"].append((time.perf_counter() - speech_end) * 1000)
        first_audio, done, ahead = turn.reply(answer.text)
        ahead_count += ahead
        rows["reply"].append((first_audio - speech_end) * 1000)
        rows["done"].append((done - speech_end) * 1000)
    n = len(rows["reply"])
    pause = f"{timing.end_of_turn_s:g} s pause"
    return [
        summarize(
            "hands-free: end of speech → first audio of the reply",
            rows["reply"],
            budget=2500,  # DESIGN.md section 9: p50 ≤ 1.5 s, p95 ≤ 2.5 s
            note=f"{n} answers, bundled 1.5B; {ahead_count}/{n} said the notes' question ahead of the model; includes the {pause}",
        ),
        summarize(
            "hands-free: same, p50 budget",
            rows["reply"],
            budget=1500,
            budget_on="p50",
            note="the figure above against its p50 budget",
        ),
        summarize("hands-free: end of speech → end of turn detected", rows["detect"], note=pause),
        summarize("hands-free: end of speech → backchannel ('Okay.')", rows["back"]),
        summarize(
            "hands-free: end of speech → model's acknowledgement done",
            rows["done"],
            note="shown in the chat; not waited for",
        ),
        Row(
            "hands-free: STT real-time factor (Whisper tiny.en)",
            100 * float(np.median(stt_rtf)),
            100 * float(np.percentile(stt_rtf, 95)),
            "% RTF",
        ),
        Row(
            "hands-free: TTS real-time factor (Piper joe)",
            100 * float(np.median(tts_rtf)),
            100 * float(np.percentile(tts_rtf, 95)),
            "% RTF",
        ),
    ]


__all__ = ["run"]
