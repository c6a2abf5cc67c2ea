"""Has a chat model phrase the policy's plan, under a deadline; the session falls back on failure."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator

from interviewer.cassette import CassetteMiss
from interviewer.domain import PHASE_TITLES, SessionState
from interviewer.errors import ModelError, ModelOffScript, ModelTimeout
from interviewer.policy import Plan
from interviewer.ports import ChatMessage, ChatModel
from interviewer.prompts import fence, load_prompt, render
from interviewer.text import numbers, word_runs

MAX_TOKENS = {"follow_up": 30, "clarifying": 90, "hint": 70}
_ADVICE = re.compile(
    r"\?|\b(you should|you could|you might|consider|try|i recommend|i suggest|make sure|don't forget|"
    r"correct|incorrect|wrong|right answer|great answer|perfect|excellent)\b",
    re.IGNORECASE,
)

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
        if plan.task == "follow_up":
            # The model only acknowledges the answer; the question itself stays the one from the notes.
            variables.pop("question", None)
            variables.pop("topic", None)
        user = render(plan.task, **variables)
        return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]

    def phrase(self, plan: Plan, state: SessionState) -> Iterator[str]:
        """Stream the model's wording; raise ModelTimeout when a deadline passes."""
        messages = self.messages(plan, state)
        chunks: queue.Queue[object] = queue.Queue()
        cancelled = threading.Event()

        def pump() -> None:
            try:
                budget = MAX_TOKENS.get(plan.task or "", self.max_tokens)
                stream = self.model.stream(messages, max_tokens=budget)
                for chunk in stream:
                    if cancelled.is_set():
                        # Closing the stream drops the HTTP connection, so the one shared llama.cpp
                        # process stops decoding a reply nobody will read.
                        close = getattr(stream, "close", None)
                        if callable(close):
                            close()
                        return
                    chunks.put(chunk)
            except (ModelError, CassetteMiss) as err:
                chunks.put(err)  # a cassette miss must fail an eval loudly, not fall back
            except Exception as err:  # any adapter bug becomes a fallback, not a crash
                chunks.put(ModelError(f"{type(err).__name__}: {err}"))
            chunks.put(_DONE)

        threading.Thread(target=pump, daemon=True, name="model-phrase").start()
        started = time.monotonic()
        first = True
        try:
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
                    if plan.task == "follow_up":
                        yield " " + plan.context.get("question", plan.text)
                    return
                if isinstance(item, BaseException):
                    raise item
                first = False
                yield str(item)
        finally:
            cancelled.set()  # timed out, failed, or the caller stopped reading

    def accept(self, plan: Plan, text: str) -> str:
        """Keep the model's wording only when it still says what the policy decided.

        Small local models drift: they answer their own question, add advice that gives the answer
        away, or invent numbers. Each check below falls back to the scripted text instead.
        """
        cleaned = text.strip()
        if not cleaned:
            raise ModelOffScript("empty reply")
        if word_runs(cleaned, 6) & word_runs(load_prompt("persona"), 6):
            raise ModelOffScript("the reply repeats the system prompt")
        if plan.task == "follow_up":
            question = plan.context.get("question", plan.text)
            ack = cleaned[: -len(question)].strip() if cleaned.endswith(question) else cleaned
            if not ack or len(ack.split()) > 16 or _ADVICE.search(ack) or "\n" in ack:
                raise ModelOffScript("the acknowledgement asks, advises or judges")
            return f"{ack.rstrip('.!')}. {question}" if ack[-1] not in ".!" else f"{ack} {question}"
        elif plan.task == "clarifying":
            fact = plan.context.get("fact", plan.text)
            allowed = numbers(fact)
            if not numbers(cleaned) <= allowed or len(cleaned) > 400:
                raise ModelOffScript("a number that is not in the fact sheet")
        elif plan.task == "hint" and (len(cleaned) > 300 or cleaned.count(". ") > 2):
            raise ModelOffScript("hint too long")
        return cleaned
