"""A mock interview finished while another process holds the history: nothing is lost.

Finishing grades and records every answer; with the database busy that write fails. The
interview then exists only on screen (an answer given while the database was busy was
never autosaved), so leaving it must first save it, and quitting must try to.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeClock, settle
from conftest import sync as run_async
from db_lock import locked_database
from test_mock_helpers import correct_answer, params_of
from test_mock_tui import SIZE, answer_current, make_app, start_from_home

# The mock screen tests' fixtures (a pack folder, its library, a history path).
from test_mock_tui import db as db
from test_mock_tui import library as library
from test_mock_tui import packs_dir as packs_dir
from textual.widgets import Static

from quizapp.store import Store
from quizapp.tui.screens.mock import MockReportScreen


def open_state(db: Path) -> dict | None:
    """The state of the interview not finished in the database (what m offers back)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state FROM mock_sessions WHERE finished IS NULL").fetchone()
    return None if row is None else json.loads(row[0])


@dataclass
class Busy:
    """An interview finished while the history was locked: its app, screen and answers."""

    app: Any
    pilot: Any
    screen: Any
    answers: dict[int, str]
    release: Callable[[], None]  # the other process lets the database go

    def assert_kept(self, db: Path) -> None:
        """The database holds the interview, finished, with every answer."""
        state = open_state(db)
        assert state is not None, "the interview is gone"
        assert state["ended"] == "done"  # finished by the learner, not paused with time left
        kept = {i: state["responses"][i] for i in self.answers}
        assert kept == self.answers


@asynccontextmanager
async def finished_while_busy(packs_dir: Path, db: Path, library: Any) -> AsyncIterator[Busy]:
    """Start and answer one question; then, the database locked by another process
    (writes fail after 50 ms), answer a second and finish: the grading cannot be saved."""
    app = make_app(packs_dir, db, FakeClock(), start="home")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(app, pilot)
        interview = screen.interview
        answers: dict[int, str] = {}

        async def answer() -> None:
            index = interview.current
            slot = interview.slots[index]
            answers[index] = correct_answer(slot.qid, params_of(library, slot.qid, slot.seed))
            await answer_current(pilot, screen, answers[index])
            await settle(app, pilot)

        await answer()
        app.store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
        with ExitStack() as lock:
            lock.enter_context(locked_database(db))
            await answer()
            await pilot.press("f10", "y")
            await settle(app, pilot)
            assert not isinstance(app.screen, MockReportScreen)
            yield Busy(app, pilot, screen, answers, lock.close)


@run_async
async def test_leaving_an_interview_whose_grading_failed_saves_every_answer(
    packs_dir, db, library
) -> None:
    async with finished_while_busy(packs_dir, db, library) as busy:
        app, pilot, screen = busy.app, busy.pilot, busy.screen
        assert "F10" in screen.query_one("#mock-prompt").source  # how to try again
        await pilot.press("escape")  # still locked: cannot be saved, so the interview stays
        await settle(app, pilot)
        assert app.screen is screen
        busy.release()
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
    busy.assert_kept(db)

    again = make_app(packs_dir, db, FakeClock(), resume=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert isinstance(again.screen, MockReportScreen)
    with Store.open(db) as store:
        given = [a for a in store.attempts(mode="mock") if a.valid]
        assert sorted(a.response for a in given) == sorted(busy.answers.values())
        assert len(store.mock_history()) == 1


@run_async
async def test_quitting_after_a_failed_grading_keeps_the_finished_interview(
    packs_dir, db, library
) -> None:
    async with finished_while_busy(packs_dir, db, library) as busy:
        busy.release()
        busy.app.exit()  # Ctrl+Q with the database free again
        await busy.pilot.pause()
    busy.assert_kept(db)


@run_async
async def test_m_offers_the_saved_finished_interview_as_finished_not_with_time_left(
    packs_dir, db, library
) -> None:
    async with finished_while_busy(packs_dir, db, library) as busy:
        app, pilot = busy.app, busy.pilot
        busy.release()
        await pilot.press("escape")  # saved, home
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        offer = str(app.screen.query_one("#choice-text", Static).render())
    assert "2 of 6 answered" in offer and "finished" in offer
    assert "left" not in offer  # its clock stopped for good when it was finished


def test_a_grading_saved_late_dates_the_unanswered_questions_when_the_interview_ended(
    tmp_path: Path,
) -> None:
    """Graded ten minutes after it ended (the history was busy meanwhile): its unanswered
    questions and the session's end are dated when the learner finished, not at the retry."""
    from datetime import UTC, datetime

    from test_mock_helpers import make_library

    from quizapp.mock import MockConfig, MockInterview, finalise, start_session

    library = make_library(tmp_path / "packs")
    clock = FakeClock()
    with Store.open(tmp_path / "history.sqlite3") as store:
        interview = MockInterview.create(library.questions, MockConfig(questions=3), clock=clock)
        start_session(store, interview)
        clock.advance(20)
        interview.finish()
        ended = datetime.fromtimestamp(clock.now, UTC)
        clock.advance(600)  # F10 pressed again once the database is free
        finalise(interview, library, store)
        skipped = [a for a in store.attempts(mode="mock") if a.skipped]
        (session,) = store.mock_history()
    assert len(skipped) == 3
    assert {a.ts for a in skipped} == {ended}
    assert session.finished == ended


async def prompt_while_busy(app: Any, pilot: Any, db: Path, act: Callable[[], Any]) -> str:
    """What the mock screen says after `act()` (awaited) with the history locked."""
    app.store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
    with locked_database(db):
        await act()
        await settle(app, pilot)
        return app.screen.query_one("#mock-prompt").source


@pytest.mark.parametrize("action", ["start", "resume"])
@run_async
async def test_starting_or_resuming_while_the_history_is_busy_says_so_plainly(
    packs_dir, db, library, action
) -> None:
    """Nothing has started (or the paused interview stays saved): the screen says the
    database is busy and to try again, not sqlite's "database is locked"."""
    app = make_app(packs_dir, db, FakeClock(), start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = None
        if action == "resume":
            screen = await start_from_home(app, pilot)
            slot = screen.interview.slots[screen.interview.current]
            text = correct_answer(slot.qid, params_of(library, slot.qid, slot.seed))
            await answer_current(pilot, screen, text)
            await pilot.press("escape", "y")  # paused and saved
            await settle(app, pilot)

        async def act() -> None:
            if action == "start":
                app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
                return
            await pilot.press("m")
            await settle(app, pilot)
            await pilot.press("r")

        prompt = await prompt_while_busy(app, pilot, db, act)
    assert "database is busy" in prompt and "another quizapp" in prompt, prompt
    assert "Try again" in prompt and "database is locked" not in prompt
    if text is not None:
        state = open_state(db)
        assert state is not None and text in state["responses"]  # still there to resume


@run_async
async def test_finishing_early_does_not_say_time_is_up(packs_dir, db, library, monkeypatch) -> None:
    """The title while grading (seconds on a busy history) says why the interview ended."""
    import quizapp.mock

    titles: list[str] = []
    real = quizapp.mock.finalise

    def watched(interview, library, store):
        titles.append(str(app.screen.query_one("#mock-title", Static).content))
        return real(interview, library, store)

    monkeypatch.setattr(quizapp.mock, "finalise", watched)
    app = make_app(packs_dir, db, FakeClock(), start="home")
    async with app.run_test(size=SIZE) as pilot:
        await start_from_home(app, pilot)
        await pilot.press("f10", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
    (title,) = titles
    assert "grading" in title and "time is up" not in title
