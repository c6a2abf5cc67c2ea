"""The rules the interviewer hears a message with: small talk, several facts in one clause."""

from __future__ import annotations

import pytest

from interviewer.clarify import answer_all
from interviewer.intent import Intent, classify
from interviewer.knowledge import KnowledgeBase


@pytest.mark.parametrize(
    "text",
    [
        "Totally unrelated, but my sister's wedding is next month and I have no suit yet.",
        "By the way, have you been to Kyoto? Thinking of going in spring.",
        "Random, but did anyone else lose power last night? Whole street went dark.",
    ],
)
def test_an_aside_marker_makes_small_talk_off_topic(text: str) -> None:
    assert classify(text) is Intent.OFF_TOPIC


@pytest.mark.parametrize(
    "text",
    [
        "By the way, the embeddings are 256 dims in float16.",
        "Unrelated to ranking: the feature store keeps 30 days of history.",
    ],
)
def test_an_aside_about_the_system_is_still_an_answer(text: str) -> None:
    assert classify(text) is not Intent.OFF_TOPIC


def test_one_clause_naming_two_facts_gets_both(knowledge: KnowledgeBase) -> None:
    facts = knowledge.case("people-you-may-know").facts
    asked = answer_all(facts, "Are there rules about minors and about fake accounts?")
    assert {a.fact.id for a in asked if a.fact} == {"minors-safety", "abuse"}


def test_a_single_fact_question_gets_one_fact(knowledge: KnowledgeBase) -> None:
    facts = knowledge.case("people-you-may-know").facts
    asked = answer_all(facts, "How many fake accounts are there?")
    assert [a.fact.id for a in asked if a.fact] == ["abuse"]


def test_questions_joined_by_semicolons_are_each_answered(knowledge: KnowledgeBase) -> None:
    facts = knowledge.case("video-recommendation").facts
    text = "Two things: is any single channel capped; and how quickly must an upload show up?"
    asked = {a.fact.id for a in answer_all(facts, text) if a.fact}
    assert {"creators", "freshness"} <= asked


def test_a_one_word_clause_still_asks_for_its_fact(knowledge: KnowledgeBase) -> None:
    facts = knowledge.case("personalized-news-feed").facts
    asked = {a.fact.id for a in answer_all(facts, "DAU + requests per second at peak?") if a.fact}
    assert {"users", "traffic"} <= asked


def test_a_british_spelling_finds_the_same_fact(knowledge: KnowledgeBase) -> None:
    facts = knowledge.case("visual-search").facts
    british = answer_all(facts, "Is there a labelled training set already?")
    american = answer_all(facts, "Is there a labeled training set already?")
    assert [a.fact.id for a in british if a.fact] == [a.fact.id for a in american if a.fact]
    assert "human-ratings" in {a.fact.id for a in british if a.fact}
