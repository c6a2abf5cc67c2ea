"""The wrap-up is graded with the cross-cutting rubric: levels follow the anchors' counting rule."""

from __future__ import annotations

from interviewer.domain import Phase, Role, Turn, TurnKind
from interviewer.grading.wrapup import grade_wrapup
from interviewer.knowledge import KnowledgeBase

QUESTION = "If traffic grew tenfold tomorrow, what in your design breaks first?"

STRONG = (
    "First, the ANN index memory is the bottleneck that breaks first: at 10x we go from 80 GB to "
    "800 GB, so I'd shard it by embedding cluster rather than replicate the whole index, because "
    "replication multiplies cost. Then the ranker: the 60 ms p99 budget caps model size, which "
    "limits which features we can afford, so I'd distil the ranker instead of adding GPUs. "
    "If the model server went down I'd fall back to cached popular results per region. "
    "Quantizing embeddings to int8 is easy to roll back; re-sharding the index is not, so I'd "
    "revisit it once we have a month of traffic data. To sum up, shard, distil, and keep a "
    "cached fallback; next I'd measure recall at 10 after quantization."
)
WEAK = "I think it would be fine, we can just add more servers and it should work out okay then."
STUFFED = "Bottleneck, cost, rollback, latency, fallback, shard, cache, revisit, first, assume."


def turns(answer: str, phase: Phase = Phase.WRAPUP) -> list[Turn]:
    return [
        Turn(role=Role.INTERVIEWER, phase=phase, text=QUESTION, kind=TurnKind.OPENING, at=0.0),
        Turn(role=Role.CANDIDATE, phase=phase, text=answer, kind=TurnKind.ANSWER, at=1.0),
    ]


def test_a_specific_weighed_wrapup_beats_a_vague_one(knowledge: KnowledgeBase) -> None:
    rubric = knowledge.rubrics["cross-cutting"]
    strong, weak = grade_wrapup(turns(STRONG), rubric), grade_wrapup(turns(WEAK), rubric)
    assert strong is not None and weak is not None
    assert strong.score is not None and weak.score is not None
    levels = {c.id: c.why.split(":")[0] for c in strong.criteria}
    assert levels["trade-offs"] == "level 4"
    assert weak.score < 0.5 < strong.score
    for criterion in strong.criteria:  # every quote is the candidate's own words
        assert all(quote in STRONG for quote in criterion.evidence)


def test_a_list_of_buzzwords_shows_no_rubric_item(knowledge: KnowledgeBase) -> None:
    grade = grade_wrapup(turns(STUFFED), knowledge.rubrics["cross-cutting"])
    assert grade is not None
    assert all(c.evidence == [] for c in grade.criteria)


def test_no_wrapup_means_no_grade_and_little_said_is_insufficient(
    knowledge: KnowledgeBase,
) -> None:
    rubric = knowledge.rubrics["cross-cutting"]
    assert grade_wrapup(turns(STRONG, Phase.SERVING), rubric) is None
    short = grade_wrapup(turns("Caching, probably."), rubric)
    assert short is not None and short.insufficient_evidence and short.score is None
