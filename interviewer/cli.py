"""The `interviewer` command: a thin shell over the session use case, grading and evals."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from interviewer.config import Settings, load_settings
from interviewer.domain import GRADED_PHASES, CaseId, Level, Mode, Phase, Role, Status
from interviewer.errors import InputRejected, InterviewerError, UnknownId
from interviewer.ports import Transcription
from interviewer.session import Command, SessionUpdate

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Mock interviewer for ML system design interviews.",
)
knowledge_app = typer.Typer(no_args_is_help=True, help="Validate the knowledge base.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure the grader, retrieval and interviewer.")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(eval_app, name="eval")
sketch_app = typer.Typer(no_args_is_help=True, help="Check a Mermaid architecture sketch.")
app.add_typer(sketch_app, name="sketch")
estimates_app = typer.Typer(no_args_is_help=True, help="Check back-of-envelope estimates.")
app.add_typer(estimates_app, name="estimates")
users_app = typer.Typer(no_args_is_help=True, help="Hosted mode: who may sign in.")
app.add_typer(users_app, name="users")

FakeOpt = Annotated[
    bool, typer.Option("--fake", help="Hash embedder and no model: instant, for trying things out.")
]
OfflineOpt = Annotated[bool, typer.Option("--offline", help="Scripted interviewer, no chat model.")]
LevelOpt = Annotated[
    Level,
    typer.Option(help="Target level: mid, senior or staff (changes follow-ups and the bar)."),
]
UserOpt = Annotated[
    str,
    typer.Option("--user", help="Hosted mode: whose sessions (default: the laptop's own)."),
]


def _settings(offline: bool = False) -> Settings:
    return load_settings(offline=True) if offline else load_settings()


def parse_case(value: str) -> CaseId:
    try:
        return CaseId(value)
    except ValueError:
        valid = ", ".join(c.value for c in CaseId)
        raise UnknownId(
            value, user_message=f"Unknown case {value!r}. Valid cases: {valid}"
        ) from None


def parse_phase(value: str) -> Phase:
    try:
        phase = Phase(value)
    except ValueError:
        phase = None
    if phase not in GRADED_PHASES:
        valid = ", ".join(p.value for p in GRADED_PHASES)
        raise UnknownId(value, user_message=f"Unknown phase {value!r}. Valid phases: {valid}")
    assert phase is not None
    return phase


def _wiring(offline: bool, fake: bool):
    from interviewer.wiring import build, build_fake

    settings = _settings(offline or fake)
    if fake:
        return build_fake(settings)
    return build(settings, use_model=not offline)


def _echo_updates(updates: Iterator[SessionUpdate], seen: int) -> tuple[int, SessionUpdate | None]:
    last: SessionUpdate | None = None
    for update in updates:
        last = update
        for notice in update.notices:
            typer.secho(f"[{notice}]", fg=typer.colors.YELLOW, err=True)
        for turn in update.state.turns[seen:]:
            if turn.role is Role.INTERVIEWER:
                typer.secho(f"\nInterviewer ({turn.phase}): ", fg=typer.colors.CYAN, nl=False)
                typer.echo(turn.text)
        seen = len(update.state.turns)
    return seen, last


def _interactive(
    offline: bool,
    fake: bool,
    case: str,
    mode: Mode,
    phase: str | None,
    resume: str | None = None,
    level: Level = Level.SENIOR,
) -> None:
    wiring = _wiring(offline, fake)
    service = wiring.service
    typer.secho(
        f"Model: {wiring.model_label}. Commands: /hint /next /grade /end /quit",
        fg=typer.colors.BRIGHT_BLACK,
    )
    if resume:
        update = service.resume(resume)
        for turn in update.state.turns:
            who = "You" if turn.role is Role.CANDIDATE else "Interviewer"
            typer.echo(f"{who}: {turn.text}")
        seen = len(update.state.turns)
    else:
        drill = parse_phase(phase) if phase else None
        started = service.start_stream(parse_case(case), mode, drill, level=level)
        seen, update = _echo_updates(started, 0)
        assert update is not None
    session_id = update.state.id
    typer.secho(f"(session {session_id})", fg=typer.colors.BRIGHT_BLACK)
    commands: dict[str, Command] = {
        "/hint": "hint",
        "/next": "next",
        "/end": "end",
        "/grade": "grade",
    }
    while True:
        try:
            line = input("\nYou: ")
        except EOFError:
            typer.echo(f"\nPaused. Resume with: interviewer resume {session_id}")
            return
        stripped = line.strip()
        if stripped == "/quit":
            typer.echo(f"Paused. Resume with: interviewer resume {session_id}")
            return
        try:
            if stripped in commands:
                seen, last = _echo_updates(
                    service.command_stream(session_id, commands[stripped]), seen
                )
            else:
                seen, last = _echo_updates(service.send_stream(session_id, line), seen)
        except InterviewerError as err:
            typer.secho(err.user_message, fg=typer.colors.RED, err=True)
            continue
        if last is not None and last.report is not None:
            from interviewer.grading.report import to_markdown

            typer.echo(to_markdown(last.report, wiring.knowledge))
        if last is not None and last.state.status is Status.ENDED:
            return


@app.command()
def start(
    case: Annotated[
        str, typer.Option(help="Case id, e.g. ad-click-prediction.")
    ] = "ad-click-prediction",
    level: LevelOpt = Level.SENIOR,
    offline: OfflineOpt = False,
    fake: FakeOpt = False,
) -> None:
    """Hold a full 45-minute interview in the terminal."""
    _interactive(offline, fake, case, Mode.FULL, None, level=level)


@app.command()
def drill(
    case: Annotated[str, typer.Option(help="Case id.")] = "ad-click-prediction",
    phase: Annotated[str, typer.Option(help="Phase id, e.g. serving.")] = "requirements",
    level: LevelOpt = Level.SENIOR,
    offline: OfflineOpt = False,
    fake: FakeOpt = False,
) -> None:
    """Drill one phase (about 8 minutes) in the terminal."""
    parse_case(case)
    parse_phase(phase)
    _interactive(offline, fake, case, Mode.DRILL, phase, level=level)


@app.command()
def resume(session: str, offline: OfflineOpt = False, fake: FakeOpt = False) -> None:
    """Continue an unfinished session in the terminal."""
    _interactive(offline, fake, "", Mode.FULL, None, resume=session)


@app.command()
def sessions(
    unfinished: Annotated[bool, typer.Option(help="Only sessions still in progress.")] = False,
    user: UserOpt = "",
) -> None:
    """List saved sessions."""
    from interviewer.grading.report import score_label
    from interviewer.wiring import build_store

    store = build_store(_settings()).for_owner(user)
    rows = store.sessions(status=Status.ACTIVE if unfinished else None)
    if not rows:
        typer.echo("No sessions yet. Start one with `interviewer drill` or `make run`.")
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at))
        overall = "-" if row.overall is None else score_label(row.overall)
        typer.echo(
            f"{row.id}  {when}  {row.case:<26} {row.mode:<5} {row.status:<6} "
            f"{row.phase:<12} turns={row.turns:<4} overall={overall}"
        )


@app.command()
def export(
    session: str,
    format: Annotated[str, typer.Option("--format", help="json or md")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    user: UserOpt = "",
) -> None:
    """Write a session's transcript (DESIGN.md section 5) as JSON or Markdown."""
    from interviewer.transcript import from_state, to_json, to_markdown
    from interviewer.wiring import build_store

    if format not in ("json", "md"):
        raise UnknownId(format, user_message="--format must be json or md")
    state = build_store(_settings()).for_owner(user).load(session)
    transcript = from_state(state)
    text = to_json(transcript) if format == "json" else to_markdown(transcript)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def grade(
    files: Annotated[list[Path], typer.Argument(help="Transcript JSON files.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines, DESIGN.md section 6.")
    ] = False,
    format: Annotated[str, typer.Option("--format", help="json or md")] = "md",
    level: Annotated[
        Level | None,
        typer.Option(help="Grade against this bar (default: the transcript's level, or senior)."),
    ] = None,
    fake: FakeOpt = False,
) -> None:
    """Grade transcripts without any model call."""
    from interviewer.grading.grader import Grader
    from interviewer.grading.report import to_markdown
    from interviewer.grading.scoring import Scorer
    from interviewer.knowledge import default_knowledge
    from interviewer.transcript import load_transcript
    from interviewer.wiring import build_embedder

    knowledge = default_knowledge()
    grader = Grader(knowledge, Scorer(build_embedder("fake" if fake else "real")))
    failed = False
    for path in files:
        try:
            report = grader.grade_transcript(load_transcript(path), level=level)
        except (InterviewerError, KeyError, ValueError) as err:
            message = err.user_message if isinstance(err, InterviewerError) else str(err)
            typer.secho(message, fg=typer.colors.RED, err=True)
            failed = True
            continue
        if as_json or format == "json":
            sys.stdout.write(report.contract_json() + "\n")
        else:
            sys.stdout.write(to_markdown(report, knowledge) + "\n")
    if failed:
        raise typer.Exit(1)


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(help="A recording: WAV, MP3, OGG, WebM... (≤ 5 min).")],
    case: Annotated[
        str | None, typer.Option(help="Case id: its terms join the vocabulary prompt.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Words with timings and delivery figures, as JSON.")
    ] = False,
) -> None:
    """Print the text spoken in a recording (Whisper, offline); with --json, also every word's
    timing and the delivery figures (wpm, fillers_per_min, pauses over 2 s, unclear passages)."""
    from interviewer.adapters.stt import build_stt, vocabulary_prompt
    from interviewer.knowledge import default_knowledge

    terms = default_knowledge().case(parse_case(case)).facts.terms if case else []
    stt = build_stt(_settings())
    if not as_json:
        typer.echo(stt.transcribe(str(file), prompt=vocabulary_prompt(terms)))
        return
    heard = stt.transcribe_timed(str(file), prompt=vocabulary_prompt(terms, fillers=True))
    typer.echo(transcription_json(heard))


