"""Does the interviewer listen? Replays the scripted sessions in evals/listening (no model).

Each item is a short session written by another author: candidate messages with gold labels (what
each message is, which key points it covers, which facts it asks for, whether it asserts something
wrong or is vague). Every message goes through the real session service with the scripted
wording, and the replies are checked in code against DESIGN.md section 11. The `holdout` split is
never looked at while tuning; both splits are reported.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Role, SessionState, Turn, TurnKind
from interviewer.evaluation import EVALS_DIR
from interviewer.fakes import FakeClock
from interviewer.knowledge import KnowledgeBase, PhaseNote, default_knowledge
from interviewer.ports import Embedder
from interviewer.text import content_words
from interviewer.wiring import Wiring, build

Kind = Literal[
    "answer",
    "clarifying",
    "mixed",
    "hint",
    "off-topic",
    "role-swap",
    "meta",
    "other-language",
    "dont-know",
]
# What the first reply to each kind of message must be.
EXPECTED_REPLY: dict[str, set[TurnKind]] = {
    "hint": {TurnKind.HINT},
    "off-topic": {TurnKind.REDIRECT},
    "role-swap": {TurnKind.REDIRECT},
    "meta": {TurnKind.REDIRECT},
    "other-language": {TurnKind.REDIRECT},
}
QUESTION_KINDS = {TurnKind.FOLLOW_UP, TurnKind.PROBE, TurnKind.CHALLENGE}

TARGETS: dict[str, tuple[str, float, bool]] = {
    # name: (shown target, bound, higher is better)
    "re-ask rate": ("<= 0.05", 0.05, False),
    "question about the point it cites": (">= 0.95", 0.95, True),
    "same question twice (sessions)": ("0", 0.0, False),
    "facts answered, multi-question messages": (">= 0.95", 0.95, True),
    "misconceptions challenged next turn": (">= 0.80", 0.80, True),
    "correct statements challenged": ("<= 0.05", 0.05, False),
    "vague answers asked for specifics": (">= 0.80", 0.80, True),
    "intent recognised": (">= 0.95", 0.95, True),
}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Phase
    text: str
    kind: Kind
    covers: list[str] = []
    asks: list[str] = []
    wrong: str | None = None
    vague: bool = False


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    case: CaseId
    style: str
    split: Literal["tune", "holdout"]
    steps: list[Step]


@dataclass
class Tally:
    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list[str])

    def add(self, ok: bool, where: str) -> None:
        self.total += 1
        self.hits += int(ok)
        if not ok:
            self.misses.append(where)

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None


def load_items(folder: Path = EVALS_DIR / "listening") -> list[Item]:
    return [
        Item.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(folder.glob("*.json"))
    ]


def replay(item: Item, wiring: Wiring) -> list[tuple[Step, list[Turn]]]:
    """Send each message in order; the interviewer turns that answered it."""
    service = wiring.service
    state = service.start(item.case, Mode.FULL).state
    out: list[tuple[Step, list[Turn]]] = []
    for step in item.steps:
        state = _move_to(wiring, state, step.phase)
        seen = len(state.turns)
        state = service.send(state.id, step.text).state
        replies = [t for t in state.turns[seen:] if t.role is Role.INTERVIEWER]
        out.append((step, replies))
    return out


def _move_to(wiring: Wiring, state: SessionState, phase: Phase) -> SessionState:
    order = list(state.phases)
    while state.phase is not phase and order.index(state.phase) < order.index(phase):
        state = wiring.service.command(state.id, "next").state
    return state


def score_item(
    item: Item, replies: list[tuple[Step, list[Turn]]], knowledge: KnowledgeBase
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    case = knowledge.case(item.case)
    covered: set[str] = set()
    asked: list[str] = []
    for n, (step, turns) in enumerate(replies):
        where = f"{item.id}#{n + 1}"
        first = turns[0] if turns else None
        covered |= set(step.covers)
        if step.kind in EXPECTED_REPLY:
            ok = first is not None and first.kind in EXPECTED_REPLY[step.kind]
            tallies["intent recognised"].add(ok, where)
        if step.asks:
            said = " ".join(t.text for t in turns)
            facts = {f.id: f.answer for f in case.facts.facts}
            hits = [a for a in step.asks if a in facts and facts[a] in said]
            name = "facts answered, multi-question messages" if len(step.asks) > 1 else None
            for fact in step.asks:
                tallies["facts answered, all messages"].add(fact in hits, f"{where}:{fact}")
                if name:
                    tallies[name].add(fact in hits, f"{where}:{fact}")
        challenged = first is not None and first.kind is TurnKind.CHALLENGE
        if step.wrong:
            tallies["misconceptions challenged next turn"].add(challenged, where)
        elif step.kind in ("answer", "mixed"):
            tallies["correct statements challenged"].add(not challenged, where)
        if step.vague:
            ok = first is not None and first.kind is TurnKind.PROBE
            tallies["vague answers asked for specifics"].add(ok, where)
        for turn in turns:
            if turn.kind is not TurnKind.FOLLOW_UP or not turn.key_point_id:
                continue
            tallies["re-ask rate"].add(turn.key_point_id not in covered, where)
            note = _note_of(case.notes.values(), turn.key_point_id)
            if note is not None:
                tallies["question about the point it cites"].add(
                    about_cited_point(note, turn), where
                )
        asked += [t.text for t in turns if t.kind in QUESTION_KINDS]
    tallies["same question twice (sessions)"].add(len(asked) == len(set(asked)), item.id)
    return tallies


def _note_of(notes: object, point_id: str) -> PhaseNote | None:
    for note in notes:  # type: ignore[attr-defined]
        if any(p.id == point_id for p in note.key_points):
            return note
    return None


def about_cited_point(note: PhaseNote, turn: Turn) -> bool:
    """The question is about the point it cites: it is that point's own question from the notes,
    or, of all the note's points, it shares the most words with the cited one."""
    point = next(p for p in note.key_points if p.id == turn.key_point_id)
    if point.ask and point.ask in turn.text:
        return True
    asked = content_words(turn.text)
    best = max(
        note.key_points,
        key=lambda p: len(asked & content_words(" ".join([p.statement, p.ask, *p.signals]))),
    )
    return best.id == point.id


