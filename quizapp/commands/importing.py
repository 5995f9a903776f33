"""`quizapp import FILE`: bring a history exported with `quizapp export --format json` here.

Importing the same file twice adds nothing (see `quizapp.transfer`); a file that is not
an export, or is damaged, is refused with a message and nothing is written.
"""

from __future__ import annotations

import json

import click


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print what was added as JSON.")
def import_history(file: str, as_json: bool) -> None:
    """Import a history written by `quizapp export --format json` (FILE, or - for stdin)."""
    from quizapp.commands.stats import open_store_or_fail, saving
    from quizapp.transfer import NotAnExport, import_payload

    try:
        with click.open_file(file, encoding="utf-8") as handle:
            payload = json.load(handle)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{file}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from exc
    with open_store_or_fail() as store:
        try:
            with saving(f"import {file}"):
                added = import_payload(store, payload)
        except NotAnExport as exc:
            raise click.ClickException(f"{file}: {exc}") from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise click.ClickException(
                f"{file}: a record is damaged ({type(exc).__name__}: {exc}); nothing was imported"
            ) from exc
    if as_json:
        click.echo(
            json.dumps(
                {
                    "attempts": added.attempts,
                    "reviews": added.reviews,
                    "cards": added.cards,
                    "mock_sessions": added.mock_sessions,
                    "settings": added.settings,
                }
            )
        )
        return
    if added.total == 0:
        click.echo(f"Nothing new in {file}: everything in it is already here.")
        return
    click.echo(
        f"Imported from {file}: {added.attempts} attempts, {added.reviews} reviews, "
        f"{added.cards} cards, {added.mock_sessions} mock interviews, {added.settings} settings."
    )
