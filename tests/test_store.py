"""The SQLite store: damaged, locked or read-only databases give a clear message and lose nothing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from interviewer.adapters.store import Store, new_session_id
from interviewer.domain import CaseId, Mode, SessionState, default_budgets
from interviewer.errors import StoreError


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


def test_failed_save_is_rolled_back_and_reported(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    first = state()
    store.save(first, now=1.0)
    store._db.execute(
        "CREATE TRIGGER full BEFORE INSERT ON turns BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    from interviewer.domain import Role, Turn, TurnKind

    turn = Turn(role=Role.CANDIDATE, phase=first.phase, text="hello", kind=TurnKind.ANSWER, at=2.0)
    with pytest.raises(StoreError) as caught:
        store.save(first.model_copy(update={"turns": (turn,)}), now=2.0)
    assert "full" in caught.value.user_message
    assert store.load(first.id).turns == ()
    store.close()


def test_delete_removes_turns_and_grades(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    s = state()
    store.save(s, now=1.0)
    store.save_grade(s.id, "{}", partial=False, overall=0.5, now=2.0)
    assert store.delete(s.id)
    assert store.sessions() == [] and store.latest_grade(s.id) is None
    store.close()
