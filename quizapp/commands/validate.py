"""`quizapp validate`: check packs and report every problem as file:line:column."""

from __future__ import annotations

import json

import click

from quizapp.commands.options import pack_dirs, packs_dir_option


@click.command()
@packs_dir_option
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--seeds",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="How many seeded draws of each question to check.",
)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], as_json: bool, seeds: int) -> None:
    """Check question packs (files or directories; default: shipped and user packs).

    Prints each problem as `file:line:column field.path: message` and exits 1 if
    there is any, or if no pack was found at all; otherwise prints a one-line
    summary and exits 0.
    """
    from quizapp.validation import validate as run

    extra = pack_dirs(ctx)
    report = run(paths, extra_dirs=extra, seeds=seeds, beside_app=True)
    nothing = report.ok and report.packs == 0
    if as_json:
        payload = {
            "ok": report.ok,
            "packs": report.packs,
            "questions": report.questions,
            "errors": [e.to_json() for e in report.errors],
            "notes": report.notes,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for error in report.errors:
            click.echo(str(error))
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        if not nothing:
            click.echo(report.summary(), err=not report.ok)
    if nothing:
        click.echo(_nothing_found(paths), err=True)
        ctx.exit(1)
    ctx.exit(0 if report.ok else 1)


def _nothing_found(paths: tuple[str, ...]) -> str:
    """Why no pack was checked: the folders given hold none, or the install lost its packs."""
    if paths:
        return (
            f"no pack files (*.yaml, *.yml) in {', '.join(paths)}: "
            "create one with `quizapp new PACK_ID --dir FOLDER`"
        )
    from quizapp.packs import no_packs_hint

    return no_packs_hint()
