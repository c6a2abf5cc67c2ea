"""Query vectors built from parts the embedder has usually cached already."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interviewer.ports import Embedder, Vectors


def query_vector(embedder: Embedder, query: str, parts: Sequence[str] = ()) -> Vectors:
    """One L2-normalised row: `query` embedded whole, or the anchor `parts[0]` averaged with the
    mean of the rest (see `Retriever.search`)."""
    texts = [p for p in parts if p.strip()]
    if not texts:
        return embedder.embed([query])
    vectors = embedder.embed(texts)
    vector = vectors[0] + (vectors[1:].mean(axis=0) if len(texts) > 1 else 0.0)
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector)[None, :].astype(np.float32)
