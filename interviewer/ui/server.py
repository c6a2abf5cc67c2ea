"""Starts the web app: settings, wiring, Gradio launch on 127.0.0.1 (other hosts only by opt-in)."""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING

from interviewer.config import load_settings
from interviewer.errors import InterviewerError
from interviewer.ui.render import CSS

if TYPE_CHECKING:
    import gradio as gr

    from interviewer.wiring import Wiring

log = logging.getLogger("interviewer")


def serve(
    *, fake: bool = False, offline: bool = False, port: int | None = None, block: bool = True
) -> object:
    """Build and launch; `fake` uses the hash embedder and no model (tests, demos), except that a
    hosted process (INTERVIEWER_DATABASE_URL) with INTERVIEWER_BASE_URL keeps that shared model."""
    import gradio as gr

    from interviewer.fakes import HashEmbedder
    from interviewer.ui.blocks import build as build_ui
    from interviewer.wiring import build, build_fake

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = load_settings()
        shared_model = fake and settings.hosted and settings.base_url is not None
        if offline or (fake and not shared_model):
            settings = load_settings(offline=True)
        if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth_required:
            log.warning(
                "INTERVIEWER_HOST=%s: the app is reachable from other machines. It has no "
                "login; only do this on a network you trust.",
                settings.host,
            )
        log.info("Loading (first start builds the index and prepares the model; see README)...")
        if shared_model:
            wiring = build(settings, embedder=HashEmbedder())
        else:
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
    if settings.auth_required:
        # Hands-free voice is not offered in hosted mode yet: its route is not scoped per user.
        return serve_hosted(wiring, demo, port=port or settings.port, block=block)
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


def serve_hosted(wiring: Wiring, demo: gr.Blocks, *, port: int, block: bool) -> object:
    """Sign-in page + the app in FastAPI, served by uvicorn (one of N processes behind a proxy)."""
    import uvicorn

    from interviewer.accounts import AccountService
    from interviewer.adapters.passwords import Argon2Hasher
    from interviewer.ui.web import hosted_app

    settings = wiring.settings
    accounts = AccountService(wiring.store, Argon2Hasher(), wiring.clock)
    if not accounts.users():
        log.warning("No users yet: add one with `interviewer users add NAME`.")
    app = hosted_app(demo, accounts, secure_cookie=settings.cookie_secure, css=CSS)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=port, log_level="warning", access_log=False)
    )
    log.info("Serving on http://%s:%d (sign-in required)", settings.host, port)
    if block:
        server.run()
    else:
        threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}").start()
    return server
