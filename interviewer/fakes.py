"""Fakes shipped with the package: used by tests, by `--offline`, and by anyone embedding us.

- `ScriptedChatModel`: replies queued with `enqueue`, like simonw/llm's MockModel; records calls.
- `HashEmbedder`: deterministic bag-of-words vectors; no model files needed.
- `FakeClock`: time that only moves when a test says so.
- `InMemoryRetriever`: cosine search over chunks with any embedder, no Chroma.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import time
from collections.abc import Iterator, Sequence

import numpy as np

from interviewer.adapters.vectors import query_vector
from interviewer.errors import InterviewerError
from interviewer.ports import ChatMessage, Chunk, Embedder, Vectors
from interviewer.text import content_words, words

DEFAULT_REPLY = "Could you go one level deeper on that?"


class ScriptedChatModel:
    """Replies come from a queue; an exception in the queue is raised instead of replying."""

    def __init__(
        self,
        replies: Sequence[str | Exception] = (),
        *,
        default: str | None = DEFAULT_REPLY,
        chunk_size: int = 12,
        delay_s: float = 0.0,
    ) -> None:
        self._queue: list[str | Exception] = list(replies)
        self.default = default
        self.chunk_size = chunk_size
        self.delay_s = delay_s
        self.calls: list[list[ChatMessage]] = []

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def is_local(self) -> bool:
        return True

    def enqueue(self, *replies: str | Exception) -> None:
        self._queue.extend(replies)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 200,
        json_schema: dict[str, object] | None = None,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        if self._queue:
            reply = self._queue.pop(0)
        elif json_schema is not None:
            reply = json.dumps(example_for_schema(json_schema))
        elif self.default is not None:
            reply = self.default
        else:
            raise InterviewerError("ScriptedChatModel has no reply queued")
        if isinstance(reply, Exception):
            raise reply
        reply = cut_at_stop(reply, stop)
        for start in range(0, len(reply), self.chunk_size):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield reply[start : start + self.chunk_size]


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """What an OpenAI-compatible server returns for `stop`: the text before the first match."""
    ends = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return text[: min(ends)] if ends else text


def example_for_schema(schema: dict[str, object]) -> object:
    """The smallest value that fits a JSON schema (like pydantic-ai's TestModel)."""
    kind = schema.get("type")
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties", {})
        assert isinstance(props, dict)
        return {str(k): example_for_schema(v) for k, v in props.items() if isinstance(v, dict)}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 0
    return ""


class HashEmbedder:
    """Signed feature hashing of stemmed words and word pairs into `dim` dimensions."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self.dim}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([_hashed(text, self.dim) for text in texts])


@functools.lru_cache(maxsize=1 << 16)
def _hashed(text: str, dim: int) -> Vectors:
    """One text's vector, kept: every session built in a process (the fast tests build hundreds,
    `--fake` one per start) indexes the same notes, and hashing them was 95% of building one."""
    row = np.zeros(dim, dtype=np.float32)
    raw = words(text)
    features = sorted(content_words(text)) + [f"{a}_{b}" for a, b in itertools.pairwise(raw)]
    for feature in features:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        sign = 1.0 if digest[4] & 1 else -1.0
        row[index] += sign * (1.0 if "_" not in feature else 0.5)
    norm = float(np.linalg.norm(row))
    if norm > 0:
        row /= norm
    row.setflags(write=False)  # shared between calls: nobody may change it
    return row


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


class InMemoryRetriever:
    """The Retriever port over a list of chunks, ranked by cosine similarity."""

    def __init__(self, chunks: Sequence[Chunk], embedder: Embedder) -> None:
        self.chunks = list(chunks)
        self.embedder = embedder
        self._vectors = embedder.embed([c.text for c in self.chunks])

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
        if not query.strip():
            return []
        scores = self._vectors @ query_vector(self.embedder, query, dense_parts)[0]
        ranked = sorted(range(len(self.chunks)), key=lambda i: -float(scores[i]))
        hits: list[Chunk] = []
        for i in ranked:
            chunk = self.chunks[i]
            if chunk.case != case or (phase and chunk.phase != phase):
                continue
            if kinds and chunk.kind not in kinds:
                continue
            hits.append(chunk.model_copy(update={"score": float(scores[i])}))
            if len(hits) == k:
                break
        return hits
