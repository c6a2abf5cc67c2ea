"""Architecture sketches: parse + check time for a large diagram, and label matching on held-out
labels (evals/sketch/labels.yaml, notes the matcher was not tuned on).

.venv/bin/python -m benchmarks.bench_sketch
"""

from __future__ import annotations

from pathlib import Path

import yaml

from benchmarks.common import Row, percentile, table, timed
from interviewer.domain import CaseId, Phase
from interviewer.knowledge import default_knowledge
from interviewer.sketch import parse
from interviewer.sketch_check import check_text, match_nodes

LABELS = Path(__file__).resolve().parent.parent / "evals" / "sketch" / "labels.yaml"


def big_diagram(names: list[str], boxes: int = 40) -> str:
    lines = ["flowchart LR"]
    for i in range(boxes):
        lines.append(f'  n{i}["{names[i % len(names)]} {i}"] --> n{i + 1}[Step {i + 1}]')
    return "\n".join(lines)


def rows() -> list[Row]:
    kb = default_knowledge()
    note = kb.case(CaseId("visual-search")).notes[Phase.SERVING]
    text = big_diagram([n for c in note.components for n in c.names])
    answers = ["The query encoder runs on GPU in 20 ms. We shard the IVF-PQ index 16 ways."] * 20
    parse_ms = timed(lambda: parse(text), 50)
    check_ms = timed(lambda: check_text(text, note, answers), 50)
    return [
        Row("parse a 40-box flowchart", percentile(parse_ms, 50), percentile(parse_ms, 95), "ms"),
        Row(
            "check it against the note (20 answers)",
            percentile(check_ms, 50),
            percentile(check_ms, 95),
            "ms",
        ),
    ]


def label_accuracy() -> tuple[int, int, list[str]]:
    kb = default_knowledge()
    items = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    right, misses = 0, []
    for item in items:
        note = kb.case(CaseId(item["case"])).notes[Phase(item["phase"])]
        label = str(item["label"]).replace('"', "'")
        found = match_nodes(parse(f'flowchart LR\n  X["{label}"]'), note).get("X")
        got = found.id if found else None
        if got == item["component"]:
            right += 1
        else:
            misses.append(
                f"{item['case']}/{item['phase']}: {label!r} -> {got} (want {item['component']})"
            )
    return right, len(items), misses


def main() -> None:
    print(table(rows()))
    right, total, misses = label_accuracy()
    print(f"\nlabel -> component on held-out labels: {right}/{total} ({right / total:.0%})")
    for miss in misses:
        print(f"  miss: {miss}")


if __name__ == "__main__":
    main()
