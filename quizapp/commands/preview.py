"""`quizapp preview`: render variants of a question with expected answers and derivations."""

from __future__ import annotations

import json
from typing import Any

import click

from quizapp.commands.options import pack_dirs, packs_dir_option
from quizapp.words import validate_command


def load_library(ctx: click.Context) -> Any:
    """The library of packs the app would load (shipped + $QUIZAPP_PACKS + --packs)."""
    from quizapp.packs import load_all

    return load_all(pack_dirs(ctx))


def get_question(ctx: click.Context, library: Any, qid: str) -> Any:
    """The question `qid`, or a usage error (exit 2) naming close matches."""
    from quizapp.packs import UnknownQuestion

    question = library.find(qid)
    if question is not None:
        return question
    broken = [e for e in library.errors if qid.split("/")[0] in e.file]
    try:
        return library.get(qid)
    except UnknownQuestion as exc:
        message = str(exc)
        if broken:
            message += f" (pack files with errors: {broken[0].file}; run `{validate_command(pack_dirs(ctx))}`)"
        raise click.BadParameter(message, ctx=ctx, param_hint="'QUESTION'") from None


def build_variant(ctx: click.Context, question: Any, seed: int) -> Any:
    """Draw a variant, turning a broken question into a clear error (exit 1)."""
    from engine.problems import FormulaError, RenderError, draw

    try:
        return draw(question.model, seed, qid=question.qid)
    except (FormulaError, RenderError, ValueError) as exc:
        raise click.ClickException(
            f"{question.qid} cannot be drawn (run `{validate_command(pack_dirs(ctx))}`): {exc}"
        ) from None


def variant_json(variant: Any) -> dict[str, Any]:
    """A variant as plain JSON data (the `--json` output of preview)."""
    import dataclasses

    return dataclasses.asdict(variant)


def _show(variant: Any, question: Any) -> None:
    from engine.problems import format_value

    head = (
        f"{variant.qid}  seed {variant.seed}  "
        f"[{variant.kind} · difficulty {question.difficulty} · {question.time} s]"
    )
    click.secho(head, bold=True)
    if variant.params:
        click.echo(
            "params: " + ", ".join(f"{k}={format_value(v)}" for k, v in variant.params.items())
        )
    click.echo()
    click.echo(variant.prompt.rstrip())
    if variant.kind == "choice":
        for key, text in variant.answer_spec["options"].items():
            click.echo(f"  {key}) {text}")
    click.echo()
    click.echo(f"expected: {variant.expected}")
    if variant.derivation:
        click.echo("derivation:")
        for i, step in enumerate(variant.derivation, 1):
            click.echo(f"  {i}. {step.text.strip()}")
            if step.formula is not None:
                click.echo(f"     {step.equation()}")
    if variant.hints:
        click.echo("hints:")
        for hint in variant.hints:
            click.echo(f"  - {hint.strip()}")
    click.echo()


@click.command()
@packs_dir_option
@click.argument("question")
@click.option("--seed", default=0, show_default=True, type=int, help="First seed to draw with.")
@click.option(
    "--count",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="How many variants (seeds seed, seed+1, …).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the variants as JSON.")
@click.pass_context
def preview(ctx: click.Context, question: str, seed: int, count: int, as_json: bool) -> None:
    """Render variants of QUESTION (pack/question) with expected answers and derivations."""
    library = load_library(ctx)
    q = get_question(ctx, library, question)
    variants = [build_variant(ctx, q, s) for s in range(seed, seed + count)]
    if as_json:
        click.echo(json.dumps([variant_json(v) for v in variants], indent=2, ensure_ascii=False))
        return
    for v in variants:
        _show(v, q)