def run(embedder: Embedder, split: str = "all") -> tuple[str, list[str]]:
    knowledge = default_knowledge()
    items = [i for i in load_items() if split in ("all", i.split)]
    by_split: dict[str, dict[str, Tally]] = {
        "tune": defaultdict(Tally),
        "holdout": defaultdict(Tally),
    }
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), retrieval="off", allow_model_requests=False)
        wiring = build(settings, embedder=embedder, use_model=False, clock=FakeClock())
        for item in items:
            for name, tally in score_item(item, replay(item, wiring), knowledge).items():
                total = by_split[item.split][name]
                total.hits += tally.hits
                total.total += tally.total
                total.misses += tally.misses
    return report(by_split, len(items)), failures(by_split.get("tune", {}))


def report(by_split: dict[str, dict[str, Tally]], n_items: int) -> str:
    lines = [
        f"Replayed {n_items} scripted sessions from evals/listening without a model.",
        "",
        "| metric | target | tune | holdout |",
        "|---|---|---|---|",
    ]
    for name in [*TARGETS, "facts answered, all messages"]:
        target, _, higher = TARGETS.get(name, ("-", 0.0, True))
        cells = [_cell(by_split[s].get(name), higher) for s in ("tune", "holdout")]
        lines.append(f"| {name} | {target} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def value(tally: Tally, higher: bool) -> tuple[float, int]:
    """The metric as named: the share of good outcomes, or of bad ones for a lower-is-better
    metric (tallies always count the good outcome); and how many it counts."""
    rate = tally.rate or 0.0
    return (rate, tally.hits) if higher else (1 - rate, tally.total - tally.hits)


def _cell(tally: Tally | None, higher: bool) -> str:
    if tally is None or tally.rate is None:
        return "-"
    rate, count = value(tally, higher)
    return f"{rate:.2f} ({count}/{tally.total})"


def failures(tallies: dict[str, Tally]) -> list[str]:
    problems: list[str] = []
    for name, (_, bound, higher) in TARGETS.items():
        tally = tallies.get(name)
        if tally is None or tally.rate is None:
            continue
        rate, _ = value(tally, higher)
        if (rate < bound) if higher else (rate > bound):
            problems.append(f"{name}: {rate:.3f}; misses: {', '.join(tally.misses[:8])}")
    return problems
