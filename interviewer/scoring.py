"""Deterministic scoring of one phase's candidate answers against the case's key points.

How a score is made, and why it is hard to game:
- Candidate text is data. Instruction-like text (fake SYSTEM lines, grade blocks in JSON/XML, HTML
  comments, appeals to the grader, text in another language) is cut out *before* matching, and
  flagged. Removing it, rather than penalising it, makes the score exactly the score of the same
  answer without the injection.
- Each sentence is matched to the key points (embedding cosine to the statement and phrasings, plus
  IDF-weighted word overlap). A point's coverage comes from its best sentences.
- Coverage counts fully only with depth: a number, a reason, a trade-off, a mechanism or a link to
  the case. Lists of names (commas, bullets, hashtags, marketing prose) get little depth, and one
  sentence that touches many points shares its credit between them.
- Sentences that match a common mistake from the notes, asserted rather than rejected, cost points.
Evidence strings are slices of the candidate's turns, re-checked verbatim before they are reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from interviewer.domain import Frozen, Phase, Role, Turn, TurnKind
from interviewer.guards import BLOCKS, INSTRUCTION, REASON, is_foreign, list_like
from interviewer.knowledge import Case, KeyPoint, Level, PhaseNote, Rubric
from interviewer.misconceptions import (
    Asserted,
    WrongIndex,
    asserted,
    build_wrong_index,
)
from interviewer.ports import Embedder, Vectors
from interviewer.sketch_check import SketchCheck
from interviewer.text import content_words, sentence_spans, sentences, word_runs, words

MIN_WORDS = 12  # below this a phase has "insufficient evidence"
LEVEL_CUTS = (0.25, 0.5, 0.75)  # score thresholds for levels 2, 3, 4
SATURATION = 0.6  # raw weighted credit at which a phase counts as fully covered
ON_TOPIC_FLOOR = 0.4  # below this share of on-topic words, the score shrinks in proportion

# Similarity to match mapping: below `lo` is no match, above `hi` a full match.
EMB_LO, EMB_HI = 0.30, 0.62
LEX_LO, LEX_HI = 0.12, 0.50
# Match from a key point's expert terms (signals): one distinct term, two or more.
SIGNAL_ONE, SIGNAL_TWO = 0.55, 0.8
# Runs of this many consecutive words shared with the notes are copied; a sentence whose words
# are mostly (this share) inside such runs was copied. One shared phrase is not copying.
COPY_RUN, COPIED = 8, 0.6


# Coverage at or above this means a sentence is about the point (it may still lack depth).
MATCHED = 0.35
# A point with less credit than this is reported as missed.
MISSED_BELOW = 0.25
# Score lost for each asserted wrong claim or dismissal, and at most in all.
WRONG_CLAIM_COST, DISMISSAL_COST, MAX_PENALTY = 0.15, 0.08, 0.35
# A criterion with an asserted misconception stays below level 4; so does a phase with one, and a
# phase with two or more is at most level 2: confident and wrong is not solid.
MISCONCEPTION_CAP = LEVEL_CUTS[2] - 0.01
SEVERAL_WRONG_CAP = LEVEL_CUTS[1] - 0.01


# The grader's bar for "asserts a misconception" is lower than the interviewer's
# (misconceptions.py): a false hit here costs one sentence's credit, a false challenge costs the
# candidate's trust. Chosen on the tune split of evals/grading: (0.60, 0.15) left 57 % of
# confident-wrong answers at medium or above, (0.50, 0.05) 36 %; lower still hurt full interviews.
GRADING_WRONG_BAR = (0.50, 0.05)


def wrong_cap(asserted: int) -> float:
    return 1.0 if asserted == 0 else MISCONCEPTION_CAP if asserted == 1 else SEVERAL_WRONG_CAP


# In a full interview the bar is the highest-weight points that fit the slot: about one point per
# this many minutes, and never fewer than MIN_BAR points.
MINUTES_PER_POINT, MIN_BAR = 1.25, 3


class CriterionGrade(Frozen):
    id: str
    score: float
    evidence: list[str]
    why: str
    sources: list[Phase] = Field(
        default_factory=list[Phase]
    )  # the phase each evidence quote was said in, in order


class MisconceptionFound(Frozen):
    """A misconception the candidate asserted: their words, why it is wrong, the correction."""

    id: str
    quote: str
    phase: Phase
    claim: str
    why_wrong: str
    correction: str
    point: str  # the key point it contradicts


class PhaseGrade(Frozen):
    score: float | None
    level: int | None
    insufficient_evidence: bool
    criteria: list[CriterionGrade]
    missed: list[str]
    flags: list[str]
    misconceptions: list[MisconceptionFound] = Field(default_factory=list["MisconceptionFound"])
    confidence: Literal["high", "medium", "low"] | None = None
    bar: str = ""
    sketch: SketchCheck | None = None  # the phase's final architecture sketch, checked


@dataclass(frozen=True)
class Bar:
    """What a phase is judged against: the points at the target level, all of them in a drill,
    or the highest-weight ones that fit the slot of a full interview."""

    level: Level = Level.SENIOR
    slot_minutes: float | None = None  # None: a drill, judged on the whole note

    def points(self, note: PhaseNote) -> list[KeyPoint]:
        expected = [p for p in note.key_points if p.expected_at(self.level)]
        if self.slot_minutes is None:
            return expected
        size = max(MIN_BAR, round(self.slot_minutes / MINUTES_PER_POINT))
        return sorted(expected, key=lambda p: -p.weight)[:size]

    def denominator(self, note: PhaseNote) -> float:
        return float(sum(p.weight for p in self.points(note))) or 1.0

    def describe(self) -> str:
        if self.slot_minutes is None:
            return f"{self.level} level: every key point of the note at that level (a drill)"
        return (
            f"{self.level} level: the highest-weight points a strong candidate covers in its "
            f"{self.slot_minutes:g}-minute slot"
        )


def confidence(score: float, n_words: int, credit: np.ndarray) -> Literal["high", "medium", "low"]:
    """How sure a phase score is: little text, or many points sitting on the fence, lower it."""
    near = int(np.sum(np.abs(credit - MISSED_BELOW) < 0.08) + np.sum(np.abs(credit - 0.5) < 0.08))
    margin = min(abs(score - cut) for cut in LEVEL_CUTS)
    if n_words < 40 or (margin < 0.03 and near >= 2):
        return "low"
    if n_words < 100 or margin < 0.05 or near >= 3:
        return "medium"
    return "high"


@dataclass(frozen=True)
class Unit:
    """A sentence of a candidate turn: `turn.text[start:end]`."""

    turn: int
    start: int
    end: int
    text: str
    phase: Phase


def other_units(turns: Sequence[Turn], phase: Phase) -> list[Unit]:
    """Sentences said in every other phase (and on the whiteboard): credit counts wherever given."""
    out: list[Unit] = []
    for other in Phase:
        if other is not phase:
            out += candidate_units(turns, other)[0]
    return out


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?")


def candidate_units(turns: Sequence[Turn], phase: Phase) -> tuple[list[Unit], list[str]]:
    """Sentences of the candidate's turns in `phase`, with injected instructions removed."""
    units: list[Unit] = []
    flags: list[str] = []
    for index, turn in enumerate(turns):
        if turn.role is not Role.CANDIDATE or turn.phase is not phase:
            continue
        if turn.kind is TurnKind.CLARIFYING:
            continue
        text = turn.text
        masked = list(text)
        for pattern, flag in BLOCKS:
            for found in pattern.finditer(text):
                if found.end() > found.start():
                    _mask(masked, found.start(), found.end())
                    _add(flags, f"{flag}: {_excerpt(found.group(0))}")
        # Instructions are judged on whole sentences (and bracketed asides) before the finer split,
        # so no fragment of an injected sentence survives to be scored.
        for found in re.finditer(r"\([^()]{0,600}\)|\[[^\[\]]{0,600}\]", text):
            if INSTRUCTION.search(found.group(0)):
                _mask(masked, found.start(), found.end())
                _add(flags, f"instruction-like text ignored: {_excerpt(found.group(0))}")
        for start, end in sentence_spans("".join(masked), coarse=True):
            sentence = text[start:end]
            if INSTRUCTION.search(sentence):
                _mask(masked, start, end)
                _add(flags, f"instruction-like text ignored: {_excerpt(sentence)}")
        clean = "".join(masked)
        for start, end in sentence_spans(clean):
            sentence = text[start:end]
            if _is_question(sentence):
                continue  # a question asks; it is never evidence of an answer
            if is_foreign(sentence):
                _add(flags, f"text not in English was not graded: {_excerpt(sentence)}")
                continue
            units.append(Unit(turn=index, start=start, end=end, text=sentence, phase=phase))
    return units, flags


