"""Every transition of the pure state machine, with time controlled by the test."""

from __future__ import annotations

from interviewer.domain import (
    FULL_ORDER,
    AnswerClarifying,
    Brief,
    CandidateAnswered,
    CaseId,
    ClarifyingAsked,
    Close,
    EndRequested,
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
    Started,
    Status,
    TimeTick,
    Turn,
    TurnKind,
    WhiteboardSaved,
    default_budgets,
)
from interviewer.engine import GRACE_SECONDS, advance

T0 = 1000.0


def full() -> SessionState:
    state = SessionState(
        id="s" * 12,
        case=CaseId.AD_CLICK_PREDICTION,
        mode=Mode.FULL,
        budgets=default_budgets(Mode.FULL, None),
    )
    state, _ = advance(state, Started(at=T0))
    return drain(state)


def drill(phase: Phase = Phase.SERVING) -> SessionState:
    state = SessionState(
        id="d" * 12,
        case=CaseId.VISUAL_SEARCH,
        mode=Mode.DRILL,
        drill_phase=phase,
        budgets=default_budgets(Mode.DRILL, phase),
    )
    state, _ = advance(state, Started(at=T0))
    return drain(state)


def drain(state: SessionState) -> SessionState:
    """Record a reply for every pending intent, as the session does."""
    while state.pending:
        turn = Turn(
            role=Role.INTERVIEWER, phase=state.phase, text="…", kind=TurnKind.OPENING, at=T0
        )
        state, _ = advance(state, InterviewerSaid(turn=turn))
    return state


def test_full_interview_starts_with_intro_then_requirements() -> None:
    state = SessionState(
        id="s" * 12,
        case=CaseId.AD_CLICK_PREDICTION,
        mode=Mode.FULL,
        budgets=default_budgets(Mode.FULL, None),
    )
    state, actions = advance(state, Started(at=T0))
    assert actions == (
        Open(phase=Phase.INTRO),
        MoveOn(from_phase=Phase.INTRO, to_phase=Phase.REQUIREMENTS),
        Open(phase=Phase.REQUIREMENTS),
    )
    assert state.phase is Phase.REQUIREMENTS
    assert state.pending == actions
    assert state.total_budget() == 45 * 60


def test_drill_starts_with_briefing_then_opening_of_that_phase() -> None:
    state = SessionState(
        id="d" * 12,
        case=CaseId.VISUAL_SEARCH,
        mode=Mode.DRILL,
        drill_phase=Phase.MODELING,
        budgets=default_budgets(Mode.DRILL, Phase.MODELING),
    )
    state, actions = advance(state, Started(at=T0))
    assert actions == (Brief(phase=Phase.MODELING), Open(phase=Phase.MODELING))
    assert state.phases == (Phase.MODELING,)
    assert state.phase_budget() == 8 * 60


def test_answer_is_stored_and_asks_a_follow_up() -> None:
    state, actions = advance(full(), CandidateAnswered(at=T0 + 30, text="We optimise revenue."))
    assert actions == (FollowUp(phase=Phase.REQUIREMENTS),)
    assert state.turns[-1].role is Role.CANDIDATE
    assert state.turns[-1].text == "We optimise revenue."


def test_clarifying_question_gets_an_answer_intent() -> None:
    state, actions = advance(full(), ClarifyingAsked(at=T0 + 5, text="How many users?"))
    assert actions == (AnswerClarifying(phase=Phase.REQUIREMENTS, question="How many users?"),)
    assert state.turns[-1].kind is TurnKind.CLARIFYING


def test_sketch_is_stored_without_a_reply() -> None:
    state, actions = advance(full(), WhiteboardSaved(at=T0 + 5, text="two-tower -> ranker"))
    assert actions == ()
    assert state.turns[-1].kind is TurnKind.SKETCH


