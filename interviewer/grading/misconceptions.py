"""Finds sentences that assert one of a note's misconceptions (and not its correction).

Two routes. A misconception's stance cues (interviewer/grading/cues.py: the wrong stance in a few
words, any order, not negated) are the note author's word that a sentence says the wrong thing.
Otherwise a sentence that uses one of the misconception's signal terms asserts it when it is close
to one of its phrasings and clearly closer to them than to the right statement. Sentence
embeddings hear the topic far better than the stance, so that route alone caught about one wrong
claim in three; the bar is set for precision, because challenging a correct statement costs the
candidate's trust more than a missed challenge. A question asserts nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interviewer.grading.cues import Cue, matches, tokens
from interviewer.knowledge import Misconception, PhaseNote
from interviewer.ports import Embedder, Vectors
from interviewer.text import content_words

# A sentence must be at least this close to a wrong phrasing...
WRONG_MIN = 0.60
# ...and closer to it than to the right statement by this margin.
WRONG_MARGIN = 0.15
# A stance cue is the note author's own word that the sentence says the wrong thing.
CUE_SCORE = 1.0
_REJECTS = re.compile(
    r"\b(mistake|wrong|myth|trap|pitfall|misconception|naive|tempting|common error|people often|"
    r"a common|some people|you might think|it'?s tempting|would be wrong|is wrong|fails?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WrongIndex:
    items: list[Misconception]
    patterns: list[re.Pattern[str]]
    wrong_vectors: list[Vectors]  # per misconception: its claim and phrasings
    right_vectors: list[Vectors]  # per misconception: its correction
    cues: list[list[Cue]]  # per misconception: its stance cues


@dataclass(frozen=True)
class Asserted:
    unit: int  # index of the sentence in the texts checked
    misconception: Misconception
    score: float


def build_wrong_index(embedder: Embedder, note: PhaseNote) -> WrongIndex:
    items = list(note.misconceptions)
    points = {p.id: p for p in note.key_points}
    patterns: list[re.Pattern[str]] = []
    wrong: list[Vectors] = []
    right: list[Vectors] = []
    for item in items:
        terms = sorted((re.escape(s.lower()) for s in item.signals), key=len, reverse=True)
        patterns.append(re.compile(r"(?<![a-z0-9])(" + "|".join(terms) + ")", re.IGNORECASE))
        wrong.append(embedder.embed([item.claim, *item.phrasings]))
        point = points.get(item.correction.key_point)
        fixes = [item.correction.statement, *(point.phrasings if point else [])]
        right.append(embedder.embed(fixes))
    cues = [[Cue.parse(c) for c in item.cues] for item in items]
    return WrongIndex(items, patterns, wrong, right, cues)


def asserted(
    index: WrongIndex,
    texts: Sequence[str],
    vectors: Vectors | None,
    bar: tuple[float, float] = (WRONG_MIN, WRONG_MARGIN),
) -> list[Asserted]:
    """The misconceptions each sentence asserts; `vectors` are the sentences' embeddings."""
    found: list[Asserted] = []
    if not index.items or vectors is None or not texts:
        return found
    for u, text in enumerate(texts):
        # A question asserts nothing ("is the fleet CPU only, or do we have GPUs?").
        if _REJECTS.search(text) or len(content_words(text)) < 3 or text.rstrip().endswith("?"):
            continue
        best: Asserted | None = None
        said = tokens(text)  # once per sentence, not once per misconception
        for m, item in enumerate(index.items):
            if any(matches(cue, said) for cue in index.cues[m]):
                score = CUE_SCORE
            elif index.patterns[m].search(text):
                score = _assertion(index, m, vectors[u], bar)
            else:
                continue
            if score is not None and (best is None or score > best.score):
                best = Asserted(unit=u, misconception=item, score=score)
        if best is not None:
            found.append(best)
    return found


def _assertion(
    index: WrongIndex, m: int, vector: np.ndarray, bar: tuple[float, float]
) -> float | None:
    least, margin = bar
    score = float(np.max(index.wrong_vectors[m] @ vector))
    right = float(np.max(index.right_vectors[m] @ vector))
    if score >= least and score >= right + margin:
        return score
    return None
