"""`quizapp practice`: open the TUI straight into a practice session.

Heavy imports (Textual, the packs, the engine) happen inside the function, so that
`quizapp --help` stays fast. Pack and topic names are checked for shape here; whether
they exist is said by the TUI once the packs are loaded (loading them here would
delay the first frame).
"""

from __future__ import annotations

import re

import click

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _names(values: tuple[str, ...], what: str) -> list[str]:
    """Repeatable options that also accept comma-separated lists: a,b --packs c."""
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for name in names:
        if not _NAME.match(name):
            raise click.BadParameter(
                f"{name!r} is not a {what} id: expected lowercase letters, digits and dashes "
                "(see `quizapp packs`)",
                param_hint=f"--{what}s",
            )
    return names


@click.command("practice")
@click.option(
    "--packs",
    "packs",
    multiple=True,
    metavar="IDS",
    help="Only these packs (comma-separated or repeated), e.g. --packs attention-basics.",
)
@click.option(
    "--topics",
    "topics",
    multiple=True,
    metavar="TOPICS",
    help="Only questions with one of these topics (comma-separated or repeated).",
)
@click.option("--due", is_flag=True, help="Only questions due for review now.")
@click.option("--seed", type=int, default=None, help="Fix the number draws (reproducible).")
@click.pass_context
def practice(
    ctx: click.Context,
    packs: tuple[str, ...],
    topics: tuple[str, ...],
    due: bool,
    seed: int | None,
) -> None:
    """Practise in the terminal app: due questions first, then new ones.

    Without options every loaded pack is used. Answers are checked as you type them,
    recorded in your history and scheduled for review (spaced repetition).
    """
    pack_ids = _names(packs, "pack")
    topic_ids = _names(topics, "topic")
    from quizapp.tui.app import run_app

    packs_dirs = list((ctx.obj or {}).get("packs_dirs", []))
    run_app(
        packs_dirs,
        start="practice",
        packs=pack_ids,
        topics=topic_ids,
        due=due,
        seed=seed,
    )
