"""`make bench`: every benchmark, one table. `--check` exits 1 when a budgeted figure is over budget.

python -m benchmarks.run_all [--check] [--only core,concurrency,voice,delivery,handsfree,model,browser,study,estimates,hosting]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from benchmarks import (
    bench_browser_reply,
    bench_concurrency,
    bench_core,
    bench_delivery,
    bench_estimates,
    bench_handsfree,
    bench_hosting,
    bench_model,
    bench_study,
    bench_voice,
)
from benchmarks.common import Row, table


def machine() -> str:
    cpu = "unknown CPU"
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        cpu = next(
            (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu
        )
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a figure is over its budget"
    )
    parser.add_argument(
        "--only",
        default="core,concurrency,voice,delivery,handsfree,model,browser,study,estimates,hosting",
    )
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    rows: list[Row] = []
    if "core" in wanted:
        rows += bench_core.run()
    if "concurrency" in wanted:
        rows += bench_concurrency.run()
    if "voice" in wanted:
        rows += bench_voice.run()
    if "delivery" in wanted:
        rows += bench_delivery.run()
    if "handsfree" in wanted:
        rows += bench_handsfree.run()
    if "model" in wanted:
        rows += bench_model.run()
    if "browser" in wanted:
        rows += bench_browser_reply.run()
    if "study" in wanted:
        rows += bench_study.run()
    if "estimates" in wanted:
        rows += bench_estimates.rows()
    if "hosting" in wanted:
        rows += bench_hosting.run()
    print(f"machine: {machine()}\n")
    print(table(rows))
    failed = [r.figure for r in rows if r.ok is False]
    if failed and args.check:
        print(f"\nover budget: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
