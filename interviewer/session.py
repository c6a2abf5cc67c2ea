"""The use case: one candidate turn in, the interviewer's reply out. Imports no framework.

Order of work for every turn, so nothing acknowledged is ever lost:
1. validate the input (refusals store nothing);
2. advance the engine and commit the candidate turn plus the pending intents to the store;
3. phrase each pending intent (model if configured, scripted otherwise), committing each reply.
A process killed between 2 and 3 leaves the intents on disk; `resume` answers them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from interviewer.domain import (
    CandidateAnswered,
    CaseId,
    ClarifyingAsked,
    EndRequested,
    Event,
    GradeRequested,
    HintRequested,
    InterviewerSaid,
    Level,
    Mode,
    NextPhaseRequested,
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
    default_budgets,
)
from interviewer.drill_schedule import DrillPlan, attempts_from_reports, schedule
from interviewer.engine import advance
from interviewer.errors import InputRejected, InterviewerError, ModelError, ModelOffScript
from interviewer.grading.grader import Grader
from interviewer.grading.models import GradeReport
from interviewer.grading.report import score_label
from interviewer.intent import ANSWERS
from interviewer.knowledge import KnowledgeBase
from interviewer.limits import RateLimiter
from interviewer.policy import Plan, Policy
from interviewer.ports import Clock, SessionSummary, Store
from interviewer.session_ids import check_session_id, new_session_id
from interviewer.text import clean_input, is_blank, looks_binary, sentence_spans

MAX_CHARS = 20_000
MAX_REPLY = 700  # characters of a model reply kept (a small model can ramble on)
Command = Literal["hint", "next", "end", "grade"]


class Phraser(Protocol):
    """Rephrases a plan with a model; raises ModelError on any failure or deadline miss."""

    @property
    def label(self) -> str: ...

    def phrase(self, plan: Plan, state: SessionState) -> Iterator[str]: ...

    def accept(self, plan: Plan, text: str) -> str:
        """The final wording, or raise ModelOffScript when the reply fails our checks."""
        ...


class SessionUpdate(BaseModel):
    """What the UI renders: the saved state, a reply being streamed, notices, a report."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    state: SessionState
    draft: str | None = None
    notices: tuple[str, ...] = ()
    report: GradeReport | None = None
    # Words the reply being written will say whatever the model writes (the question from the
    # notes): voice speaks them at once instead of waiting for the model's acknowledgement.
    ahead: str | None = None


