"""Chooses the interviewer's next move and its scripted wording, from the case notes alone.

Every intent from the engine becomes a `Plan`: the scripted text (always a valid reply, and the
fallback when a model fails), a citation, and the context a model needs to phrase it better. What to
ask is decided here, deterministically; a model only rephrases it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import assert_never

from pydantic import Field

from interviewer.domain import (
    GRADED_PHASES,
    PHASE_TITLES,
    Action,
    AnswerClarifying,
    Brief,
    Citation,
    Close,
    FollowUp,
    Frozen,
    Hint,
    MoveOn,
    Nudge,
    Open,
    Phase,
    Report,
    Role,
    SessionState,
    TurnKind,
)
from interviewer.knowledge import Case, KeyPoint, KnowledgeBase, PhaseNote
from interviewer.ports import Retriever
from interviewer.text import content_words, overlap, sentences

# A point the candidate covered at least this well is not probed again.
COVERED = 0.5
MAX_FOLLOW_UPS = 5

Coverage = Callable[[PhaseNote, Sequence[str]], dict[str, float]]


class Plan(Frozen):
    action: Action
    kind: TurnKind
    text: str
    task: str | None = None  # prompt used to rephrase it with a model; None = say it as is
    context: dict[str, str] = Field(default_factory=dict)
    citation: Citation | None = None
    key_point_id: str | None = None
    phase_done: bool = False  # nothing left to ask: the session moves to the next phase


_QUESTION_START = re.compile(
    r"^(how|what|which|who|when|where|why|do|does|did|is|are|can|could|should|would|will|may"
    r"|am i|are we|is there|are there)\b",
    re.IGNORECASE,
)


def is_clarifying(text: str) -> bool:
    """A short question to the interviewer, as opposed to an answer."""
    stripped = text.strip()
    if len(stripped) > 280 or not stripped:
        return False
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", stripped) if s]
    if len(sentences) > 3:
        return False
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped) and len(sentences) == 1)


class Policy:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        coverage: Coverage,
        retriever: Retriever | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.coverage = coverage
        self.retriever = retriever

    def plan(self, state: SessionState, action: Action) -> Plan:
        case = self.knowledge.case(state.case)
        match action:
            case Open(phase=phase):
                return self._open(case, phase)
            case Brief(phase=phase):
                return self._brief(case, phase)
            case FollowUp(phase=phase):
                return self._follow_up(state, case, phase)
            case AnswerClarifying(question=question):
                return self._clarify(case, action, question)
            case Hint(phase=phase):
                return self._hint(state, case, phase, action)
            case Nudge(phase=phase, over_minutes=over):
                minutes = state.phase_budget() / 60
                text = (
                    f"We're about {over:g} min past the {minutes:g}-minute slot for "
                    f"{PHASE_TITLES[phase].lower()}. Give me your most important remaining point, "
                    "then we'll move on."
                )
                return Plan(action=action, kind=TurnKind.NUDGE, text=text)
            case MoveOn(from_phase=_, to_phase=to_phase):
                text = f"Thanks. Let's move on to {PHASE_TITLES[to_phase].lower()}."
                return Plan(action=action, kind=TurnKind.TRANSITION, text=text)
            case Close(reason=reason):
                text = {
                    "finished": "That's the end of the interview. Thank you! Your report is below.",
                    "ended_early": "We'll stop here. The report covers what we discussed.",
                }[reason]
                return Plan(action=action, kind=TurnKind.CLOSING, text=text)
            case Report(partial=partial):
                label = "Grade so far" if partial else "Final report"
                return Plan(action=action, kind=TurnKind.REPORT, text=f"{label} is ready.")
            case _:
                assert_never(action)

    # ---- each move ----

    def _open(self, case: Case, phase: Phase) -> Plan:
        action = Open(phase=phase)
        if phase is Phase.INTRO:
            text = (
                f"Hi, I'll be your interviewer today. The problem: {case.facts.prompt} "
                "We'll go through requirements, framing, data, modeling, evaluation, serving and "
                "monitoring, about 45 minutes in all. Ask me clarifying questions at any time."
            )
            return Plan(action=action, kind=TurnKind.OPENING, text=text)
        if phase is Phase.WRAPUP:
            wrap = self.knowledge.wrapup
            cite = Citation(source=wrap.source, heading="Opening question", excerpt=wrap.opening)
            return Plan(action=action, kind=TurnKind.OPENING, text=wrap.opening, citation=cite)
        note = case.notes[phase]
        cite = Citation(source=note.source, heading="Opening question", excerpt=note.opening)
        return Plan(action=action, kind=TurnKind.OPENING, text=note.opening, citation=cite)

    def _brief(self, case: Case, phase: Phase) -> Plan:
        before = GRADED_PHASES[: GRADED_PHASES.index(phase)] if phase in GRADED_PHASES else ()
        earlier = [p for p in before if p in case.facts.established]
        lines = [
            f"This is a drill of {PHASE_TITLES[phase].lower()} for this problem: "
            f"{case.facts.prompt}"
        ]
        if earlier:
            lines.append("Assume the earlier phases settled this:")
            lines += [f"- {PHASE_TITLES[p]}: {case.facts.established[p]}" for p in earlier]
        lines.append("You have about 8 minutes. Ask clarifying questions whenever you like.")
        cite = Citation(source=case.facts.source, heading="established", excerpt="")
        return Plan(
            action=Brief(phase=phase), kind=TurnKind.BRIEFING, text="\n".join(lines), citation=cite
        )

    def uncovered(self, state: SessionState, note: PhaseNote) -> list[KeyPoint]:
        answers = [t.text for t in state.phase_turns(note.phase, Role.CANDIDATE)]
        credit = self.coverage(note, answers) if answers else {}
        probed = {t.key_point_id for t in state.phase_turns(note.phase, Role.INTERVIEWER)}
        open_points = [
            p for p in note.key_points if credit.get(p.id, 0.0) < COVERED and p.id not in probed
        ]
        return sorted(open_points, key=lambda p: -p.weight)

    def _follow_up(self, state: SessionState, case: Case, phase: Phase) -> Plan:
        action = FollowUp(phase=phase)
        last = _last_answer(state, phase)
        if phase is Phase.WRAPUP or phase not in case.notes:
            return self._wrapup_follow_up(state, action, last)
        note = case.notes[phase]
        gaps = self.uncovered(state, note)
        if not gaps or state.follow_ups_asked >= MAX_FOLLOW_UPS:
            return _done(action, phase)
        target = gaps[0]
        asked = {t.text for t in state.phase_turns(phase, Role.INTERVIEWER)}
        question, heading = self._question_for(state, note, target, last, asked)
        criterion = self._criterion_name(phase, target.criterion)
        cite = Citation(
            source=note.source, heading=heading, excerpt=question, key_point_id=target.id
        )
        return Plan(
            action=action,
            kind=TurnKind.FOLLOW_UP,
            text=question,
            task="follow_up",
            context={"question": question, "topic": criterion, "last_answer": last},
            citation=cite,
            key_point_id=target.id,
        )

    def _question_for(
        self, state: SessionState, note: PhaseNote, target: KeyPoint, last: str, asked: set[str]
    ) -> tuple[str, str]:
        probe = " ".join([target.statement, *target.phrasings])
        if self.retriever is not None:
            # The answer's sentences were just embedded for coverage (`Scorer.coverage` splits them
            # with the same `sentences`) and the probe once per key point, so the vector search
            # costs no new embedding (~35 ms per turn saved).
            hits = self.retriever.search(
                f"{probe} {last[:300]}",
                case=state.case,
                phase=note.phase,
                kinds=["follow_up"],
                k=4,
                dense_parts=(probe, *sentences(last)),
            )
            for hit in hits:
                if hit.text not in asked:
                    return hit.text, hit.heading
        ranked = sorted(
            (
                (overlap(content_words(probe), content_words(q)), i, q)
                for i, q in enumerate(note.follow_ups)
                if q not in asked
            ),
            reverse=True,
        )
        if ranked:
            _, index, question = ranked[0]
            return question, f"Follow-up {index + 1}"
        topic = self._criterion_name(note.phase, target.criterion).lower()
        return f"Let's go one level deeper on {topic}: how would you handle it here?", "Key points"

    def _wrapup_follow_up(self, state: SessionState, action: FollowUp, last: str) -> Plan:
        wrap = self.knowledge.wrapup
        asked = {t.text for t in state.phase_turns(state.phase, Role.INTERVIEWER)}
        remaining = [q for q in wrap.follow_ups if q not in asked]
        if not remaining or state.follow_ups_asked >= 3:
            return _done(action, state.phase)
        question = remaining[0]
        index = wrap.follow_ups.index(question)
        cite = Citation(source=wrap.source, heading=f"Follow-up {index + 1}", excerpt=question)
        return Plan(
            action=action,
            kind=TurnKind.FOLLOW_UP,
            text=question,
            task="follow_up",
            context={"question": question, "topic": "trade-offs", "last_answer": last},
            citation=cite,
        )

    def _clarify(self, case: Case, action: AnswerClarifying, question: str) -> Plan:
        words = content_words(question)
        lowered = question.lower()
        best_score, best = 0.0, None
        for fact in case.facts.facts:
            hits = sum(1.0 for k in fact.keywords if _has_phrase(lowered, k.lower()))
            score = hits + overlap(
                words, content_words(fact.answer + " " + " ".join(fact.keywords))
            )
            if score > best_score:
                best_score, best = score, fact
        if best is None or best_score < 0.5:
            text = (
                "That isn't pinned down for this problem. Make a reasonable assumption, say it "
                "out loud, and carry on."
            )
            return Plan(action=action, kind=TurnKind.FACT, text=text, task=None)
        cite = Citation(source=case.facts.source, heading=f"facts: {best.id}", excerpt=best.answer)
        return Plan(
            action=action,
            kind=TurnKind.FACT,
            text=best.answer,
            task="clarifying",
            context={"question": question, "fact": best.answer},
            citation=cite,
        )

    def _hint(self, state: SessionState, case: Case, phase: Phase, action: Hint) -> Plan:
        if phase not in case.notes:
            text = "Think about what would break first as usage grows, and what you'd do about it."
            return Plan(action=action, kind=TurnKind.HINT, text=text)
        note = case.notes[phase]
        gaps = self.uncovered(state, note) or list(note.key_points)
        target = gaps[min(state.hints_given - 1, len(gaps) - 1)] if state.hints_given else gaps[0]
        rubric = self.knowledge.rubrics.get(str(phase))
        if rubric is not None:
            criterion = rubric.criterion(target.criterion)
            text = f"Hint: you haven't said much yet about {criterion.name.lower()}. " + (
                f"{criterion.description}"
            )
            cite = Citation(source=rubric.source, heading=criterion.name, excerpt="")
        else:
            text = f"Hint: think about {target.criterion.replace('-', ' ')}."
            cite = None
        return Plan(
            action=action,
            kind=TurnKind.HINT,
            text=text,
            task="hint",
            context={"hint": text, "last_answer": _last_answer(state, phase)},
            citation=cite,
            key_point_id=target.id,
        )

    def _criterion_name(self, phase: Phase, criterion_id: str) -> str:
        rubric = self.knowledge.rubrics.get(str(phase))
        if rubric is None:
            return criterion_id.replace("-", " ")
        try:
            return rubric.criterion(criterion_id).name
        except KeyError:
            return criterion_id.replace("-", " ")


def _done(action: FollowUp, phase: Phase) -> Plan:
    text = f"Good, I think we've covered {PHASE_TITLES[phase].lower()}."
    return Plan(action=action, kind=TurnKind.TRANSITION, text=text, phase_done=True)


def _last_answer(state: SessionState, phase: Phase) -> str:
    for turn in reversed(state.turns):
        if turn.role is Role.CANDIDATE and turn.phase is phase:
            return turn.text
    return ""


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}", text) is not None