def transcription_json(heard: Transcription) -> str:
    """`interviewer transcribe --json`: the text, words with timings, segments, delivery figures."""
    from interviewer.delivery import measure

    figures = measure(heard.speech).model_dump(mode="json")
    body = {
        "text": heard.text,
        "audio_seconds": heard.speech.seconds,
        "words": [w.model_dump(mode="json") for w in heard.speech.words],
        "segments": [s.model_dump(mode="json") for s in heard.speech.segments],
        **figures,
    }
    return json.dumps(body, indent=2)


@app.command()
def turns(
    file: Annotated[Path, typer.Argument(help="A recording: WAV, MP3, OGG, WebM... (≤ 5 min).")],
    pause: Annotated[
        float, typer.Option(help="Pause that ends an answer, in seconds (0.5-3).")
    ] = 1.0,
) -> None:
    """Where hands-free voice would end each answer in a recording, and what it would send."""
    import numpy as np

    from interviewer.adapters.stt import load_audio, vocabulary_prompt
    from interviewer.hands_free import RATE, Answer, Listener
    from interviewer.turn_taking import TurnTiming
    from interviewer.wiring import build_voice

    voice = build_voice(_settings())
    if voice is None:
        raise InputRejected("no voice", user_message="Hands-free needs the voice extra (make run).")
    timing = TurnTiming(end_of_turn_s=pause, thinking_hold_s=max(2.5, 2 * pause))
    listener = Listener(voice.vad, voice.stt, timing, prompt=vocabulary_prompt())
    audio = load_audio(str(file))
    audio = np.concatenate([audio, np.zeros(round(timing.thinking_hold_s * 2 * RATE), np.float32)])
    step = RATE // 10  # as the page posts it
    for start in range(0, audio.size, step):
        for event in listener.feed(RATE, audio[start : start + step]):
            if isinstance(event, Answer):
                typer.echo(
                    f"{event.speech_end_s:6.2f}s → sent at {event.ended_at_s:.2f}s: {event.text}"
                )


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="What to say.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="WAV file to write.")],
) -> None:
    """Read text aloud into a WAV file (Piper, or espeak-ng when Piper is missing; offline)."""
    from interviewer.adapters.tts import build_tts

    tts = build_tts()
    typer.echo(f"wrote {tts.synthesize(text, str(output))} ({tts.name})", err=True)


