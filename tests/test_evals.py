"""The measured targets, with the real (offline, 21 MB) embedder: make test fails when they regress."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interviewer.embedder import MiniLMEmbedder
from interviewer.evaluation.grading import load_items, metrics
from interviewer.evaluation.retrieval import evaluate, load_queries
from interviewer.grading import Grader
from interviewer.knowledge import KnowledgeBase
from interviewer.scoring import Scorer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="module")
def items(embedder: MiniLMEmbedder, knowledge: KnowledgeBase) -> Iterator[list]:  # type: ignore[type-arg]
    yield load_items(Grader(knowledge, Scorer(embedder)))


def test_embedder_gives_sensible_cosines(embedder: MiniLMEmbedder) -> None:
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
    embedder: MiniLMEmbedder, tmp_path_factory: pytest.TempPathFactory, knowledge: KnowledgeBase
) -> None:
    from interviewer.chunks import build_chunks
    from interviewer.retriever import ChromaRetriever

    retriever = ChromaRetriever(tmp_path_factory.mktemp("index"), embedder)
    retriever.rebuild(build_chunks(knowledge))
    result = evaluate(retriever, load_queries(), scope="case")["all"]
    assert result["recall@5"] >= 0.9
    assert result["mrr"] >= 0.8


def test_model_answers_cover_half_their_key_points_with_the_real_matcher(
    embedder: MiniLMEmbedder, knowledge: KnowledgeBase
) -> None:
    scorer = Scorer(embedder)
    short: list[str] = []
    for case in knowledge.cases.values():
        for note in case.notes.values():
            coverage = scorer.coverage(case, note, [note.model_answer])
            if sum(1 for v in coverage.values() if v >= 0.35) < len(note.key_points) / 2:
                short.append(note.source)
    assert short == []
