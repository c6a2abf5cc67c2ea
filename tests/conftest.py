"""Shared fixtures: every test runs on fakes, in a temporary data dir, with model requests blocked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("INTERVIEWER_ALLOW_MODEL_REQUESTS", "0")

from interviewer.config import Settings
from interviewer.fakes import FakeClock, HashEmbedder
from interviewer.knowledge import KnowledgeBase, default_knowledge
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
