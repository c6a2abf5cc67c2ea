"""The `interviewer` command as a user types it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["start"],
        ["drill"],
        ["resume"],
        ["sessions"],
        ["export"],
        ["grade"],
        ["index"],
        ["knowledge", "check"],
        ["eval", "grading"],
        ["eval", "retrieval"],
        ["ui"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def _cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "interviewer.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def test_unknown_case_lists_valid_ids() -> None:
    result = _cli("drill", "--case", "chat-server", "--fake")
    assert result.returncode == 2
    assert "Unknown case 'chat-server'" in result.stderr and "visual-search" in result.stderr


def test_unknown_phase_lists_valid_ids() -> None:
    result = _cli("drill", "--phase", "deployment", "--fake")
    assert result.returncode == 2
    assert "Valid phases: requirements, framing" in result.stderr


def test_terminal_drill_then_sessions_and_export(tmp_path: Path) -> None:
    answers = "How many users?\nWe'd log clicks with a 30 minute window because clicks arrive late.\n/end\n"
    result = _cli(
        "drill", "--case", "ad-click-prediction", "--phase", "data", "--fake", stdin=answers
    )
    assert result.returncode == 0, result.stderr
    assert "Interviewer (data)" in result.stdout
    assert "Interview report" in result.stdout
    listing = _cli("sessions")
    assert "ad-click-prediction" in listing.stdout
    assert re.search(r"overall=\d{1,3}% \(level [1-4], [a-z]+\)", listing.stdout)  # not 0.25
    session_id = listing.stdout.split()[0]
    exported = _cli("export", session_id, "--format", "json")
    data = json.loads(exported.stdout)
    assert (
        data["case"] == "ad-click-prediction"
        and data["mode"] == "drill"
        and data["phase"] == "data"
    )
    texts = [t["text"] for t in data["turns"] if t["role"] == "candidate"]
    assert texts == [
        "How many users?",
        "We'd log clicks with a 30 minute window because clicks arrive late.",
    ]
    markdown = _cli("export", session_id, "--format", "md")
    assert "**Candidate**" in markdown.stdout
    # Round trip: the exported file grades like the original transcript.
    path = tmp_path / "t.json"
    path.write_text(exported.stdout)
    graded = _cli("grade", str(path), "--json", "--fake")
    report = json.loads(graded.stdout.splitlines()[0])
    assert report["id"] == session_id and "data" in report["phases"]


def test_grade_json_lines_for_several_files() -> None:
    files = sorted((ROOT / "evals" / "grading").glob("visual-search--modeling--*.json"))[:3]
    result = _cli("grade", *map(str, files), "--json", "--fake")
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and len(lines) == 3
    assert all(json.loads(line)["case"] == "visual-search" for line in lines)


def test_grade_refuses_a_non_transcript(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\x01not json")
    result = _cli("grade", str(bad), "--fake")
    assert result.returncode == 1 and "not a transcript" in result.stderr


def test_export_refuses_path_like_ids() -> None:
    result = _cli("export", "../../etc/passwd")
    assert result.returncode == 2 and "not a valid session id" in result.stderr


def test_bad_config_is_one_clear_line() -> None:
    result = _cli("sessions", env={"INTERVIEWER_PORT": "not-a-port"})
    assert result.returncode == 2
    assert "INTERVIEWER_PORT" in result.stderr and "Traceback" not in result.stderr


def test_knowledge_check_prints_counts() -> None:
    result = runner.invoke(app, ["knowledge", "check"])
    assert (
        result.exit_code == 0
        and "key_points" in result.output
        and "complete and valid" in result.output
    )
