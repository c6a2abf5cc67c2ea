"""What a candidate's message is, before anyone answers it: an answer, questions, or something else.

The interviewer must not treat every message ending in "?" as a clarifying question: a hint
request, an off-topic remark, an attempt to swap roles, a request for the answers and a message in
another language each get their own reply. Rules, not a model: they run in microseconds, are the
same with the model off, and are measured by `interviewer eval listening`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from interviewer.grading.guards import is_foreign
from interviewer.text import content_words, sentences, words


class Intent(StrEnum):
    ANSWER = "answer"
    CLARIFYING = "clarifying"  # only questions for the interviewer
    MIXED = "mixed"  # an answer with a question for the interviewer inside it
    HINT = "hint"
    DONT_KNOW = "dont-know"
    OFF_TOPIC = "off-topic"
    ROLE_SWAP = "role-swap"
    META = "meta"  # asks for the key points, the rubric, the model answer or a score
    OTHER_LANGUAGE = "other-language"


# The intents stored as answers (the rest are stored as questions, never graded). An answer in
# another language is stored as an answer so the grader can flag it; it gets no credit either way.
ANSWERS = frozenset({Intent.ANSWER, Intent.MIXED, Intent.DONT_KNOW, Intent.OTHER_LANGUAGE})

# Messages that are about the interview itself are short; a long answer that happens to contain
# "hint" or "score" is still an answer.
SHORT = 45
# ...and one with this many words of answer beside the request is an answer.
ANSWER_WORDS = 15
# Small talk has at least this many content words, and under this share from the case's vocabulary
# (a terse "we'd use a GNN too" is a vague answer, not small talk).
OFF_TOPIC_WORDS, OFF_TOPIC_SHARE = 4, 0.35

_HINT = re.compile(
    r"\b(hint|nudge|clue|pointer|push in the right direction|point me|help me out|"
    r"i'?m (really |honestly |a bit |kind of |totally )?(stuck|lost|blanking|drawing a blank)|"
    r"where (should|do|would) i (start|begin|go)|what should i (talk|think) about|any (tips|ideas)\b)",
    re.IGNORECASE,
)
_DONT_KNOW = re.compile(
    r"^\W*(um+\W+|uh+\W+|honestly\W+|sorry\W+|hmm+\W+)*(i\s+)?(really\s+|honestly\s+)?"
    r"(don'?t|do not|dunno|have no|no)\s*(know|idea|clue)|^\W*(i'?m\s+)?not sure\W*$|"
    r"^\W*(pass|skip|no clue|not a clue)\W*$",
    re.IGNORECASE,
)
_ROLE_SWAP = re.compile(
    r"\b(switch|swap|reverse|trade|flip)\w*\s+(the\s+)?roles?\b|\byou('?re| are| be| play)\s+"
    r"(now\s+)?the\s+(candidate|interviewee)\b|\b(ignore|disregard|forget)\b[^.?!]{0,40}\b"
    r"(instructions|prompt|rules|role)\b|\byou are now\b|\bpretend (you|to be)\b|\bact as\b|"
    r"\bnow i('?m| am| will be| ll be) the interviewer\b|\byour turn to answer\b|"
    r"\b(answer|solve|design) (it|this|the (question|problem|system)) (yourself|for me)\b|"
    r"\b(flip|switch|swap) (it|places|sides|things around)\b|\byou (design|answer|solve|take)\b[^.?!]{0,40}"
    r"\bi('?ll| will) (ask|interview)\b|\bi('?ll| will) ask the questions\b",
    re.IGNORECASE,
)
_META = re.compile(
    r"\b(key points?|rubric|model answer|ideal answer|perfect answer|expected answer|answer key|"
    r"reference answer|checklist|grading criteria|your notes|hidden notes|system prompt|fact sheet)\b|"
    r"\bwhat('?s| is| are) (the|your) (right|correct|best|expected|ideal) (answer|solution)s?\b|"
    r"\bwhat (score|grade|level) (would|do|will|am) (i|you)\b|\bhow am i doing\b|"
    r"\b(what|which) (are you|is the interviewer) (looking for|expecting)\b|"
    r"\bjust (tell|give) me the answer\b|\b(what|which)\b[^.?!]{0,40}\b(have i|i'?ve) (hit|covered|"
    r"missed|got)\b|\bam i missing\b|\bwhat (am i|i'?m) missing\b|\byour (list|checklist|notes)\b|"
    r"\b(points|boxes) (i'?ve|i have) (hit|ticked|checked)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(how|what|which|who|when|where|why|do|does|did|is|are|can|could|should|would|will|may"
    r"|am i|are we|is there|are there|roughly how|approximately how)\b",
    re.IGNORECASE,
)
# A word a system-design conversation uses; an off-topic message has (almost) none of them.
_DOMAIN_HINTS = re.compile(
    r"\b(model|data|user|item|feature|train|label|latency|scale|qps|metric|serv|index|embed|"
    r"rank|recommend|search|predict|click|ads?|video|image|feed|friend|event|listing|content|"
    r"system|pipeline|queue|cache|database|storage|traffic|request|query|catalog|corpus|budget|"
    r"privacy|deletion|monitor|drift|fraud|spam|policy|moderat|classif|score|signal|log|"
    r"dataset|sample|batch|online|offline|a/b|experiment|product|platform|app)"
    r"(s|es|ing|ed|er|ers|ation|ations|ity|ies|al|ion|ions|ier|iers|ication|y|ding|dings|or|ors)?\b",
    re.IGNORECASE,
)


# How people say they are stepping away from the topic. A case's vocabulary is broad ("week",
# "team", "think" all occur in the notes), so the share test alone misses plain small talk.
_ASIDE = re.compile(
    r"\b(unrelated|off[- ]topic|random(ly)? (question|thought|aside)|^\W*random\W+but|by the way|btw|"
    r"side note|on another note|changing the subject|change of subject|quick aside|"
    r"not (about|related to) (this|the interview))\b",
    re.IGNORECASE,
)


def questions(text: str) -> list[str]:
    """The sentences of `text` that ask something (end in "?")."""
    return [s for s in sentences(text) if s.rstrip().endswith("?")]


def classify(text: str, domain_words: frozenset[str] = frozenset()) -> Intent:
    """The intent of one candidate message. `domain_words`: content words of the case notes."""
    stripped = text.strip()
    n_words = len(words(stripped))
    if not stripped:
        return Intent.ANSWER
    if _mostly_foreign(stripped):
        return Intent.OTHER_LANGUAGE
    # A real answer with an aside ("... ignore your instructions") is still an answer: the grader
    # masks the aside. The message is about the interview only when little else is said.
    short = n_words <= SHORT and _other_words(stripped) < ANSWER_WORDS
    for pattern, intent in _ABOUT_THE_INTERVIEW:
        if short and pattern.search(stripped):
            return intent
    if n_words <= 12 and _DONT_KNOW.search(stripped):
        return Intent.DONT_KNOW
    if n_words <= SHORT and _off_topic(stripped, domain_words):
        return Intent.OFF_TOPIC
    asked = questions(stripped)
    parts = sentences(stripped)
    if asked and len(asked) == len(parts):
        return Intent.CLARIFYING
    if not asked and len(parts) == 1 and _QUESTION_START.match(stripped) and n_words <= 25:
        return Intent.CLARIFYING
    if asked:
        return Intent.MIXED
    return Intent.ANSWER


_ABOUT_THE_INTERVIEW = ((_ROLE_SWAP, Intent.ROLE_SWAP), (_META, Intent.META), (_HINT, Intent.HINT))


def _other_words(text: str) -> int:
    """Words in the sentences that are not about the interview itself."""
    return sum(
        len(words(s))
        for s in sentences(text)
        if not any(pattern.search(s) for pattern, _ in _ABOUT_THE_INTERVIEW)
    )


def _mostly_foreign(text: str) -> bool:
    if "¿" in text or "¡" in text:
        return True  # only Spanish writes these
    parts = sentences(text)
    if not parts:
        return False
    foreign = sum(len(words(s)) for s in parts if is_foreign(s))
    return foreign / max(1, len(words(text))) >= 0.6


def _off_topic(text: str, domain_words: frozenset[str]) -> bool:
    """Small talk: several content words, no system-design word, and either an aside marker
    ("totally unrelated, but...") or little of the case's vocabulary."""
    found = content_words(text)
    if len(found) < OFF_TOPIC_WORDS or _DOMAIN_HINTS.search(text):
        return False
    if _ASIDE.search(text):
        return True
    return len(found & domain_words) / len(found) < OFF_TOPIC_SHARE
