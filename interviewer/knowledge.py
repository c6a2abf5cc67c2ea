"""Loads and validates `knowledge/` (fact sheets, phase notes, rubrics) into typed objects.

Bad notes fail loudly with the file and line, so a broken note never reaches an interview.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from interviewer.domain import GRADED_PHASES, CaseId, Level, Phase
from interviewer.errors import InterviewerError

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
MODEL_ANSWER_HEADING = "## Model answer"
FACT_TOPICS = (
    "scale",
    "latency",
    "freshness",
    "data",
    "labels",
    "privacy",
    "scope",
    "business",
    "infra",
    "product",
)

# What every phase note has (FORMAT.md): misconceptions to challenge, a staff bar, and for the
# phases a candidate sketches, the components and flows of a good diagram.
MIN_MISCONCEPTIONS, MIN_STAFF_POINTS = 3, 2
SKETCHED_PHASES = (Phase.DATA, Phase.MODELING, Phase.SERVING, Phase.MONITORING)

Kebab = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, Field(min_length=3)]
Keyword = Annotated[str, Field(min_length=2)]


class KnowledgeError(InterviewerError):
    """A note that does not validate; names the file and the line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}", user_message=f"{where}: {message}")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Fact(Strict):
    id: Kebab
    topic: str
    keywords: list[Keyword] = Field(min_length=2)
    answer: Text

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        if value not in FACT_TOPICS:
            raise ValueError(f"unknown topic {value!r}; use one of {', '.join(FACT_TOPICS)}")
        return value


class CaseFacts(Strict):
    case: CaseId
    title: Text
    prompt: Text
    summary: Text
    terms: list[str] = Field(min_length=5)
    facts: list[Fact] = Field(min_length=8)
    established: dict[Phase, Text]
    source: str = ""

    @model_validator(mode="after")
    def _unique_ids(self) -> CaseFacts:
        _no_duplicates((f.id for f in self.facts), "fact id")
        return self


# A bare number in YAML (`signals: [100m, 32]`) is still a term: read it as text.
Signal = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v),
    Field(min_length=1, pattern=r"^[^A-Z]*$"),
]


# Two to five space-separated slots, each one or more words joined by "|", all lower case; a word
# ending in "*" is a prefix; "a/b" is read as written and as its parts.
Cue = Annotated[str, Field(pattern=r"^[a-z0-9%'|./*-]+( [a-z0-9%'|./*-]+){1,4}$")]


class KeyPoint(Strict):
    id: Kebab
    criterion: Kebab
    weight: int = Field(ge=1, le=3)
    statement: Text
    phrasings: list[Text] = Field(min_length=2, max_length=6)
    signals: list[Signal] = Field(default_factory=list[str], max_length=12)
    ask: str = ""
    level: Level = Level.SENIOR

    def expected_at(self, level: Level) -> bool:
        return self.level.rank <= level.rank


class Correction(Strict):
    key_point: Kebab
    statement: Text


class Misconception(Strict):
    id: Kebab
    claim: Text
    phrasings: list[Text] = Field(min_length=2, max_length=4)
    signals: list[Signal] = Field(min_length=1, max_length=8)
    # Stance cues: word slots that together say the wrong thing, not just its topic
    # ("random|shuffle split|pairs"); see interviewer/grading/cues.py for how they match.
    cues: list[Cue] = Field(default_factory=list[str], max_length=8)
    why_wrong: Text
    correction: Correction
    challenge: Text


class Component(Strict):
    id: Kebab
    names: list[Signal] = Field(min_length=1)


class Rule(Strict):
    if_: Text = Field(alias="if")
    then: Text
    because: Text

    def sentence(self) -> str:
        return f"If {self.if_}, then {self.then}, because {self.because}."


