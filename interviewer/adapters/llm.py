"""The one chat adapter: any OpenAI-compatible server through LangChain's ChatOpenAI.

The only module importing langchain-openai / openai. Library errors become our `errors.py` types
here, so the session never sees an HTTP error. Works with llama.cpp's server, Ollama, vLLM,
LM Studio and OpenAI.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from interviewer.config import Settings
from interviewer.errors import (
    ModelError,
    ModelOutputInvalid,
    ModelRefused,
    ModelRequestsBlocked,
    ModelTimeout,
    ModelUnavailable,
)
from interviewer.ports import ChatMessage

if TYPE_CHECKING:
    from interviewer.adapters.local_model import LocalModelServer


class OpenAICompatibleModel:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float,
        max_retries: int,
        local: bool,
        allow_requests: bool = True,
        server: LocalModelServer | None = None,
    ) -> None:
        self._model_name = model
        self._local = local
        self._allow = allow_requests
        self._server = server
        self._base_url = base_url
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "timeout": timeout_s,
            "max_retries": max_retries,
        }
        self._client: ChatOpenAI | None = None

    def _chat(self) -> ChatOpenAI:
        # Built on first use: the bundled server picks its port only when it starts.
        base_url = self._server.base_url if self._server is not None else self._base_url
        if self._client is None or self._base_url != base_url:
            self._base_url = base_url
            self._client = ChatOpenAI(
                base_url=base_url,
                model=self._model_name,
                temperature=0.3,
                streaming=True,
                stream_usage=False,
                **self._options,
            )
        return self._client

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        base_url: str,
        local: bool,
        model_name: str | None = None,
        server: LocalModelServer | None = None,
    ) -> OpenAICompatibleModel:
        return cls(
            base_url=base_url,
            model=model_name or settings.model,
            api_key=settings.api_key.get_secret_value(),
            timeout_s=settings.model_timeout_s,
            max_retries=settings.model_max_retries,
            local=local,
            allow_requests=settings.allow_model_requests,
            server=server,
        )

    @property
    def name(self) -> str:
        return self._model_name

    @property
    def is_local(self) -> bool:
        return self._local

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 200,
        json_schema: dict[str, object] | None = None,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        if not self._allow:
            raise ModelRequestsBlocked("INTERVIEWER_ALLOW_MODEL_REQUESTS=0")
        if self._server is not None:
            self._server.ensure_running()
        kwargs: dict[str, Any] = {"max_tokens": max_tokens}
        if stop:
            kwargs["stop"] = list(stop)
        if "api.openai.com" not in self._base_url:
            # ChatOpenAI sends max_tokens as max_completion_tokens, which llama.cpp, Ollama and older
            # vLLM ignore (no limit at all); the classic field is what they read.
            kwargs["extra_body"] = {"max_tokens": max_tokens}
        if json_schema is not None:
            # llama.cpp accepts a schema inside json_object mode; "json_schema" returns HTTP 500 there.
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        finish: str | None = None
        try:
            for chunk in self._chat().stream(_to_langchain(messages), **kwargs):
                finish = chunk.response_metadata.get("finish_reason") or finish
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
        except openai.APITimeoutError as err:
            raise ModelTimeout(str(err)) from err
        except openai.APIConnectionError as err:
            raise ModelUnavailable(str(err)) from err
        except openai.RateLimitError as err:
            raise ModelRefused(
                f"rate limited: {err}",
                user_message="The model server is busy (rate limited); using the scripted interviewer for this turn.",
            ) from err
        except openai.APIStatusError as err:
            raise ModelRefused(f"HTTP {err.status_code}: {err}") from err
        except openai.OpenAIError as err:
            raise ModelError(str(err)) from err
        except (ValueError, KeyError) as err:  # malformed stream payloads
            raise ModelOutputInvalid(str(err)) from err
        if finish == "length":
            raise ModelOutputInvalid("the reply stopped at the length limit")


def _to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for message in messages:
        if message.role == "system":
            out.append(SystemMessage(content=message.content))
        elif message.role == "assistant":
            out.append(AIMessage(content=message.content))
        else:
            out.append(HumanMessage(content=message.content))
    return out
