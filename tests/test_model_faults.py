"""Fault injection: the real chat adapter against a local fake OpenAI server, then the session.

Everything runs on 127.0.0.1 against tests/fake_openai_server.py; nothing is live. Every fault
must become the right `ModelError` subclass within the adapter's timeout, and in the session it
must become the scripted reply plus a notice, with the candidate's turn safely stored.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from interviewer import wiring as wiring_module
from interviewer.adapters.chunks import build_chunks
from interviewer.adapters.llm import OpenAICompatibleModel
from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Role, SessionState
from interviewer.errors import (
    ModelError,
    ModelOutputInvalid,
    ModelRefused,
    ModelRequestsBlocked,
    ModelTimeout,
    ModelUnavailable,
)
from interviewer.fakes import FakeClock, HashEmbedder, InMemoryRetriever
from interviewer.knowledge import KnowledgeBase
from interviewer.policy import Plan
from interviewer.ports import ChatMessage, Retriever
from interviewer.session import InterviewService, SessionUpdate
from interviewer.wiring import Wiring, build
from tests.fake_openai_server import FakeOpenAIServer, free_port

TIMEOUT_S = 1.0  # the adapter's HTTP timeout in the adapter tests
MARGIN_S = 0.75  # scheduling slack on top of a timeout (the CI box may be busy)
MODEL_TIMEOUT_S = 2.0  # the adapter's timeout in the session tests
REPLY_DEADLINE_S = 1.5  # the phraser's first-token deadline in the session tests
SEND_BOUND_S = 6.0

MESSAGES = [
    ChatMessage(role="system", content="You are an interviewer."),
    ChatMessage(role="user", content="Ask me about evaluation."),
]
ANSWER = (
    "I'd optimise for calibrated probabilities because the auction multiplies pCTR by the bid, "
    "so a 10% over-prediction shifts who wins; we log impressions and clicks with a 30-minute "
    "attribution window."
)


def _join_phrase_threads(timeout_s: float = 5.0) -> None:
    """The phraser's pump threads outlive a missed deadline; let them finish before the next test."""
    for thread in threading.enumerate():
        if thread.name == "model-phrase":
            thread.join(timeout_s)


@pytest.fixture(scope="module", autouse=True)
def _warm_client() -> None:
    """One plain and one JSON-mode request first, so lazy imports are not timed as a fault."""
    with FakeOpenAIServer("ok", reply="{}") as fake:
        model = make_model(fake.base_url, timeout_s=30)
        list(model.stream(MESSAGES))
        list(model.stream(MESSAGES, json_schema={"type": "object"}))


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer("ok", delay_s=5.0) as fake:
        yield fake
    _join_phrase_threads()


def make_model(
    base_url: str,
    *,
    timeout_s: float = TIMEOUT_S,
    max_retries: int = 0,
    allow_requests: bool = True,
) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(
        base_url=base_url,
        model="test",
        api_key="x",
        timeout_s=timeout_s,
        max_retries=max_retries,
        local=False,
        allow_requests=allow_requests,
    )


def timed(fn: Callable[[], object]) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        fn()
    except BaseException as err:
        return err, time.monotonic() - started
    return None, time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# The fake server itself (so a broken fixture cannot pass the fault tests by accident)
# ---------------------------------------------------------------------------------------------


def _http(url: str, body: object | None = None) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers.items()), err.read()


def test_fake_server_lists_models_and_answers_without_streaming(
    server: FakeOpenAIServer,
) -> None:
    status, _, body = _http(server.base_url + "/models")
    assert status == 200 and json.loads(body)["data"][0]["id"] == "test"

    chat = {"model": "test", "messages": [{"role": "user", "content": "hi"}]}
    status, _, body = _http(server.base_url + "/chat/completions", chat)
    choice = json.loads(body)["choices"][0]
    assert status == 200
    assert choice["message"]["content"] == server.reply and choice["finish_reason"] == "stop"

    server.behaviour = "length"
    _, _, body = _http(server.base_url + "/chat/completions", chat)
    assert json.loads(body)["choices"][0]["finish_reason"] == "length"

    server.behaviour = "broken_json"
    status, _, body = _http(server.base_url + "/chat/completions", chat)
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)

    server.behaviour = "http429"
    status, headers, _ = _http(server.base_url + "/chat/completions", chat)
    assert status == 429 and headers["Retry-After"] == "0"

    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/v1/models"),
        *[("POST", "/v1/chat/completions")] * 4,
    ]
    assert server.chat_requests[0].body == chat


