"""Ratings, undo, leeches and review-ahead in the practice screen, checked against the
SQLite file itself (the rules are tested without Textual in test_ratings.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import FakeClock, make_app, rows, settle, sync
from fsrs import Rating
from test_ratings import database
from test_tui_practice import answer, start_practice
from textual.widgets import Button, Input, Markdown

from quizapp.progress import LEECH_FAILURES
from quizapp.scheduling import review
from quizapp.store import Store
from quizapp.tui.screens.help import HelpScreen


@sync
async def test_a_quick_right_answer_suggests_easy_and_another_key_re_rates_it(tmp_path):
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        clock.now += 10  # well within half of the 60 s budget, no hint
        await answer(app, pilot, str(2 * n * n * d))
        await settle(app, pilot)
        buttons = screen.query_one("#grade-buttons")
        assert buttons.display
        easy = screen.query_one("#grade-easy", Button)
        assert "★" in str(easy.label) and " d " in str(easy.label)  # an interval in days
        assert app.focused is easy  # Enter accepts the suggestion
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(4,)]
        await pilot.press("2")
        await settle(app, pilot)
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(2,)]
        assert len(rows(tmp_path, "SELECT id FROM attempts")) == 1
        await pilot.press("enter")  # accept Hard and go on
        await settle(app, pilot)
        assert not screen.answered
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(2,)]


@sync
async def test_ctrl_z_takes_the_answer_back_exactly(tmp_path):
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        before = database(tmp_path / "history.sqlite3")
        variant = screen.variant
        await answer(app, pilot, "12345")
        assert database(tmp_path / "history.sqlite3") != before
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert database(tmp_path / "history.sqlite3") == before
        assert not screen.answered
        assert screen.variant is variant  # the same question, the same numbers, to answer again
        assert not screen.query_one("#result-pane").display
        # `u` does the same where no input has focus.
        await answer(app, pilot, "12345")
        screen.query_one("#practice-body").focus()
        await pilot.press("u")
        await settle(app, pilot)
        assert database(tmp_path / "history.sqlite3") == before


@sync
async def test_a_leech_opens_with_its_derivation_steps(tmp_path):
    now = datetime.fromtimestamp(FakeClock()(), UTC)
    with Store.open(tmp_path / "history.sqlite3") as store:
        for k in range(LEECH_FAILURES):
            review(store, "tui-basics/score-flops", Rating.Again, now - timedelta(days=30 - k))
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        assert screen.question.qid == "tui-basics/score-flops"  # due, so first
        await settle(app, pilot)
        scaffold = screen.query_one("#scaffold", Markdown)
        assert scaffold.display
        # The threshold stated is the one that tripped it (the store holds that many "again"s).
        assert f"tripped you {LEECH_FAILURES} times or more" in scaffold.source
        assert "1. " in scaffold.source
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        assert f"{2 * n * n * d:,}" not in scaffold.source  # the steps, not the answer
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(app.screen.query_one("#help-text", Markdown).source.split())
        assert f"A question failed {LEECH_FAILURES} times opens with its derivation" in help_text


@sync
async def test_nothing_due_offers_review_ahead(tmp_path):
    now = datetime.fromtimestamp(FakeClock()(), UTC)
    with Store.open(tmp_path / "history.sqlite3") as store:
        review(store, "tui-basics/score-big-o", Rating.Easy, now - timedelta(hours=1))
    app = make_app(tmp_path, start="practice", due=True)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        screen = app.screen
        assert "review ahead" in screen.query_one("#prompt", Markdown).source
        await pilot.press("a")
        await settle(app, pilot)
        assert screen.question is not None
        assert screen.question.qid == "tui-basics/score-big-o"


@sync
async def test_keys_typed_while_the_next_question_loads_go_into_its_answer_box(
    tmp_path, monkeypatch
):
    """`n`, then the next answer typed at once: the digits must not re-rate the answer
    just given (1–4 are the rating keys after a verdict) nor be lost while the next
    question is drawn; they are the start of the next answer."""
    import threading

    import quizapp.tui.screens.practice as practice_screen

    real_draw = practice_screen.draw
    slow = threading.Event()
    slow.set()

    def draw(*args, **kwargs):
        slow.wait(30)  # held while the test types ahead
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(practice_screen, "draw", draw)
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        clock.now += 10
        await answer(app, pilot, str(2 * n * n * d))
        await settle(app, pilot)
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(4,)]  # easy
        slow.clear()
        await pilot.press("n", *"2*1024 ")
        await pilot.pause()
        slow.set()
        await settle(app, pilot)
        assert screen.question.qid != "tui-basics/score-flops"
        field = screen.query_one("#answer", Input)
        assert field.value == "2*1024 " and field.has_focus
        await pilot.press("x")
        assert field.value == "2*1024 x"  # the cursor is after what was typed
    assert rows(tmp_path, "SELECT rating FROM review_log") == [(4,)]  # not re-rated


def _notes(app, *words: str) -> list[str]:
    """The notifications shown so far whose text or title has all of `words`."""
    texts = [f"{note.title}: {note.message}" for note in app._notifications]
    return [t for t in texts if all(w in t for w in words)]


@sync
async def test_a_rating_change_or_undo_the_database_refuses_says_so_and_works_again(tmp_path):
    """Another process holds the database: re-rating and undo fail visibly (not as if done),
    the rating on screen stays the one saved, and the same key works once the lock is gone."""
    from db_lock import locked_database

    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        clock.now += 10
        await answer(app, pilot, str(2 * n * n * d))
        await settle(app, pilot)
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(4,)]  # easy, suggested
        app.store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
        with locked_database(tmp_path / "history.sqlite3"):
            await pilot.press("2")
            await settle(app, pilot)
            assert _notes(app, "not changed", "busy")
            assert not _notes(app, "Rated hard")
            assert screen.query_one("#grade-easy", Button).variant == "primary"  # still easy
            assert screen.query_one("#grade-hard", Button).variant != "primary"
            await pilot.press("ctrl+z")
            await settle(app, pilot)
            assert _notes(app, "not taken back", "busy")
            assert screen.answered and screen.query_one("#result-pane").display
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(4,)]
        await pilot.press("2")  # the same key again, now that the database is free
        await settle(app, pilot)
        assert rows(tmp_path, "SELECT rating FROM review_log") == [(2,)]
        assert screen.query_one("#grade-hard", Button).variant == "primary"
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert not screen.answered
    assert rows(tmp_path, "SELECT count(*) FROM attempts") == [(0,)]


@sync
async def test_an_undo_refused_because_of_a_later_review_says_why(tmp_path):
    """Answered again since in another window: the undo is refused, and the learner is told
    so instead of seeing nothing and believing it was taken back."""
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        qid = screen.question.qid
        await answer(app, pilot, "12345")
        await settle(app, pilot)
        with Store.open(tmp_path / "history.sqlite3") as other_window:
            later = datetime.fromtimestamp(clock() + 60, UTC)
            review(other_window, qid, Rating.Good, later)
        before = database(tmp_path / "history.sqlite3")
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert _notes(app, "not taken back", "reviewed again since")
        assert screen.answered and screen.query_one("#result-pane").display
        assert database(tmp_path / "history.sqlite3") == before
