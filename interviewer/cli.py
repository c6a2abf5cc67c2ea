"""The `interviewer` command: a thin shell over the session use case, grading and evals."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from interviewer.config import Settings, load_settings
from interviewer.domain import GRADED_PHASES, CaseId, Level, Mode, Phase, Role, Status
from interviewer.errors import InputRejected, InterviewerError, UnknownId
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
    from interviewer.wiring import build_store

    store = build_store(_settings()).for_owner(user)
    rows = store.sessions(status=Status.ACTIVE if unfinished else None)
    if not rows:
        typer.echo("No sessions yet. Start one with `interviewer drill` or `make run`.")
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at))
        overall = "-" if row.overall is None else f"{row.overall:.2f}"
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
) -> None:
    """Print the text spoken in a recording (Whisper, offline)."""
    from interviewer.adapters.stt import build_stt, vocabulary_prompt
    from interviewer.knowledge import default_knowledge

    terms = default_knowledge().case(parse_case(case)).facts.terms if case else []
    typer.echo(build_stt(_settings()).transcribe(str(file), prompt=vocabulary_prompt(terms)))


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
    from interviewer.knowledge import KNOWLEDGE_DIR, load_knowledge

    kb = load_knowledge(KNOWLEDGE_DIR)
    for key, value in kb.counts().items():
        typer.echo(f"{key:>20}: {value}")
    short = kb.shortfalls()
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
