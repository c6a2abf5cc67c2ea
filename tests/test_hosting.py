"""Hosted mode over HTTP: sign-in, cookies, rate limits, and users kept apart (real Postgres)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewer.accounts import AccountService, TooManyAttempts
from interviewer.adapters.passwords import Argon2Hasher
from interviewer.adapters.store import SqliteStore, new_session_id
from interviewer.errors import InputRejected
from interviewer.fakes import FakeClock

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {"ana": "ana-password-1", "bob": "bob-password-1", "carol": "carol-password-1"}


# ---- accounts, without a server ----


@pytest.fixture
def accounts(tmp_path: Path, clock: FakeClock) -> Iterator[AccountService]:
    store = SqliteStore(tmp_path / "db.sqlite3")
    yield AccountService(store, Argon2Hasher(), clock, ttl_s=100.0)
    store.close()


def test_passwords_are_stored_as_argon2id_hashes(accounts: AccountService) -> None:
    accounts.add("ana", PASSWORDS["ana"])
    stored = accounts.accounts.password_hash("ana")
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORDS["ana"] not in stored
    with pytest.raises(InputRejected, match="at least 10"):
        accounts.add("bob", "short")
    with pytest.raises(InputRejected, match="User names"):
        accounts.add("Bad Name!", PASSWORDS["bob"])


def test_wrong_name_and_wrong_password_read_the_same(accounts: AccountService) -> None:
    accounts.add("ana", PASSWORDS["ana"])
    messages = set()
    for name, password in (("ana", "wrong-password"), ("nobody", PASSWORDS["ana"])):
        with pytest.raises(InputRejected) as caught:
            accounts.login(name, password, client="1.2.3.4")
        messages.add(caught.value.user_message)
    assert messages == {"Wrong user name or password."}


def test_logins_expire_and_sign_out(accounts: AccountService, clock: FakeClock) -> None:
    accounts.add("ana", PASSWORDS["ana"])
    login = accounts.login("ana", PASSWORDS["ana"], client="c")
    assert accounts.user_for(login.token) == "ana"
    clock.advance(101.0)
    assert accounts.user_for(login.token) is None
    again = accounts.login("ana", PASSWORDS["ana"], client="c")
    accounts.logout(again.token)
    assert accounts.user_for(again.token) is None and accounts.user_for("forged") is None


def test_failed_logins_are_limited_per_user_then_forgiven(
    accounts: AccountService, clock: FakeClock
) -> None:
    accounts.add("ana", PASSWORDS["ana"])
    for n in range(5):
        with pytest.raises(InputRejected):
            accounts.login("ana", f"guess-{n}", client=f"10.0.0.{n}")
    with pytest.raises(TooManyAttempts):
        accounts.login("ana", PASSWORDS["ana"], client="10.0.0.99")  # even the right password
    clock.advance(301.0)
    assert accounts.login("ana", PASSWORDS["ana"], client="10.0.0.99").user == "ana"


# ---- one app process over HTTP, on Postgres ----


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_app(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[str]:
    """`interviewer serve --fake --port P`, its output in `log` (a pipe could fill and stall it)."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "interviewer.cli", "serve", "--fake", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.5)
        if process.poll() is not None:
            raise AssertionError(log.read_text())
    process.kill()
    raise AssertionError("the app did not start in 180 s")


