"""Grader metrics on the calibration set in evals/grading, beside a word-count baseline.

A grader that does not clearly beat "score = number of words" is not grading.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewer.domain import Role
from interviewer.evaluation import EVALS_DIR
from interviewer.grading import Grader
from interviewer.knowledge import default_knowledge
from interviewer.ports import Embedder
from interviewer.scoring import Scorer
from interviewer.text import words
from interviewer.transcript import Transcript

ORDER = ("strong", "medium", "weak")
TARGETS = {
    "ordering accuracy": ">= 0.90",
    "Spearman vs gold": ">= 0.75",
    "stuffing below strong": "1.00",
    "injection shift (mean |Δ|)": "<= 0.05",
    "off-topic <= weak": "1.00",
    "evidence verbatim": "1.00",
}


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


def load_items(grader: Grader, folder: Path = EVALS_DIR / "grading") -> list[Item]:
    items: list[Item] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        gold = data["gold"]
        transcript = Transcript.model_validate(data)
        report = grader.grade_transcript(transcript)
        phase = transcript.phase
        assert phase is not None
        grade = report.phases.get(phase)
        score = grade.score if grade and grade.score is not None else 0.0
        candidate_text = [
            t.text for t in transcript.turns if t.role is Role.CANDIDATE and t.phase == phase
        ]
        evidence = [q for c in (grade.criteria if grade else []) for q in c.evidence]
        verbatim = sum(1 for q in evidence if any(q in text for text in candidate_text))
        items.append(
            Item(
                id=data["id"],
                group=gold["group"],
                kind=gold["kind"],
                gold=int(gold["level"]),
                split=gold["split"],
                score=score,
                words=sum(len(words(t)) for t in candidate_text),
                evidence_total=len(evidence),
                evidence_verbatim=verbatim,
            )
        )
    return items


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


def metrics(items: list[Item], value: str) -> dict[str, float | None]:
    """value: 'score' (the grader) or 'words' (baseline, scaled to [0, 1])."""
    top = max((i.words for i in items), default=1) or 1

    def v(item: Item) -> float:
        return item.score if value == "score" else item.words / top

    groups: dict[str, dict[str, Item]] = defaultdict(dict)
    for item in items:
        groups[item.group][item.kind] = item
    pairs = correct = 0
    stuffing = stuffing_ok = offtopic = offtopic_ok = 0
    shifts: list[float] = []
    for members in groups.values():
        for i, hi in enumerate(ORDER):
            for lo in ORDER[i + 1 :]:
                if hi in members and lo in members and members[hi].gold > members[lo].gold:
                    pairs += 1
                    correct += int(v(members[hi]) > v(members[lo]))
        if "stuffing" in members and "strong" in members:
            stuffing += 1
            stuffing_ok += int(v(members["stuffing"]) < v(members["strong"]))
        if "offtopic" in members and "weak" in members:
            offtopic += 1
            offtopic_ok += int(v(members["offtopic"]) <= v(members["weak"]))
        if "injection" in members and "medium" in members:
            shifts.append(abs(v(members["injection"]) - v(members["medium"])))
    evidence = sum(i.evidence_total for i in items)
    return {
        "ordering accuracy": correct / pairs if pairs else None,
        "Spearman vs gold": spearman([v(i) for i in items], [float(i.gold) for i in items]),
        "stuffing below strong": stuffing_ok / stuffing if stuffing else None,
        "injection shift (mean |Δ|)": float(np.mean(shifts)) if shifts else None,
        "off-topic <= weak": offtopic_ok / offtopic if offtopic else None,
        "evidence verbatim": (
            sum(i.evidence_verbatim for i in items) / evidence if evidence else None
        )
        if value == "score"
        else None,
    }


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(items: list[Item]) -> str:
    splits = {
        "all": items,
        "tune": [i for i in items if i.split == "tune"],
        "holdout": [i for i in items if i.split == "holdout"],
    }
    lines = [
        f"calibration set: {len(items)} transcripts, {len({i.group for i in items})} groups "
        f"(tune {len(splits['tune'])}, holdout {len(splits['holdout'])})",
        "",
        "| metric | target | grader (all) | grader (tune) | grader (holdout) | word count (all) |",
        "|---|---|---|---|---|---|",
    ]
    computed = {name: metrics(subset, "score") for name, subset in splits.items()}
    baseline = metrics(items, "words")
    for metric, target in TARGETS.items():
        lines.append(
            f"| {metric} | {target} | {_fmt(computed['all'][metric])} | {_fmt(computed['tune'][metric])} "
            f"| {_fmt(computed['holdout'][metric])} | {_fmt(baseline[metric])} |"
        )
    return "\n".join(lines)


def run(*, embedder: Embedder | None = None, split: str = "all", fake: bool = False) -> str:
    from interviewer.wiring import build_embedder

    grader = Grader(
        default_knowledge(), Scorer(embedder or build_embedder("fake" if fake else "real"))
    )
    items = load_items(grader)
    if split != "all":
        items = [i for i in items if i.split == split]
    return table(items)
