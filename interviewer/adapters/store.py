"""Durable session store: SQLite in WAL mode with synchronous=FULL.

A turn is on disk (committed and fsynced) before anything else happens with it. The session state is
kept beside the turns so a restarted process resumes exactly where it stopped.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter

from interviewer.domain import Action, SessionState, Status
from interviewer.errors import StoreError, UnknownId

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_ACTIONS = TypeAdapter(tuple[Action, ...])

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
"""


class SessionSummary(BaseModel):
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


def new_session_id() -> str:
    """128 random bits: unguessable, URL-safe, never a path."""
    return secrets.token_urlsafe(16)


def check_session_id(session_id: str) -> str:
    if not SESSION_ID.fullmatch(session_id):
        raise UnknownId(
            f"not a session id: {session_id[:80]!r}", user_message="That is not a valid session id."
        )
    return session_id


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
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
            self._db.execute("PRAGMA quick_check").fetchone()
        except (sqlite3.DatabaseError, OSError) as err:
            raise _store_error(path, err) from err

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
        """Write the state and any turns not yet stored, in one transaction."""
        check_session_id(state.id)
        body = state.model_dump_json(exclude={"turns"})
        with self._tx() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id=?", (state.id,)
            ).fetchone()
            stored = int(row[0]) if row else 0
            db.execute(
                "INSERT INTO sessions (id, case_id, mode, phase, status, created_at, updated_at,"
                " state_json) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " phase=excluded.phase, status=excluded.status, updated_at=excluded.updated_at,"
                " state_json=excluded.state_json",
                (state.id, state.case, state.mode, state.phase, state.status, now, now, body),
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
        rows = self._read("SELECT state_json FROM sessions WHERE id=?", (session_id,))
        if not rows:
            raise UnknownId(f"no session {session_id}", user_message="That session does not exist.")
        data = json.loads(str(rows[0][0]))
        turns = self._read(
            "SELECT turn_json FROM turns WHERE session_id=? ORDER BY seq", (session_id,)
        )
        data["turns"] = [json.loads(str(r[0])) for r in turns]
        data["pending"] = _ACTIONS.validate_python(data.get("pending", ()))
        return SessionState.model_validate(data)

    def sessions(self, *, status: Status | None = None) -> list[SessionSummary]:
        sql = (
            "SELECT s.id, s.case_id, s.mode, s.phase, s.status, s.created_at, s.updated_at,"
            " s.overall, (SELECT COUNT(*) FROM turns t WHERE t.session_id=s.id) FROM sessions s"
        )
        args: tuple[object, ...] = ()
        if status is not None:
            sql += " WHERE s.status=?"
            args = (str(status),)
        rows = self._read(sql + " ORDER BY s.updated_at DESC", args)
        keys = (
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
        return [SessionSummary.model_validate(dict(zip(keys, r, strict=True))) for r in rows]

    def delete(self, session_id: str) -> bool:
        check_session_id(session_id)
        with self._tx() as db:
            cursor = db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
            return cursor.rowcount > 0

    def save_grade(
        self, session_id: str, report_json: str, *, partial: bool, overall: float | None, now: float
    ) -> None:
        check_session_id(session_id)
        with self._tx() as db:
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
            "SELECT report_json FROM grades WHERE session_id=? ORDER BY id DESC LIMIT 1",
            (session_id,),
        )
        return str(rows[0][0]) if rows else None

    def final_grades(self) -> list[tuple[str, str, float, str]]:
        """(session id, case, created_at, report json) of every final report, oldest first."""
        rows = self._read(
            "SELECT g.session_id, s.case_id, g.created_at, g.report_json FROM grades g"
            " JOIN sessions s ON s.id=g.session_id WHERE g.partial=0 ORDER BY g.created_at"
        )
        return [(str(a), str(b), float(str(c)), str(d)) for a, b, c, d in rows]


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
