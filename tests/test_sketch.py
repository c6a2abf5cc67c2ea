"""Architecture sketches: the Mermaid parser, the check against real notes, and the grader's use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.domain import CaseId, Phase, Role, Turn, TurnKind
from interviewer.errors import InputRejected
from interviewer.fakes import HashEmbedder
from interviewer.grading.grader import Grader
from interviewer.grading.report import to_markdown
from interviewer.grading.scoring import Scorer
from interviewer.knowledge import SKETCHED_PHASES, KnowledgeBase, PhaseNote, default_knowledge
from interviewer.sketch import SketchError, parse
from interviewer.sketch_check import (
    check,
    check_text,
    component_criteria,
    fence,
    match_nodes,
    with_drawn,
)
from interviewer.transcript import Transcript

SERVING = """flowchart LR
  %% the online path of visual search
  user((User)) --> router[Query router]
  router -->|crop| enc[Query encoder on GPU]
  router -.->|camera photo| tmp[(Temporary upload store)]
  enc --> ivf[(IVF-PQ shards)] & fresh[(HNSW fresh index)]
  ivf & fresh --> filter{Tombstone filter}
  filter -- top 1000 --> rr[GBDT re-ranker]
  subgraph offline [Offline]
    ingest[Streaming embedding job] --> fresh
  end
  classDef hot fill:#f96
  style rr stroke-width:2px
