"""Ports: the small interfaces the core needs from the outside world (models, index, clock, voice,
the session store and the accounts behind a hosted login)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from interviewer.domain import SessionState, Speech, Status

Vectors = npt.NDArray[np.float32]


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


@runtime_checkable
class ChatModel(Protocol):
    """One method to implement, like simonw/llm's `Model.execute`."""

    @property
    def name(self) -> str: ...

    @property
    def is_local(self) -> bool: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 200,
        json_schema: dict[str, object] | None = None,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        """Yield text chunks, ending before the first `stop` string (which is not yielded).
        Raises `errors.ModelError` subclasses, never HTTP errors."""
        ...


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Identifies the vectors; an index built by another embedder must be rebuilt."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """L2-normalised float32 vectors, one row per text."""
        ...


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    case: str
    phase: str
    kind: str
    key_point_id: str = ""
    source: str = ""
    heading: str = ""
    score: float = 0.0


class Retriever(Protocol):
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
        """Chunks for `query`. With `dense_parts` (anchor, *context), the vector search uses the
        anchor's vector averaged with the context's mean instead of embedding `query` whole:
        each part is a text the embedder may already have cached, so no new embedding is paid."""
        ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (wall time survives a restart, monotonic time does not)."""
        ...


class Transcription(BaseModel):
    """What was said and how: the text, and the words with their timings and confidence."""

    model_config = ConfigDict(frozen=True)

    text: str
    speech: Speech


Samples = npt.NDArray[np.int16]  # mono 16-bit PCM, as synthesized
Audio = npt.NDArray[np.float32]  # mono float32 at 16 kHz, as Whisper and the VAD listen


class SpeechToText(Protocol):
    @property
    def name(self) -> str: ...

    def transcribe(self, path: str, *, prompt: str = "") -> str:
        """The text spoken in the recording at `path`; raises `errors.AudioRejected` with a plain
        message (unreadable, too long, nothing heard)."""
        ...

    def transcribe_audio(self, audio: Audio, *, prompt: str = "") -> str:
        """Same as `transcribe` on 16 kHz mono samples (a piece of a live microphone stream)."""
        ...

    def transcribe_timed(self, path: str, *, prompt: str = "") -> Transcription:
        """Like `transcribe`, with word timestamps (slower: Whisper aligns every word)."""
        ...


class TextToSpeech(Protocol):
    @property
    def name(self) -> str: ...

    def synthesize(self, text: str, out_path: str) -> str:
        """Write `text` read aloud to a WAV file at `out_path`; return the path."""
        ...

    def synthesize_samples(self, text: str) -> tuple[int, Samples]:
        """(sample rate, samples) of `text` read aloud, without touching the disk."""
        ...


class VoiceActivity(Protocol):
    """Tells speech from silence and noise in a live microphone stream."""

    @property
    def frame_samples(self) -> int:
        """Samples (at 16 kHz) per probability returned."""
        ...

    def speech_probabilities(self, audio: Audio) -> list[float]:
        """One probability of speech per `frame_samples` of `audio` (a trailing part frame is
        ignored)."""
        ...


class SessionSummary(BaseModel):
    """One row of the History table."""

    model_config = ConfigDict(frozen=True)

    id: str
    case: str
    mode: str
    phase: str
    status: str
    created_at: float
    updated_at: float
    overall: float | None
    turns: int


class Store(Protocol):
    """Durable sessions, turns and grades (SQLite on a laptop, Postgres when hosted).

    Promise of every implementation: when `save` returns, the state and its new turns are
    committed durably, so a reply is only ever computed for a turn that is already safe. A store is
    a view for one owner (the signed-in user; "" on a laptop): no method reads or changes another
    owner's sessions, and a session id of another owner behaves exactly like an unknown one.
    """

    @property
    def owner(self) -> str: ...

    def for_owner(self, owner: str) -> Store:
        """The same database seen by `owner`; shares the connection, costs nothing."""
        ...

    def close(self) -> None: ...

    def save(self, state: SessionState, *, now: float) -> None:
        """Write the state and any turns not yet stored, in one transaction."""
        ...

    def load(self, session_id: str) -> SessionState:
        """Raises `UnknownId` for an id this owner has no session under."""
        ...

    def sessions(self, *, status: Status | None = None) -> list[SessionSummary]:
        """This owner's sessions, most recently updated first."""
        ...

    def delete(self, session_id: str) -> bool: ...

    def save_grade(
        self, session_id: str, report_json: str, *, partial: bool, overall: float | None, now: float
    ) -> None: ...

    def latest_grade(self, session_id: str) -> str | None: ...

    def final_grades(self) -> list[tuple[str, str, float, str]]:
        """(session id, case, created_at, report json) of every final report, oldest first."""
        ...


class UserRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    created_at: float


class Accounts(Protocol):
    """Users, their signed-in browser sessions and failed logins (hosted mode only).

    Only hashes are stored: the password hash, and a hash of each login token, so a copy of the
    database lets nobody sign in.
    """

    def add_user(self, name: str, password_hash: str, *, now: float) -> None:
        """Raises `InputRejected` when the name is taken."""
        ...

    def remove_user(self, name: str) -> bool:
        """Removes the user and signs out all their browsers; their sessions stay (see README)."""
        ...

    def users(self) -> list[UserRecord]: ...

    def password_hash(self, name: str) -> str | None: ...

    def set_password_hash(self, name: str, password_hash: str) -> None: ...

    def open_login(self, token_hash: str, name: str, *, expires_at: float) -> None: ...

    def login_user(self, token_hash: str, *, now: float) -> str | None:
        """The user a login token belongs to, or None when unknown or expired."""
        ...

    def close_login(self, token_hash: str) -> None: ...

    def note_failed_login(self, key: str, *, now: float) -> None: ...

    def failed_logins(self, key: str, *, since: float) -> int: ...
