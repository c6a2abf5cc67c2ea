"""Evidence units: the candidate's sentences, with injected instructions, questions and text
in another language removed before anything is matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.delivery import unclear_spans
from interviewer.domain import (
    Phase,
    Role,
    Turn,
    TurnKind,
)
from interviewer.grading.guards import BLOCKS, INSTRUCTION, is_foreign
from interviewer.text import (
    sentence_spans,
)


@dataclass(frozen=True)
class Unit:
    """A sentence of a candidate turn: `turn.text[start:end]`."""

    turn: int
    start: int
    end: int
    text: str
    phase: Phase
    unclear: bool = False  # inside a passage Whisper was unsure of: never quoted as evidence


def other_units(turns: Sequence[Turn], phase: Phase) -> list[Unit]:
    """Sentences said in every other phase (and on the whiteboard): credit counts wherever given."""
    out: list[Unit] = []
    for other in Phase:
        if other is not phase:
            out += candidate_units(turns, other)[0]
    return out


def is_question(sentence: str) -> bool:
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
                    mask(masked, found.start(), found.end())
                    add_flag(flags, f"{flag}: {excerpt(found.group(0))}")
        # Instructions are judged on whole sentences (and bracketed asides) before the finer split,
        # so no fragment of an injected sentence survives to be scored.
        for found in re.finditer(r"\([^()]{0,600}\)|\[[^\[\]]{0,600}\]", text):
            if INSTRUCTION.search(found.group(0)):
                mask(masked, found.start(), found.end())
                add_flag(flags, f"instruction-like text ignored: {excerpt(found.group(0))}")
        for start, end in sentence_spans("".join(masked), coarse=True):
            sentence = text[start:end]
            if INSTRUCTION.search(sentence):
                mask(masked, start, end)
                add_flag(flags, f"instruction-like text ignored: {excerpt(sentence)}")
        clean = "".join(masked)
        unsure = unclear_spans(turn)
        for start, end in unsure:
            add_flag(flags, f"unclear speech, not quoted: {excerpt(text[start:end])}")
        for start, end in sentence_spans(clean):
            sentence = text[start:end]
            if is_question(sentence):
                continue  # a question asks; it is never evidence of an answer
            if is_foreign(sentence):
                add_flag(flags, f"text not in English was not graded: {excerpt(sentence)}")
                continue
            unclear = any(start < b and a < end for a, b in unsure)
            units.append(Unit(index, start, end, sentence, phase, unclear))
    return units, flags


def mask(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = "\n" * (end - start)


def add_flag(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