def test_fake_server_close_does_not_wait_for_a_hanging_request() -> None:
    fake = FakeOpenAIServer("hang").start()
    model = make_model(fake.base_url, timeout_s=30)
    outcome: list[BaseException | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(timed(lambda: list(model.stream(MESSAGES)))[0])
    )
    thread.start()
    deadline = time.monotonic() + 5
    while not fake.chat_requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.chat_requests, "the request never reached the server"
    started = time.monotonic()
    fake.close()
    assert time.monotonic() - started < 1.0
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], ModelError)  # the server hung up without an answer


# ---------------------------------------------------------------------------------------------
# The adapter: OpenAICompatibleModel against each fault
# ---------------------------------------------------------------------------------------------


def test_ok_streams_the_reply_in_chunks(server: FakeOpenAIServer) -> None:
    model = make_model(server.base_url)
    chunks = list(model.stream(MESSAGES, max_tokens=50))
    assert chunks == server.pieces() and len(chunks) > 1
    assert "".join(chunks) == server.reply
    (request,) = server.chat_requests
    assert request.body is not None
    assert request.body["stream"] is True and request.body["model"] == "test"
    assert request.body["messages"] == [
        {"role": "system", "content": "You are an interviewer."},
        {"role": "user", "content": "Ask me about evaluation."},
    ]
    assert request.headers.get("authorization") == "Bearer x"


@dataclass(frozen=True)
class Fault:
    behaviour: str
    error: type[ModelError]
    waits_for_timeout: bool = False
    headers_first: bool = False
    broken_json_sse: bool = True

    def __str__(self) -> str:
        extra = "-headers_first" if self.headers_first else ""
        extra += "" if self.broken_json_sse else "-plain_body"
        return self.behaviour + extra


ADAPTER_FAULTS = [
    Fault("slow_first_token", ModelTimeout, waits_for_timeout=True),
    Fault("slow_first_token", ModelTimeout, waits_for_timeout=True, headers_first=True),
    Fault("hang", ModelTimeout, waits_for_timeout=True),
    Fault("http500", ModelRefused),
    Fault("http429", ModelRefused),
    Fault("broken_json", ModelOutputInvalid),
    Fault("broken_json", ModelOutputInvalid, broken_json_sse=False),
    Fault("length", ModelOutputInvalid),
    Fault("drop_mid_stream", ModelUnavailable),
]


@pytest.mark.parametrize("fault", ADAPTER_FAULTS, ids=str)
def test_fault_raises_its_model_error_within_the_timeout(
    server: FakeOpenAIServer, fault: Fault
) -> None:
    server.behaviour = fault.behaviour
    server.headers_first = fault.headers_first
    server.broken_json_sse = fault.broken_json_sse
    model = make_model(server.base_url)

    err, elapsed = timed(lambda: list(model.stream(MESSAGES)))

    assert isinstance(err, fault.error), f"{type(err).__name__}: {err}"
    assert err.user_message  # something the chat can show
    assert elapsed < TIMEOUT_S + MARGIN_S, f"took {elapsed:.2f}s"
    if fault.waits_for_timeout:
        assert elapsed >= TIMEOUT_S * 0.9, f"gave up after {elapsed:.2f}s, before the timeout"
    else:
        assert elapsed < TIMEOUT_S, f"took {elapsed:.2f}s for a fault that needs no timeout"
    assert len(server.chat_requests) == 1  # max_retries=0: exactly one attempt


def test_rate_limit_tells_the_user_the_server_is_busy(server: FakeOpenAIServer) -> None:
    server.behaviour = "http429"
    with pytest.raises(ModelRefused) as caught:
        list(make_model(server.base_url).stream(MESSAGES))
    assert "rate limited" in caught.value.user_message


def test_drop_mid_stream_yields_the_first_chunk_then_raises(server: FakeOpenAIServer) -> None:
    server.behaviour = "drop_mid_stream"
    received: list[str] = []
    with pytest.raises(ModelUnavailable):
        received.extend(make_model(server.base_url).stream(MESSAGES))
    assert received == server.pieces()[:1]


def test_length_yields_the_text_then_raises(server: FakeOpenAIServer) -> None:
    server.behaviour = "length"
    received: list[str] = []
    with pytest.raises(ModelOutputInvalid, match="length"):
        received.extend(make_model(server.base_url).stream(MESSAGES))
    assert "".join(received) == server.reply


