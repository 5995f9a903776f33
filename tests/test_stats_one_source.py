"""The stats screen and `quizapp stats` read their windows, threshold and totals from
`Progress`: change them there and both faces say the same, with nothing hard-coded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from conftest import settle, sync
from test_tui_app import make_app
from textual.widgets import DataTable, Static

from quizapp.commands.stats import render_progress
from quizapp.progress import Progress
from quizapp.tui.screens.stats import StatsScreen

TODAY = date(2026, 3, 2)  # a Monday


def odd_progress() -> Progress:
    """Windows and a threshold other than the defaults (30 days, 12 weeks, 8 failures)."""
    days = [TODAY - timedelta(days=13 - i) for i in range(14)]
    return Progress(
        today=TODAY,
        desired_retention=0.9,
        measured_retention=0.5,
        retention_reviews=4,
        forecast=[(TODAY + timedelta(days=i), n) for i, n in enumerate([3, 0, 2, 1, 0, 0, 4, 5])],
        activity=list(zip(days, [0, 1, 0, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 4], strict=True)),
        leeches=[],
        retention_days=7,
        activity_weeks=2,
        leech_threshold=3,
    )


def test_the_command_names_the_windows_and_totals_of_its_progress() -> None:
    text = render_progress(odd_progress())
    assert "retention (last 7 days): 50% recalled of 4 reviews" in text
    assert "answers in the last 2 weeks: 11" in text  # 1 + 2 + 3 + 1 + 4
    assert "due: 3 today, 10 this week" in text  # the first seven days: 3+0+2+1+0+0+4


def test_progress_totals_count_what_a_user_sees_in_the_lists() -> None:
    p = odd_progress()
    assert p.activity_total == 11
    assert (p.due_today, p.due_this_week, p.forecast_total, p.forecast_peak) == (3, 10, 15, 5)
    assert (
        Progress(
            today=TODAY, desired_retention=0.9, measured_retention=None, retention_reviews=0
        ).forecast_peak
        == 0
    )


@sync
async def test_the_screen_names_the_windows_and_totals_of_its_progress(tmp_path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        screen._show(odd_progress())
        await pilot.pause()

        def text(selector: str) -> str:
            return str(screen.query_one(selector, Static).render())

        assert text("#stats-title") == "Stats · 11 answers in 2 weeks"
        assert text("#stats-retention").startswith("Recalled in the last 7 days: 50% of 4")
        assert "15 reviews, 3 today, at most 5 on one day" in text("#stats-forecast-label")
        assert text("#stats-activity-title") == "Activity, last 2 weeks"
        leeches = screen.query_one("#stats-leeches", DataTable)
        assert str(leeches.get_row_at(0)[0]) == "no question failed 3 times"

        screen._show(replace(odd_progress(), activity=[(d, 0) for d, _ in odd_progress().activity]))
        await pilot.pause()
        assert text("#stats-heatmap") == "No answers in the last 2 weeks yet."
