"""Architecture sketches: parse a Mermaid flowchart and check it against a phase note's components.

Written by hand, not taken from a library: the Python Mermaid parsers on PyPI either wrap the
JavaScript parser (`mermaid-parser-py` needs Node.js and PythonMonkey, which this offline, pure
module must not), or are unmaintained single releases without documentation
(`mermaid-syntax-parser`). The flowchart subset a candidate writes (nodes in the usual shapes,
the four link styles with labels, chains, `&`, subgraphs, comments, ignored style lines) is a
line-oriented grammar small enough to parse in one screenful per construct, with error messages
that name the line and what was expected, which is what a candidate needs while typing.

Pure: no framework, no I/O. The UI renders the same text with Mermaid's own renderer; this
parser only has to read what a renderer accepts, and reject it with a readable message otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviewer.domain import Frozen
from interviewer.errors import InputRejected

# ---- the parsed diagram ----


class SketchNode(Frozen):
    id: str
    label: str
    line: int
    subgraph: str | None = None


class SketchEdge(Frozen):
    source: str
    target: str
    label: str = ""
    directed: bool = True  # `---` and `-.-` draw a line without a direction
    line: int


class Sketch(Frozen):
    direction: str = "TB"
    nodes: list[SketchNode]
    edges: list[SketchEdge]
    subgraphs: dict[str, str]  # id -> title


class SketchError(InputRejected):
    """Invalid Mermaid: says on which line and what was expected there."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.detail = message
        text = f"line {line}: {message}"
        super().__init__(text, user_message=f"The sketch is not valid Mermaid: {text}")


# ---- the grammar ----

_HEADER = re.compile(r"^(flowchart|graph)\b\s*(\S+)?\s*$", re.IGNORECASE)
_DIRECTIONS = {"TB", "TD", "BT", "RL", "LR", "<", ">", "^", "V"}
_IGNORED = re.compile(r"^(classDef|class|style|linkStyle|click|direction|accTitle|accDescr)\b")
_ID = re.compile(r"[\w]+(?:-(?![-.>])[\w]+)*")
# Shapes, longest opener first; the closers a label may end with.
_SHAPES: list[tuple[str, tuple[str, ...]]] = [
    ("(((", (")))",)),
    ("((", ("))",)),
    ("([", ("])",)),
    ("[[", ("]]",)),
    ("[(", (")]",)),
    ("{{", ("}}",)),
    ("[/", ("/]", "\\]")),
    ("[\\", ("\\]", "/]")),
    ("[", ("]",)),
    ("(", (")",)),
    ("{", ("}",)),
    (">", ("]",)),
]
_DELIMITERS = set("[](){}")
# A link: optional head, the line (--, ==, -.-), optional head; or a link with text in the middle.
_LINK = re.compile(r"(?P<start>[<ox])?(?P<body>-{2,}|={2,}|-\.+-)(?P<end>>|[ox](?=[\s|]|$))?")
_TEXT_LINK = re.compile(
    r"(?P<start><)?(?P<open>--|==|-\.)(?![->=.])\s*(?P<text>[^|]+?)\s*"
    r"(?P<close>-{2,}>|={2,}>|\.-+>|-{3,}|={3,}|\.-+)"
)
_PIPE = re.compile(r"\s*\|(?P<text>[^|]*)\|")
_SHAPE_DATA = re.compile(r"@\{(?P<body>[^}]*)\}")
_LABEL_KEY = re.compile(r"label\s*:\s*(\"(?P<q>[^\"]*)\"|(?P<bare>[^,]+))")


@dataclass
class _Builder:
    nodes: dict[str, SketchNode] = field(default_factory=dict[str, SketchNode])
    edges: list[SketchEdge] = field(default_factory=list[SketchEdge])
    subgraphs: dict[str, str] = field(default_factory=dict[str, str])
    open: list[tuple[str, int]] = field(default_factory=list[tuple[str, int]])

    def node(self, node_id: str, label: str | None, line: int) -> None:
        inside = self.open[-1][0] if self.open else None
        old = self.nodes.get(node_id)
        if old is None:
            self.nodes[node_id] = SketchNode(
                id=node_id, label=label or node_id, line=line, subgraph=inside
            )
        elif label:  # a later definition relabels the node, as in Mermaid
            self.nodes[node_id] = old.model_copy(update={"label": label})