def _mask(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = "\n" * (end - start)


def _add(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---- depth ----

_NUMBER = re.compile(
    r"\b\d[\d,.]*\s*(%|ms|s\b|sec|seconds?|minutes?|hours?|days?|weeks?|k\b|m\b|b\b|x\b|qps|rps|"
    r"gb|tb|mb|million|billion|thousand|percent|dims?|dimensions|users|items|requests)"
    r"|\b(p50|p90|p95|p99|top-?\d+|@\d+|\d+(\.\d+)?)\b"
    r"|\b(hundred|thousand|million|billion|dozens?|tens of)\b",
    re.IGNORECASE,
)
_TRADE_OFF = re.compile(
    r"\b(trade-?offs?|at the cost of|the cost is|downside|upside|versus|vs\.?|instead of|"
    r"rather than|whereas|on the other hand|compared (to|with)|cheaper|more expensive|"
    r"faster|slower|at the expense|balance|but|however|although|risk)\b",
    re.IGNORECASE,
)
_MECHANISM = re.compile(
    r"\b(by \w+ing|using \w+ to|via|through|compute|train|log|index|cache|precompute|sample|"
    r"weight|calibrate|filter|shard|replicate|batch|stream|join|aggregate|embed|retrain|"
    r"monitor|alert|roll back|bucket|hash|normali[sz]e|threshold|re-?rank|dedupe|deduplicate|leak|"
    r"randomi[sz]e|split|stratif|attribut|decay|window|partition|replay|point-in-time|backfill|"
    r"distill|quantiz|prune|fallback|canary|shadow|ramp)\w*",
    re.IGNORECASE,
)
_FLUFF = re.compile(
    r"\b(cutting-edge|state-of-the-art|best-in-class|world-class|seamless|synerg\w*|leverag\w*|"
    r"next-gen\w*|revolutionary|game-chang\w*|robust and scalable|holistic|industry-leading|"
    r"powerful|innovative|enterprise-grade)\b",
    re.IGNORECASE,
)


def depth(sentence: str, case_terms: set[str]) -> float:
    """0.2 for a bare name up to 1.0 for a sentence with reasons, numbers and mechanisms."""
    if list_like(sentence):
        return 0.15
    signals = 0.0
    signals += 1.0 if REASON.search(sentence) else 0.0
    signals += 1.0 if _NUMBER.search(sentence) else 0.0
    signals += 0.75 if _TRADE_OFF.search(sentence) else 0.0
    signals += 0.5 if _MECHANISM.search(sentence) else 0.0
    signals += 0.5 if content_words(sentence) & case_terms else 0.0
    if len(words(sentence)) < 7:
        signals = min(signals, 1.0)
    if _FLUFF.search(sentence):
        signals -= 1.0
    return float(min(1.0, max(0.2, 0.3 + 0.7 * signals / 2.25)))


# ---- matching ----


@dataclass(frozen=True)
class _NoteIndex:
    ref_vectors: Vectors  # one row per reference text
    ref_owner: list[int]  # key point index of each reference row
    ref_words: list[set[str]]
    idf: dict[str, float]
    case_terms: set[str]
    signals: list[re.Pattern[str] | None]  # per key point: its expert terms
    wrong: WrongIndex  # the note's misconceptions
    copied: set[tuple[str, ...]]  # word runs of the note's own text


def copied_share(text: str, runs: set[tuple[str, ...]]) -> float:
    """The share of a sentence's words that sit inside a run copied from the notes."""
    tokens = words(text)
    if len(tokens) < COPY_RUN:
        return 0.0
    inside = [False] * len(tokens)
    for i in range(len(tokens) - COPY_RUN + 1):
        if tuple(tokens[i : i + COPY_RUN]) in runs:
            inside[i : i + COPY_RUN] = [True] * COPY_RUN
    return sum(inside) / len(tokens)


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


# ---- claims that are wrong in any of these cases, asserted rather than rejected ----

_REJECTION = re.compile(
    r"\b(not|never|avoid\w*|instead of|rather than|wrong|mistake|misleading|meaningless|useless|"
    r"pitfall|leak\w*|inflat\w*|don't|do not|wouldn't|won't|shouldn't|can't|cannot|bad idea|trap|"
    r"overestimat\w*|optimistic|broken|flawed|naive|biased)\b",
    re.IGNORECASE,
)
DISMISSAL = re.compile(
    r"not (really )?(a |an )?(real |big |major |serious )?(problem|issue|concern|needed|necessary|important|"
    r"relevant|worth)|(wouldn't|won't|don't|do not|no need to) (really )?(worry|bother|care)|"
    r"no need (for|to)\b|(aren't|isn't|is not|are not) (really )?needed|overkill|doesn't matter|"
    r"don't matter|not worth|irrelevant|unnecessary|can (safely )?be ignored|we can ignore|just ignore|"
    r"isn't (really )?an? (real )?(issue|problem|concern)|(isn't|is not|not) (really )?a (big|huge) deal|"
    r"(don't|doesn't|won't|do not|does not) (really )?change (that |very |so )?(much|fast|often|quickly)|"
    r"(isn't|is not|not) (that |very )?much (that )?(can|could) go wrong|nothing (can|could) go wrong",
    re.IGNORECASE,
)
_ANTI_PATTERNS: list[tuple[re.Pattern[str], re.Pattern[str] | None, str]] = [
    (
        re.compile(r"\baccuracy\b", re.IGNORECASE),
        re.compile(
            r"\b(metric|measure\w*|launch|bar|target|goal|optimi[sz]\w*|report|track|"
            r"evaluat\w*|\d+(\.\d+)? ?%)",
            re.IGNORECASE,
        ),
        "accuracy as the metric on rare positives",
    ),
    (
        re.compile(
            r"\b(random(ly)? (train|split|shuffl|\d+/\d+)|shuffl\w+|split\w* [^.]{0,30}"
            r"\b(at random|randomly)|random \d+ ?/ ?\d+)",
            re.IGNORECASE,
        ),
        None,
        "random split of time-ordered logs",
    ),
    (
        re.compile(r"\b(before|prior to) (the )?(split|splitting)\b", re.IGNORECASE),
        re.compile(r"\b(feature|rate|statistic|count|average|mean|normali[sz])", re.IGNORECASE),
        "features computed on data from the test period",
    ),
    (
        re.compile(
            r"\b(skip\w*|no need for|without) (an |the )?a/?b\b|\ba/?b tests? (are|is) "
            r"(too |really |just )?(slow|unnecessary|overkill|expensive|a waste)|\bship (it |the "
            r"(new )?model )?(straight |directly )?to (everyone|all (users|traffic))",
            re.IGNORECASE,
        ),
        None,
        "launching without an online experiment",
    ),
    (
        re.compile(
            r"\b(gpt-?\d*|llm|large language model|\d+ ?b(illion)?[- ]param\w*|billion[- ]"
            r"parameter|giant|huge|massive)\b[^.]{0,80}\b(every|each|per|all) (request|"
            r"impression|query|event|candidate|item|video|post|ad|listing|user)s?\b|\bjust "
            r"(use|fine-?tune|call) (a |an )?(big |large |huge )?(llm|gpt)",
            re.IGNORECASE,
        ),
        None,
        "a huge model on every request under a tight latency budget",
    ),
    (
        re.compile(
            r"\bretrain\w*\W[^.]{0,25}(once a year|yearly|annually|every year|every (few|couple "
            r"of|six|6|twelve|12) months)|\bnever (need to )?retrain|\bno need to retrain|"
            r"\btrain (it )?once and\b",
            re.IGNORECASE,
        ),
        None,
        "retraining too rarely for a changing product",
    ),
]
_ANTI_PATTERNS.append(
    (
        re.compile(
            r"\b(compare|scan|score|check|match)\b[^.]{0,40}\b(every|each|all( the)?) ?(image|item|video|"
            r"listing|document|post|photo|product)s?\b[^.]{0,30}\b(database|catalog\w*|corpus|collection|"
            r"library|index|inventory)",
            re.IGNORECASE,
        ),
        None,
        "brute-force comparison against the whole catalogue",
    )
)
_EXCEPTIONS = re.compile(r"\b(after|once|canary|ramp|gradual\w*|shadow|holdout)\b", re.IGNORECASE)


def asserted_anti_pattern(sentence: str) -> str | None:
    """The label of a well-known wrong claim the sentence asserts (not rejects), if any."""
    if _REJECTION.search(sentence):
        return None
    for pattern, also, label in _ANTI_PATTERNS:
        if pattern.search(sentence) and (also is None or also.search(sentence)):
            if label.startswith("launching") and _EXCEPTIONS.search(sentence):
                continue
            if label.startswith("accuracy") and re.search(
                r"\b(precision|recall|auc|ndcg|log ?loss|calibrat\w*|map|mrr|top-?\d)\b",
                sentence,
                re.I,
            ):
                continue
            return label
    return None


class Scorer:
    """Scores phases of a case; caches the embeddings of the notes it has seen."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._index: dict[str, _NoteIndex] = {}

    def _note_index(self, case: Case, note: PhaseNote) -> _NoteIndex:
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
        index = _NoteIndex(
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
        total = sum(idf.get(w, 0.5) for w in ref)
        if total == 0:
            return 0.0
        return sum(idf.get(w, 0.5) for w in ref & unit_words) / total

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
                emb = _ramp(float(cos[u, r]), EMB_LO, EMB_HI)
                lex = _ramp(
                    self._lexical(unit_words[u], index.ref_words[r], index.idf), LEX_LO, LEX_HI
                )
                value = 0.6 * emb + 0.4 * lex if emb > 0 or lex > 0 else 0.0
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

    def score_phase(
        self,
        case: Case,
        note: PhaseNote,
        rubric: Rubric | None,
        turns: Sequence[Turn],
        bar: Bar | None = None,
    ) -> PhaseGrade:
        bar = bar or Bar()
        units, flags = candidate_units(turns, note.phase)
        n_words = sum(len(words(u.text)) for u in units)
        expected = [p.expected_at(bar.level) for p in note.key_points]
        if n_words < MIN_WORDS:
            return PhaseGrade(
                score=None,
                level=None,
                insufficient_evidence=True,
                criteria=[],
                missed=[p.statement for p, e in zip(note.key_points, expected, strict=True) if e],
                flags=flags,
                bar=bar.describe(),
            )
        elsewhere = [u for u in other_units(turns, note.phase) if not _is_question(u.text)]
        own = len(units)
        units = units + elsewhere
        index = self._note_index(case, note)
        texts = [u.text for u in units]
        matrix = self.match_matrix(case, note, texts)
        depths = np.array([_unit_depth(units, i, index.case_terms) for i in range(len(units))])
        penalty, wrong = self._judge_claims(case, note, units, own, matrix, flags)
        credit, best_unit = _credits(matrix, depths)
        mask = np.array(expected, dtype=np.float32)
        weights = np.array([p.weight for p in note.key_points], dtype=np.float32) * mask
        raw = float(min(1.0, (weights * credit).sum() / bar.denominator(note)))
        relevance = on_topic_share(units[:own], matrix[:own])
        if relevance < ON_TOPIC_FLOOR:
            _add(flags, f"mostly off-topic: {relevance:.0%} of the answer addresses this phase")
        score = max(
            0.0, min(1.0, raw / SATURATION) * min(1.0, relevance / ON_TOPIC_FLOOR) - penalty
        )
        score = min(score, wrong_cap(len(wrong)))
        capped = {p.criterion for p in note.key_points if p.id in {w.point for w in wrong}}
        quoted = quotes(credit, best_unit, units, turns, matrix)
        criteria = _criteria(note, rubric, credit, quoted, mask, capped)
        missed = [
            p.statement for i, p in enumerate(note.key_points) if expected[i] and i not in quoted
        ]
        return PhaseGrade(
            score=round(score, 3),
            level=level_for(score),
            insufficient_evidence=False,
            criteria=criteria,
            missed=missed,
            flags=flags,
            misconceptions=wrong,
            confidence=confidence(score, n_words, credit[mask > 0]),
            bar=bar.describe(),
        )

    def _judge_claims(
        self,
        case: Case,
        note: PhaseNote,
        units: list[Unit],
        own: int,
        matrix: np.ndarray,
        flags: list[str],
    ) -> tuple[float, list[MisconceptionFound]]:
        """Zero the coverage of copied text, wrong claims and dismissals; the penalty they cost."""
        index = self._note_index(case, note)
        texts = [u.text for u in units]
        penalty = 0.0
        for u, text in enumerate(texts):
            if copied_share(text, index.copied) >= COPIED:
                matrix[u, :] = 0.0
                _add(flags, f"copied from the notes, not credited: {_excerpt(text, 90)}")
                continue
            if u >= own:
                continue
            claim = asserted_anti_pattern(text)
            if claim is not None:
                matrix[u, :] = 0.0  # a wrong claim is not coverage
                penalty += WRONG_CLAIM_COST
                _add(flags, f"questionable claim ({claim}): {_excerpt(text, 90)}")
            elif DISMISSAL.search(text):
                dismissed = [k for k in range(matrix.shape[1]) if matrix[u, k] >= MATCHED]
                if dismissed:
                    matrix[u, dismissed] = 0.0
                    penalty += DISMISSAL_COST
                    _add(flags, f"dismisses a point the case needs: {_excerpt(text, 90)}")
        found: list[MisconceptionFound] = []
        vectors = self.embedder.embed(texts) if texts else None
        for hit in asserted(index.wrong, texts, vectors, GRADING_WRONG_BAR):
            item = hit.misconception
            # A wrong claim is not coverage of anything it touches, least of all its correction.
            matrix[hit.unit, :] = 0.0
            if any(f.id == item.id for f in found):
                continue
            penalty += WRONG_CLAIM_COST
            found.append(
                MisconceptionFound(
                    id=item.id,
                    quote=texts[hit.unit],
                    phase=units[hit.unit].phase,
                    claim=item.claim,
                    why_wrong=item.why_wrong,
                    correction=item.correction.statement,
                    point=item.correction.key_point,
                )
            )
        return min(penalty, MAX_PENALTY), found


def on_topic_share(units: list[Unit], matrix: np.ndarray) -> float:
    """Share of the answer's words in sentences that address some key point of the phase."""
    if matrix.shape[0] == 0:
        return 0.0
    sizes = np.array([len(words(u.text)) for u in units], dtype=np.float32)
    on_topic = matrix.max(axis=1) >= MATCHED
    return float(sizes[on_topic].sum() / max(1.0, sizes.sum()))


def _ramp(value: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (value - lo) / (hi - lo))))


