"""How the candidate spoke, from Whisper's word timings: pace, fillers, long pauses, monologues,
share of talk time, and the passages Whisper was unsure of. Pure: no audio, no model.

Speaking time is the span from the first word to the last, less every gap of `SILENT_GAP` or more,
so a long think does not lower the pace; words per minute is words over speaking time. Filler words
follow a short list (um, uh, "you know", basically, "sort of", and "like" when Whisper sets it off
with a comma or it follows another filler); "like" as a verb or preposition is not counted.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from pydantic import Field

from interviewer.domain import Frozen, Phase, Role, Speech, SpokenSegment, SpokenWord, Turn

PAUSE_SECONDS = 2.0  # a gap between words longer than this is a pause worth reporting
SILENT_GAP = 1.0  # gaps this long are silence, not speaking time
# Whisper's own thresholds for "probably not speech" and "failed decode" (its defaults: 0.6, -1.0);
# a segment past either is a passage we cannot trust to quote.
UNCLEAR_LOGPROB = -1.0
UNCLEAR_NO_SPEECH = 0.5
# The interviewer's turns are not timed (they are synthesised later, sentence by sentence): their
# length is estimated from the word count at the speed Piper joe-medium reads (about 190 words a
# minute on the eval clips; espeak-ng is set to 165).
INTERVIEWER_WPM = 190.0

# Plain targets shown in the report.
WPM_LOW, WPM_HIGH = 120.0, 170.0
FILLERS_PER_MIN_MAX = 3.0
PAUSES_MAX = 2  # per phase

_SINGLE = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "hmm", "mm", "basically"})
_PAIRS = {("you", "know"), ("sort", "of")}
# "you know what/how/that..." asks or states; "a sort of", "what sort of" name a kind.
_NOT_AFTER_YOU_KNOW = frozenset({"what", "how", "that", "why", "when", "where", "which", "if"})
_NOT_BEFORE_YOU_KNOW = frozenset({"do", "did", "don't", "if", "as", "would", "you'd"})
_NOT_BEFORE_SORT_OF = frozenset({"a", "what", "this", "that", "the", "some", "any", "which", "one"})


class Pause(Frozen):
    after: str  # the word said just before the silence
    at: float
    seconds: float


class TurnDelivery(Frozen):
    """One spoken answer."""

    word_count: int
    fillers: list[str]
    speaking_seconds: float
    span_seconds: float  # first word to last: how long the candidate held the floor
    wpm: float | None
    fillers_per_min: float | None
    pauses: list[Pause]
    unclear: list[str]  # passages Whisper was unsure of, as it wrote them


class DeliverySummary(Frozen):
    """Several spoken answers together (a phase, or the whole interview)."""

    spoken_turns: int
    word_count: int
    fillers: int
    speaking_seconds: float
    wpm: float | None
    fillers_per_min: float | None
    pauses: int
    longest_pause: float | None
    longest_monologue: float | None  # seconds
    talk_share: float | None  # candidate speaking time / (candidate + interviewer), 0..1
    unclear: int
    top_fillers: list[str] = Field(default_factory=list[str])


class Targets(Frozen):
    wpm: tuple[float, float] = (WPM_LOW, WPM_HIGH)
    fillers_per_min_max: float = FILLERS_PER_MIN_MAX
    pauses_over_2s_max: int = PAUSES_MAX


class Delivery(Frozen):
    overall: DeliverySummary
    phases: dict[Phase, DeliverySummary]
    targets: Targets = Field(default_factory=lambda: Targets())


def _norm(word: SpokenWord) -> str:
    return re.sub(r"[^a-z']", "", word.text.lower())


def filler_spans(words: Sequence[SpokenWord]) -> list[tuple[int, int]]:
    """(first, last + 1) word indices of each filler word or phrase in `words`, in order."""
    found: list[tuple[int, int]] = []
    plain = [_norm(w) for w in words]
    i = 0
    while i < len(words):
        w, before = plain[i], plain[i - 1] if i else ""
        after = plain[i + 1] if i + 1 < len(words) else ""
        if w in _SINGLE or (w == "like" and (words[i].text.endswith(",") or before in _SINGLE)):
            found.append((i, i + 1))
        elif (w, after) in _PAIRS and _filler_pair(w, before, plain[i + 2 : i + 3]):
            found.append((i, i + 2))
            i += 1
        i += 1
    return found


def fillers(words: Sequence[SpokenWord]) -> list[str]:
    """The filler words and phrases in `words`, in order ("um", "you know", "like"...)."""
    return [" ".join(_norm(w) for w in words[a:b]) for a, b in filler_spans(words)]


def fluent_text(words: Sequence[SpokenWord]) -> str:
    """The words without fillers and without a word said twice in a row ("the the"): what the
    candidate meant, for comparing with a clean reference."""
    dropped = {i for a, b in filler_spans(words) for i in range(a, b)}
    kept: list[SpokenWord] = []
    for i, word in enumerate(words):
        if i in dropped or (kept and _norm(kept[-1]) == _norm(word) and _norm(word)):
            continue
        kept.append(word)
    return " ".join(w.text for w in kept)


def _filler_pair(first: str, before: str, rest: list[str]) -> bool:
    if first == "you":
        return before not in _NOT_BEFORE_YOU_KNOW and not (rest and rest[0] in _NOT_AFTER_YOU_KNOW)
    return before not in _NOT_BEFORE_SORT_OF


def is_unclear(segment: SpokenSegment) -> bool:
    return segment.avg_logprob < UNCLEAR_LOGPROB or segment.no_speech_prob > UNCLEAR_NO_SPEECH


def unclear_passages(speech: Speech) -> list[str]:
    return [s.text for s in speech.segments if is_unclear(s) and s.text.strip()]


def gaps(words: Sequence[SpokenWord]) -> list[Pause]:
    return [
        Pause(after=a.text, at=a.end, seconds=round(b.start - a.end, 2))
        for a, b in itertools.pairwise(words)
    ]


def _per_minute(count: int, seconds: float) -> float | None:
    return round(count * 60 / seconds, 1) if seconds > 0 else None


def _number_words(n: int) -> int:
    """Words in a number read aloud: 100 "one hundred", 150 "one hundred and fifty", 21 "twenty-one"."""
    if n < 100:
        return 1
    if n < 1000:
        return 2 + (1 + _number_words(n % 100) if n % 100 else 0)
    if n < 1_000_000:
        return _number_words(n // 1000) + 1 + (_number_words(n % 1000) if n % 1000 else 0)
    return 3


def spoken_length(word: SpokenWord) -> int:
    """How many words were said for a written one: Whisper writes "one hundred" as "100",
    "ten percent" as "10%", "p ninety-nine" as "p99"; every other word counts as one."""
    plain = re.sub(r"[^\w.%]|\.$|,", "", word.text.lower())
    found = re.fullmatch(r"([a-z]*)(\d+)(?:\.(\d+))?(%?)", plain)
    if found is None:
        return 1
    letters, whole, decimals, percent = found.groups()
    said = _number_words(int(whole)) + bool(letters) + bool(percent)
    return said + (1 + len(decimals) if decimals else 0)


def measure(speech: Speech) -> TurnDelivery:
    """Pace, fillers, pauses and unclear passages of one spoken answer."""
    words = speech.words
    between = gaps(words)
    span = words[-1].end - words[0].start if words else 0.0
    silent = sum(g.seconds for g in between if g.seconds >= SILENT_GAP)
    speaking = max(0.0, span - silent)
    found = fillers(words)
    said = sum(spoken_length(w) for w in words)
    return TurnDelivery(
        word_count=said,
        fillers=found,
        speaking_seconds=round(speaking, 2),
        span_seconds=round(span, 2),
        wpm=_per_minute(said, speaking),
        fillers_per_min=_per_minute(len(found), speaking),
        pauses=[g for g in between if g.seconds > PAUSE_SECONDS],
        unclear=unclear_passages(speech),
    )


def summarize(turns: Sequence[TurnDelivery], interviewer_words: int = 0) -> DeliverySummary:
    """Totals over spoken answers; `interviewer_words`: what the interviewer said around them."""
    speaking = sum(t.speaking_seconds for t in turns)
    said = [f for t in turns for f in t.fillers]
    pauses = [p.seconds for t in turns for p in t.pauses]
    theirs = interviewer_words * 60 / INTERVIEWER_WPM
    spans = [t.span_seconds for t in turns]
    return DeliverySummary(
        spoken_turns=len(turns),
        word_count=sum(t.word_count for t in turns),
        fillers=len(said),
        speaking_seconds=round(speaking, 1),
        wpm=_per_minute(sum(t.word_count for t in turns), speaking),
        fillers_per_min=_per_minute(len(said), speaking),
        pauses=len(pauses),
        longest_pause=max(pauses) if pauses else None,
        longest_monologue=max(spans) if spans else None,
        talk_share=round(speaking / (speaking + theirs), 2) if speaking + theirs > 0 else None,
        unclear=sum(len(t.unclear) for t in turns),
        top_fillers=sorted(set(said), key=lambda f: (-said.count(f), f))[:3],
    )


def delivery_of(turns: Sequence[Turn]) -> Delivery | None:
    """Per phase and overall, over the candidate's timed answers; None when none was spoken.
    The interviewer's talk counted is the turn just before each spoken answer (its question)."""
    measured: dict[Phase, list[TurnDelivery]] = {}
    asked: dict[Phase, int] = {}
    for i, turn in enumerate(turns):
        if turn.role is not Role.CANDIDATE or turn.speech is None or not turn.speech.words:
            continue
        measured.setdefault(turn.phase, []).append(measure(turn.speech))
        question = turns[i - 1] if i and turns[i - 1].role is Role.INTERVIEWER else None
        asked[turn.phase] = asked.get(turn.phase, 0) + (
            len(question.text.split()) if question else 0
        )
    if not measured:
        return None
    phases = {p: summarize(m, asked.get(p, 0)) for p, m in measured.items()}
    everything = [m for ms in measured.values() for m in ms]
    return Delivery(overall=summarize(everything, sum(asked.values())), phases=phases)


