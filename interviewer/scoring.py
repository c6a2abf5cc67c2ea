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

import numpy as np

from interviewer.domain import Frozen, Phase, Role, Turn, TurnKind
from interviewer.knowledge import Case, KeyPoint, PhaseNote, Rubric
from interviewer.ports import Embedder, Vectors
from interviewer.text import content_words, sentence_spans, words

MIN_WORDS = 12  # below this a phase has "insufficient evidence"
LEVEL_CUTS = (0.25, 0.5, 0.75)  # score thresholds for levels 2, 3, 4
SATURATION = 0.6  # raw weighted credit at which a phase counts as fully covered

# Similarity to match mapping: below `lo` is no match, above `hi` a full match.
EMB_LO, EMB_HI = 0.30, 0.62
LEX_LO, LEX_HI = 0.12, 0.50


class CriterionGrade(Frozen):
    id: str
    score: float
    evidence: list[str]
    why: str


class PhaseGrade(Frozen):
    score: float | None
    level: int | None
    insufficient_evidence: bool
    criteria: list[CriterionGrade]
    missed: list[str]
    flags: list[str]


# ---- injection and non-English filtering ----

_BLOCKS = [
    (re.compile(r"<!--.*?(-->|\Z)", re.DOTALL), "HTML comment ignored"),
    (
        re.compile(
            r"<\s*(grade|score|system|instruction|instructions|rubric|evaluation|verdict|"
            r"assistant|grader|result|admin)\b[^>]*>.*?(<\s*/\s*\1\s*>|\Z)",
            re.DOTALL | re.IGNORECASE,
        ),
        "XML-like block aimed at the grader ignored",
    ),
    (re.compile(r"```(?:json)?\s*\{.*?\}\s*```", re.DOTALL | re.IGNORECASE), "fenced JSON ignored"),
    (
        re.compile(
            r"\{[^{}]*\"(score|grade|level|rating|verdict|points|result)\"[^{}]*\}",
            re.IGNORECASE | re.DOTALL,
        ),
        "fake JSON grade ignored",
    ),
    (
        re.compile(
            r"^\s*[\[(<#*]*\s*(system|assistant|grader|evaluator|admin|developer|instruction|"
            r"note to (the )?(grader|evaluator|ai))\s*[\])>:]*\s*[:>\]-].*$",
            re.IGNORECASE | re.MULTILINE,
        ),
        "fake system/role line ignored",
    ),
    (
        re.compile(r"<\|im_start\|>.*?(<\|im_end\|>|\Z)|\[/?INST\]", re.DOTALL),
        "chat-template markers ignored",
    ),
]

_INSTRUCTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above|earlier|preceding|other)?\s*"
    r"(instructions|rubric|rules|criteria|guidelines|prompt)"
    r"|disregard (the |all |any |your )?(previous |prior |above )?(instructions|rubric|rules|criteria)"
    r"|\b(rubric|grader|grading|evaluator|examiner|scorer)\b"
    r"|\b(give|award|assign|grant|rate|mark|score)\b[^.?!\n]{0,40}"
    r"(\b\d\s*/\s*\d+|\bfull marks\b|\btop (score|grade|marks)\b|\bmax(imum)?\b|\bhighest\b"
    r"|\bperfect\b|\blevel [1-5]\b|\b(a|an) [1-5]\b|\b100 ?%)"
    r"|\b[1-5]\s*/\s*[45]\b|\b10\s*/\s*10\b|\bfull marks\b|\bpass me\b|\blet me pass\b"
    r"|\balready (agreed|said|confirmed|decided)\b|\bas (we|you) agreed\b"
    r"|\b(system|developer) (prompt|message|instructions?)\b|\byou are now\b|\bnew instructions\b"
    r"|\bpretend (you|to be)\b|\bact as\b|\brole-?play\b"
    r"|\blose my (visa|job|house|scholarship)\b|\b(please|i beg you)[^.?!\n]{0,30}\b(pass|score|grade|mark)"
    r"|\bmy (family|career|future) (depends|is counting)\b|\bi (really )?need (this|to pass|a good)",
    re.IGNORECASE,
)

_FOREIGN = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "del",
        "que",
        "por",
        "para",
        "una",
        "con",
        "pero",
        "como",
        "porque",
        "está",
        "este",
        "esta",
        "ignora",
        "instrucciones",
        "puntuación",
        "calificación",
        "máxima",
        "dale",
        "le",
        "les",
        "des",
        "et",
        "est",
        "pour",
        "une",
        "avec",
        "mais",
        "dans",
        "sur",
        "ignorez",
        "donnez",
        "note",
        "maximale",
        "précédentes",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "für",
        "eine",
        "ignoriere",
        "anweisungen",
        "bewertung",
        "höchste",
        "gib",
        "bitte",
        "sie",
        "ich",
        "wir",
        "il",
        "lo",
        "gli",
        "della",
        "delle",
        "che",
        "di",
        "istruzioni",
        "punteggio",
        "você",
        "não",
        "são",
        "com",
        "uma",
        "as",
        "instruções",
        "nota",
        "máxima",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "to",
        "of",
        "in",
        "for",
        "with",
        "that",
        "this",
        "we",
        "i",
        "it",
        "on",
        "be",
        "as",
        "by",
        "use",
        "would",
        "can",
        "will",
        "our",
        "an",
        "so",
        "at",
        "from",
        "or",
        "which",
        "model",
        "data",
        "users",
    ]
)