@knowledge_app.command("check")
def knowledge_check() -> None:
    """Validate every note, fact sheet and rubric; print counts."""
    from interviewer.grading.cues import false_alarms
    from interviewer.knowledge import KNOWLEDGE_DIR, load_knowledge

    kb = load_knowledge(KNOWLEDGE_DIR)
    for key, value in kb.counts().items():
        typer.echo(f"{key:>20}: {value}")
    from interviewer.consistency import all_contradictions

    short = kb.shortfalls() + all_contradictions(kb)
    for case in kb.cases.values():  # a cue that fires on its case's own right answers
        short += false_alarms(list(case.notes.values()))
    for gap in short:
        typer.secho(f"  below the bar: {gap}", fg=typer.colors.RED, err=True)
    if short:
        raise typer.Exit(1)
    missing = kb.missing()
    if missing:
        typer.secho(f"incomplete: {len(missing)} files missing", fg=typer.colors.RED, err=True)
        for path in missing:
            typer.echo(f"  missing {path}", err=True)
        raise typer.Exit(1)
    typer.secho("knowledge base complete and valid", fg=typer.colors.GREEN)


@app.command()
def index(fake: FakeOpt = False) -> None:
    """Rebuild the retrieval index from knowledge/ and print counts and time."""
    from interviewer.adapters.chunks import build_chunks
    from interviewer.adapters.retriever import ChromaRetriever
    from interviewer.knowledge import default_knowledge
    from interviewer.wiring import build_embedder

    settings = _settings()
    chunks = build_chunks(default_knowledge())
    started = time.perf_counter()
    retriever = ChromaRetriever(settings.index_dir, build_embedder("fake" if fake else "real"))
    retriever.rebuild(chunks)
    took = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for chunk in chunks:
        kinds[chunk.kind] = kinds.get(chunk.kind, 0) + 1
    typer.echo(f"indexed {len(chunks)} chunks in {took:.1f}s at {settings.index_dir}")
    for kind, count in sorted(kinds.items()):
        typer.echo(f"  {kind:<14} {count}")


