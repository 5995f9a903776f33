"""Mock interviews through the TUI, driven by Pilot with a fake clock (no real waiting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeClock, settle, text_of, watch
from conftest import sync as run_async
from test_mock_helpers import correct_answer, params_of, write_pack, wrong_answer
from textual.widgets import Input, SelectionList, Static, TextArea

from quizapp.mock import (
    CORRECT,
    UNANSWERED,
    UNGRADED,
    WRONG,
    Report,
    report_markdown,
    self_gradable,
)
from quizapp.packs import load_files
from quizapp.store import Store
from quizapp.tui.app import create_app
from quizapp.tui.screens.mock import MockReportScreen, MockScreen

SIZE = (110, 40)


@pytest.fixture
def packs_dir(tmp_path: Path) -> Path:
    write_pack(tmp_path / "packs")
    return tmp_path / "packs"


@pytest.fixture
def library(packs_dir: Path):
    return load_files(sorted(packs_dir.glob("*.yaml")))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def make_app(packs_dir: Path, db: Path, clock: FakeClock, *, resume=False, start="mock", **config):
    settings = {"packs": ["mockpack"], "seed": 3, "questions": 6, **config}
    return create_app(
        [str(packs_dir)],
        store_path=str(db),
        clock=clock,
        start=start,
        mock_config=None if resume else settings,
        resume=resume,
    )


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def answer_current(pilot, screen: MockScreen, text: str, *, submit: bool = True) -> None:
    """Answer the question on screen the way a user would: keys into its widget."""
    widget = screen._answer_widget
    if isinstance(widget, SelectionList):
        keys = [o.value for o in widget._options]
        for key in text.replace(",", " ").split():
            widget.highlighted = keys.index(key)
            await pilot.press("space")
    else:
        await type_text(pilot, text)
    if submit:
        await pilot.press("ctrl+s")
    await pilot.pause()


@run_async
async def test_a_complete_interview_shows_countdowns_then_an_honest_report(
    packs_dir, db, library
) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MockScreen)
        interview = screen.interview
        total = interview.total_seconds
        first_budget = interview.slots[0].budget
        assert f"{int(total // 60)}:{int(total % 60):02d} left" in text_of(screen, "#mock-total")

        clock.advance(20)
        screen.tick()
        left = total - 20
        assert f"{int(left // 60)}:{int(left % 60):02d} left" in text_of(screen, "#mock-total")
        q_left = first_budget - 20
        assert f"0:{int(q_left):02d} left of" in text_of(screen, "#mock-question")

        answers = {}
        for slot in list(interview.slots):
            assert interview.slots[interview.current] is slot
            params = params_of(library, slot.qid, slot.seed)
            name = slot.qid.split("/")[-1]
            text = (
                wrong_answer(slot.qid, params)
                if name == "score-memory"
                else correct_answer(slot.qid, params)
            )
            answers[slot.qid] = text
            # Nothing says right or wrong while the interview runs.
            await answer_current(pilot, screen, text)
            assert "correct" not in text_of(screen, "#mock-echo").lower()
            clock.advance(10)
        assert interview.responses == [answers[s.qid] for s in interview.slots]

        await pilot.press("f10")
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
        report = app.screen.report
        status = {it.qid.split("/")[-1]: it.status for it in report.items}
        assert status.pop("score-memory") == WRONG
        assert status.pop("why-quadratic") == UNGRADED
        assert set(status.values()) == {CORRECT}
        assert (report.points, report.possible) == (4, 5)
        assert "Score: 4 / 5 (80%)" in app.screen.markdown

    with Store.open(db) as store:
        attempts = store.attempts(mode="mock")
        assert len(attempts) == 6
        assert store.load_unfinished_mock() is None
        (session,) = store.mock_history()
        assert session.score == pytest.approx(0.8)


@run_async
async def test_time_up_takes_the_answer_on_screen_and_the_rest_are_unanswered(
    packs_dir, db, library
) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock, minutes=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        first, second = interview.slots[0], interview.slots[1]
        clock.advance(30)
        await answer_current(
            pilot, screen, correct_answer(first.qid, params_of(library, first.qid, first.seed))
        )
        typed = correct_answer(second.qid, params_of(library, second.qid, second.seed))
        await answer_current(pilot, screen, typed, submit=False)  # typed, never submitted
        clock.advance(31)
        screen.tick()
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
        report = app.screen.report
        assert report.ended == "time"
        assert report.used_seconds == 60
        by_qid = {it.qid: it for it in report.items}
        assert by_qid[first.qid].status == CORRECT
        assert by_qid[second.qid].status == CORRECT  # the answer as it stood
        assert by_qid[second.qid].response == typed
        assert [it.status for it in report.items[2:]] == [UNANSWERED] * 4
        assert "ended: time ran out" in report_markdown(report)


@run_async
async def test_resume_after_the_app_dies_continues_with_the_time_left(
    packs_dir, db, library
) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        slots = list(interview.slots)
        clock.advance(25)
        first_answer = correct_answer(slots[0].qid, params_of(library, slots[0].qid, slots[0].seed))
        await answer_current(pilot, screen, first_answer)
        await pilot.press("ctrl+f")  # flag question 2
        clock.advance(15)
        await answer_current(pilot, screen, "12", submit=False)
        clock.advance(6)
        screen.tick()  # autosave (5 s of interview time passed since the last save)
        remaining_at_death = interview.remaining()
        assert remaining_at_death == interview.total_seconds - 46
        # The app dies here: no leaving, no saving.

    clock.advance(3600)  # an hour later the user comes back; the clock did not run
    app = make_app(packs_dir, db, clock, resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MockScreen)
        again = screen.interview
        assert [s.qid for s in again.slots] == [s.qid for s in slots]
        assert again.remaining() == remaining_at_death
        assert again.responses[0] == first_answer
        assert again.flags[1] is True
        assert again.current == 1
        assert screen.current_text() == "12"  # the draft is back in the box
        await pilot.press("ctrl+s")
        await pilot.pause()
        clock.advance(remaining_at_death)
        screen.tick()
        await settle(app, pilot)
        report = app.screen.report
        assert report.items[0].response == first_answer
        assert report.items[1].response == "12" and report.items[1].flagged
        assert report.used_seconds == report.total_seconds


@run_async
async def test_the_home_screen_offers_to_resume_an_unfinished_interview(packs_dir, db) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "enter")
        await pilot.pause()
        session = app.screen.interview.session_id
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, MockScreen)
        assert app.screen.interview.session_id == session
        assert app.screen.interview.responses[0] == "1"


@run_async
async def test_resuming_when_time_has_run_out_goes_straight_to_the_report(packs_dir, db) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await answer_current(pilot, screen, "5", submit=False)
        clock.advance(screen.interview.total_seconds - 1)
        screen.tick()
        screen._save()
        await settle(app, pilot)  # the save, in its worker, is written
        screen.interview.tick(clock.now + 5)  # time runs out after the last save; then a crash
    with Store.open(db) as store:
        session_id, state = store.load_unfinished_mock()
        state["remaining_seconds"] = 0  # e.g. killed at the very end
        store.save_mock_state(session_id, state)
    app = make_app(packs_dir, db, clock, resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
        assert app.screen.report.ended == "time"
        assert app.screen.report.items[0].response == "5"


@run_async
async def test_export_from_the_report_writes_the_markdown(packs_dir, db, tmp_path) -> None:
    clock = FakeClock()
    target = tmp_path / "out" / "report.md"
    app = make_app(packs_dir, db, clock, questions=2, export=str(target))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f10", "y")
        await settle(app, pilot)
        report_screen = app.screen
        assert isinstance(report_screen, MockReportScreen)
        # The --export path is written as soon as the report is ready ...
        assert target.read_text(encoding="utf-8") == report_markdown(report_screen.report)
        # ... and the export action writes again on demand.
        target.unlink()
        await pilot.press("x")
        await pilot.pause()
        text = target.read_text(encoding="utf-8")
        assert "Score: 0 / 2 (0%)" in text
        assert text.count("— unanswered") == 2
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MockReportScreen | MockScreen)


@run_async
async def test_recall_and_choice_widgets_take_answers(packs_dir, db) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock, topics=["complexity", "scoring"], questions=3)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        kinds = [s.kind for s in screen.interview.slots]
        assert sorted(kinds) == ["big_o", "choice", "recall"]
        for slot in list(screen.interview.slots):
            widget = screen._answer_widget
            expected_widget = {"choice": SelectionList, "recall": TextArea, "big_o": Input}
            assert isinstance(widget, expected_widget[slot.kind])
            await answer_current(
                pilot, screen, {"choice": "b", "recall": "pairs"}.get(slot.kind, "n^2*d")
            )
        assert sorted(r for r in screen.interview.responses) == ["b", "n^2*d", "pairs"]


async def go_to(pilot, screen: MockScreen, name: str) -> None:
    index = next(i for i, s in enumerate(screen.interview.slots) if s.qid.endswith(name))
    screen.goto(index)
    await pilot.pause()


@run_async
async def test_an_unreadable_answer_is_refused_at_no_cost(packs_dir, db, library) -> None:
    """`banana` on a Big-O question: the question stays, nothing is counted, then fixed."""
    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        await go_to(pilot, screen, "attention-order")
        index = interview.current
        await answer_current(pilot, screen, "banana")
        await settle(app, pilot)
        assert interview.current == index and interview.responses[index] is None
        assert "not submitted" in text_of(screen, "#mock-echo")
        assert screen.current_text() == "banana"  # kept, to be fixed
        await pilot.press(*["backspace"] * 6)
        slot = interview.slots[index]
        await answer_current(pilot, screen, correct_answer(slot.qid, {}))
        await settle(app, pilot)
        assert interview.responses[index] is not None and interview.current != index


@run_async
async def test_esc_asks_then_pauses_and_m_offers_the_interview_back(packs_dir, db) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MockScreen)
        await answer_current(pilot, screen, "1")
        await settle(app, pilot)
        session = screen.interview.session_id
        left = screen.interview.remaining()
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MockChoiceScreen"  # asks first
        await pilot.press("escape")  # no: back to the interview, nothing lost
        await pilot.pause()
        assert app.screen is screen and not screen.interview.finished
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        clock.advance(600)  # time away does not count

        await pilot.press("m")
        await settle(app, pilot)
        assert "paused mock interview" in str(app.screen.query_one("#choice-text").render())
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MockScreen)
        assert screen.interview.session_id == session
        assert screen.interview.remaining() == left
        assert screen.interview.responses[0] == "1"


@run_async
async def test_starting_a_new_interview_asks_and_grades_the_paused_one(packs_dir, db) -> None:
    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
        await settle(app, pilot)
        first = app.screen.interview.session_id
        await answer_current(pilot, app.screen, "1")
        await pilot.press("escape", "y")
        await settle(app, pilot)
        clock.advance(60)
        app.action_mock({"packs": ["mockpack"], "seed": 4, "questions": 6})
        await settle(app, pilot)
        assert type(app.screen).__name__ == "MockChoiceScreen"  # asks before anything
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, MockScreen)
        assert app.screen.interview.session_id != first
    with Store.open(db) as store:
        (old,) = store.mock_history()  # graded, with a report: not dropped
        assert old.id == first and old.report is not None
        attempts = store.attempts(mode="mock", session_id=first)
        answered = [a for a in attempts if not a.skipped]
        assert [a.response for a in answered] == ["1"]
        # The app's clock: the answer when it was given, the questions left blank at the end.
        assert [a.ts.timestamp() for a in answered] == [clock.now - 60]
        assert {a.ts.timestamp() for a in attempts if a.skipped} == {clock.now}


@run_async
async def test_an_interview_open_in_another_window_is_taken_over_only_when_asked(
    packs_dir, db
) -> None:
    from datetime import UTC, datetime

    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
        await settle(app, pilot)
        await pilot.press("escape", "y")
        await settle(app, pilot)
        store = app.store
        now = datetime.fromtimestamp(clock.now, UTC)
        # Another window (another process, the same data folder) opens it.
        assert store.take_lease("other-window", None, now, 30, force=False) is None

        await pilot.press("m")
        await settle(app, pilot)
        assert "open in another quizapp window" in str(
            app.screen.query_one("#choice-text").render()
        )
        await pilot.press("escape")  # not taken
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert store.lease().owner == "other-window"

        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MockScreen) and screen.interview is not None
        assert store.lease().owner == app.instance_id

        # The other window takes it back; this one notices at its next heartbeat.
        clock.advance(6)
        store.take_lease("other-window", None, datetime.fromtimestamp(clock.now, UTC), 30, True)
        saved = store.load_unfinished_mock()
        screen.tick()
        await settle(app, pilot)
        assert screen.interview is None
        assert "taken over by another" in screen.query_one("#mock-prompt").source
        clock.advance(10)
        screen.tick()  # writes nothing any more
        assert store.load_unfinished_mock() == saved


@run_async
async def test_a_recall_answer_is_graded_in_the_report_and_then_counts(
    packs_dir, db, library
) -> None:
    from conftest import footer_keys

    from quizapp.scheduling import next_due

    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        for slot in list(interview.slots):
            params = params_of(library, slot.qid, slot.seed)
            await answer_current(pilot, screen, correct_answer(slot.qid, params))
            clock.advance(10)
        await pilot.press("f10", "y")
        await settle(app, pilot)
        report_screen = app.screen
        assert isinstance(report_screen, MockReportScreen)
        assert (report_screen.report.points, report_screen.report.possible) == (5, 5)
        bar = text_of(report_screen, "#report-grade-text")
        recall = next(it for it in report_screen.report.items if it.kind == "recall")
        assert f"Grade recall answer {recall.number} against its model answer" in bar
        assert "Help" in footer_keys(report_screen)
        await pilot.press("2")  # hard: 0.6, as in practice
        await settle(app, pilot)
        report = report_screen.report
        assert (report.points, report.possible) == (pytest.approx(5.6), 6)
        assert "Score: 5.6 / 6 (93%)" in report_screen.markdown
        assert "you graded it hard" in report_screen.markdown
        assert not report_screen.query_one("#report-grade").display
        assert "93%" in text_of(report_screen, "#report-title")

    with Store.open(db) as store:
        assert next_due(store, recall.qid) is not None  # scheduled like any reviewed answer
        (session,) = store.mock_history()
        assert session.score == pytest.approx(5.6 / 6)  # the trend sees the graded score
        graded = [a for a in store.attempts(mode="mock") if a.question_id == recall.qid]
        # The ungraded attempt the interview's end kept is completed: one answer, one attempt.
        assert [(a.valid, a.score) for a in graded] == [(True, pytest.approx(0.6))]


@run_async
async def test_the_set_up_names_its_fields_and_hides_the_interview_keys(packs_dir, db) -> None:
    from conftest import footer_keys

    app = create_app([str(packs_dir)], store_path=str(db), clock=FakeClock(), start="mock")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        labels = [str(label.render()) for label in screen.query(".setup-field Label")]
        assert labels == ["Questions", "Minutes", "Topics"]
        for field in screen.query("#mock-setup Input").results(Input):
            # The whole placeholder fits in the box (2 columns of border, 1 of padding each).
            assert len(field.placeholder) <= field.size.width - 4, field.placeholder
        keys = footer_keys(screen)
        assert not {"Skip", "Flag", "Finish", "Submit"} & set(keys) and "Help" in keys


@run_async
async def test_mock_dialogs_show_their_keys_over_their_own_footer(packs_dir, db) -> None:
    from conftest import footer_keys
    from textual.widgets import Button

    from quizapp.tui.screens.mock import ConfirmFinishScreen, MockChoiceScreen

    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(ConfirmFinishScreen(2))
        await pilot.pause()
        assert [str(b.label) for b in app.screen.query(Button)] == ["Finish [y]", "Go on [n]"]
        assert {"Finish", "Go on"} <= set(footer_keys(app.screen))
        assert "Skip" not in footer_keys(app.screen)  # not the interview's keys underneath
        await pilot.press("n")
        app.push_screen(MockChoiceScreen("Pause?", [("y", "Pause", "pause")]))
        await pilot.pause()
        assert [str(b.label) for b in app.screen.query(Button)] == ["Pause [y]", "Back [Esc]"]
        assert "Skip" not in footer_keys(app.screen)


@run_async
async def test_unanswered_questions_leave_accuracy_and_new_counts_alone(
    packs_dir, db, library
) -> None:
    """One right answer, five unanswered: home shows 100 % and five questions still new."""
    from textual.widgets import DataTable

    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
        await settle(app, pilot)
        screen = app.screen
        first = screen.interview.slots[0]
        params = params_of(library, first.qid, first.seed)
        await answer_current(pilot, screen, correct_answer(first.qid, params))
        await settle(app, pilot)
        await pilot.press("f10", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        table = app.screen.query_one("#packs-table", DataTable)
        row = [str(c) for c in table.get_row("pack:mockpack")]
        total = len(library.questions)
        # pack, questions, due, new, accuracy
        assert row[:5] == ["mockpack", str(total), "0", str(total - 1), "100%"]
        summary = str(app.screen.query_one("#home-summary", Static).render())
        assert "accuracy 100%" in summary


@run_async
async def test_a_grading_that_cannot_be_saved_says_so_and_f10_tries_again(
    packs_dir, db, library, monkeypatch
) -> None:
    import sqlite3

    import quizapp.mock

    real = quizapp.mock.grade_interview
    calls = []

    def busy_once(interview, library):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(interview, library)

    monkeypatch.setattr(quizapp.mock, "grade_interview", busy_once)
    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await answer_current(pilot, screen, "1")
        await pilot.press("f10", "y")
        await settle(app, pilot)
        assert app.screen is screen
        assert "database is busy" in screen.query_one("#mock-prompt").source
        await pilot.press("f10")
        await settle(app, pilot)
        assert isinstance(app.screen, MockReportScreen)
    with Store.open(db) as store:
        assert len(store.mock_history()) == 1


@run_async
async def test_keys_typed_in_a_burst_keep_their_order(packs_dir, db) -> None:
    """Ctrl+U, `n^2`, Enter arriving together (fast typing, a paste, tmux) submit `n^2`.

    Textual runs an Input's own bindings (Ctrl+U, Enter) only after the key has bubbled to
    the app, so a plain Input cleared the `n^2` typed after Ctrl+U and submitted an empty
    box: the mock took that as "no answer" and moved on, losing the answer.
    """
    from textual import events

    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        await go_to(pilot, screen, "attention-order")
        index = interview.current
        await type_text(pilot, "banana")
        keys = [("ctrl+u", None), ("n", "n"), ("circumflex_accent", "^"), ("2", "2")]
        for key, char in [*keys, ("enter", "\r")]:
            app.post_message(events.Key(key, char))  # all queued before any is handled
        await settle(app, pilot)
        assert interview.responses[index] == "n^2"
        assert interview.current != index


def saved_state(db: Path) -> dict:
    """The interview state in the database file itself (what a resume would read)."""
    import json
    import sqlite3

    with sqlite3.connect(db) as conn:
        (state,) = conn.execute("SELECT state FROM mock_sessions WHERE finished IS NULL").fetchone()
    return json.loads(state)


@run_async
async def test_a_database_locked_by_another_process_never_freezes_the_interview(
    packs_dir, db, library, monkeypatch
) -> None:
    """Saves run off the UI thread: while another process holds the database the clock
    runs and keys work; the failed save says so, is tried again on the next tick, and
    once the lock is gone the database has the answer typed meanwhile."""

    from db_lock import locked_database

    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        interview = screen.interview
        store = app.store
        store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
        store_calls_on_ui_thread = watch(
            store, monkeypatch, ("lease", "save_mock_state", "heartbeat")
        )

        with locked_database(db):
            before = text_of(screen, "#mock-total")
            clock.advance(6)  # an autosave and a lease heartbeat are due
            screen.tick()
            await settle(app, pilot)
            assert text_of(screen, "#mock-total") != before
            assert any("Could not save" in n.message for n in app._notifications)

            first = interview.current
            slot = interview.slots[first]
            text = correct_answer(slot.qid, params_of(library, slot.qid, slot.seed))
            await answer_current(pilot, screen, text)
            await settle(app, pilot)
            assert interview.responses[first] == text and interview.current != first
            ticking = text_of(screen, "#mock-total")
            clock.advance(1)
            screen.tick()
            await settle(app, pilot)
            assert text_of(screen, "#mock-total") != ticking
            assert store_calls_on_ui_thread == []
            assert saved_state(db)["responses"][first] is None  # nothing could be written

        clock.advance(1)
        screen.tick()  # the next tick tries again
        await settle(app, pilot)
        assert saved_state(db)["responses"][first] == text
        assert any("saved again" in n.message for n in app._notifications)
        assert store_calls_on_ui_thread == []


async def open_at(app, pilot, name: str):
    """The mock screen, its interview and the index of question `name`, shown."""
    await settle(app, pilot)
    screen = app.screen
    await go_to(pilot, screen, name)
    return screen, screen.interview, screen.interview.current


async def clear_and_submit(pilot) -> None:
    await pilot.press("ctrl+u", "enter")
    await pilot.pause()


@run_async
async def test_an_empty_enter_asks_before_it_clears_an_answer(packs_dir, db) -> None:
    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen, interview, index = await open_at(app, pilot, "attention-order")
        await answer_current(pilot, screen, "O(n^2 d)")
        await settle(app, pilot)
        assert interview.responses[index] == "O(n^2 d)" and interview.current != index

        await go_to(pilot, screen, "attention-order")
        await clear_and_submit(pilot)
        assert text_of(screen, "#mock-echo") == (
            f"Empty: press Enter again to clear your answer to Q{index + 1}, or type a new one"
        )
        assert interview.responses[index] == "O(n^2 d)" and interview.current == index
        assert saved_state(db)["responses"][index] == "O(n^2 d)"

        # Typing in between asks again: only an Enter right after the question clears.
        await type_text(pilot, "n")
        await clear_and_submit(pilot)
        assert interview.responses[index] == "O(n^2 d)" and interview.current == index

        await pilot.press("enter")
        await settle(app, pilot)
        assert interview.responses[index] is None
        assert saved_state(db)["responses"][index] is None


@run_async
async def test_an_empty_enter_on_an_unanswered_question_moves_on(packs_dir, db) -> None:
    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen, interview, index = await open_at(app, pilot, "attention-order")
        await clear_and_submit(pilot)
        await settle(app, pilot)
        assert interview.responses[index] is None and interview.current != index
        assert "Empty" not in text_of(screen, "#mock-echo")


@run_async
async def test_quitting_saves_what_is_on_screen_at_once(packs_dir, db) -> None:
    """No tick, no worker left to run: leaving the app still writes the last state."""
    clock = FakeClock()
    app = make_app(packs_dir, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        _screen, interview, index = await open_at(app, pilot, "attention-order")
        clock.advance(2)
        await type_text(pilot, "O(n^2 d)")
        await pilot.pause()
        left = interview.remaining(clock.now)
        await app.action_quit()
    state = saved_state(db)
    assert state["drafts"][index] == "O(n^2 d)" and state["current"] == index
    assert state["remaining_seconds"] == pytest.approx(left)


async def start_from_home(app, pilot) -> MockScreen:
    """The seeded interview started from the home screen (so leaving it goes back home)."""
    await settle(app, pilot)
    app.action_mock({"packs": ["mockpack"], "seed": 3, "questions": 6})
    await settle(app, pilot)
    assert isinstance(app.screen, MockScreen)
    return app.screen


async def answer_first(pilot, screen, library) -> tuple[int, str]:
    interview = screen.interview
    first = interview.current
    slot = interview.slots[first]
    text = correct_answer(slot.qid, params_of(library, slot.qid, slot.seed))
    await answer_current(pilot, screen, text)
    return first, text


@run_async
async def test_pausing_shows_it_is_saving_and_leaves_once_saved(
    packs_dir, db, library, monkeypatch
) -> None:
    import threading

    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(app, pilot)
        interview = screen.interview
        first, text = await answer_first(pilot, screen, library)
        await settle(app, pilot)
        store = app.store
        on_ui = watch(store, monkeypatch, ("lease", "save_mock_state", "release_lease"))
        gate = threading.Event()
        real_save = store.save_mock_state

        def held(*args, **kwargs):
            assert gate.wait(timeout=60)  # a bound for a broken test, not a timing check
            return real_save(*args, **kwargs)

        monkeypatch.setattr(store, "save_mock_state", held)
        left = interview.remaining(clock.now)
        await pilot.press("escape", "y")
        await pilot.pause()
        assert app.screen is screen and "saving" in text_of(screen, "#mock-title")
        clock.advance(30)  # the clock is stopped while it saves
        screen.tick()
        await answer_current(pilot, screen, "1")  # keys wait: nothing is answered meanwhile
        assert interview.remaining(clock.now) == left
        gate.set()
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert any("paused and saved" in n.message for n in app._notifications)
        assert on_ui == []
        assert store.lease() is None  # released: another window may open it at once
    state = saved_state(db)
    assert state["responses"][first] == text
    assert sum(r is not None for r in state["responses"]) == 1
    assert state["remaining_seconds"] == pytest.approx(left)


@run_async
async def test_pausing_with_a_locked_database_keeps_the_interview_on_screen(
    packs_dir, db, library, monkeypatch
) -> None:
    """Esc → pause never waits for the database on the UI thread; a save that fails says
    so and the interview stays, running, with every answer; the next pause saves it."""
    from db_lock import locked_database

    clock = FakeClock()
    app = make_app(packs_dir, db, clock, start="home")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_from_home(app, pilot)
        interview = screen.interview
        store = app.store
        store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
        on_ui = watch(
            store, monkeypatch, ("lease", "save_mock_state", "release_lease", "heartbeat")
        )
        with locked_database(db):
            first, text = await answer_first(pilot, screen, library)
            await pilot.press("escape", "y")
            await settle(app, pilot)
            assert app.screen is screen  # not left with an unsaved interview
            assert any(
                "not paused" in n.message.lower() and "locked" in n.message
                for n in app._notifications
            )
            assert interview.responses[first] == text and not interview.finished
            assert interview.running  # the clock runs again, as on screen
            assert "saving" not in text_of(screen, "#mock-title")
            ticking = text_of(screen, "#mock-total")
            clock.advance(1)
            screen.tick()
            assert text_of(screen, "#mock-total") != ticking
            assert saved_state(db)["responses"][first] is None  # nothing could be written
        left = interview.remaining(clock.now)
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert on_ui == []
    state = saved_state(db)
    assert state["responses"][first] == text
    assert state["remaining_seconds"] == pytest.approx(left)


async def report_with_a_recall_answer(app, pilot, library):
    """Answer every question right, finish: the report screen, its recall answer waiting."""
    screen = await start_from_home(app, pilot)
    for slot in list(screen.interview.slots):
        params = params_of(library, slot.qid, slot.seed)
        await answer_current(pilot, screen, correct_answer(slot.qid, params))
    await pilot.press("f10", "y")
    await settle(app, pilot)
    assert isinstance(app.screen, MockReportScreen)
    return app.screen


def refuse_finish(store, monkeypatch, times: int) -> list[int]:
    """`store.finish_mock` fails as on a locked database the first `times` calls."""
    import sqlite3

    real = store.finish_mock
    calls: list[int] = []

    def locked(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise sqlite3.OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "finish_mock", locked)
    return calls


@pytest.mark.parametrize("refused", [1, 2])
@run_async
async def test_a_graded_report_the_database_refused_is_saved_on_leaving(
    packs_dir, db, library, monkeypatch, refused
) -> None:
    """The grade's write fails: it says so; leaving tries again (in a worker) and goes
    home once written; when that fails too it stays and says so, and Esc again leaves."""
    app = make_app(packs_dir, db, FakeClock(), start="home")
    async with app.run_test(size=SIZE) as pilot:
        report_screen = await report_with_a_recall_answer(app, pilot, library)
        store = app.store
        calls = refuse_finish(store, monkeypatch, times=refused)
        on_ui = watch(store, monkeypatch, ("finish_mock",))
        await pilot.press("2")  # hard
        await settle(app, pilot)
        assert "Score: 5.6 / 6" in report_screen.markdown  # the screen has the grade
        assert any("not saved" in n.message and "locked" in n.message for n in app._notifications)
        (session,) = store.mock_history()
        assert session.score == 1.0  # the database still has the report before the grade
        await pilot.press("escape")  # leaving tries again
        await settle(app, pilot)
        assert len(calls) == 2 and on_ui == []
        if refused == 2:
            assert app.screen is report_screen
            assert any("Esc again" in n.message for n in app._notifications)
            assert "saving" not in text_of(report_screen, "#report-title")
            await pilot.press("escape")
            await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        (session,) = store.mock_history()
        if refused == 1:
            assert session.score == pytest.approx(5.6 / 6)
            assert "you graded it hard" in report_markdown(Report.from_dict(session.report))
        else:
            assert session.score == 1.0 and len(calls) == 2  # left without it, as told


@run_async
async def test_two_quick_grades_leave_the_newest_report_in_the_history(
    packs_dir, db, library, monkeypatch
) -> None:
    """The first grade's write waits for the database; the second grade's report, not the
    first's, is what the history keeps once both writes are done."""
    import asyncio
    import threading
    from dataclasses import replace

    app = make_app(packs_dir, db, FakeClock(), start="home")
    async with app.run_test(size=SIZE) as pilot:
        finished = await report_with_a_recall_answer(app, pilot, library)
        # A second recall answer waiting for its grade (the pack has one recall question).
        items = list(finished.report.items)
        number = next(i for i, it in enumerate(items) if it.kind == "number")
        items[number] = replace(items[number], kind="recall", status=UNGRADED, counted=False)
        report = replace(finished.report, items=items)
        assert len(self_gradable(report)) == 2
        await app.push_screen(MockReportScreen(report))
        await pilot.pause()
        screen = app.screen
        store = app.store
        writing, release = threading.Event(), threading.Event()
        real = store.finish_mock
        written: list[float] = []

        def first_waits(*args, **kwargs):
            if not written:
                written.append(args[2])
                writing.set()
                assert release.wait(timeout=60)  # a bound for a broken test only
            else:
                written.append(args[2])
            return real(*args, **kwargs)

        monkeypatch.setattr(store, "finish_mock", first_waits)
        await pilot.press("3")
        assert await asyncio.to_thread(writing.wait, 60)
        await pilot.press("3")
        await pilot.pause()
        release.set()
        await settle(app, pilot)
        assert self_gradable(screen.report) == []
        (session,) = store.mock_history()
        saved = Report.from_dict(session.report)
        assert [it.self_grade for it in saved.items if it.kind == "recall"] == ["good", "good"]
        assert session.score == pytest.approx(screen.report.score)


