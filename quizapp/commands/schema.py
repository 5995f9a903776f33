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

    It describes every field of a pack. An editor that reads JSON Schema (VS Code with
    the YAML extension, or any yaml-language-server client) uses it to complete keys and
    flag mistakes as you type. A pack made by `quizapp new` asks for ./schema.json;
    write it next to the pack, in the pack's folder, with:

    \b
      quizapp schema -o schema.json
    """
    # For maintainers: the shipped copy is questions/schema.json; regenerate it with
    # `quizapp schema --output questions/schema.json` after changing the models in
    # quizapp/pack_schema.py (tests/test_packs.py fails until it matches).
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
