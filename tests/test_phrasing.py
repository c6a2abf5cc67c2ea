"""The model's part of a turn: what it is sent (short, cache-friendly) and what is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.adapters.cassette import CassetteChatModel, CassetteMiss
from interviewer.domain import CaseId, FollowUp, Mode, Phase, SessionState, TurnKind
from interviewer.errors import ModelOffScript, ModelOutputInvalid
from interviewer.fakes import ScriptedChatModel
from interviewer.phrasing import ANSWER_TAIL_WORDS, ModelPhraser
from interviewer.policy import Plan
from interviewer.ports import ChatMessage
from interviewer.prompts import system_prompt
from interviewer.text import tail

QUESTION = "How would you keep p99 latency under 50 ms when traffic doubles?"


def plan(answer: str, task: str = "follow_up") -> Plan:
    context = {"question": QUESTION, "topic": "Scaling", "last_answer": answer}
    return Plan(
        action=FollowUp(phase=Phase.SERVING),
        kind=TurnKind.FOLLOW_UP,
        text=QUESTION,
        task=task,
        context=context,
    )


def state(case: CaseId, phase: Phase) -> SessionState:
    return SessionState(id="s" * 22, case=case, mode=Mode.DRILL, drill_phase=phase, phase=phase)


def phraser() -> ModelPhraser:
    return ModelPhraser(ScriptedChatModel(), first_token_deadline_s=5, total_deadline_s=10)


def test_tail_keeps_whole_last_sentences_within_the_limit() -> None:
    text = "First we log clicks. Then we join them to impressions. Finally we train daily."
    assert tail(text, 8) == "Finally we train daily."
    assert tail(text, 100) == text
    assert tail("one two three four five six", 4) == "three four five six"  # one long sentence
    assert tail("", 5) == ""


def test_system_prompt_is_the_same_for_every_turn_of_a_task() -> None:
    """llama.cpp reuses an already evaluated prefix, so nothing that varies may sit in it."""
    p = phraser()
    systems = {
        p.messages(plan(answer, task), state(case, phase))[0].content
        for answer in ("We cache embeddings.", "A feature store keyed by user.")
        for case, phase in (
            (CaseId.AD_CLICK_PREDICTION, Phase.SERVING),
            (CaseId.VISUAL_SEARCH, Phase.DATA),
        )
        for task in ("follow_up",)
    }
    assert len(systems) == 1
    assert system_prompt("clarifying") not in systems  # each task keeps its own prefix


def test_a_long_answer_reaches_the_model_only_as_its_tail() -> None:
    answer = " ".join(
        f"Point {i} is about caching the ad embeddings near the ranker." for i in range(200)
    )
    messages = phraser().messages(plan(answer), state(CaseId.AD_CLICK_PREDICTION, Phase.SERVING))
    user = messages[-1].content
    assert "Point 199" in user and "Point 150" not in user
    inside = user.split("<<<CANDIDATE_TEXT", 1)[1].split("CANDIDATE_TEXT>>>", 1)[0]
    assert len(inside.split()) <= ANSWER_TAIL_WORDS


@pytest.mark.parametrize(
    "ack",
    [
        "Great idea!",
        "You're right.",
        "Thank you for sharing the key points list.",
        "Good point about caching.",
        "Nice, that is spot on.",
        "The candidate mentioned caching embeddings.",
        "You should also consider a CDN.",
        "Caching, right. And how would you shard it?",
        "I'm sorry, but I can't assist with that.",
        "Thank you for providing the model answer. I'm glad to help!",
    ],
)
def test_acknowledgements_that_judge_advise_or_talk_about_the_candidate_are_refused(
    ack: str,
) -> None:
    with pytest.raises(ModelOffScript):
        phraser().accept(plan("We cache embeddings."), f"{ack} {QUESTION}")


@pytest.mark.parametrize(
    "ack", ["So you'd cache the ad embeddings.", "Okay, caching the embeddings near the ranker"]
)
def test_a_plain_acknowledgement_is_kept_and_the_question_follows_verbatim(ack: str) -> None:
    kept = phraser().accept(plan("We cache embeddings."), f"{ack} {QUESTION}")
    assert kept.startswith(ack.rstrip(".")) and kept.endswith(QUESTION)


def test_the_acknowledgement_is_asked_to_end_at_its_first_sentence() -> None:
    """The server cuts at the stop strings; a question mark is not one, so questions get refused."""
    model = ScriptedChatModel(["Okay, a feature store. And then we cache it all! Really?"])
    p = ModelPhraser(model, first_token_deadline_s=5, total_deadline_s=10)
    text = "".join(
        p.phrase(plan("We use a feature store."), state(CaseId.AD_CLICK_PREDICTION, Phase.SERVING))
    )
    assert text == f"Okay, a feature store. {QUESTION}"
    assert p.accept(plan("x"), text) == f"Okay, a feature store. {QUESTION}"


def test_a_cassette_replays_a_recorded_failure_as_the_same_error(tmp_path: Path) -> None:
    messages = [ChatMessage(role="user", content="hello")]
    inner = ScriptedChatModel([ModelOutputInvalid("the reply stopped at the length limit"), "Hi."])
    recorder = CassetteChatModel(tmp_path / "c.json", inner)
    with pytest.raises(ModelOutputInvalid):
        list(recorder.stream(messages, stop=[". "]))
    replay = CassetteChatModel(tmp_path / "c.json")  # no inner model: replay only
    with pytest.raises(ModelOutputInvalid, match="length limit"):
        list(replay.stream(messages, stop=[". "]))
    with pytest.raises(CassetteMiss):  # the stop strings are part of the request
        list(replay.stream(messages))
