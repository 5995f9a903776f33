"""`quizapp check`: grade an answer to a question variant from the command line."""

from __future__ import annotations

import json

import click

from quizapp.commands.options import pack_dirs, packs_dir_option
from quizapp.words import validate_command


@click.command()
@packs_dir_option
@click.argument("question")
@click.option("--seed", default=0, show_default=True, type=int, help="The variant's seed.")
@click.option("--answer", "-a", "answer", required=True, help="The answer to grade.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def check(ctx: click.Context, question: str, seed: int, answer: str, as_json: bool) -> None:
    """Grade ANSWER for QUESTION (pack/question) at SEED, as the app would.

    Also shows the live echo the answer box would display while typing (`echo`).
    """
    from engine.answers import SpecError, interpret
    from engine.problems import grade
    from quizapp.commands.preview import build_variant, get_question, load_library

    library = load_library(ctx)
    q = get_question(ctx, library, question)
    variant = build_variant(ctx, q, seed)
    try:
        verdict = grade(variant, answer)
    except SpecError as exc:
        raise click.ClickException(
            f"{variant.qid}: its answer cannot be graded "
            f"(run `{validate_command(pack_dirs(ctx))}`): {exc}"
        ) from None
    data = {
        "question": variant.qid,
        "seed": seed,
        "answer": answer,
        "echo": interpret(variant.answer_spec, answer),
        "parsed": verdict.parsed,
        "valid": verdict.valid,
        "correct": verdict.correct,
        "score": verdict.score,
        "feedback": verdict.feedback,
        "diagnosis": verdict.diagnosis,
        "expected": variant.expected,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    status = (
        "self-graded: the learner compares with the model answer and rates their recall"
        if variant.answer_spec.get("kind") == "recall"
        else "invalid"
        if not verdict.valid
        else "correct"
        if verdict.correct
        else "partly right"
        if verdict.score > 0
        else "incorrect"
    )
    click.echo(f"question:  {variant.qid} (seed {seed})")
    click.echo(f"echo:      {data['echo']}")
    click.echo(f"parsed:    {verdict.parsed}")
    click.echo(f"verdict:   {status}")
    click.echo(f"score:     {verdict.score:g}")
    click.echo(f"feedback:  {verdict.feedback}")
    if verdict.diagnosis:
        click.echo(f"diagnosis: {verdict.diagnosis}")
    click.echo(f"expected:  {variant.expected}")
