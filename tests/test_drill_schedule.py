"""What to drill next: the 1 / 3 / 7 day ladder, strong twice drops out, weakest first, cases
apart; read from reports the session service wrote; `interviewer next` prints the same."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from interviewer.domain import CaseId, Mode, Phase
from interviewer.drill_schedule import DAY, Attempt, attempts_from_reports, schedule
from interviewer.drill_text import NO_HISTORY, plan_lines, recommendation
from interviewer.fakes import FakeClock
from interviewer.grading.models import CriterionGrade, GradeReport, PhaseGrade
from interviewer.knowledge import KnowledgeBase
from interviewer.session import plan_drills, read_final_reports
from interviewer.wiring import Wiring
from tests.history_seed import VAGUE, seed_drills

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_800_000_000.0
POOR, PARTIAL, SOLID, STRONG = 0.1, 0.3, 0.6, 0.9
VS, ADS = CaseId.VISUAL_SEARCH, CaseId.AD_CLICK_PREDICTION


def _attempt(
    score: float,
    day: float,
    case: CaseId = VS,
    phase: Phase = Phase.SERVING,
    criterion: str = "latency",
    name: str = "Latency or throughput budget",
) -> Attempt:
    return Attempt(case, phase, criterion, name, score, T0 + day * DAY, f"s{day}")


def _due(attempts: list[Attempt], day: float) -> list[tuple[CaseId, Phase, str]]:
    plan = schedule(attempts, T0 + day * DAY)
    return [(i.case, i.phase, i.criterion) for i in plan.due]


def test_a_low_score_is_due_again_after_one_day() -> None:
    history = [_attempt(PARTIAL, 0)]
    assert _due(history, 0.99) == []
    assert _due(history, 1.0) == [(VS, Phase.SERVING, "latency")]


def test_then_after_three_then_seven_days_while_it_holds() -> None:
    history = [_attempt(POOR, 0), _attempt(SOLID, 1)]  # drilled when due, now solid
    assert _due(history, 1 + 2.99) == []
    assert _due(history, 1 + 3) != []
    history.append(_attempt(SOLID, 4))
    assert _due(history, 4 + 6.99) == []
    assert _due(history, 4 + 7) != []
    history.append(_attempt(SOLID, 11))  # the ladder stops at 7 days
    assert _due(history, 11 + 7) != []


def test_a_low_score_again_starts_the_ladder_over() -> None:
    history = [_attempt(POOR, 0), _attempt(SOLID, 1), _attempt(PARTIAL, 4)]
    assert _due(history, 5) != []


def test_strong_twice_in_a_row_drops_out_and_once_does_not(knowledge: KnowledgeBase) -> None:
    once = [_attempt(POOR, 0), _attempt(STRONG, 1)]
    plan = schedule(once, T0 + 30 * DAY)
    assert len(plan.due) == 1 and not plan.dropped
    twice = [*once, _attempt(STRONG, 4)]
    plan = schedule(twice, T0 + 30 * DAY)
    assert plan.due == () and plan.later == () and len(plan.dropped) == 1
    assert plan.pick is None
    what, why = recommendation(plan, knowledge, T0 + 30 * DAY)
    assert what == "" and "strong twice in a row" in why


def test_the_weakest_due_criterion_comes_first() -> None:
    history = [
        _attempt(PARTIAL, 0, phase=Phase.DATA, criterion="features", name="Feature engineering"),
        _attempt(POOR, 0.5, phase=Phase.SERVING),
        _attempt(SOLID, -5, phase=Phase.MODELING, criterion="baseline", name="Baseline"),
    ]
    plan = schedule(history, T0 + 10 * DAY)
    assert [i.criterion for i in plan.due] == ["latency", "features", "baseline"]
    assert plan.pick is not None and plan.pick.phase is Phase.SERVING


def test_cases_are_kept_apart() -> None:
    history = [
        _attempt(POOR, 0, case=VS),
        _attempt(STRONG, 0, case=ADS),
        _attempt(STRONG, 1, case=ADS),
    ]
    plan = schedule(history, T0 + 2 * DAY)
    assert [(i.case, len(i.attempts)) for i in plan.due] == [(VS, 1)]
    assert [(i.case, len(i.attempts)) for i in plan.dropped] == [(ADS, 2)]


def test_the_reason_names_phase_criterion_level_and_how_often() -> None:
    plan = schedule([_attempt(PARTIAL, 0), _attempt(PARTIAL, 1)], T0 + 3 * DAY)
    assert plan.pick is not None
    assert plan.pick.reason() == "serving / latency or throughput budget: 2 · partial, twice"
    plan = schedule([_attempt(SOLID, 0), _attempt(POOR, 1)], T0 + 3 * DAY)
    assert plan.pick is not None and plan.pick.reason().endswith(": 1 · poor, once")


def test_nothing_due_yet_still_names_the_next_one(knowledge: KnowledgeBase) -> None:
    plan = schedule([_attempt(SOLID, 0)], T0 + DAY)
    assert plan.due == () and plan.pick is not None
    what, why = recommendation(plan, knowledge, T0 + DAY)
    assert what == "Visual search · Deployment and serving"
    assert "Nothing is due yet" in why


def _report(case: CaseId, criteria: dict[Phase, list[tuple[str, float]] | None]) -> GradeReport:
    phases = {
        phase: PhaseGrade(
            score=None if items is None else sum(s for _, s in items) / len(items),
            level=None,
            insufficient_evidence=items is None,
            criteria=[CriterionGrade(id=c, score=s, evidence=[], why="") for c, s in items or []],
            missed=[],
            flags=[],
        )
        for phase, items in criteria.items()
    }
    return GradeReport(id="r", case=case, overall=None, phases=phases)


def test_attempts_skip_phases_with_too_little_said_and_use_a_sessions_last_report(
    knowledge: KnowledgeBase,
) -> None:
    first = _report(VS, {Phase.SERVING: [("latency", POOR)], Phase.DATA: None})
    second = _report(VS, {Phase.SERVING: [("latency", SOLID)]})
    attempts = attempts_from_reports([("a", T0, first), ("a", T0 + 60, second)], knowledge)
    assert [(a.phase, a.score, a.name) for a in attempts] == [
        (Phase.SERVING, SOLID, "Latency or throughput budget")
    ]


def test_the_service_plans_from_what_it_graded(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    data = tmp_path / "seeded"
    seed_drills(data, [(VS, Phase.SERVING, VAGUE, T0), (VS, Phase.SERVING, VAGUE, T0 + DAY)])
    from interviewer.adapters.store import Store
    from interviewer.config import Settings

    store = Store(Settings(data_dir=data).db_path)
    reports = read_final_reports(store)
    store.close()
    assert len(reports) == 2
    plan = plan_drills(reports, knowledge, T0 + 2 * DAY + 120)
    assert plan.pick is not None and plan.pick.case is VS and plan.pick.phase is Phase.SERVING
    assert plan.pick.latest.level <= 2 and plan.pick.reason().endswith("twice")
    assert plan_drills(reports, knowledge, T0 + DAY + 120).due == ()  # the second drill: not yet


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewer.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_next_says_plainly_when_there_is_no_history() -> None:
    result = _cli("next")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == NO_HISTORY


def test_cli_next_prints_the_pick_with_its_reason_and_command(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    now = time.time()
    seed_drills(
        tmp_path / "data",  # the data dir every test's environment points at (conftest)
        [
            (VS, Phase.SERVING, VAGUE, now - 3 * DAY),
            (VS, Phase.SERVING, VAGUE, now - 2 * DAY),
            (ADS, Phase.DATA, VAGUE, now - 2 * DAY),
        ],
    )
    result = _cli("next")
    assert result.returncode == 0, result.stderr
    from interviewer.adapters.store import Store
    from interviewer.config import Settings

    store = Store(Settings(data_dir=tmp_path / "data").db_path)
    expected = plan_lines(plan_drills(read_final_reports(store), knowledge, now), knowledge, now)
    store.close()
    lines = result.stdout.splitlines()
    assert lines[0] == expected[0] and lines[1] == expected[1]
    assert lines[0].startswith("Recommended next: ") and "interviewer drill --case" in lines[2]
    assert "Also due, weakest first:" in result.stdout


def test_history_trends_keep_cases_apart() -> None:
    from interviewer.ui import render

    attempts = [
        _attempt(POOR, 0, case=VS),
        _attempt(SOLID, 1, case=ADS),
        _attempt(STRONG, 2, case=VS),
        _attempt(PARTIAL, 2, case=VS, phase=Phase.DATA, criterion="sources", name="Data sources"),
    ]
    figure = render.criterion_trend(attempts)
    lines = {(t.legendgroup, t.name): list(t.y) for t in figure.data}
    assert lines == {
        ("ad-click-prediction", "serving / latency or throughput budget"): [SOLID],
        ("visual-search", "data / data sources"): [PARTIAL],
        ("visual-search", "serving / latency or throughput budget"): [POOR, STRONG],
    }
    phases = render.trend(
        [(T0, "visual-search", "serving", 0.2), (T0 + 9, "ad-click-prediction", "serving", 0.8)]
    )
    assert sorted((t.legendgroup, list(t.y)) for t in phases.data) == [
        ("ad-click-prediction", [0.8]),
        ("visual-search", [0.2]),
    ]


def test_the_start_tab_panel_reads_the_service_at_its_clock(
    wiring: Wiring, clock: FakeClock
) -> None:
    from interviewer.ui.recommend_panel import recommended
    from interviewer.ui.shared import AppContext

    app = AppContext(service=wiring.service, knowledge=wiring.knowledge, screen=None)  # type: ignore[arg-type]
    text, pick = recommended(app)
    assert pick == "" and "No graded sessions yet" in text
    service = wiring.service
    sid = service.start(VS, Mode.DRILL, Phase.SERVING).state.id
    service.send(sid, VAGUE)
    service.command(sid, "end")
    text, pick = recommended(app)
    assert pick == "visual-search/serving" and "Nothing is due yet" in text
    clock.advance(DAY)
    text, pick = recommended(app)
    assert pick == "visual-search/serving" and "Nothing is due yet" not in text
    assert text.startswith("**Recommended next:** Visual search · Deployment and serving (drill)")
