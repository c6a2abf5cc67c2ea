"""Builds the real or fake adapters from settings; the one place that knows them all."""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from interviewer.config import Settings
from interviewer.domain import Mode, Phase, default_budgets
from interviewer.errors import VoiceUnavailable
from interviewer.fakes import HashEmbedder, InMemoryRetriever, ScriptedChatModel
from interviewer.grading.grader import Grader
from interviewer.grading.scoring import Scorer
from interviewer.knowledge import KnowledgeBase, Misconception, PhaseNote, default_knowledge
from interviewer.limits import BoundedChatModel, RateLimiter
from interviewer.phrasing import ModelPhraser
from interviewer.policy import Policy
from interviewer.ports import (
    Accounts,
    ChatModel,
    Clock,
    Embedder,
    Retriever,
    SpeechToText,
    Store,
    TextToSpeech,
    VoiceActivity,
)
from interviewer.session import InterviewService

log = logging.getLogger("interviewer")


class SystemClock:
    def now(self) -> float:
        return time.time()


@dataclass(frozen=True)
class Voice:
    """Speech in and out, behind the ports. The engines load their models on first use, so
    building this costs nothing; `None` in `Wiring.voice` means the voice extra is not installed."""

    stt: SpeechToText
    tts: TextToSpeech
    vad: VoiceActivity


def voice_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("faster_whisper", "piper"))


def build_voice(settings: Settings) -> Voice | None:
    """Whisper (tiny.en or base), Piper (espeak-ng when Piper is missing) and Silero VAD, or None
    when the voice extra is not installed: typing works without it."""
    if not voice_installed():
        return None
    from interviewer.adapters.stt import SileroVoiceActivity, build_stt
    from interviewer.adapters.tts import build_tts

    try:
        return Voice(stt=build_stt(settings), tts=build_tts(), vad=SileroVoiceActivity())
    except VoiceUnavailable as err:
        log.info("voice off: %s", err)
        return None


@dataclass
class Wiring:
    settings: Settings
    knowledge: KnowledgeBase
    store: AccountStore
    clock: Clock
    embedder: Embedder
    retriever: Retriever | None
    scorer: Scorer
    grader: Grader
    service: InterviewService
    chat_model: ChatModel | None
    voice: Voice | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def model_label(self) -> str:
        if self.chat_model is None:
            return "scripted interviewer (no model)"
        where = "local" if self.chat_model.is_local else "remote"
        return f"{self.chat_model.name} ({where})"


class AccountStore(Store, Accounts, Protocol):
    """Both ports over one database, as both adapters provide them."""


def build_store(settings: Settings) -> AccountStore:
    """SQLite in the data dir by default; Postgres when INTERVIEWER_DATABASE_URL names one."""
    if settings.database_url is not None:
        from interviewer.adapters.postgres_store import PostgresStore

        return PostgresStore(
            settings.database_url.get_secret_value(), max_size=settings.db_pool_size
        )
    from interviewer.adapters.store import SqliteStore

    return SqliteStore(settings.db_path)


def build_embedder(kind: Literal["real", "fake"]) -> Embedder:
    if kind == "fake":
        return HashEmbedder()
    from interviewer.adapters.embedder import CachedEmbedder, MiniLMEmbedder

    return CachedEmbedder(MiniLMEmbedder())


def build_retriever(
    settings: Settings, knowledge: KnowledgeBase, embedder: Embedder, notices: list[str]
) -> Retriever | None:
    from interviewer.adapters.chunks import build_chunks

    if settings.retrieval == "off":
        return None
    if isinstance(embedder, HashEmbedder):
        return InMemoryRetriever(build_chunks(knowledge), embedder)
    from interviewer.adapters.retriever import ChromaRetriever

    retriever = ChromaRetriever(settings.index_dir, embedder, hybrid=settings.retrieval == "hybrid")
    message = retriever.ensure_index(build_chunks(knowledge))
    if message:
        notices.append(message)
        log.info(message)
    return retriever