def _is_foreign(sentence: str) -> bool:
    letters = [c for c in sentence if c.isalpha()]
    if len(letters) >= 4 and sum(1 for c in letters if c.isascii()) / len(letters) < 0.6:
        return True
    tokens = re.findall(r"[^\W\d_]+", sentence.lower())
    foreign = sum(1 for t in tokens if t in _FOREIGN)
    english = sum(1 for t in tokens if t in _ENGLISH)
    return foreign >= 2 and foreign > english


@dataclass(frozen=True)
class Unit:
    """A sentence of a candidate turn: `turn.text[start:end]`."""

    turn: int
    start: int
    end: int
    text: str


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
        for pattern, flag in _BLOCKS:
            for found in pattern.finditer(text):
                if found.end() > found.start():
                    masked[found.start() : found.end()] = "\n" * (found.end() - found.start())
                    _add(flags, f"{flag}: {_excerpt(found.group(0))}")
        clean = "".join(masked)
        for start, end in sentence_spans(clean):
            sentence = text[start:end]
            if _INSTRUCTION.search(sentence):
                _add(flags, f"instruction-like text ignored: {_excerpt(sentence)}")
                continue
            if _is_foreign(sentence):
                _add(flags, f"text not in English was not graded: {_excerpt(sentence)}")
                continue
            units.append(Unit(turn=index, start=start, end=end, text=sentence))
    return units, flags


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
_REASON = re.compile(
    r"\b(because|since|so that|so we|so it|which means|that means|otherwise|to avoid|to prevent|"
    r"in order to|that way|the reason|due to|this lets|which lets|lets us|given that|as a result|"
    r"therefore|hence|that's why|which is why|this is why|to make sure|to ensure|to keep|"
    r"to handle|to reduce|to catch|so the|so they|if we|when we|unless|only if|would leak|"
    r"which would|to correct|to debias|to compensate)\b",
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
    r"monitor|alert|roll back|bucket|hash|normali[sz]e|threshold|re-?rank|dedupe|deduplicate)\w*",
    re.IGNORECASE,
)
_FLUFF = re.compile(
    r"\b(cutting-edge|state-of-the-art|best-in-class|world-class|seamless|synerg\w*|leverag\w*|"
    r"next-gen\w*|revolutionary|game-chang\w*|robust and scalable|holistic|industry-leading|"
    r"powerful|innovative|enterprise-grade)\b",
    re.IGNORECASE,
)


def list_like(sentence: str) -> bool:
    """A run of names: many separators per word, hashtags, or a verbless fragment."""
    tokens = words(sentence)
    if not tokens:
        return True
    separators = len(re.findall(r"[,;/|+&]|\band\b", sentence))
    if sentence.count("#") >= 2:
        return True
    if separators >= 3 and separators / len(tokens) > 0.18:
        return True
    return len(tokens) <= 4 and not _REASON.search(sentence)


def depth(sentence: str, case_terms: set[str]) -> float:
    """0.2 for a bare name up to 1.0 for a sentence with reasons, numbers and mechanisms."""
    if list_like(sentence):
        return 0.15
    signals = 0.0
    signals += 1.0 if _REASON.search(sentence) else 0.0
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
    mistake_vectors: Vectors
    idf: dict[str, float]
    case_terms: set[str]