def parse(text: str) -> Sketch:
    """Parse Mermaid flowchart text; raise SketchError naming the line and what was expected."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _skip_front_matter(lines)
    builder = _Builder()
    direction: str | None = None
    for number, raw in enumerate(lines[start:], start + 1):
        line = raw.strip()
        if not line or line.startswith("%%"):
            continue
        statements = _split_statements(line, number)
        if direction is None:
            direction = _header(statements.pop(0), number)
        for statement in statements:
            _statement(builder, statement, number)
    if direction is None:
        raise SketchError(1, "the sketch is empty; start with a header such as 'flowchart LR'")
    if builder.open:
        name, line = builder.open[-1]
        raise SketchError(line, f"subgraph '{name}' is never closed; expected 'end'")
    nodes = [n for n in builder.nodes.values() if n.id not in builder.subgraphs]
    return Sketch(
        direction=direction, nodes=nodes, edges=builder.edges, subgraphs=builder.subgraphs
    )


def _skip_front_matter(lines: list[str]) -> int:
    """Mermaid allows a `---` ... `---` block (title, config) before the header."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        return 0
    for i in range(first + 1, len(lines)):
        if lines[i].strip() == "---":
            return i + 1
    raise SketchError(first + 1, "front matter opened with '---' is never closed with '---'")


def _header(statement: str, line: int) -> str:
    found = _HEADER.match(statement)
    if found is None:
        word = statement.split()[0] if statement.split() else statement
        raise SketchError(
            line, f"expected a header 'flowchart LR' or 'graph TD' (a flowchart), found '{word}'"
        )
    direction = (found.group(2) or "TB").upper()
    if direction not in _DIRECTIONS:
        raise SketchError(
            line, f"expected a direction TB, TD, BT, LR or RL after '{found.group(1)}', "
            f"found '{found.group(2)}'"
        )  # fmt: skip
    return "TB" if direction == "TD" else direction


def _split_statements(line: str, number: int) -> list[str]:
    """`;` separates statements, except inside quotes and node brackets."""
    parts: list[str] = []
    depth, quoted, begin = 0, False, 0
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "[({":
            depth += 1
        elif not quoted and ch in "])}":
            depth = max(0, depth - 1)
        elif ch == ";" and not quoted and depth == 0:
            parts.append(line[begin:i])
            begin = i + 1
    if quoted:
        raise SketchError(number, 'a quoted label is never closed; expected a closing "')
    parts.append(line[begin:])
    return [p.strip() for p in parts if p.strip() and not p.strip().startswith("%%")]


def _statement(builder: _Builder, statement: str, line: int) -> None:
    keyword = statement.split()[0]
    if keyword == "subgraph":
        _subgraph(builder, statement[len("subgraph") :].strip(), line)
    elif statement == "end":
        if not builder.open:
            raise SketchError(line, "'end' without an open subgraph")
        builder.open.pop()
    elif _IGNORED.match(statement):
        return  # styling and layout: nothing a check reads
    else:
        _chain(builder, statement, line)


def _subgraph(builder: _Builder, rest: str, line: int) -> None:
    if not rest:
        raise SketchError(line, "expected a name after 'subgraph'")
    found = _ID.match(rest)
    if rest.startswith('"') or found is None:
        title = rest.strip('"')
        sub_id = title
    else:
        sub_id = found.group(0)
        tail = rest[found.end() :].strip()
        if tail.startswith("["):
            if not tail.endswith("]"):
                raise SketchError(line, f"subgraph title '{tail}' is never closed; expected ']'")
            title = _clean_label(tail[1:-1])
        else:
            title = rest  # `subgraph Online serving`: the words are the title
            sub_id = rest if tail else sub_id
    builder.subgraphs[sub_id] = title
    builder.open.append((sub_id, line))


