"""What a grade is: per-criterion and per-phase grades, misconceptions found, the report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interviewer.delivery import Delivery
from interviewer.domain import (
    CaseId,
    Frozen,
    Level,
    Phase,
)
from interviewer.estimates.verdict import EstimateCheck
from interviewer.sketch_check import SketchCheck


class CriterionGrade(Frozen):
    id: str
    score: float
    evidence: list[str]
    why: str
    sources: list[Phase] = Field(
        default_factory=list[Phase]
    )  # the phase each evidence quote was said in, in order


class MisconceptionFound(Frozen):
    """A misconception the candidate asserted: their words, why it is wrong, the correction."""

    id: str
    quote: str
    phase: Phase
    claim: str
    why_wrong: str
    correction: str
    point: str  # the key point it contradicts


class PhaseGrade(Frozen):
    score: float | None
    level: int | None
    insufficient_evidence: bool
    criteria: list[CriterionGrade]
    missed: list[str]
    flags: list[str]
    misconceptions: list[MisconceptionFound] = Field(default_factory=list["MisconceptionFound"])
    confidence: Literal["high", "medium", "low"] | None = None
    bar: str = ""
    sketch: SketchCheck | None = None  # the phase's final architecture sketch, checked
    # The back-of-envelope numbers said in the phase, checked; they never change a score.
    estimates: list[EstimateCheck] | None = None


LEVEL_NAMES = {1: "poor", 2: "partial", 3: "solid", 4: "strong"}


class GradeReport(BaseModel):
    """DESIGN.md section 6, plus fields for the human report (kept out of `contract_json`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    case: CaseId
    overall: float | None
    phases: dict[Phase, PhaseGrade]
    model_answers: dict[Phase, str] = {}
    next_steps: list[str] = []
    partial: bool = False
    level: Level = Level.SENIOR
    # The closing segment, graded with the cross-cutting rubric; not part of `overall`, which
    # stays the mean of the seven phases so it compares across drills and interviews.
    wrapup: PhaseGrade | None = None
    # How the candidate spoke (spoken answers only), per phase and overall; not part of any score.
    delivery: Delivery | None = None

    def contract_json(self) -> str:
        keys = {"id", "case", "overall", "phases"} | ({"wrapup"} if self.wrapup else set())
        keys |= {"delivery"} if self.delivery else set()
        return self.model_dump_json(include=keys)
