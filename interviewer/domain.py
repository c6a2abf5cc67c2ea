"""Domain types: phase and case ids, turns, interviewer intents, events and the frozen session state."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Phase(StrEnum):
    INTRO = "intro"
    REQUIREMENTS = "requirements"
    FRAMING = "framing"
    DATA = "data"
    MODELING = "modeling"
    EVALUATION = "evaluation"
    SERVING = "serving"
    MONITORING = "monitoring"
    WRAPUP = "wrapup"


GRADED_PHASES: tuple[Phase, ...] = (
    Phase.REQUIREMENTS,
    Phase.FRAMING,
    Phase.DATA,
    Phase.MODELING,
    Phase.EVALUATION,
    Phase.SERVING,
    Phase.MONITORING,
)
FULL_ORDER: tuple[Phase, ...] = (Phase.INTRO, *GRADED_PHASES, Phase.WRAPUP)

# Minutes per phase of the default 45-minute interview (DESIGN.md section 2).
DEFAULT_BUDGET_MINUTES: dict[Phase, float] = {
    Phase.INTRO: 1,
    Phase.REQUIREMENTS: 4,
    Phase.FRAMING: 3,
    Phase.DATA: 7,
    Phase.MODELING: 9,
    Phase.EVALUATION: 6,
    Phase.SERVING: 6,
    Phase.MONITORING: 5,
    Phase.WRAPUP: 4,
}
DRILL_MINUTES = 8.0

PHASE_TITLES: dict[Phase, str] = {
    Phase.INTRO: "Introduction",
    Phase.REQUIREMENTS: "Clarifying requirements",
    Phase.FRAMING: "Framing as an ML task",
    Phase.DATA: "Data and features",
    Phase.MODELING: "Model development",
    Phase.EVALUATION: "Evaluation",
    Phase.SERVING: "Deployment and serving",
    Phase.MONITORING: "Monitoring and iteration",
    Phase.WRAPUP: "Bottlenecks and trade-offs",
}


class CaseId(StrEnum):
    VISUAL_SEARCH = "visual-search"
    STREET_VIEW_BLURRING = "street-view-blurring"
    VIDEO_SEARCH = "video-search"
    HARMFUL_CONTENT_DETECTION = "harmful-content-detection"
    VIDEO_RECOMMENDATION = "video-recommendation"
    EVENT_RECOMMENDATION = "event-recommendation"
    AD_CLICK_PREDICTION = "ad-click-prediction"
    SIMILAR_LISTINGS = "similar-listings"
    PERSONALIZED_NEWS_FEED = "personalized-news-feed"
    PEOPLE_YOU_MAY_KNOW = "people-you-may-know"


class Mode(StrEnum):
    FULL = "full"
    DRILL = "drill"


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"


class TurnKind(StrEnum):
    ANSWER = "answer"
    CLARIFYING = "clarifying"
    WHITEBOARD = "whiteboard"  # free-text notes, from sessions before sketches; graded as prose
    SKETCH = "sketch"  # a Mermaid flowchart save: checked and graded by sketch_check
    OPENING = "opening"
    BRIEFING = "briefing"
    FOLLOW_UP = "follow_up"
    FACT = "fact"
    HINT = "hint"
    NUDGE = "nudge"
    TRANSITION = "transition"
    CLOSING = "closing"
    REPORT = "report"
    CHALLENGE = "challenge"  # pushes back on an asserted misconception
    PROBE = "probe"  # asks for specifics after a vague answer
    REDIRECT = "redirect"  # off-topic, role swap, a request for the answers, another language


class Level(StrEnum):
    """The candidate's target level; a key point's level is the lowest target whose bar has it."""

    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


def phase_name(phase: Phase) -> str:
    """The phase's title inside a sentence: "framing as an ML task", not "... an ml task"."""
    title = PHASE_TITLES[phase]
    return title[:1].lower() + title[1:]


