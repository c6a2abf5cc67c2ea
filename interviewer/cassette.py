"""Recorded model calls: request hash -> reply, recorded once against a real model, replayed in tests.

A replay that meets an unrecorded request raises `CassetteMiss` (not a ModelError), so an eval never
falls back silently to the scripted path and reports a green result it did not earn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from interviewer.ports import ChatMessage, ChatModel


class CassetteMiss(RuntimeError):
    pass


def request_key(
    messages: Sequence[ChatMessage], max_tokens: int, json_schema: dict[str, object] | None
) -> str:
    payload = {
        "messages": [m.model_dump() for m in messages],
        "max_tokens": max_tokens,
        "schema": json_schema,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


class CassetteChatModel:
    """Replays from `path`; with `inner`, records what is missing (or everything, if `record_all`)."""

    def __init__(
        self, path: Path, inner: ChatModel | None = None, *, record_all: bool = False
    ) -> None:
        self.path = path
        self.inner = inner
        self.record_all = record_all
        self.entries: dict[str, str] = {}
        if path.exists():
            self.entries = json.loads(path.read_text(encoding="utf-8"))
        self.hits = 0
        self.misses: list[str] = []

    @property
    def name(self) -> str:
        return f"cassette:{self.inner.name if self.inner else self.path.stem}"

    @property
    def is_local(self) -> bool:
        return True

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 200,
        json_schema: dict[str, object] | None = None,
    ) -> Iterator[str]:
        key = request_key(messages, max_tokens, json_schema)
        if key in self.entries and not self.record_all:
            self.hits += 1
            yield self.entries[key]
            return
        if self.inner is None:
            self.misses.append(key)
            raise CassetteMiss(f"request {key} is not in {self.path}")
        reply = "".join(self.inner.stream(messages, max_tokens=max_tokens, json_schema=json_schema))
        self.entries[key] = reply
        self.save()
        yield reply

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
