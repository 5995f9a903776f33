"""`quizapp export`: every recorded attempt, as CSV or JSON, for spreadsheets and scripts.

Output goes to stdout unless --output names a file; a file is written atomically
(a temporary file renamed into place) so an interrupted export never leaves half a file.
Messages go to stderr so that stdout stays pure data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from quizapp.words import count

if TYPE_CHECKING:
    from quizapp.store import Attempt

#: Identifies the JSON export's layout; bump when the layout changes.
EXPORT_FORMAT_VERSION = 1


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


def to_json(attempts: Sequence[Attempt], schema_version: int) -> str:
    """An object carrying its format version and the attempts as a list."""
    from quizapp.store import to_iso, utc_now

    payload = {
        "format": "quizapp-attempts",
        "version": EXPORT_FORMAT_VERSION,
        "schema_version": schema_version,
        "exported": to_iso(utc_now()),
        "attempts": [a.to_dict() for a in attempts],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"], case_sensitive=False),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="File to write (default: standard output).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say where the database is.")
def export(fmt: str, output: str, verbose: bool) -> None:
    """Export every recorded attempt as CSV or JSON."""
    from quizapp.commands.stats import open_store_or_fail

    with open_store_or_fail() as store:
        if verbose:
            click.echo(f"Database: {store.path}", err=True)
        attempts = store.attempts()
        text = (
            to_json(attempts, store.schema_version) if fmt.lower() == "json" else to_csv(attempts)
        )
    if output == "-":
        click.echo(text, nl=False)
        return
    folder = Path(output).parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {output}: there is no folder {folder}")
    try:
        with click.open_file(output, "w", encoding="utf-8", atomic=True) as handle:
            handle.write(text)
    except OSError as exc:
        # Not str(exc): it names the temporary file of the atomic write, not the user's.
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {count(len(attempts), 'attempt')} to {output}", err=True)
