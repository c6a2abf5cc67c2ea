"""Browser checks for the rough edges of issue 21 (UI fixes 2-7), on the real app (`--fake`).

Each test acts like a new user in a fresh browser context; the app runs once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_browser import (
    DRILL,
    FULL,
    UI_TIMEOUT_MS,
    _answer,
    _bot,
    _open,
    _start,
    chromium,
    serve_app,
)

pytestmark = pytest.mark.browser

SCORE = re.compile(r"\d{1,3}% \(level [1-4], [a-z]+\)")  # "78% (level 4, strong)"
BARE_SCORE = re.compile(r"\b(overall|score) [01]\.\d\d\b")  # "overall 1.00", the old form


@pytest.fixture(scope="module", autouse=True)
def _expect_timeout() -> None:
    expect.set_options(timeout=UI_TIMEOUT_MS)


@pytest.fixture(scope="module")
def ui_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(tmp_path_factory.mktemp("browser-ui")) as url:
        yield url


@pytest.fixture(scope="module")
def ui_browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(ui_browser: Browser, ui_app: str) -> Iterator[Page]:
    context = ui_browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    opened = context.new_page()
    _open(opened, ui_app)
    yield opened
    context.close()


def _plot(page: Page, elem_id: str) -> dict[str, Any]:
    """The data and layout plotly drew in `#elem_id`."""
    return page.evaluate(
        """(id) => { const gd = document.querySelector(`#${id} .js-plotly-plot`);
                     return {data: gd.data, layout: gd.layout}; }""",
        elem_id,
    )


def test_quoted_markdown_stays_text_and_scores_read_as_percent(page: Page) -> None:
    """Fixes 2 (a '~' struck through), 3 (unreached phases at 0) and 6 ('overall 1.00')."""
    _start(page, DRILL)
    answer = (
        "We embed ~512px images with a CNN and search an ANN index because it keeps p99 under "
        "300 ms behind the ~API gateway~ -> shards."
    )
    _answer(page, answer)
    expect(page.locator("#chat del, #chat s")).to_have_count(0)
    page.locator("#grade").click()
    expect(page.locator("#chat")).to_contain_text(
        re.compile(r"Grade so far: overall " + SCORE.pattern)
    )

    page.get_by_role("tab", name="Report").click()
    report = page.locator("#report-md")
    expect(report).to_contain_text(SCORE)
    expect(report).not_to_contain_text(BARE_SCORE)
    expect(report).to_contain_text("~512px")
    expect(page.locator("#report-md del, #report-md s")).to_have_count(0)
    expect(page.locator("#radar .js-plotly-plot")).to_be_visible()
    radar = _plot(page, "radar")
    labels = radar["data"][0]["theta"]
    assert sum("(not reached)" in label for label in set(labels)) == 6  # all but the drilled one
    values = radar["data"][0]["r"]
    assert any(v is None for v in values) and all(v is None or 0 <= v <= 100 for v in values)
    assert radar["layout"]["polar"]["radialaxis"]["ticksuffix"] == "%"


def test_moving_on_after_saying_nothing_does_not_thank(page: Page) -> None:
    """Fix 4: 'Thanks. Let's move on' after a phase where the candidate said nothing."""
    _start(page, FULL)
    page.locator("#next").click()
    chat = page.locator("#chat")
    expect(chat).to_contain_text("Let's leave clarifying requirements there and move on to")
    expect(chat).not_to_contain_text("Thanks. Let's move on")


def test_a_hint_speaks_to_the_candidate_and_names_the_gap(page: Page) -> None:
    """Fix 7: hints came out as 'The candidate should consider...'."""
    _start(page, DRILL)
    bots = _bot(page).count()
    page.locator("#hint").click()
    expect(_bot(page)).to_have_count(bots + 1)
    hint = _bot(page).last
    expect(hint).to_contain_text(re.compile(r"^Hint: you haven't covered [a-z ,-]+ yet\. "))
    expect(hint).not_to_contain_text(re.compile(r"the candidate", re.IGNORECASE))


def test_a_drill_out_of_questions_offers_to_go_on_and_its_end_opens_the_report(
    page: Page,
) -> None:
    """Fix 5 (the drill ended by itself, report on another tab), then fixes 3 and 6 on History."""
    _start(page, DRILL)
    chat = page.locator("#chat")
    for _ in range(14):
        if "of the drill left" in chat.inner_text() or "we're about at time" in chat.inner_text():
            break
        _answer(page, "Not sure.")
    offer = _bot(page).last
    expect(offer).to_contain_text(re.compile(r"with about \d+ minutes? of the drill left"))
    expect(offer).to_contain_text("Keep going")
    expect(page.locator("#clock")).not_to_contain_text("finished")

    _answer(page, "I'd add a fallback to the old embeddings because they are already indexed.")
    expect(page.get_by_role("tab", name="Interview")).to_have_attribute("aria-selected", "true")

    page.locator("#end").click()
    expect(page.get_by_role("tab", name="Report")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#report-md")).to_contain_text("Interview report")
    expect(page.locator("#report-md")).to_contain_text(SCORE)

    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#history-table")).to_contain_text(SCORE)
    expect(page.locator("#trend .js-plotly-plot")).to_be_visible()
    trend = _plot(page, "trend")
    assert trend["data"], "the finished drill is on the trend"
    for line in trend["data"]:
        assert line["legendgroup"]  # each line belongs to one case's group
        assert all(0 <= y <= 1 for y in line["y"])
    assert trend["layout"]["yaxis"]["tickformat"] == ".0%"
    low, high = trend["layout"]["yaxis"]["range"]
    assert low < 0 and high > 1  # a 100% marker is not cut in half