def test_connection_refused_is_unavailable_and_quick() -> None:
    model = make_model(f"http://127.0.0.1:{free_port()}/v1")
    err, elapsed = timed(lambda: list(model.stream(MESSAGES)))
    assert isinstance(err, ModelUnavailable), f"{type(err).__name__}: {err}"
    assert elapsed < TIMEOUT_S


def test_blocked_requests_never_reach_the_server(server: FakeOpenAIServer) -> None:
    model = make_model(server.base_url, allow_requests=False)
    with pytest.raises(ModelRequestsBlocked):
        list(model.stream(MESSAGES))
    with pytest.raises(ModelRequestsBlocked):
        list(model.stream(MESSAGES, json_schema={"type": "object"}))
    assert server.requests == []


@pytest.mark.parametrize("behaviour", ["http500", "http429"])
def test_one_retry_means_exactly_two_requests(server: FakeOpenAIServer, behaviour: str) -> None:
    server.behaviour = behaviour
    model = make_model(server.base_url, max_retries=1)
    err, elapsed = timed(lambda: list(model.stream(MESSAGES)))
    assert isinstance(err, ModelRefused)
    assert len(server.chat_requests) == 2
    assert elapsed < TIMEOUT_S + MARGIN_S  # Retry-After: 0 / short backoff, never a long sleep


def test_one_retry_after_a_hang_costs_at_most_two_timeouts(server: FakeOpenAIServer) -> None:
    server.behaviour = "hang"
    timeout_s = 1.0
    model = make_model(server.base_url, timeout_s=timeout_s, max_retries=1)
    err, elapsed = timed(lambda: list(model.stream(MESSAGES)))
    assert isinstance(err, ModelTimeout)
    assert len(server.chat_requests) == 2
    # Two timeouts plus the client's backoff (at most ~1 s): the phraser's deadline is what
    # keeps a session turn short; the adapter alone waits (max_retries + 1) * timeout.
    assert 2 * timeout_s * 0.9 <= elapsed < 2 * timeout_s + 1.0 + MARGIN_S


def test_json_schema_is_sent_as_json_object_mode_and_text_comes_back_once(
    server: FakeOpenAIServer,
) -> None:
    server.reply = '{"score": 3, "reason": "ok"}'
    schema = {"type": "object", "properties": {"score": {"type": "integer"}}}
    out = "".join(make_model(server.base_url).stream(MESSAGES, json_schema=schema))
    assert out == server.reply  # not duplicated by the final-completion chunk
    (request,) = server.chat_requests
    assert request.body is not None
    assert request.body["response_format"] == {"type": "json_object", "schema": schema}


def test_max_tokens_reaches_the_server_as_max_tokens(server: FakeOpenAIServer) -> None:
    list(make_model(server.base_url).stream(MESSAGES, max_tokens=70))
    (request,) = server.chat_requests
    assert request.body is not None
    assert request.body.get("max_tokens") == 70


# ---------------------------------------------------------------------------------------------
# End to end: the session over the real adapter and the fake server
# ---------------------------------------------------------------------------------------------


@dataclass
class Rig:
    wiring: Wiring
    clock: FakeClock
    server: FakeOpenAIServer

    @property
    def service(self) -> InterviewService:
        return self.wiring.service


@pytest.fixture(scope="module")
def shared_retriever(knowledge: KnowledgeBase) -> Retriever:
    return InMemoryRetriever(build_chunks(knowledge), HashEmbedder())


@pytest.fixture(autouse=True)
def _reuse_retriever(monkeypatch: pytest.MonkeyPatch, shared_retriever: Retriever) -> None:
    """Embedding every chunk costs ~0.5 s per wiring; the index is the same in every test here."""
    monkeypatch.setattr(wiring_module, "build_retriever", lambda *_args: shared_retriever)


@contextmanager
def make_rig(
    server: FakeOpenAIServer,
    tmp_path: Path,
    knowledge: KnowledgeBase,
    *,
    base_url: str = "",
    allow_requests: bool = True,
    model_timeout_s: float = MODEL_TIMEOUT_S,
) -> Iterator[Rig]:
    settings = Settings(
        data_dir=tmp_path,
        allow_model_requests=allow_requests,
        reply_deadline_s=REPLY_DEADLINE_S,
    )
    model = OpenAICompatibleModel(
        base_url=base_url or server.base_url,
        model="test",
        api_key="x",
        timeout_s=model_timeout_s,
        max_retries=0,
        local=False,
        allow_requests=settings.allow_model_requests,
    )
    clock = FakeClock()
    wiring = build(
        settings,
        embedder=HashEmbedder(),
        chat_model=model,
        use_model=False,
        clock=clock,
        knowledge=knowledge,
    )
    try:
        yield Rig(wiring, clock, server)
    finally:
        wiring.store.close()


