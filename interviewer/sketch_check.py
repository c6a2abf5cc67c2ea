"""Checks an architecture sketch against a phase note's components and flows, and feeds the grader.

What a check reports (DESIGN.md section 6, the optional `sketch` key of a phase):
- components drawn, matched to the note's components by their names and synonyms, and the
  expected components missing from the diagram;
- drawn but never explained: a box whose component the candidate's answers never mention;
- explained but not drawn: a component the answers mention that the diagram lacks;
- key flows missing: an expected arrow with no path from one component to the other (a path may
  pass through boxes the note does not list, such as a queue between two services).

Matching is lexical on purpose: labels are short nouns ("HNSW index", "Feature store") where a
shared expert term decides, and abbreviations an interviewer accepts (ANN, HNSW, FAISS, KV, DB)
are expanded from a small table so "Vector DB" meets "ann shards". A drawn box says what, not how
or why: the grader reads each matched box as a bare phrase "drawn: <label>", which earns what the
same words would earn typed as an answer (little, without a reason or a number).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from pydantic import Field

from interviewer.domain import Frozen, Phase, Role, Turn, TurnKind
from interviewer.knowledge import Case, Component, PhaseNote
from interviewer.sketch import Sketch, SketchError, parse
from interviewer.text import STOPWORDS, markdown_literal, sentences, stem

if TYPE_CHECKING:  # the scorer imports this module for SketchCheck; only types come back
    from interviewer.grading.models import CriterionGrade, PhaseGrade

R = TypeVar("R")
B = TypeVar("B")
MAX_DRAWN = 3  # drawn components quoted per criterion, after what was said

# Words that say what kind of box something is, not which one: sharing only these is no match.
_GENERIC = frozenset(
    stem(w)
    for w in (
        "service server store storage index model pipeline job system data database db layer "
        "api engine module table log logs stream service worker cluster node platform app "
        "online offline batch real time set"
    ).split()
)
# Abbreviations and product names an interviewer reads as the generic part (a phrase -> what it
# also says). Kept small and specific to ML system design.
_ALSO: dict[str, str] = {
    "ann": "approximate nearest neighbor vector index",
    "approximate nearest neighbor": "ann",
    "nearest neighbor": "ann",
    "hnsw": "ann",
    "ivf": "ann",
    "ivfpq": "ann ivf pq",
    "faiss": "ann",
    "scann": "ann",
    "annoy": "ann",
    "knn": "ann",
    "vector index": "ann",
    "vector db": "ann",
    "vector database": "ann",
    "vector search": "ann",
    "kv": "key value",
    "key value": "kv",
    "db": "database",
    "redis": "cache key value",
    "memcached": "cache",
    "kafka": "queue event stream",
    "kinesis": "queue event stream",
    "pubsub": "queue event stream",
    "s3": "object storage",
    "gcs": "object storage",
    "blob": "object storage",
    "gbdt": "gradient boosted tree",
    "xgboost": "gbdt gradient boosted tree",
    "lightgbm": "gbdt gradient boosted tree",
    "gradient boosted": "gbdt",
    "dnn": "neural network",
    "mlp": "neural network",
    "triton": "inference server gpu",
    "torchserve": "inference server",
    "a/b": "experiment",
    "ab test": "experiment",
    "cdn": "cache",
    "feast": "feature store",
    "lb": "load balancer",
    "llm": "language model",
    "vlm": "vision language model",
}
_WORD = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
PARTIAL = 0.5  # share of a name's distinctive words a label must have when it lacks some


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """Stemmed words of a label or sentence, hyphenated words also joined ("re-ranker" ->
    "reranker"), plus what its abbreviations stand for."""
    lower = text.lower().replace("&", " ")
    out: set[str] = set()
    plain: list[str] = []
    for word in _WORD.findall(lower):
        parts = re.split(r"[-/]", word)
        plain += parts
        if len(parts) > 1:
            out.add(stem("".join(parts)))
            if word in _ALSO:
                out |= {stem(w) for w in _ALSO[word].split()}
    out |= {stem(p) for p in plain if p not in STOPWORDS}
    for n in (1, 2, 3):
        for i in range(len(plain) - n + 1):
            phrase = " ".join(plain[i : i + n])
            if phrase in _ALSO:
                out |= {stem(w) for w in _ALSO[phrase].split()}
    return frozenset(out)


@lru_cache(maxsize=8192)
def _name_tokens(name: str) -> frozenset[str]:
    words = re.split(r"[^a-z0-9]+", name.lower())
    return frozenset(stem(w) for w in words if w and w not in STOPWORDS)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def label_match(label: str, component: Component) -> float:
    """How surely a box labelled `label` is this component, to rank components: 2 when the label
    is one of its names, 1 to 1.5 when a name is wholly in the label (more when the name accounts
    for more of the label, so "Re-ranker" is the re-ranker before it is the ranker), below 1 when
    the label has only some of a name's distinctive words, 0 when none."""
    have = tokens(label)
    literal = _name_tokens(label)
    compact = _compact(label)
    best = 0.0
    for name in component.names:
        want = _name_tokens(name)
        if _compact(name) == compact:
            return 2.0
        if (want and want <= have) or (len(_compact(name)) >= 4 and _compact(name) in compact):
            best = max(best, 1.0 + 0.5 * len(want & literal) / max(1, len(literal)))
            continue
        distinctive = {w for w in want if w not in _GENERIC and len(w) >= 2}
        if not distinctive:
            continue
        share = len(distinctive & have) / len(distinctive)
        if share >= PARTIAL:
            # The words the candidate wrote outrank what an abbreviation stands for: "HNSW
            # index" is the note's "hnsw fresh index" before it is "ann shards".
            own = len(distinctive & literal) / len(distinctive)
            best = max(best, 0.85 * share + 0.1 * own)
    return best


