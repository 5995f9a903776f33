"""The stats screen and home's countdown, driven through Pilot (the figures are tested
in test_progress.py and test_planning.py; here only what reaches the screen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import settle, sync
from fsrs import Rating
from test_tui_app import _screen_text, cells, make_app
from textual.widgets import DataTable, Input, Static, TabbedContent

from quizapp.planning import INTERVIEW_KEY
from quizapp.progress import LEECH_FAILURES
from quizapp.scheduling import review
from quizapp.store import Attempt, Store
from quizapp.tui.screens.practice import PracticeScreen
from quizapp.tui.screens.stats import StatsScreen

NOW = datetime.fromtimestamp(1_700_000_000.0, UTC)  # the test app's clock


def history(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        # Failed on eight days two months ago (older than the 30 days of retention).
        for k in range(LEECH_FAILURES):
            review(store, "tui-basics/score-big-o", Rating.Again, NOW - timedelta(days=60 - k))
        # Then, three days ago and yesterday: one question recalled, one failed again.
        for qid, rating in (
            ("tui-basics/score-flops", Rating.Good),
            ("tui-basics/score-big-o", Rating.Again),
        ):
            for days in (3, 1):
                when = NOW - timedelta(days=days)
                store.record_attempt(Attempt(qid, rating != Rating.Again, ts=when))
                review(store, qid, rating, when)


@sync
async def test_stats_screen_shows_retention_topics_and_leeches(tmp_path):
    history(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, StatsScreen)
        retention = str(app.screen.query_one("#stats-retention", Static).render())
        # Memory tests: score-flops yesterday (recalled), score-big-o both days (failed).
        assert "33% of 3 reviews" in retention
        topics = cells(app.screen.query_one("#stats-topics", DataTable))
        assert topics[0][0] in {"big-o", "memory"}  # never recalled or never seen: weakest
        leeches_table = app.screen.query_one("#stats-leeches", DataTable)
        assert cells(leeches_table) == [["tui-basics/score-big-o", str(LEECH_FAILURES + 2)]]
        # Enter on the leech practises it.
        app.screen.query_one("#stats-tabs", TabbedContent).active = "tab-leeches"
        await pilot.pause()
        leeches_table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen)
        assert app.screen.question is not None
        assert app.screen.question.qid == "tui-basics/score-big-o"
        await pilot.press("escape")
        await pilot.press("escape")
        assert not isinstance(app.screen, (StatsScreen, PracticeScreen))


@sync
async def test_home_counts_down_to_the_interview_with_todays_load(tmp_path):
    today = NOW.astimezone().date()
    with Store.open(tmp_path / "history.sqlite3") as store:
        store.set_setting(INTERVIEW_KEY, (today + timedelta(days=9)).isoformat())
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        text = str(app.screen.query_one("#home-plan", Static).render())
        assert "Interview in 9 days" in text
        assert "today: 1 new · 0 due" in text


@sync
async def test_the_interview_date_is_set_from_home_and_a_bad_one_is_explained(tmp_path):
    today = NOW.astimezone().date()
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        assert "press i" in str(app.screen.query_one("#home-plan", Static).render())
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"next week", "enter")
        await pilot.pause()
        assert "YYYY-MM-DD" in str(app.screen.query_one("#interview-error", Static).render())
        app.screen.query_one("#interview-date", Input).value = ""
        await pilot.press(*(today + timedelta(days=5)).isoformat(), "enter")
        await settle(app, pilot)
        assert "Interview in 5 days" in str(app.screen.query_one("#home-plan", Static).render())
    with Store.open(tmp_path / "history.sqlite3") as store:
        assert store.get_setting(INTERVIEW_KEY) == (today + timedelta(days=5)).isoformat()
        assert store.get_setting("minutes_per_day") == 30.0


@sync
async def test_the_stats_title_counts_one_answer_in_the_singular(tmp_path):
    with Store.open(tmp_path / "history.sqlite3") as store:
        store.record_attempt(Attempt("tui-basics/score-flops", True, 1.0, ts=NOW))
        review(store, "tui-basics/score-flops", Rating.Good, NOW)  # one review due soon
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        title = str(app.screen.query_one("#stats-title", Static).render())
        assert title == "Stats · 1 answer in 12 weeks"
        app.screen.query_one("#stats-tabs", TabbedContent).active = "tab-forecast"
        await pilot.pause()
        shown = _screen_text(app)
        assert "reviews due per day" in shown
        assert "0.50" not in shown and "1┤" in shown  # whole reviews on the y-axis
