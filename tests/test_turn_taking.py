"""End of turn on synthetic frame sequences: speech, pauses, thinking sounds, noise, barge-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interviewer.turn_taking import Frame, Listening, Signal, TurnTiming, heard, step, thinking

FRAME_S = 0.032  # Silero's frame at 16 kHz
TIMING = TurnTiming(end_of_turn_s=1.0, thinking_hold_s=2.5)


def frames(seconds: float, speech: float) -> list[Frame]:
    return [Frame(seconds=FRAME_S, speech=speech)] * round(seconds / FRAME_S)


def talk(seconds: float) -> list[Frame]:
    return frames(seconds, 0.9)


def quiet(seconds: float) -> list[Frame]:
    return frames(seconds, 0.05)


def run(
    sequence: list[Frame],
    transcribe: Callable[[int], str] = lambda _pause: "and that is the design.",
    timing: TurnTiming = TIMING,
) -> list[tuple[float, Signal]]:
    """Feed the frames; on each "paused" answer with the transcript of that pause (numbered from
    0). Returns (time in seconds, signal) for every signal."""
    state, elapsed, pauses = Listening(), 0.0, 0
    out: list[tuple[float, Signal]] = []
    for frame in sequence:
        state, signal = step(state, frame, timing)
        elapsed += frame.seconds
        if signal is None:
            continue
        out.append((round(elapsed, 2), signal))
        if signal == "paused":
            state = heard(state, transcribe(pauses))
            pauses += 1
    return out


def signals(events: list[tuple[float, Signal]]) -> list[Signal]:
    return [signal for _, signal in events]


def test_an_answer_ends_one_second_after_the_speech_stops() -> None:
    events = run(quiet(0.5) + talk(3.0) + quiet(2.0))
    assert signals(events) == ["started", "paused", "ended"]
    ended = events[-1][0]
    assert ended == pytest.approx(0.5 + 3.0 + 1.0, abs=2 * FRAME_S)


def test_a_pause_shorter_than_the_hold_does_not_end_the_answer() -> None:
    events = run(talk(2.0) + quiet(0.7) + talk(2.0) + quiet(1.5))
    assert signals(events) == ["started", "paused", "resumed", "paused", "ended"]


def test_a_thinking_pause_after_um_gets_the_longer_hold() -> None:
    said = ["We cache the embeddings, um, let me think", "and refresh them hourly."]
    sequence = talk(3.0) + quiet(1.8) + talk(2.0) + quiet(3.0)
    events = run(sequence, lambda pause: said[pause])
    assert signals(events) == ["started", "paused", "resumed", "paused", "ended"]
    assert events[-1][0] == pytest.approx(3.0 + 1.8 + 2.0 + 1.0, abs=2 * FRAME_S)


def test_the_same_pause_after_a_finished_sentence_ends_the_answer() -> None:
    sequence = talk(3.0) + quiet(1.8) + talk(2.0) + quiet(3.0)
    events = run(sequence, lambda _pause: "We cache the embeddings.")
    assert signals(events)[:3] == ["started", "paused", "ended"]
    assert events[2][0] == pytest.approx(4.0, abs=2 * FRAME_S)


def test_a_thinking_pause_still_ends_after_the_thinking_hold() -> None:
    events = run(talk(2.0) + quiet(4.0), lambda _pause: "So the features are, um")
    assert signals(events) == ["started", "paused", "ended"]
    assert events[-1][0] == pytest.approx(2.0 + 2.5, abs=2 * FRAME_S)


def test_speech_with_no_words_is_treated_as_a_hesitation() -> None:
    events = run(talk(1.0) + quiet(1.8) + talk(1.0) + quiet(1.5), lambda p: ["", "Okay."][p])
    assert signals(events) == ["started", "paused", "resumed", "paused", "ended"]


def test_the_hold_follows_the_setting() -> None:
    slow = TurnTiming(end_of_turn_s=2.0, thinking_hold_s=3.0)
    events = run(talk(2.0) + quiet(1.5) + talk(1.0) + quiet(2.5), timing=slow)
    assert signals(events) == ["started", "paused", "resumed", "paused", "ended"]
    assert events[-1][0] == pytest.approx(2.0 + 1.5 + 1.0 + 2.0, abs=2 * FRAME_S)


def test_clicks_and_breaths_are_not_speech() -> None:
    blips = (talk(0.1) + quiet(0.5)) * 5
    assert run(quiet(0.5) + blips + quiet(2.0)) == []


def test_a_cough_in_a_pause_does_not_restart_the_hold() -> None:
    events = run(talk(2.0) + quiet(0.6) + talk(0.1) + quiet(0.5))
    assert signals(events) == ["started", "paused", "ended"]
    assert events[-1][0] == pytest.approx(2.0 + 1.0, abs=3 * FRAME_S)


def test_speaking_starts_a_turn_only_once_for_barge_in() -> None:
    events = run(talk(5.0))
    assert events == [(pytest.approx(0.19, abs=FRAME_S), "started")]


def test_an_answer_over_the_limit_is_ended() -> None:
    short = TurnTiming(max_answer_s=5.0)
    events = run(talk(6.0), timing=short)
    # the speech that goes on opens the next answer
    assert signals(events) == ["started", "ended", "started"]
    assert events[1][0] == pytest.approx(5.0, abs=2 * FRAME_S)


def test_after_an_answer_the_listener_waits_for_the_next_one() -> None:
    events = run(talk(2.0) + quiet(1.5) + talk(2.0) + quiet(1.5))
    assert signals(events) == ["started", "paused", "ended"] * 2


@pytest.mark.parametrize(
    "tail",
    [
        "Um",
        "uh...",
        "and then, hmm",
        "so the model is, let me think",
        "We would batch the requests and",
        "the ranker uses, so",
        "hum.",
        "give me a second",
        "",
    ],
)
def test_thinking_sounds(tail: str) -> None:
    assert thinking(tail)


@pytest.mark.parametrize(
    "tail",
    [
        "We refresh the index every hour.",
        "That keeps p99 under 50 ms.",
        "Summer traffic doubles.",
        "I'd use a two-tower model",
    ],
)
def test_finished_thoughts(tail: str) -> None:
    assert not thinking(tail)
    assert TIMING.hold(tail) == TIMING.end_of_turn_s


def test_a_pause_not_yet_transcribed_ends_after_the_longest_hold() -> None:
    state, signal, ended_at, elapsed = Listening(), None, 0.0, 0.0
    for frame in talk(2.0) + quiet(3.0):  # a busy machine: the transcript never arrives
        state, signal = step(state, frame, TIMING)
        elapsed += frame.seconds
        if signal == "ended":
            ended_at = elapsed
    assert ended_at == pytest.approx(2.0 + 2.5, abs=2 * FRAME_S)
