"""Guards on candidate text before it is matched: injected instructions, other languages, stuffing.

Candidate text is data. These patterns find what must not be graded (instructions aimed at the
grader, text in another language) and what must not count as depth (bare lists of names).
"""

from __future__ import annotations

import re

from interviewer.text import STOPWORDS, words

# ---- injection and non-English filtering ----

BLOCKS = [
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
INSTRUCTION = re.compile(
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
    "si en se de es sigo hay cuanto cuánto cuántos cuántas cuál qué cómo dónde tiempo puedo seguir "
    "español momento combien quelle quel quels quelles sont je peux répondre français pas ou "
    "wie viele welche gibt werden wird sind darf kurz deutsch fragen pro "
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


def is_foreign(sentence: str) -> bool:
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


REASON = re.compile(
    r"\b(because|since|so that|so we|so it|which means|that means|otherwise|to avoid|to prevent|"
    r"in order to|that way|the reason|due to|this lets|which lets|lets us|given that|as a result|"
    r"therefore|hence|that's why|which is why|this is why|to make sure|to ensure|to keep|"
    r"to handle|to reduce|to catch|so the|so they|if we|when we|unless|only if|would leak|"
    r"which would|to correct|to debias|to compensate)\b",
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
    return len(tokens) <= 3 and not REASON.search(sentence)
