"""Shared helpers: percentiles, rows and the table printer (no timing in unit tests, only here)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str
    p50: float | None
    p95: float | None
    unit: str
    budget: float | None = None  # in `unit`; None = reported, not budgeted
    note: str = ""
    budget_on: str = "p95"  # which percentile the budget applies to

    @property
    def ok(self) -> bool | None:
        if self.budget is None:
            return None
        value = self.p95 if self.budget_on == "p95" else self.p50
        return value is not None and value <= self.budget


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summarize(
    figure: str,
    samples_ms: list[float],
    budget: float | None = None,
    note: str = "",
    budget_on: str = "p95",
) -> Row:
    return Row(
        figure,
        percentile(samples_ms, 50),
        percentile(samples_ms, 95),
        "ms",
        budget,
        note,
        budget_on,
    )


def table(rows: list[Row]) -> str:
    def fmt(value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"

    lines = ["| figure | p50 | p95 | unit | budget | ok | note |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        ok = {True: "yes", False: "**no**", None: ""}[row.ok]
        budget = "" if row.budget is None else f"{row.budget_on} ≤ {fmt(row.budget)}"
        lines.append(
            f"| {row.figure} | {fmt(row.p50)} | {fmt(row.p95)} | {row.unit} | {budget} | {ok} | {row.note} |"
        )
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values)
