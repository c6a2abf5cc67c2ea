"""App overhead per turn (engine + store + retrieval + rendering, fake model), growth with session
length, store size, retrieval latency and index growth, grading time."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Row, summarize, timed
from interviewer.adapters.chunks import build_chunks
from interviewer.adapters.embedder import CachedEmbedder, MiniLMEmbedder
from interviewer.adapters.retriever import ChromaRetriever
from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Role, Status, Turn, TurnKind
from interviewer.fakes import ScriptedChatModel
from interviewer.knowledge import default_knowledge
from interviewer.ports import Chunk, Vectors
from interviewer.ui.render import chat_messages
from interviewer.wiring import build

ANSWER = (
    "We'd precompute ad embeddings offline and keep user features in a feature store, because the "
    "ranker must score about 300 candidates within 50 ms at p99."
)
QUERIES = [
    "how do we keep p99 latency low with a big candidate set",
    "we split logs by time to avoid leakage",
    "calibration matters because the auction multiplies pCTR by the bid",
    "cold start for new ads with no click history",
    "monitoring drift in feature distributions",
]


def turn_overhead(embedder: MiniLMEmbedder, folder: Path) -> list[Row]:
    settings = Settings(data_dir=folder / "turns", retrieval="hybrid")
    wiring = build(
        settings,
        embedder=CachedEmbedder(embedder),
        chat_model=ScriptedChatModel(chunk_size=1000),
        use_model=False,
    )
    service = wiring.service
    rows: list[Row] = []
    started = time.perf_counter()
    wiring.scorer.warm(
        [wiring.knowledge.case(CaseId.AD_CLICK_PREDICTION)]
    )  # as the app does at start
    rows.append(
        Row(
            "warm-up: key points of one case",
            (time.perf_counter() - started) * 1000,
            None,
            "ms",
            None,
            "the app embeds all 10 cases in the background at start",
        )
    )
    sid = service.start(CaseId.AD_CLICK_PREDICTION, Mode.FULL).state.id
    samples: list[float] = []
    for _ in range(62):
        started = time.perf_counter()
        update = service.send(sid, ANSWER)
        chat_messages(update.state)
        samples.append((time.perf_counter() - started) * 1000)
        if (
            update.state.status is not Status.ACTIVE
        ):  # the policy ran out of questions: a new interview
            sid = service.start(CaseId.AD_CLICK_PREDICTION, Mode.FULL).state.id
    rows.append(
        summarize(
            "app overhead per turn (fake model)",
            samples[2:],
            budget=50,
            note="engine + SQLite commit x2 + coverage + retrieval + render",
        )
    )
    # Growth: a session already holding N turns.
    for length in (10, 100, 1000):
        state = service.load(sid)
        filler = tuple(
            Turn(
                role=Role.CANDIDATE if i % 2 else Role.INTERVIEWER,
                phase=Phase.REQUIREMENTS,
                text=ANSWER,
                kind=TurnKind.ANSWER if i % 2 else TurnKind.FOLLOW_UP,
                at=float(i),
            )
            for i in range(length)
        )
        grown = state.model_copy(
            update={
                "id": f"grow{length:06d}xx",
                "turns": filler,
                "phase": Phase.DATA,
                "status": Status.ACTIVE,
                "phase_started_at": time.time(),
                "started_at": time.time(),
                "follow_ups_asked": 0,
                "nudged": False,
                "pending": (),
            }
        )
        wiring.store.save(grown, now=time.time())

        def grown_turn(gid: str = grown.id) -> None:
            update = service.send(gid, ANSWER)
            chat_messages(update.state)

        rows.append(
            summarize(f"turn overhead at {length:,} turns", timed(grown_turn, 15, warmup=1))
        )
    size = (
        settings.db_path.stat().st_size
        + sum(p.stat().st_size for p in settings.data_dir.glob("*-wal"))
    ) / 1024
    sessions = len(wiring.store.sessions())
    turns = sum(s.turns for s in wiring.store.sessions())
    rows.append(
        Row(
            "store size",
            size / turns * 100,
            None,
            "KB / 100 turns",
            None,
            f"{sessions} sessions, {turns:,} turns, {size:,.0f} KB on disk",
        )
    )
    wiring.store.close()
    return rows


def retrieval(embedder: MiniLMEmbedder, folder: Path) -> list[Row]:
    chunks = build_chunks(default_knowledge())
    retriever = ChromaRetriever(folder / "index", embedder)
    started = time.perf_counter()
    retriever.rebuild(chunks)
    build_s = time.perf_counter() - started
    rows = [
        Row(
            "index build, whole knowledge base", build_s, None, "s", None, f"{len(chunks):,} chunks"
        )
    ]
    queries = iter(QUERIES * 100)
    rows.append(
        summarize(
            "retrieval incl. query embedding",
            timed(lambda: retriever.search(next(queries), case="ad-click-prediction", k=5), 100),
            budget=20,
        )
    )
    texts = [c.text for c in chunks]
    started = time.perf_counter()
    embedder.embed(texts[:400])
    rate = 400 / (time.perf_counter() - started)
    rows.append(
        Row(
            "embedding throughput (note chunks)",
            rate,
            None,
            "texts/s",
            None,
            "batched, length-sorted",
        )
    )
    for factor in (10, 100):
        synthetic = [
            Chunk(
                id=f"syn{factor}/{i}",
                text=f"{chunks[i % len(chunks)].text} (variant {i})",
                case=chunks[i % len(chunks)].case,
                phase=chunks[i % len(chunks)].phase,
                kind=chunks[i % len(chunks)].kind,
                key_point_id=chunks[i % len(chunks)].key_point_id,
            )
            for i in range(len(chunks) * factor)
        ]
        big = ChromaRetriever(folder / f"index{factor}", _RandomVectors(), hybrid=True)
        big.rebuild(synthetic)
        queries = iter(QUERIES * 100)
        rows.append(
            summarize(
                f"retrieval at {factor}x corpus ({len(synthetic):,} chunks)",
                timed(
                    lambda b=big, q=queries: b.search(next(q), case="ad-click-prediction", k=5), 50
                ),
                note="synthetic vectors; query embedding excluded",
            )
        )
    return rows


class _RandomVectors:
    """Cheap deterministic vectors so a 200k-chunk index builds in seconds; search cost is the same."""

    name = "random-384"

    def embed(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            v = rng.standard_normal(384).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def grading(embedder: MiniLMEmbedder) -> list[Row]:
    from interviewer.grading.grader import Grader
    from interviewer.grading.scoring import Scorer

    knowledge = default_knowledge()
    case = CaseId.AD_CLICK_PREDICTION
    answers = [
        ANSWER,
        "Offline I'd use normalized cross-entropy because calibration matters.",
        "An A/B test on revenue per mille for a week, with hide rate as a guardrail.",
    ]
    one = [
        Turn(role=Role.CANDIDATE, phase=Phase.SERVING, text=a, kind=TurnKind.ANSWER, at=float(i))
        for i, a in enumerate(answers * 3)
    ]
    full = [
        t.model_copy(update={"phase": p})
        for p in Phase
        if p in knowledge.case(case).notes
        for t in one
    ]
    rows: list[Row] = []
    # A fresh scorer each time: no cached note embeddings, the cost a user sees on the first report.
    rows.append(
        summarize(
            "grading one phase, no model (cold)",
            timed(
                lambda: Grader(knowledge, Scorer(embedder)).grade_turns(
                    "b" * 12, case, one, [Phase.SERVING]
                ),
                10,
                1,
            ),
            budget=1000,
            budget_on="p50",
        )
    )
    rows.append(
        summarize(
            "grading a full interview (7 phases, cold)",
            timed(
                lambda: Grader(knowledge, Scorer(embedder)).grade_turns("b" * 12, case, full), 5, 1
            ),
        )
    )
    return rows


def run() -> list[Row]:
    embedder = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return [*turn_overhead(embedder, folder), *retrieval(embedder, folder), *grading(embedder)]
