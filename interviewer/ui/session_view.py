"""A session update rendered onto the screen, as `{component: value}`; shared by every tab."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gradio as gr

from interviewer.errors import InterviewerError
from interviewer.session import SessionUpdate
from interviewer.ui import render
from interviewer.ui.shared import AppContext, Updates


def show(
    app: AppContext, update: SessionUpdate | None, notice: str = "", *, same_session: bool = False
) -> Updates:
    """Every value `update` changes. With `same_session` (an answer, a tick, a note in the session
    already on screen) the report and radar stay as they are unless this update brings a new
    report: the radar alone costs ~30 ms to build plus its JSON."""
    screen = app.screen
    if update is not None and update.draft is not None and not notice:
        # While a reply streams only the chat (and a notice) can change: rendering the report and
        # the radar on every chunk made each turn cost several times its own work.
        return {
            screen.chat: render.chat_messages(update.state, update.draft),
            screen.status: render.notes_line(update.notices),
        }
    state = update.state if update else None
    notices = [*update.notices] if update else []
    if notice:
        notices.append(notice)
    values: Updates = {
        screen.chat: render.chat_messages(state, update.draft if update else None) if state else [],
        screen.progress: render.progress_html(state),
        screen.clock: render.clock_text(state),
        screen.why: render.why_this_question(state) if state else "",
        screen.status: render.notes_line(notices),
    }
    if not (same_session and (update is None or update.report is None)):
        report = update.report if update else None
        if state is not None and report is None:
            report = app.service.latest_report(state.id)
        values[screen.report_md] = render.report_markdown(report, app.knowledge)
        values[screen.radar] = render.radar(report)
        md, js, transcript = screen.downloads
        values[md] = gr.update(visible=report is not None)
        values[js] = gr.update(visible=report is not None)
        values[transcript] = gr.update(visible=state is not None)
    if update is not None and update.report is not None and not update.report.partial:
        # The interview just ended (or a finished one reopened): its report is what to read next.
        values[screen.tabs] = gr.Tabs(selected="report")
    return values


def stream(
    app: AppContext, updates: Iterator[SessionUpdate], sid: str, *, same_session: bool = False
) -> Iterator[Updates]:
    """Render each update; an error shows as a notice over the saved session, losing nothing."""
    screen = app.screen
    try:
        for update in updates:
            values = show(app, update, same_session=same_session)
            sid = update.state.id
            yield {**values, screen.session_id: sid, screen.saved_id: sid, screen.box: ""}
    except InterviewerError as err:
        yield show(app, app.load(sid), err.user_message)


def refuse(app: AppContext, sid: str, notice: str) -> Updates:
    """A notice over whatever session is on screen (or none)."""
    return show(app, app.load(sid), notice)


def opener(app: AppContext) -> Callable[[str, gr.Request], Iterator[Updates]]:
    """The "Resume" handler: opens a session as the request's user."""

    def open_saved(sid: str, request: gr.Request) -> Iterator[Updates]:
        yield from open_session(app.for_request(request), sid)

    return open_saved


def open_session(app: AppContext, sid: str) -> Iterator[Updates]:
    """Resume a saved session (unanswered intents are answered now) and show its turns."""
    sid = (sid or "").strip()
    if not sid:
        yield refuse(app, "", "Pick a session first.")
        return
    yield from stream(app, app.service.resume_stream(sid), sid)
