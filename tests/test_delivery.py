"""Delivery feedback: pace, fillers, pauses, talk share and unclear passages from word timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.delivery import (
    delivery_of,
    fillers,
    fluent_text,
    measure,
    spoken_length,
    unclear_spans,
)
from interviewer.domain import (
    CaseId,
    Phase,
    Role,
    Speech,
    SpokenSegment,
    SpokenWord,
    Turn,
    TurnKind,
)
from interviewer.fakes import HashEmbedder
from interviewer.grading.grader import Grader
from interviewer.grading.report import to_markdown
from interviewer.grading.scoring import Scorer
from interviewer.knowledge import KnowledgeBase
from interviewer.ports import Transcription
from interviewer.transcript import Transcript, TranscriptTurn, to_json
from interviewer.transcript import to_markdown as transcript_markdown


def timed(
    text: str, *, start: float = 0.0, step: float = 0.4, gaps: dict[int, float] | None = None
) -> list[SpokenWord]:
    """Words `step` seconds apart (each lasting 0.3 s), with extra silence before word i."""
    out: list[SpokenWord] = []
    at = start
    for i, word in enumerate(text.split()):
        at += (gaps or {}).get(i, 0.0)
        out.append(SpokenWord(text=word, start=round(at, 3), end=round(at + 0.3, 3)))
        at += step
    return out


def speech(text: str, **kwargs: object) -> Speech:
    words = timed(text, **kwargs)  # type: ignore[arg-type]
    segment = SpokenSegment(
        text=text, start=0.0, end=words[-1].end, avg_logprob=-0.2, no_speech_prob=0.01
    )
    return Speech(words=tuple(words), segments=(segment,), seconds=words[-1].end + 0.5)


def test_pace_is_words_over_speaking_time_without_long_silences() -> None:
    # 20 words, one every 0.4 s, with 3 s more before word 10: a 3.1 s gap, left out of speaking.
    figures = measure(speech(" ".join(f"w{chr(97 + i)}" for i in range(20)), gaps={10: 3.0}))
    assert figures.word_count == 20
    assert figures.span_seconds == pytest.approx(10.9)
    assert figures.speaking_seconds == pytest.approx(7.8)
    assert figures.wpm == pytest.approx(20 * 60 / 7.8, abs=0.1)
    assert [round(p.seconds, 1) for p in figures.pauses] == [3.1]
    assert figures.pauses[0].after == "wj"


@pytest.mark.parametrize(
    ("written", "said"),
    [("100", 2), ("150", 4), ("10%", 2), ("p99,", 2), ("20,000", 2), ("0.5", 3), ("NDCG", 1)],
)
def test_numbers_count_as_the_words_said(written: str, said: int) -> None:
    assert spoken_length(SpokenWord(text=written, start=0, end=1)) == said


def test_short_gaps_are_not_pauses() -> None:
    figures = measure(speech("one two three four five", gaps={2: 1.5}))
    assert figures.pauses == []  # 1.6 s of silence is a breath, not a pause over 2 s


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, so, uh, we rank by NDCG.", ["um", "uh"]),
        ("It's, like, basically a two-tower model.", ["like", "basically"]),
        ("It looks like the p99 is dominated by the fetch.", []),
        ("I would like to batch the lookups.", []),
        ("We log features, you know, at serving time.", ["you know"]),
        ("Do you know what the QPS is?", []),
        ("The model is sort of a multi-task network.", ["sort of"]),
        ("What sort of model would you use?", []),
        ("Um like the ranker sees a thousand items.", ["um", "like"]),
    ],
)
def test_fillers_are_told_from_ordinary_words(text: str, expected: list[str]) -> None:
    assert fillers(timed(text)) == expected


def test_fluent_text_drops_fillers_and_doubled_words() -> None:
    words = timed("Um, so the the candidate generator, you know, pulls a thousand items.")
    assert fluent_text(words) == "so the candidate generator, pulls a thousand items."


def test_filler_rate_is_per_speaking_minute() -> None:
    figures = measure(speech("um " * 3 + "we rank with a feature store and a two tower model"))
    assert figures.fillers == ["um", "um", "um"]
    assert figures.fillers_per_min == pytest.approx(3 * 60 / figures.speaking_seconds, abs=0.1)


def _answer(phase: Phase, text: str, spoken: Speech | None) -> list[Turn]:
    question = Turn(
        role=Role.INTERVIEWER,
        phase=phase,
        text="How would you serve it " * 3,
        kind=TurnKind.FOLLOW_UP,
        at=0,
    )
    answer = Turn(
        role=Role.CANDIDATE,
        phase=phase,
        text=text,
        kind=TurnKind.ANSWER,
        at=1,
        voice=spoken is not None,
        speech=spoken,
    )
    return [question, answer]


def test_per_phase_and_overall_with_talk_share_and_longest_monologue() -> None:
    short = "we precompute item embeddings nightly"
    long = " ".join(["we shard the index"] * 10)
    turns = [
        *_answer(Phase.DATA, short, speech(short)),
        *_answer(Phase.SERVING, long, speech(long)),
        *_answer(Phase.SERVING, "typed answer, no timings", None),
    ]
    result = delivery_of(turns)
    assert result is not None
    assert set(result.phases) == {Phase.DATA, Phase.SERVING}
    assert result.overall.spoken_turns == 2 and result.overall.word_count == 45
    assert result.overall.longest_monologue == result.phases[Phase.SERVING].longest_monologue
    assert result.phases[Phase.SERVING].longest_monologue == pytest.approx(15.9)
    # 15 interviewer words per question at 190 wpm ≈ 4.7 s, against 1.9 s and 15.9 s of speech.
    assert 0.6 < (result.overall.talk_share or 0) < 0.8
    assert result.phases[Phase.DATA].talk_share is not None
    assert result.phases[Phase.DATA].talk_share < result.phases[Phase.SERVING].talk_share  # type: ignore[operator]


def test_no_spoken_answer_means_no_delivery() -> None:
    assert delivery_of(_answer(Phase.DATA, "typed", None)) is None


UNSURE = "Thank you for watching."
CLEAR = (
    "I'd report normalized cross-entropy, the log loss divided by the entropy of the base click rate, "
    "because pCTR is multiplied by the bid and calibration matters as much as ranking."
)


def unsure_speech(clear: str, unsure: str) -> Speech:
    words = timed(f"{clear} {unsure}")
    n = len(clear.split())
    return Speech(
        words=tuple(words),
        segments=(
            SpokenSegment(
                text=clear, start=0, end=words[n - 1].end, avg_logprob=-0.2, no_speech_prob=0.02
            ),
            SpokenSegment(
                text=unsure,
                start=words[n].start,
                end=words[-1].end,
                avg_logprob=-1.4,
                no_speech_prob=0.7,
            ),
        ),
        seconds=words[-1].end,
    )


def test_unclear_passages_are_found_in_the_turn_text() -> None:
    spoken = unsure_speech(CLEAR, UNSURE)
    turn = _answer(Phase.EVALUATION, f"{CLEAR} {UNSURE}", spoken)[1]
    assert measure(spoken).unclear == [UNSURE]
    ((start, end),) = unclear_spans(turn)
    assert turn.text[start:end] == UNSURE
    edited = turn.model_copy(update={"text": CLEAR})
    assert unclear_spans(edited) == []  # the candidate edited it away: nothing to hold back


@pytest.fixture(scope="module")
def grader(knowledge: KnowledgeBase) -> Grader:
    return Grader(knowledge, Scorer(HashEmbedder()))


def test_an_unclear_passage_is_never_quoted_and_the_report_counts_it(
    grader: Grader, knowledge: KnowledgeBase
) -> None:
    case, phase = CaseId.AD_CLICK_PREDICTION, Phase.EVALUATION
    clear_text = (
        "Thank you."  # a short clear sentence, then the strong answer Whisper was unsure of
    )
    spoken = unsure_speech(clear_text, CLEAR)
    turns = _answer(phase, f"{clear_text} {CLEAR}", spoken)
    heard_clearly = _answer(phase, f"{clear_text} {CLEAR}", speech(f"{clear_text} {CLEAR}"))
    quotes_clear = [
        q
        for c in grader.grade_turns("t" * 12, case, heard_clearly, [phase]).phases[phase].criteria
        for q in c.evidence
    ]
    assert any(
        "cross-entropy" in q for q in quotes_clear
    )  # the same answer, heard clearly, is quoted
    report = grader.grade_turns("t" * 12, case, turns, [phase])
    quotes = [q for c in report.phases[phase].criteria for q in c.evidence]
    assert not any("cross-entropy" in q for q in quotes)
    assert any("unclear speech" in f for f in report.phases[phase].flags)
    assert report.delivery is not None and report.delivery.overall.unclear == 1
    text = to_markdown(report, knowledge)
    assert "## Delivery" in text and "1 passage(s) were unclear" in text
    data = json.loads(report.contract_json())
    assert data["delivery"]["overall"]["unclear"] == 1
    assert set(data["delivery"]["phases"]) == {"evaluation"}
    assert {"wpm", "fillers_per_min", "pauses", "longest_monologue", "talk_share"} <= set(
        data["delivery"]["overall"]
    )


def test_typed_interviews_have_no_delivery_key(grader: Grader) -> None:
    report = grader.grade_turns(
        "t" * 12,
        CaseId.AD_CLICK_PREDICTION,
        _answer(Phase.EVALUATION, CLEAR, None),
        [Phase.EVALUATION],
    )
    assert "delivery" not in json.loads(report.contract_json())


def test_transcript_keeps_timings_and_marks_unclear_passages(tmp_path: Path) -> None:
    spoken = unsure_speech(CLEAR, UNSURE)
    turns = _answer(Phase.EVALUATION, f"{CLEAR} {UNSURE}", spoken)
    transcript = Transcript(
        id="t" * 12, case=CaseId.AD_CLICK_PREDICTION, turns=[TranscriptTurn.of(t) for t in turns]
    )
    data = json.loads(to_json(transcript))
    answer = data["turns"][1]
    assert answer["voice"] is True and answer["unclear"] == [UNSURE]
    assert answer["words"][0] == {"text": "I'd", "start": 0.0, "end": 0.3, "probability": 1.0}
    assert "voice" not in data["turns"][0] and "words" not in data["turns"][0]
    back = Transcript.model_validate(data).to_turns()
    assert back[1].speech == spoken and back[1].voice
    assert (
        f"Unclear to the speech recogniser (not quoted as evidence): {UNSURE}"
        in transcript_markdown(transcript)
    )


class _HeardIt:
    """A speech-to-text stand-in that returns fixed timings (the CLI's JSON shape, no model)."""

    def __init__(self, heard: Speech, text: str) -> None:
        self.heard, self.text = heard, text

    def transcribe(self, path: str, *, prompt: str = "") -> str:
        return self.text

    def transcribe_timed(self, path: str, *, prompt: str = "") -> Transcription:
        return Transcription(text=self.text, speech=self.heard)


def test_transcribe_json_prints_words_with_timings_and_delivery_figures(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from interviewer.adapters import stt as speech_to_text

    text = "Um, so we rank, you know, with a two-tower model and a feature store."
    spoken = speech(text, gaps={5: 2.5})
    monkeypatch.setattr(speech_to_text, "build_stt", lambda _settings: _HeardIt(spoken, text))
    recording = tmp_path / "answer.wav"
    recording.write_bytes(b"RIFF")  # never read: the stand-in answers
    result = CliRunner().invoke(app, ["transcribe", str(recording), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["text"] == text
    assert [w["text"] for w in data["words"]] == text.split()
    assert data["words"][5]["start"] - data["words"][4]["end"] == pytest.approx(2.6)
    assert data["fillers"] == ["um", "you know"]
    assert data["word_count"] == 14 and data["wpm"] == measure(spoken).wpm
    assert [p["seconds"] for p in data["pauses"]] == [2.6]
    assert data["fillers_per_min"] > 0 and data["unclear"] == []
    plain = CliRunner().invoke(app, ["transcribe", str(recording)])
    assert plain.output.strip() == text
