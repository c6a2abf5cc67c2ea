"""Chooses the interviewer's next move and its scripted wording, from the case notes alone.

Every intent from the engine becomes a `Plan`: the scripted text (always a valid reply, and the
fallback when a model fails), a citation, and the context a model needs to phrase it better. What to
ask is decided here, deterministically; a model only rephrases it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, assert_never

from pydantic import Field

from interviewer.clarify import Asked, answer_all
from interviewer.domain import (
    GRADED_PHASES,
    PHASE_TITLES,
    Action,
    AnswerClarifying,
    Brief,
    CaseId,
    Citation,
    Close,
    FollowUp,
    Frozen,
    Hint,
    Mode,
    MoveOn,
    Nudge,
    Open,
    Phase,
    Report,
    Role,
    SessionState,
    TurnKind,
    phase_name,
)
from interviewer.intent import Intent, classify
from interviewer.knowledge import Case, KeyPoint, KnowledgeBase, Misconception, PhaseNote
from interviewer.ports import Retriever
from interviewer.text import content_words, overlap, sentences

# A point the candidate covered at least this well is not probed again.
COVERED = 0.5
MAX_FOLLOW_UPS = 5
# An answer with fewer content words than this, and no number or reason, is vague.
VAGUE_WORDS = 12


class Listener(Protocol):
    """What the policy needs to hear an answer: the same matcher the grader uses."""

    def coverage(self, note: PhaseNote, answers: Sequence[str]) -> dict[str, float]: ...

    def misconceptions(
        self, note: PhaseNote, texts: Sequence[str]
    ) -> list[tuple[int, Misconception]]:
        """(index of the sentence, misconception) for each sentence asserting one."""
        ...

    def heard(self, note: PhaseNote, text: str) -> list[str]:
        """The note's expert terms the text uses, as written."""
        ...


class Plan(Frozen):
    action: Action
    kind: TurnKind
    text: str
    task: str | None = None  # prompt used to rephrase it with a model; None = say it as is
    context: dict[str, str] = Field(default_factory=dict)
    citation: Citation | None = None
    key_point_id: str | None = None
    misconception_id: str | None = None
    phase_done: bool = False  # nothing left to ask: the session moves to the next phase


