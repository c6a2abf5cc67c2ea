"""A small local OpenAI-compatible HTTP server for fault-injection tests.

    with FakeOpenAIServer("ok") as server:
        model = OpenAICompatibleModel(base_url=server.base_url, ...)

`behaviour` (settable at any time, also while a test runs) selects what the next request gets:

- "ok": the reply streamed in a few SSE chunks, the last with finish_reason "stop"
  (or one JSON body when the request has no "stream": true);
- "slow_first_token": wait `delay_s` before the first chunk; with `headers_first=True` the 200
  status line and headers go out at once and only the first chunk waits (like llama.cpp while it
  reads the prompt), otherwise nothing at all is sent during the wait;
- "hang": read the request and never answer, until the server is closed;
- "http500", "http429" (with "Retry-After: 0"): an OpenAI-style JSON error body;
- "broken_json": a 200 that is not JSON: SSE data lines that are not JSON when streaming
  (`broken_json_sse=False` sends a plain-text non-SSE body instead), a text body otherwise;
- "length": a streamed reply whose last chunk has finish_reason "length";
- "drop_mid_stream": one chunk, then the connection is cut without ending the chunked body.

`chunk_gap_s` spaces the chunks of a streamed reply. Each recorded request gets an `outcome`
("answered", "client_gone", ...) so a test can tell whether the client hung up early.

Every response says "Connection: close", so no keep-alive socket outlives a request and closing
the server joins every handler thread quickly. Requests are recorded in `requests`.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

BEHAVIOURS = (
    "ok",
    "slow_first_token",
    "hang",
    "http500",
    "http429",
    "broken_json",
    "length",
    "drop_mid_stream",
)
DEFAULT_REPLY = "What would you log to measure that, and at what granularity?"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    at: float = field(default_factory=time.monotonic)
    # "pending" while being answered, then "answered", "hung" (released by close), "dropped"
    # (cut on purpose) or "client_gone" (the client hung up before the answer was written).
    outcome: str = "pending"


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    fake: FakeOpenAIServer

    def handle_error(self, request: object, client_address: object) -> None:
        # The client hung up (timeouts, dropped streams): expected here, not worth a traceback.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that connects and sends nothing cannot hold a thread forever
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    # ---- routes ----

    def do_GET(self) -> None:
        fake = self.server.fake
        fake._record(self, None)
        if self.path.rstrip("/") == "/v1/models":
            self._json(
                200,
                {
                    "object": "list",
                    "data": [{"id": fake.model, "object": "model", "created": 0, "owned_by": "x"}],
                },
            )
        else:
            self._json(404, _error("not found", "not_found_error"))

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = fake._record(self, body if isinstance(body, dict) else None)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, _error("not found", "not_found_error"))
            record.outcome = "answered"
            return
        if not isinstance(body, dict):
            self._json(400, _error("body is not a JSON object", "invalid_request_error"))
            record.outcome = "answered"
            return
        try:
            record.outcome = self._respond(fake.behaviour, bool(body.get("stream")), fake)
        except OSError:  # the client gave up first (timeout, cancelled stream)
            record.outcome = "client_gone"
        self.close_connection = True

    # ---- behaviours ----

    def _respond(self, behaviour: str, stream: bool, fake: FakeOpenAIServer) -> str:
        closing = fake._closing
        if behaviour == "hang":
            closing.wait(fake.hang_limit_s)
            return "hung"
        if behaviour == "http500":
            self._json(500, _error("internal server error", "server_error"))
            return "answered"
        if behaviour == "http429":
            self._json(
                429,
                _error("rate limit reached", "rate_limit_exceeded"),
                headers={"Retry-After": "0"},
            )
            return "answered"
        if (
            behaviour == "slow_first_token"
            and not fake.headers_first
            and closing.wait(fake.delay_s)
        ):
            return "hung"
        if not stream:
            return self._respond_whole(behaviour, fake)
        if behaviour == "broken_json" and not fake.broken_json_sse:
            self._send_head(200, "text/plain; charset=utf-8", chunked=True)
            self._chunk(b"this is not an event stream and not JSON either\n")
            self._chunk(b"")
            return "answered"
        self._send_head(200, "text/event-stream", chunked=True)
        if behaviour == "slow_first_token" and fake.headers_first and closing.wait(fake.delay_s):
            return "hung"
        if behaviour == "broken_json":
            self._chunk(b"data: {not json at all\n\n")
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")
            return "answered"
        pieces = fake.pieces()
        if behaviour == "drop_mid_stream":
            self._chunk(_sse(_delta(fake, {"role": "assistant", "content": pieces[0]})))
            self._cut()
            return "dropped"
        finish = "length" if behaviour == "length" else "stop"
        for i, piece in enumerate(pieces):
            delta: dict[str, Any] = {"content": piece}
            if i == 0:
                delta["role"] = "assistant"
            self._chunk(_sse(_delta(fake, delta)))
            if fake.chunk_gap_s and closing.wait(fake.chunk_gap_s):
                return "hung"
        self._chunk(_sse(_delta(fake, {}, finish=finish)))
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")
        return "answered"

    def _respond_whole(self, behaviour: str, fake: FakeOpenAIServer) -> str:
        if behaviour == "broken_json":
            body = b"<html>502 bad gateway, definitely not JSON</html>"
            self._send_head(200, "application/json", length=len(body))
            self.wfile.write(body)
            return "answered"
        if behaviour == "drop_mid_stream":
            body = json.dumps(_completion(fake, "stop")).encode()
            self._send_head(200, "application/json", length=len(body))
            self.wfile.write(body[: len(body) // 2])
            self._cut()
            return "dropped"
        finish = "length" if behaviour == "length" else "stop"
        self._json(200, _completion(fake, finish))
        return "answered"

    # ---- wire helpers ----

    def _send_head(
        self,
        status: int,
        content_type: str,
        *,
        length: int | None = None,
        chunked: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def _json(self, status: int, payload: object, *, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self._send_head(status, "application/json", length=len(body), headers=headers)
        self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _cut(self) -> None:
        """Reset the connection: SO_LINGER 0 makes the close an RST, not a polite FIN."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _sse(payload: object) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _delta(fake: FakeOpenAIServer, delta: dict[str, Any], finish: str | None = None) -> object:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": fake.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(fake: FakeOpenAIServer, finish: str) -> object:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": fake.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": fake.reply},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _error(message: str, kind: str) -> object:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


