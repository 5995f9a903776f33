"""`quizapp practice`: open the TUI straight into a practice session.

Heavy imports (Textual, the packs, the engine) happen inside the function, so that
`quizapp --help` stays fast. Chosen pack ids and topics are checked here, before the
TUI opens, exactly as `quizapp mock` checks them: a typo is a usage error (exit 2)
naming the valid ones. Only then are the packs loaded first; without a choice the TUI
opens at once and loads them in a worker.
"""

from __future__ import annotations

import click

from quizapp.commands.options import (
    check_ids,
    pack_dirs,
    pack_selection,
    require_known,
    split_names,
)


@click.command("practice")
@click.option(
    "--packs",
    "packs",
    multiple=True,
    metavar="IDS|DIR",
    help="Only these packs (ids, comma-separated or repeated), e.g. --packs attention-basics; "
    "a path such as ./mypacks loads the packs in that directory too.",
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

    Without options every loaded pack is used. While you type, the line under the
    answer shows how it is read; Enter checks it. Answers are recorded in your history
    and scheduled for review (spaced repetition).
    """
    pack_ids = pack_selection(ctx, packs)
    topic_ids = check_ids(split_names(topics), "topic")
    require_known(ctx, pack_ids, topic_ids)
    from quizapp.tui.app import run_app

    run_app(
        pack_dirs(ctx),
        start="practice",
        packs=pack_ids,
        topics=topic_ids,
        due=due,
        seed=seed,
    )