class Policy:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        listener: Listener,
        retriever: Retriever | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.listener = listener
        self.retriever = retriever
        self._vocabulary: dict[str, frozenset[str]] = {}

    def intent(self, state: SessionState, text: str) -> Intent:
        """What a message is, judged against this case's vocabulary."""
        return classify(text, self._words(state.case))

    def _words(self, case_id: str) -> frozenset[str]:
        """The case's own vocabulary (terms, fact cues, expert signals): an off-topic remark shares
        none of it. Statements and answers are left out; their everyday words are in any chat."""
        if case_id not in self._vocabulary:
            case = self.knowledge.case(CaseId(case_id))
            cues = [*case.facts.terms]
            for fact in case.facts.facts:
                cues += [*fact.keywords, fact.id.replace("-", " ")]
            for note in case.notes.values():
                cues += [s for point in note.key_points for s in point.signals]
            self._vocabulary[case_id] = frozenset(content_words(" ".join(cues)))
        return self._vocabulary[case_id]

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
                return self._respond(state, case, action, question)
            case Hint(phase=phase):
                return self._hint(state, case, phase, action)
            case Nudge(phase=phase, over_minutes=over):
                minutes = state.phase_budget() / 60
                text = (
                    f"We're about {over:g} min past the {minutes:g}-minute slot for "
                    f"{phase_name(phase)}. Give me your most important remaining point, "
                    "then we'll move on."
                )
                return Plan(action=action, kind=TurnKind.NUDGE, text=text)
            case MoveOn(from_phase=from_phase, to_phase=to_phase):
                return Plan(
                    action=action,
                    kind=TurnKind.TRANSITION,
                    text=_transition(state, from_phase, to_phase),
                )
            case Close(reason=reason):
                what = "drill" if state.mode is Mode.DRILL else "interview"
                text = {
                    "finished": f"That's the end of the {what}. Thank you! Your report is ready.",
                    "ended_early": "We'll stop here. The report covers what we discussed.",
                }[reason]
                return Plan(action=action, kind=TurnKind.CLOSING, text=text)
            case Report():
                raise ValueError("reports are worded by the session, which holds the grade")
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
        lines = [f"This is a drill of {phase_name(phase)} for this problem: {case.facts.prompt}"]
        if earlier:
            lines.append("Assume the earlier phases settled this:")
            lines += [f"- {PHASE_TITLES[p]}: {case.facts.established[p]}" for p in earlier]
        lines.append("You have about 8 minutes. Ask clarifying questions whenever you like.")
        cite = Citation(source=case.facts.source, heading="established", excerpt="")
        return Plan(
            action=Brief(phase=phase), kind=TurnKind.BRIEFING, text="\n".join(lines), citation=cite
        )

    # ---- what the candidate has said, anywhere in the session ----

    def uncovered(self, state: SessionState, note: PhaseNote) -> list[KeyPoint]:
        """Points at the candidate's level not yet covered anywhere nor asked about, weightiest
        first: a point made in framing is not asked again in modeling."""
        answers = _answers(state)
        credit = self.listener.coverage(note, answers) if answers else {}
        probed = {t.key_point_id for t in state.turns if t.role is Role.INTERVIEWER}
        open_points = [
            p
            for p in note.key_points
            if p.expected_at(state.level) and credit.get(p.id, 0.0) < COVERED and p.id not in probed
        ]
        return sorted(open_points, key=lambda p: -p.weight)

    def _asserted(
        self, state: SessionState, case: Case, last: str
    ) -> tuple[str, Misconception, PhaseNote] | None:
        """A misconception the last answer asserts that has not been challenged yet, with the
        sentence that asserts it and the note it comes from."""
        challenged = {t.misconception_id for t in state.turns if t.misconception_id}
        said = sentences(last)
        if not said:
            return None
        notes = sorted(case.notes.values(), key=lambda n: n.phase is not state.phase)
        for note in notes:
            for index, item in self.listener.misconceptions(note, said):
                if item.id not in challenged:
                    return said[index], item, note
        return None

    # ---- follow-ups ----

    def _follow_up(self, state: SessionState, case: Case, phase: Phase) -> Plan:
        action = FollowUp(phase=phase)
        last = _last_answer(state, phase)
        # A question inside an answer is answered when the fact sheet has it; one it lacks is
        # usually rhetorical ("why does that matter? because...") and is left alone.
        asked = answer_all(case.facts, last, whole_if_none=False)
        facts = _fact_lines([a for a in asked if a.fact is not None])
        if self.intent(state, last) is Intent.OTHER_LANGUAGE:
            return _redirect(action, Intent.OTHER_LANGUAGE, case, last, state)
        if phase is Phase.WRAPUP or phase not in case.notes:
            return self._wrapup_follow_up(state, action, last, facts)
        wrong = self._asserted(state, case, last)
        if wrong is not None:
            return _challenge(action, wrong, facts)
        note = case.notes[phase]
        if _vague(last, self.intent(state, last)) and not _just_probed(state, phase):
            return self._probe(state, action, note, facts)
        gaps = self.uncovered(state, note)
        if not gaps or state.follow_ups_asked >= MAX_FOLLOW_UPS:
            if state.mode is Mode.DRILL:
                return _drill_done(state, action, note, facts, covered=not gaps)
            return _done(action, phase, facts)
        return self._ask(state, action, note, gaps[0], last, facts)

    def _ask(
        self,
        state: SessionState,
        action: FollowUp,
        note: PhaseNote,
        target: KeyPoint,
        last: str,
        facts: str,
    ) -> Plan:
        asked = {t.text for t in state.turns if t.role is Role.INTERVIEWER}
        question, heading = self._question_for(state, note, target, last, asked)
        criterion = self._criterion_name(note.phase, target.criterion)
        if _dont_know(state, last):
            lead = "No problem, let's look at another part of it."
        else:
            lead = _heard(self.listener.heard(note, last))
        cite = Citation(
            source=note.source, heading=heading, excerpt=question, key_point_id=target.id
        )
        return Plan(
            action=action,
            kind=TurnKind.FOLLOW_UP,
            text=_join(facts, lead, question),
            task="follow_up",
            context={"question": _join(facts, question), "topic": criterion, "last_answer": last},
            citation=cite,
            key_point_id=target.id,
        )

    def _question_for(
        self, state: SessionState, note: PhaseNote, target: KeyPoint, last: str, asked: set[str]
    ) -> tuple[str, str]:
        """The question about `target`: its own `ask` from the notes, so the question is about the
        point it cites. A note without one (a case being written) falls back to the follow-up the
        retriever finds for the point, then to word overlap."""
        if target.ask and not any(target.ask in a for a in asked):
            topic = self._criterion_name(note.phase, target.criterion).lower()
            return target.ask, f"Key point on {topic}"
        probe = " ".join([target.statement, *target.phrasings])
        if self.retriever is not None:
            hits = self.retriever.search(
                f"{probe} {last[:300]}",
                case=state.case,
                phase=note.phase,
                kinds=["follow_up"],
                k=4,
                dense_parts=(probe, *sentences(last)),
            )
            for hit in hits:
                if not any(hit.text in a for a in asked):
                    return hit.text, hit.heading
        ranked = sorted(
            (
                (overlap(content_words(probe), content_words(q)), i, q)
                for i, q in enumerate(note.follow_ups)
                if not any(q in a for a in asked)
            ),
            reverse=True,
        )
        if ranked and ranked[0][0] > 0:
            _, index, question = ranked[0]
            return question, f"Follow-up {index + 1}"
        topic = self._criterion_name(note.phase, target.criterion).lower()
        return f"Let's go one level deeper on {topic}: how would you handle it here?", "Key points"

    def _probe(self, state: SessionState, action: FollowUp, note: PhaseNote, facts: str) -> Plan:
        """A vague answer gets a request for specifics, about the point just asked."""
        asked = _last_probe_target(state, note.phase)
        point = next((p for p in note.key_points if p.id == asked), None)
        topic = (
            self._criterion_name(note.phase, point.criterion).lower()
            if point
            else phase_name(note.phase)
        )
        text = (
            f"Can you be more specific? On {topic}: tell me exactly what you would build, with a "
            "number or the mechanism, and why it fits this problem."
        )
        cite = Citation(source=note.source, heading="Asking for specifics", excerpt=text)
        return Plan(
            action=action,
            kind=TurnKind.PROBE,
            text=_join(facts, text),
            citation=cite,
            key_point_id=point.id if point else None,
        )

    def _wrapup_follow_up(
        self, state: SessionState, action: FollowUp, last: str, facts: str
    ) -> Plan:
        wrap = self.knowledge.wrapup
        asked = {t.text for t in state.turns if t.role is Role.INTERVIEWER}
        remaining = [q for q in wrap.follow_ups if not any(q in a for a in asked)]
        if not remaining or state.follow_ups_asked >= 3:
            return _done(action, state.phase, facts)
        question = remaining[0]
        index = wrap.follow_ups.index(question)
        cite = Citation(source=wrap.source, heading=f"Follow-up {index + 1}", excerpt=question)
        return Plan(
            action=action,
            kind=TurnKind.FOLLOW_UP,
            text=_join(facts, question),
            task="follow_up",
            context={
                "question": _join(facts, question),
                "topic": "trade-offs",
                "last_answer": last,
            },
            citation=cite,
        )

    # ---- messages that are not answers ----

    def _respond(
        self, state: SessionState, case: Case, action: AnswerClarifying, text: str
    ) -> Plan:
        intent = self.intent(state, text)
        if intent is Intent.HINT:
            return self._hint(state, case, state.phase, Hint(phase=state.phase))
        if intent in REDIRECTS:
            return _redirect(action, intent, case, text, state)
        return self._clarify(case, action, text)

    def _clarify(self, case: Case, action: AnswerClarifying, question: str) -> Plan:
        asked = answer_all(case.facts, question)
        found = [a for a in asked if a.fact is not None]
        text = _fact_lines(asked) or UNPINNED
        if len(found) != 1:
            # Several facts are said as written: a small model rephrasing them drops some.
            return Plan(action=action, kind=TurnKind.FACT, text=text)
        fact = found[0].fact
        assert fact is not None
        cite = Citation(source=case.facts.source, heading=f"facts: {fact.id}", excerpt=fact.answer)
        if len(asked) > 1:
            return Plan(action=action, kind=TurnKind.FACT, text=text, citation=cite)
        return Plan(
            action=action,
            kind=TurnKind.FACT,
            text=fact.answer,
            task="clarifying",
            context={"question": question, "fact": fact.answer},
            citation=cite,
        )

    def _hint(self, state: SessionState, case: Case, phase: Phase, action: Hint) -> Plan:
        """Said as written, never by a model: addressed to the candidate, naming the gap (the
        criterion of the weightiest point not covered yet) and the note's question about it."""
        if phase not in case.notes:
            text = "Think about what would break first as usage grows, and what you'd do about it."
            return Plan(action=action, kind=TurnKind.HINT, text=text)
        note = case.notes[phase]
        gaps = self.uncovered(state, note)
        pool = gaps or [p for p in note.key_points if p.expected_at(state.level)]
        hinted = sum(1 for t in state.turns if t.kind is TurnKind.HINT)
        target = pool[min(hinted, len(pool) - 1)]
        topic = self._criterion_name(phase, target.criterion).lower()
        nudge = target.ask or f"How would you handle {topic} for this problem?"
        lead = f"you haven't covered {topic} yet" if gaps else f"go one level deeper on {topic}"
        text = f"Hint: {lead}. Ask yourself: {nudge}"
        cite = Citation(
            source=note.source,
            heading=f"Key point on {topic}",
            excerpt=nudge,
            key_point_id=target.id,
        )
        return Plan(
            action=action, kind=TurnKind.HINT, text=text, citation=cite, key_point_id=target.id
        )

    def _criterion_name(self, phase: Phase, criterion_id: str) -> str:
        rubric = self.knowledge.rubrics.get(str(phase))
        if rubric is None:
            return criterion_id.replace("-", " ")
        try:
            return rubric.criterion(criterion_id).name
        except KeyError:
            return criterion_id.replace("-", " ")


