"""A worker process for the crash test: holds interviews and prints ACK after each committed turn.

Usage: python tests/crash_worker.py DATA_DIR  (runs until killed)
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from interviewer.config import Settings
from interviewer.domain import CaseId, Mode, Phase, Status
from interviewer.errors import InputRejected
from interviewer.fakes import HashEmbedder
from interviewer.knowledge import default_knowledge
from interviewer.wiring import build


def main() -> None:
    settings = Settings(data_dir=Path(sys.argv[1]), offline=True, retrieval="off")
    wiring = build(
        settings, embedder=HashEmbedder(), use_model=False, knowledge=default_knowledge()
    )
    service = wiring.service
    # Resume whatever the previous (killed) worker left unanswered, then keep talking.
    sessions = [s.id for s in wiring.store.sessions(status=Status.ACTIVE)]
    for sid in sessions:
        service.resume(sid)
    if len(sessions) < 3:
        for case in (CaseId.VISUAL_SEARCH, CaseId.AD_CLICK_PREDICTION, CaseId.SIMILAR_LISTINGS)[
            len(sessions) :
        ]:
            sessions.append(service.start(case, Mode.DRILL, Phase.DATA).state.id)
    print("READY", flush=True)
    for n in itertools.count():
        sid = sessions[n % len(sessions)]
        text = f"turn {n} of {sid[:6]}: we'd log impressions and clicks because labels arrive late."
        try:
            updates = service.send_stream(sid, text)
            next(updates)  # the candidate turn is committed here
            print(f"ACK {sid} {text}", flush=True)
            for _ in updates:  # the replies
                pass
        except InputRejected:
            sessions[n % len(sessions)] = service.start(
                CaseId.VIDEO_SEARCH, Mode.DRILL, Phase.DATA
            ).state.id


if __name__ == "__main__":
    main()
