"""Hosted limits: turns per user per minute, and a cap on model calls at once with a clear notice."""

from __future__ import annotations

import threading

import pytest

from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Role
from interviewer.fakes import FakeClock, HashEmbedder, ScriptedChatModel
from interviewer.knowledge import KnowledgeBase
from interviewer.limits import BoundedChatModel, ModelBusy, RateLimiter, TooFast
from interviewer.ports import ChatMessage
from interviewer.wiring import build

HELLO = [ChatMessage(role="user", content="hi")]


def test_the_rate_limiter_allows_a_burst_then_the_average() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, per_minute=6, burst=3)
    for _ in range(3):
        limiter.check("ana")
    with pytest.raises(TooFast):
        limiter.check("ana")
    limiter.check("bob")  # another user has their own bucket
    clock.advance(10.0)  # one token back at 6 a minute
    limiter.check("ana")
    with pytest.raises(TooFast):
        limiter.check("ana")


def test_a_full_model_cap_says_busy_instead_of_queueing_forever() -> None:
    model = BoundedChatModel(ScriptedChatModel(default="ok " * 20), slots=1, wait_s=0.05)
    holding = model.stream(HELLO)
    next(holding)  # one call in progress holds the only slot
    with pytest.raises(ModelBusy) as caught:
        list(model.stream(HELLO))
    assert "busy" in caught.value.user_message and "try again" in caught.value.user_message
    list(holding)  # the first call finishes and frees its slot
    assert "".join(model.stream(HELLO)).startswith("ok")


def test_cap_holds_under_threads() -> None:
    inner = ScriptedChatModel(default="word " * 10, delay_s=0.01)
    model = BoundedChatModel(inner, slots=2, wait_s=0.0)
    busy, done = [], []

    def call() -> None:
        try:
            done.append("".join(model.stream(HELLO)))
        except ModelBusy:
            busy.append(1)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) + len(busy) == 8 and len(done) >= 2 and busy


def hosted_wiring(tmp_path, knowledge: KnowledgeBase, clock: FakeClock, model):  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path / "data",
        auth=True,
        allow_model_requests=False,
        turns_per_minute=6,
        max_model_calls=1,
    )
    return build(
        settings,
        embedder=HashEmbedder(),
        chat_model=model,
        use_model=False,
        clock=clock,
        knowledge=knowledge,
    )


def test_turns_over_the_rate_are_refused_and_nothing_is_stored(
    tmp_path, knowledge: KnowledgeBase, clock: FakeClock
) -> None:
    wiring = hosted_wiring(tmp_path, knowledge, clock, None)
    service = wiring.service.for_user("ana")
    sid = service.start(CaseId.VISUAL_SEARCH, Mode.FULL).state.id
    sent = 1
    with pytest.raises(TooFast):
        while sent < 20:
            service.send(sid, f"Question {sent}: how many daily users are there?")
            sent += 1
    assert sent == 10  # the burst, counting the start
    candidates = [t for t in service.load(sid).turns if t.role is Role.CANDIDATE]
    assert len(candidates) == 9
    wiring.service.for_user("bob").start(CaseId.VISUAL_SEARCH, Mode.DRILL, Phase.DATA)
    wiring.store.close()


def test_a_busy_model_gives_the_scripted_reply_and_says_so(
    tmp_path, knowledge: KnowledgeBase, clock: FakeClock
) -> None:
    wiring = hosted_wiring(tmp_path, knowledge, clock, ScriptedChatModel(default="Fine."))
    assert isinstance(wiring.chat_model, BoundedChatModel)
    wiring.chat_model.wait_s = 0.0
    service = wiring.service.for_user("ana")
    sid = service.start(CaseId.VISUAL_SEARCH, Mode.FULL).state.id
    answer = "We'd log impressions and clicks because labels arrive late, with a 7 day window."
    holding = wiring.chat_model.stream(HELLO)
    next(holding)  # another candidate's reply holds the only slot
    update = service.send(sid, answer)
    assert any("busy" in n and "try again" in n for n in update.notices), update.notices
    reply = update.state.turns[-1]
    assert reply.role is Role.INTERVIEWER and reply.fallback  # answered all the same, scripted
    list(holding)
    wiring.store.close()