UNPINNED = (
    "That isn't pinned down for this problem. Make a reasonable assumption, say it out loud, and "
    "carry on."
)
UNPINNED_REST = (
    "The rest isn't pinned down: make a reasonable assumption, say it out loud, and carry on."
)
REDIRECTS = frozenset({Intent.OFF_TOPIC, Intent.ROLE_SWAP, Intent.META, Intent.OTHER_LANGUAGE})
_REDIRECT_TEXT = {
    Intent.OFF_TOPIC: "Let's keep to the design problem; we can chat after.",
    Intent.ROLE_SWAP: (
        "I'll stay the interviewer, and you stay the candidate. If you're stuck, ask for a hint "
        "and I'll point you at a gap."
    ),
    Intent.META: (
        "I can't share the key points, the model answer or a score during the interview; the "
        "report at the end covers them. If you're stuck, ask for a hint."
    ),
    Intent.OTHER_LANGUAGE: "Could we continue in English, please? That's the language I grade in.",
}


def _redirect(
    action: AnswerClarifying | FollowUp, intent: Intent, case: Case, text: str, state: SessionState
) -> Plan:
    facts = ""
    if intent is Intent.OTHER_LANGUAGE:
        facts = _fact_lines([a for a in answer_all(case.facts, text) if a.fact is not None])
    asked = _last_question(state)
    back = f"Back to my question: {asked}" if asked else ""
    return Plan(
        action=action, kind=TurnKind.REDIRECT, text=_join(facts, _REDIRECT_TEXT[intent], back)
    )


