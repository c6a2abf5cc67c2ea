"""Browser test of "what to drill next" and the study sheet: a data dir seeded with graded drills,
the app shows the recommendation with its reason, starts it, and downloads the study sheet, which
opens with every request outside 127.0.0.1 blocked. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from interviewer.adapters.store import Store
from interviewer.config import Settings
from interviewer.domain import CaseId, Phase
from interviewer.drill_schedule import DAY
from interviewer.drill_text import recommendation
from interviewer.knowledge import KnowledgeBase
from interviewer.session import plan_drills, read_final_reports
from tests.history_seed import VAGUE, seed_drills
from tests.test_browser import UI_TIMEOUT_MS, chromium, serve_app

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VS_SERVING = (
    "The query image is embedded on a GPU server with dynamic batching in about 25 ms, then an "
    "IVF-PQ index sharded across hosts returns candidates with nprobe around 32, and a re-ranker "
    "orders the top 200."
)
ADS_DATA = (
    "We log impressions and clicks with a 30-minute attribution window, join them to features as "
    "of request time so nothing leaks, and downsample negatives 10x, then recalibrate."
)
ADS_DATA_BETTER = (
    "Labels come from impressions joined to clicks within a 30-minute attribution window; "
    "features are logged at request time so training sees what serving saw, avoiding leakage. "
    "We downsample negatives 10x and correct the calibration, use user, ad and context features "
    "with hashed crosses, and check for position bias by logging the slot."
)


def _seed(data: Path, knowledge: KnowledgeBase) -> tuple[str, str]:
    """A week of drills: visual search serving weak, better, weak again (due tomorrow after the
    last); ad click data improving. Returns what the app should recommend and why."""
    now = time.time()
    seed_drills(
        data,
        [
            (CaseId.VISUAL_SEARCH, Phase.SERVING, VAGUE, now - 7 * DAY),
            (CaseId.AD_CLICK_PREDICTION, Phase.DATA, ADS_DATA, now - 6 * DAY),
            (CaseId.VISUAL_SEARCH, Phase.SERVING, VS_SERVING, now - 5 * DAY),
            (CaseId.AD_CLICK_PREDICTION, Phase.DATA, ADS_DATA_BETTER, now - 3 * DAY),
            (CaseId.VISUAL_SEARCH, Phase.SERVING, VAGUE, now - 2 * DAY),
        ],
    )
    store = Store(Settings(data_dir=data).db_path)
    try:
        plan = plan_drills(read_final_reports(store), knowledge, now)
    finally:
        store.close()
    return recommendation(plan, knowledge, now)


def test_recommended_drill_starts_and_the_study_sheet_downloads(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    what, why = _seed(tmp_path / "data", knowledge)
    assert what == "Visual search · Deployment and serving" and why.startswith("serving / ")
    DOCS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []

    def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "file://", "blob:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with serve_app(tmp_path) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        context.route("**/*", only_local)
        page = context.new_page()
        page.goto(url)
        note = page.locator("#recommended-note")
        expect(note).to_contain_text(f"Recommended next: {what} (drill)")
        expect(note).to_contain_text(why)
        page.locator("#study-sheet").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "recommended-next.png"), clip=_top(900))

        page.get_by_role("tab", name="History").click()
        trend = page.locator("#criterion-trend")
        expect(trend.locator(".legendtext").first).to_be_visible()
        expect(trend).to_contain_text("serving / latency or throughput budget")
        trend.screenshot(path=str(DOCS / "history-criteria.png"))

        page.get_by_role("tab", name="Start").click()
        with page.expect_download() as download:
            page.locator("#study-sheet").click()
        sheet = tmp_path / download.value.suggested_filename
        download.value.save_as(sheet)
        assert sheet.name == "study-sheet-visual-search-senior.html"
        html = sheet.read_text(encoding="utf-8")
        assert "<h1>Study sheet: Visual search</h1>" in html
        assert not re.search(r"https?://", html)

        page.locator("#start-recommended").click()
        expect(page.locator("#progress div.phase.current")).to_have_text("Serving")
        expect(page.locator("#chat")).to_contain_text("Walk me through")

        reader = context.new_page()
        reader.goto(sheet.as_uri())
        expect(reader.locator("h2").nth(1)).to_have_text("1. Clarifying requirements")
        reader.screenshot(path=str(DOCS / "study-sheet.png"), clip=_top(900))
        for paper in ("A4", "Letter"):  # each phase starts a page: the intro, then 7 or more
            pages = _pages(reader.pdf(format=paper, print_background=True))
            assert pages >= 1 + 7, (paper, pages)
        browser.close()
    assert outside == [], f"requests left the machine: {outside[:3]}"


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _top(height: int) -> dict[str, float]:
    return {"x": 0, "y": 0, "width": 1280, "height": height}