def _chain(builder: _Builder, statement: str, line: int) -> None:
    """`A & B --> C -- text --> D`: node groups joined by links; each link joins every pair."""
    pos = 0
    group, pos = _group(builder, statement, pos, line)
    while True:
        pos = _skip_space(statement, pos)
        if pos >= len(statement):
            return
        link = _link(statement, pos)
        if link is None:
            found = statement[pos : pos + 12]
            raise SketchError(
                line, f"expected an arrow (-->, ---, -.->, ==>) or '&' after "
                f"'{statement[:pos].strip()}', found '{found}'"
            )  # fmt: skip
        label, directed, pos = link
        pos = _skip_space(statement, pos)
        if pos >= len(statement):
            raise SketchError(line, f"expected a node after the arrow in '{statement}'")
        targets, pos = _group(builder, statement, pos, line)
        for source in group:
            for target in targets:
                builder.edges.append(
                    SketchEdge(
                        source=source, target=target, label=label, directed=directed, line=line
                    )
                )
        group = targets


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _group(builder: _Builder, text: str, pos: int, line: int) -> tuple[list[str], int]:
    ids: list[str] = []
    while True:
        node_id, pos = _node(builder, text, pos, line)
        ids.append(node_id)
        after = _skip_space(text, pos)
        if after < len(text) and text[after] == "&":
            pos = _skip_space(text, after + 1)
            continue
        return ids, pos


def _node(builder: _Builder, text: str, pos: int, line: int) -> tuple[str, int]:
    found = _ID.match(text, pos)
    if found is None:
        got = text[pos : pos + 12] or "end of line"
        raise SketchError(line, f"expected a node id (letters, digits, _), found '{got}'")
    node_id, pos = found.group(0), found.end()
    if node_id == "end":
        raise SketchError(line, "'end' closes a subgraph; it cannot be a node id here")
    label: str | None = None
    data = _SHAPE_DATA.match(text, pos)
    if data is not None:
        key = _LABEL_KEY.search(data.group("body"))
        label = (key.group("q") or key.group("bare") or "").strip() if key else None
        pos = data.end()
    else:
        label, pos = _shape(text, pos, node_id, line)
    if text.startswith(":::", pos):  # a class name for styling
        styled = _ID.match(text, pos + 3)
        pos = styled.end() if styled else pos + 3
    builder.node(node_id, label, line)
    return node_id, pos


def _shape(text: str, pos: int, node_id: str, line: int) -> tuple[str | None, int]:
    for opener, closers in _SHAPES:
        if not text.startswith(opener, pos):
            continue
        begin = pos + len(opener)
        if text[begin:].lstrip().startswith('"'):
            quote = text.index('"', begin)
            close = text.find('"', quote + 1)
            if close < 0:
                raise SketchError(
                    line, f"the label of node '{node_id}' is never closed; expected \""
                )
            label = text[quote + 1 : close]
            after = _skip_space(text, close + 1)
            for closer in closers:
                if text.startswith(closer, after):
                    return _clean_label(label), after + len(closer)
            raise SketchError(line, f"expected '{closers[0]}' after the label of node '{node_id}'")
        ends = [(text.find(c, begin), c) for c in closers if text.find(c, begin) >= 0]
        if not ends:
            raise SketchError(
                line, f"the label of node '{node_id}' is never closed; expected '{closers[0]}'"
            )
        end, closer = min(ends)
        label = text[begin:end]
        if any(ch in _DELIMITERS for ch in label):
            raise SketchError(
                line, f"the label of node '{node_id}' contains a bracket; put it in quotes, "
                f'e.g. {node_id}["{label.strip()}"]'
            )  # fmt: skip
        return _clean_label(label), end + len(closer)
    return None, pos


def _link(text: str, pos: int) -> tuple[str, bool, int] | None:
    """(label, directed, position after the link and its |label|), or None if no link is here."""
    found = _TEXT_LINK.match(text, pos)
    if found is not None:
        return found.group("text").strip(), found.group("close").endswith(">"), found.end()
    found = _LINK.match(text, pos)
    if found is None:
        return None
    directed = bool(found.group("end")) or bool(found.group("start"))
    end = found.end()
    pipe = _PIPE.match(text, end)
    if pipe is not None:
        return _clean_label(pipe.group("text")), directed, pipe.end()
    return "", directed, end


def _clean_label(label: str) -> str:
    label = re.sub(r"<br\s*/?>", " ", label, flags=re.IGNORECASE)
    label = label.strip().strip('"').strip("`")
    return " ".join(label.split())
