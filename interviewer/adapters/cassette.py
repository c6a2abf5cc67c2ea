"""Recorded model calls: request hash -> reply, recorded once against a real model, replayed in tests.

A replay that meets an unrecorded request raises `CassetteMiss` (not a ModelError), so an eval never
falls back silently to the scripted path and reports a green result it did not earn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from interviewer import errors
from interviewer.ports import ChatMessage, ChatModel


class CassetteMiss(RuntimeError):
    pass


def request_key(
    messages: Sequence[ChatMessage],
    max_tokens: int,
    json_schema: dict[str, object] | None,
    stop: Sequence[str] = (),
) -> str:
    payload: dict[str, object] = {
        "messages": [m.model_dump() for m in messages],
        "max_tokens": max_tokens,
        "schema": json_schema,
    }
    if stop:
        payload["stop"] = list(stop)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


Entry = str | dict[str, str]


class CassetteChatModel:
    """Replays from `path`; with `inner`, records what is missing (or everything, if `record_all`)."""

    def __init__(
        self, path: Path, inner: ChatModel | None = None, *, record_all: bool = False
    ) -> None:
        self.path = path
        self.inner = inner
        self.record_all = record_all
        # Per request, the replies in the order they were recorded: the same request can come twice
        # in a session (two answers ending alike) and a sampling model answers it differently. A
        # reply is text, or {"error": class name, "message": ...} for a call that failed while
        # recording (a length stop, say), so the replay fails the same way instead of missing.
        self.entries: dict[str, list[Entry]] = {}
        if path.exists():
            loaded: dict[str, Entry | list[Entry]] = json.loads(path.read_text(encoding="utf-8"))
            self.entries = {k: v if isinstance(v, list) else [v] for k, v in loaded.items()}
        self._played: dict[str, int] = {}
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
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        key = request_key(messages, max_tokens, json_schema, stop)
        if key in self.entries and not self.record_all:
            self.hits += 1
            replies = self.entries[key]
            index = self._played.get(key, 0)
            self._played[key] = index + 1
            entry = replies[min(index, len(replies) - 1)]  # past the end: the last one again
            if isinstance(entry, dict):
                raise _recorded_error(entry)
            yield entry
            return
        if self.inner is None:
            self.misses.append(key)
            raise CassetteMiss(f"request {key} is not in {self.path}")
        try:
            reply = "".join(
                self.inner.stream(
                    messages, max_tokens=max_tokens, json_schema=json_schema, stop=stop
                )
            )
        except errors.ModelError as err:
            self.entries.setdefault(key, []).append(
                {"error": type(err).__name__, "message": str(err)}
            )
            self.save()
            raise
        self.entries.setdefault(key, []).append(reply)
        self.save()
        yield reply

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")


def _recorded_error(entry: dict[str, str]) -> errors.ModelError:
    kind = getattr(errors, entry.get("error", ""), None)
    if isinstance(kind, type) and issubclass(kind, errors.ModelError):
        return kind(entry.get("message", ""))
    return errors.ModelError(entry.get("message", ""))