@pytest.fixture
def rig(server: FakeOpenAIServer, tmp_path: Path, knowledge: KnowledgeBase) -> Iterator[Rig]:
    with make_rig(server, tmp_path, knowledge) as built:
        yield built


@dataclass
class Sent:
    before_reply: SessionState  # the committed candidate turn with its pending intents
    plan: Plan  # the policy's plan for the first intent: its text is the scripted reply
    updates: list[SessionUpdate]
    elapsed: float

    @property
    def last(self) -> SessionUpdate:
        return self.updates[-1]


def start_drill(rig: Rig) -> str:
    update = rig.service.start(CaseId.AD_CLICK_PREDICTION, Mode.DRILL, Phase.EVALUATION)
    rig.clock.advance(40)
    return update.state.id


def send(rig: Rig, sid: str, text: str, *, on_plan: Callable[[Plan], None] | None = None) -> Sent:
    """Send one answer; the plan is read after the candidate turn is stored, before phrasing."""
    started = time.monotonic()
    stream = rig.service.send_stream(sid, text)
    first = next(stream)
    assert first.state.pending, "the answer left nothing for the interviewer to say"
    plan = rig.service.policy.plan(first.state, first.state.pending[0])
    if on_plan is not None:
        on_plan(plan)
    updates = [first, *stream]
    return Sent(first.state, plan, updates, time.monotonic() - started)


ACK = "So you would check calibration per segment."


def on_script(plan: Plan) -> str:
    """The text the user sees when the model's acknowledgement passes `ModelPhraser.accept`:
    the model only nods to the answer; the question from the notes follows it verbatim."""
    return f"{ACK} {plan.text}"


def check_reply_after_candidate(rig: Rig, sid: str, sent: Sent, text: str) -> None:
    """The candidate turn is stored, followed by the interviewer's reply `text`."""
    final = sent.last.state
    stored = rig.service.load(sid)
    assert stored.turns == final.turns  # every turn is on disk, not only in the update
    assert not stored.pending
    index = len(sent.before_reply.turns) - 1
    candidate, reply = stored.turns[index], stored.turns[index + 1]
    assert candidate.role is Role.CANDIDATE and candidate.text == ANSWER
    assert reply.role is Role.INTERVIEWER and reply.text == text


@dataclass(frozen=True)
class SessionFault:
    name: str
    notice: str  # a phrase of the notice the user sees
    behaviour: str = "ok"
    refused: bool = False
    blocked: bool = False
    headers_first: bool = False
    broken_json_sse: bool = True

    def __str__(self) -> str:
        return self.name


SESSION_FAULTS = [
    SessionFault("slow_first_token", "took too long", "slow_first_token"),
    SessionFault(
        "slow_first_token-headers_first", "took too long", "slow_first_token", headers_first=True
    ),
    SessionFault("hang", "took too long", "hang"),
    SessionFault("http500", "did not answer", "http500"),
    SessionFault("http429", "rate limited", "http429"),
    SessionFault("broken_json", "did not answer", "broken_json"),
    SessionFault("broken_json-plain_body", "did not answer", "broken_json", broken_json_sse=False),
    SessionFault("length", "did not answer", "length"),
    SessionFault("drop_mid_stream", "not reachable", "drop_mid_stream"),
    SessionFault("connection_refused", "not reachable", refused=True),
    SessionFault("requests_blocked", "switched off", blocked=True),
]


