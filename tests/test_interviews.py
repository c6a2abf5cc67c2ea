"""The recorded interview suite replays offline from cassettes and meets every interviewer target."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.adapters.cassette import CassetteChatModel, CassetteMiss
from interviewer.domain import GRADED_PHASES, CaseId
from interviewer.evaluation.interviews import INTERVIEWS_DIR, load_recorded, run_replay
from interviewer.ports import ChatMessage, Embedder

pytestmark = pytest.mark.slow


def test_suite_covers_every_case_and_phase() -> None:
    recorded = load_recorded()
    assert len(recorded) >= 30
    assert {plan.case for plan, _ in recorded} == set(CaseId)
    assert {plan.phase for plan, _ in recorded} >= set(GRADED_PHASES)


def test_an_unrecorded_request_fails_loudly() -> None:
    path = next(INTERVIEWS_DIR.glob("*.cassette.json"))
    cassette = CassetteChatModel(path)
    with pytest.raises(CassetteMiss):
        list(cassette.stream([ChatMessage(role="user", content="never recorded")]))


def test_replay_is_identical_and_meets_targets(
    real_embedder: Embedder, real_data_dir: Path
) -> None:
    text, problems = run_replay(real_embedder, write_report=False, data_dir=real_data_dir)
    assert problems == [], text