def test_over_budget_answer_nudges_once_then_moves_on() -> None:
    state = full()
    late = T0 + 4 * 60 + 30
    state, actions = advance(state, CandidateAnswered(at=late, text="more requirements"))
    assert actions == (Nudge(phase=Phase.REQUIREMENTS, over_minutes=0.5),)
    assert state.nudged
    state = drain(state)
    state, actions = advance(state, CandidateAnswered(at=late + 20, text="last point"))
    assert actions == (
        MoveOn(from_phase=Phase.REQUIREMENTS, to_phase=Phase.FRAMING),
        Open(phase=Phase.FRAMING),
    )
    assert state.phase is Phase.FRAMING and not state.nudged and state.phase_started_at == late + 20


def test_time_tick_nudges_then_moves_on_after_grace() -> None:
    state = full()
    state, actions = advance(state, TimeTick(at=T0 + 60))
    assert actions == ()
    state, actions = advance(state, TimeTick(at=T0 + 4 * 60 + 1))
    assert isinstance(actions[0], Nudge)
    state = drain(state)
    state, actions = advance(state, TimeTick(at=T0 + 4 * 60 + 10))
    assert actions == ()  # still inside the grace period
    state, actions = advance(state, TimeTick(at=T0 + 4 * 60 + GRACE_SECONDS + 2))
    assert actions[0] == MoveOn(from_phase=Phase.REQUIREMENTS, to_phase=Phase.FRAMING)


def test_tick_waits_while_a_reply_is_pending() -> None:
    state, _ = advance(full(), CandidateAnswered(at=T0 + 10, text="answer"))
    assert state.pending
    same, actions = advance(state, TimeTick(at=T0 + 3600))
    assert actions == () and same == state


def test_next_phase_walks_every_phase_then_ends_with_report() -> None:
    state = full()
    seen = [state.phase]
    while state.status is Status.ACTIVE:
        state, actions = advance(state, NextPhaseRequested(at=T0 + len(seen)))
        state = drain(state)
        if state.status is Status.ACTIVE:
            seen.append(state.phase)
    assert tuple(seen) == FULL_ORDER[1:]
    assert actions == (Close(reason="finished"), Report(partial=False))


def test_drill_ends_after_its_one_phase() -> None:
    state, actions = advance(drill(), NextPhaseRequested(at=T0 + 60))
    assert state.status is Status.ENDED
    assert actions == (Close(reason="finished"), Report(partial=False))


def test_hint_end_and_grade_so_far() -> None:
    state, actions = advance(full(), HintRequested(at=T0 + 1))
    assert actions == (Hint(phase=Phase.REQUIREMENTS),) and state.hints_given == 1
    state, actions = advance(drain(state), GradeRequested(at=T0 + 2))
    assert actions == (Report(partial=True),)
    state, actions = advance(drain(state), EndRequested(at=T0 + 3))
    assert actions == (Close(reason="ended_early"), Report(partial=False))
    assert state.status is Status.ENDED


def test_events_after_the_end_change_nothing_but_grading_still_works() -> None:
    state, _ = advance(full(), EndRequested(at=T0 + 3))
    state = drain(state)
    for event in (
        CandidateAnswered(at=T0 + 4, text="late"),
        HintRequested(at=T0 + 4),
        NextPhaseRequested(at=T0 + 4),
        TimeTick(at=T0 + 9999),
    ):
        same, actions = advance(state, event)
        assert same == state and actions == ()
    _, actions = advance(state, GradeRequested(at=T0 + 5))
    assert actions == (Report(partial=False),)


def test_reply_clears_the_first_pending_intent_and_counts_follow_ups() -> None:
    state, _ = advance(full(), CandidateAnswered(at=T0 + 10, text="answer"))
    turn = Turn(
        role=Role.INTERVIEWER, phase=state.phase, text="q", kind=TurnKind.FOLLOW_UP, at=T0 + 11
    )
    state, actions = advance(state, InterviewerSaid(turn=turn))
    assert actions == () and state.pending == () and state.follow_ups_asked == 1


def test_state_is_frozen() -> None:
    state = full()
    try:
        state.phase = Phase.DATA  # type: ignore[misc]
    except Exception as err:
        assert "frozen" in str(err).lower()
    else:
        raise AssertionError("state should be immutable")