class FakeOpenAIServer:
    """Serves /v1/chat/completions and /v1/models on 127.0.0.1 at a free port, in a thread."""

    def __init__(
        self,
        behaviour: str = "ok",
        *,
        reply: str = DEFAULT_REPLY,
        n_chunks: int = 4,
        delay_s: float = 5.0,
        headers_first: bool = False,
        broken_json_sse: bool = True,
        chunk_gap_s: float = 0.0,
        hang_limit_s: float = 30.0,
        model: str = "test",
    ) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        self.behaviour = behaviour
        self.reply = reply
        self.n_chunks = n_chunks
        self.delay_s = delay_s
        self.headers_first = headers_first
        self.broken_json_sse = broken_json_sse
        self.chunk_gap_s = chunk_gap_s
        self.hang_limit_s = hang_limit_s
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----

    def start(self) -> FakeOpenAIServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai"
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._httpd is None:
            return
        self._closing.set()  # releases "hang" and "slow_first_token" handlers at once
        self._httpd.shutdown()
        self._httpd.server_close()  # joins handler threads (none blocks past _closing)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- addresses and records ----

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/") == "/v1/chat/completions"]

    def pieces(self) -> list[str]:
        size = max(1, -(-len(self.reply) // self.n_chunks))
        return [self.reply[i : i + size] for i in range(0, len(self.reply), size)] or [""]

    def _record(
        self, handler: BaseHTTPRequestHandler, body: dict[str, Any] | None
    ) -> RecordedRequest:
        record = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(record)
        return record

    def wait_for_outcomes(self, timeout_s: float = 5.0) -> list[str]:
        """The outcome of every chat request, once none is still being answered."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(
            r.outcome == "pending" for r in self.chat_requests
        ):
            time.sleep(0.02)
        return [r.outcome for r in self.chat_requests]


def free_port() -> int:
    """A port nothing listens on (bound then released; fine for a connection-refused test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