def build_chat_model(settings: Settings) -> ChatModel | None:
    if settings.offline:
        return None
    from interviewer.adapters.llm import OpenAICompatibleModel

    if settings.base_url:
        return OpenAICompatibleModel.from_settings(
            settings, base_url=settings.base_url, local=False
        )
    if settings.local_model == "off":
        return None
    if settings.hosted:
        # Several app processes must share one model server, never start one each.
        log.warning(
            "Hosted mode (INTERVIEWER_DATABASE_URL) without INTERVIEWER_BASE_URL: the bundled "
            "model is not started; interviews use the scripted interviewer."
        )
        return None
    from interviewer.adapters.local_model import LocalModelServer

    server = LocalModelServer.shared(settings)
    server.start_in_background()
    return OpenAICompatibleModel.from_settings(
        settings, base_url=server.base_url, local=True, model_name=server.model_name, server=server
    )


@dataclass(frozen=True)
class ScorerListener:
    """The policy hears answers through the grader's own matcher, so both agree on coverage."""

    scorer: Scorer
    knowledge: KnowledgeBase

    def coverage(self, note: PhaseNote, answers: Sequence[str]) -> dict[str, float]:
        return self.scorer.coverage(self.knowledge.case(note.case), note, list(answers))

    def misconceptions(
        self, note: PhaseNote, texts: Sequence[str]
    ) -> list[tuple[int, Misconception]]:
        found = self.scorer.asserted_in(self.knowledge.case(note.case), note, texts)
        return [(hit.unit, hit.misconception) for hit in found]

    def heard(self, note: PhaseNote, text: str) -> list[str]:
        return self.scorer.heard_terms(self.knowledge.case(note.case), note, text)


def build(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    chat_model: ChatModel | None = None,
    use_model: bool = True,
    clock: Clock | None = None,
    knowledge: KnowledgeBase | None = None,
    voice: Voice | None = None,
) -> Wiring:
    knowledge = knowledge or default_knowledge()
    store = build_store(settings)
    clock = clock or SystemClock()
    embedder = embedder or build_embedder("real")
    notices: list[str] = []
    retriever = build_retriever(settings, knowledge, embedder, notices)
    scorer = Scorer(embedder)
    grader = Grader(knowledge, scorer)

    policy = Policy(knowledge, ScorerListener(scorer, knowledge), retriever)
    if chat_model is None and use_model:
        chat_model = build_chat_model(settings)
    limiter = None
    if settings.auth_required:
        limiter = RateLimiter(clock, per_minute=settings.turns_per_minute, burst=10)
        if chat_model is not None:
            chat_model = BoundedChatModel(chat_model, slots=settings.max_model_calls)
    phraser = None
    if chat_model is not None:
        phraser = ModelPhraser(
            chat_model,
            first_token_deadline_s=min(settings.first_token_deadline_s, settings.reply_deadline_s),
            total_deadline_s=settings.reply_deadline_s,
        )

    def budgets(mode: Mode, phase: Phase | None) -> dict[Phase, float]:
        base = default_budgets(mode, phase)
        return {p: settings.budget_seconds(p, s / 60) for p, s in base.items()}

    service = InterviewService(
        knowledge=knowledge,
        store=store,
        clock=clock,
        policy=policy,
        grader=grader,
        phraser=phraser,
        budget_seconds=budgets,
        limiter=limiter,
    )
    return Wiring(
        settings=settings,
        knowledge=knowledge,
        store=store,
        clock=clock,
        embedder=embedder,
        retriever=retriever,
        scorer=scorer,
        grader=grader,
        service=service,
        chat_model=chat_model,
        voice=voice or build_voice(settings),
        notices=notices,
    )


def build_fake(
    settings: Settings,
    *,
    replies: list[str] | None = None,
    clock: Clock | None = None,
    with_model: bool = False,
) -> Wiring:
    """Everything fake but the store: for tests, benchmarks and `--fake`."""
    model = ScriptedChatModel(replies or []) if with_model else None
    return build(settings, embedder=HashEmbedder(), chat_model=model, use_model=False, clock=clock)
