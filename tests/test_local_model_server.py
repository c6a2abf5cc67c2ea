"""The bundled model's server process: how the app starts it (no model is loaded here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from interviewer.adapters.local_model import parse_args, server_command


def test_the_child_understands_the_command_the_app_builds() -> None:
    command = server_command(Path("/data/models/q.gguf"), 41234, "Qwen2.5 (local)")
    assert command[:3] == [sys.executable, "-m", "interviewer.adapters.local_model"]
    args = parse_args(command[3:])
    assert args.model == Path("/data/models/q.gguf")
    assert args.port == 41234
    assert args.alias == "Qwen2.5 (local)"
    assert args.threads >= 1


def test_the_module_runs_as_a_program_without_loading_the_engine() -> None:
    # --help exits before `serve`, so this needs neither the model nor the 100 MB engine library.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "interviewer.adapters.local_model", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--model" in done.stdout
    assert "xllamacpp" not in done.stderr  # -X importtime lists every module imported
