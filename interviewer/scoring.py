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
from interviewer.text import STOPWORDS, content_words, sentence_spans, sentences, words

MIN_WORDS = 12  # below this a phase has "insufficient evidence"
LEVEL_CUTS = (0.25, 0.5, 0.75)  # score thresholds for levels 2, 3, 4
SATURATION = 0.6  # raw weighted credit at which a phase counts as fully covered
ON_TOPIC_FLOOR = 0.4  # below this share of on-topic words, the score shrinks in proportion

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

_GRADE_OBJECT = (
    r"(\b[1-5]\s*/\s*[45]\b|\b10\s*/\s*10\b|\bfull marks\b|\btop (score|grade|marks|level)\b"
    r"|\bmax(imum)? (score|grade|marks|points|level)\b|\bhighest (score|grade|mark|marks|rating|level)\b"
    r"|\bperfect (score|grade|marks)\b|\blevel [1-5]\b|\b(a|an) [1-5](?![\d.,%/])\b|\b100 ?%)"
)
_INSTRUCTION = re.compile(
    # overriding the instructions
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!\n]{0,30}\b(instructions|rubric|rules|criteria|"
    r"guidelines|prompt|system message)\b"
    r"|\b(system|developer) (prompt|message|instructions?)\b|\bnew instructions\b|\byou are now\b"
    r"|\bfrom now on,? you\b|\byou('re| are) no longer\b|\blet'?s play a game\b"
    r"|\bpretend (you|to be|that you)\b|\b(act|behave) as (if|though|an? (lenient|generous|different|new|"
    r"grader|evaluator|judge|assistant|ai|examiner))\b|\brole-?play\b"
    # asking for what the interviewer must not reveal
    r"|\b(show|reveal|give|print|paste|share|tell|list|output|repeat|display)\b[^.?!\n]{0,25}\b(model answer|"
    r"key points?|checklist|answer key|rubric|system prompt|your instructions|hidden notes|expected answer|ideal answer)\b"
    # talking to the grader
    r"|\b(rubric|grader|examiner)\b"
    r"|\b(grading|evaluator|scoring model)\b[^.?!\n]{0,40}\b(you|your|me|my answer|this answer|candidate)\b"
    r"|\b(you|your|me|my answer|this answer|candidate)\b[^.?!\n]{0,40}\b(grading|evaluator)\b"
    # asking for a grade
    r"|\b(give|award|assign|grant|mark|rate|score)\b[^.?!\n]{0,40}"
    + _GRADE_OBJECT
    + r"|\b(is|deserves?|worth|gets?|earns?|merits?)\b[^.?!\n]{0,20}"
    + _GRADE_OBJECT
    + r"|\bpass me\b|\blet me pass\b|\balready (agreed|said|confirmed|decided)\b|\bas (we|you) agreed\b"
    # emotional appeals
    r"|\blose my (visa|job|house|scholarship)\b|\b(please|i beg you)[^.?!\n]{0,30}\b(pass|score|grade|mark)"
    r"|\bmy (family|career|future) (depends|is counting)\b|\bi (really )?need (this|to pass|a good (score|grade))",
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
_FOREIGN_MORE = frozenset(
    "della nel nella sono questo questa quindi perché anche molto viene usare userei dati modello ogni "
    "ve bir bu için ile olarak çok daha veri modeli kullanırım kullanıcı şekilde gibi ama değil".split()
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
    foreign = sum(1 for t in tokens if t in _FOREIGN or t in _FOREIGN_MORE)
    english = sum(1 for t in tokens if t in _ENGLISH or t in STOPWORDS)
    if foreign >= 2 and foreign > english:
        return True
    # Running prose (not a list of names) with almost no English function words is another language.
    return len(tokens) >= 8 and english / len(tokens) < 0.08 and not list_like(sentence)


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
                    _mask(masked, found.start(), found.end())
                    _add(flags, f"{flag}: {_excerpt(found.group(0))}")
        # Instructions are judged on whole sentences (and bracketed asides) before the finer split,
        # so no fragment of an injected sentence survives to be scored.
        for found in re.finditer(r"\([^()]{0,600}\)|\[[^\[\]]{0,600}\]", text):
            if _INSTRUCTION.search(found.group(0)):
                _mask(masked, found.start(), found.end())
                _add(flags, f"instruction-like text ignored: {_excerpt(found.group(0))}")
        for start, end in _coarse_spans("".join(masked)):
            sentence = text[start:end]
            if _INSTRUCTION.search(sentence):
                _mask(masked, start, end)
                _add(flags, f"instruction-like text ignored: {_excerpt(sentence)}")
        clean = "".join(masked)
        for start, end in sentence_spans(clean):
            sentence = text[start:end]
            if _is_foreign(sentence):
                _add(flags, f"text not in English was not graded: {_excerpt(sentence)}")
                continue
            units.append(Unit(turn=index, start=start, end=end, text=sentence))
    return units, flags


def _mask(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = "\n" * (end - start)


_COARSE = re.compile(r"(?<=[.!?])\s+|\n+")


def _coarse_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for found in _COARSE.finditer(text):
        if text[start : found.start()].strip():
            spans.append((start, found.start()))
        start = found.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


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


_RELATIONAL = frozenset(
    "on by as for to of with in at per from into over under via when if because so than within "
    "after before using is are be would should will can".split()
)


def list_like(sentence: str) -> bool:
    """A run of bare names (stuffing), not a dense sentence whose items carry relations.

    "two-tower, HNSW, NDCG, calibration, drift" is a list; "revenue per mille as primary,
    guardrails on conversions and latency" is not: its items say how the names relate.
    """
    tokens = words(sentence)
    if not tokens or sentence.count("#") >= 2:
        return True
    items = [
        i.strip() for i in re.split(r"[,;|•→]|\band\b|\bor\b|\s/\s|\s-\s", sentence) if i.strip()
    ]
    if len(items) >= 4:
        bare = sum(
            1 for item in items if len(words(item)) <= 4 and not set(words(item)) & _RELATIONAL
        )
        if bare / len(items) >= 0.7:
            return True
    slashes = sentence.count("/")
    if slashes >= 4 and slashes / len(tokens) > 0.3:
        return True
    return len(tokens) <= 3 and not _REASON.search(sentence)


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
    idf: dict[str, float]
    case_terms: set[str]


# ---- claims that are wrong in any of these cases, asserted rather than rejected ----

_REJECTION = re.compile(
    r"\b(not|never|avoid\w*|instead of|rather than|wrong|mistake|misleading|meaningless|useless|"
    r"pitfall|leak\w*|inflat\w*|don't|do not|wouldn't|won't|shouldn't|can't|cannot|bad idea|trap|"
    r"overestimat\w*|optimistic|broken|flawed|naive|biased)\b",
    re.IGNORECASE,
)
_DISMISSAL = re.compile(
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
        index = _NoteIndex(
            ref_vectors=self.embedder.embed(refs),
            ref_owner=owner,
            ref_words=ref_words,
            idf=idf,
            case_terms=terms,
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
        return out

    def coverage(self, case: Case, note: PhaseNote, answers: Sequence[str]) -> dict[str, float]:
        """Per key point, how well these answers cover it (no depth): used to pick follow-ups."""
        texts = [s for text in answers for s in sentences(text)]
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
        penalty = 0.0
        for u, text in enumerate(texts):
            wrong = asserted_anti_pattern(text)
            if wrong is not None:
                matrix[u, :] = 0.0  # a wrong claim is not coverage
                penalty += 0.1
                _add(flags, f"questionable claim ({wrong}): {_excerpt(text, 90)}")
            elif _DISMISSAL.search(text):
                dismissed = [k for k in range(matrix.shape[1]) if matrix[u, k] >= 0.35]
                if dismissed:
                    matrix[u, dismissed] = 0.0
                    penalty += 0.08
                    _add(flags, f"dismisses a point the case needs: {_excerpt(text, 90)}")
        penalty = min(penalty, 0.35)
        credit, best_unit = _credits(matrix, depths)
        weights = np.array([p.weight for p in note.key_points], dtype=np.float32)
        raw = float((weights * credit).sum() / weights.sum())
        relevance = on_topic_share(units, matrix)
        if relevance < ON_TOPIC_FLOOR:
            _add(flags, f"mostly off-topic: {relevance:.0%} of the answer addresses this phase")
        score = max(
            0.0, min(1.0, raw / SATURATION) * min(1.0, relevance / ON_TOPIC_FLOOR) - penalty
        )
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


def on_topic_share(units: list[Unit], matrix: np.ndarray) -> float:
    """Share of the answer's words in sentences that address some key point of the phase."""
    if matrix.shape[0] == 0:
        return 0.0
    sizes = np.array([len(words(u.text)) for u in units], dtype=np.float32)
    on_topic = matrix.max(axis=1) >= 0.35
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
