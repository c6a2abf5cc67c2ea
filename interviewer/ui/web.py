"""Hosted mode's web front: our own sign-in page around the Gradio app, mounted in FastAPI.

Why not Gradio's `launch(auth=...)`: its login cookie is HTTP-only but has no expiry, its tokens
live in one process's memory (a second app process behind the proxy would not know them, so
sticky sessions would be needed) and it does not limit attempts. Here a login is a random token in
an HTTP-only, SameSite=Lax cookie that expires (`LOGIN_TTL_S`), checked against the database on
every request, so any app process can serve any request.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

import gradio as gr
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from interviewer.accounts import AccountService, TooManyAttempts
from interviewer.errors import InputRejected, StoreError

COOKIE = "interviewer_login"
OPEN_PATHS = frozenset({"/login", "/logout", "/healthz"})

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - ML system design mock interviewer</title>
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;font-size:1rem}}
button{{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem}}.err{{color:#b00020}}</style>
</head><body><h1>Sign in</h1><p class="err" role="alert">{message}</p>
<form method="post" action="/login"><label for="u">User name</label>
<input id="u" name="username" autocomplete="username" required autofocus>
<label for="p">Password</label>
<input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>"""


def login_page(message: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(message=html.escape(message)), status_code=status)


def client_of(request: Request) -> str:
    """The client address as the proxy saw it: the proxy runs on this host (README)."""
    forwarded = request.headers.get("x-real-ip", "")
    return forwarded or (request.client.host if request.client else "unknown")


def hosted_app(
    blocks: gr.Blocks, accounts: AccountService, *, secure_cookie: bool, css: str
) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    def user_of(request: Request) -> str | None:
        return accounts.user_for(request.cookies.get(COOKIE, ""))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login")
    def login_form() -> HTMLResponse:
        return login_page()

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("username", "")), str(form.get("password", ""))
        try:
            made = await run_in_threadpool(
                accounts.login, name, password, client=client_of(request)
            )
        except TooManyAttempts as err:
            return login_page(err.user_message, status=429)
        except StoreError as err:
            return login_page(err.user_message, status=503)
        except InputRejected as err:
            return login_page(err.user_message, status=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            made.token,
            max_age=int(accounts.ttl_s),
            httponly=True,
            samesite="lax",
            secure=secure_cookie,
            path="/",
        )
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await run_in_threadpool(accounts.logout, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.middleware("http")
    async def signed_in_only(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        try:
            user = await run_in_threadpool(user_of, request)
        except StoreError as err:
            return JSONResponse({"detail": err.user_message}, status_code=503)
        if user is None:
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse("/login", status_code=303)
            return JSONResponse({"detail": "Sign in first."}, status_code=401)
        return await call_next(request)

    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth_dependency=user_of,
        css=css,
        theme=gr.themes.Soft(),  # pyright: ignore[reportPrivateImportUsage]
        show_error=False,
        footer_links=[],
    )
