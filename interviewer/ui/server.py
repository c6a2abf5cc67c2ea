"""Starts the web app: settings, wiring, Gradio launch on 127.0.0.1 (other hosts only by opt-in)."""

from __future__ import annotations

import logging
import sys
import threading

from interviewer.config import load_settings
from interviewer.errors import InterviewerError
from interviewer.ui.render import CSS

log = logging.getLogger("interviewer")


def serve(
    *, fake: bool = False, offline: bool = False, port: int | None = None, block: bool = True
) -> object:
    """Build and launch; `fake` uses the hash embedder and no model (tests, demos)."""
    import gradio as gr

    from interviewer.ui.blocks import build as build_ui
    from interviewer.wiring import build, build_fake

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = load_settings(offline=True) if (fake or offline) else load_settings()
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            log.warning(
                "INTERVIEWER_HOST=%s: the app is reachable from other machines. It has no "
                "login; only do this on a network you trust.",
                settings.host,
            )
        log.info("Loading (first start builds the index and prepares the model; see README)...")
        wiring = build_fake(settings) if fake else build(settings, use_model=not offline)
    except InterviewerError as err:
        print(f"error: {err.user_message}", file=sys.stderr)
        raise SystemExit(2) from err
    if not fake:
        cases = list(wiring.knowledge.cases.values())
        threading.Thread(
            target=wiring.scorer.warm, args=(cases,), daemon=True, name="warm-notes"
        ).start()
    for notice in wiring.notices:
        log.info(notice)
    log.info("Interviewer model: %s", wiring.model_label)
    built = build_ui(wiring)
    demo = built.demo
    demo.queue(default_concurrency_limit=16)
    launched = demo.launch(
        server_name=settings.host,
        server_port=port or settings.port,
        css=CSS,
        head=built.head,
        theme=gr.themes.Soft(),  # pyright: ignore[reportPrivateImportUsage]
        show_error=False,
        prevent_thread_lock=True,
        inbrowser=False,
        footer_links=[],
    )
    # Gradio makes its FastAPI app in launch(); our routes go on it before any page can post.
    for path, handler in built.routes.items():
        demo.server_app.add_api_route(path, handler, methods=["POST"])
    if block:
        demo.block_thread()
    return launched
