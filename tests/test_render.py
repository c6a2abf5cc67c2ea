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
