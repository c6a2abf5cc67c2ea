"""The whole reply as a candidate sees it: Enter pressed in the browser → the reply's last change.

The real app (`python app.py`, bundled model, default settings, so replies are also spoken) in a
subprocess, driven through Debian chromium by Playwright. The page polls the text of the last
interviewer bubble every 20 ms (not the chat's DOM: Gradio's progress timer ticks in it); after each
answer it is watched until that text has been still for QUIET_S, and the reply counts as complete
at its last change. Answers are recorded candidate turns of one case, sent in a full interview;
the first turn (model start, warm-up) is not counted.

python -m benchmarks.run_all --only browser
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import bench_model
from benchmarks.bench_concurrency import _free_port, _wait  # pyright: ignore[reportPrivateUsage]
from benchmarks.bench_voice import _bench_dir  # pyright: ignore[reportPrivateUsage]
from benchmarks.common import Row, summarize

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
QUIET_S = 4.0  # the chat still for this long: the reply is done
MAX_WAIT_S = 90.0
CASE = "visual-search"

_OBSERVE = """() => {
  const last = () => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    return bots.length ? bots.length + '|' + bots[bots.length - 1].innerText : '';
  };
  window.__text = last();
  window.__changed = performance.now();
  setInterval(() => {
    const now = last();
    if (now !== window.__text) { window.__text = now; window.__changed = performance.now(); }
  }, 20);
  document.querySelector('#answer-box textarea').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { window.__sent = performance.now(); }
  }, true);
}"""


def run(turns: int = 12) -> list[Row]:
    if not bench_model.installed("default") or CHROMIUM is None:
        why = "bundled model not installed" if CHROMIUM else "chromium not installed"
        return [Row("browser: whole reply complete", None, None, "", None, f"{why} (skipped)")]
    answers = [a for c, _, a in bench_model.recorded_turns(400) if c == CASE][: turns + 1]
    port = _free_port()
    env = {
        **os.environ,
        "INTERVIEWER_DATA_DIR": str(_bench_dir()),
        "INTERVIEWER_PORT": str(port),
        "INTERVIEWER_HOST": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "NO_PROXY": "127.0.0.1",
    }
    env.pop("INTERVIEWER_BASE_URL", None)
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/", seconds=300)
        times = _drive(f"http://127.0.0.1:{port}/", answers)
    finally:
        app.terminate()
        app.wait(timeout=30)
    return [
        summarize(
            "browser: Enter → whole reply complete (bundled 1.5B)",
            times[1:],
            budget=6000,  # DESIGN.md section 9
            note=f"{len(times) - 1} answers after one warm-up; replies spoken too (default settings)",
        )
    ]


def _drive(url: str, answers: list[str]) -> list[float]:
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        page.locator("#case-cards label", has_text=_title()).first.click()
        page.locator("#start-btn").click()
        page.locator("#chat [data-testid='bot']").first.wait_for()
        page.evaluate(_OBSERVE)
        for answer in answers:
            box = page.locator("#answer-box textarea")
            box.fill(answer)
            box.press("Enter")
            times.append(_wait_still(page))
        browser.close()
    return times


def _title() -> str:
    from interviewer.domain import CaseId
    from interviewer.knowledge import default_knowledge

    return default_knowledge().case(CaseId(CASE)).facts.title


def _wait_still(page: Page) -> float:
    """Milliseconds from Enter to the reply's last change, once it has been still for QUIET_S."""
    deadline = time.monotonic() + MAX_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now, changed, sent = page.evaluate(
            "() => [performance.now(), window.__changed, window.__sent]"
        )
        if changed > sent and now - changed > QUIET_S * 1000:
            return float(changed - sent)
    raise RuntimeError("the reply did not finish within MAX_WAIT_S")


__all__ = ["run"]