@pytest.mark.parametrize("fault", SESSION_FAULTS, ids=str)
def test_session_falls_back_to_the_script_on_each_fault(
    server: FakeOpenAIServer, tmp_path: Path, knowledge: KnowledgeBase, fault: SessionFault
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1" if fault.refused else ""
    with make_rig(
        server, tmp_path, knowledge, base_url=base_url, allow_requests=not fault.blocked
    ) as rig:
        sid = start_drill(rig)
        server.behaviour = fault.behaviour
        server.headers_first = fault.headers_first
        server.broken_json_sse = fault.broken_json_sse

        sent = send(rig, sid, ANSWER)

        assert sent.elapsed < SEND_BOUND_S, f"send took {sent.elapsed:.2f}s"
        check_reply_after_candidate(rig, sid, sent, sent.plan.text)
        reply = sent.last.state.turns[len(sent.before_reply.turns)]
        assert reply.fallback is True
        assert reply.kind is sent.plan.kind
        assert sent.last.notices, "the user was not told the model failed"
        assert any(fault.notice in n for n in sent.last.notices), sent.last.notices
        if fault.refused or fault.blocked:
            assert server.requests == []
        else:
            assert len(server.chat_requests) == 1


def test_session_uses_the_model_text_when_it_answers(rig: Rig) -> None:
    sid = start_drill(rig)
    chosen: list[str] = []

    def reply_with(plan: Plan) -> None:
        chosen.append(on_script(plan))
        rig.server.reply = ACK

    sent = send(rig, sid, ANSWER, on_plan=reply_with)

    check_reply_after_candidate(rig, sid, sent, chosen[0])
    reply = sent.last.state.turns[len(sent.before_reply.turns)]
    assert reply.fallback is False
    assert chosen[0] != sent.plan.text
    assert sent.last.notices == ()
    drafts = [u.draft for u in sent.updates if u.draft]
    assert drafts and drafts[-1] == chosen[0]  # streamed to the UI as it arrived
    assert len(rig.server.chat_requests) == 1


def test_session_waits_for_a_slow_first_token_inside_the_deadline(rig: Rig) -> None:
    sid = start_drill(rig)
    rig.server.behaviour = "slow_first_token"
    rig.server.headers_first = True
    rig.server.delay_s = 0.3  # well inside REPLY_DEADLINE_S and MODEL_TIMEOUT_S
    chosen: list[str] = []

    def reply_with(plan: Plan) -> None:
        chosen.append(on_script(plan))
        rig.server.reply = ACK

    sent = send(rig, sid, ANSWER, on_plan=reply_with)

    check_reply_after_candidate(rig, sid, sent, chosen[0])
    assert sent.last.state.turns[len(sent.before_reply.turns)].fallback is False
    assert 0.3 <= sent.elapsed < REPLY_DEADLINE_S + MARGIN_S


def test_session_recovers_after_a_fault(rig: Rig) -> None:
    sid = start_drill(rig)
    rig.server.behaviour = "hang"
    first = send(rig, sid, ANSWER)
    assert first.last.state.turns[-1].fallback is True

    rig.server.behaviour = "ok"
    rig.clock.advance(40)
    chosen: list[str] = []

    def reply_with(plan: Plan) -> None:
        chosen.append(on_script(plan))
        rig.server.reply = ACK

    second = send(rig, sid, ANSWER + " We also watch calibration per campaign.", on_plan=reply_with)
    reply = second.last.state.turns[len(second.before_reply.turns)]
    assert reply.role is Role.INTERVIEWER and reply.text == chosen[0]
    assert reply.fallback is False
    assert second.last.notices == ()  # notices are per send, not sticky
    assert second.elapsed < SEND_BOUND_S


def test_a_missed_deadline_hangs_up_on_the_model_server(
    server: FakeOpenAIServer, tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    """A reply that starts after the deadline is not read to the end: the one local model
    process must stop decoding a reply nobody will see, or the next turn queues behind it."""
    with make_rig(server, tmp_path, knowledge, model_timeout_s=10) as rig:
        sid = start_drill(rig)
        server.behaviour = "slow_first_token"
        server.headers_first = True
        server.delay_s = REPLY_DEADLINE_S + 0.3  # after the phraser's deadline, before the timeout
        server.n_chunks = 12
        server.chunk_gap_s = 0.15  # ~1.8 s of streaming if the client kept reading

        sent = send(rig, sid, ANSWER)

        assert sent.last.state.turns[-1].fallback is True
        assert any("took too long" in n for n in sent.last.notices)
        assert sent.elapsed < REPLY_DEADLINE_S + MARGIN_S
        _join_phrase_threads()
        assert server.wait_for_outcomes() == ["client_gone"]


@pytest.mark.parametrize("which", ["default", "small"])
def test_the_bundled_model_is_labelled_local_once(settings: Settings, which: str) -> None:
    """Issue 21, UI fix 1: the Start tab read '... Q4_K_M (local) (local)'."""
    from interviewer.adapters.local_model import LocalModelServer

    local = settings.model_copy(update={"local_model": which})
    server = LocalModelServer(local)  # not started: only its label is read
    model = OpenAICompatibleModel.from_settings(
        local, base_url=server.base_url, local=True, model_name=server.model_name, server=server
    )
    built = wiring_module.build(local, embedder=HashEmbedder(), chat_model=model, use_model=False)
    try:
        assert built.model_label == f"{server.model.label} (local)"
        assert built.model_label.count("(local)") == 1
    finally:
        built.store.close()
