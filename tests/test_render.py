"""Candidate text quoted in Markdown renders exactly as typed (chat, report, exports)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from interviewer.text import markdown_literal

RENDER = MarkdownIt("commonmark").enable("strikethrough").enable("table")


@pytest.mark.parametrize(
    "typed",
    [
        "~512px images go through the API gateway ~",
        "query -> encoder -> ANN index",
        "**not bold** _not italic_ `not code` [not a link](http://x)",
        "- not a list\n1. not numbered\n# not a heading",
        "<b>not bold</b> & <script>alert(1)</script>",
        "p/(p + (1-p)/w) | col | pipes",
    ],
)
def test_quoted_text_renders_as_typed(typed: str) -> None:
    html = RENDER.render(markdown_literal(typed))
    for tag in ("<del>", "<s>", "<strong>", "<em>", "<code>", "<a ", "<ul>", "<ol>", "<h1>", "<b>"):
        assert tag not in html
    assert "<script" not in html
    text = RENDER.render(markdown_literal(typed)).removeprefix("<p>").rstrip().removesuffix("</p>")
    unescaped = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    unescaped = unescaped.replace("&quot;", '"').replace("</p>\n<p>", "\n").replace("<br />", "")
    assert unescaped == typed


def test_an_arrow_stays_readable_in_the_downloaded_markdown() -> None:
    assert "&gt;" not in markdown_literal("a -> b")


def test_the_trend_draws_each_case_apart_in_percent_without_clipping() -> None:
    from interviewer.ui.render import trend

    points = [
        (1.0e9, "visual-search", "data", 1.0),
        (1.1e9, "ad-click-prediction", "data", 0.4),
        (1.2e9, "visual-search", "data", 0.5),
    ]
    figure = trend(points)
    lines = {trace.legendgroup: list(trace.y) for trace in figure.data}  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    assert lines == {"visual-search": [1.0, 0.5], "ad-click-prediction": [0.4]}
    assert figure.layout.yaxis.tickformat == ".0%"  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    low, high = figure.layout.yaxis.range  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    assert low < 0 and high > 1  # a perfect score's marker is drawn whole


def test_the_radar_shows_percent_and_leaves_unreached_phases_as_gaps() -> None:
    from interviewer.ui.render import radar

    figure = radar(None)
    trace = figure.data[0]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    assert all(value is None for value in trace.r)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    assert all("(not reached)" in label for label in trace.theta)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    assert figure.layout.polar.radialaxis.range == (0, 100)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
