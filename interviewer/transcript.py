"""The one transcript format (DESIGN.md section 5): export, import, grading, evals and tests."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.domain import (
    PHASE_TITLES,
    CaseId,
    Citation,
    Mode,
    Phase,
    Role,
    SessionState,
    Turn,
    TurnKind,
)
from interviewer.errors import InputRejected


class TranscriptTurn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    phase: Phase
    text: str
    kind: TurnKind | None = None
    at: float | None = None
    citation: Citation | None = None


class Transcript(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    case: CaseId
    mode: Mode = Mode.FULL
    phase: Phase | None = None
    turns: list[TranscriptTurn] = Field(default_factory=list)

    def to_turns(self) -> list[Turn]:
        out: list[Turn] = []
        for i, t in enumerate(self.turns):
            kind = t.kind or (TurnKind.ANSWER if t.role is Role.CANDIDATE else TurnKind.FOLLOW_UP)
            out.append(
                Turn(
                    role=t.role,
                    phase=t.phase,
                    text=t.text,
                    kind=kind,
                    at=t.at if t.at is not None else float(i),
                    citation=t.citation,
                )
            )
        return out


def from_state(state: SessionState) -> Transcript:
    turns = [
        TranscriptTurn(
            role=t.role, phase=t.phase, text=t.text, kind=t.kind, at=t.at, citation=t.citation
        )
        for t in state.turns
        if t.kind is not TurnKind.REPORT
    ]
    return Transcript(
        id=state.id,
        case=state.case,
        mode=state.mode,
        phase=state.drill_phase if state.mode is Mode.DRILL else None,
        turns=turns,
    )


def to_json(transcript: Transcript) -> str:
    return transcript.model_dump_json(indent=2, exclude_none=True)


def to_markdown(transcript: Transcript) -> str:
    lines = [
        f"# Interview {transcript.id}",
        "",
        f"- case: `{transcript.case}`",
        f"- mode: {transcript.mode}",
    ]
    if transcript.phase:
        lines.append(f"- phase: {transcript.phase}")
    current: Phase | None = None
    for turn in transcript.turns:
        if turn.phase is not current:
            current = turn.phase
            lines += ["", f"## {PHASE_TITLES[current]}", ""]
        who = "**Interviewer**" if turn.role is Role.INTERVIEWER else "**Candidate**"
        body = turn.text.replace("\n", "\n> ")
        lines.append(f"{who}:\n> {body}\n")
    return "\n".join(lines).rstrip() + "\n"


def load_transcript(path: Path) -> Transcript:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Transcript.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputRejected(
            f"{path}: {first}", user_message=f"{path}: not a transcript ({first})"
        ) from err
