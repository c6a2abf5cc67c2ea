"""The Chroma index: built once per content hash, rebuilt when damaged or built by another embedder."""

from __future__ import annotations

from pathlib import Path

from interviewer.chunks import build_chunks
from interviewer.fakes import HashEmbedder
from interviewer.knowledge import KnowledgeBase
from interviewer.retriever import ChromaRetriever


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
