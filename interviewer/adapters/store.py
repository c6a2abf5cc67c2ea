"""Durable session store: SQLite in WAL mode with synchronous=FULL (the laptop default).

A turn is on disk (committed and fsynced) before anything else happens with it. The session state is
kept beside the turns so a restarted process resumes exactly where it stopped. Implements the
`Store` and `Accounts` ports; Postgres (hosted) is `postgres_store.py`.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from pydantic import TypeAdapter

from interviewer.domain import Action, SessionState, Status
from interviewer.errors import InputRejected, StoreError
from interviewer.ports import SessionSummary, UserRecord
from interviewer.session_ids import SESSION_ID, check_session_id, new_session_id, no_such_session

_ACTIONS = TypeAdapter(tuple[Action, ...])
SUMMARY_KEYS = (
    "id",
    "case",
    "mode",
    "phase",
    "status",
    "created_at",
    "updated_at",
    "overall",
    "turns",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    phase TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    overall REAL,
    state_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    turn_json TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    partial INTEGER NOT NULL,
    overall REAL,
    report_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS logins (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failed_logins (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_logins_key ON failed_logins (key, at);
"""
# Databases written before accounts existed have no owner column: every old session is the
# laptop user's (owner ""), which is what the default gives them.
_ADD_OWNER = "ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT ''"


def stale_save(session_id: str) -> StoreError:
    return StoreError(
        f"stale save for {session_id}",
        user_message="This interview was continued in another window; reopen it from History.",
    )


