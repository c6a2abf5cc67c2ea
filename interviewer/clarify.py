"""Answers every clarifying question in a message from the case's fact sheet.

Candidates often ask several things at once ("How big is the catalog, where do queries come from,
and what's the latency budget?"), so a message is cut into questions and each question into
clauses, and each clause gets its own fact. A clause that matches no fact is reported as unpinned,
so the reply can say "that isn't pinned down, assume..." for exactly that part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from interviewer.knowledge import CaseFacts, Fact
from interviewer.text import content_words, overlap, sentences, words

# A fact needs at least one cue word (or strong word overlap) to count as asked for.
MATCH = 0.5
MAX_FACTS = 5

_CLAUSE = re.compile(
    r",\s*(?:and\s+|or\s+)?|;\s*|:\s+|\s+[+⇒&]\s+|\s+(?:—|--)\s+|\s+and\s+(?=(?:how|what|which|who|"
    r"when|where|why|do|does|is|are|can|roughly|approximately|whether)\b)|\s+(?:also|plus)\s+|"
    r"\s+(?:y|et|und|e)\s+(?=\S+\s)",  # "and" in Spanish, French, German, Italian
    re.IGNORECASE,
)
_ASKING = re.compile(
    r"^(how|what|which|who|when|where|why|do|does|did|is|are|can|could|should|would|will|may|"
    r"roughly|approximately|any)\b",
    re.IGNORECASE,
)
# British spellings of the words fact sheets use ("labelled data" asks about labeled data).
_SPELLINGS = {"labelled": "labeled", "labelling": "labeling", "modelling": "modeling"}
# The few words a candidate asking in Spanish, French, German or Italian uses for the usual facts.
_TRANSLATIONS = {
    "usuarios": "users",
    "utilisateurs": "users",
    "nutzer": "users",
    "benutzer": "users",
    "utenti": "users",
    "consultas": "queries",
    "requetes": "queries",
    "anfragen": "queries",
    "imagenes": "images",
    "bilder": "images",
    "immagini": "images",
    "latencia": "latency",
    "latence": "latency",
    "latenz": "latency",
    "latenza": "latency",
    "catalogo": "catalog",
    "catalogue": "catalog",
    "katalog": "catalog",
    "tamano": "size",
    "taille": "size",
    "grosse": "size",
    "dimensione": "size",
    "segundo": "second",
    "seconde": "second",
    "sekunde": "second",
    "anuncios": "ads",
    "annonces": "ads",
    "anzeigen": "ads",
    "privacidad": "privacy",
    "confidentialite": "privacy",
    "datenschutz": "privacy",
    **_SPELLINGS,
}


@dataclass(frozen=True)
class Asked:
    """One question (or clause of one) and the fact that answers it, if any."""

    text: str
    fact: Fact | None


def asked_questions(text: str, *, whole_if_none: bool = True) -> list[str]:
    """The questions in a message; the whole message when it has no "?" but asks something."""
    found = _question_runs(text)
    if found or not whole_if_none:
        return found
    return [s for s in sentences(text) if _ASKING.match(s.strip())] or [text]


def _question_runs(text: str) -> list[str]:
    """The questions in a message, each with the ";"-separated questions that lead up to it in the
    same sentence ("is there a cap per channel; how fast must uploads show; and should...?")."""
    found: list[str] = []
    run: list[str] = []
    for part in sentences(text):
        ends = part.rstrip()[-1:]
        if ends == "?":
            found.append(" ".join([*run, part]) if run else part)
            run = []
        elif ends == ";" and any(_ASKING.match(c.strip()) for c in _CLAUSE.split(part)):
            run.append(part)
        else:
            run = []
    return found


def answer_all(facts: CaseFacts, text: str, *, whole_if_none: bool = True) -> list[Asked]:
    """Each distinct fact asked for, in the order asked, plus the clauses no fact answers."""
    out: list[Asked] = []
    seen: set[str] = set()
    for question in asked_questions(text, whole_if_none=whole_if_none):
        whole = best_fact(facts, question)
        # A one-word clause is kept: "DAU + feed loads/user/day => peak QPS?" asks for DAU.
        clauses = [c for c in _CLAUSE.split(question) if words(c)]
        matched = False
        for clause in clauses if len(clauses) > 1 else [question]:
            fact = best_fact(facts, clause)
            if fact is None:
                if _ASKING.match(clause.strip()) and len(clauses) > 1:
                    out.append(Asked(text=clause.strip(), fact=None))
                continue
            matched = True
            for each in (fact, *_also_named(facts, clause, fact)):
                if each.id not in seen:
                    seen.add(each.id)
                    out.append(Asked(text=clause.strip(), fact=each))
        if not matched and whole is not None and whole.id not in seen:
            seen.add(whole.id)
            out.append(Asked(text=question, fact=whole))
        elif not matched and whole is None and not any(a.fact is None for a in out):
            out.append(Asked(text=question, fact=None))
    answered = [a for a in out if a.fact is not None][:MAX_FACTS]
    return answered + [a for a in out if a.fact is None][:1]


def best_fact(facts: CaseFacts, question: str) -> Fact | None:
    lowered = _plain(question)
    asked = _roots(lowered)
    best_score, best = 0.0, None
    for fact in facts.facts:
        score = _cue_score(fact, lowered, asked) + overlap(
            asked, _roots(fact.answer + " " + " ".join(fact.keywords))
        )
        if score > best_score:
            best_score, best = score, fact
    return best if best_score >= MATCH else None


def _also_named(facts: CaseFacts, clause: str, best: Fact) -> list[Fact]:
    """Other facts a clause names by one of their own cue phrases ("rules about minors and about
    fake accounts" names two), when that phrase is not part of what matched the best fact."""
    lowered = _plain(clause)
    # Compared as roots: "creator" is part of "creators", which already matched the best fact.
    taken = {w for cue in _named(best, lowered) for w in _roots(cue)}
    return [
        fact
        for fact in facts.facts
        if fact.id != best.id and any(not _roots(cue) & taken for cue in _named(fact, lowered))
    ]


def _named(fact: Fact, lowered: str) -> list[str]:
    return [cue for cue in fact.keywords if _has_phrase(lowered, cue.lower())]


def _cue_score(fact: Fact, lowered: str, asked: set[str]) -> float:
    """A whole cue phrase counts a point a word; a cue whose words are all there in other forms ("reviewers"
    for "human reviewers" is not, "reviewer" and "human" are) counts 0.75; the fact's own id
    words ("two-hop-size") count like a cue."""
    score = 0.0
    for cue in (*fact.keywords, fact.id.replace("-", " ")):
        if _has_phrase(lowered, cue.lower()):
            score += float(len(words(cue)))  # "new users" says more than "users"
            continue
        needed = _roots(cue)
        if needed and needed <= asked:
            score += 0.75
        elif len(needed) >= 2 and len(needed & asked) >= len(needed) - 1:
            score += 0.4  # "reviewer capacity" for "review capacity": most of the cue is there
    return score


def _roots(text: str) -> set[str]:
    """Content words with a trailing e dropped too, so "face" and "faces" ("fac") meet."""
    return {w.rstrip("e") for w in content_words(text)}


def _plain(text: str) -> str:
    """Lowercase, accents removed, common foreign words for the usual facts put in English."""
    flat = unicodedata.normalize("NFKD", text.lower())
    flat = "".join(c for c in flat if not unicodedata.combining(c))
    return re.sub(r"[a-z]+", lambda m: _TRANSLATIONS.get(m.group(0), m.group(0)), flat)


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}", text) is not None