class PhaseNote(Strict):
    case: CaseId
    phase: Phase
    opening: Text
    follow_ups: list[Text] = Field(min_length=4, max_length=8)
    key_points: list[KeyPoint] = Field(min_length=5, max_length=12)
    rules: list[Rule] = Field(min_length=3)
    mistakes: list[Text] = Field(min_length=3)
    misconceptions: list[Misconception] = Field(default_factory=list[Misconception])
    components: list[Component] = Field(default_factory=list[Component])
    flows: list[tuple[Kebab, Kebab]] = Field(default_factory=list[tuple[str, str]])
    model_answer: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> PhaseNote:
        _no_duplicates((k.id for k in self.key_points), "key point id")
        _no_duplicates((m.id for m in self.misconceptions), "misconception id")
        points = {k.id for k in self.key_points}
        for wrong in self.misconceptions:
            if wrong.correction.key_point not in points:
                raise ValueError(
                    f"misconception {wrong.id!r} corrects unknown key point "
                    f"{wrong.correction.key_point!r}"
                )
        parts = {c.id for c in self.components}
        for start, end in self.flows:
            if start not in parts or end not in parts:
                raise ValueError(f"flow {start} -> {end} names a component this note lacks")
        words = len(self.model_answer.split())
        if not 150 <= words <= 300:
            raise ValueError(f"model answer has {words} words; write 150-300")
        return self


class Criterion(Strict):
    id: Kebab
    name: Text
    description: Text
    levels: dict[int, Text]

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, value: dict[int, str]) -> dict[int, str]:
        if sorted(value) != [1, 2, 3, 4]:
            raise ValueError("levels must be exactly 1, 2, 3 and 4")
        return value


class Rubric(Strict):
    phase: str
    criteria: list[Criterion] = Field(min_length=4, max_length=6)
    source: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)


class WrapupNote(Strict):
    opening: Text
    follow_ups: list[Text] = Field(min_length=2)
    source: str = ""


class Case(Strict):
    facts: CaseFacts
    notes: dict[Phase, PhaseNote]

    @property
    def id(self) -> CaseId:
        return self.facts.case

    @property
    def complete(self) -> bool:
        return all(p in self.notes for p in GRADED_PHASES)


class KnowledgeBase(Strict):
    root: str
    cases: dict[CaseId, Case]
    rubrics: dict[str, Rubric]
    wrapup: WrapupNote

    def case(self, case_id: CaseId) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            ready = ", ".join(sorted(self.cases)) or "none"
            raise KeyError(f"no notes for case {case_id!r}; cases with notes: {ready}") from None

    @property
    def ready_cases(self) -> list[CaseId]:
        return [c for c in CaseId if c in self.cases and self.cases[c].complete]

    def missing(self) -> list[str]:
        """Files that a complete knowledge base has and this one lacks."""
        root = Path(self.root)
        gaps: list[str] = []
        for case_id in CaseId:
            case = self.cases.get(case_id)
            if case is None:
                gaps.append(str(root / "cases" / case_id / "facts.md"))
            for phase in GRADED_PHASES:
                if case is None or phase not in case.notes:
                    gaps.append(str(root / "cases" / case_id / f"{phase}.md"))
        gaps += [
            str(root / "rubrics" / f"{p}.yaml") for p in _rubric_names() if p not in self.rubrics
        ]
        return gaps

    def shortfalls(self) -> list[str]:
        """Notes below the bar every note must meet: misconceptions, a staff bar, a sketch."""
        gaps: list[str] = []
        for case in self.cases.values():
            for phase, note in case.notes.items():
                staff = sum(1 for k in note.key_points if k.level is Level.STAFF)
                if len(note.misconceptions) < MIN_MISCONCEPTIONS:
                    gaps.append(f"{note.source}: {len(note.misconceptions)} misconceptions")
                if staff < MIN_STAFF_POINTS:
                    gaps.append(f"{note.source}: {staff} staff-level key points")
                if phase in SKETCHED_PHASES and not (note.components and note.flows):
                    gaps.append(f"{note.source}: no components and flows")
        return gaps

    def counts(self) -> dict[str, int]:
        notes = [n for c in self.cases.values() for n in c.notes.values()]
        return {
            "cases": len(self.cases),
            "fact_sheets": len(self.cases),
            "facts": sum(len(c.facts.facts) for c in self.cases.values()),
            "notes": len(notes),
            "key_points": sum(len(n.key_points) for n in notes),
            "follow_ups": sum(len(n.follow_ups) for n in notes),
            "rules": sum(len(n.rules) for n in notes),
            "mistakes": sum(len(n.mistakes) for n in notes),
            "misconceptions": sum(len(n.misconceptions) for n in notes),
            "staff_key_points": sum(
                1 for n in notes for k in n.key_points if k.level is Level.STAFF
            ),
            "mid_key_points": sum(1 for n in notes for k in n.key_points if k.level is Level.MID),
            "signals": sum(len(k.signals) for n in notes for k in n.key_points),
            "components": sum(len(n.components) for n in notes),
            "flows": sum(len(n.flows) for n in notes),
            "model_answer_words": sum(len(n.model_answer.split()) for n in notes),
            "rubrics": len(self.rubrics),
            "criteria": sum(len(r.criteria) for r in self.rubrics.values()),
        }


