"""The study sheet: every phase with its key points, rules, misconceptions, staff points and model
answer; the HTML is one file that needs no network; the CLI writes .md or .html and refuses the rest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from interviewer.adapters.html_page import sheet_html
from interviewer.domain import GRADED_PHASES, PHASE_TITLES, CaseId, Level
from interviewer.knowledge import KnowledgeBase
from interviewer.study_sheet import build_sheet

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewer.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case_id", list(CaseId))
def test_every_phase_has_its_sections_and_content(
    knowledge: KnowledgeBase, case_id: CaseId
) -> None:
    sheet = build_sheet(knowledge, case_id)
    text = sheet.to_markdown()
    case = knowledge.case(case_id)
    assert [s.title for s in sheet.sections] == [PHASE_TITLES[p] for p in GRADED_PHASES]
    assert case.facts.prompt in text
    assert " ".join(case.facts.summary.split()) in text
    for section, phase in zip(sheet.sections, GRADED_PHASES, strict=True):
        note = case.notes[phase]
        body = section.markdown
        for heading in ("Key points", "Decision rules", "Misconceptions", "Staff-level points"):
            assert f"### {heading}" in body, (phase, heading)
        assert note.model_answer.strip() in body
        assert all(r.sentence() in body for r in note.rules)
        for wrong in note.misconceptions:
            assert wrong.claim in body and wrong.why_wrong in body
            assert wrong.correction.statement in body
        staff = [k for k in note.key_points if k.level is Level.STAFF]
        assert staff and all(f"**[staff]** {k.statement}" in body for k in staff)


def test_the_level_decides_which_points_are_the_bar(knowledge: KnowledgeBase) -> None:
    note = knowledge.case(CaseId.VISUAL_SEARCH).notes[GRADED_PHASES[0]]
    senior = [k for k in note.key_points if k.level is Level.SENIOR]
    assert senior, "the requirements note has senior points"
    mid = build_sheet(knowledge, CaseId.VISUAL_SEARCH, Level.MID).sections[0].markdown
    bar = mid.split("### Decision rules")[0]
    assert all(k.statement not in bar for k in senior)
    assert "beyond your bar" in mid
    staff = build_sheet(knowledge, CaseId.VISUAL_SEARCH, Level.STAFF).sections[0].markdown
    assert all(k.statement in staff for k in senior) and "part of your bar" in staff


def test_html_is_one_self_contained_printable_page(knowledge: KnowledgeBase) -> None:
    sheet = build_sheet(knowledge, CaseId.AD_CLICK_PREDICTION)
    page = sheet_html(sheet)
    assert not re.search(r"https?://", page), "the page must open offline: no URL at all"
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert "@page" in page and "@media print" in page
    assert "break-before: page" in page and "break-inside: avoid" in page
    assert page.count('<section class="phase">') == len(GRADED_PHASES)
    assert "<table>" in page and "<h3>Misconceptions</h3>" in page


def test_markup_in_a_note_is_shown_as_text(knowledge: KnowledgeBase) -> None:
    from interviewer.adapters.html_page import markdown_to_html

    html = markdown_to_html("A <script>alert(1)</script> and <img src=https://x.test/a.png>")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_cli_prints_markdown_without_output_file() -> None:
    result = _cli("study-sheet", "--case", "visual-search", "--level", "staff")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Study sheet: Visual search")
    assert "**Your bar:** staff" in result.stdout
    assert result.stdout.count("### Model answer") == len(GRADED_PHASES)


def test_cli_writes_html_and_md_by_suffix(tmp_path: Path) -> None:
    for name in ("sheet.html", "sheet.md"):
        target = tmp_path / name
        result = _cli("study-sheet", "--case", "similar-listings", "-o", str(target))
        assert result.returncode == 0, result.stderr
        assert f"wrote {target}" in result.stderr
    assert (tmp_path / "sheet.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "sheet.md").read_text(encoding="utf-8").startswith("# Study sheet")


def test_cli_refuses_other_suffixes_and_unknown_cases(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    result = _cli("study-sheet", "--case", "visual-search", "-o", str(target))
    assert result.returncode == 2 and "written as .md or .html" in result.stderr
    assert not target.exists()
    result = _cli("study-sheet", "--case", "chat-server")
    assert result.returncode == 2 and "Unknown case 'chat-server'" in result.stderr