def sentence_tokens(answers: Sequence[str]) -> list[frozenset[str]]:
    """Each sentence of the answers as `tokens`, computed once per check."""
    return [tokens(sentence) for answer in answers for sentence in sentences(answer)]


def mentioned(names: Sequence[str], said: Sequence[frozenset[str]]) -> bool:
    """Whether some sentence (see `sentence_tokens`) has every word of one of the names."""
    wanted = [w for w in (_name_tokens(n) for n in names) if w]
    return any(w <= have for have in said for w in wanted)


class DrawnComponent(Frozen):
    component: str  # the note's component id
    name: str  # its first name, for display
    node: str  # the Mermaid node id
    label: str  # the box's label as the candidate wrote it


class SketchCheck(Frozen):
    phase: Phase
    error: str | None = None  # invalid Mermaid: the line and what was expected
    drawn: list[DrawnComponent] = Field(default_factory=list[DrawnComponent])
    expected: int = 0
    missing: list[str] = Field(default_factory=list[str])  # expected components not drawn
    unexplained: list[DrawnComponent] = Field(default_factory=list[DrawnComponent])
    undrawn: list[str] = Field(default_factory=list[str])  # mentioned in answers, not drawn
    missing_flows: list[str] = Field(default_factory=list[str])  # "query encoder -> ann shards"
    other_boxes: list[str] = Field(default_factory=list[str])  # labels matching no component
    answers_compared: bool = True  # False: no answers given, the two answer lists are empty
    diagram: str = ""  # the text checked, as typed: the report draws it

    def components_drawn(self) -> int:
        return len({d.component for d in self.drawn})


def match_nodes(sketch: Sketch, note: PhaseNote) -> dict[str, Component]:
    """Each node id -> the component its label names best (nodes naming none are left out)."""
    out: dict[str, Component] = {}
    for node in sketch.nodes:
        scored = [(label_match(node.label, c), i, c) for i, c in enumerate(note.components)]
        score, _, component = max(scored, key=lambda s: (s[0], -s[1]), default=(0.0, 0, None))
        if component is not None and score > 0:
            out[node.id] = component
    return out


def check(
    sketch: Sketch, note: PhaseNote, answers: Sequence[str] | None, diagram: str = ""
) -> SketchCheck:
    """`answers` None: no transcript to compare with (the CLI without --transcript)."""
    matched = match_nodes(sketch, note)
    labels = {n.id: n.label for n in sketch.nodes}
    drawn = [
        DrawnComponent(component=c.id, name=c.names[0], node=node, label=labels[node])
        for node, c in matched.items()
    ]
    drawn_ids = {d.component for d in drawn}
    said = sentence_tokens(answers or [])
    unexplained = [
        d for d in drawn if not mentioned([*_component(note, d.component).names, d.label], said)
    ]
    names = {c.id: c.names[0] for c in note.components}
    return SketchCheck(
        phase=note.phase,
        drawn=drawn,
        expected=len(note.components),
        missing=[c.names[0] for c in note.components if c.id not in drawn_ids],
        unexplained=_first_per_component(unexplained) if answers is not None else [],
        undrawn=[
            c.names[0]
            for c in note.components
            if c.id not in drawn_ids and mentioned(c.names, said)
        ],
        missing_flows=[
            f"{names[a]} → {names[b]}"
            for a, b in note.flows
            if not _connected(sketch, matched, a, b)
        ],
        other_boxes=[n.label for n in sketch.nodes if n.id not in matched],
        answers_compared=answers is not None,
        diagram=diagram,
    )


