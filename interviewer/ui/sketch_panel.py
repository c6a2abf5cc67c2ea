"""The sketch panel: Mermaid text beside the diagram it draws, redrawn as the candidate types.

The diagram is drawn in the browser by the Mermaid copy bundled in Gradio's frontend (a ```mermaid
block in a gr.Markdown; securityLevel "antiscript"), so it works with no network. The server only
parses the text to say whether it is valid and where it is not: invalid text keeps the last good
drawing on screen and never touches the box, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from interviewer.sketch import SketchError, parse
from interviewer.sketch_check import fence
from interviewer.text import is_blank, markdown_literal

STARTER = """flowchart LR
  %% Boxes are parts of your design, arrows are data or requests.
  %% Shapes: A[box]  B[(store)]  C((user))  D{decision}.  Arrows: -->  -.->  -->|label|
  user((User)) --> api[API]
"""
EMPTY = "_Type a Mermaid flowchart on the left: it is drawn here as you type._"


@dataclass(frozen=True)
class SketchPanel:
    text: gr.Textbox
    preview: gr.Markdown
    status: gr.Markdown
    save: gr.Button
    last_good: gr.State


def preview(text: str, last_good: str) -> tuple[str, str, str]:
    """(diagram Markdown, status line, last valid text): an error keeps the last good drawing."""
    if is_blank(text):
        return EMPTY, "", ""
    try:
        sketch = parse(text)
    except SketchError as err:
        kept = fence(last_good) if last_good else EMPTY
        message = f"⚠ Line {err.line}: {markdown_literal(err.detail)}. Your text is kept as typed."
        return kept, message, last_good
    boxes, arrows = len(sketch.nodes), len(sketch.edges)
    status = (
        f"✓ Valid Mermaid: {boxes} box{'es' * (boxes != 1)}, {arrows} arrow{'s' * (arrows != 1)}."
    )
    return fence(text), status, text


def build() -> SketchPanel:
    """The panel's components, laid out in the caller's current block (the interview tab)."""
    with gr.Accordion(
        "Sketch your architecture (Mermaid; each save goes into the transcript)",
        open=False,
        elem_id="sketch",
    ):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                text = gr.Textbox(
                    value=STARTER,
                    lines=12,
                    max_lines=40,
                    show_label=False,
                    elem_id="sketch-text",
                )
                with gr.Row():
                    save = gr.Button("Save sketch", size="sm", elem_id="sketch-save")
            with gr.Column(scale=1):
                drawn, status, good = preview(STARTER, "")
                diagram = gr.Markdown(drawn, elem_id="sketch-preview")
                note = gr.Markdown(status, elem_id="sketch-status")
        last_good = gr.State(good)
    text.change(
        preview,
        [text, last_good],
        [diagram, note, last_good],
        show_progress="hidden",
        trigger_mode="always_last",
    )
    return SketchPanel(text=text, preview=diagram, status=note, save=save, last_good=last_good)