_NEGATION = re.compile(
    r"\b(not|never|no|avoid|instead of|rather than|wrong|mistake|don't|do not|wouldn't|won't|"
    r"shouldn't|can't|cannot|bad idea|leak|misleading|pitfall|trap)\b",
    re.IGNORECASE,
)


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
        index = _NoteIndex(
            ref_vectors=self.embedder.embed(refs),
            ref_owner=owner,
            ref_words=ref_words,
            mistake_vectors=self.embedder.embed(note.mistakes),
            idf=idf,
            case_terms=terms,
        )
        self._index[key] = index
        return index

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
        return out

    def coverage(self, case: Case, note: PhaseNote, answers: Sequence[str]) -> dict[str, float]:
        """Per key point, how well these answers cover it (no depth): used to pick follow-ups."""
        texts = [text[a:b] for text in answers for a, b in sentence_spans(text)]
        matrix = self.match_matrix(case, note, texts)
        if matrix.shape[0] == 0:
            return {p.id: 0.0 for p in note.key_points}
        best = matrix.max(axis=0)
        return {p.id: float(best[i]) for i, p in enumerate(note.key_points)}

    def score_phase(
        self, case: Case, note: PhaseNote, rubric: Rubric | None, turns: Sequence[Turn]
    ) -> PhaseGrade:
        units, flags = candidate_units(turns, note.phase)
        n_words = sum(len(words(u.text)) for u in units)
        if n_words < MIN_WORDS:
            return PhaseGrade(
                score=None,
                level=None,
                insufficient_evidence=True,
                criteria=[],
                missed=[p.statement for p in note.key_points],
                flags=flags,
            )
        index = self._note_index(case, note)
        texts = [u.text for u in units]
        matrix = self.match_matrix(case, note, texts)
        depths = np.array([_unit_depth(units, i, index.case_terms) for i in range(len(units))])
        credit, best_unit = _credits(matrix, depths)
        penalty, mistake_flags = self._mistakes(note, texts, matrix, index)
        flags += mistake_flags
        weights = np.array([p.weight for p in note.key_points], dtype=np.float32)
        raw = float((weights * credit).sum() / weights.sum())
        score = max(0.0, min(1.0, raw / SATURATION) - penalty)
        criteria = _criteria(note, rubric, credit, best_unit, units, turns, matrix)
        missed = [p.statement for i, p in enumerate(note.key_points) if credit[i] < 0.25]
        return PhaseGrade(
            score=round(score, 3),
            level=level_for(score),
            insufficient_evidence=False,
            criteria=criteria,
            missed=missed,
            flags=flags,
        )

    def _mistakes(
        self, note: PhaseNote, texts: list[str], matrix: np.ndarray, index: _NoteIndex
    ) -> tuple[float, list[str]]:
        if not texts or not note.mistakes:
            return 0.0, []
        vectors = self.embedder.embed(texts)
        sims = vectors @ index.mistake_vectors.T
        penalty = 0.0
        flags: list[str] = []
        for m, mistake in enumerate(note.mistakes):
            for u, text in enumerate(texts):
                asserted = not _NEGATION.search(text)
                lex = len(content_words(text) & content_words(mistake)) / max(
                    1, len(content_words(mistake))
                )
                if asserted and float(sims[u, m]) >= 0.55 and lex >= 0.25:
                    penalty += 0.08
                    flags.append(f"looks like a common mistake: {_excerpt(mistake, 90)}")
                    break
        return min(penalty, 0.25), flags


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
        if matrix[best_unit[k], k] >= 0.35:
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
    best_unit: np.ndarray,
    units: list[Unit],
    turns: Sequence[Turn],
    matrix: np.ndarray,
) -> list[CriterionGrade]:
    order: list[str] = [c.id for c in rubric.criteria] if rubric else []
    for point in note.key_points:
        if point.criterion not in order:
            order.append(point.criterion)
    grades: list[CriterionGrade] = []
    for criterion_id in order:
        members = [(i, p) for i, p in enumerate(note.key_points) if p.criterion == criterion_id]
        if not members:
            continue
        total = sum(p.weight for _, p in members)
        raw = sum(p.weight * float(credit[i]) for i, p in members) / total
        evidence: list[str] = []
        for i, _ in sorted(members, key=lambda m: -credit[m[0]]):
            u = int(best_unit[i])
            if credit[i] >= 0.2 and u >= 0 and matrix[u, i] >= 0.35:
                quote = units[u].text
                if quote in turns[units[u].turn].text and quote not in evidence:
                    evidence.append(quote)
        grades.append(
            CriterionGrade(
                id=criterion_id,
                score=round(min(1.0, raw / SATURATION), 3),
                evidence=evidence[:3],
                why=_why(members, credit, matrix, best_unit),
            )
        )
    return grades


def _why(
    members: list[tuple[int, KeyPoint]],
    credit: np.ndarray,
    matrix: np.ndarray,
    best_unit: np.ndarray,
) -> str:
    deep, shallow, missing = [], [], []
    for i, point in members:
        covered = matrix[int(best_unit[i]), i] if best_unit[i] >= 0 else 0.0
        if credit[i] >= 0.5:
            deep.append(point.statement)
        elif covered >= 0.35:
            shallow.append(point.statement)
        else:
            missing.append(point.statement)
    parts = []
    if deep:
        parts.append("Explained well: " + "; ".join(deep))
    if shallow:
        parts.append("Mentioned without how or why: " + "; ".join(shallow))
    if missing:
        parts.append("Not covered: " + "; ".join(missing))
    return " | ".join(parts)


def level_for(score: float) -> int:
    return 1 + sum(1 for cut in LEVEL_CUTS if score >= cut)
