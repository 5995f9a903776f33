"""Home and History read the history in thread workers: a big or locked database shows
"loading…" or a message with `r` to try again, never a frozen screen; and History's
attempts table fits its width, so no column hides off-screen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import settle, sync, text_of, watch
from test_tui_app import cells, make_app
from textual.widgets import DataTable

from quizapp.store import Attempt, GroupStats, Store
from quizapp.tui.messages import HistoryRead
from quizapp.tui.screens.history import HistoryScreen, attempt_columns
from quizapp.tui.screens.home import HomeScreen

LONG_QID = "a-long-pack-name/a-rather-long-question-id-about-kv-caches"


def record(tmp_path: Path, qid: str = "tui-basics/score-flops") -> None:
    with Store.open(str(tmp_path / "history.sqlite3")) as store:
        store.record_attempt(
            Attempt(
                qid,
                False,
                0.25,
                response="2*b*h*n^2*d_head + 4*b*n*d_model^2 (forward, one layer)",
                seconds=1234.0,
                hints_used=2,
                mode="practice",
            )
        )


async def started_with_one_answer(app, pilot, tmp_path: Path) -> None:
    """The app on home, with one (wrong) answer in its history."""
    record(tmp_path)
    await app.wait_library()
    await settle(app, pilot)


@sync
async def test_history_reads_off_the_ui_thread_and_a_failed_read_can_be_retried(
    tmp_path, monkeypatch
):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await started_with_one_answer(app, pilot, tmp_path)
        on_ui = watch(app.store, monkeypatch, ["attempts", "summary"], fail_first=True)
        await pilot.press("h")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert text_of(screen, "#history-title") == (
            "History · could not be read (database is locked): press r to try again"
        )
        await pilot.press("r")
        await settle(app, pilot)
        assert text_of(screen, "#history-title") == "History · 1 attempt"
        assert cells(screen.query_one("#attempts-table", DataTable))[0][1:3] == ["✗", "0.25"]
        assert on_ui == []


@sync
async def test_home_reads_progress_off_the_ui_thread_and_a_failed_read_can_be_retried(
    tmp_path, monkeypatch
):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await started_with_one_answer(app, pilot, tmp_path)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        on_ui = watch(app.store, monkeypatch, ["summary"], fail_first=True)
        await pilot.press("r")
        await settle(app, pilot)
        assert text_of(screen, "#home-summary") == (
            "Progress could not be read (database is locked): press r to try again."
        )
        await pilot.press("r")
        await settle(app, pilot)
        assert "accuracy 0%" in text_of(screen, "#home-summary")  # the one answer, wrong
        assert on_ui == []


def visible_width(table: DataTable) -> tuple[int, int]:
    """(width the columns take, width the table shows)."""
    used = sum(column.get_render_width(table) for column in table.ordered_columns)
    return used, table.scrollable_content_region.width


@pytest.mark.parametrize(
    ("size", "headings"),
    [
        ((100, 30), ["When", "✓/✗", "Score", "Question", "Answer", "Time", "Hints", "Mode"]),
        ((80, 24), ["When", "✓/✗", "Score", "Question", "Answer", "Time", "Hints"]),
    ],
)
def test_no_history_column_is_off_screen(tmp_path, size, headings):
    @sync
    async def run() -> None:
        record(tmp_path, LONG_QID)
        app = make_app(tmp_path, start="history")
        async with app.run_test(size=size) as pilot:
            await app.wait_library()
            await settle(app, pilot)
            table = app.screen.query_one("#attempts-table", DataTable)
            assert [str(c.label) for c in table.ordered_columns] == headings
            used, shown = visible_width(table)
            assert used <= shown
            row = cells(table)[0]
            assert row[1:3] == ["✗", "0.25"]  # the result and score, wrong at 0.25
            assert row[3].startswith("…/a-rather-long")  # the question, without its pack
            assert row[4].startswith("2*b*h*n^2") and row[4].endswith("…")
            assert row[5] == "1234 s"

    run()


def test_the_attempts_layout_fits_every_width_from_70_columns() -> None:
    for width in range(70, 220):
        layout = attempt_columns(width, len(LONG_QID))
        assert sum(cells + 2 for _, cells in layout) + 2 <= width, width
        question = dict(layout)["Question"]
        assert 20 <= question <= len(LONG_QID)
    assert len(attempt_columns(100, len(LONG_QID))) == 8


@sync
async def test_the_topic_table_is_as_wide_as_its_topics_as_soon_as_it_is_filled(tmp_path):
    """A DataTable sizes its columns when it is next idle; on a busy machine History was
    drawn before that, with "self-attention" cut to "self-" (the heading's width)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await started_with_one_answer(app, pilot, tmp_path)
        await pilot.press("h")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        summary = app.store.summary(None, now=app.now())
        topic = GroupStats("self-attention", 3, 2, 2 / 3, app.now(), 1, 0, 0)
        summary = dataclasses.replace(summary, by_topic=[topic])
        screen.on_history_read(HistoryRead(screen._recent, 3, summary, app.now()))
        table = screen.query_one("#topic-accuracy", DataTable)  # nothing idle since
        widths = {str(c.label): c.get_render_width(table) for c in table.columns.values()}
        topics = [row[0] for row in cells(table)]
        assert topics and widths["Topic"] >= max(len(t) for t in topics) + 2 * table.cell_padding