def _last_question(state: SessionState) -> str:
    """The interviewer's last question, without what came before it in the same turn."""
    for turn in reversed(state.turns):
        if turn.role is Role.INTERVIEWER and turn.kind in (TurnKind.OPENING, TurnKind.FOLLOW_UP):
            asked = [s for s in sentences(turn.text) if s.rstrip().endswith("?")]
            return asked[-1] if asked else ""
    return ""


def _challenge(action: FollowUp, wrong: tuple[str, Misconception, PhaseNote], facts: str) -> Plan:
    quote, item, note = wrong
    text = f"Let me push on one thing. You said “{_shorten(quote, 18)}” {item.challenge}"
    cite = Citation(
        source=note.source, heading=f"Misconception: {item.claim}", excerpt=item.challenge
    )
    return Plan(
        action=action,
        kind=TurnKind.CHALLENGE,
        text=_join(facts, text),
        citation=cite,
        key_point_id=item.correction.key_point,
        misconception_id=item.id,
    )


def _transition(state: SessionState, left: Phase, to: Phase) -> str:
    if left is Phase.INTRO:
        return f"Let's start with {phase_name(to)}."
    if state.phase_turns(left, Role.CANDIDATE):
        return f"Thanks. Let's move on to {phase_name(to)}."
    return f"Let's leave {phase_name(left)} there and move on to {phase_name(to)}."


