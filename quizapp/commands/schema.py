"""`quizapp schema`: the JSON Schema of a pack file (for editors and questions/schema.json)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the schema to this file instead of printing it.",
)
def schema(output: str | None) -> None:
    """Print (or write) the JSON Schema that pack files follow.

    The shipped copy is questions/schema.json; regenerate it with
    `quizapp schema --output questions/schema.json` after changing the models.
    """
    from quizapp.pack_schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output}", err=True)
