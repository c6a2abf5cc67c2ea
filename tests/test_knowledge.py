"""The knowledge base: all 10 cases x 7 phases load, validate, and are specific to their case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer.domain import GRADED_PHASES, CaseId
from interviewer.fakes import HashEmbedder
from interviewer.grading.scoring import Scorer
from interviewer.knowledge import KnowledgeBase, KnowledgeError, load_knowledge

ROOT = Path(__file__).resolve().parent.parent / "knowledge"


def test_everything_loads_and_is_complete(knowledge: KnowledgeBase) -> None:
    assert knowledge.missing() == []
    counts = knowledge.counts()
    assert counts["cases"] == 10 and counts["notes"] == 70 and counts["rubrics"] == 8
    assert set(knowledge.ready_cases) == set(CaseId)


def test_every_note_has_misconceptions_a_staff_bar_and_a_sketch(knowledge: KnowledgeBase) -> None:
    assert knowledge.shortfalls() == []  # 3 misconceptions, 2 staff points (the count is implied)


def test_a_note_missing_its_misconceptions_is_named(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "ad-click-prediction" / "framing.md"
    text = note.read_text()
    start = text.index("misconceptions:")
    end = text.index("\n---", start)
    note.write_text(text[:start] + text[end + 1 :])
    gaps = load_knowledge(broken_copy).shortfalls()
    assert gaps == ["knowledge/cases/ad-click-prediction/framing.md: 0 misconceptions"]


def test_a_misconception_must_correct_a_key_point_of_its_note(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "visual-search" / "serving.md"
    text = note.read_text()
    start = text.index("misconceptions:")
    at = text.index("key_point: ", start) + len("key_point: ")
    end = text.index("\n", at)
    note.write_text(text[:at] + "serving-no-such-point" + text[end:])
    with pytest.raises(KnowledgeError, match="serving-no-such-point"):
        load_knowledge(broken_copy)


def test_no_two_cases_share_a_key_point_statement(knowledge: KnowledgeBase) -> None:
    seen: dict[str, str] = {}
    for case_id, case in knowledge.cases.items():
        for note in case.notes.values():
            for point in note.key_points:
                assert point.statement not in seen, f"{case_id} repeats {seen.get(point.statement)}"
                seen[point.statement] = case_id


def test_fact_sheets_brief_every_drill(knowledge: KnowledgeBase) -> None:
    for case in knowledge.cases.values():
        for phase in GRADED_PHASES[:-1]:
            assert phase in case.facts.established


def test_model_answers_cover_at_least_half_their_key_points(knowledge: KnowledgeBase) -> None:
    """Checked with the matcher grading uses (hash embedder here; the real one in test_evals)."""
    scorer = Scorer(HashEmbedder())
    for case in knowledge.cases.values():
        for note in case.notes.values():
            coverage = scorer.coverage(case, note, [note.model_answer])
            covered = sum(1 for value in coverage.values() if value >= 0.35)
            assert covered >= len(note.key_points) / 2, (
                f"{note.source}: {covered}/{len(note.key_points)}"
            )


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_missing_model_answer_names_the_file(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "visual-search" / "serving.md"
    _edit(note, "## Model answer", "## Something else")
    with pytest.raises(KnowledgeError, match=r"visual-search/serving\.md:\d+: missing section"):
        load_knowledge(broken_copy)


def test_duplicate_key_point_id_fails(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "ad-click-prediction" / "data.md"
    text = note.read_text()
    ids = [
        line.split("id:")[1].strip()
        for line in text.splitlines()
        if line.strip().startswith("- id:")
    ]
    _edit(note, f"id: {ids[1]}", f"id: {ids[0]}")
    with pytest.raises(KnowledgeError, match="duplicate key point id"):
        load_knowledge(broken_copy)


def test_weight_out_of_range_fails_with_a_line(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "ad-click-prediction" / "modeling.md"
    _edit(note, "weight: 3", "weight: 7")
    with pytest.raises(KnowledgeError, match=r"modeling\.md:\d+: key_points\.\d+\.weight"):
        load_knowledge(broken_copy)


def test_unknown_case_folder_fails(broken_copy: Path) -> None:
    (broken_copy / "cases" / "chat-server").mkdir()
    with pytest.raises(KnowledgeError, match="unknown case id"):
        load_knowledge(broken_copy)


def test_unknown_phase_file_fails(broken_copy: Path) -> None:
    (broken_copy / "cases" / "visual-search" / "deployment.md").write_text("---\n---\n")
    with pytest.raises(KnowledgeError, match="unknown phase file"):
        load_knowledge(broken_copy)


def test_bad_yaml_reports_the_line(broken_copy: Path) -> None:
    note = broken_copy / "cases" / "video-search" / "framing.md"
    _edit(note, "opening:", "opening: [unclosed")
    with pytest.raises(KnowledgeError, match=r"framing\.md:\d+: invalid YAML"):
        load_knowledge(broken_copy)


def test_no_question_from_the_notes_contradicts_its_fact_sheet(knowledge: KnowledgeBase) -> None:
    """Issue 21, UI fix 8 (DESIGN.md section 11): every case, every note, every question."""
    from interviewer.consistency import all_contradictions, questions

    assert sum(len(list(questions(c))) for c in knowledge.cases.values()) > 1000
    assert all_contradictions(knowledge) == []


@pytest.mark.parametrize(
    ("question", "why"),
    [
        # what the interviewer once asked, right after quoting the search logs
        ("Where do positive pairs come from, given visual search doesn't exist yet?", "assumes"),
        ("How would you index all 2 billion images of the catalogue?", "says 2 billion images"),
    ],
)
def test_a_question_against_the_fact_sheet_is_caught(
    knowledge: KnowledgeBase, question: str, why: str
) -> None:
    from interviewer.consistency import contradictions

    case = knowledge.case(CaseId.VISUAL_SEARCH)
    [problem] = contradictions(case, [("test", question)])
    assert why in problem and question in problem