def check_text(text: str, note: PhaseNote, answers: Sequence[str] | None) -> SketchCheck:
    """Like `check`, for the candidate's text; invalid Mermaid becomes a check with its error
    (nothing drawn), so a report still shows what was typed and why it did not count."""
    try:
        sketch = parse(text)
    except SketchError as err:
        said = sentence_tokens(answers or [])
        return SketchCheck(
            phase=note.phase,
            error=str(err),
            expected=len(note.components),
            missing=[c.names[0] for c in note.components],
            undrawn=[c.names[0] for c in note.components if mentioned(c.names, said)],
            answers_compared=answers is not None,
            diagram=text,
        )
    return check(sketch, note, answers, diagram=text)


def _component(note: PhaseNote, component_id: str) -> Component:
    return next(c for c in note.components if c.id == component_id)


def _first_per_component(items: list[DrawnComponent]) -> list[DrawnComponent]:
    seen: set[str] = set()
    out: list[DrawnComponent] = []
    for item in items:
        if item.component not in seen:
            seen.add(item.component)
            out.append(item)
    return out


def _connected(sketch: Sketch, matched: Mapping[str, Component], start: str, end: str) -> bool:
    """A path from a box of `start` to a box of `end`, passing only through boxes that are no
    listed component (a queue or a load balancer between two parts still connects them)."""
    sources = [n for n, c in matched.items() if c.id == start]
    targets = {n for n, c in matched.items() if c.id == end}
    if not sources or not targets:
        return False
    forward: dict[str, list[str]] = {}
    for edge in sketch.edges:
        forward.setdefault(edge.source, []).append(edge.target)
        if not edge.directed:
            forward.setdefault(edge.target, []).append(edge.source)
    frontier, seen = list(sources), set(sources)
    while frontier:
        node = frontier.pop()
        for nxt in forward.get(node, []):
            if nxt in targets:
                return True
            if nxt not in seen and nxt not in matched:
                seen.add(nxt)
                frontier.append(nxt)
    return False


# ---- the grader's hook ----


def candidate_prose(turns: Sequence[Turn]) -> list[str]:
    """What the candidate said or wrote as prose, in any phase (not questions, not sketches)."""
    skip = {TurnKind.SKETCH, TurnKind.CLARIFYING}
    return [t.text for t in turns if t.role is Role.CANDIDATE and t.kind not in skip]


def last_sketches(turns: Sequence[Turn]) -> dict[Phase, int]:
    """Per phase, the index of its last sketch save: each save is the whole diagram."""
    return {t.phase: i for i, t in enumerate(turns) if t.kind is TurnKind.SKETCH}


def phase_check(turns: Sequence[Turn], note: PhaseNote) -> SketchCheck | None:
    """The check of the phase's final sketch against everything the candidate said."""
    index = last_sketches(turns).get(note.phase)
    if index is None:
        return None
    return check_text(turns[index].text, note, candidate_prose(turns))


def with_drawn(turns: Sequence[Turn], notes: Mapping[Phase, PhaseNote]) -> list[Turn]:
    """The turns a scorer reads: each phase's final sketch becomes one "drawn: <label>" line per
    box that names a component of that phase's note; earlier saves, invalid sketches and boxes
    naming nothing are left out (Mermaid syntax is not prose, and an unmatched box is no evidence).
    """
    last = last_sketches(turns)
    out: list[Turn] = []
    for i, turn in enumerate(turns):
        if turn.kind is not TurnKind.SKETCH:
            out.append(turn)
            continue
        note = notes.get(turn.phase)
        if last.get(turn.phase) != i or note is None:
            continue
        try:
            sketch = parse(turn.text)
        except SketchError:
            continue
        matched = match_nodes(sketch, note)
        lines = [f"drawn: {n.label}" for n in sketch.nodes if n.id in matched]
        if lines:
            out.append(turn.model_copy(update={"text": "\n".join(lines)}))
    return out


def for_partial(check: SketchCheck) -> SketchCheck:
    """While the interview runs, nothing that names what is still missing."""
    return check.model_copy(update={"missing": [], "missing_flows": []})


def with_sketch(
    score: Callable[[Case, PhaseNote, R, Sequence[Turn], B], PhaseGrade],
    case: Case,
    phase: Phase,
    rubric: R,
    turns: Sequence[Turn],
    bar: B,
    partial: bool = False,
) -> PhaseGrade:
    """The grader's one hook: score a phase reading drawn boxes as bare phrases, quote each drawn
    component under its criteria, attach the check."""
    note = case.notes[phase]
    grade = score(case, note, rubric, with_drawn(turns, case.notes), bar)
    found = phase_check(turns, note)
    if found is None:
        return grade
    grade = quote_drawn(grade, note, found)
    return grade.model_copy(update={"sketch": for_partial(found) if partial else found})


def _phrase(text: str) -> str:
    """Stemmed words joined by spaces, padded: a name is in a text when its phrase is."""
    return " " + " ".join(stem(w) for w in re.split(r"[^a-z0-9]+", text.lower()) if w) + " "


