"""`quizapp optimize`: fit the spaced-repetition scheduler to your own review log.

The fitted parameters are saved in the database and used by every later review
(`quizapp.scheduling.scheduler_for`), the plan included; `--reset` goes back to FSRS's
defaults.
"""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--reset", is_flag=True, help="Forget fitted parameters; use FSRS's defaults.")
def optimize(as_json: bool, reset: bool) -> None:
    """Fit the scheduler (FSRS) to your reviews and keep the fit if it predicts them better."""
    from quizapp.commands.stats import open_store_or_fail
    from quizapp.optimizer import fit, histories
    from quizapp.scheduling import PARAMETERS_KEY, scheduler_for

    with open_store_or_fail() as store:  # fit the reviews kept on disk too
        if reset:
            store.set_setting(PARAMETERS_KEY, None)
            click.echo("The scheduler uses FSRS's default parameters again.", err=True)
            return
        log = store.review_log()
        current = scheduler_for(store).parameters
        result = fit(histories((r.question_id, r.ts, r.rating) for r in log), current)
        if result.better and result.parameters is not None:
            store.set_setting(PARAMETERS_KEY, list(result.parameters))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    if not result.enough:
        click.echo(
            f"{result.reviews} reviews so far; fitting needs {result.minimum}: "
            f"{result.needed} more. Nothing was changed."
        )
        return
    if result.before is None or result.after is None:
        click.echo(
            f"{result.reviews} reviews, but none came on a later day than the one before; "
            "practise on a few more days first. Nothing was changed."
        )
        return
    click.echo(
        f"Fitted on {result.reviews} reviews.\n"
        f"  log-loss  {result.before.log_loss:.4f} → {result.after.log_loss:.4f}\n"
        f"  RMSE      {result.before.rmse:.4f} → {result.after.rmse:.4f}"
    )
    if result.better:
        click.echo("The fitted parameters are kept; the scheduler uses them from now on.")
    else:
        click.echo("The fit predicts your reviews no better; the parameters in use are kept.")
