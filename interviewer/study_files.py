"""Writes a study sheet to a file, Markdown or HTML by its suffix (the CLI and the app share it)."""

from __future__ import annotations

from pathlib import Path

from interviewer.adapters.html_page import sheet_html
from interviewer.errors import InputRejected
from interviewer.study_sheet import StudySheet

SUFFIXES = (".md", ".html")


def write_sheet(sheet: StudySheet, path: Path) -> Path:
    """Write `sheet` to `path` (.md or .html); InputRejected with a plain message otherwise."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputRejected(
            str(path), user_message=f"{path}: the study sheet is written as .md or .html"
        )
    text = sheet_html(sheet) if suffix == ".html" else sheet.to_markdown()
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputRejected(str(err), user_message=f"{path}: cannot be written ({err})") from err
    return path
