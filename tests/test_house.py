"""Rules of the house that code review keeps missing: functions one screen long."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "interviewer"
MAX_LINES = 80
REASON = "# long:"  # on the line above the def (or its decorators): why this one may be longer


def long_functions(source: str, name: str = "<source>") -> list[str]:
    """Functions over MAX_LINES lines (decorators included) without a `# long:` reason above."""
    lines = source.splitlines()
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = (node.end_lineno or node.lineno) - first + 1
        above = lines[first - 2].strip() if first >= 2 else ""
        if length > MAX_LINES and not above.startswith(REASON):
            found.append(f"{name}:{node.lineno} {node.name} is {length} lines")
    return found


def test_no_function_in_the_package_is_over_80_lines_without_a_reason() -> None:
    found = [
        problem
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in long_functions(path.read_text(encoding="utf-8"), str(path))
    ]
    assert found == []


def test_a_long_function_is_caught_unless_it_says_why() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))
    [problem] = long_functions(f"def build():\n{body}", "m.py")
    assert problem == f"m.py:1 build is {MAX_LINES + 1} lines"
    assert (
        long_functions(f"x = 1\n# long: one table, read top to bottom\ndef build():\n{body}") == []
    )
    half = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES // 2))
    assert long_functions(f"def short():\n{half}") == []
