"""Browser test of hands-free voice: Chromium's fake microphone plays a spoken answer with a thinking
pause; the answer must be sent with no click, in one piece, its reply must reach the speaker, and a
second utterance must stop the interviewer (barge-in). The app runs without a system ffmpeg.

The clip is made with espeak-ng: an answer, "um" and a 0.8 s pause (longer than the 0.7 s hold the
app is given, so only the thinking rule keeps the answer whole), the end of the answer, 5 s of
silence in which the reply starts, then "Sorry, one more thing" over the reply.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from playwright.sync_api import Page, Response, expect

from tests.test_browser import (
    SCREENSHOTS,
    _open,
    _start,
    _user,
    chromium,
    path_without_ffmpeg,
    serve_app,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng makes the clip"),
    pytest.mark.skipif(importlib.util.find_spec("piper") is None, reason="voice extra missing"),
]

RATE = 22_050
FIRST = "We would cache the user embeddings in a feature store, so the p99 latency stays under fifty milliseconds."
SECOND = "and we score only the top five hundred candidates with the ranker."
INTERRUPTION = "Sorry, one more thing about caching."


def _say(text: str, speed: int = 165) -> npt.NDArray[np.int16]:
    """espeak-ng's reading of `text`, without its own leading and trailing silence."""
    fd, name = tempfile.mkstemp(suffix=".wav")
    os.close(fd)
    try:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(speed), "-w", name, text], check=True)
        with wave.open(name) as src:
            assert src.getframerate() == RATE
            samples = np.frombuffer(src.readframes(src.getnframes()), dtype=np.int16)
    finally:
        Path(name).unlink(missing_ok=True)
    loud = np.nonzero(np.abs(samples) > 300)[0]
    return samples[loud[0] : loud[-1] + 1]


def _silence(seconds: float) -> npt.NDArray[np.int16]:
    return np.zeros(round(RATE * seconds), dtype=np.int16)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parts = [
        _silence(1.0),
        _say(FIRST),
        _silence(0.35),
        _say("um", speed=120),
        _silence(0.8),  # the thinking pause
        _say(SECOND),
        _silence(5.0),  # the answer ends; the reply is sent and starts playing
        _say(INTERRUPTION),  # barge-in
        _silence(3.0),
    ]
    path = tmp_path_factory.mktemp("clip") / "answer.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.concatenate(parts).tobytes())
    return path


@pytest.fixture(scope="module")
def hands_free_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("hands-free-app")
    env = {"PATH": path_without_ffmpeg(), "INTERVIEWER_SPEAK_REPLIES": "1"}
    with serve_app(tmp, INTERVIEWER_END_OF_TURN_SECONDS="0.7", **env) as url:
        yield url


@pytest.fixture
def mic_page(clip: Path, hands_free_url: str) -> Iterator[Page]:
    fake_mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={clip}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with chromium(*fake_mic) as browser:
        context = browser.new_context(
            viewport={"width": 1280, "height": 1000}, permissions=["microphone"]
        )
        page = context.new_page()
        _open(page, hands_free_url)
        yield page


def test_a_spoken_answer_is_sent_whole_without_a_click_and_answered_aloud(mic_page: Page) -> None:
    page = mic_page
    segments: list[Response] = []
    page.on("response", lambda r: segments.append(r) if r.url.endswith(".aac") else None)
    _start(page)
    page.get_by_role("tab", name="Interview").click()
    expect(page.locator("#end-of-turn input[type='number']")).to_have_value("0.7")
    users_before = _user(page).count()
    # Count the interviewer's audio being stopped mid-reply by the second utterance (the first
    # start is the answer itself, before any reply).
    page.evaluate(
        """() => { window.__bargedIn = 0;
        document.addEventListener('pause', (e) => {
          const a = e.target, starts = Number(document.body.dataset.bargeIns || 0);
          if (a.closest && a.closest('#speaker') && !a.ended && starts >= 2)
            window.__bargedIn += 1; }, true); }"""
    )
    page.locator("#hands-free-toggle").click()
    expect(page.locator("#hands-free-toggle")).to_have_text("Stop hands-free")

    # Sent with no click, and in one piece: the words after the thinking pause are in the same
    # message as the words before it.
    expect(_user(page)).to_have_count(users_before + 1, timeout=90_000)
    answer = _user(page).nth(users_before)
    expect(answer).to_contain_text(re.compile(r"feature store", re.IGNORECASE))
    # "ranker" or "rank": Whisper on a loaded machine may clip the last syllable.
    expect(answer).to_contain_text(re.compile(r"candidates with the rank", re.IGNORECASE))
    expect(page.locator("#answer-box textarea")).to_have_value("")

    # The reply reaches the speaker as playable audio.
    page.wait_for_function(
        "() => { const a = document.querySelector('#speaker audio');"
        " return a && a.readyState >= 2 && a.duration > 0.5; }",
        timeout=60_000,
    )
    received = sum(len(r.body()) for r in segments if r.ok)
    assert received > 1000, f"{len(segments)} audio segments, {received} bytes"

    # Barge-in: the second utterance stops the interviewer mid-reply.
    page.wait_for_function("() => Number(document.body.dataset.bargeIns || 0) >= 2", timeout=60_000)
    page.wait_for_function("() => window.__bargedIn > 0", timeout=10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hands-free.png"), full_page=True)
