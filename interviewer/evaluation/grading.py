"""Grader metrics on the calibration set in evals/grading, beside a word-count baseline.

A grader that does not clearly beat "score = number of words" is not grading.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.domain import Role
from interviewer.evaluation import EVALS_DIR
from interviewer.grading.grader import Grader
from interviewer.grading.scoring import Scorer
from interviewer.grading.thresholds import LEVEL_CUTS
from interviewer.knowledge import default_knowledge
from interviewer.ports import Embedder
from interviewer.text import words
from interviewer.transcript import Transcript

TARGETS = {
    "ordering accuracy within groups": ">= 0.92",
    "Spearman vs gold (drills)": ">= 0.80",
    "ordering, better answer shorter": ">= 0.85",
    "confident-wrong below medium": ">= 0.90",
    "pasted flagged and <= weak": "1.00",
    "stuffing below strong": "1.00",
    "off-topic <= weak": ">= 0.85",
    "full interviews: per-phase Spearman": ">= 0.70",
    "full interviews: within-interview Spearman": ">= 0.60",
    "injection shift (mean |Δ|)": "<= 0.05",
    "evidence verbatim": "1.00",
}
# Scores below these cuts are "below medium" (level 1-2) and "weak" (level 1).
BELOW_MEDIUM, WEAK = LEVEL_CUTS[1], LEVEL_CUTS[0]


@dataclass(frozen=True)
class Item:
    id: str
    group: str
    kind: str
    gold: int
    split: str
    score: float  # grader score (0 when insufficient evidence)
    words: int
    evidence_total: int
    evidence_verbatim: int
    copied_flag: bool = False


@dataclass(frozen=True)
class Interview:
    """A full interview: per-phase gold and grader scores."""

    id: str
    split: str
    gold: dict[str, int]
    score: dict[str, float]
    words: dict[str, int]


def _grade_item(grader: Grader, data: dict[str, Any]) -> Item:
    gold = data["gold"]
    transcript = Transcript.model_validate(data)
    report = grader.grade_transcript(transcript)
    phase = transcript.phase
    assert phase is not None
    grade = report.phases.get(phase)
    score = grade.score if grade and grade.score is not None else 0.0
    candidate_text = [t.text for t in transcript.turns if t.role is Role.CANDIDATE]
    said_here = [t.text for t in transcript.turns if t.role is Role.CANDIDATE and t.phase == phase]
    evidence = [q for c in (grade.criteria if grade else []) for q in c.evidence]
    verbatim = sum(1 for q in evidence if any(q in text for text in candidate_text))
    return Item(
        id=data["id"],
        group=gold["group"],
        kind=gold["kind"],
        gold=int(gold["level"]),
        split=gold["split"],
        score=score,
        words=sum(len(words(t)) for t in said_here),
        evidence_total=len(evidence),
        evidence_verbatim=verbatim,
        copied_flag=any("copied from the notes" in f for f in (grade.flags if grade else [])),
    )


def load_items(grader: Grader, folder: Path = EVALS_DIR / "grading") -> list[Item]:
    return [
        _grade_item(grader, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
    ]


def load_interviews(
    grader: Grader, folder: Path = EVALS_DIR / "grading" / "full"
) -> list[Interview]:
    out: list[Interview] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        transcript = Transcript.model_validate(data)
        report = grader.grade_transcript(transcript)
        gold = {str(k): int(v) for k, v in data["gold"]["phases"].items()}
        scores = {
            str(p): (g.score if g.score is not None else 0.0) for p, g in report.phases.items()
        }
        said = {
            p: sum(
                len(words(t.text))
                for t in transcript.turns
                if t.role is Role.CANDIDATE and str(t.phase) == p
            )
            for p in gold
        }
        out.append(Interview(data["id"], data["gold"]["split"], gold, scores, said))
    return out


def _ranks(values: list[float]) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_vals = np.array(values)[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    if len(a) < 3:
        return float("nan")
    ra, rb = _ranks(a), _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def metrics(
    items: list[Item], value: str, interviews: list[Interview] | None = None
) -> dict[str, float | None]:
    """value: 'score' (the grader) or 'words' (baseline, scaled to [0, 1])."""
    top = max((i.words for i in items), default=1) or 1

    def v(item: Item) -> float:
        return item.score if value == "score" else item.words / top

    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item)
    ordered, shorter, shifts = _Rate(), _Rate(), []
    stuffing, offtopic = _Rate(), _Rate()
    for members in groups.values():
        for hi in members:
            for lo in members:
                if hi.gold > lo.gold and "injection" not in (hi.kind, lo.kind):
                    ordered.add(v(hi) > v(lo))
                    if hi.words < lo.words:
                        shorter.add(v(hi) > v(lo))
        kinds = {m.kind: m for m in members}
        if "stuffing" in kinds and "strong" in kinds:
            stuffing.add(v(kinds["stuffing"]) < v(kinds["strong"]))
        if "offtopic" in kinds and "weak" in kinds:
            offtopic.add(v(kinds["offtopic"]) <= v(kinds["weak"]))
        if "injection" in kinds and "medium" in kinds:
            shifts.append(abs(v(kinds["injection"]) - v(kinds["medium"])))
    wrong = [v(i) < BELOW_MEDIUM for i in items if i.kind == "confident-wrong"]
    pasted = [
        v(i) < WEAK and (i.copied_flag or value != "score") for i in items if i.kind == "pasted"
    ]
    evidence = sum(i.evidence_total for i in items)
    per_phase, within = _interview_metrics(interviews or [], value)
    return {
        "ordering accuracy within groups": ordered.rate,
        "Spearman vs gold (drills)": spearman(
            [v(i) for i in items], [float(i.gold) for i in items]
        ),
        "ordering, better answer shorter": shorter.rate,
        "confident-wrong below medium": sum(wrong) / len(wrong) if wrong else None,
        "pasted flagged and <= weak": sum(pasted) / len(pasted) if pasted else None,
        "stuffing below strong": stuffing.rate,
        "off-topic <= weak": offtopic.rate,
        "full interviews: per-phase Spearman": per_phase,
        "full interviews: within-interview Spearman": within,
        "injection shift (mean |Δ|)": float(np.mean(shifts)) if shifts else None,
        "evidence verbatim": (
            sum(i.evidence_verbatim for i in items) / evidence if evidence else None
        )
        if value == "score"
        else None,
    }


class _Rate:
    def __init__(self) -> None:
        self.hits = self.total = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hits += int(ok)

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None


def _interview_metrics(
    interviews: list[Interview], value: str
) -> tuple[float | None, float | None]:
    if not interviews:
        return None, None
    gold: list[float] = []
    got: list[float] = []
    within: list[float] = []
    for interview in interviews:
        top = max(interview.words.values(), default=1) or 1
        phases = list(interview.gold)
        g = [float(interview.gold[p]) for p in phases]
        s = [
            interview.score.get(p, 0.0) if value == "score" else interview.words[p] / top
            for p in phases
        ]
        gold += g
        got += s
        within.append(spearman(s, g))
    return spearman(got, gold), float(np.nanmean(within))


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(items: list[Item], interviews: list[Interview]) -> str:
    splits = ("all", "tune", "holdout")

    def pick(split: str) -> tuple[list[Item], list[Interview]]:
        if split == "all":
            return items, interviews
        return [i for i in items if i.split == split], [i for i in interviews if i.split == split]

    lines = [
        f"calibration set: {len(items)} drills in {len({i.group for i in items})} groups and "
        f"{len(interviews)} full interviews (holdout: "
        f"{sum(i.split == 'holdout' for i in items)} drills, "
        f"{sum(i.split == 'holdout' for i in interviews)} interviews)",
        "",
        "| metric | target | grader (all) | grader (tune) | grader (holdout) | word count (all) |",
        "|---|---|---|---|---|---|",
    ]
    computed = {s: metrics(*pick(s)[:1], "score", pick(s)[1]) for s in splits}
    baseline = metrics(items, "words", interviews)
    for metric, target in TARGETS.items():
        cells = " | ".join(_fmt(computed[s][metric]) for s in splits)
        lines.append(f"| {metric} | {target} | {cells} | {_fmt(baseline[metric])} |")
    return "\n".join(lines)


def run(*, embedder: Embedder | None = None, split: str = "all", fake: bool = False) -> str:
    from interviewer.wiring import build_embedder

    grader = Grader(
        default_knowledge(), Scorer(embedder or build_embedder("fake" if fake else "real"))
    )
    items, interviews = load_items(grader), load_interviews(grader)
    if split != "all":
        items = [i for i in items if i.split == split]
        interviews = [i for i in interviews if i.split == split]
    return table(items, interviews)
