"""Browser test of the back-of-envelope check: an estimate typed in a drill shows up in the
report with its ✓/✗ line and the corrected figure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.test_browser import (
    DRILL,
    SCREENSHOTS,
    UI_TIMEOUT_MS,
    _answer,
    chromium,
    serve_app,
)

pytestmark = pytest.mark.browser

ANSWER = (
    "Raw vectors are 5B images × 256 dims × 4 bytes ≈ 512 GB, so they fit on one host; "
    "at the peak, 2,000 QPS × 300 candidates = 600k scores/s for the re-ranker. "
    "Ten million uploads a day at 2 KB of metadata each is 20 MB per day. "
    "With 50M daily users the cache hit rate will be high."
)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def estimates_browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_an_estimate_in_a_drill_is_checked_in_the_report(
    estimates_browser: Browser, tmp_path: Path
) -> None:
    with serve_app(tmp_path) as url:
        context = estimates_browser.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        page = context.new_page()
        page.goto(url)
        page.locator("#mode").get_by_label(DRILL).check()
        page.locator("#drill-phase input").click()
        page.get_by_role("option", name="Deployment and serving").click()
        page.locator("#start-btn").click()
        expect(page.locator("#progress div.phase.current")).to_have_text("Serving")
        _answer(page, ANSWER)

        page.locator("#end").click()
        page.get_by_role("tab", name="Report").click()
        report = page.locator("#report-md")
        expect(report).to_contain_text("Back-of-envelope")
        expect(report).to_contain_text("✗ “≈ 512 GB” → 5.12 TB: off by 10x or more")
        expect(report).to_contain_text("✓ “600k scores/s”: within a factor of 2")
        expect(report).to_contain_text("“20 MB per day” → 20 GB/day: wrong unit")
        expect(report).to_contain_text("“50M daily users” → 80 million: contradicts the fact sheet")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        section = report.locator("h2", has_text="Back-of-envelope")
        section.scroll_into_view_if_needed()
        box = section.bounding_box()
        assert box is not None
        clip = {"x": box["x"] - 10, "y": box["y"] - 10, "width": 1000, "height": 240}
        page.screenshot(path=str(SCREENSHOTS / "estimates-report.png"), clip=clip)
        page.screenshot(path=str(DOCS / "estimates-report.png"), clip=clip)  # the README's
        context.close()