def advice(summary: DeliverySummary) -> list[str]:
    """Plain sentences against the targets (120–170 wpm, fillers under 3 a minute, few long
    pauses); empty when every figure is on target."""
    out: list[str] = []
    if summary.wpm is not None and summary.wpm < WPM_LOW:
        out.append(
            f"You spoke at {summary.wpm:.0f} words a minute: aim for {WPM_LOW:.0f}–"
            f"{WPM_HIGH:.0f}; plan the next point while you finish the current one."
        )
    if summary.wpm is not None and summary.wpm > WPM_HIGH:
        out.append(
            f"You spoke at {summary.wpm:.0f} words a minute: aim for {WPM_LOW:.0f}–"
            f"{WPM_HIGH:.0f}; slow down on numbers and trade-offs so they land."
        )
    if summary.fillers_per_min is not None and summary.fillers_per_min >= FILLERS_PER_MIN_MAX:
        words = ", ".join(f'"{f}"' for f in summary.top_fillers)
        out.append(
            f"{summary.fillers_per_min:.1f} filler words a minute (mostly {words}): aim "
            f"for under {FILLERS_PER_MIN_MAX:.0f}; a short silence reads better."
        )
    if summary.pauses > PAUSES_MAX:
        out.append(
            f"{summary.pauses} pauses over {PAUSE_SECONDS:.0f} s: say what you are "
            "weighing while you think, so the interviewer can follow."
        )
    return out