def test_the_screens_grade_recall_with_the_engine_s_ratings_in_its_order() -> None:
    """One list of ratings (the engine's) behind practice's and the report's keys."""
    from engine.answers import SELF_GRADES
    from quizapp.tui.screens.practice import GRADES

    grading = [b for b in MockReportScreen.BINDINGS if b.action.startswith("grade(")]
    report_keys = [(b.key, b.action.split("'")[1]) for b in grading]
    assert report_keys == [(str(k), g) for k, g in enumerate(SELF_GRADES, start=1)]
    assert tuple(GRADES) == tuple(SELF_GRADES)


def test_opening_the_mock_screen_does_not_import_sympy() -> None:
    """`quizapp mock` opens this screen before the warm-up worker: no sympy on the UI thread."""
    import subprocess
    import sys

    code = "import sys, quizapp.tui.screens.mock; print('sympy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


@run_async
async def test_going_back_to_a_draft_and_typing_adds_to_it(packs_dir, db) -> None:
    """The answer box does not select its text when it shows a draft again: the next key
    goes after the draft instead of replacing all of it."""
    app = make_app(packs_dir, db, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen, interview, index = await open_at(app, pilot, "attention-order")
        await type_text(pilot, "O(n^2")
        await pilot.press("ctrl+n")  # skip: the draft is kept
        await pilot.pause()
        assert interview.current != index
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert interview.current == index
        await type_text(pilot, " d)")
        assert screen.current_text() == "O(n^2 d)"
