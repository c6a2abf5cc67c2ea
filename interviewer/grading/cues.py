"""Stance cues: the words that, together in one sentence, assert a misconception.

Sentence embeddings hear the topic of a sentence far better than its stance ("random split" and
"split by time, not at random" sit close together), so a note's misconception can carry cues an
expert would listen for: two to five slots, each a word or a few alternatives joined by "|"
("random|shuffle split|pairs"); a word ending in "*" stands for every word it begins
("recalibrat*" hears "recalibrate", "recalibration"). A sentence matches a cue when every slot has a word in it, in any
order, after the same light stemming the matcher uses. A slot word preceded closely by a negation
("not", "never", "instead of", "n't") does not count, unless the cue itself holds a negation slot
("no need recalibrate"), so "split by time, not at random" never matches "random split".
Written by hand rather than with a parser library: the rules are five lines and must stay
predictable for note authors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.knowledge import PhaseNote
from interviewer.text import sentences, stem, words

NEGATIONS = frozenset(
    {"not", "no", "never", "without", "avoid", "instead", "rather", "nor", "neither", "stop"}
)
# How many words before a cue word a negation still reaches ("not at random" -> reaches).
NEGATION_REACH = 3
# The most words a cue's matches may span.
WINDOW = 12
_CONTRACTION = re.compile(r"n['’]t\b", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """One slot: its words (stemmed) and its prefixes (written with a trailing "*")."""

    exact: frozenset[str]
    prefixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Slot:
        alternatives = text.split("|")
        return cls(
            frozenset(_norm(w) for w in alternatives if not w.endswith("*")),
            tuple(w[:-1].lower() for w in alternatives if w.endswith("*") and len(w) > 1),
        )

    def has(self, word: Token) -> bool:
        return word in self.exact or word.raw.startswith(self.prefixes)


class Token(str):
    """A word of a sentence, stemmed, that keeps the word as written (lowercase) for prefixes:
    the stemmer cuts "recalibration" to "recalibr", which "recalibrat*" must still hear."""

    raw: str

    def __new__(cls, raw: str) -> Token:
        token = super().__new__(cls, _norm(raw))
        token.raw = raw.lower()
        return token


@dataclass(frozen=True)
class Cue:
    slots: tuple[Slot, ...]
    negated: bool  # the cue itself says "no"/"not"/...: negations are then wanted, not a veto

    @classmethod
    def parse(cls, text: str) -> Cue:
        slots = tuple(Slot.parse(slot) for slot in text.split())
        return cls(slots, any(slot.exact & NEGATIONS for slot in slots))


def _norm(word: str) -> str:
    return stem(word.strip("%").lower())


def tokens(sentence: str) -> list[Token]:
    """The sentence's words, stemmed; "don't" reads as "do not", a hyphenated word also as parts."""
    out: list[Token] = []
    for word in words(_CONTRACTION.sub(" not", sentence.replace("cannot", "can not"))):
        out.append(Token(word))
        if "-" in word or "/" in word:
            out.extend(Token(part) for part in re.split(r"[-/]", word) if part)
    return out


def matches(cue: Cue, said: Sequence[Token]) -> bool:
    """Every slot is filled by a word of the sentence that no nearby negation turns around, and
    all within WINDOW words: in a long sentence, words spread far apart are not one claim."""
    places = [_places(cue, slot, said) for slot in cue.slots]
    if not all(places):
        return False
    starts = sorted({i for found in places for i in found})
    return any(all(any(s <= i <= s + WINDOW for i in found) for found in places) for s in starts)


def _places(cue: Cue, slot: Slot, said: Sequence[Token]) -> list[int]:
    found = [i for i, word in enumerate(said) if slot.has(word)]
    if slot.exact & NEGATIONS:
        # The cue's own "no"/"not" must bear on one of its other words ("calibration does not
        # matter"), not stand anywhere in the sentence ("it matters, and not only for ranking").
        others = [s for s in cue.slots if s is not slot]
        return [
            i
            for i in found
            if any(o.has(w) for o in others for w in said[i + 1 : i + 2 + NEGATION_REACH])
        ]
    if cue.negated:
        return found
    return [i for i in found if not _negated(said, i)]


def _negated(said: Sequence[str], at: int) -> bool:
    return any(word in NEGATIONS for word in said[max(0, at - NEGATION_REACH) : at])


def any_match(cues: Sequence[Cue], sentence: str) -> bool:
    said = tokens(sentence)
    return any(matches(cue, said) for cue in cues)


def false_alarms(notes: Sequence[PhaseNote]) -> list[str]:
    """Cues that fire on a case's own right answers (key points, corrections, model answers,
    decision rules): each is a cue that would challenge a correct statement."""
    right = [(text, tokens(text)) for note in notes for text in _right_texts(note)]
    found: list[str] = []
    for note in notes:
        for item in note.misconceptions:
            for raw in item.cues:
                cue = Cue.parse(raw)
                hit = next((t for t, said in right if matches(cue, said)), None)
                if hit is not None:
                    found.append(
                        f"{note.case}/{note.phase} {item.id}: cue {raw!r} fires on {hit!r}"
                    )
    return found


def _right_texts(note: PhaseNote) -> list[str]:
    texts = [s for p in note.key_points for s in (p.statement, *p.phrasings)]
    texts += [m.correction.statement for m in note.misconceptions]
    texts += [rule.sentence() for rule in note.rules]
    return texts + sentences(note.model_answer)
