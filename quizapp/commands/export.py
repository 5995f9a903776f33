"""`quizapp export`: every recorded attempt, as CSV or JSON, for spreadsheets and scripts;
or the questions themselves as an Anki deck (`--format apkg`, see `quizapp.anki`).

Output goes to stdout unless --output names a file; a file is written atomically
(a temporary file renamed into place) so an interrupted export never leaves half a file.
Messages go to stderr so that stdout stays pure data.

Every format treats a missing folder in --output alike: it is refused, as `cp` or
`curl -o` refuse one, because a typo in a path would otherwise scatter files into new
folders. Only apkg's default target, the app's own exports folder, is created.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from quizapp.commands.options import pack_dirs, pack_selection
from quizapp.words import count, validate_command

if TYPE_CHECKING:
    from quizapp.store import Attempt

#: Identifies the JSON export's layout; bump when the layout changes.
EXPORT_FORMAT_VERSION = 2  # 2: cards, review log, mock sessions and settings too


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def to_csv(attempts: Sequence[Attempt]) -> str:
    """A header row, then one row per attempt; topics are joined with ';'."""
    from quizapp.store import ATTEMPT_FIELDS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ATTEMPT_FIELDS)
    for attempt in attempts:
        row = attempt.to_dict()
        writer.writerow([_csv_cell(row[name]) for name in ATTEMPT_FIELDS])
    return buffer.getvalue()


def to_json(
    attempts: Sequence[Attempt], schema_version: int, rest: Mapping[str, Any] | None = None
) -> str:
    """An object carrying its format version, the attempts as a list, and `rest`.

    `rest` is the remainder of the history (`quizapp.transfer.history_payload`: cards,
    review log, mock sessions, settings), which `quizapp import` reads back.
    """
    from quizapp.store import to_iso, utc_now

    payload = {
        "format": "quizapp-attempts",
        "version": EXPORT_FORMAT_VERSION,
        "schema_version": schema_version,
        "exported": to_iso(utc_now()),
        "attempts": [a.to_dict() for a in attempts],
        **{key: value for key, value in (rest or {}).items() if key != "attempts"},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "apkg"], case_sensitive=False),
    default="csv",
    show_default=True,
    help="Output format: attempts as csv or json, or the questions as an Anki deck (apkg).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="File to write, in a folder that exists (default: standard output; for apkg, "
    "quizapp.apkg in the exports folder, created if needed).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say where the database is.")
@click.option(
    "--variants",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    help="apkg: notes per question, each with its own drawn numbers (seeds 0, 1, …).",
)
@click.option(
    "--packs",
    "packs",
    multiple=True,
    metavar="IDS|DIR",
    help="apkg: only these packs (ids, comma-separated or repeated; default: every pack); "
    "a path such as ./mypacks loads the packs in that directory too.",
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str,
    output: str,
    verbose: bool,
    variants: int,
    packs: tuple[str, ...],
) -> None:
    """Export every attempt as CSV, your whole history as JSON (for `import`), or an Anki deck.

    `--format apkg -o deck.apkg` writes one Anki note per drawn variant (front: the
    prompt; back: the answer, the derivation with its numbers and the explanation),
    tagged with its topics and pack. Importing a newer export updates the same notes.
    """
    from quizapp.commands.stats import open_store_or_fail

    if fmt.lower() == "apkg":
        export_apkg(ctx, output, variants, pack_selection(ctx, packs))
        return
    if packs:
        raise click.UsageError(
            "--packs chooses questions for --format apkg; attempts are all exported"
        )

    with open_store_or_fail() as store:
        if verbose:
            click.echo(f"Database: {store.path}", err=True)
        attempts = store.attempts()
        if fmt.lower() == "json":
            from quizapp.transfer import history_payload

            text = to_json(attempts, store.schema_version, history_payload(store))
        else:
            text = to_csv(attempts)
    if output == "-":
        click.echo(text, nl=False)
        return
    _check_folder(output)
    target, atomic = _target(output)
    try:
        with click.open_file(str(target), "w", encoding="utf-8", atomic=atomic) as handle:
            handle.write(text)
    except OSError as exc:
        # Not str(exc): it names the temporary file of the atomic write, not the user's.
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {count(len(attempts), 'attempt')} to {output}", err=True)


def _target(output: str) -> tuple[Path, bool]:
    """Where --output is written, and whether atomically (a temporary file renamed over it).

    A symlink is followed: the file it points to is replaced and the link stays a link. A
    device or a pipe (`/dev/stdout`, a FIFO) is written in place: renaming a file over it
    would replace the device itself with an ordinary file.
    """
    target = Path(os.path.realpath(output))
    return target, not target.exists() or target.is_file()


def _check_folder(output: str) -> None:
    """Refuse an --output whose folder does not exist, naming it and how to make it."""
    folder = Path(output).parent
    if not folder.is_dir():
        raise click.ClickException(
            f"cannot write {output}: there is no folder {folder} (create it first: "
            f"mkdir -p {shlex.quote(str(folder))})"
        )


def export_apkg(ctx: click.Context, output: str, variants: int, pack_ids: list[str]) -> None:
    """Write the chosen packs' questions as an Anki deck; say what was left out and why."""
    from quizapp import anki, locations
    from quizapp.commands.preview import load_library

    library = load_library(ctx)
    unknown = [p for p in pack_ids if library.pack(p) is None]
    if unknown:
        known = ", ".join(p.id for p in library.packs) or "none"
        broken = (
            f"; {count(len(library.errors), 'pack problem')}, "
            f"see `{validate_command(pack_dirs(ctx))}`"
        ) * bool(library.errors)
        raise click.BadParameter(
            f"no pack {', '.join(unknown)} (loaded packs: {known}{broken})",
            param_hint="'--packs'",
        )
    chosen = [p for p in library.packs if not pack_ids or p.id in pack_ids]
    ids = {p.id for p in chosen}
    questions = [q for q in library.questions if q.pack_id in ids]
    build = anki.build_notes(chosen, questions, variants)
    for reason in build.skipped:
        click.secho(
            f"skipped {reason} (run `{validate_command(pack_dirs(ctx))}`)", fg="yellow", err=True
        )
    if not build.notes:
        raise click.ClickException("no questions to export")
    if output != "-":
        _check_folder(output)
    target = locations.exports_dir() / "quizapp.apkg"
    if output != "-":
        target, atomic = _target(output)
        if not atomic:
            raise click.ClickException(
                f"cannot write {output}: it is not a regular file (an Anki deck is a zip file)"
            )
    try:
        if output == "-":
            target.parent.mkdir(parents=True, exist_ok=True)  # the app's own folder
        anki.write_package(build, target)
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc}") from exc
    click.echo(
        f"Wrote {count(len(build.notes), 'note')} "
        f"({count(len(questions) - len(build.skipped), 'question')}, "
        f"{count(len(chosen), 'pack')}) to {target}",
        err=True,
    )
