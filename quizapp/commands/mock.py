"""`quizapp mock`: a timed mock interview in the TUI, or its latest report without it.

The settings are checked here, before the TUI opens, so that a typo (`--topics memroy`)
is a usage error naming the valid topics (exit 2) rather than a screen to close.
`--last` prints or exports the latest finished interview's report headless, from the
history alone: `quizapp mock --export report.md --last`.
"""

from __future__ import annotations

from typing import Any

import click

from quizapp.commands.options import pack_dirs, pack_selection, require_known, split_names
from quizapp.mock import MAX_MINUTES, MAX_QUESTIONS  # stdlib-only module: --help stays light


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--packs",
    "pack_ids",
    multiple=True,
    metavar="IDS|DIR",
    help="Only questions from these packs (ids; repeatable or comma-separated); "
    "a path such as ./mypacks loads the packs in that directory too.",
)
@click.option(
    "--topics",
    multiple=True,
    metavar="TOPIC",
    help="Only questions on these topics (repeatable or comma-separated).",
)
@click.option(
    "--questions",
    "count",
    type=click.IntRange(1, MAX_QUESTIONS),
    default=None,
    help="How many questions (default 8).",
)
@click.option(
    "--minutes",
    type=click.FloatRange(0, MAX_MINUTES, min_open=True),
    default=None,
    help="Time for the whole interview (default: the sum of the questions' budgets).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Fix the draw (same seed, same interview; history is then not used).",
)
@click.option("--resume", is_flag=True, help="Continue the unfinished interview.")
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report as Markdown to FILE when the interview ends ('-' prints it).",
)
@click.option(
    "--last",
    is_flag=True,
    help="Do not start an interview: print (or --export) the latest finished report.",
)
@click.pass_context
def mock(
    ctx: click.Context,
    pack_ids: tuple[str, ...],
    topics: tuple[str, ...],
    count: int | None,
    minutes: float | None,
    seed: int | None,
    resume: bool,
    export_path: str | None,
    last: bool,
) -> None:
    """A timed mock interview: no feedback until the end, then an honest report.

    Questions lean toward your weak topics (unless --seed fixes the draw). The clock
    does not run while quizapp is closed: --resume continues with the time that was left.

    \b
    Examples:
      quizapp mock --questions 6 --minutes 10
      quizapp mock --topics memory,flops --seed 7
      quizapp mock --resume
      quizapp mock --export report.md --last
    """
    chosen_packs = pack_selection(ctx, pack_ids)
    packs_dirs = pack_dirs(ctx)
    choosing = bool(chosen_packs or topics or count is not None or minutes is not None)
    choosing = choosing or seed is not None
    if last:
        if resume or choosing:
            raise click.UsageError(
                "--last shows the latest report; it takes no interview settings or --resume.",
                ctx=ctx,
            )
        _export_last(export_path)
        return
    if resume and choosing:
        raise click.UsageError(
            "--resume continues the saved interview with its own questions and time; "
            "leave out --packs, --topics, --questions, --minutes and --seed.",
            ctx=ctx,
        )
    if export_path == "-":
        raise click.UsageError(
            "--export - prints a report and only works with --last; give a file name.", ctx=ctx
        )

    from quizapp.mock import MockConfig, MockConfigError

    settings: dict[str, Any] = {
        "packs": tuple(chosen_packs),
        "topics": tuple(split_names(topics)),
        "questions": count,
        "minutes": minutes,
        "seed": seed,
        "export": export_path,
    }
    try:
        config = MockConfig.from_dict(settings)
    except MockConfigError as exc:
        raise click.UsageError(str(exc), ctx=ctx) from None

    if resume:
        store = _open_store()
        try:
            found = store.load_unfinished_mock()
        finally:
            store.close()
        if found is None:
            raise click.ClickException(
                "there is no unfinished mock interview to resume; start one with `quizapp mock`."
            )
    else:
        require_known(ctx, list(config.packs), list(config.topics))

    from quizapp.tui.app import run_app

    run_app(packs_dirs, start="mock", mock_config=config.to_dict(), resume=resume)


def _open_store() -> Any:
    from quizapp.store import Store, StoreError

    try:
        return Store.open()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _export_last(export_path: str | None) -> None:
    """Print or write the latest finished report, without the TUI."""
    from quizapp.mock import latest_report, report_markdown, write_report

    store = _open_store()
    try:
        report = latest_report(store)
    finally:
        store.close()
    if report is None:
        raise click.ClickException("no mock interview has been finished yet.")
    if export_path is None or export_path == "-":
        click.echo(report_markdown(report), nl=False)
        return
    try:
        written = write_report(report, export_path)
    except OSError as exc:
        raise click.ClickException(f"cannot write {export_path}: {exc}") from exc
    click.echo(f"Report written to {written}")