def _unit_depth(units: list[Unit], i: int, terms: set[str]) -> float:
    """A sentence's depth, helped by the next sentence of the same turn (the 'why' often follows)."""
    own = depth(units[i].text, terms)
    if i + 1 < len(units) and units[i + 1].turn == units[i].turn and not list_like(units[i].text):
        own = max(own, 0.5 * own + 0.5 * depth(units[i + 1].text, terms))
    return own


def _credits(matrix: np.ndarray, depths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """credit[k] = coverage x depth; a sentence that is best for many points shares its credit."""
    n_units, n_points = matrix.shape
    if n_units == 0:
        return np.zeros(n_points), np.full(n_points, -1)
    weighted = matrix * depths[:, None]
    best_unit = weighted.argmax(axis=0)
    load = np.zeros(n_units)
    for k in range(n_points):
        if matrix[best_unit[k], k] >= MATCHED:
            load[best_unit[k]] += 1
    credit = np.zeros(n_points)
    for k in range(n_points):
        u = best_unit[k]
        share = min(1.0, 2.0 / load[u]) if load[u] > 0 else 1.0
        first = weighted[u, k] * share
        others = np.delete(weighted[:, k], u)
        second = float(others.max()) if others.size else 0.0
        credit[k] = min(1.0, first + 0.25 * second * share)
    return credit, best_unit


def _criteria(
    note: PhaseNote,
    rubric: Rubric | None,
    credit: np.ndarray,
    quoted: dict[int, Unit],
    mask: np.ndarray,
    capped: set[str],
) -> list[CriterionGrade]:
    order: list[str] = [c.id for c in rubric.criteria] if rubric else []
    for point in note.key_points:
        if point.criterion not in order:
            order.append(point.criterion)
    grades: list[CriterionGrade] = []
    for criterion_id in order:
        members = [
            (i, p)
            for i, p in enumerate(note.key_points)
            if p.criterion == criterion_id and mask[i] > 0
        ]
        if not members:
            continue
        total = sum(p.weight for _, p in members)
        raw = sum(p.weight * float(credit[i]) for i, p in members) / total
        score = min(1.0, raw / SATURATION)
        if criterion_id in capped:
            score = min(score, MISCONCEPTION_CAP)
        evidence: list[Unit] = []
        for i, _ in sorted(members, key=lambda m: -credit[m[0]]):
            unit = quoted.get(i)
            if unit is not None and all(unit.text != e.text for e in evidence):
                evidence.append(unit)
        grades.append(
            CriterionGrade(
                id=criterion_id,
                score=round(score, 3),
                evidence=[e.text for e in evidence[:3]],
                sources=[e.phase for e in evidence[:3]],
                why=_why(members, credit, set(quoted)),
            )
        )
    return grades


def quotes(
    credit: np.ndarray,
    best_unit: np.ndarray,
    units: list[Unit],
    turns: Sequence[Turn],
    matrix: np.ndarray,
) -> dict[int, Unit]:
    """Per key point, the sentence that earned its credit, re-checked verbatim in its turn."""
    quoted: dict[int, Unit] = {}
    for i in range(matrix.shape[1]):
        u = int(best_unit[i])
        if credit[i] >= MISSED_BELOW and u >= 0 and matrix[u, i] >= MATCHED:
            unit = units[u]
            if unit.text in turns[unit.turn].text:
                quoted[i] = unit
    return quoted


def _why(members: list[tuple[int, KeyPoint]], credit: np.ndarray, quoted: set[int]) -> str:
    """Explained / mentioned list only points with a quote; the rest are in the phase's Missed."""
    deep = [p.statement.rstrip(".") for i, p in members if i in quoted and credit[i] >= 0.5]
    shallow = [p.statement.rstrip(".") for i, p in members if i in quoted and credit[i] < 0.5]
    parts: list[str] = []
    if deep:
        parts.append("Explained well: " + "; ".join(deep) + ".")
    if shallow:
        parts.append("Mentioned without how or why: " + "; ".join(shallow) + ".")
    return " | ".join(parts)


def level_for(score: float) -> int:
    return 1 + sum(1 for cut in LEVEL_CUTS if score >= cut)