@pytest.fixture(scope="module")
def hosted(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `interviewer serve` process on a fresh Postgres database, with three users."""
    import psycopg

    base = str(postgres_server.get_uri())
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(b"CREATE DATABASE hosted_http")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "INTERVIEWER_DATABASE_URL": base.replace("/postgres?", "/hosted_http?"),
        "INTERVIEWER_DATA_DIR": str(tmp_path_factory.mktemp("hosted")),
        "INTERVIEWER_ALLOW_MODEL_REQUESTS": "0",
    }
    for name, password in PASSWORDS.items():
        cli(env, "users", "add", name, "--password-stdin", stdin=password + "\n")
    assert [line.split()[0] for line in cli(env, "users", "list").splitlines()] == sorted(PASSWORDS)
    port = free_port()
    process = start_app(env, port, Path(env["INTERVIEWER_DATA_DIR"]) / "app.log")
    yield f"http://127.0.0.1:{port}"
    process.kill()
    process.wait(timeout=30)


def sign_in(url: str, name: str) -> str:
    response = httpx.post(f"{url}/login", data={"username": name, "password": PASSWORDS[name]})
    assert response.status_code == 303, response.text
    return response.cookies["interviewer_login"]


@pytest.mark.slow
def test_nothing_is_served_before_sign_in(hosted: str) -> None:
    page = httpx.get(hosted, headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    for path in ("/gradio_api/queue/join", "/gradio_api/info", "/config"):
        assert httpx.post(f"{hosted}{path}", json={}).status_code == 401
        assert httpx.get(f"{hosted}{path}").status_code == 401
    forged = {"interviewer_login": "forged-token"}
    assert httpx.get(f"{hosted}/config", cookies=forged).status_code == 401
    assert "Sign in" in httpx.get(f"{hosted}/login").text


@pytest.mark.slow
def test_the_login_cookie_is_http_only_and_expires(hosted: str) -> None:
    wrong = httpx.post(f"{hosted}/login", data={"username": "ana", "password": "nope-nope"})
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    right = httpx.post(f"{hosted}/login", data={"username": "ana", "password": PASSWORDS["ana"]})
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Max-Age=28800" in cookie and "SameSite=lax" in cookie
    token = right.cookies["interviewer_login"]
    assert httpx.get(f"{hosted}/config", cookies={"interviewer_login": token}).status_code == 200


@pytest.mark.slow
def test_sign_in_attempts_are_rate_limited(hosted: str) -> None:
    for n in range(5):
        guess = httpx.post(f"{hosted}/login", data={"username": "carol", "password": f"g{n}"})
        assert guess.status_code == 401
    limited = httpx.post(
        f"{hosted}/login", data={"username": "carol", "password": PASSWORDS["carol"]}
    )
    assert limited.status_code == 429 and "Too many" in limited.text


def app_client(url: str, name: str) -> Any:
    from gradio_client import Client

    cookie = f"interviewer_login={sign_in(url, name)}"
    return Client(url + "/", headers={"Cookie": cookie}, verbose=False)


# Outputs of the session events, in the order the API lists them.
SAVED_ID, STATUS, CHAT = 0, 1, 3


def history_ids(client: Any) -> list[str]:
    table = client.predict(api_name="/refresh")[0]
    return [row[0] for row in table.get("data", [])] if isinstance(table, dict) else []


@pytest.mark.slow
def test_two_users_cannot_reach_each_others_sessions(hosted: str) -> None:
    ana, bob = app_client(hosted, "ana"), app_client(hosted, "bob")
    started = ana.predict("visual-search", "drill", "data", 45, "senior", api_name="/start")
    hers = started[SAVED_ID]
    secret = "We would log clicks and dwell time; the ana-only marker 7f3e."
    ana.predict(secret, api_name="/send")
    mine = bob.predict("ad-click-prediction", "drill", "serving", 45, "mid", api_name="/start")
    assert hers in history_ids(ana) and mine[SAVED_ID] not in history_ids(ana)
    assert hers not in history_ids(bob) and mine[SAVED_ID] in history_ids(bob)

    bob = app_client(hosted, "bob")  # a fresh tab: nothing open
    for guess in (hers, new_session_id()):
        assert bob.predict(guess, api_name="/offer_resume") == ""
        for opened in ("/open_saved", "/open_saved_1"):  # resume from the browser, from History
            shown = bob.predict(guess, api_name=opened)
            assert "does not exist" in shown[STATUS] and shown[CHAT] == []
            assert "7f3e" not in str(shown)
        deleted = bob.predict(guess, True, api_name="/delete")
        assert "No such session" in str(deleted)
        for export in ("/prepare", "/prepare_1", "/prepare_2"):
            assert bob.predict(api_name=export)[0] is None
    reopened = app_client(hosted, "ana").predict(hers, api_name="/open_saved")
    assert "7f3e" in str(reopened[CHAT])
