"""Saying a reply: sentences synthesised ahead of need, and the words known before the model.

Framework-free: used by the hands-free panel and by its benchmark.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from interviewer.domain import Role, TurnKind
from interviewer.errors import InterviewerError, VoiceUnavailable
from interviewer.ports import Samples, TextToSpeech
from interviewer.session import SessionUpdate
from interviewer.text import complete_sentences

CACHED_SENTENCES = 64


def split_sentences(text: str) -> list[str]:
    return list(complete_sentences([text]))


class SpeechCache:
    """Sentences synthesised ahead of need (during the candidate's pause), one at a time in the
    background; asking for one that is still being made waits for it instead of making it twice."""

    def __init__(self, tts: TextToSpeech) -> None:
        self.tts = tts
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts-ahead")
        self._planner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-ahead")
        self._plans: list[Future[None]] = []
        self._made: OrderedDict[str, Future[tuple[int, Samples]]] = OrderedDict()
        self._lock = threading.Lock()

    def prepare_from(self, words: Callable[[], str | None]) -> None:
        """Work out the words in the background (the reply if this pause ends the answer), then
        synthesise them. Only the latest guess matters: older ones not started are dropped, so a
        busy machine does not work through a queue of stale guesses."""
        with self._lock:
            for queued in self._plans:
                queued.cancel()
            self._plans = [self._planner.submit(self._prepare_words, words)]

    def _prepare_words(self, words: Callable[[], str | None]) -> None:
        known = words()
        if known:
            self.prepare(split_sentences(known))

    def prepare(self, sentences: list[str]) -> None:
        """Synthesise these sentences next; queued ones for an older guess are dropped."""
        with self._lock:
            for sentence, future in list(self._made.items()):
                if sentence not in sentences and future.cancel():
                    del self._made[sentence]
        for sentence in sentences:
            self._future(sentence)

    def audio(self, sentence: str) -> tuple[int, Samples]:
        return self._future(sentence).result()

    def _future(self, sentence: str) -> Future[tuple[int, Samples]]:
        with self._lock:
            if sentence not in self._made or self._made[sentence].cancelled():
                self._made[sentence] = self._pool.submit(self.tts.synthesize_samples, sentence)
                while len(self._made) > CACHED_SENTENCES:
                    self._made.popitem(last=False)
            self._made.move_to_end(sentence)
            return self._made[sentence]


class Narrator:
    """Says one reply: the words known ahead as soon as they are announced, then whatever of the
    finished turns was not said yet."""

    def __init__(self, cache: SpeechCache, turns_before: int) -> None:
        self.cache = cache
        self.said_upto = turns_before
        self.ahead = ""

    def hear(self, update: SessionUpdate) -> Iterator[tuple[int, Samples]]:
        if update.ahead:
            self.ahead = update.ahead
            yield from self._say(update.ahead)
        if update.draft is not None:
            return
        for turn in update.state.turns[self.said_upto :]:
            if turn.role is Role.INTERVIEWER and turn.kind is not TurnKind.REPORT:
                said_ahead = bool(self.ahead) and turn.text.endswith(self.ahead)
                # The model's acknowledgement arrives after the question has started: it is
                # shown in the chat, not said after the question.
                if not said_ahead:
                    yield from self._say(turn.text)
                self.ahead = ""
        self.said_upto = len(update.state.turns)

    def _say(self, text: str) -> Iterator[tuple[int, Samples]]:
        for sentence in split_sentences(text):
            try:
                yield self.cache.audio(sentence)
            except InterviewerError:
                return


class Mute:
    """No voice installed: the hands-free row is hidden and nothing is ever synthesised."""

    name = "mute"

    def synthesize(self, text: str, out_path: str) -> str:
        raise VoiceUnavailable("no voice installed")

    def synthesize_samples(self, text: str) -> tuple[int, Samples]:
        raise VoiceUnavailable("no voice installed")


__all__ = ["Mute", "Narrator", "SpeechCache", "split_sentences"]