"""


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_knowledge()


def note(kb: KnowledgeBase, case: str, phase: Phase) -> PhaseNote:
    return kb.case(CaseId(case)).notes[phase]


# ---- parser: what it reads ----


def test_parses_nodes_shapes_edges_labels_chains_and_subgraphs() -> None:
    sketch = parse(SERVING)
    labels = {n.id: n.label for n in sketch.nodes}
    assert labels == {
        "user": "User",
        "router": "Query router",
        "enc": "Query encoder on GPU",
        "tmp": "Temporary upload store",
        "ivf": "IVF-PQ shards",
        "fresh": "HNSW fresh index",
        "filter": "Tombstone filter",
        "rr": "GBDT re-ranker",
        "ingest": "Streaming embedding job",
    }
    edges = {(e.source, e.target, e.label) for e in sketch.edges}
    assert ("router", "enc", "crop") in edges  # -->|label|
    assert ("router", "tmp", "camera photo") in edges  # -.->|label|
    assert {("enc", "ivf", ""), ("enc", "fresh", "")} <= edges  # A --> B & C
    assert {("ivf", "filter", ""), ("fresh", "filter", "")} <= edges  # A & B --> C
    assert ("filter", "rr", "top 1000") in edges  # -- text -->
    assert sketch.direction == "LR"
    assert sketch.subgraphs == {"offline": "Offline"}
    assert next(n for n in sketch.nodes if n.id == "ingest").subgraph == "offline"
    assert next(e for e in sketch.edges if e.source == "router").line == 4


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("graph TD\n  A[Feature store]", "Feature store"),
        ("flowchart LR\n  A(Feature store)", "Feature store"),
        ("flowchart LR\n  A([Feature store])", "Feature store"),
        ("flowchart LR\n  A[[Feature store]]", "Feature store"),
        ("flowchart LR\n  A[(Feature store)]", "Feature store"),
        ("flowchart LR\n  A((Feature store))", "Feature store"),
        ("flowchart LR\n  A(((Feature store)))", "Feature store"),
        ("flowchart LR\n  A{Feature store}", "Feature store"),
        ("flowchart LR\n  A{{Feature store}}", "Feature store"),
        ("flowchart LR\n  A>Feature store]", "Feature store"),
        ("flowchart LR\n  A[/Feature store/]", "Feature store"),
        ("flowchart LR\n  A[\\Feature store\\]", "Feature store"),
        ('flowchart LR\n  A["Ranker (GBDT), 5 ms"]', "Ranker (GBDT), 5 ms"),
        ("flowchart LR\n  A[Feature<br/>store]", "Feature store"),
        ('flowchart LR\n  A@{ shape: cyl, label: "Feature store" }', "Feature store"),
        ("flowchart LR\n  A[Feature store]:::hot", "Feature store"),
        ("flowchart LR\n  A", "A"),
    ],
)
def test_every_node_shape_gives_its_label(text: str, label: str) -> None:
    assert [n.label for n in parse(text).nodes] == [label]


@pytest.mark.parametrize(
    ("link", "directed", "label"),
    [
        ("-->", True, ""),
        ("---", False, ""),
        ("-.->", True, ""),
        ("-.-", False, ""),
        ("==>", True, ""),
        ("--->", True, ""),
        ("-->|features|", True, "features"),
        ("-- features -->", True, "features"),
        ("== features ==>", True, "features"),
        ("-. features .->", True, "features"),
        ("<-->", True, ""),
    ],
)
def test_every_link_style(link: str, directed: bool, label: str) -> None:
    sketch = parse(f"flowchart LR\n  A {link} B")
    assert [(e.source, e.target, e.directed, e.label) for e in sketch.edges] == [
        ("A", "B", directed, label)
    ]


def test_chains_semicolons_front_matter_and_relabelling() -> None:
    text = "---\ntitle: x\n---\ngraph TD; A-->B; B-->C[Ranker]\nA --> B --> C --> D\nA[Logs]"
    sketch = parse(text)
    assert [(e.source, e.target) for e in sketch.edges] == [
        ("A", "B"),
        ("B", "C"),
        ("A", "B"),
        ("B", "C"),
        ("C", "D"),
    ]
    assert {n.id: n.label for n in sketch.nodes}["A"] == "Logs"  # a later definition relabels
    assert sketch.edges[0].line == 4


def test_hyphenated_ids_and_ignored_lines() -> None:
    text = (
        "flowchart LR\n  feature-store[Feature store] --> ranker\n"
        "  linkStyle 0 stroke:#f00\n  click ranker href 'x'\n  class ranker hot\n"
    )
    sketch = parse(text)
    assert [n.id for n in sketch.nodes] == ["feature-store", "ranker"]
    assert len(sketch.edges) == 1


# ---- parser: what it rejects, and where ----


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("", 1, "empty"),
        ("  \n%% only a comment\n", 1, "empty"),
        ("sequenceDiagram\n  A->>B: hi", 1, "expected a header 'flowchart LR'"),
        ("flowchart XY\nA-->B", 1, "expected a direction"),
        ("flowchart LR\n  A --> B\n  A -->", 3, "expected a node after the arrow"),
        ("flowchart LR\n  A[Feature store --> B", 2, "never closed; expected ']'"),
        ("flowchart LR\n\n  A[Ranker (GBDT)] --> B", 3, "put it in quotes"),
        ("flowchart LR\n  A B", 2, "expected an arrow (-->"),
        ("flowchart LR\n  A --> B\nend", 3, "'end' without an open subgraph"),
        ("flowchart LR\n  subgraph serving\n  A --> B", 2, "never closed; expected 'end'"),
        ('flowchart LR\n  A["Ranker] --> B', 2, "never closed"),
        ("flowchart LR\n  A --> %B", 2, "expected a node id"),
        ("---\ntitle: x\nflowchart LR", 1, "front matter"),
    ],
)
def test_invalid_mermaid_names_the_line_and_what_was_expected(
    text: str, line: int, expected: str
) -> None:
    with pytest.raises(SketchError) as caught:
        parse(text)
    assert caught.value.line == line
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")


# ---- the check, on the real notes ----


def test_every_sketched_note_checks_clean_against_its_own_components(kb: KnowledgeBase) -> None:
    """A diagram of a note's own first names and flows draws everything and misses no flow."""
    for case in kb.ready_cases:
        for phase in SKETCHED_PHASES:
            found = note(kb, case, phase)
            ids = {c.id: c.id.replace("-", "_") for c in found.components}
            lines = ["flowchart LR"]
            lines += [f'  {ids[c.id]}["{c.names[0]}"]' for c in found.components]
            lines += [f"  {ids[a]} --> {ids[b]}" for a, b in found.flows]
            result = check(parse("\n".join(lines)), found, [])
            assert result.missing == [] and result.missing_flows == [], (case, phase)
            assert result.components_drawn() == len(found.components)


def test_every_synonym_names_its_own_component_in_any_case_or_punctuation(
    kb: KnowledgeBase,
) -> None:
    for case in kb.ready_cases:
        for phase in SKETCHED_PHASES:
            found = note(kb, case, phase)
            for component in found.components:
                for name in component.names:
                    for label in (name, name.upper(), name.replace("-", " ") + "!"):
                        matched = match_nodes(parse(f'flowchart LR\n  X["{label}"]'), found)
                        assert matched["X"].id == component.id, (case, phase, label)


@pytest.mark.parametrize(
    ("label", "component"),
    [
        ("Re-Rankers", "reranker"),  # plural, capitals, hyphen
        ("FAISS", "ivfpq-shards"),
        ("HNSW index", "fresh-index"),
        ("Vector DB", "ivfpq-shards"),  # an abbreviation for an ANN index
        ("KV store (embeddings)", "vector-store"),
        ("API gateway", "query-router"),
    ],
)
def test_labels_match_synonyms_and_abbreviations(
    kb: KnowledgeBase, label: str, component: str
) -> None:
    serving = note(kb, "visual-search", Phase.SERVING)
    matched = match_nodes(parse(f'flowchart LR\n  X["{label}"]'), serving)
    assert matched["X"].id == component


