"""Seeds a data dir with graded drills at chosen times, through the real session service (fake
embedder, no model), so tests of "what to drill next" read a history the app itself wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase
from interviewer.wiring import build_fake

VAGUE = "We would use some kind of model and make it fast, and it should scale fine."


@dataclass
class SetClock:
    """A clock a test sets to any time (FakeClock only moves forward)."""

    at: float

    def now(self) -> float:
        return self.at


def seed_drills(data_dir: Path, drills: list[tuple[CaseId, Phase, str, float]]) -> list[str]:
    """Each (case, phase, answer, time): a drill started, answered once and ended at that time.

    Returns the session ids."""
    clock = SetClock(0.0)
    wiring = build_fake(
        Settings(data_dir=data_dir, offline=True, allow_model_requests=False), clock=clock
    )
    ids: list[str] = []
    try:
        for case, phase, answer, at in drills:
            clock.at = at
            sid = wiring.service.start(case, Mode.DRILL, phase).state.id
            clock.at = at + 30
            wiring.service.send(sid, answer)
            clock.at = at + 60
            wiring.service.command(sid, "end")
            ids.append(sid)
    finally:
        wiring.store.close()
    return ids
