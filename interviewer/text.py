"""Plain-text helpers shared by the policy and the grader: words, sentences, cleaning input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "than",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "we",
        "i",
        "you",
        "they",
        "he",
        "she",
        "our",
        "your",
        "their",
        "my",
        "me",
        "us",
        "them",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "very",
        "just",
        "also",
        "more",
        "most",
        "less",
        "least",
        "some",
        "any",
        "each",
        "every",
        "all",
        "both",
        "few",
        "many",
        "much",
        "such",
        "own",
        "same",
        "other",
        "another",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "up",
        "down",
        "out",
        "over",
        "under",
        "again",
        "further",
        "once",
        "only",
        "too",
        "s",
        "t",
        "don",
        "let",
        "lets",
        "i'd",
        "we'd",
        "i'll",
        "we'll",
        "it's",
        "that's",
        "like",
        "really",
        "think",
        "thing",
        "things",
        "kind",
        "sort",
        "maybe",
        "probably",
        "basically",
        "actually",
        "well",
        "okay",
        "ok",
        "yeah",
        "so",
        "um",
        "uh",
    ]
)


def stem(word: str) -> str:
    """A tiny suffix stripper: enough to match 'embeddings'/'embedding', 'ranked'/'ranking'."""
    for suffix in (
        "ization",
        "ations",
        "ation",
        "ings",
        "ing",
        "ies",
        "ied",
        "ed",
        "es",
        "s",
        "ly",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


def overlap(query: set[str], reference: set[str]) -> float:
    """Share of `reference` words that `query` contains (0..1)."""
    if not reference:
        return 0.0
    return len(query & reference) / len(reference)


# The one sentence splitter. Fine boundaries (grading units, follow-up memory): end punctuation
# and semicolons, line breaks, bullets and numbered items. Coarse boundaries (whole sentences, for
# judging injected instructions and for cutting speech): end punctuation and line breaks only.
_FINE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？])\s*|\n+|(?:^|\s)[-*•]\s+|(?:^|\s)\d+[.)]\s+")
_COARSE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "Dr.", "Mr.", "Ms.", "Mrs.", "cf.")
_SOFT_LIMIT = 250  # a run-on longer than this is cut at a comma so speech can start sooner


def _boundaries(text: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    for match in pattern.finditer(text):
        if not text[: match.start()].rstrip("\"')]").endswith(_ABBREVIATIONS):
            yield match


def sentence_spans(text: str, *, coarse: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets of sentences in `text`, so evidence is always a verbatim slice."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _boundaries(text, _COARSE if coarse else _FINE):
        # A coarse sentence keeps its closing quote or bracket; whitespace is trimmed below.
        spans.append((start, match.end() if coarse else match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        a2, b2 = a + lead, b - trail
        if b2 - a2 >= (1 if coarse else 3):
            out.append((a2, b2))
    return out


def complete_sentences(chunks: Iterable[str]) -> Iterator[str]:
    """Yield each (coarse) sentence of streamed text as soon as it is complete, the rest at the end.

    A sentence is complete when its `.`, `!` or `?` is followed by whitespace (or at a line break);
    a run-on over 250 characters is cut at its last comma or semicolon.
    """
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        start = 0
        for match in _boundaries(buffer, _COARSE):
            sentence = buffer[start : match.end()].strip()
            start = match.end()
            if sentence:
                yield sentence
        buffer = buffer[start:]
        if len(buffer) > _SOFT_LIMIT:
            cut = max(buffer.rfind(", ", 0, _SOFT_LIMIT), buffer.rfind("; ", 0, _SOFT_LIMIT))
            if cut > 40:
                yield buffer[: cut + 1].strip()
                buffer = buffer[cut + 2 :]
    if buffer.strip():
        yield buffer.strip()


def sentences(text: str) -> list[str]:
    """The sentences of `text` as `sentence_spans` cuts them."""
    return [text[a:b] for a, b in sentence_spans(text)]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1, not \n or \t
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def clean_input(text: str) -> str:
    """Strip control characters (keeping newlines and tabs), replace lone surrogates (half an emoji
    pair, which cannot be stored as UTF-8) with U+FFFD, and normalise line endings."""
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def is_blank(text: str) -> bool:
    """Nothing visible: whitespace, zero-width and direction marks only."""
    return not _INVISIBLE.sub("", text)


def looks_binary(raw: str) -> bool:
    """Mostly control or replacement characters: pasted binary, not words."""
    if not raw:
        return False
    bad = sum(
        1
        for ch in raw
        if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\t\r")
    )
    return bad / len(raw) > 0.3


_NUMBER = re.compile(r"\d[\d,.]*")


def numbers(text: str) -> set[str]:
    """The numbers a text states ("40,000", "0.5", "99"), without trailing punctuation."""
    return {n.strip(".,") for n in _NUMBER.findall(text)}


def word_runs(text: str, n: int) -> set[tuple[str, ...]]:
    """Every run of n consecutive words: two texts sharing one repeat that passage."""
    tokens = words(text)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def tail(text: str, max_words: int) -> str:
    """The last whole sentences of `text` within `max_words` (or the last words of a long one).

    A prompt pays ~30 ms of prefill per token on 2 cores, so the model sees only the end of a long
    answer: enough to acknowledge something specific, bounded whatever the candidate pasted.
    """
    kept: list[str] = []
    count = 0
    for a, b in reversed(sentence_spans(text)):
        n = len(text[a:b].split())
        if kept and count + n > max_words:
            break
        kept.insert(0, text[a:b])
        count += n
    return " ".join(" ".join(kept).split()[-max_words:])


_MARKDOWN_ACTIVE = re.compile(r"([\\`*_~\[\]>|#])")
_LINE_MARK = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def markdown_literal(text: str) -> str:
    """Text that renders exactly as typed inside Markdown (and the HTML it becomes).

    `&` and `<` become entities, so no tag survives even a renderer that ignores backslashes;
    every other character Markdown acts on is backslash-escaped, so "~512px" is not struck through
    and "->" reads "-\\>" in a downloaded .md file and "->" wherever it is rendered.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    escaped = _MARKDOWN_ACTIVE.sub(r"\\\1", escaped)
    escaped = _LINE_MARK.sub(r"\1\\\2", escaped)
    return _LINE_NUMBER.sub(r"\1\\\2", escaped)
