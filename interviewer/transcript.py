"""The one transcript format (DESIGN.md section 5): export, import, grading, evals and tests."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.delivery import unclear_passages
from interviewer.domain import (
    PHASE_TITLES,
    CaseId,
    Citation,
    Mode,
    Phase,
    Role,
    SessionState,
    Speech,
    SpokenSegment,
    SpokenWord,
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
    # A spoken answer: its word timings, Whisper's segments, the recording's length, and the
    # passages Whisper was unsure of (written on export for the reader; recomputed on import).
    voice: bool | None = None
    words: list[SpokenWord] | None = None
    segments: list[SpokenSegment] | None = None
    audio_seconds: float | None = None
    unclear: list[str] | None = None

    def speech(self) -> Speech | None:
        if not self.words:
            return None
        return Speech(
            words=tuple(self.words),
            segments=tuple(self.segments or ()),
            seconds=self.audio_seconds or 0.0,
        )

    @classmethod
    def of(cls, turn: Turn) -> TranscriptTurn:
        spoken = turn.speech
        return cls(
            role=turn.role,
            phase=turn.phase,
            text=turn.text,
            kind=turn.kind,
            at=turn.at,
            citation=turn.citation,
            voice=True if turn.voice else None,
            words=list(spoken.words) if spoken else None,
            segments=list(spoken.segments) if spoken else None,
            audio_seconds=spoken.seconds if spoken else None,
            unclear=(unclear_passages(spoken) or None) if spoken else None,
        )


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
                    voice=bool(t.voice) or t.speech() is not None,
                    speech=t.speech(),
                )
            )
        return out


def from_state(state: SessionState) -> Transcript:
    turns = [TranscriptTurn.of(t) for t in state.turns if t.kind is not TurnKind.REPORT]
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
        for passage in turn.unclear or []:
            lines.append(
                f"_Unclear to the speech recogniser (not quoted as evidence): {passage}_\n"
            )
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
