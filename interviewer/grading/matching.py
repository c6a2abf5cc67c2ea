"""The matcher: how well each sentence states each key point (embedding cosine, IDF word
overlap and the note's expert signals), and which misconceptions it asserts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interviewer.grading.misconceptions import Asserted, WrongIndex, asserted, build_wrong_index
from interviewer.grading.thresholds import (
    COPY_RUN,
    EMB_HI,
    EMB_LO,
    EMBEDDING_WEIGHT,
    LEX_HI,
    LEX_LO,
    MATCHED,
    SIGNAL_ONE,
    SIGNAL_TWO,
    UNSEEN_IDF,
    ramp,
)
from interviewer.grading.units import Unit
from interviewer.knowledge import Case, PhaseNote
from interviewer.ports import Embedder, Vectors
from interviewer.text import (
    content_words,
    sentences,
    word_runs,
    words,
)


@dataclass(frozen=True)
class NoteIndex:
    ref_vectors: Vectors  # one row per reference text
    ref_owner: list[int]  # key point index of each reference row
    ref_words: list[set[str]]
    idf: dict[str, float]
    case_terms: set[str]
    signals: list[re.Pattern[str] | None]  # per key point: its expert terms
    wrong: WrongIndex  # the note's misconceptions
    copied: set[tuple[str, ...]]  # word runs of the note's own text


def signal_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for a list of expert terms, matched at word starts ("recalibrat" -> recalibration)."""
    if not terms:
        return None
    alternatives = sorted((re.escape(t.lower()) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(alternatives) + ")", re.IGNORECASE)


def signal_hits(pattern: re.Pattern[str] | None, text: str) -> set[str]:
    if pattern is None:
        return set()
    return {m.group(1).lower() for m in pattern.finditer(text)}


def signal_match(hits: int) -> float:
    """How surely a sentence is about a point, from how many of its distinct expert terms it uses:
    one specific term is enough to know the point was raised (not that it was explained)."""
    return (0.0, SIGNAL_ONE, SIGNAL_TWO)[min(hits, 2)]


class Matcher:
    """Matches candidate sentences to a note's key points and misconceptions; caches the
    embeddings of the notes it has seen. The policy and the grader share it."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._index: dict[str, NoteIndex] = {}

    def _note_index(self, case: Case, note: PhaseNote) -> NoteIndex:
        key = f"{note.case}/{note.phase}"
        cached = self._index.get(key)
        if cached is not None:
            return cached
        refs: list[str] = []
        owner: list[int] = []
        for i, point in enumerate(note.key_points):
            for ref in (point.statement, *point.phrasings):
                refs.append(ref)
                owner.append(i)
        ref_words = [content_words(r) for r in refs]
        documents = [content_words(" ".join([p.statement, *p.phrasings])) for p in note.key_points]
        counts: dict[str, int] = {}
        for doc in documents:
            for word in doc:
                counts[word] = counts.get(word, 0) + 1
        n = len(documents)
        idf = {w: math.log(1 + n / c) for w, c in counts.items()}
        terms = {w for t in case.facts.terms for w in content_words(t)}
        copied: set[tuple[str, ...]] = set()
        for text in (note.model_answer, *refs, *(r.sentence() for r in note.rules)):
            copied |= word_runs(text, COPY_RUN)
        index = NoteIndex(
            ref_vectors=self.embedder.embed(refs),
            ref_owner=owner,
            ref_words=ref_words,
            idf=idf,
            case_terms=terms,
            signals=[signal_pattern(p.signals) for p in note.key_points],
            wrong=build_wrong_index(self.embedder, note),
            copied=copied,
        )
        self._index[key] = index
        return index

    def warm(self, cases: Sequence[Case]) -> None:
        """Embed every note's key points ahead of time (the app does this in the background at start),
        so the first answer of each phase does not wait for it."""
        for case in cases:
            for note in case.notes.values():
                self._note_index(case, note)

    def _lexical(self, unit_words: set[str], ref: set[str], idf: dict[str, float]) -> float:
        total = sum(idf.get(w, UNSEEN_IDF) for w in ref)
        if total == 0:
            return 0.0
        return sum(idf.get(w, UNSEEN_IDF) for w in ref & unit_words) / total

    def match_matrix(self, case: Case, note: PhaseNote, texts: Sequence[str]) -> np.ndarray:
        """match[u, k] in [0, 1]: how well text u states key point k."""
        index = self._note_index(case, note)
        k = len(note.key_points)
        if not texts:
            return np.zeros((0, k), dtype=np.float32)
        vectors = self.embedder.embed(list(texts))
        cos = vectors @ index.ref_vectors.T  # (units, refs)
        unit_words = [content_words(t) for t in texts]
        out = np.zeros((len(texts), k), dtype=np.float32)
        for r, owner in enumerate(index.ref_owner):
            for u in range(len(texts)):
                emb = ramp(float(cos[u, r]), EMB_LO, EMB_HI)
                lex = ramp(
                    self._lexical(unit_words[u], index.ref_words[r], index.idf), LEX_LO, LEX_HI
                )
                value = (
                    EMBEDDING_WEIGHT * emb + (1 - EMBEDDING_WEIGHT) * lex
                    if emb > 0 or lex > 0
                    else 0.0
                )
                value = max(value, min(emb, lex) + 0.5 * abs(emb - lex))
                if value > out[u, owner]:
                    out[u, owner] = value
        for k, pattern in enumerate(index.signals):
            for u, text in enumerate(texts):
                out[u, k] = max(out[u, k], signal_match(len(signal_hits(pattern, text))))
        return out

    def asserted_in(self, case: Case, note: PhaseNote, texts: Sequence[str]) -> list[Asserted]:
        """The note's misconceptions that these sentences assert."""
        index = self._note_index(case, note)
        if not index.wrong.items or not texts:
            return []
        return asserted(index.wrong, texts, self.embedder.embed(list(texts)))

    def heard_terms(self, case: Case, note: PhaseNote, text: str) -> list[str]:
        """The note's expert terms the text uses, as the candidate wrote them, in order."""
        index = self._note_index(case, note)
        found: list[tuple[int, str]] = []
        for pattern in index.signals:
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                end = m.end()
                while end < len(text) and (text[end].isalnum() or text[end] in "-@"):
                    end += 1  # the whole word, not the stem the note lists
                found.append((m.start(), text[m.start() : end]))
        terms: list[str] = []
        for _, term in sorted(found):
            if term.lower() not in {t.lower() for t in terms}:
                terms.append(term)
        return terms

    def coverage(self, case: Case, note: PhaseNote, answers: Sequence[str]) -> dict[str, float]:
        """Per key point, how well these answers cover it (no depth): used to pick follow-ups."""
        texts = [s for text in answers for s in sentences(text)]
        matrix = self.match_matrix(case, note, texts)
        if matrix.shape[0] == 0:
            return {p.id: 0.0 for p in note.key_points}
        best = matrix.max(axis=0)
        return {p.id: float(best[i]) for i, p in enumerate(note.key_points)}


def on_topic_share(units: list[Unit], matrix: np.ndarray) -> float:
    """Share of the answer's words in sentences that address some key point of the phase."""
    if matrix.shape[0] == 0:
        return 0.0
    sizes = np.array([len(words(u.text)) for u in units], dtype=np.float32)
    on_topic = matrix.max(axis=1) >= MATCHED
    return float(sizes[on_topic].sum() / max(1.0, sizes.sum()))
