"""Eval runners over the data in `evals/` (the data lives there; the code ships in the package)."""

from pathlib import Path

EVALS_DIR = Path(__file__).resolve().parent.parent.parent / "evals"