def _rubric_names() -> list[str]:
    return [*(str(p) for p in GRADED_PHASES), "cross-cutting"]


def _no_duplicates(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} {item!r}")
        seen.add(item)


# ---- parsing with line numbers ----

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)


def _split_front_matter(path: Path, text: str) -> tuple[str, str]:
    found = _FRONT_MATTER.match(text)
    if not found:
        raise KnowledgeError(path, 1, "expected YAML front matter between '---' lines")
    return found.group(1), found.group(2)


def _load_yaml(path: Path, text: str, line_offset: int) -> tuple[Any, yaml.Node | None]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = (mark.line + 1 + line_offset) if mark is not None else None
        raise KnowledgeError(path, line, f"invalid YAML: {getattr(err, 'problem', err)}") from err
    return data, node


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...], offset: int) -> int | None:
    """Best-effort: the line of the YAML node at a pydantic error location."""
    current = node
    best = node.start_mark.line if node is not None else None
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            nxt = None
            for key, value in current.value:
                if str(key.value) == str(part) or (part == "if_" and key.value == "if"):
                    nxt = value
                    best = key.start_mark.line
                    break
            current = nxt
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part < len(current.value):
                current = current.value[part]
                best = current.start_mark.line
            else:
                current = None
        else:
            break
        if current is None:
            break
    return None if best is None else best + 1 + offset


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, path: Path, node: yaml.Node | None, offset: int) -> M:
    if not isinstance(data, dict):
        raise KnowledgeError(path, offset + 1, "expected a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "(file)"
        line = _line_of(node, loc, offset)
        raise KnowledgeError(path, line, f"{field}: {first['msg']}") from err


def load_facts(path: Path) -> CaseFacts:
    front, _ = _split_front_matter(path, path.read_text(encoding="utf-8"))
    data, node = _load_yaml(path, front, 1)
    if isinstance(data, dict):
        data["source"] = _relative(path)
    return _validate(CaseFacts, data, path, node, 1)


def load_note(path: Path) -> PhaseNote:
    front, body = _split_front_matter(path, path.read_text(encoding="utf-8"))
    data, node = _load_yaml(path, front, 1)
    if isinstance(data, dict):
        data["model_answer"] = _model_answer(path, body, front.count("\n") + 3)
        data["source"] = _relative(path)
        if data.get("phase") != path.stem:
            raise KnowledgeError(path, 2, f"phase {data.get('phase')!r} does not match file name")
        if data.get("case") != path.parent.name:
            raise KnowledgeError(path, 2, f"case {data.get('case')!r} does not match its folder")
    return _validate(PhaseNote, data, path, node, 1)


def _model_answer(path: Path, body: str, body_line: int) -> str:
    lines = body.splitlines()
    for index, line in enumerate(lines):
        if line.strip().lower() == MODEL_ANSWER_HEADING.lower():
            rest: list[str] = []
            for following in lines[index + 1 :]:
                if following.startswith("## "):
                    break
                rest.append(following)
            answer = "\n".join(rest).strip()
            if not answer:
                raise KnowledgeError(path, body_line + index, "the model answer is empty")
            return answer
    raise KnowledgeError(path, body_line, f"missing section '{MODEL_ANSWER_HEADING}'")


def load_rubric(path: Path) -> Rubric:
    text = path.read_text(encoding="utf-8")
    data, node = _load_yaml(path, text, 0)
    if isinstance(data, dict):
        data["source"] = _relative(path)
    return _validate(Rubric, data, path, node, 0)


def load_wrapup(path: Path) -> WrapupNote:
    front, _ = _split_front_matter(path, path.read_text(encoding="utf-8"))
    data, node = _load_yaml(path, front, 1)
    if isinstance(data, dict):
        data["source"] = _relative(path)
    return _validate(WrapupNote, data, path, node, 1)


def _relative(path: Path) -> str:
    parts = path.resolve().parts
    if "knowledge" in parts:
        return "/".join(parts[parts.index("knowledge") :])
    return path.name


def load_knowledge(root: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load every note under `root`. Unknown case folders or phase files are errors."""
    cases_dir = root / "cases"
    if not cases_dir.is_dir():
        raise KnowledgeError(cases_dir, None, "knowledge folder not found")
    valid_cases = {str(c) for c in CaseId}
    valid_files = {"facts.md", *(f"{p}.md" for p in GRADED_PHASES)}
    cases: dict[CaseId, Case] = {}
    for folder in sorted(p for p in cases_dir.iterdir() if p.is_dir()):
        if folder.name not in valid_cases:
            raise KnowledgeError(folder, None, f"unknown case id; valid: {', '.join(valid_cases)}")
        for extra in sorted(folder.glob("*.md")):
            if extra.name not in valid_files:
                raise KnowledgeError(
                    extra, None, "unknown phase file; valid: " + ", ".join(sorted(valid_files))
                )
        facts_path = folder / "facts.md"
        if not facts_path.exists():
            raise KnowledgeError(facts_path, None, "missing fact sheet")
        facts = load_facts(facts_path)
        if facts.case != folder.name:
            raise KnowledgeError(facts_path, 2, f"case {facts.case!r} does not match its folder")
        notes = {
            phase: load_note(folder / f"{phase}.md")
            for phase in GRADED_PHASES
            if (folder / f"{phase}.md").exists()
        }
        cases[CaseId(folder.name)] = Case(facts=facts, notes=notes)
    rubrics: dict[str, Rubric] = {}
    for name in _rubric_names():
        path = root / "rubrics" / f"{name}.yaml"
        if path.exists():
            rubric = load_rubric(path)
            if rubric.phase != name:
                raise KnowledgeError(path, 1, f"phase {rubric.phase!r} does not match file name")
            rubrics[name] = rubric
    for case in cases.values():
        for note in case.notes.values():
            _check_criteria(note, rubrics.get(note.phase), root)
    wrapup = load_wrapup(root / "wrapup.md")
    return KnowledgeBase(root=str(root), cases=cases, rubrics=rubrics, wrapup=wrapup)


def _check_criteria(note: PhaseNote, rubric: Rubric | None, root: Path) -> None:
    if rubric is None:
        return
    known = {c.id for c in rubric.criteria}
    for point in note.key_points:
        if point.criterion not in known:
            path = root.parent / note.source if note.source else root
            raise KnowledgeError(
                path,
                None,
                f"key point {point.id!r} names criterion {point.criterion!r}; "
                f"the {note.phase} rubric has {', '.join(sorted(known))}",
            )


@cache
def default_knowledge() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)
