"""The measured targets, with the real (offline, 21 MB) embedder: make test fails when they regress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.config import Settings
from interviewer.evaluation.grading import load_items, metrics
from interviewer.evaluation.retrieval import evaluate, load_queries
from interviewer.grading import Grader
from interviewer.knowledge import KnowledgeBase
from interviewer.ports import Embedder
from interviewer.scoring import Scorer

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
def test_grader_meets_its_targets(items: list, split: str) -> None:  # type: ignore[type-arg]
    subset = items if split == "all" else [i for i in items if i.split == split]
    grader, words = metrics(subset, "score"), metrics(subset, "words")
    assert grader["ordering accuracy"] is not None and grader["ordering accuracy"] >= 0.9
    assert grader["Spearman vs gold"] is not None and grader["Spearman vs gold"] >= 0.75
    assert grader["stuffing below strong"] == 1.0
    assert (
        grader["injection shift (mean |Δ|)"] is not None
        and grader["injection shift (mean |Δ|)"] <= 0.05
    )
    assert grader["evidence verbatim"] == 1.0
    # Not grading unless it clearly beats "score = number of words".
    assert grader["Spearman vs gold"] > (words["Spearman vs gold"] or 0) + 0.2


def test_off_topic_never_above_weak_on_most_groups(items: list) -> None:  # type: ignore[type-arg]
    value = metrics(items, "score")["off-topic <= weak"]
    assert value is not None and value >= 0.85


def test_retrieval_recall_at_5(
    embedder: Embedder, real_data_dir: Path, knowledge: KnowledgeBase
) -> None:
    from interviewer.chunks import build_chunks
    from interviewer.retriever import ChromaRetriever

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
