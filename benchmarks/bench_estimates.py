"""Back-of-envelope check: time to check one answer, and a whole 7-phase transcript.

.venv/bin/python -m benchmarks.bench_estimates
"""

from __future__ import annotations

from benchmarks.common import Row, percentile, table, timed
from interviewer.domain import GRADED_PHASES, CaseId, Role, Turn, TurnKind
from interviewer.estimates.check import check_text, check_turns
from interviewer.knowledge import default_knowledge

ANSWER = (
    "So 50M visual searches a day over 86,400 seconds is roughly 580 QPS average, and with a 3 "
    "to 4x peak factor call it 2k QPS peak. 5B imgs x 256 dims x 4B fp32 ≈ 5 TB, so ~10 hosts at "
    "512 GB RAM each. Ten million uploads a day is about 500 new images a second to embed, and we "
    "have about fifty million daily users."
)


def rows() -> list[Row]:
    case = default_knowledge().case(CaseId("visual-search"))
    turns = [
        Turn(role=Role.CANDIDATE, phase=p, text=ANSWER, kind=TurnKind.ANSWER, at=0.0)
        for p in GRADED_PHASES
        for _ in range(3)
    ]
    one = timed(lambda: check_text(ANSWER, case), 50)
    whole = timed(lambda: check_turns(turns, case), 10)
    return [
        Row(
            "estimates: check one answer (4 sentences)",
            percentile(one, 50),
            percentile(one, 95),
            "ms",
        ),
        Row(
            "estimates: check a transcript (21 answers)",
            percentile(whole, 50),
            percentile(whole, 95),
            "ms",
        ),
    ]


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
