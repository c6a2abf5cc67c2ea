"""Browser test of the sketch: type a flowchart, see it drawn (offline), save it, find it in the report.

Uses the app and helpers of test_browser.py; every request outside 127.0.0.1 is blocked, so the
diagram must come from the Mermaid copy bundled with the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.test_browser import (
    DRILL,
    SCREENSHOTS,
    UI_TIMEOUT_MS,
    _answer,
    chromium,
    serve_app,
)

pytestmark = pytest.mark.browser

SKETCH = """flowchart LR
  user((User)) --> router[Query router] --> enc[Query encoder]
  enc --> ivf[(IVF-PQ shards)] --> rr[GBDT re-ranker]"""


@pytest.fixture(scope="module")
def sketch_browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def offline_page(sketch_browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with serve_app(tmp_path) as url:
        context = sketch_browser.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        context.route("**/*", only_local)
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#start-btn")).to_be_visible()
        yield page, outside
        context.close()


def _start_serving_drill(page: Page) -> None:
    page.locator("#mode").get_by_label(DRILL).check()
    page.locator("#drill-phase input").click()
    page.get_by_role("option", name="Deployment and serving").click()
    page.locator("#start-btn").click()
    expect(page.locator("#progress div.phase.current")).to_have_text("Serving")


def test_a_typed_flowchart_is_drawn_saved_and_shown_in_the_report(
    offline_page: tuple[Page, list[str]],
) -> None:
    page, outside = offline_page
    _start_serving_drill(page)
    _answer(page, "The query encoder runs on GPU with dynamic batching in about 20 ms per crop.")

    page.locator("#sketch").get_by_text("Sketch your architecture").click()
    box = page.locator("#sketch-text textarea")
    box.fill(SKETCH)
    preview = page.locator("#sketch-preview")
    expect(preview.locator("svg")).to_have_count(1)
    expect(preview.locator("svg")).to_contain_text("IVF-PQ shards")  # redrawn from the typed text
    expect(page.locator("#sketch-status")).to_contain_text("5 boxes, 4 arrows")

    box.fill(SKETCH + "\n  rr -->")  # invalid: the error names the line, the drawing stays
    expect(page.locator("#sketch-status")).to_contain_text("Line 4: expected a node after")
    expect(preview.locator("svg")).to_contain_text("GBDT re-ranker")
    expect(box).to_have_value(SKETCH + "\n  rr -->")
    box.fill(SKETCH)
    expect(page.locator("#sketch-status")).to_contain_text("5 boxes, 4 arrows")

    page.locator("#sketch-save").click()
    expect(page.locator("#chat")).to_contain_text("Sketch saved: 5 boxes, 4 arrows")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#sketch").screenshot(path=str(SCREENSHOTS / "sketch.png"))

    page.locator("#end").click()
    page.get_by_role("tab", name="Report").click()
    report = page.locator("#report-md")
    expect(report).to_contain_text("Components drawn: 4 of 9")
    expect(report).to_contain_text("Key flows missing")
    expect(report).to_contain_text("drawn: IVF-PQ shards")
    expect(report.locator("svg")).to_contain_text("Query router")  # the final diagram, drawn
    page.screenshot(path=str(SCREENSHOTS / "sketch-report.png"), full_page=True)
    assert outside == []
