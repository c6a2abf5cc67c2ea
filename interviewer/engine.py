"""The interview state machine: a pure `advance(state, event) -> (state, actions)`.

The engine decides *what happens* (open a phase, follow up, nudge, move on, report); the policy and
the model layer decide *how it is phrased*. Intents are kept in `state.pending` until their phrased
turn is recorded, so a process killed between a candidate turn and its reply answers it on restart.
"""

from __future__ import annotations

from typing import Literal, assert_never

from interviewer.domain import (
    Action,
    AnswerClarifying,
    Brief,
    CandidateAnswered,
    ClarifyingAsked,
    Close,
    EndRequested,
    Event,
    FollowUp,
    GradeRequested,
    Hint,
    HintRequested,
    InterviewerSaid,
    Mode,
    MoveOn,
    NextPhaseRequested,
    Nudge,
    Open,
    Phase,
    Report,
    Role,
    SessionState,
    Speech,
    Started,
    Status,
    TimeTick,
    Turn,
    TurnKind,
    WhiteboardSaved,
)

# The interviewer's questions that count against a phase's follow-ups.
QUESTIONS = frozenset({TurnKind.FOLLOW_UP, TurnKind.CHALLENGE, TurnKind.PROBE})
# After the nudge, how long a phase may run before the interviewer moves on by itself.
GRACE_SECONDS = 60.0

Result = tuple[SessionState, tuple[Action, ...]]


def advance(state: SessionState, event: Event) -> Result:
    """Apply one event. Events after the interview ended change nothing."""
    if state.status is Status.ENDED and not isinstance(event, InterviewerSaid | GradeRequested):
        return state, ()
    match event:
        case Started(at=at):
            return _start(state, at)
        case CandidateAnswered(at=at, text=text, voice=voice, speech=speech):
            turn = _candidate(state, text, TurnKind.ANSWER, at, voice, speech)
            return _after_answer(_append(state, turn), at)
        case ClarifyingAsked(at=at, text=text, voice=voice, speech=speech):
            turn = _candidate(state, text, TurnKind.CLARIFYING, at, voice, speech)
            action = AnswerClarifying(phase=state.phase, question=text)
            return _emit(_append(state, turn), action)
        case WhiteboardSaved(at=at, text=text):
            return _append(state, _candidate(state, text, TurnKind.SKETCH, at, False)), ()
        case TimeTick(at=at):
            return _tick(state, at)
        case NextPhaseRequested(at=at):
            return _next_phase(state, at)
        case HintRequested():
            hinted = state.model_copy(update={"hints_given": state.hints_given + 1})
            return _emit(hinted, Hint(phase=state.phase))
        case EndRequested(at=at):
            return _end(state, "ended_early")
        case GradeRequested():
            return _emit(state, Report(partial=state.status is Status.ACTIVE))
        case InterviewerSaid(turn=turn):
            return _record_reply(state, turn), ()
        case _:
            assert_never(event)


def _start(state: SessionState, at: float) -> Result:
    first = state.phases[0]
    if state.mode is Mode.DRILL:
        actions: tuple[Action, ...] = (Brief(phase=first), Open(phase=first))
        begun = first
    else:
        # The intro is the greeting and the case prompt; the clock for requirements starts with it.
        begun = state.phases[1]
        actions = (
            Open(phase=Phase.INTRO),
            MoveOn(from_phase=first, to_phase=begun),
            Open(phase=begun),
        )
    started = state.model_copy(
        update={"phase": begun, "started_at": at, "phase_started_at": at, "status": Status.ACTIVE}
    )
    return _emit(started, *actions)


def _after_answer(state: SessionState, at: float) -> Result:
    over = state.phase_elapsed(at) - state.phase_budget()
    if over > 0 and state.nudged:
        return _next_phase(state, at)
    if over > 0:
        nudged = state.model_copy(update={"nudged": True})
        return _emit(nudged, Nudge(phase=state.phase, over_minutes=round(over / 60, 1)))
    return _emit(state, FollowUp(phase=state.phase))


def _tick(state: SessionState, at: float) -> Result:
    if state.pending:
        return state, ()
    over = state.phase_elapsed(at) - state.phase_budget()
    if over > GRACE_SECONDS and state.nudged:
        return _next_phase(state, at)
    if over > 0 and not state.nudged:
        nudged = state.model_copy(update={"nudged": True})
        return _emit(nudged, Nudge(phase=state.phase, over_minutes=round(over / 60, 1)))
    return state, ()


def _next_phase(state: SessionState, at: float) -> Result:
    order = state.phases
    index = order.index(state.phase) if state.phase in order else len(order) - 1
    if index + 1 >= len(order):
        return _end(state, "finished")
    following = order[index + 1]
    moved = state.model_copy(
        update={
            "phase": following,
            "phase_started_at": at,
            "nudged": False,
            "follow_ups_asked": 0,
        }
    )
    return _emit(moved, MoveOn(from_phase=state.phase, to_phase=following), Open(phase=following))


def _end(state: SessionState, reason: Literal["finished", "ended_early"]) -> Result:
    ended = state.model_copy(update={"status": Status.ENDED})
    return _emit(ended, Close(reason=reason), Report(partial=False))


def _record_reply(state: SessionState, turn: Turn) -> SessionState:
    asked = state.follow_ups_asked + (1 if turn.kind in QUESTIONS else 0)
    return _append(state, turn).model_copy(
        update={"pending": state.pending[1:], "follow_ups_asked": asked}
    )


def _candidate(
    state: SessionState,
    text: str,
    kind: TurnKind,
    at: float,
    voice: bool,
    speech: Speech | None = None,
) -> Turn:
    return Turn(
        role=Role.CANDIDATE,
        phase=state.phase,
        text=text,
        kind=kind,
        at=at,
        voice=voice,
        speech=speech if voice else None,
    )


def _append(state: SessionState, turn: Turn) -> SessionState:
    return state.model_copy(update={"turns": (*state.turns, turn)})


def _emit(state: SessionState, *actions: Action) -> Result:
    return state.model_copy(update={"pending": (*state.pending, *actions)}), actions