class SqliteStore:
    """The `Store` and `Accounts` ports over one SQLite file; `for_owner` views share the file."""

    def __init__(self, path: Path, *, owner: str = "") -> None:
        self.path = path
        self._owner = owner
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=5.0, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            columns = {str(r[1]) for r in self._db.execute("PRAGMA table_info(sessions)")}
            if "owner" not in columns:
                self._db.execute(_ADD_OWNER)
            self._db.execute("PRAGMA quick_check").fetchone()
        except (sqlite3.DatabaseError, OSError) as err:
            raise _store_error(path, err) from err

    @property
    def owner(self) -> str:
        return self._owner

    def for_owner(self, owner: str) -> SqliteStore:
        view = copy.copy(self)
        view._owner = owner
        return view

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Generator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except (sqlite3.DatabaseError, OSError) as err:
                raise _store_error(self.path, err) from err

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except (sqlite3.DatabaseError, OSError) as err:
                raise _store_error(self.path, err) from err

    def save(self, state: SessionState, *, now: float) -> None:
        check_session_id(state.id)
        body = state.model_dump_json(exclude={"turns"})
        with self._tx() as db:
            found = db.execute("SELECT owner FROM sessions WHERE id=?", (state.id,)).fetchone()
            if found is not None and found[0] != self._owner:
                raise no_such_session(state.id)
            row = db.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id=?", (state.id,)
            ).fetchone()
            stored = int(row[0]) if row else 0
            if len(state.turns) < stored:
                raise stale_save(state.id)
            db.execute(
                "INSERT INTO sessions (id, case_id, mode, phase, status, created_at, updated_at,"
                " state_json, owner) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " phase=excluded.phase, status=excluded.status, updated_at=excluded.updated_at,"
                " state_json=excluded.state_json",
                (
                    state.id,
                    state.case,
                    state.mode,
                    state.phase,
                    state.status,
                    now,
                    now,
                    body,
                    self._owner,
                ),
            )
            db.executemany(
                "INSERT INTO turns (session_id, seq, turn_json) VALUES (?,?,?)",
                [
                    (state.id, seq, t.model_dump_json())
                    for seq, t in enumerate(state.turns[stored:], start=stored)
                ],
            )

    def load(self, session_id: str) -> SessionState:
        check_session_id(session_id)
        rows = self._read(
            "SELECT state_json FROM sessions WHERE id=? AND owner=?", (session_id, self._owner)
        )
        if not rows:
            raise no_such_session(session_id)
        turns = self._read(
            "SELECT turn_json FROM turns WHERE session_id=? ORDER BY seq", (session_id,)
        )
        return state_from_json(str(rows[0][0]), [str(r[0]) for r in turns])

    def sessions(self, *, status: Status | None = None) -> list[SessionSummary]:
        sql = (
            "SELECT s.id, s.case_id, s.mode, s.phase, s.status, s.created_at, s.updated_at,"
            " s.overall, (SELECT COUNT(*) FROM turns t WHERE t.session_id=s.id) FROM sessions s"
            " WHERE s.owner=?"
        )
        args: tuple[object, ...] = (self._owner,)
        if status is not None:
            sql += " AND s.status=?"
            args = (self._owner, str(status))
        rows = self._read(sql + " ORDER BY s.updated_at DESC", args)
        return [
            SessionSummary.model_validate(dict(zip(SUMMARY_KEYS, r, strict=True))) for r in rows
        ]

    def delete(self, session_id: str) -> bool:
        check_session_id(session_id)
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM sessions WHERE id=? AND owner=?", (session_id, self._owner)
            )
            return cursor.rowcount > 0

    def save_grade(
        self, session_id: str, report_json: str, *, partial: bool, overall: float | None, now: float
    ) -> None:
        check_session_id(session_id)
        with self._tx() as db:
            found = db.execute(
                "SELECT 1 FROM sessions WHERE id=? AND owner=?", (session_id, self._owner)
            ).fetchone()
            if found is None:
                raise no_such_session(session_id)
            db.execute(
                "INSERT INTO grades (session_id, created_at, partial, overall, report_json)"
                " VALUES (?,?,?,?,?)",
                (session_id, now, int(partial), overall, report_json),
            )
            if not partial:
                db.execute("UPDATE sessions SET overall=? WHERE id=?", (overall, session_id))

    def latest_grade(self, session_id: str) -> str | None:
        check_session_id(session_id)
        rows = self._read(
            "SELECT g.report_json FROM grades g JOIN sessions s ON s.id=g.session_id"
            " WHERE g.session_id=? AND s.owner=? ORDER BY g.id DESC LIMIT 1",
            (session_id, self._owner),
        )
        return str(rows[0][0]) if rows else None

    def final_grades(self) -> list[tuple[str, str, float, str]]:
        rows = self._read(
            "SELECT g.session_id, s.case_id, g.created_at, g.report_json FROM grades g"
            " JOIN sessions s ON s.id=g.session_id WHERE g.partial=0 AND s.owner=?"
            " ORDER BY g.created_at",
            (self._owner,),
        )
        return [(str(a), str(b), float(str(c)), str(d)) for a, b, c, d in rows]

    # ---- Accounts ----

    def add_user(self, name: str, password_hash: str, *, now: float) -> None:
        with self._tx() as db:
            if db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
                raise user_exists(name)
            db.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?,?,?)",
                (name, password_hash, now),
            )

    def remove_user(self, name: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM users WHERE name=?", (name,)).rowcount > 0

    def users(self) -> list[UserRecord]:
        rows = self._read("SELECT name, created_at FROM users ORDER BY name")
        return [UserRecord(name=str(n), created_at=float(str(at))) for n, at in rows]

    def password_hash(self, name: str) -> str | None:
        rows = self._read("SELECT password_hash FROM users WHERE name=?", (name,))
        return str(rows[0][0]) if rows else None

    def set_password_hash(self, name: str, password_hash: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE users SET password_hash=? WHERE name=?", (password_hash, name))

    def open_login(self, token_hash: str, name: str, *, expires_at: float) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO logins (token_hash, user_name, expires_at) VALUES (?,?,?)",
                (token_hash, name, expires_at),
            )

    def login_user(self, token_hash: str, *, now: float) -> str | None:
        rows = self._read(
            "SELECT user_name FROM logins WHERE token_hash=? AND expires_at>?", (token_hash, now)
        )
        return str(rows[0][0]) if rows else None

    def close_login(self, token_hash: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM logins WHERE token_hash=?", (token_hash,))

    def note_failed_login(self, key: str, *, now: float) -> None:
        with self._tx() as db:
            # Old attempts only matter inside the rate window: drop anything a day old.
            db.execute("DELETE FROM failed_logins WHERE at<?", (now - 86_400,))
            db.execute("INSERT INTO failed_logins (key, at) VALUES (?,?)", (key, now))

    def failed_logins(self, key: str, *, since: float) -> int:
        rows = self._read("SELECT COUNT(*) FROM failed_logins WHERE key=? AND at>=?", (key, since))
        return int(str(rows[0][0])) if rows else 0


# Older name, kept while other branches still import it.
Store = SqliteStore


def state_from_json(body: str, turns: list[str]) -> SessionState:
    data = json.loads(body)
    data["turns"] = [json.loads(t) for t in turns]
    data["pending"] = _ACTIONS.validate_python(data.get("pending", ()))
    return SessionState.model_validate(data)


def user_exists(name: str) -> InputRejected:
    return InputRejected(
        f"user {name} exists", user_message=f"A user named {name!r} already exists."
    )


def _store_error(path: Path, err: BaseException) -> StoreError:
    text = str(err)
    if "not a database" in text or "malformed" in text:
        hint = f"The session database {path} is damaged. It was left untouched; move it aside to start fresh."
    elif "locked" in text or "busy" in text:
        hint = f"The session database {path} is locked by another program. Close it and try again."
    elif (
        "readonly" in text
        or "read-only" in text
        or "unable to open" in text
        or isinstance(err, OSError)
    ):
        hint = f"Cannot write the session database {path} ({text}). Check that the folder is writable and the disk has space."
    elif "full" in text:
        hint = f"The disk holding {path} is full; the last turn was not saved. Free some space and resend."
    else:
        hint = f"The session database {path} failed: {text}"
    return StoreError(f"{path}: {text}", user_message=hint)


__all__ = [
    "SESSION_ID",
    "SessionSummary",
    "SqliteStore",
    "Store",
    "check_session_id",
    "new_session_id",
    "no_such_session",
]
