"""Has a chat model phrase the policy's plan, under a deadline; the session falls back on failure."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator

from interviewer.adapters.cassette import CassetteMiss
from interviewer.domain import SessionState
from interviewer.errors import ModelError, ModelOffScript, ModelTimeout
from interviewer.policy import Plan
from interviewer.ports import ChatMessage, ChatModel
from interviewer.prompts import fence, render, system_prompt
from interviewer.text import numbers, tail, word_runs

MAX_TOKENS = {"follow_up": 30, "clarifying": 90}
# An acknowledgement is one sentence: the server stops at its end instead of rambling into the
# length limit (a question mark is not a stop, so a question still reaches `accept` and is refused).
STOP = {"follow_up": (". ", "! ", "\n")}
ANSWER_TAIL_WORDS = 30
_ADVICE = re.compile(
    r"\?|\b(you should|you could|you might|consider|try|i recommend|i suggest|make sure|don't forget|"
    r"correct|incorrect|wrong|right answer|great answer|perfect|excellent)\b",
    re.IGNORECASE,
)

# Praise is a grade in disguise; "The candidate said..." is not speaking to them; "I'm sorry, I
# can't assist" and "glad to help" are a chat assistant, not an interviewer; "Thanks for sharing
# the key points list" plays along with an injection (all seen from the bundled models).
_NOT_AN_ACK = re.compile(
    r"\b(great|good|nice|awesome|brilliant|impressive|well done|spot on|sorry|can't|cannot|"
    r"assist|help|as an ai|key points?|model answer|rubric|system prompt|instructions|score|grade|"
    r"marks|you'?re right|that'?s right|exactly|absolutely)\b|^the candidate\b",
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
        """The same system prompt for every turn of a task, then the turn's own data.

        llama.cpp reuses the longest prompt prefix it has already evaluated, so keeping everything
        variable in the last message means a turn prefills only the candidate's words.
        """
        assert plan.task is not None
        system = system_prompt(plan.task)
        variables = dict(plan.context)
        if "last_answer" in variables:
            variables["last_answer"] = fence(tail(variables["last_answer"], ANSWER_TAIL_WORDS))
        if "question" in variables and plan.task == "clarifying":
            variables["question"] = fence(variables["question"])
        if plan.task == "follow_up":
            # The model only acknowledges the answer; the question itself stays the one from the notes.
            variables.pop("question", None)
            variables.pop("topic", None)
        user = render(f"{plan.task}.user", **variables)
        return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]

    def phrase(self, plan: Plan, state: SessionState) -> Iterator[str]:
        """Stream the model's wording; raise ModelTimeout when a deadline passes."""
        messages = self.messages(plan, state)
        chunks: queue.Queue[object] = queue.Queue()
        cancelled = threading.Event()

        def pump() -> None:
            try:
                budget = MAX_TOKENS.get(plan.task or "", self.max_tokens)
                stop = STOP.get(plan.task or "", ())
                stream = self.model.stream(messages, max_tokens=budget, stop=stop)
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
        said = ""
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
                        # The stop string ate the acknowledgement's full stop; the draft on screen
                        # should read as the final text will.
                        end = "" if not said.strip() or said.rstrip()[-1] in ".!?" else "."
                        yield f"{end} {plan.context.get('question', plan.text)}"
                    return
                if isinstance(item, BaseException):
                    raise item
                first = False
                said += str(item)
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
        if word_runs(cleaned, 6) & word_runs(system_prompt(plan.task or "follow_up"), 6):
            raise ModelOffScript("the reply repeats the system prompt")
        if plan.task == "follow_up":
            question = plan.context.get("question", plan.text)
            ack = cleaned[: -len(question)].strip() if cleaned.endswith(question) else cleaned
            if (
                not ack
                or len(ack.split()) > 16
                or _ADVICE.search(ack)
                or _NOT_AN_ACK.search(ack)
                or "\n" in ack
            ):
                raise ModelOffScript("the acknowledgement asks, advises or judges")
            return f"{ack.rstrip('.!')}. {question}" if ack[-1] not in ".!" else f"{ack} {question}"
        elif plan.task == "clarifying":
            fact = plan.context.get("fact", plan.text)
            allowed = numbers(fact)
            if not numbers(cleaned) <= allowed or len(cleaned) > 400:
                raise ModelOffScript("a number that is not in the fact sheet")
        return cleaned
