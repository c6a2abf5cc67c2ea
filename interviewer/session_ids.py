"""Session ids: unguessable, URL-safe, checked before any store sees them."""

from __future__ import annotations

import re
import secrets

from interviewer.errors import UnknownId

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_session_id() -> str:
    """128 random bits: unguessable, URL-safe, never a path."""
    return secrets.token_urlsafe(16)


def check_session_id(session_id: str) -> str:
    if not SESSION_ID.fullmatch(session_id):
        raise UnknownId(
            f"not a session id: {session_id[:80]!r}", user_message="That is not a valid session id."
        )
    return session_id


def no_such_session(session_id: str) -> UnknownId:
    """Also what another owner's session looks like: the same words, so ids cannot be probed."""
    return UnknownId(f"no session {session_id}", user_message="That session does not exist.")
