"""The measured targets, with the real (offline, 21 MB) embedder: make test fails when they regress."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.config import Settings
from interviewer.evaluation.grading import load_items, metrics
from interviewer.evaluation.retrieval import evaluate, load_queries
from interviewer.grading.grader import Grader
from interviewer.grading.scoring import Scorer
from interviewer.knowledge import KnowledgeBase
from interviewer.ports import Embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder(real_embedder: Embedder) -> Embedder:
    return real_embedder


@pytest.fixture(scope="module")
def items(embedder: Embedder, knowledge: KnowledgeBase) -> Iterator[list]:  # type: ignore[type-arg]
    yield load_items(Grader(knowledge, Scorer(embedder)))


def test_embedder_gives_sensible_cosines(embedder: Embedder) -> None:
    a, b, c = embedder.embed(
        [
            "We split the click logs by time so the model never sees the future.",
            "Use a temporal train/test split to avoid leaking future data.",
            "My favourite pasta recipe uses fresh basil.",
        ]
    )
    assert float(a @ b) > 0.4 > float(a @ c)


@pytest.mark.parametrize("split", ["all", "tune", "holdout"])
def test_grader_holds_its_measured_level(items: list, split: str) -> None:  # type: ignore[type-arg]
    """Floors a little under what the grader measures on the 219-drill set (README table), so a
    change that makes grading worse fails; the issue's higher targets are reported, not faked."""
    subset = items if split == "all" else [i for i in items if i.split == split]
    grader, words = metrics(subset, "score"), metrics(subset, "words")
    assert (grader["ordering accuracy within groups"] or 0) >= 0.85
    assert (grader["Spearman vs gold (drills)"] or 0) >= 0.70
    assert grader["stuffing below strong"] == 1.0
    shift = grader["injection shift (mean |Δ|)"]
    assert shift is not None and shift <= 0.05
    assert grader["evidence verbatim"] == 1.0
    assert (grader["pasted flagged and <= weak"] or 0) >= 0.85
    # Not grading unless it clearly beats "score = number of words".
    assert grader["Spearman vs gold (drills)"] > (words["Spearman vs gold (drills)"] or 0) + 0.2


def test_off_topic_never_above_weak_on_most_groups(items: list) -> None:  # type: ignore[type-arg]
    value = metrics(items, "score")["off-topic <= weak"]
    assert value is not None and value >= 0.75


def test_the_interviewer_listens_on_both_splits(embedder: Embedder) -> None:
    """`interviewer eval listening`, no model: the DESIGN.md section 11 targets it meets are
    enforced on both splits; the ones it does not meet yet have floors at the measured level."""
    from interviewer.config import Settings as _Settings
    from interviewer.evaluation.listening import TARGETS, load_items, replay, score_item, value
    from interviewer.fakes import FakeClock
    from interviewer.wiring import build

    with tempfile.TemporaryDirectory() as tmp:
        settings = _Settings(data_dir=Path(tmp), retrieval="off", allow_model_requests=False)
        wiring = build(settings, embedder=embedder, use_model=False, clock=FakeClock())
        totals: dict[str, list[int]] = {}
        for item in load_items():
            for name, tally in score_item(item, replay(item, wiring), wiring.knowledge).items():
                hits, total = totals.setdefault(name, [0, 0])
                totals[name] = [hits + tally.hits, total + tally.total]
        wiring.store.close()
    rates = {}
    for name, (hits, total) in totals.items():
        higher = TARGETS.get(name, ("", 0.0, True))[2]
        rates[name] = value(_tally(hits, total), higher)[0]
    assert rates["re-ask rate"] <= 0.05
    assert rates["question about the point it cites"] >= 0.95
    assert rates["same question twice (sessions)"] == 0
    assert rates["correct statements challenged"] <= 0.05
    assert rates["facts answered, multi-question messages"] >= 0.88  # measured 0.91 (both splits)
    assert rates["intent recognised"] >= 0.95  # measured 0.98
    assert rates["misconceptions challenged next turn"] >= 0.33  # measured 0.38


def _tally(hits: int, total: int):  # type: ignore[no-untyped-def]
    from interviewer.evaluation.listening import Tally

    return Tally(hits=hits, total=total)


def test_retrieval_recall_at_5(
    embedder: Embedder, real_data_dir: Path, knowledge: KnowledgeBase
) -> None:
    from interviewer.adapters.chunks import build_chunks
    from interviewer.adapters.retriever import ChromaRetriever

    retriever = ChromaRetriever(Settings(data_dir=real_data_dir).index_dir, embedder)
    assert retriever.ensure_index(build_chunks(knowledge)) is None  # built once for the session
    result = evaluate(retriever, load_queries(), scope="case")["all"]
    assert result["recall@5"] >= 0.9
    assert result["mrr"] >= 0.8


def test_model_answers_cover_half_their_key_points_with_the_real_matcher(
    embedder: Embedder, knowledge: KnowledgeBase
) -> None:
    scorer = Scorer(embedder)
    short: list[str] = []
    for case in knowledge.cases.values():
        for note in case.notes.values():
            coverage = scorer.coverage(case, note, [note.model_answer])
            if sum(1 for v in coverage.values() if v >= 0.35) < len(note.key_points) / 2:
                short.append(note.source)
    assert short == []
