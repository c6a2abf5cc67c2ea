"""What every tab shares: the components a session update writes to, and the app's services.

Handlers return `{component: value}` dicts (Gradio applies only the keys present), so no handler
has to know the position of an output or pad the others with skips.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gradio as gr
from gradio.blocks import Block, BlockContext
from gradio.components import Component

from interviewer.errors import InterviewerError
from interviewer.knowledge import KnowledgeBase
from interviewer.session import InterviewService, SessionUpdate

Updates = dict[Block, Any]
NO_SESSION = "Start an interview first (Start tab)."
SIGNED_OUT = "!signed-out"  # not a valid user name


@dataclass(frozen=True)
class Screen:
    """The components a session update can change, whichever tab they sit on."""

    session_id: gr.State
    saved_id: gr.BrowserState
    status: gr.Markdown
    tabs: gr.Tabs
    box: gr.Textbox
    chat: gr.Chatbot
    progress: gr.HTML
    clock: gr.Markdown
    why: gr.Markdown
    report_md: gr.Markdown
    radar: gr.Plot
    downloads: tuple[gr.Button, gr.Button, gr.Button]  # report .md, report .json, transcript
    history_table: gr.Dataframe
    trend: gr.Plot

    @property
    def outputs(self) -> list[Component | BlockContext]:
        return [
            self.session_id,
            self.saved_id,
            self.status,
            self.tabs,
            self.box,
            self.chat,
            self.progress,
            self.clock,
            self.why,
            self.report_md,
            self.radar,
            *self.downloads,
            self.history_table,
            self.trend,
        ]


@dataclass(frozen=True)
class AppContext:
    """What handlers read: the session service (never the store) and the case notes."""

    service: InterviewService
    knowledge: KnowledgeBase
    screen: Screen
    auth: bool = False  # hosted: every handler sees only the signed-in user's sessions

    def for_request(self, request: gr.Request | None) -> AppContext:
        """This context as the request's user sees it (the whole app on a laptop).

        With logins on, a request without a user (the login middleware lets none through) gets an
        owner no account can have, so it sees nothing rather than the laptop's sessions."""
        if not self.auth:
            return self
        user = getattr(request, "username", None) or SIGNED_OUT
        return replace(self, service=self.service.for_user(str(user)))

    def load(self, sid: str) -> SessionUpdate | None:
        """The saved session as an update, or None for no id or an unreadable one."""
        if not sid:
            return None
        try:
            return SessionUpdate(state=self.service.load(sid))
        except InterviewerError:
            return None
