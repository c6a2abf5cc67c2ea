"""Loads prompt files from `prompts/` and renders them with strict variables.

`string.Template` is used on purpose: `$name` placeholders leave JSON braces in prompts alone, and
`substitute` raises on a missing variable. Unused variables are an error too, so a prompt and its
caller cannot drift apart silently.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_PLACEHOLDER = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class PromptError(KeyError):
    pass


@cache
def load_prompt(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"no prompt file {path}")
    return path.read_text(encoding="utf-8").strip()


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def render(name: str, /, **variables: str) -> str:
    text = load_prompt(name)
    wanted = placeholders(text)
    missing = wanted - variables.keys()
    extra = variables.keys() - wanted
    if missing or extra:
        raise PromptError(f"prompt {name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return Template(text).substitute(variables)


def system_prompt(task: str) -> str:
    """The persona plus one task's instructions: fixed text, so the server can keep it prefilled."""
    return f"{load_prompt('persona')}\n{load_prompt(task)}"


def fence(text: str) -> str:
    """Mark candidate text as data: inside a fence that the text itself cannot close."""
    cleaned = text.replace("<<<", "‹‹‹").replace(">>>", "›››")
    return f"<<<CANDIDATE_TEXT\n{cleaned}\nCANDIDATE_TEXT>>>"
