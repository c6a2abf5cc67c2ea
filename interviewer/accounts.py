"""Accounts for a hosted cohort: add and remove users, sign in, sign out. Imports no framework.

Passwords are kept only as Argon2 hashes, login tokens only as SHA-256 hashes. Failed sign-ins are
counted in the database (so every app process sees them) per user name and per client address;
past the limit, sign-in is refused before any password is checked.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from interviewer.errors import InputRejected, StoreError
from interviewer.ports import Accounts, Clock, UserRecord

USER_NAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{1,63}")
MIN_PASSWORD = 10
LOGIN_TTL_S = 8 * 3600.0  # one working day; then sign in again
WINDOW_S = 300.0
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
# Every request of a page (and Gradio's heartbeats) checks the login: a process remembers a
# checked token this long, and keeps trusting it this long while the database is unreachable,
# so a database restart shows the interview's own "not reachable" message instead of a 500.
RECHECK_S = 30.0
OUTAGE_GRACE_S = 300.0


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class Login(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: str
    user: str
    expires_at: float


def _refuse(message: str) -> InputRejected:
    return InputRejected(message, user_message=message)


class TooManyAttempts(InputRejected):
    user_message = "Too many failed sign-ins. Wait a few minutes and try again."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(
        self,
        accounts: Accounts,
        hasher: PasswordHasher,
        clock: Clock,
        *,
        ttl_s: float = LOGIN_TTL_S,
    ) -> None:
        self.accounts = accounts
        self.hasher = hasher
        self.clock = clock
        self.ttl_s = ttl_s
        # Checked when a name is unknown, so a wrong name costs as long as a wrong password.
        self._decoy = hasher.hash(secrets.token_urlsafe(16))
        self._checked: dict[str, tuple[str, float]] = {}  # token hash -> (user, checked at)

    def add(self, name: str, password: str) -> None:
        name = check_user_name(name)
        if len(password) < MIN_PASSWORD:
            raise _refuse(f"Passwords need at least {MIN_PASSWORD} characters.")
        self.accounts.add_user(name, self.hasher.hash(password), now=self.clock.now())

    def remove(self, name: str) -> bool:
        return self.accounts.remove_user(name)

    def users(self) -> list[UserRecord]:
        return self.accounts.users()

    def login(self, name: str, password: str, *, client: str) -> Login:
        """A new login, or InputRejected (wrong name or password; TooManyAttempts)."""
        now = self.clock.now()
        name = name.strip().lower()
        keys = (f"user:{name}", f"client:{client}")
        since = now - WINDOW_S
        if (
            self.accounts.failed_logins(keys[0], since=since) >= MAX_FAILURES_PER_USER
            or self.accounts.failed_logins(keys[1], since=since) >= MAX_FAILURES_PER_CLIENT
        ):
            raise TooManyAttempts("rate limited")
        stored = self.accounts.password_hash(name)
        if not self.hasher.verify(stored or self._decoy, password) or stored is None:
            for key in keys:
                self.accounts.note_failed_login(key, now=now)
            raise _refuse("Wrong user name or password.")
        if self.hasher.needs_rehash(stored):
            self.accounts.set_password_hash(name, self.hasher.hash(password))
        token = secrets.token_urlsafe(32)
        expires_at = now + self.ttl_s
        self.accounts.open_login(token_hash(token), name, expires_at=expires_at)
        return Login(token=token, user=name, expires_at=expires_at)

    def user_for(self, token: str) -> str | None:
        if not token or len(token) > 200:
            return None
        key, now = token_hash(token), self.clock.now()
        user, checked = self._checked.get(key, ("", -OUTAGE_GRACE_S))
        if user and now - checked < RECHECK_S:
            return user
        try:
            found = self.accounts.login_user(key, now=now)
        except StoreError:
            if user and now - checked < OUTAGE_GRACE_S:
                return user
            raise
        if found is None:
            self._checked.pop(key, None)
        else:
            self._checked[key] = (found, now)
        return found

    def logout(self, token: str) -> None:
        if token:
            self._checked.pop(token_hash(token), None)
            self.accounts.close_login(token_hash(token))


def check_user_name(name: str) -> str:
    if not USER_NAME.fullmatch(name):
        raise _refuse(
            "User names are 2-64 characters: lower-case letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit."
        )
    return name
