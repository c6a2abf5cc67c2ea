"""kill -9 at random points: no acknowledged turn is lost, the database stays sound, sessions resume."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interviewer.config import Settings
from interviewer.domain import Role, Status
from interviewer.fakes import HashEmbedder
from interviewer.wiring import build
from tests.conftest import sqlite_intact

WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = WORKER.parent.parent


def run_until_killed(data_dir: Path, rng: random.Random, acked: list[tuple[str, str]]) -> None:
    process = subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready.strip() == "READY", process.stderr.read() if process.stderr else ""
    deadline = time.monotonic() + rng.uniform(0.02, 0.6)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ACK "):
            _, sid, text = line.rstrip("\n").split(" ", 2)
            acked.append((sid, text))
    os.kill(process.pid, signal.SIGKILL)
    # Lines the worker printed before it died were acknowledged too.
    rest, _ = process.communicate(timeout=30)
    for line in rest.splitlines():
        if line.startswith("ACK "):
            _, sid, text = line.split(" ", 2)
            acked.append((sid, text))


@pytest.mark.slow
def test_kill_9_during_100_turns_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(7)
    data_dir = tmp_path / "data"
    acked: list[tuple[str, str]] = []
    kills = 0
    while (len(acked) < 100 or kills < 10) and kills < 60:
        run_until_killed(data_dir, rng, acked)
        kills += 1
    assert len(acked) >= 100, f"only {len(acked)} turns acknowledged in {kills} runs"
    assert kills >= 10

    settings = Settings(data_dir=data_dir, offline=True, retrieval="off")
    wiring = build(settings, embedder=HashEmbedder(), use_model=False)
    assert sqlite_intact(wiring.settings.db_path)
    stored: dict[str, list[str]] = {}
    for summary in wiring.store.sessions():
        state = wiring.store.load(summary.id)
        stored[summary.id] = [t.text for t in state.turns if t.role is Role.CANDIDATE]
    for sid, text in acked:
        assert text in stored[sid], f"acknowledged turn lost: {text}"
    for summary in wiring.store.sessions(status=Status.ACTIVE):
        resumed = wiring.service.resume(summary.id)
        assert not resumed.state.pending
        assert resumed.state.turns[-1].role is Role.INTERVIEWER
    wiring.store.close()
