"""The stats screen and `quizapp stats` name the windows and the threshold their figures
were computed with: "the last 30 days" counts the reviews of the last 30 days, "12 weeks"
the answers of the last 84 days, "failed 8 times" lists what failed 8 times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from conftest import settle, sync
from fsrs import Rating
from test_tui_app import cells, make_app
from textual.widgets import DataTable, Static

from quizapp.commands.stats import render_progress
from quizapp.progress import Progress, progress
from quizapp.scheduling import review
from quizapp.store import Attempt, Store
from quizapp.tui.screens.stats import StatsScreen

TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime.combine(TODAY, time(12)).astimezone(UTC)
APP_NOW = datetime.fromtimestamp(1_700_000_000.0, UTC)  # the test app's clock


def answer(store: Store, qid: str, rating: Rating, when: datetime) -> None:
    right = rating != Rating.Again
    store.record_attempt(Attempt(qid, right, 1.0 if right else 0.0, topics=("t",), ts=when))
    review(store, qid, rating, when)


def history(store: Store, now: datetime) -> None:
    """Answers on both sides of every window's edge.

    Inside the windows: a recalled review 29 days ago, and 4 answers in the last 84 days
    (83 days ago the oldest). Just outside: a failed review 31 days ago and an answer 84
    days ago. Long ago: one question failed 8 times, one 7 times.
    """
    today = now.astimezone().date()

    def noon(days_ago: int) -> datetime:  # a local day, away from midnight and DST shifts
        return datetime.combine(today - timedelta(days=days_ago), time(12)).astimezone(UTC)

    answer(store, "p/kept", Rating.Good, now - timedelta(days=40))  # first sight: no test
    answer(store, "p/kept", Rating.Again, now - timedelta(days=31))
    answer(store, "p/kept", Rating.Good, now - timedelta(days=29))
    answer(store, "p/old", Rating.Good, noon(84))
    answer(store, "p/old", Rating.Good, noon(83))
    for k in range(8):
        review(store, "p/leech", Rating.Again, now - timedelta(days=200 - k))
    for k in range(7):
        review(store, "p/almost", Rating.Again, now - timedelta(days=300 - k))


def test_the_command_counts_what_its_windows_and_threshold_say(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store:
        history(store, NOW)
        p = progress(store, {}, now=NOW, today=TODAY)
    text = render_progress(p)
    # A 31-day window would say "50% recalled of 2 reviews".
    assert "retention (last 30 days): 100% recalled of 1 reviews" in text
    # 40, 31, 29 and 83 days ago; not 84 days ago (that would make 5).
    assert "answers in the last 12 weeks: 4" in text
    assert "leeches (failed 8 times or more" in text
    assert "p/leech  (8 failures)" in text and "p/almost" not in text
    assert p.to_json()["retention"]["days"] == 30


def hand_built() -> Progress:
    days = [TODAY - timedelta(days=13 - i) for i in range(14)]
    return Progress(
        today=TODAY,
        desired_retention=0.9,
        measured_retention=0.5,
        retention_reviews=4,
        forecast=[(TODAY + timedelta(days=i), n) for i, n in enumerate([3, 0, 2, 1, 0, 0, 4, 5])],
        activity=list(zip(days, [0, 1, 0, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 4], strict=True)),
    )


def test_progress_totals_count_what_a_user_sees_in_the_lists() -> None:
    p = hand_built()
    assert p.activity_total == 11
    assert (p.due_today, p.due_this_week, p.forecast_total, p.forecast_peak) == (3, 10, 15, 5)
    assert "due: 3 today, 10 this week" in render_progress(p)  # 3+0+2+1+0+0+4
    assert (
        Progress(
            today=TODAY, desired_retention=0.9, measured_retention=None, retention_reviews=0
        ).forecast_peak
        == 0
    )


def test_the_screen_help_names_the_same_windows_and_threshold() -> None:
    assert "recalled in the last 30 days" in StatsScreen.HELP
    assert "else 30 days" in StatsScreen.HELP  # the forecast without an interview date
    assert "12 weeks of activity" in StatsScreen.HELP
    assert "failed 8 times or more" in StatsScreen.HELP


async def _open_stats(app, pilot) -> StatsScreen:
    await app.wait_library()
    await settle(app, pilot)
    await pilot.press("s")
    await settle(app, pilot)
    assert isinstance(app.screen, StatsScreen)
    return app.screen


def _text(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@sync
async def test_the_screen_counts_what_its_windows_and_threshold_say(tmp_path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        history(store, APP_NOW)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_stats(app, pilot)
        assert _text(screen, "#stats-title") == "Stats · 4 answers in 12 weeks"
        assert _text(screen, "#stats-activity-title") == "Activity, last 12 weeks"
        assert _text(screen, "#stats-retention").startswith(
            "Recalled in the last 30 days: 100% of 1 reviews"
        )
        assert cells(screen.query_one("#stats-leeches", DataTable)) == [["p/leech", "8"]]


@sync
async def test_an_empty_history_names_the_windows_too(tmp_path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_stats(app, pilot)
        assert _text(screen, "#stats-title") == "Stats · 0 answers in 12 weeks"
        assert _text(screen, "#stats-heatmap") == "No answers in the last 12 weeks yet."
        leeches = screen.query_one("#stats-leeches", DataTable)
        assert cells(leeches) == [["no question failed 8 times", ""]]
