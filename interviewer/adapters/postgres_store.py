"""Hosted session store: Postgres through psycopg 3 and a connection pool (the only psycopg importer).

Same promise as the SQLite store: `save` returns only after the transaction has committed, and
Postgres' default `synchronous_commit=on` means committed is on disk, so a reply is never computed
for a turn that could still be lost. Several app processes share one database; a session row is
locked (`SELECT ... FOR UPDATE`) while its turns are appended, so two of them never interleave.

The schema is versioned by the small runner in `migrate`: a `schema_version` table and numbered
migrations applied in order under an advisory lock. A migration tool (Alembic) would bring
SQLAlchemy for four tables; this runner is 20 lines, transactional (Postgres DDL rolls back) and
safe when two app processes start at once.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from interviewer.adapters.store import SUMMARY_KEYS, stale_save, state_from_json, user_exists
from interviewer.domain import SessionState, Status
from interviewer.errors import StoreError
from interviewer.ports import SessionSummary, UserRecord
from interviewer.session_ids import check_session_id, no_such_session

log = logging.getLogger("interviewer")

# Any fixed number: it names the lock that serialises migrations across app processes.
_MIGRATION_LOCK = 7_860_019
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL DEFAULT '',
            case_id TEXT NOT NULL,
            mode TEXT NOT NULL,
            phase TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            overall DOUBLE PRECISION,
            state_json TEXT NOT NULL
        );
        CREATE INDEX sessions_owner ON sessions (owner, updated_at DESC);
        CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            turn_json TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        CREATE TABLE grades (
            id BIGSERIAL PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            created_at DOUBLE PRECISION NOT NULL,
            partial BOOLEAN NOT NULL,
            overall DOUBLE PRECISION,
            report_json TEXT NOT NULL
        );
        CREATE INDEX grades_session ON grades (session_id, id);
        """,
    ),
    (
        2,
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE logins (
            token_hash TEXT PRIMARY KEY,
            user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
            expires_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE failed_logins (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
        CREATE INDEX failed_logins_key ON failed_logins (key, at);
        """,
    ),
)
LATEST = MIGRATIONS[-1][0]


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Bring the schema to LATEST; returns the version found before. One transaction."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        found = int(row[0]) if row else 0
        if found > LATEST:
            raise StoreError(
                f"schema {found} > {LATEST}",
                user_message=f"The database was set up by a newer version of the app (schema "
                f"{found}; this one knows {LATEST}). Upgrade the app.",
            )
        for version, sql in MIGRATIONS:
            if version > found:
                conn.execute(sql.encode())
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)",
                    (version, time.time()),
                )
                log.info("database schema migrated to version %d", version)
        return found


class PostgresStore:
    """The `Store` and `Accounts` ports over a Postgres pool; `for_owner` views share the pool."""

    def __init__(
        self, url: str, *, owner: str = "", max_size: int = 10, timeout_s: float = 5.0
    ) -> None:
        self._owner = owner
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=timeout_s,
            check=ConnectionPool.check_connection,  # a server restart leaves dead connections
            open=True,
            name="interviewer",
        )
        try:
            self._pool.wait(timeout=timeout_s * 2)
            with self._pool.connection() as conn:
                migrate(conn)
        except (psycopg.Error, PoolTimeout) as err:
            self._pool.close()
            raise _store_error(err) from err

    @property
    def owner(self) -> str:
        return self._owner

    def for_owner(self, owner: str) -> PostgresStore:
        view = copy.copy(self)
        view._owner = owner
        return view

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _tx(self) -> Generator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield conn
        except (psycopg.Error, PoolTimeout) as err:
            raise _store_error(err) from err

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._tx() as conn:
            return conn.execute(sql.encode(), args).fetchall()

    def save(self, state: SessionState, *, now: float) -> None:
        check_session_id(state.id)
        body = state.model_dump_json(exclude={"turns"})
        with self._tx() as conn:
            found = conn.execute(
                "SELECT owner FROM sessions WHERE id=%s FOR UPDATE", (state.id,)
            ).fetchone()
            if found is not None and found[0] != self._owner:
                raise no_such_session(state.id)
            row = conn.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id=%s", (state.id,)
            ).fetchone()
            stored = int(row[0]) if row else 0
            if len(state.turns) < stored:
                raise stale_save(state.id)
            conn.execute(
                "INSERT INTO sessions (id, owner, case_id, mode, phase, status, created_at,"
                " updated_at, state_json) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (id) DO UPDATE SET phase=excluded.phase, status=excluded.status,"
                " updated_at=excluded.updated_at, state_json=excluded.state_json",
                (
                    state.id,
                    self._owner,
                    state.case,
                    state.mode,
                    state.phase,
                    state.status,
                    now,
                    now,
                    body,
                ),
            )
            new = [
                (state.id, seq, t.model_dump_json())
                for seq, t in enumerate(state.turns[stored:], start=stored)
            ]
            if new:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO turns (session_id, seq, turn_json) VALUES (%s,%s,%s)", new
                    )

    def load(self, session_id: str) -> SessionState:
        check_session_id(session_id)
        with self._tx() as conn:
            row = conn.execute(
                "SELECT state_json FROM sessions WHERE id=%s AND owner=%s",
                (session_id, self._owner),
            ).fetchone()
            if row is None:
                raise no_such_session(session_id)
            turns = conn.execute(
                "SELECT turn_json FROM turns WHERE session_id=%s ORDER BY seq", (session_id,)
            ).fetchall()
        return state_from_json(str(row[0]), [str(t[0]) for t in turns])

    def sessions(self, *, status: Status | None = None) -> list[SessionSummary]:
        sql = (
            "SELECT s.id, s.case_id, s.mode, s.phase, s.status, s.created_at, s.updated_at,"
            " s.overall, (SELECT COUNT(*) FROM turns t WHERE t.session_id=s.id) FROM sessions s"
            " WHERE s.owner=%s"
        )
        args: tuple[object, ...] = (self._owner,)
        if status is not None:
            sql += " AND s.status=%s"
            args = (self._owner, str(status))
        rows = self._read(sql + " ORDER BY s.updated_at DESC", args)
        return [
            SessionSummary.model_validate(dict(zip(SUMMARY_KEYS, r, strict=True))) for r in rows
        ]

    def delete(self, session_id: str) -> bool:
        check_session_id(session_id)
        with self._tx() as conn:
            cursor = conn.execute(
                "DELETE FROM sessions WHERE id=%s AND owner=%s", (session_id, self._owner)
            )
            return cursor.rowcount > 0

    def save_grade(
        self, session_id: str, report_json: str, *, partial: bool, overall: float | None, now: float
    ) -> None:
        check_session_id(session_id)
        with self._tx() as conn:
            found = conn.execute(
                "SELECT 1 FROM sessions WHERE id=%s AND owner=%s FOR UPDATE",
                (session_id, self._owner),
            ).fetchone()
            if found is None:
                raise no_such_session(session_id)
            conn.execute(
                "INSERT INTO grades (session_id, created_at, partial, overall, report_json)"
                " VALUES (%s,%s,%s,%s,%s)",
                (session_id, now, partial, overall, report_json),
            )
            if not partial:
                conn.execute("UPDATE sessions SET overall=%s WHERE id=%s", (overall, session_id))

    def latest_grade(self, session_id: str) -> str | None:
        check_session_id(session_id)
        rows = self._read(
            "SELECT g.report_json FROM grades g JOIN sessions s ON s.id=g.session_id"
            " WHERE g.session_id=%s AND s.owner=%s ORDER BY g.id DESC LIMIT 1",
            (session_id, self._owner),
        )
        return str(rows[0][0]) if rows else None

    def final_grades(self) -> list[tuple[str, str, float, str]]:
        rows = self._read(
            "SELECT g.session_id, s.case_id, g.created_at, g.report_json FROM grades g"
            " JOIN sessions s ON s.id=g.session_id WHERE NOT g.partial AND s.owner=%s"
            " ORDER BY g.created_at, g.id",
            (self._owner,),
        )
        return [(str(a), str(b), float(c), str(d)) for a, b, c, d in rows]

    # ---- Accounts ----

    def add_user(self, name: str, password_hash: str, *, now: float) -> None:
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (%s,%s,%s)"
                " ON CONFLICT (name) DO NOTHING",
                (name, password_hash, now),
            )
            if cursor.rowcount == 0:
                raise user_exists(name)

    def remove_user(self, name: str) -> bool:
        with self._tx() as conn:
            return conn.execute("DELETE FROM users WHERE name=%s", (name,)).rowcount > 0

    def users(self) -> list[UserRecord]:
        rows = self._read("SELECT name, created_at FROM users ORDER BY name")
        return [UserRecord(name=str(n), created_at=float(at)) for n, at in rows]

    def password_hash(self, name: str) -> str | None:
        rows = self._read("SELECT password_hash FROM users WHERE name=%s", (name,))
        return str(rows[0][0]) if rows else None

    def set_password_hash(self, name: str, password_hash: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE users SET password_hash=%s WHERE name=%s", (password_hash, name))

    def open_login(self, token_hash: str, name: str, *, expires_at: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO logins (token_hash, user_name, expires_at) VALUES (%s,%s,%s)",
                (token_hash, name, expires_at),
            )

    def login_user(self, token_hash: str, *, now: float) -> str | None:
        rows = self._read(
            "SELECT user_name FROM logins WHERE token_hash=%s AND expires_at>%s",
            (token_hash, now),
        )
        return str(rows[0][0]) if rows else None

    def close_login(self, token_hash: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM logins WHERE token_hash=%s", (token_hash,))

    def note_failed_login(self, key: str, *, now: float) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM failed_logins WHERE at<%s", (now - 86_400,))
            conn.execute("INSERT INTO failed_logins (key, at) VALUES (%s,%s)", (key, now))

    def failed_logins(self, key: str, *, since: float) -> int:
        rows = self._read(
            "SELECT COUNT(*) FROM failed_logins WHERE key=%s AND at>=%s", (key, since)
        )
        return int(rows[0][0]) if rows else 0


def _store_error(err: BaseException) -> StoreError:
    """Never the URL in a message: it may hold a password."""
    if isinstance(err, psycopg.errors.DiskFull):  # an OperationalError too: test it first
        hint = "The session database's disk is full; the last turn was not saved."
    elif isinstance(err, PoolTimeout | psycopg.OperationalError):
        hint = (
            "The session database is not reachable right now (it may be restarting). "
            "Your last action was not saved; wait a moment and try again."
        )
    else:
        hint = f"The session database failed: {type(err).__name__}."
    return StoreError(f"postgres: {type(err).__name__}: {err}", user_message=hint)
