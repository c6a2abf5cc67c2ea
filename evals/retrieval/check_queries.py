"""Sanity check for evals/retrieval/queries.jsonl.

Run from the repo root:  python evals/retrieval/check_queries.py

- parses every line and checks it has exactly the fields query, case, phase, key_point_id;
- checks that case and phase are known and that key_point_id is a key point of
  knowledge/cases/<case>/<phase>.md;
- prints counts per case and phase (and per key point coverage);
- flags any query sharing a run of 5+ consecutive words with its key point's statement or
  phrasings (an error), or with any other text of the same note (a warning; pass --strict to
  treat those as errors too);
- flags duplicate queries.

Exits with status 1 when there is an error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
QUERIES = Path(__file__).resolve().parent / "queries.jsonl"
CASES = [
    "visual-search",
    "street-view-blurring",
    "video-search",
    "harmful-content-detection",
    "video-recommendation",
    "event-recommendation",
    "ad-click-prediction",
    "similar-listings",
    "personalized-news-feed",
    "people-you-may-know",
]
PHASES = ["requirements", "framing", "data", "modeling", "evaluation", "serving", "monitoring"]
FIELDS = {"query", "case", "phase", "key_point_id"}
N = 5  # forbidden run length in words

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)


def words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=\d),(?=\d)", "", text)  # 5,000 -> 5000
    text = text.replace("'", "")  # don't -> dont
    return re.findall(r"[a-z0-9]+", text)


def ngrams(tokens: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def strings_in(obj: object) -> list[str]:
    """All string leaves of a YAML value, each kept separate so n-grams don't span two of them."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings_in(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings_in(v)]
    return []


def load_note(case: str, phase: str) -> tuple[dict, str]:
    text = (ROOT / "knowledge" / "cases" / case / f"{phase}.md").read_text(encoding="utf-8")
    found = _FRONT.match(text)
    if not found:
        raise SystemExit(f"{case}/{phase}.md: no front matter")
    return yaml.safe_load(found.group(1)), found.group(2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(QUERIES))
    parser.add_argument("--strict", action="store_true", help="whole-note overlaps are errors")
    args = parser.parse_args()

    notes: dict[tuple[str, str], tuple[dict, str]] = {
        (c, p): load_note(c, p) for c in CASES for p in PHASES
    }

    errors: list[str] = []
    warnings: list[str] = []
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    covered: dict[tuple[str, str], set[str]] = defaultdict(set)
    seen: dict[str, int] = {}
    lengths: list[int] = []

    lines = Path(args.path).read_text(encoding="utf-8").splitlines()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            errors.append(f"{where}: invalid JSON ({err})")
            continue
        if not isinstance(row, dict) or set(row) != FIELDS:
            errors.append(f"{where}: expected exactly the fields {sorted(FIELDS)}")
            continue
        if not all(isinstance(v, str) and v.strip() for v in row.values()):
            errors.append(f"{where}: every field must be a non-empty string")
            continue
        case, phase, kp, query = row["case"], row["phase"], row["key_point_id"], row["query"]
        if case not in CASES:
            errors.append(f"{where}: unknown case {case!r}")
            continue
        if phase not in PHASES:
            errors.append(f"{where}: unknown phase {phase!r}")
            continue
        meta, body = notes[(case, phase)]
        points = {k["id"]: k for k in meta.get("key_points", [])}
        if kp not in points:
            errors.append(f"{where}: {kp!r} is not a key point of {case}/{phase}.md")
            continue

        counts[case][phase] += 1
        covered[(case, phase)].add(kp)
        lengths.append(len(query.split()))
        norm = " ".join(words(query))
        if norm in seen:
            errors.append(f"{where}: duplicate of line {seen[norm]}")
        seen[norm] = no

        q_grams = ngrams(words(query))
        point = points[kp]
        own = [point["statement"], *point.get("phrasings", [])]
        own_hits = set().union(*(q_grams & ngrams(words(s)) for s in own))
        if own_hits:
            runs = "; ".join(" ".join(g) for g in sorted(own_hits))
            errors.append(
                f"{where} ({case}/{phase}/{kp}): shares 5+ words with its key point: {runs}"
            )
        note_texts = [*strings_in(meta), body]
        note_hits = set().union(*(q_grams & ngrams(words(s)) for s in note_texts)) - own_hits
        if note_hits:
            runs = "; ".join(" ".join(g) for g in sorted(note_hits))
            msg = f"{where} ({case}/{phase}/{kp}): shares 5+ words with the note: {runs}"
            (errors if args.strict else warnings).append(msg)

    # ---- report ----
    width = max(len(c) for c in CASES)
    head = " ".join(f"{p[:5]:>5}" for p in PHASES)
    print(f"{'case':<{width}} {head} total")
    totals: Counter[str] = Counter()
    for case in CASES:
        row_counts = [counts[case][p] for p in PHASES]
        totals.update(counts[case])
        cells = " ".join(f"{n:>5}" for n in row_counts)
        print(f"{case:<{width}} {cells} {sum(row_counts):>5}")
    cells = " ".join(f"{totals[p]:>5}" for p in PHASES)
    print(f"{'total':<{width}} {cells} {sum(totals.values()):>5}")
    if lengths:
        short = sum(1 for n in lengths if n <= 8)
        long_ = sum(1 for n in lengths if n >= 20)
        print(
            f"\nwords per query: min {min(lengths)}, max {max(lengths)}, "
            f"mean {sum(lengths) / len(lengths):.1f}; <=8 words: {short}, >=20 words: {long_}"
        )
    distinct = sum(len(v) for v in covered.values())
    print(f"distinct key points labelled: {distinct}")

    for case in CASES:
        for phase in PHASES:
            if counts[case][phase] == 0:
                warnings.append(f"no query for {case}/{phase}")

    for w in warnings:
        print(f"WARNING: {w}")
    for e in errors:
        print(f"ERROR: {e}")
    print(f"\n{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
