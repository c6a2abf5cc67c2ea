"""Retrieval metrics on evals/retrieval/queries.jsonl: Recall@1, Recall@5 and MRR, dense vs hybrid.

Each query is a candidate-side paraphrase labelled with the key point it is about. A query is a hit
at k when a key-point chunk with that id is in the top k results for the query's case.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel

from interviewer.adapters.chunks import build_chunks
from interviewer.evaluation import EVALS_DIR
from interviewer.knowledge import default_knowledge
from interviewer.ports import Embedder, Retriever


class Query(BaseModel):
    query: str
    case: str
    phase: str
    key_point_id: str


def load_queries(path: Path = EVALS_DIR / "retrieval" / "queries.jsonl") -> list[Query]:
    return [
        Query.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def evaluate(
    retriever: Retriever, queries: list[Query], *, scope: str = "case"
) -> dict[str, dict[str, float]]:
    """Metrics per case and overall; scope 'case' searches the whole case, 'phase' one note."""
    ranks: dict[str, list[int | None]] = defaultdict(list)
    for q in queries:
        hits = retriever.search(
            q.query,
            case=q.case,
            phase=q.phase if scope == "phase" else None,
            kinds=["key_point"],
            k=10,
        )
        rank = next(
            (
                i + 1
                for i, h in enumerate(hits)
                if h.key_point_id == q.key_point_id and h.phase == q.phase
            ),
            None,
        )
        ranks[q.case].append(rank)
        ranks["all"].append(rank)
    out: dict[str, dict[str, float]] = {}
    for name, values in ranks.items():
        n = len(values)
        out[name] = {
            "n": n,
            "recall@1": sum(1 for r in values if r == 1) / n,
            "recall@5": sum(1 for r in values if r is not None and r <= 5) / n,
            "mrr": sum(1 / r for r in values if r is not None) / n,
        }
    return out


def run(*, fake: bool = False, embedder: Embedder | None = None) -> str:
    from interviewer.adapters.retriever import ChromaRetriever
    from interviewer.wiring import build_embedder

    embedder = embedder or build_embedder("fake" if fake else "real")
    chunks = build_chunks(default_knowledge())
    queries = load_queries()
    rows: list[tuple[str, dict[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as folder:
        retriever = ChromaRetriever(Path(folder), embedder)
        build_s = retriever.rebuild(chunks)
        for hybrid in (False, True):
            retriever.hybrid = hybrid  # same collection; hybrid adds BM25 and rank fusion on top
            for scope in ("case", "phase"):
                label = (
                    f"{'hybrid (dense+BM25, RRF)' if hybrid else 'dense (MiniLM)'} · search {scope}"
                )
                rows.append((label, evaluate(retriever, queries, scope=scope)))
    lines = [
        f"{len(queries)} labelled queries, {len(chunks)} chunks (index built in {build_s:.1f}s), "
        f"embedder {embedder.name}",
        "",
        "| retriever | Recall@1 | Recall@5 | MRR |",
        "|---|---|---|---|",
    ]
    for label, result in rows:
        m = result["all"]
        lines.append(f"| {label} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f} |")
    best = rows[-2][1]  # hybrid, whole case
    lines += [
        "",
        "Per case (hybrid, whole case):",
        "",
        "| case | n | Recall@1 | Recall@5 | MRR |",
        "|---|---|---|---|---|",
    ]
    for case, m in sorted(best.items()):
        if case != "all":
            lines.append(
                f"| {case} | {int(m['n'])} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f} |"
            )
    return "\n".join(lines)


__all__ = ["Query", "evaluate", "load_queries", "run"]
