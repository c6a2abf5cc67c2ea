"""The Chroma index: built once per content hash, rebuilt when damaged or built by another embedder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interviewer.adapters.chunks import build_chunks
from interviewer.adapters.embedder import CachedEmbedder
from interviewer.adapters.retriever import ChromaRetriever
from interviewer.adapters.vectors import query_vector
from interviewer.fakes import HashEmbedder
from interviewer.knowledge import KnowledgeBase
from interviewer.ports import Vectors


def test_index_is_reused_rebuilt_on_damage_and_on_another_embedder(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    chunks = [c for c in build_chunks(knowledge) if c.case == "ad-click-prediction"]
    folder = tmp_path / "index"
    first = ChromaRetriever(folder, HashEmbedder())
    assert "did not exist" in (first.ensure_index(chunks) or "")
    assert first.count() == len(chunks)
    again = ChromaRetriever(folder, HashEmbedder())
    assert again.ensure_index(chunks) is None  # same notes, same embedder: reused
    other = ChromaRetriever(folder, HashEmbedder(dim=128))
    assert "another embedder" in (other.ensure_index(chunks) or "")
    changed = ChromaRetriever(folder, HashEmbedder(dim=128))
    assert "notes changed" in (changed.ensure_index(chunks[:-1]) or "")
    for path in folder.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage" * 64)
    damaged = ChromaRetriever(folder, HashEmbedder())
    message = damaged.ensure_index(chunks)
    assert message and "Built the retrieval index" in message
    assert damaged.count() == len(chunks)
    hits = damaged.search("calibration of predicted click rates", case="ad-click-prediction", k=3)
    assert hits and all(h.case == "ad-click-prediction" for h in hits)


def test_bad_queries_return_nothing_or_results_without_crashing(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    chunks = [c for c in build_chunks(knowledge) if c.case == "visual-search"]
    retriever = ChromaRetriever(tmp_path / "index", HashEmbedder())
    retriever.ensure_index(chunks)
    assert retriever.search("", case="visual-search") == []
    assert retriever.search("   \n", case="visual-search") == []
    assert len(retriever.search("latency " * 5000, case="visual-search", k=5)) <= 5
    assert isinstance(
        retriever.search("¿Cómo reducimos la latencia del índice? 索引延迟", case="visual-search"),
        list,
    )
    assert retriever.search("latency", case="no-such-case") == []
    follow_ups = retriever.search(
        "index refresh", case="visual-search", phase="serving", kinds=["follow_up"], k=4
    )
    assert follow_ups and all(h.kind == "follow_up" and h.phase == "serving" for h in follow_ups)


class _Counting(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts += list(texts)
        return super().embed(texts)


def test_a_query_from_cached_parts_embeds_nothing_new(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    """The policy searches with the key point and the answer's sentences, which coverage has just
    embedded: the vector search then reuses those vectors instead of embedding the query whole."""
    chunks = [c for c in build_chunks(knowledge) if c.case == "ad-click-prediction"]
    counting = _Counting()
    embedder = CachedEmbedder(counting)  # type: ignore[arg-type]
    retriever = ChromaRetriever(tmp_path / "index", embedder)
    retriever.ensure_index(chunks)
    parts = ("Calibrate predicted click rates.", "We log clicks.", "We retrain daily.")
    embedder.embed(list(parts))
    before = len(counting.texts)
    hits = retriever.search(
        "calibration " + " ".join(parts), case="ad-click-prediction", k=3, dense_parts=parts
    )
    assert hits and len(counting.texts) == before
    whole = query_vector(embedder, "ignored", parts)[0]
    vectors = embedder.embed(list(parts))
    expected = vectors[0] + vectors[1:].mean(axis=0)
    assert np.allclose(whole, expected / np.linalg.norm(expected), atol=1e-6)