@eval_app.command("grading")
def eval_grading(
    split: Annotated[str, typer.Option(help="tune, holdout or all")] = "all",
    fake: FakeOpt = False,
) -> None:
    """Grader metrics on evals/grading beside a word-count baseline."""
    from interviewer.evaluation.grading import run

    typer.echo(run(split=split, fake=fake))


@eval_app.command("retrieval")
def eval_retrieval(fake: FakeOpt = False) -> None:
    """Recall@1, Recall@5 and MRR of the retriever on evals/retrieval."""
    from interviewer.evaluation.retrieval import run

    typer.echo(run(fake=fake))


@eval_app.command("listening")
def eval_listening(
    split: Annotated[str, typer.Option(help="tune, holdout or all")] = "all",
    fake: FakeOpt = False,
) -> None:
    """Re-asks, unanswered questions, missed pushback: replays evals/listening without a model."""
    from interviewer.evaluation.listening import run
    from interviewer.wiring import build_embedder

    text, problems = run(build_embedder("fake" if fake else "real"), split=split)
    typer.echo(text)
    for problem in problems:
        typer.secho(f"below target (tune split): {problem}", fg=typer.colors.RED, err=True)
    if problems:
        raise typer.Exit(1)


@eval_app.command("estimates")
def eval_estimates(
    split: Annotated[str, typer.Option(help="tune, holdout or all")] = "all",
    file: Annotated[
        Path | None,
        typer.Option(help="JSON Lines with gold estimates (default: the authored set)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="List every miss.")] = False,
) -> None:
    """Detection precision/recall and verdict accuracy of the back-of-envelope check."""
    from interviewer.evaluation.estimates import AUTHORED, run

    if split not in ("tune", "holdout", "dev", "all"):
        raise UnknownId(split, user_message="--split must be tune, holdout, dev or all")
    typer.echo(run(split=split, path=file or AUTHORED, verbose=verbose))


@eval_app.command("simulate")
def eval_simulate(
    persona: Annotated[
        str, typer.Option(help="strong, average, rambling, terse, offtopic, adversarial, clarifier")
    ] = "strong",
    case: Annotated[str, typer.Option(help="Case id.")] = "ad-click-prediction",
    phase: Annotated[str, typer.Option(help="Phase to drill.")] = "serving",
    all_plans: Annotated[
        bool, typer.Option("--all", help="Record the whole default suite (30 sessions).")
    ] = False,
) -> None:
    """Record simulated interviews against the configured model (bundled by default)."""
    from interviewer.domain import Mode
    from interviewer.evaluation.interviews import PERSONAS, Plan, default_plans, simulate
    from interviewer.knowledge import default_knowledge
    from interviewer.wiring import build_chat_model, build_embedder

    if persona not in PERSONAS:
        raise UnknownId(
            persona, user_message=f"Unknown persona {persona!r}. Valid: {', '.join(PERSONAS)}"
        )
    plans = (
        default_plans()
        if all_plans
        else [Plan(persona, parse_case(case), Mode.DRILL, parse_phase(phase))]
    )
    model = build_chat_model(_settings())
    if model is None:
        raise UnknownId(
            "no model",
            user_message="No model configured: recording needs the bundled model or INTERVIEWER_BASE_URL.",
        )
    started = time.perf_counter()
    for i, path in enumerate(
        simulate(plans, model, build_embedder("real"), default_knowledge()), 1
    ):
        typer.echo(f"[{i}/{len(plans)}] {time.perf_counter() - started:6.0f}s  recorded {path}")


@eval_app.command("interviewer")
def eval_interviewer(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when a metric misses its target.")
    ] = False,
) -> None:
    """Replay the recorded interviews from their cassettes (no model) and report the metrics."""
    from interviewer.evaluation.interviews import run_replay
    from interviewer.wiring import build_embedder

    text, problems = run_replay(build_embedder("real"))
    typer.echo(text)
    typer.echo("\nwrote evals/REPORT.md")
    if problems:
        typer.secho("\n".join(problems), fg=typer.colors.RED, err=True)
        if check:
            raise typer.Exit(1)


@eval_app.command("delivery")
def eval_delivery(
    split: Annotated[
        str, typer.Option(help="tune (used to choose the prompt) or holdout (report once).")
    ] = "tune",
    voices: Annotated[str, typer.Option(help="Comma-separated: piper, espeak.")] = "piper,espeak",
    part: Annotated[str, typer.Option(help="clips, wer, or both (comma-separated).")] = "clips,wer",
    details: Annotated[
        bool, typer.Option(help="Every clip's figures, the worst sentences.")
    ] = False,
) -> None:
    """Delivery figures vs the truth on synthesised clips, and WER on held-out spoken sentences."""
    from interviewer.evaluation.delivery import run

    if split not in ("tune", "holdout"):
        raise UnknownId(split, user_message="--split must be tune or holdout")
    chosen = "holdout" if split == "holdout" else "tune"
    typer.echo(
        run(split=chosen, voice_names=voices.split(","), parts=part.split(","), details=details)
    )


@eval_app.command("voice")
def eval_voice(
    limit: Annotated[int | None, typer.Option(help="Only the first N sentences.")] = None,
    voices: Annotated[str, typer.Option(help="Comma-separated: piper, espeak.")] = "piper,espeak",
    keep_audio: Annotated[
        Path | None, typer.Option(help="Keep the synthesised WAVs in this folder.")
    ] = None,
    stt: Annotated[str, typer.Option(help="Whisper model: tiny or base.")] = "tiny",
) -> None:
    """WER and ML-term accuracy of Whisper on Piper/espeak-ng speech of evals/voice."""
    from interviewer.evaluation.voice import run

    if stt not in ("tiny", "base"):
        raise UnknownId(stt, user_message="--stt must be tiny or base")
    model = "base" if stt == "base" else "tiny"
    typer.echo(
        run(limit=limit, voice_names=voices.split(","), keep_audio=keep_audio, stt_model=model)
    )


@sketch_app.command("check")
def sketch_check(
    file: Annotated[Path, typer.Argument(help="A Mermaid flowchart (.mmd).")],
    case: Annotated[str, typer.Option("--case", help="Case id, e.g. visual-search.")],
    phase: Annotated[str, typer.Option("--phase", help="data, modeling, serving, monitoring...")],
    transcript: Annotated[
        Path | None,
        typer.Option(help="A transcript whose candidate answers the sketch is compared with."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the check as JSON.")] = False,
) -> None:
    """Components drawn vs expected, drawn but unexplained, explained but undrawn, flows missing."""
    from interviewer.knowledge import default_knowledge
    from interviewer.sketch_check import candidate_prose, check_text, summary_lines
    from interviewer.transcript import load_transcript

    note = default_knowledge().case(parse_case(case)).notes[parse_phase(phase)]
    if not note.components:
        raise InputRejected(
            phase,
            user_message=f"The {phase} notes list no components to check a sketch against; "
            "sketches are checked for data, modeling, serving and monitoring.",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputRejected(str(err), user_message=f"{file}: cannot be read ({err})") from err
    answers = candidate_prose(load_transcript(transcript).to_turns()) if transcript else None
    found = check_text(text, note, answers)
    if found.error:  # the file is left as it is: the message says which line to fix
        typer.secho(f"{file}: not valid Mermaid: {found.error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if as_json:
        sys.stdout.write(found.model_dump_json(indent=2, exclude={"diagram"}) + "\n")
    else:
        typer.echo("\n".join(summary_lines(found)))


@app.command("next")
def next_drill() -> None:
    """What to drill next: the weakest criterion due, spaced 1, 3, 7 days, from your history."""
    from interviewer.drill_text import plan_lines
    from interviewer.knowledge import default_knowledge
    from interviewer.session import plan_drills, read_final_reports
    from interviewer.wiring import SystemClock, build_store

    now = SystemClock().now()
    store = build_store(_settings())
    try:
        plan = plan_drills(read_final_reports(store), default_knowledge(), now)
    finally:
        store.close()
    typer.echo("\n".join(plan_lines(plan, default_knowledge(), now)))


@app.command("study-sheet")
def study_sheet(
    case: Annotated[str, typer.Option("--case", help="Case id, e.g. visual-search.")],
    level: LevelOpt = Level.SENIOR,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="FILE.md or FILE.html (printable, opens offline)."),
    ] = None,
) -> None:
    """A case's notes to take home: key points, rules, misconceptions, staff points, model answers."""
    from interviewer.knowledge import default_knowledge
    from interviewer.study_files import write_sheet
    from interviewer.study_sheet import build_sheet

    sheet = build_sheet(default_knowledge(), parse_case(case), level)
    if output is None:
        sys.stdout.write(sheet.to_markdown())
        return
    typer.echo(f"wrote {write_sheet(sheet, output)}", err=True)


@estimates_app.command("check")
def estimates_check(
    file: Annotated[
        Path | None, typer.Argument(help="A transcript (.json); its candidate answers are read.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="One answer to check.")] = None,
    case: Annotated[
        str | None,
        typer.Option("--case", help="Case id whose fact sheet the numbers must agree with."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Each estimate with ✓/✗: arithmetic within 2x, units, and the case's fact sheet."""
    import json

    from interviewer.estimates.check import check_text, check_turns
    from interviewer.estimates.render import text_lines
    from interviewer.knowledge import default_knowledge
    from interviewer.transcript import load_transcript

    if (file is None) == (text is None):
        raise InputRejected("", user_message="Give a transcript file or --text, not both.")
    if file is not None:
        transcript = load_transcript(file)
        case_id = parse_case(case) if case else transcript.case
        found = check_turns(transcript.to_turns(), default_knowledge().case(case_id))
        checks = [c for phase_checks in found.values() for c in phase_checks]
    else:
        if case is None:
            raise InputRejected(
                "", user_message="--case is needed with --text (e.g. --case visual-search)."
            )
        checks = check_text(text or "", default_knowledge().case(parse_case(case)))
    if as_json:
        rows = [c.model_dump(mode="json") for c in checks]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo("\n".join(text_lines(checks)))


@app.command()
def ui(fake: FakeOpt = False, offline: OfflineOpt = False) -> None:
    """Serve the web app (same as `make run`)."""
    from interviewer.ui.server import serve

    serve(fake=fake, offline=offline)


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option(help="Port of this app process.")] = 7860,
    fake: FakeOpt = False,
    offline: OfflineOpt = False,
) -> None:
    """Run one app process (hosted: several behind a proxy, see README "Hosting for a cohort")."""
    from interviewer.ui.server import serve

    serve(fake=fake, offline=offline, port=port)


def _account_service():
    from interviewer.accounts import AccountService
    from interviewer.adapters.passwords import Argon2Hasher
    from interviewer.wiring import SystemClock, build_store

    return AccountService(build_store(_settings()), Argon2Hasher(), SystemClock())


@users_app.command("add")
def users_add(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user (asks for the password twice unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    _account_service().add(name, password)
    typer.echo(f"added {name}")


@users_app.command("remove")
def users_remove(name: str) -> None:
    """Remove a user and sign out their browsers (their sessions stay in the database)."""
    if not _account_service().remove(name):
        raise UnknownId(name, user_message=f"No user named {name!r}.")
    typer.echo(f"removed {name}")


@users_app.command("list")
def users_list() -> None:
    """List users."""
    users = _account_service().users()
    if not users:
        typer.echo("No users yet. Add one with `interviewer users add NAME`.")
    for user in users:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(user.created_at))
        typer.echo(f"{user.name}  added {when}")


def main() -> None:
    try:
        app()
    except InterviewerError as err:
        typer.secho(err.user_message, fg=typer.colors.RED, err=True)
        sys.exit(2)
    except KeyError as err:
        typer.secho(str(err).strip("'\""), fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