def test_boxes_naming_no_component_are_not_matched(kb: KnowledgeBase) -> None:
    serving = note(kb, "visual-search", Phase.SERVING)
    sketch = parse("flowchart LR\n  U[User] --> M[Model] --> S[Service]")
    assert match_nodes(sketch, serving) == {}


def test_check_reports_the_four_lists(kb: KnowledgeBase) -> None:
    serving = note(kb, "visual-search", Phase.SERVING)
    answers = [
        "The query encoder runs on GPU with dynamic batching, about 20 ms.",
        "Full-precision vectors come from a key-value store to re-score the candidates.",
    ]
    result = check_text(SERVING, serving, answers)
    assert result.error is None
    assert result.components_drawn() == 8 and result.expected == 9
    assert result.missing == ["full-precision vector store"]
    assert "full-precision vector store" in result.undrawn  # explained, not drawn
    unexplained = {d.label for d in result.unexplained}
    assert "Query encoder on GPU" not in unexplained  # explained in an answer
    assert {"Tombstone filter", "GBDT re-ranker"} <= unexplained
    assert result.missing_flows == [
        "full-precision vector store → re-ranker",
        "streaming embedding job → full-precision vector store",
    ]
    assert result.other_boxes == ["User"]


def test_a_flow_may_pass_through_boxes_the_note_does_not_list(kb: KnowledgeBase) -> None:
    serving = note(kb, "ad-click-prediction", Phase.SERVING)
    through = check_text(
        "flowchart LR\n  F[Feature store] --> Q[[RPC layer]] --> R[Ranking service]",
        serving,
        [],
    )
    assert "feature store → ranking service" not in through.missing_flows
    reversed_only = check_text(
        "flowchart LR\n  R[Ranking service] --> F[Feature store]", serving, []
    )
    assert "feature store → ranking service" in reversed_only.missing_flows
    undirected = check_text("flowchart LR\n  R[Ranking service] --- F[Feature store]", serving, [])
    assert "feature store → ranking service" not in undirected.missing_flows


def test_invalid_sketch_is_a_check_with_its_error_and_its_text(kb: KnowledgeBase) -> None:
    serving = note(kb, "visual-search", Phase.SERVING)
    text = "flowchart LR\n  A[Ranker (GBDT)] --> B"
    result = check_text(text, serving, [])
    assert result.error is not None and result.error.startswith("line 2:")
    assert result.drawn == [] and result.diagram == text


def test_every_component_belongs_to_a_criterion_of_its_rubric(kb: KnowledgeBase) -> None:
    for case in kb.ready_cases:
        for phase in SKETCHED_PHASES:
            found = note(kb, case, phase)
            rubric = {c.id for c in kb.rubrics[str(phase)].criteria}
            for component, criteria in component_criteria(found).items():
                assert criteria and set(criteria) <= rubric, (case, phase, component)


def test_fence_cannot_be_closed_from_inside() -> None:
    block = fence("flowchart LR\n  A[```] --> B")
    assert block.startswith("````mermaid\n") and block.endswith("\n````")


# ---- transcript and grader ----


def _turn(phase: Phase, text: str, kind: TurnKind, at: float) -> Turn:
    return Turn(role=Role.CANDIDATE, phase=phase, text=text, kind=kind, at=at)


def test_drawn_boxes_are_graded_as_bare_phrases_of_the_last_save(kb: KnowledgeBase) -> None:
    turns = [
        _turn(Phase.SERVING, "flowchart LR\n  A[Old box] --> B[Ranker]", TurnKind.SKETCH, 1),
        _turn(Phase.SERVING, "We shard the index 16 ways for 2,000 QPS.", TurnKind.ANSWER, 2),
        _turn(Phase.SERVING, SERVING, TurnKind.SKETCH, 3),
        _turn(Phase.DATA, "flowchart LR\n  A[Ranker (", TurnKind.SKETCH, 4),  # invalid: skipped
    ]
    case = kb.case(CaseId("visual-search"))
    out = with_drawn(turns, case.notes)
    assert [t.kind for t in out] == [TurnKind.ANSWER, TurnKind.SKETCH]
    assert out[1].text.splitlines()[:2] == ["drawn: Query router", "drawn: Query encoder on GPU"]
    assert "User" not in out[1].text  # a box naming no component is no evidence


