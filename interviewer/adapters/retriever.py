"""Retrieval over the case notes: an embedded Chroma store (the only chromadb importer) + BM25.

Chroma runs in-process (`PersistentClient`); its HTTP server is never started. Vectors are computed
by our own embedder and handed to Chroma, so Chroma's default embedding function, which downloads a
model, is never used. The collection remembers the content hash and the embedder name; a change in
either, or a damaged index folder, triggers a rebuild with a message.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import chromadb
from chromadb.api.client import SharedSystemClient  # pyright: ignore[reportPrivateImportUsage]
from chromadb.config import Settings as ChromaSettings
from rank_bm25 import BM25Okapi

from interviewer.adapters.chunks import content_hash
from interviewer.adapters.vectors import query_vector
from interviewer.ports import Chunk, Embedder
from interviewer.text import content_words

log = logging.getLogger("interviewer.adapters.retriever")
COLLECTION = "knowledge"
RRF_K = 60
MAX_QUERY_CHARS = 2000


class ChromaRetriever:
    def __init__(self, index_dir: Path, embedder: Embedder, *, hybrid: bool = True) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.hybrid = hybrid
        self._chunks: dict[str, Chunk] = {}
        self._bm25: dict[str, tuple[BM25Okapi, list[Chunk]]] = {}
        self._lock = threading.Lock()
        self._client: Any = None
        self._collection: Any = None

    # ---- building ----

    def _open(self) -> None:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(self.index_dir),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True),
        )

    def ensure_index(self, chunks: Sequence[Chunk]) -> str | None:
        """Open the index, rebuilding it when stale, foreign or damaged. Returns a user message."""
        self._remember(chunks)
        wanted = {"content_hash": content_hash(list(chunks)), "embedder": self.embedder.name}
        try:
            self._open()
            collection = self._client.get_collection(COLLECTION)
            meta = dict(collection.metadata or {})
            if (
                meta.get("content_hash") == wanted["content_hash"]
                and meta.get("embedder") == wanted["embedder"]
                and collection.count() == len(chunks)
            ):
                self._collection = collection
                return None
            reason = (
                "it was built by another embedder"
                if meta.get("embedder") != wanted["embedder"]
                else "the notes changed"
            )
        except Exception as err:
            missing = "does not exist" in str(err) or "not found" in str(err).lower()
            reason = (
                "it did not exist yet"
                if missing
                else f"it could not be read ({type(err).__name__})"
            )
            if not missing:
                self._wipe()
        took = self.rebuild(chunks)
        return f"Built the retrieval index ({len(chunks)} chunks in {took:.1f}s) because {reason}."

    def _wipe(self) -> None:
        self._client = None
        # Chroma keeps one client per path in a process-wide cache; drop it, or a reopened client
        # would keep using the damaged database it had open.
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(self.index_dir, ignore_errors=True)

    def rebuild(self, chunks: Sequence[Chunk]) -> float:
        started = time.perf_counter()
        self._remember(chunks)
        try:
            if self._client is None:
                self._open()
            assert self._client is not None
            with contextlib.suppress(Exception):  # an absent collection is fine
                self._client.delete_collection(COLLECTION)
        except Exception:
            self._wipe()
            self._open()
        assert self._client is not None
        collection = self._client.create_collection(
            COLLECTION,
            metadata={
                "hnsw:space": "cosine",
                "content_hash": content_hash(list(chunks)),
                "embedder": self.embedder.name,
            },
            embedding_function=None,
        )
        batch = 256
        for start in range(0, len(chunks), batch):
            part = list(chunks[start : start + batch])
            vectors = self.embedder.embed([c.text for c in part])
            collection.add(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                embeddings=cast(Any, vectors),
                metadatas=[_metadata(c) for c in part],
            )
        self._collection = collection
        return time.perf_counter() - started

    def _remember(self, chunks: Sequence[Chunk]) -> None:
        self._chunks = {c.id: c for c in chunks}
        self._bm25 = {}

    # ---- searching ----

    def search(
        self,
        query: str,
        *,
        case: str,
        phase: str | None = None,
        kinds: Sequence[str] | None = None,
        k: int = 5,
        dense_parts: Sequence[str] = (),
    ) -> list[Chunk]:
        query = query.strip()[:MAX_QUERY_CHARS]
        if not query or self._collection is None:
            return []
        parts = [p[:MAX_QUERY_CHARS] for p in dense_parts]
        dense = self._dense(query, parts, case, phase, kinds, k * 4 if self.hybrid else k)
        if not self.hybrid:
            return dense[:k]
        sparse = self._sparse(query, case, phase, kinds, k * 4)
        return _fuse([dense, sparse], k)

    def _dense(
        self,
        query: str,
        parts: Sequence[str],
        case: str,
        phase: str | None,
        kinds: Sequence[str] | None,
        n: int,
    ) -> list[Chunk]:
        clauses: list[dict[str, Any]] = [{"case": case}]
        if phase:
            clauses.append({"phase": phase})
        if kinds:
            clauses.append({"kind": {"$in": list(kinds)}})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        vector = query_vector(self.embedder, query, parts)
        with self._lock:
            result = self._collection.query(
                query_embeddings=cast(Any, vector),
                n_results=n,
                where=where,
                include=["distances"],
            )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [
            self._chunks[i].model_copy(update={"score": 1.0 - float(d)})
            for i, d in zip(ids, distances, strict=False)
            if i in self._chunks
        ]

    def _sparse(
        self, query: str, case: str, phase: str | None, kinds: Sequence[str] | None, n: int
    ) -> list[Chunk]:
        key = f"{case}|{phase}"
        if key not in self._bm25:
            pool = [
                c
                for c in self._chunks.values()
                if c.case == case and (not phase or c.phase == phase)
            ]
            if not pool:
                return []
            self._bm25[key] = (
                BM25Okapi([sorted(content_words(c.text)) or ["_"] for c in pool]),
                pool,
            )
        model, pool = self._bm25[key]
        scores: list[float] = [float(x) for x in model.get_scores(sorted(content_words(query)))]
        ranked = sorted(range(len(pool)), key=lambda i: -scores[i])
        hits = [
            pool[i].model_copy(update={"score": float(scores[i])}) for i in ranked if scores[i] > 0
        ]
        if kinds:
            hits = [h for h in hits if h.kind in kinds]
        return hits[:n]

    def count(self) -> int:
        return 0 if self._collection is None else int(self._collection.count())


def _metadata(chunk: Chunk) -> dict[str, str]:
    return {
        "case": chunk.case,
        "phase": chunk.phase,
        "kind": chunk.kind,
        "key_point_id": chunk.key_point_id,
        "source": f"{chunk.source} › {chunk.heading}",
    }


def _fuse(rankings: list[list[Chunk]], k: int) -> list[Chunk]:
    """Reciprocal-rank fusion: robust to the two scores living on different scales."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, chunk in enumerate(ranking):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks.setdefault(chunk.id, chunk)
    ordered = sorted(scores, key=lambda i: -scores[i])[:k]
    return [chunks[i].model_copy(update={"score": scores[i]}) for i in ordered]
