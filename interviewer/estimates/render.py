"""How checked estimates read: Markdown for the report (candidate words escaped) and plain text for
the terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from interviewer.domain import PHASE_TITLES, Phase
from interviewer.estimates.verdict import EstimateCheck
from interviewer.text import markdown_literal

VERDICT_NAMES = {
    "ok": "within a factor of 2",
    "off": "off by 2–10x",
    "off_10x": "off by 10x or more",
    "unit": "wrong unit",
    "fact": "contradicts the fact sheet",
}


def markdown_line(check: EstimateCheck) -> str:
    """One estimate: ✓/✗, the candidate's words (escaped, so they cannot change the rendering),
    the verdict, the corrected figure and why."""
    quote = f"“{markdown_literal(check.claim)}”"
    figure = markdown_literal(check.correct)
    reason = markdown_literal(check.reason)
    if check.ok:
        return f"- ✓ {quote}: {VERDICT_NAMES[check.verdict]} ({reason})"
    return f"- ✗ {quote} → **{figure}**: {VERDICT_NAMES[check.verdict]} ({reason})"


def markdown_section(by_phase: Mapping[Phase, Sequence[EstimateCheck]]) -> list[str]:
    """The report's "Back-of-envelope" section, per phase; nothing when no estimate was said."""
    if not any(by_phase.values()):
        return []
    checks = [c for found in by_phase.values() for c in found]
    right = sum(c.ok for c in checks)
    lines = [
        "",
        "## Back-of-envelope",
        "",
        f"_{right} of {len(checks)} estimates hold up. Estimates never change a score._",
    ]
    for phase, found in by_phase.items():
        if found:
            lines += ["", f"**{PHASE_TITLES[phase]}**", "", *[markdown_line(c) for c in found]]
    return [*lines, ""]


def text_lines(checks: Sequence[EstimateCheck]) -> list[str]:
    """The terminal's view: one line per estimate."""
    if not checks:
        return [
            "No estimates found (a number with an operator and a result, or a figure the fact sheet covers)."
        ]
    lines: list[str] = []
    for check in checks:
        where = f"[{check.phase}] " if check.phase else ""
        fix = "" if check.ok else f" -> {check.correct}"
        lines.append(f'{check.mark} {where}"{check.claim}"{fix}  ({check.verdict}: {check.reason})')
    right = sum(c.ok for c in checks)
    return [*lines, f"{right} of {len(checks)} estimates hold up."]
