"""Structured output from any ChatModel: JSON mode, validated, re-asked once, then a fallback.

Written by hand rather than with instructor: it is twenty lines over our own one-method port, and
it must treat "cut at the length limit" and transport errors exactly like our other fallbacks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from interviewer.errors import ModelError
from interviewer.ports import ChatMessage, ChatModel

T = TypeVar("T", bound=BaseModel)


def structured(
    model: ChatModel, messages: Sequence[ChatMessage], schema: type[T], *, max_tokens: int = 200
) -> T | None:
    """The validated object, or None when the model cannot produce one (caller falls back)."""
    convo = list(messages)
    for _attempt in range(2):
        try:
            raw = "".join(
                model.stream(convo, max_tokens=max_tokens, json_schema=schema.model_json_schema())
            )
        except ModelError:
            return None
        try:
            return schema.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError) as err:
            problem = str(err).splitlines()[0]
            convo = [
                *convo,
                ChatMessage(role="assistant", content=raw[:500]),
                ChatMessage(
                    role="user",
                    content=f"That was not valid: {problem}. Reply with valid JSON only.",
                ),
            ]
    return None
