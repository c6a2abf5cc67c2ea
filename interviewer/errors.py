"""Our own error types: adapters translate library errors into these, the session shows `user_message`."""

from __future__ import annotations


class InterviewerError(Exception):
    """Base class; `user_message` is safe and plain enough to show in the chat."""

    user_message = "Something went wrong."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class InputRejected(InterviewerError):
    user_message = "That message could not be accepted."


class AudioRejected(InputRejected):
    """A recording that cannot be used: unreadable, too long, or nothing recognised in it."""

    user_message = "That audio file could not be read."


class VoiceUnavailable(InterviewerError):
    """A speech model or program that is not installed (the voice extra, espeak-ng, Whisper base)."""

    user_message = "Voice is not available on this machine."


class UnknownId(InterviewerError):
    user_message = "Unknown id."


class StoreError(InterviewerError):
    user_message = "The session store could not be used."


class ConfigError(InterviewerError):
    user_message = "The configuration is not valid."


class ModelError(InterviewerError):
    user_message = "The model did not answer; using the scripted interviewer for this turn."


class ModelTimeout(ModelError):
    user_message = "The model took too long; using the scripted interviewer for this turn."


class ModelUnavailable(ModelError):
    user_message = "The model is not reachable; using the scripted interviewer for this turn."


class ModelRefused(ModelError):
    """HTTP error statuses, rate limits and the like."""


class ModelOutputInvalid(ModelError):
    """Broken JSON, a reply cut at the length limit, or an empty reply."""


class ModelOffScript(ModelOutputInvalid):
    """A reply that parsed but failed our checks (answers instead of asking, invents numbers...).

    The scripted text is used instead; the user needs no notice for that.
    """

    user_message = ""


class ModelRequestsBlocked(ModelError):
    user_message = "Model requests are switched off (INTERVIEWER_ALLOW_MODEL_REQUESTS=0)."
