"""`quizapp plan` through click's runner, on the shipped packs."""

from __future__ import annotations

import json
from datetime import date, timedelta

from click.testing import CliRunner

from quizapp.cli import main
from quizapp.store import Store


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_date_is_saved_and_the_json_has_a_day_per_day_until_the_interview() -> None:
    interview = date.today() + timedelta(days=10)
    first = run("plan", "--interview", interview.isoformat(), "--minutes-per-day", "45", "--json")
    assert first.exit_code == 0, first.output
    payload = json.loads(first.output)
    assert payload["interview"] == interview.isoformat()
    assert len(payload["days"]) == 10
    assert all(day["minutes"] <= 45 for day in payload["days"])
    assert payload["questions"] > 100
    assert 0 <= payload["predicted_retention"] <= 1

    # A later run (and the app) uses the saved date and minutes.
    again = json.loads(run("plan", "--json").output)
    assert again["interview"] == interview.isoformat()
    assert again["minutes_per_day"] == 45
    with Store.open() as store:
        assert store.get_setting("interview_date") == interview.isoformat()


def test_too_little_time_is_said_plainly() -> None:
    tomorrow_but_one = date.today() + timedelta(days=2)
    result = run("plan", "--interview", tomorrow_but_one.isoformat(), "--minutes-per-day", "5")
    assert result.exit_code == 0, result.output
    assert "will NOT be met" in result.output
    payload = json.loads(run("plan", "--json").output)
    met = sum(day["new"] for day in payload["days"])
    assert met + len(payload["unseen_after_plan"]) == payload["questions"]
    assert payload["unseen_after_plan"]


def test_bad_dates_are_usage_errors() -> None:
    nonsense = run("plan", "--interview", "next friday")
    assert nonsense.exit_code == 2
    assert "YYYY-MM-DD" in nonsense.output
    past = run("plan", "--interview", (date.today() - timedelta(days=1)).isoformat())
    assert past.exit_code == 2
    assert "not after today" in past.output
    unset = run("plan")
    assert unset.exit_code == 2
    assert "--interview" in unset.output


def test_clear_forgets_the_date() -> None:
    run("plan", "--interview", (date.today() + timedelta(days=3)).isoformat())
    assert run("plan", "--clear").exit_code == 0
    assert run("plan").exit_code == 2