def unclear_spans(turn: Turn) -> list[tuple[int, int]]:
    """Where in `turn.text` the passages Whisper was unsure of stand (an edited-away passage is
    not found, and then nothing is held back)."""
    if turn.speech is None:
        return []
    spans: list[tuple[int, int]] = []
    lowered = turn.text.lower()
    for passage in unclear_passages(turn.speech):
        start = lowered.find(passage.lower())
        if start >= 0:
            spans.append((start, start + len(passage)))
    return spans


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _row(name: str, s: DeliverySummary) -> str:
    pace = "–" if s.wpm is None else f"{s.wpm:.0f} {_mark(WPM_LOW <= s.wpm <= WPM_HIGH)}"
    fill = (
        "–"
        if s.fillers_per_min is None
        else f"{s.fillers_per_min:.1f} {_mark(s.fillers_per_min < FILLERS_PER_MIN_MAX)}"
    )
    longest = "–" if s.longest_monologue is None else f"{s.longest_monologue:.0f} s"
    share = "–" if s.talk_share is None else f"{s.talk_share:.0%}"
    return (
        f"| {name} | {s.spoken_turns} | {pace} | {fill} | {s.pauses} {_mark(s.pauses <= PAUSES_MAX)}"
        f" | {longest} | {share} | {s.unclear} |"
    )


def markdown_lines(delivery: Delivery, titles: dict[Phase, str]) -> list[str]:
    """The report's Delivery section: a table against the targets, advice, the unclear count."""
    overall = delivery.overall
    lines = [
        "",
        "## Delivery",
        "",
        f"_From Whisper's word timings of your {overall.spoken_turns} spoken answer(s). Targets: "
        f"{WPM_LOW:.0f}–{WPM_HIGH:.0f} words a minute, fewer than {FILLERS_PER_MIN_MAX:.0f} filler "
        f"words a minute, at most {PAUSES_MAX} pauses over {PAUSE_SECONDS:.0f} s per phase._",
        "",
        "| | spoken answers | words/min | fillers/min | pauses > 2 s | longest answer | "
        "your share of talk | unclear |",
        "|---|---|---|---|---|---|---|---|",
        _row("**Overall**", overall),
        *[_row(titles[p], s) for p, s in delivery.phases.items()],
        "",
    ]
    lines += [f"- {line}" for line in advice(overall)] or ["- Pace, fillers and pauses on target."]
    lines.append(
        f"- {overall.unclear} passage(s) were unclear to the speech recogniser: marked in the "
        "transcript and not quoted as evidence."
        if overall.unclear
        else "- Every passage was clear to the speech recogniser."
    )
    return lines
