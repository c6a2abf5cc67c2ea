"""Back-of-envelope check on sentences written by another author, with gold estimates.

An item is one answer (case, phase, text) and the estimates a careful interviewer would check in
it, each with a verdict: ok, off (2-10x), off_10x, unit or fact. A found estimate matches a gold
one when their spans in the text overlap. Reported per split: detection precision and recall,
verdict accuracy on the matched ones, and how often ✓/✗ agrees. The `holdout` split was run once,
after tuning on `tune`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from interviewer.domain import CaseId
from interviewer.estimates.check import check_text
from interviewer.estimates.verdict import EstimateCheck, Verdict
from interviewer.evaluation import EVALS_DIR
from interviewer.knowledge import KnowledgeBase, default_knowledge

AUTHORED = EVALS_DIR / "estimates" / "authored.jsonl"


class GoldEstimate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    claim: str
    verdict: Verdict
    correct: str = ""
    note: str = ""


class Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    split: Literal["tune", "holdout", "dev"]
    case: CaseId
    phase: str
    text: str
    estimates: list[GoldEstimate]


def load_items(path: Path = AUTHORED) -> list[Item]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Item.model_validate_json(line) for line in lines if line.strip()]


@dataclass
class Tally:
    found: int = 0
    gold: int = 0
    matched: int = 0
    same_verdict: int = 0
    same_mark: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    misses: list[str] = field(default_factory=list[str])

    def rates(self) -> tuple[float, float, float, float]:
        def share(a: int, b: int) -> float:
            return a / b if b else 0.0

        return (
            share(self.matched, self.found),
            share(self.matched, self.gold),
            share(self.same_verdict, self.matched),
            share(self.same_mark, self.matched),
        )


def _span(text: str, claim: str) -> tuple[int, int]:
    start = text.find(claim)
    return (start, start + len(claim)) if start >= 0 else (-1, -1)


def score_item(item: Item, found: list[EstimateCheck], tally: Tally) -> None:
    gold = [(_span(item.text, g.claim), g) for g in item.estimates]
    used: set[int] = set()
    tally.found += len(found)
    tally.gold += len(gold)
    for check in found:
        start, end = _span(item.text, check.claim)
        match = next(
            (i for i, ((s, e), _) in enumerate(gold) if i not in used and s < end and start < e),
            None,
        )
        if match is None:
            tally.misses.append(f"{item.id}: found {check.claim!r} ({check.verdict}), not in gold")
            continue
        used.add(match)
        want = gold[match][1].verdict
        tally.matched += 1
        tally.same_verdict += want == check.verdict
        tally.same_mark += (want == "ok") == check.ok
        tally.confusion[(want, check.verdict)] += 1
    for i, (_, g) in enumerate(gold):
        if i not in used:
            tally.misses.append(f"{item.id}: missed {g.claim!r} ({g.verdict})")


def evaluate(items: list[Item], knowledge: KnowledgeBase) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for item in items:
        found = check_text(item.text, knowledge.case(item.case))
        score_item(item, found, tallies.setdefault(item.split, Tally()))
    return tallies


def run(split: str = "all", path: Path = AUTHORED, verbose: bool = False) -> str:
    items = [i for i in load_items(path) if split == "all" or i.split == split]
    tallies = evaluate(items, default_knowledge())
    lines = [
        f"Back-of-envelope check on {path.name} ({len(items)} answers)",
        "",
        "| split | answers | gold estimates | found | detection precision | detection recall "
        "| verdict accuracy | ✓/✗ agreement |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, tally in sorted(tallies.items()):
        precision, recall, verdicts, marks = tally.rates()
        answers = sum(1 for i in items if i.split == name)
        lines.append(
            f"| {name} | {answers} | {tally.gold} | {tally.found} | {precision:.2f} | {recall:.2f} "
            f"| {verdicts:.2f} ({tally.same_verdict}/{tally.matched}) | {marks:.2f} |"
        )
    for name, tally in sorted(tallies.items()):
        wrong = [f"{g}->{f} x{n}" for (g, f), n in sorted(tally.confusion.items()) if g != f]
        lines.append(f"\n{name}: verdicts confused (gold->found): {', '.join(wrong) or 'none'}")
        if verbose:
            lines += [f"  {m}" for m in tally.misses]
    return "\n".join(lines)
