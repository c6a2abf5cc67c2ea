"""1, 5 and 10 concurrent sessions through the real Gradio queue over HTTP on 127.0.0.1 (fake model)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.common import Row, percentile

ROOT = Path(__file__).resolve().parent.parent
ANSWER = "We'd cache embeddings and precompute features so p99 stays under 100 ms at 2,000 QPS."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("app did not start")


def _session(url: str, turns: int, latencies: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    try:
        client.predict("visual-search", "drill", "serving", 45, "senior", api_name="/start")
        for _ in range(turns):
            started = time.perf_counter()
            client.predict(ANSWER, api_name="/send")
            latencies.append((time.perf_counter() - started) * 1000)
    except Exception as err:
        errors.append(f"{type(err).__name__}: {err}")


def run(levels: tuple[int, ...] = (1, 5, 10), turns: int = 6) -> list[Row]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "INTERVIEWER_DATA_DIR": tmp,
            "INTERVIEWER_PORT": str(port),
            "NO_PROXY": "127.0.0.1",
        }
        app = subprocess.Popen(
            [sys.executable, "app.py", "--fake"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(url)
            rows: list[Row] = []
            base_p50: float | None = None
            for level in levels:
                latencies: list[float] = []
                errors: list[str] = []
                threads = [
                    threading.Thread(target=_session, args=(url, turns, latencies, errors))
                    for _ in range(level)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                p50 = percentile(latencies, 50) if latencies else None
                if level == 1:
                    base_p50 = p50
                extra = None if p50 is None or base_p50 is None else p50 - base_p50
                rows.append(
                    Row(
                        f"{level} concurrent session(s), HTTP turn",
                        p50,
                        percentile(latencies, 95) if latencies else None,
                        "ms",
                        200 if level == 10 else None,
                        f"{len(latencies)} turns, {len(errors)} errors; +{extra:.0f} ms vs 1 session (p50)"
                        if extra is not None
                        else f"{len(errors)} errors: {errors[:1]}",
                        budget_on="p50",
                    )
                )
            return rows
        finally:
            app.terminate()
            app.wait(timeout=20)
