"""Hosted-mode limits: turns per user per minute, and a cap on model calls running at once.

Both are per app process (N processes allow N times as much): they protect the shared model
server and the database from one runaway client, not bill anyone. Imports no framework.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from interviewer.errors import InputRejected, ModelError
from interviewer.ports import ChatMessage, ChatModel, Clock


class ModelBusy(ModelError):
    user_message = (
        "The interviewer model is busy with other candidates, so this reply is the scripted one. "
        "Your answer is saved; try again in a moment for a model-phrased reply."
    )


class TooFast(InputRejected):
    user_message = "That is faster than anyone types: wait a few seconds and send it again."


class BoundedChatModel:
    """A ChatModel that lets at most `slots` calls run at once; the next waits `wait_s`, then
    raises ModelBusy (the session answers with the scripted wording and says why)."""

    def __init__(self, inner: ChatModel, *, slots: int, wait_s: float = 2.0) -> None:
        self.inner = inner
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(slots)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def is_local(self) -> bool:
        return self.inner.is_local

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 200,
        json_schema: dict[str, object] | None = None,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        if not self._slots.acquire(timeout=self.wait_s):
            raise ModelBusy("all model slots busy")
        try:
            yield from self.inner.stream(
                messages, max_tokens=max_tokens, json_schema=json_schema, stop=stop
            )
        finally:
            self._slots.release()


class RateLimiter:
    """A token bucket per key: `per_minute` on average, bursts of `burst`."""

    def __init__(self, clock: Clock, *, per_minute: float, burst: int) -> None:
        self.clock = clock
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for `key`, or raise TooFast."""
        now = self.clock.now()
        with self._guard:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise TooFast(f"rate limited: {key}")
            self._buckets[key] = (tokens - 1.0, now)
