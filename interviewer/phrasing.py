"""Has a chat model phrase the policy's plan, under a deadline; the session falls back on failure."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

from interviewer.domain import PHASE_TITLES, SessionState
from interviewer.errors import ModelError, ModelTimeout
from interviewer.policy import Plan
from interviewer.ports import ChatMessage, ChatModel
from interviewer.prompts import fence, render

_DONE = object()


class ModelPhraser:
    def __init__(
        self,
        model: ChatModel,
        *,
        first_token_deadline_s: float,
        total_deadline_s: float,
        max_tokens: int = 120,
    ) -> None:
        self.model = model
        self.first_token_deadline_s = first_token_deadline_s
        self.total_deadline_s = total_deadline_s
        self.max_tokens = max_tokens

    @property
    def label(self) -> str:
        return self.model.name

    def messages(self, plan: Plan, state: SessionState) -> list[ChatMessage]:
        assert plan.task is not None
        case_title = state.case.replace("-", " ")
        system = render("persona", case=case_title, phase=PHASE_TITLES[state.phase])
        variables = dict(plan.context)
        if "last_answer" in variables:
            variables["last_answer"] = fence(variables["last_answer"][-1200:])
        if "question" in variables and plan.task == "clarifying":
            variables["question"] = fence(variables["question"])
        user = render(plan.task, **variables)
        return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]

    def phrase(self, plan: Plan, state: SessionState) -> Iterator[str]:
        """Stream the model's wording; raise ModelTimeout when a deadline passes."""
        messages = self.messages(plan, state)
        chunks: queue.Queue[object] = queue.Queue()

        def pump() -> None:
            try:
                for chunk in self.model.stream(messages, max_tokens=self.max_tokens):
                    chunks.put(chunk)
            except ModelError as err:
                chunks.put(err)
            except Exception as err:
                chunks.put(ModelError(f"{type(err).__name__}: {err}"))
            chunks.put(_DONE)

        threading.Thread(target=pump, daemon=True, name="model-phrase").start()
        started = time.monotonic()
        first = True
        while True:
            limit = self.first_token_deadline_s if first else self.total_deadline_s
            remaining = limit - (time.monotonic() - started)
            try:
                item = chunks.get(timeout=max(0.01, remaining))
            except queue.Empty:
                raise ModelTimeout(
                    f"no {'first token' if first else 'end'} within {limit:.0f}s"
                ) from None
            if item is _DONE:
                return
            if isinstance(item, ModelError):
                raise item
            first = False
            yield str(item)
