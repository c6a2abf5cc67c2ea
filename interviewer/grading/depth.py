"""Depth of a sentence: a number, a reason, a trade-off, a mechanism or a case term earns it;
fluff and bare lists do not.
"""

from __future__ import annotations

import re

from interviewer.grading.guards import REASON, list_like
from interviewer.grading.units import Unit
from interviewer.text import (
    content_words,
    words,
)

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


def unit_depth(units: list[Unit], i: int, terms: set[str]) -> float:
    """A sentence's depth, helped by the next sentence of the same turn (the 'why' often follows)."""
    own = depth(units[i].text, terms)
    if i + 1 < len(units) and units[i + 1].turn == units[i].turn and not list_like(units[i].text):
        own = max(own, 0.5 * own + 0.5 * depth(units[i + 1].text, terms))
    return own