class FinalReport(BaseModel):
    """A final report with the session it closed: one point per phase on the History trend."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    case: str
    at: float
    report: GradeReport


def read_final_reports(store: Store) -> list[FinalReport]:
    """Every final report in `store`, oldest first (also for the CLI, which needs no service)."""
    return [
        FinalReport(
            session_id=sid,
            case=case,
            at=at,
            report=GradeReport.model_validate_json(payload),
        )
        for sid, case, at, payload in store.final_grades()
    ]


def plan_drills(reports: list[FinalReport], knowledge: KnowledgeBase, now: float) -> DrillPlan:
    """What to drill next, from final reports, at time `now`."""
    triples = ((f.session_id, f.at, f.report) for f in reports)
    return schedule(attempts_from_reports(triples, knowledge), now)


def validate_text(raw: str) -> str:
    """The text to store, or InputRejected with a message for the user (nothing is stored)."""

    def refuse(message: str) -> InputRejected:
        return InputRejected(message, user_message=message)

    if looks_binary(raw):
        raise refuse("That looks like binary data, not text. Please type your answer.")
    text = clean_input(raw)
    if is_blank(text):
        raise refuse("Please type an answer first.")
    if len(text) > MAX_CHARS:
        raise refuse(
            f"That message is {len(text):,} characters; the limit is {MAX_CHARS:,}. "
            "Please split it into shorter answers."
        )
    return text


class InterviewService:
    def __init__(
        self,
        *,
        knowledge: KnowledgeBase,
        store: Store,
        clock: Clock,
        policy: Policy,
        grader: Grader,
        phraser: Phraser | None = None,
        budget_seconds: Callable[[Mode, Phase | None], dict[Phase, float]] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.clock = clock
        self.policy = policy
        self.grader = grader
        self.phraser = phraser
        self._budgets = budget_seconds or default_budgets
        self.limiter = limiter  # hosted mode: turns per user per minute
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # ---- public entry points (streaming) ----

    def start_stream(
        self,
        case: CaseId,
        mode: Mode,
        phase: Phase | None = None,
        budget_scale: float = 1.0,
        level: Level = Level.SENIOR,
    ) -> Iterator[SessionUpdate]:
        self.knowledge.case(case)  # unknown or missing notes: KeyError before anything is stored
        self._take_turn()
        if mode is Mode.DRILL and phase is None:
            raise InputRejected("drill without phase", user_message="Pick a phase to drill.")
        budgets = {p: s * budget_scale for p, s in self._budgets(mode, phase).items()}
        state = SessionState(
            id=new_session_id(),
            case=case,
            mode=mode,
            drill_phase=phase if mode is Mode.DRILL else None,
            level=level,
            budgets=budgets,
        )
        state, _ = advance(state, Started(at=self.clock.now()))
        self.store.save(state, now=self.clock.now())
        yield SessionUpdate(state=state)
        yield from self._resolve(state)

    def send_stream(
        self, session_id: str, raw: str, *, voice: bool = False, speech: Speech | None = None
    ) -> Iterator[SessionUpdate]:
        """`speech`: the word timings of a spoken answer (kept with the turn for delivery)."""
        text = validate_text(raw)
        self._take_turn()
        with self._lock(session_id):
            state = self._active(session_id)
            state = self._commit(state, self._message(state, text, voice=voice, speech=speech))
            yield SessionUpdate(state=state)
            yield from self._resolve(state)

    def command_stream(self, session_id: str, command: Command) -> Iterator[SessionUpdate]:
        self._take_turn()
        with self._lock(session_id):
            now = self.clock.now()
            state = self.store.load(check_session_id(session_id))
            if state.status is Status.ENDED and command != "grade":
                raise InputRejected(
                    "ended",
                    user_message="This interview has ended. Start a new one from the start screen.",
                )
            event: Event = {
                "hint": HintRequested(at=now),
                "next": NextPhaseRequested(at=now),
                "end": EndRequested(at=now),
                "grade": GradeRequested(at=now),
            }[command]
            state = self._commit(state, event)
            yield SessionUpdate(state=state)
            yield from self._resolve(state)

    def tick_stream(self, session_id: str) -> Iterator[SessionUpdate]:
        with self._lock(session_id):
            state = self.store.load(check_session_id(session_id))
            if state.status is Status.ENDED or state.pending:
                return
            state, actions = advance(state, TimeTick(at=self.clock.now()))
            if not actions:
                return
            self.store.save(state, now=self.clock.now())
            yield from self._resolve(state)

    def resume_stream(self, session_id: str) -> Iterator[SessionUpdate]:
        """Reopen a session; intents left unanswered by a crash are answered now."""
        with self._lock(session_id):
            state = self.store.load(check_session_id(session_id))
            yield SessionUpdate(state=state, report=self.latest_report(session_id))
            if state.pending:
                yield from self._resolve(state)

    def save_whiteboard(self, session_id: str, raw: str) -> SessionState:
        text = validate_text(raw)
        with self._lock(session_id):
            state = self._active(session_id)
            return self._commit(state, WhiteboardSaved(at=self.clock.now(), text=text))

    # ---- non-streaming conveniences (CLI, tests) ----

    def start(
        self,
        case: CaseId,
        mode: Mode,
        phase: Phase | None = None,
        budget_scale: float = 1.0,
        level: Level = Level.SENIOR,
    ) -> SessionUpdate:
        return _last(self.start_stream(case, mode, phase, budget_scale, level))

    def send(
        self, session_id: str, raw: str, *, voice: bool = False, speech: Speech | None = None
    ) -> SessionUpdate:
        return _last(self.send_stream(session_id, raw, voice=voice, speech=speech))

    def command(self, session_id: str, command: Command) -> SessionUpdate:
        return _last(self.command_stream(session_id, command))

    def tick(self, session_id: str) -> SessionUpdate | None:
        updates = list(self.tick_stream(session_id))
        return updates[-1] if updates else None

    def resume(self, session_id: str) -> SessionUpdate:
        return _last(self.resume_stream(session_id))

    def load(self, session_id: str) -> SessionState:
        return self.store.load(check_session_id(session_id))

    def latest_report(self, session_id: str) -> GradeReport | None:
        stored = self.store.latest_grade(session_id)
        return GradeReport.model_validate_json(stored) if stored else None

    def sessions(self) -> list[SessionSummary]:
        """Every saved session, most recently updated first (the History table)."""
        return self.store.sessions()

    def delete(self, session_id: str) -> bool:
        """Remove a session, its turns and its reports; False when there was none."""
        with self._lock(session_id):
            return self.store.delete(session_id)

    def final_reports(self) -> list[FinalReport]:
        """Every final report, oldest first (the History trend)."""
        return read_final_reports(self.store)

    def drill_plan(self) -> DrillPlan:
        """What to drill next: every final report's criteria, scheduled at the service clock."""
        return plan_drills(self.final_reports(), self.knowledge, self.clock.now())

    def grade(self, state: SessionState, *, partial: bool) -> GradeReport:
        drill = state.mode is Mode.DRILL and state.drill_phase is not None
        phases = [state.drill_phase] if drill and state.drill_phase else None
        # A full interview's phase is judged on what fits its slot; a drill on the whole note.
        slots = None if drill else {p: s / 60 for p, s in state.budgets.items()}
        return self.grader.grade_turns(
            state.id,
            state.case,
            state.turns,
            phases,
            partial=partial,
            level=state.level,
            slots=slots,
        )

    # ---- what will be said, before it is written ----

    def known_words(self, plan: Plan) -> str | None:
        """The words of `plan`'s reply known before any model writes: all of a scripted reply, the
        question from the notes of a follow-up (the model writes only its acknowledgement); None
        when the model writes it all (an answer to a clarifying question, a hint)."""
        if plan.task is None or self.phraser is None:
            return plan.text
        if plan.task == "follow_up":
            return plan.context.get("question") or None
        return None

    def preview(self, session_id: str, raw: str) -> str | None:
        """What the interviewer would say first if `raw` were sent now (see `known_words`).
        Stores nothing: hands-free voice calls it during the candidate's pause, so the audio is
        ready when the pause turns out to be the end of the answer. None when not known."""
        try:
            text = validate_text(raw)
            state = self._active(session_id)
        except InterviewerError:
            return None
        state, _ = advance(state, self._message(state, text, voice=True))
        if not state.pending or isinstance(state.pending[0], Report):
            return None
        return self.known_words(self.policy.plan(state, state.pending[0]))

    def for_user(self, owner: str) -> InterviewService:
        """The same service seeing only `owner`'s sessions (hosted mode: the signed-in user).

        Shares the per-session locks, so two tabs of one user still take turns."""
        view = copy.copy(self)
        view.store = self.store.for_owner(owner)
        return view

    # ---- internals ----

    def _take_turn(self) -> None:
        """Raises TooFast (nothing stored) when this user is over the hosted rate limit."""
        if self.limiter is not None:
            self.limiter.check(self.store.owner)

    def _lock(self, session_id: str) -> threading.Lock:
        check_session_id(session_id)
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def _active(self, session_id: str) -> SessionState:
        state = self.store.load(session_id)
        if state.status is Status.ENDED:
            raise InputRejected(
                "ended",
                user_message="This interview has ended. Read the report or start a new one.",
            )
        return state

    def _message(
        self, state: SessionState, text: str, *, voice: bool, speech: Speech | None = None
    ) -> Event:
        """Only answers are answers: questions, hint requests, remarks and requests for the
        answers are stored as clarifying turns, never counted as coverage or evidence."""
        now = self.clock.now()
        if self.policy.intent(state, text) in ANSWERS:
            return CandidateAnswered(at=now, text=text, voice=voice, speech=speech)
        return ClarifyingAsked(at=now, text=text, voice=voice, speech=speech)

    def _commit(self, state: SessionState, event: Event) -> SessionState:
        state, _ = advance(state, event)
        self.store.save(state, now=self.clock.now())
        return state

    def _resolve(self, state: SessionState) -> Iterator[SessionUpdate]:
        notices: list[str] = []
        report: GradeReport | None = None
        while state.pending:
            action = state.pending[0]
            if isinstance(action, Report):
                # The session, not the policy, words a report: only it holds the grade.
                report = self.grade(state, partial=action.partial)
                self.store.save_grade(
                    state.id,
                    report.model_dump_json(),
                    partial=action.partial,
                    overall=report.overall,
                    now=self.clock.now(),
                )
                plan = Plan(action=action, kind=TurnKind.REPORT, text=_report_line(report))
            else:
                plan = self.policy.plan(state, action)
            text, fallback = plan.text, False
            if plan.task and self.phraser is not None:
                ahead = self.known_words(plan)
                if ahead:
                    yield SessionUpdate(state=state, draft="", notices=tuple(notices), ahead=ahead)
                streamed = ""
                try:
                    for chunk in self.phraser.phrase(plan, state):
                        streamed += chunk
                        yield SessionUpdate(state=state, draft=streamed, notices=tuple(notices))
                    text = self.phraser.accept(plan, tidy_reply(streamed))
                except ModelError as err:
                    fallback = not isinstance(err, ModelOffScript)
                    if err.user_message and err.user_message not in notices:
                        notices.append(err.user_message)
            turn = Turn(
                role=Role.INTERVIEWER,
                phase=state.phase,
                text=text,
                kind=plan.kind,
                at=self.clock.now(),
                citation=plan.citation,
                key_point_id=plan.key_point_id,
                misconception_id=plan.misconception_id,
                fallback=fallback,
            )
            state, _ = advance(state, InterviewerSaid(turn=turn))
            if plan.phase_done:
                state, _ = advance(state, NextPhaseRequested(at=self.clock.now()))
            self.store.save(state, now=self.clock.now())
            yield SessionUpdate(state=state, notices=tuple(notices), report=report)


def tidy_reply(text: str) -> str:
    """A model's reply without wrapping quotes, cut to its whole sentences within MAX_REPLY."""
    cleaned = text.strip().strip('"').strip()
    if len(cleaned) <= MAX_REPLY:
        return cleaned
    ends = [end for _, end in sentence_spans(cleaned, coarse=True) if end <= MAX_REPLY]
    return cleaned[: ends[-1]] if ends else cleaned[:MAX_REPLY]


def _report_line(report: GradeReport) -> str:
    label = "Grade so far" if report.partial else "Final report"
    if report.overall is None:
        return f"{label}: not enough to grade yet (insufficient evidence). See the Report tab."
    return (
        f"{label}: overall {score_label(report.overall)}. See the Report tab for scores and quotes."
    )


def _last(updates: Iterator[SessionUpdate]) -> SessionUpdate:
    last: SessionUpdate | None = None
    for update in updates:
        last = update
    if last is None:
        raise InterviewerError("no update produced")
    return last


__all__ = [
    "MAX_CHARS",
    "MAX_REPLY",
    "FinalReport",
    "InterviewService",
    "SessionUpdate",
    "plan_drills",
    "read_final_reports",
    "tidy_reply",
    "validate_text",
]