def _done(action: FollowUp, phase: Phase, facts: str = "") -> Plan:
    text = f"Good, I think we've covered {phase_name(phase)}."
    return Plan(action=action, kind=TurnKind.TRANSITION, text=_join(facts, text), phase_done=True)


def _drill_done(
    state: SessionState, action: FollowUp, note: PhaseNote, facts: str, *, covered: bool
) -> Plan:
    """A drill whose questions ran out does not end by itself: the candidate hears how much time
    is left and chooses. Keeping going draws on the note's follow-ups not asked yet; ending is
    their call (the End button, or /end), and then the report opens."""
    said = state.phase_turns(note.phase, Role.INTERVIEWER)
    if any(t.kind is TurnKind.TRANSITION for t in said):  # offered already: they kept going
        asked = {t.text for t in state.turns if t.role is Role.INTERVIEWER}
        spare = [(i, q) for i, q in enumerate(note.follow_ups) if not any(q in a for a in asked)]
        if spare:
            index, question = spare[0]
            cite = Citation(source=note.source, heading=f"Follow-up {index + 1}", excerpt=question)
            return Plan(
                action=action, kind=TurnKind.FOLLOW_UP, text=_join(facts, question), citation=cite
            )
        text = (
            f"That's everything I had on {phase_name(note.phase)}. End the drill whenever you're "
            "ready and your report opens."
        )
        return Plan(action=action, kind=TurnKind.TRANSITION, text=_join(facts, text))
    now = max((t.at for t in state.turns), default=state.phase_started_at)
    left = state.phase_budget() - state.phase_elapsed(now)
    done = (
        f"Good, I think we've covered {phase_name(note.phase)}"
        if covered
        else f"Those are the questions I had on {phase_name(note.phase)}"
    )
    text = (
        f"{done}, {_time_left(left)}. Keep going if you want to add more and I'll ask further "
        "questions, or end the drill now to see your report."
    )
    return Plan(action=action, kind=TurnKind.TRANSITION, text=_join(facts, text))


def _time_left(seconds: float) -> str:
    if seconds < 60:
        return "and we're about at time"
    minutes = round(seconds / 60)
    return f"with about {minutes} minute{'s' if minutes != 1 else ''} of the drill left"


def _fact_lines(asked: Sequence[Asked]) -> str:
    parts = [a.fact.answer for a in asked if a.fact is not None]
    if any(a.fact is None for a in asked):
        parts.append(UNPINNED if not parts else UNPINNED_REST)
    return " ".join(parts)


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _heard(terms: Sequence[str]) -> str:
    if not terms:
        return ""
    named = terms[:2]
    said = named[0] if len(named) == 1 else f"{named[0]} and {named[1]}"
    return f"You mentioned {said}."


def _shorten(text: str, max_words: int) -> str:
    tokens = text.split()
    return text.strip() if len(tokens) <= max_words else " ".join(tokens[:max_words]) + " …"


_SPECIFIC = re.compile(
    r"\d|\b(because|since|so that|so we|which means|otherwise|by|via|using)\b", re.IGNORECASE
)


def _vague(answer: str, intent: Intent) -> bool:
    """A bare name or two with no number, mechanism or reason: "Embeddings. They're big." """
    if not answer.strip() or len(content_words(answer)) >= VAGUE_WORDS:
        return False
    return not _SPECIFIC.search(answer) and intent is Intent.ANSWER


def _just_probed(state: SessionState, phase: Phase) -> bool:
    asked = state.phase_turns(phase, Role.INTERVIEWER)
    return bool(asked) and asked[-1].kind is TurnKind.PROBE


def _last_probe_target(state: SessionState, phase: Phase) -> str | None:
    for turn in reversed(state.phase_turns(phase, Role.INTERVIEWER)):
        if turn.key_point_id:
            return turn.key_point_id
    return None


def _dont_know(state: SessionState, last: str) -> bool:
    return bool(last) and classify(last) is Intent.DONT_KNOW


def _answers(state: SessionState) -> list[str]:
    """Every answer and whiteboard note of the session: questions are not coverage."""
    return [
        t.text
        for t in state.turns
        if t.role is Role.CANDIDATE and t.kind is not TurnKind.CLARIFYING
    ]


def _last_answer(state: SessionState, phase: Phase) -> str:
    for turn in reversed(state.turns):
        if turn.role is Role.CANDIDATE and turn.phase is phase:
            return turn.text
    return ""