def component_criteria(note: PhaseNote) -> dict[str, list[str]]:
    """Each component's criteria: those of the key points whose text names it as a phrase. A
    component no key point names falls under the criterion most components have (the note's
    architecture criterion, in practice)."""
    texts = {
        p.id: _phrase(" . ".join([p.statement, *p.phrasings, *p.signals])) for p in note.key_points
    }
    out: dict[str, list[str]] = {}
    for component in note.components:
        names = [_phrase(n) for n in component.names]
        criteria = [p.criterion for p in note.key_points if any(n in texts[p.id] for n in names)]
        out[component.id] = list(dict.fromkeys(criteria))
    counts = Counter(c for criteria in out.values() for c in criteria)
    usual = counts.most_common(1)[0][0] if counts else None
    if usual is None and note.key_points:
        usual = note.key_points[0].criterion
    return {k: v or ([usual] if usual else []) for k, v in out.items()}


def quote_drawn(grade: PhaseGrade, note: PhaseNote, found: SketchCheck) -> PhaseGrade:
    """Drawn components count as evidence for their criteria, quoted "drawn: <label>"."""
    if not found.drawn:
        return grade
    owners = component_criteria(note)
    criteria: list[CriterionGrade] = []
    for criterion in grade.criteria:
        quotes = [
            f"drawn: {d.label}" for d in found.drawn if criterion.id in owners.get(d.component, [])
        ]
        quotes = [q for q in dict.fromkeys(quotes) if q not in criterion.evidence][:MAX_DRAWN]
        criteria.append(
            criterion.model_copy(
                update={
                    "evidence": [*criterion.evidence, *quotes],
                    "sources": [*criterion.sources, *([note.phase] * len(quotes))],
                }
            )
        )
    return grade.model_copy(update={"criteria": criteria})


def fence(diagram: str) -> str:
    """The diagram as a ```mermaid block whose fence no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", diagram)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}mermaid\n{diagram.strip()}\n{ticks}"


def markdown_lines(check: SketchCheck) -> list[str]:
    """The report's view of a phase's sketch: the final diagram, then the four lists."""
    lines = ["### Sketch", ""]
    if check.diagram.strip() and check.error is None:
        lines += [fence(check.diagram), ""]
    if check.error:
        error = markdown_literal(check.error)
        lines += [f"_Not valid Mermaid ({error}); nothing in it was counted._", ""]
    if check.expected == 0:
        return [
            *lines,
            "_The notes for this phase list no components to check a sketch against._",
            "",
        ]
    drawn = ", ".join(f"{d.name} (“{markdown_literal(d.label)}”)" for d in check.drawn) or "none"
    count = f"{check.components_drawn()} of {check.expected}"
    lines.append(f"- **Components drawn:** {count}: {drawn}")
    if check.missing:
        lines.append(f"- **Not drawn:** {', '.join(check.missing)}")
    if check.unexplained:
        said = ", ".join(f"“{markdown_literal(d.label)}”" for d in check.unexplained)
        lines.append(f"- **Drawn but never explained:** {said}")
    if check.undrawn:
        lines.append(f"- **Explained but not drawn:** {', '.join(check.undrawn)}")
    if check.missing_flows:
        lines.append(f"- **Key flows missing:** {'; '.join(check.missing_flows)}")
    return [*lines, ""]


def summary_lines(check: SketchCheck) -> list[str]:
    """The four lists as plain text, for the terminal."""
    compare = "" if check.answers_compared else " (give --transcript to compare with answers)"
    lines = [
        f"Components drawn: {check.components_drawn()} of {check.expected}",
        *[f'  + {d.name}  <- "{d.label}"' for d in check.drawn],
        *[f"  - {name}  (not drawn)" for name in check.missing],
        f"Drawn but never explained: {len(check.unexplained)}{compare}",
        *[f'  ? "{d.label}" ({d.name})' for d in check.unexplained],
        f"Explained but not drawn: {len(check.undrawn)}{compare}",
        *[f"  ! {name}" for name in check.undrawn],
        f"Key flows missing: {len(check.missing_flows)}",
        *[f"  x {flow}" for flow in check.missing_flows],
    ]
    if check.other_boxes:
        lines.append("Boxes that name no component of this phase: " + ", ".join(check.other_boxes))
    return lines


def saved_message(text: str) -> str:
    """What the candidate sees after a save, and the chat's line for a sketch turn."""
    try:
        sketch = parse(text)
    except SketchError as err:
        return (
            f"Sketch saved as typed; it is not valid Mermaid yet ({err}), so it counts once fixed."
        )
    return f"Sketch saved: {len(sketch.nodes)} boxes, {len(sketch.edges)} arrows."