class Status(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Citation(Frozen):
    """Where a question or answer came from in the case notes ("why this question?")."""

    source: str
    heading: str
    excerpt: str = ""
    key_point_id: str | None = None


class SpokenWord(Frozen):
    """One word as Whisper heard it, with its time in the recording (seconds from the start)."""

    text: str
    start: float
    end: float
    probability: float = 1.0


class SpokenSegment(Frozen):
    """A stretch Whisper decoded in one go, with its own confidence figures."""

    text: str
    start: float
    end: float
    avg_logprob: float  # mean log-probability of its tokens: low means Whisper was guessing
    no_speech_prob: float  # Whisper's belief that the stretch held no speech at all


class Speech(Frozen):
    """How a spoken answer was said: its words with timings and its segments (DESIGN.md §5)."""

    words: tuple[SpokenWord, ...] = ()
    segments: tuple[SpokenSegment, ...] = ()
    seconds: float = 0.0  # length of the recording


class Turn(Frozen):
    role: Role
    phase: Phase
    text: str
    kind: TurnKind
    at: float
    citation: Citation | None = None
    key_point_id: str | None = None
    misconception_id: str | None = None  # the misconception a challenge pushed back on
    voice: bool = False
    fallback: bool = False
    speech: Speech | None = None  # word timings of a spoken answer


# ---- interviewer intents: what the engine decides, before anything is phrased ----


class Open(Frozen):
    type: Literal["open"] = "open"
    phase: Phase


class Brief(Frozen):
    type: Literal["brief"] = "brief"
    phase: Phase


class FollowUp(Frozen):
    type: Literal["follow_up"] = "follow_up"
    phase: Phase


class AnswerClarifying(Frozen):
    type: Literal["answer_clarifying"] = "answer_clarifying"
    phase: Phase
    question: str


class Hint(Frozen):
    type: Literal["hint"] = "hint"
    phase: Phase


class Nudge(Frozen):
    type: Literal["nudge"] = "nudge"
    phase: Phase
    over_minutes: float


class MoveOn(Frozen):
    type: Literal["move_on"] = "move_on"
    from_phase: Phase
    to_phase: Phase


class Close(Frozen):
    type: Literal["close"] = "close"
    reason: Literal["finished", "ended_early"]


class Report(Frozen):
    type: Literal["report"] = "report"
    partial: bool


Action = Annotated[
    Open | Brief | FollowUp | AnswerClarifying | Hint | Nudge | MoveOn | Close | Report,
    Field(discriminator="type"),
]


# ---- events: everything that can happen to a session ----


class Started(Frozen):
    type: Literal["started"] = "started"
    at: float


class CandidateAnswered(Frozen):
    type: Literal["candidate_answered"] = "candidate_answered"
    at: float
    text: str
    voice: bool = False
    speech: Speech | None = None


class ClarifyingAsked(Frozen):
    type: Literal["clarifying_asked"] = "clarifying_asked"
    at: float
    text: str
    voice: bool = False
    speech: Speech | None = None


class WhiteboardSaved(Frozen):
    type: Literal["whiteboard_saved"] = "whiteboard_saved"
    at: float
    text: str


class TimeTick(Frozen):
    type: Literal["time_tick"] = "time_tick"
    at: float


class NextPhaseRequested(Frozen):
    type: Literal["next_phase"] = "next_phase"
    at: float


class HintRequested(Frozen):
    type: Literal["hint_requested"] = "hint_requested"
    at: float


class EndRequested(Frozen):
    type: Literal["end_requested"] = "end_requested"
    at: float


class GradeRequested(Frozen):
    type: Literal["grade_requested"] = "grade_requested"
    at: float


class InterviewerSaid(Frozen):
    """The phrased reply for the first pending intent; recording it clears that intent."""

    type: Literal["interviewer_said"] = "interviewer_said"
    turn: Turn


Event = (
    Started
    | CandidateAnswered
    | ClarifyingAsked
    | WhiteboardSaved
    | TimeTick
    | NextPhaseRequested
    | HintRequested
    | EndRequested
    | GradeRequested
    | InterviewerSaid
)


class SessionState(Frozen):
    id: str
    case: CaseId
    mode: Mode
    drill_phase: Phase | None = None
    level: Level = Level.SENIOR
    status: Status = Status.ACTIVE
    phase: Phase = Phase.INTRO
    started_at: float = 0.0
    phase_started_at: float = 0.0
    budgets: dict[Phase, float] = Field(default_factory=dict)  # seconds
    nudged: bool = False
    follow_ups_asked: int = 0
    hints_given: int = 0
    turns: tuple[Turn, ...] = ()
    pending: tuple[Action, ...] = ()

    @property
    def phases(self) -> tuple[Phase, ...]:
        if self.mode is Mode.DRILL and self.drill_phase is not None:
            return (self.drill_phase,)
        return FULL_ORDER

    def phase_elapsed(self, now: float) -> float:
        return max(0.0, now - self.phase_started_at)

    def phase_budget(self) -> float:
        return self.budgets.get(self.phase, 0.0)

    def total_budget(self) -> float:
        return sum(self.budgets.get(p, 0.0) for p in self.phases)

    def phase_turns(self, phase: Phase, role: Role | None = None) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.phase is phase and (role is None or t.role is role))


def default_budgets(
    mode: Mode, drill_phase: Phase | None, scale: float = 1.0
) -> dict[Phase, float]:
    """Seconds per phase; `scale` stretches the whole interview (a custom budget)."""
    if mode is Mode.DRILL:
        if drill_phase is None:
            raise ValueError("a drill needs a phase")
        return {drill_phase: DRILL_MINUTES * 60 * scale}
    return {p: m * 60 * scale for p, m in DEFAULT_BUDGET_MINUTES.items()}
