"""Study sheet and "what to drill next": what a click or opening the Start tab costs.

.venv/bin/python -m benchmarks.bench_study
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.common import Row, summarize, table, timed
from interviewer.adapters.html_page import sheet_html
from interviewer.adapters.store import Store, new_session_id
from interviewer.config import Settings
from interviewer.domain import GRADED_PHASES, CaseId, Mode, Phase
from interviewer.drill_schedule import DAY, Attempt, schedule
from interviewer.knowledge import default_knowledge
from interviewer.session import plan_drills, read_final_reports
from interviewer.study_sheet import build_sheet
from interviewer.wiring import build_fake

YEARS_OF_DRILLS = 2  # one drill a day, every criterion of its phase graded
STORED_REPORTS = 365  # final reports in the store when the Start tab asks what to drill next


def _store_with_reports(folder: Path) -> Store:
    """One drill graded for real, then its report stored under STORED_REPORTS sessions a day apart."""
    wiring = build_fake(Settings(data_dir=folder, offline=True, allow_model_requests=False))
    service = wiring.service
    sid = service.start(CaseId.VISUAL_SEARCH, Mode.DRILL, Phase.SERVING).state.id
    service.send(sid, "The encoder runs on GPU with dynamic batching, then IVF-PQ shards.")
    report = service.command(sid, "end").report
    assert report is not None
    state = service.load(sid)
    for day in range(STORED_REPORTS):
        copy = state.model_copy(update={"id": new_session_id()})
        wiring.store.save(copy, now=day * DAY)
        wiring.store.save_grade(
            copy.id, report.model_dump_json(), partial=False, overall=report.overall, now=day * DAY
        )
    return wiring.store


def _history(days: int) -> list[Attempt]:
    kb = default_knowledge()
    pick = random.Random(7)
    attempts: list[Attempt] = []
    for day in range(days):
        case = pick.choice(list(CaseId))
        phase = pick.choice(GRADED_PHASES)
        for criterion in kb.rubrics[str(phase)].criteria:
            attempts.append(
                Attempt(
                    case, phase, criterion.id, criterion.name, pick.random(), day * DAY, str(day)
                )
            )
    return attempts


def rows() -> list[Row]:
    kb = default_knowledge()
    case = CaseId.VISUAL_SEARCH
    sheet = build_sheet(kb, case)
    history = _history(365 * YEARS_OF_DRILLS)
    now = (365 * YEARS_OF_DRILLS + 1) * DAY
    with tempfile.TemporaryDirectory() as folder:
        store = _store_with_reports(Path(folder))
        later = (STORED_REPORTS + 1) * DAY
        read_plan = timed(lambda: plan_drills(read_final_reports(store), kb, later), 10)
        store.close()
    return [
        summarize(
            f"next drill: read {STORED_REPORTS} final reports from SQLite and plan (Start tab)",
            read_plan,
        ),
        summarize(
            "study sheet: build, Markdown", timed(lambda: build_sheet(kb, case).to_markdown(), 50)
        ),
        summarize("study sheet: render HTML (markdown-it)", timed(lambda: sheet_html(sheet), 50)),
        summarize(
            f"next drill: schedule {len(history)} graded criteria ({YEARS_OF_DRILLS} years daily)",
            timed(lambda: schedule(history, now), 20),
        ),
    ]


def run() -> list[Row]:
    return rows()


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
