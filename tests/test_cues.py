"""Stance cues: a misconception's own words, matched in any order, turned around by a negation."""

from __future__ import annotations

import pytest

from interviewer.grading.cues import Cue, any_match, false_alarms
from interviewer.knowledge import KnowledgeBase


@pytest.mark.parametrize(
    "sentence",
    [
        "For the split I'd just do random over query-video pairs, eighty-ten-ten.",
        "Randomly split the logs into train and test.",
        "We shuffle the pairs and hold out ten percent.",
    ],
)
def test_a_cue_hears_the_claim_in_other_words_and_orders(sentence: str) -> None:
    assert any_match([Cue.parse("random|randomly|shuffle split|pairs")], sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Split by time, not at random, so head queries don't leak.",
        "I would never randomly split these logs.",
        "A random sample of users.",  # one slot filled, the other not
    ],
)
def test_a_negated_or_partial_sentence_does_not_match(sentence: str) -> None:
    assert not any_match([Cue.parse("random|randomly split|shuffle")], sentence)


def test_a_cue_that_says_no_wants_the_negation() -> None:
    cue = Cue.parse("no|not need recalibrate|correct")
    assert any_match([cue], "There's no need to correct the probabilities, we only sort.")
    assert any_match([cue], "We don't need to recalibrate after downsampling.")
    assert not any_match([cue], "We need to recalibrate after downsampling.")


def test_no_cue_fires_on_its_case_s_own_right_answers(knowledge: KnowledgeBase) -> None:
    alarms = [
        a for case in knowledge.cases.values() for a in false_alarms(list(case.notes.values()))
    ]
    assert alarms == []


def test_false_alarms_names_a_cue_that_fires_on_a_key_point(knowledge: KnowledgeBase) -> None:
    note = knowledge.case("video-search").notes["data"]
    wrong = note.misconceptions[0]
    point = next(p for p in note.key_points if p.id == wrong.correction.key_point)
    first_words = " ".join(point.statement.lower().split()[:2]).strip(".,;:")
    broken = note.model_copy(
        update={
            "misconceptions": [
                wrong.model_copy(update={"cues": [first_words]}),
                *note.misconceptions[1:],
            ]
        }
    )
    assert any(wrong.id in alarm for alarm in false_alarms([broken]))


def test_words_spread_over_a_long_sentence_are_not_one_claim() -> None:
    cue = Cue.parse("small batch fine|enough")
    assert any_match([cue], "A small batch is fine here.")
    spread = (
        "A small projection head on a pretrained encoder is fine, and later we tune the learning "
        "rate warmup and weight decay and the schedule with a batch of eight thousand."
    )
    assert not any_match([cue], spread)


def test_a_cue_s_negation_must_bear_on_its_other_words() -> None:
    cue = Cue.parse("calibration not matter|matters")
    assert any_match([cue], "Honestly calibration does not matter here, we only rank.")
    assert not any_match([cue], "Calibration matters, and not only for ranking.")


def test_a_starred_word_hears_every_word_it_begins() -> None:
    cue = Cue.parse("no|skip recalibrat*")
    assert any_match([cue], "We skip recalibrating the scores after downsampling.")
    assert any_match([cue], "No recalibration is needed.")
    assert not any_match([cue], "We always recalibrate the scores after downsampling.")