def test_report_quotes_drawn_components_and_shows_the_sketch(kb: KnowledgeBase) -> None:
    grader = Grader(kb, Scorer(HashEmbedder()))
    turns = [
        _turn(
            Phase.SERVING,
            "The query encoder runs on GPU in about 20 ms because crops need a fresh vector.",
            TurnKind.ANSWER,
            1,
        ),
        _turn(Phase.SERVING, SERVING, TurnKind.SKETCH, 2),
    ]
    report = grader.grade_turns("s1", CaseId("visual-search"), turns, [Phase.SERVING])
    grade = report.phases[Phase.SERVING]
    quoted = {c.id: c.evidence for c in grade.criteria}
    assert "drawn: IVF-PQ shards" in quoted["architecture"], quoted
    assert "drawn: User" not in [e for c in grade.criteria for e in c.evidence]
    for criterion in grade.criteria:  # every quote has the phase it was said or drawn in
        assert len(criterion.sources) == len(criterion.evidence)
    assert grade.sketch is not None and grade.sketch.components_drawn() == 8
    contract = json.loads(report.contract_json())
    assert contract["phases"]["serving"]["sketch"]["expected"] == 9
    markdown = to_markdown(report, kb)
    assert "```mermaid\nflowchart LR" in markdown
    assert "**Components drawn:** 8 of 9" in markdown
    assert "**Key flows missing:**" in markdown
    partial = grader.grade_turns(
        "s1", CaseId("visual-search"), turns, [Phase.SERVING], partial=True
    )
    assert partial.phases[Phase.SERVING].sketch is not None
    assert partial.phases[Phase.SERVING].sketch.missing == []  # no answers handed out mid-interview


def test_old_whiteboard_sessions_load_and_grade_as_prose(kb: KnowledgeBase) -> None:
    data = {
        "id": "old",
        "case": "visual-search",
        "mode": "drill",
        "phase": "serving",
        "turns": [
            {"role": "interviewer", "phase": "serving", "text": "How do you serve it?"},
            {
                "role": "candidate",
                "phase": "serving",
                "kind": "whiteboard",
                "text": "IVF-PQ shards searched in parallel, 16 shards for 2,000 QPS at peak.",
            },
        ],
    }
    transcript = Transcript.model_validate(data)
    assert transcript.to_turns()[1].kind is TurnKind.WHITEBOARD
    report = Grader(kb, Scorer(HashEmbedder())).grade_transcript(transcript)
    grade = report.phases[Phase.SERVING]
    assert grade.sketch is None
    assert any("IVF-PQ shards" in e for c in grade.criteria for e in c.evidence)


# ---- CLI ----


def test_cli_prints_the_four_lists_and_json(tmp_path: Path) -> None:
    path = tmp_path / "serving.mmd"
    path.write_text(SERVING, encoding="utf-8")
    runner = CliRunner()
    args = ["sketch", "check", str(path), "--case", "visual-search", "--phase", "serving"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Components drawn: 8 of 9" in result.output
    assert "x full-precision vector store → re-ranker" in result.output
    as_json = runner.invoke(app, [*args, "--json"])
    assert json.loads(as_json.output)["missing"] == ["full-precision vector store"]


def test_cli_invalid_mermaid_exits_non_zero_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.mmd"
    text = "flowchart LR\n  A --> B\n  B -->"
    path.write_text(text, encoding="utf-8")
    args = ["sketch", "check", str(path), "--case", "visual-search", "--phase", "serving"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "line 3: expected a node after the arrow" in result.output
    assert path.read_text(encoding="utf-8") == text  # the candidate's file is left alone


def test_cli_compares_with_a_transcript_and_refuses_a_phase_without_components(
    tmp_path: Path,
) -> None:
    sketch = tmp_path / "serving.mmd"
    sketch.write_text(SERVING, encoding="utf-8")
    transcript = tmp_path / "t.json"
    said = "Full-precision vectors come from a key-value store to re-score the candidates."
    transcript.write_text(
        json.dumps(
            {
                "id": "t",
                "case": "visual-search",
                "turns": [{"role": "candidate", "phase": "serving", "text": said}],
            }
        ),
        encoding="utf-8",
    )
    args = ["sketch", "check", str(sketch), "--case", "visual-search", "--phase", "serving"]
    result = CliRunner().invoke(app, [*args, "--transcript", str(transcript), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["undrawn"] == ["full-precision vector store"]
    assert "Tombstone filter" in {d["label"] for d in found["unexplained"]}
    refused = CliRunner().invoke(app, [*args[:-1], "requirements"])
    assert isinstance(refused.exception, InputRejected)  # main() prints it and exits 2
    assert "no components" in refused.exception.user_message


def test_the_panel_preview_keeps_the_last_good_drawing_on_an_error() -> None:
    from interviewer.ui.sketch_panel import EMPTY, preview

    drawn, status, good = preview(SERVING, "")
    assert drawn.startswith("```mermaid\nflowchart LR") and good == SERVING
    assert status == "✓ Valid Mermaid: 9 boxes, 9 arrows."
    broken = SERVING + "\n  rr -->"
    kept, status, good = preview(broken, SERVING)
    assert kept == drawn and good == SERVING
    assert status.startswith("⚠ Line 15: expected a node after the arrow")
    assert preview("   ", SERVING) == (EMPTY, "", "")
