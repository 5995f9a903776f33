"""`quizapp plan`: set the interview date and see what each day until then holds.

The date and the daily minutes are saved in the database, so the app (home's countdown,
practice's order) and later `quizapp plan` runs use them without asking again.
"""

from __future__ import annotations

import json
from datetime import date

import click

from quizapp.commands.options import pack_dirs, packs_dir_option

#: Days listed one by one in the text output; the rest are summed up.
SHOWN_DAYS = 14


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def question_budgets(extra_dirs: list[str]) -> dict[str, float]:
    """qid -> time budget (s) of every loaded question; a clean CLI error when there are none."""
    from quizapp.packs import load_all

    library = load_all(extra_dirs)
    if not library.questions:
        raise click.ClickException("no question packs were found, so there is nothing to plan")
    return {q.qid: float(q.time) for q in library.questions}


def render_text(plan_json: dict, not_fitting: int, not_reviewed: int) -> str:
    """The plain-terminal plan: countdown, the next days, and what will not fit."""
    days = plan_json["days"]
    lines = [
        f"Interview on {plan_json['interview']}: {plan_json['days_left']} day(s) from today, "
        f"{plan_json['questions']} questions, {plan_json['minutes_per_day']:g} min a day.",
        "",
        f"  {'date':<10}  {'new':>4}  {'due':>4}  {'minutes':>7}",
    ]
    for day in days[:SHOWN_DAYS]:
        lines.append(
            f"  {day['date']:<10}  {day['new']:>4}  {day['due']:>4}  {day['minutes']:>7.1f}"
        )
    if len(days) > SHOWN_DAYS:
        rest = days[SHOWN_DAYS:]
        lines.append(
            f"  … {len(rest)} more days: {sum(d['new'] for d in rest)} new, "
            f"{sum(d['due'] for d in rest)} reviews"
        )
    lines.append("")
    if not_fitting:
        lines.append(
            f"{not_fitting} question(s) will NOT be met before the interview at this pace; "
            "give more minutes a day (--minutes-per-day) or start sooner."
        )
    else:
        lines.append("Every question is met before the interview.")
    if not_reviewed:
        lines.append(f"{not_reviewed} question(s) are met on the last day with no time to review.")
    lines.append(
        f"Predicted recall on the day: {100 * plan_json['predicted_retention']:.0f}% "
        "(mean over all questions; unseen ones count as forgotten)."
    )
    return "\n".join(lines)


@click.command()
@packs_dir_option
@click.option(
    "--interview",
    metavar="YYYY-MM-DD",
    callback=_parse_date,
    help="The interview date (saved; later runs and the app use it).",
)
@click.option(
    "--minutes-per-day",
    type=click.FloatRange(min=1, max=24 * 60),
    help="Minutes you can practise each day (saved; default 30).",
)
@click.option("--clear", is_flag=True, help="Forget the saved interview date.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan(
    ctx: click.Context,
    interview: date | None,
    minutes_per_day: float | None,
    clear: bool,
    as_json: bool,
) -> None:
    """Plan every question to your interview date, within your daily minutes."""
    from quizapp.commands.stats import open_store_or_fail, saving
    from quizapp.planning import INTERVIEW_KEY, MINUTES_KEY, plan_for

    today = date.today()
    with open_store_or_fail() as store:
        if clear:
            with saving("forget the interview date"):
                store.set_setting(INTERVIEW_KEY, None)
            click.echo("The interview date is forgotten.", err=True)
            return
        if interview is not None and interview <= today:
            raise click.BadParameter(
                f"{interview} is not after today ({today})", param_hint="'--interview'"
            )
        if interview is not None or minutes_per_day is not None:
            with saving("save the interview date and daily minutes"), store.transaction():
                if interview is not None:
                    store.set_setting(INTERVIEW_KEY, interview.isoformat())
                if minutes_per_day is not None:
                    store.set_setting(MINUTES_KEY, minutes_per_day)
        budgets = question_budgets(pack_dirs(ctx))
        try:
            result = plan_for(store, budgets, today=today)
        except ValueError as exc:  # a saved date that has passed
            raise click.ClickException(f"{exc}; set a new one with --interview") from exc
    if result is None:
        raise click.UsageError("no interview date is set yet: give one with --interview YYYY-MM-DD")
    payload = result.to_json()
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(render_text(payload, len(result.unseen_after_plan), len(result.not_reviewed)))
