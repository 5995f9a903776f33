"""No answer is lost when the app quits or its terminal closes.

Answers given while another process holds the history's write lock wait in the app's
`Recorder`; these tests quit in every way (Ctrl+Q, a closed terminal, `kill`, a crash
that leaves only the spool on disk) and then start again on the same folder, where the
answers must be in the history at the moment they were given, once each.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FakeClock, make_app, settle
from conftest import sync as run_async
from db_lock import locked_database
from test_recording import break_recording_of
from textual.widgets import Input

from quizapp.locations import unsaved_answers_dir
from quizapp.recording import Answer, Recorder, record
from quizapp.spool import UNREADABLE, Spool
from quizapp.store import Store
from quizapp.tui.screens.practice import PracticeScreen
from quizapp.tui.widgets.dialogs import ChoiceScreen

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FLOPS, BIG_O = "tui-basics/score-flops", "tui-basics/score-big-o"


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def answer(qid: str = "p/a", **kw) -> Answer:
    base = {"mode": "practice", "pack": "p", "topics": ("t",), "kind": "number", "seed": 1}
    return Answer(question_id=qid, **{**base, "correct": True, "score": 1.0, **kw})


def spool_files(db: Path) -> list[Path]:
    return sorted(unsaved_answers_dir(db).glob("*.json"))


# --------------------------------------------------------------------------- the TUI


async def start_practice(app, pilot) -> PracticeScreen:
    await settle(app, pilot)
    await app.wait_library()
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, PracticeScreen) and screen.question is not None
    return screen


async def answer_right(app, pilot, screen: PracticeScreen) -> str:
    """Answer the question on screen rightly (QKᵀ FLOPs or its Big-O); returns its id."""
    qid = screen.question.qid
    if qid == FLOPS:
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        text = str(2 * n * n * d)
    else:
        text = "O(n^2 d)"
    field = screen.query_one("#answer", Input)
    field.value = text
    await pilot.press("enter")
    await settle(app, pilot)
    return qid


@run_async
async def test_ctrl_q_with_answers_waiting_keeps_them_for_the_next_start(tmp_path, monkeypatch):
    """Two answers while another process holds the lock, Ctrl+Q: the bounded save fails,
    the dialog says where they are; quit. The next start saves both, at their moments."""
    import quizapp.tui.app as app_module

    monkeypatch.setattr(app_module, "QUIT_SAVE_WAIT", 0.05)  # the lock stays: fail at once
    db = tmp_path / "history.sqlite3"
    clock = FakeClock()
    Store.open(db).close()  # an existing history, as the other process finds it
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    given: list[tuple[str, datetime]] = []
    with locked_database(db):
        async with app.run_test(size=(100, 34)) as pilot:
            screen = await start_practice(app, pilot)
            app.store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast, not after 5 s
            for _ in range(2):
                clock.advance(40)
                given.append((await answer_right(app, pilot, screen), app.now()))
                await pilot.press("ctrl+n")
                await settle(app, pilot)
            assert app.recorder.waiting == 2
            await pilot.press("ctrl+q")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)  # not gone silently
            said = str(app.screen.text)
            assert "2 answers are not saved yet" in said and "busy" in said
            assert str(unsaved_answers_dir(db)) in said and "when quizapp starts next" in said
            await pilot.press("q")
            await settle(app, pilot)
        assert app._exit  # it did quit
    assert rows(db, "SELECT count(*) FROM attempts") == [(0,)]
    assert len(spool_files(db)) == 2

    again = make_app(tmp_path, FakeClock(clock.now + 3600), start="home")
    async with again.run_test(size=(100, 34)) as pilot:
        await settle(again, pilot)
        await again.wait_library()
        await settle(again, pilot)
        notes = [n.message for n in again._notifications]
    assert any("2 answers given while the history was busy were saved now" in n for n in notes)
    written = rows(db, "SELECT question_id, ts FROM attempts ORDER BY id")
    assert [(q, datetime.fromisoformat(ts)) for q, ts in written] == given
    reviews = rows(db, "SELECT question_id, ts FROM review_log ORDER BY id")
    assert [(q, datetime.fromisoformat(ts)) for q, ts in reviews] == given
    assert spool_files(db) == []


@run_async
async def test_ctrl_q_with_answers_in_memory_only_warns_they_would_be_lost(tmp_path, monkeypatch):
    """The spool cannot be written either (a full disk, say): Ctrl+Q says what quitting
    loses, and its default is to try again, not to quit."""
    import quizapp.tui.app as app_module

    monkeypatch.setattr(app_module, "QUIT_SAVE_WAIT", 0.05)
    db = tmp_path / "history.sqlite3"
    Store.open(db).close()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = make_app(tmp_path, FakeClock(), start="practice", packs=["tui-basics"])
    app.recorder.spool = Spool(blocker / "unsaved")  # cannot be made: a file is in the way
    with locked_database(db):
        async with app.run_test(size=(100, 34)) as pilot:
            screen = await start_practice(app, pilot)
            app.store._conn.execute("PRAGMA busy_timeout = 50")
            await answer_right(app, pilot, screen)
            await pilot.press("ctrl+q")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)
            said = str(app.screen.text)
            assert "memory only" in said and "If you quit now it is lost" in said
            await pilot.press("enter")  # the default button: try again, still busy
            await settle(app, pilot)
            tries = [n for n in app._notifications if "Saving the answers" in n.message]
            assert len(tries) == 2 and not app._exit
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("escape")  # stay
            await settle(app, pilot)
            assert app.screen is screen and app.recorder.waiting == 1


@pytest.mark.parametrize("spool_blocked", [False, True])
@run_async
async def test_a_history_that_cannot_be_opened_says_where_answers_go(tmp_path, spool_blocked):
    """The history is a folder, not a database: the banner says the answers wait in the
    spool folder next to it (saved by a later start), not "lost when you quit", as long as
    that folder takes files; when it does not, memory only. An answer given then is in the
    spool, and a later start with a working history saves it at the moment it was given."""
    db = tmp_path / "history.sqlite3"
    db.mkdir()  # cannot be opened as a database
    folder = unsaved_answers_dir(db)
    if spool_blocked:
        folder.write_text("")  # a file where the folder should be
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        banner = app.banner or ""
        assert "could not be opened" in banner
        if spool_blocked:
            assert "memory only" in banner and "lost when you quit" in banner
            return
        assert str(folder) in banner and "lost" not in banner and "memory" not in banner
        answered = clock.now
        qid = await answer_right(app, pilot, screen)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceScreen)
        said = str(app.screen.text)  # no promise the next start cannot keep
        assert str(folder) in said and "once the history can be opened" in said
        assert "next time" not in said and "starts next" not in said
        await pilot.press("q")
    assert len(spool_files(db)) == 1
    db.rmdir()  # the history can be opened again
    again = make_app(tmp_path, FakeClock(clock.now + 3600), start="home")
    async with again.run_test(size=(100, 34)) as pilot:
        await settle(again, pilot)
    with Store.open(db) as history:
        saved = [(a.question_id, a.ts) for a in history.attempts()]
    assert saved == [(qid, datetime.fromtimestamp(answered, UTC))]
    assert spool_files(db) == []


@run_async
async def test_an_answer_saved_late_can_then_be_rated_and_undone(tmp_path):
    """The history was busy when the answer was given; once the retry saves it, the screen
    still showing that answer offers what a saved answer has: the rating row with its
    intervals, and undo (which takes the attempt back out of the history)."""
    db = tmp_path / "history.sqlite3"
    app = make_app(tmp_path, FakeClock(), start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        app.store._conn.execute("PRAGMA busy_timeout = 50")
        with locked_database(db):
            await answer_right(app, pilot, screen)
            assert app.recorder.waiting == 1
            assert not screen.query_one("#grade-buttons").display
        app._retry_waiting()  # what the app's 3 s timer does
        await settle(app, pilot)
        assert app.recorder.waiting == 0 and len(rows(db, "SELECT id FROM attempts")) == 1
        buttons = screen.query_one("#grade-buttons")
        assert buttons.display
        labels = [str(b.label) for b in buttons.query("Button")]
        assert any("·" in label for label in labels), labels  # each with its interval
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert rows(db, "SELECT id FROM attempts") == []
        assert any("Answer taken back" in (n.title or "") for n in app._notifications)


@run_async
async def test_a_question_answered_while_the_history_is_busy_does_not_come_back_as_new(
    tmp_path,
):
    """Two answers wait for the lock; the next question is a third one, not the first again
    (its card does not show it answered yet, but the recorder does)."""
    db = tmp_path / "history.sqlite3"
    app = make_app(tmp_path, FakeClock(), start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        app.store._conn.execute("PRAGMA busy_timeout = 50")
        with locked_database(db):
            asked = []
            for _ in range(2):
                asked.append(await answer_right(app, pilot, screen))
                await pilot.press("ctrl+n")
                await settle(app, pilot)
            assert app.recorder.waiting == 2
            assert screen.question is not None and screen.question.qid not in asked


@run_async
async def test_ctrl_q_once_the_database_is_free_saves_then_quits(tmp_path):
    db = tmp_path / "history.sqlite3"
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        app.store._conn.execute("PRAGMA busy_timeout = 50")
        with locked_database(db):
            qid = await answer_right(app, pilot, screen)
            assert app.recorder.waiting == 1 and len(spool_files(db)) == 1
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert not isinstance(app.screen, ChoiceScreen)
    assert app._exit
    assert rows(db, "SELECT question_id FROM attempts") == [(qid,)]
    assert spool_files(db) == []  # written: nothing left to replay


@run_async
async def test_a_closed_terminal_exits_without_asking_and_keeps_the_answers(tmp_path):
    """SIGHUP's handler: no dialog (nobody is there), the app exits; the answer is on disk."""
    db = tmp_path / "history.sqlite3"
    clock = FakeClock()
    Store.open(db).close()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    with locked_database(db):
        async with app.run_test(size=(100, 34)) as pilot:
            screen = await start_practice(app, pilot)
            app.store._conn.execute("PRAGMA busy_timeout = 50")
            clock.advance(25)
            qid = await answer_right(app, pilot, screen)
            moment = app.now()
            app.end_by_signal(signal.SIGHUP)
            await pilot.pause()
        assert app.ended_by == signal.SIGHUP and app.return_code == 128 + signal.SIGHUP
    again = make_app(tmp_path, FakeClock(), start="home")
    async with again.run_test(size=(100, 34)) as pilot:
        await settle(again, pilot)
        await again.wait_library()
        await settle(again, pilot)
    (written,) = rows(db, "SELECT question_id, ts FROM attempts")
    assert (written[0], datetime.fromisoformat(written[1])) == (qid, moment)


@run_async
async def test_a_start_while_the_history_is_still_busy_keeps_the_answers_waiting(tmp_path):
    """Kept answers found at a start that cannot write them yet: said, kept, and saved by
    the retries once the other process lets go (the packs are not held up meanwhile)."""
    db = tmp_path / "history.sqlite3"
    Store.open(db).close()
    Spool(unsaved_answers_dir(db)).keep(answer("p/a"), T0)
    app = make_app(tmp_path, FakeClock(), start="home")
    with ExitStack() as lock:
        lock.enter_context(locked_database(db))  # before the app starts: no race
        async with app.run_test(size=(100, 34)) as pilot:
            await settle(app, pilot)
            assert await app.wait_library() is not None
            await settle(app, pilot)
            notes = [n.message for n in app._notifications]
            waiting = "1 answer given while the history was busy is still waiting"
            assert any(waiting in n for n in notes)
            assert app.recorder.waiting == 1 and len(spool_files(db)) == 1
            lock.close()  # the other process lets go
            app._retry_waiting()  # what the retry timer does every few seconds
            await settle(app, pilot)
            assert app.recorder.waiting == 0
    assert rows(db, "SELECT question_id, ts FROM attempts") == [
        ("p/a", T0.isoformat(timespec="microseconds"))
    ]
    assert spool_files(db) == []


# --------------------------------------------------------------------------- a real process


def _drain(fd: int) -> None:
    """Read what the app draws, so its writes never block on a full terminal buffer."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def _wait_for(predicate, what: str, limit: float = 90.0) -> None:
    """Poll until `predicate()`; the limit only bounds a broken run (no timing is checked)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _lease(db: Path) -> list[tuple]:
    try:
        return rows(db, "SELECT owner, session FROM mock_lease")
    except sqlite3.Error:
        return []


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_real_quizapp_closed_or_killed_saves_and_releases_its_mock(tmp_path, signum):
    """`quizapp mock` in a terminal; the terminal closes (SIGHUP) or `kill` (SIGTERM):
    the process ends through the app's exit, so the interview is saved, paused, and its
    lease released (the next start does not say it is open elsewhere)."""
    pty = pytest.importorskip("pty")
    home = tmp_path / "home"
    db = home / "history.sqlite3"
    master, slave = pty.openpty()
    env = {**os.environ, "QUIZAPP_HOME": str(home), "TERM": "xterm-256color"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizapp", "mock", "--questions", "2", "--seed", "3"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    try:
        _wait_for(lambda: _lease(db) != [], "the interview to start")
        sent = time.time()
        os.kill(proc.pid, signum)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == 128 + signum
    assert _lease(db) == []
    ((state,),) = rows(db, "SELECT state FROM mock_sessions WHERE finished IS NULL")
    assert json.loads(state)["saved_at"] >= sent  # saved as it ended, not only at its start


# --------------------------------------------------------------------------- the spool


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "db.sqlite3", busy_timeout=0.2) as s:
        yield s


def test_a_refused_answer_is_on_disk_until_written(store) -> None:
    spool = Spool(unsaved_answers_dir(store.path))
    recorder = Recorder(store, lambda: T0, spool)
    with locked_database(store.path):
        given = answer()
        assert recorder.submit(given) is None
        assert len(spool_files(store.path)) == 1
        # What a crash now would leave: read back by a fresh spool, the answer and its moment.
        assert Spool(unsaved_answers_dir(store.path)).read().answers == [(given, T0)]
        assert recorder.message is not None and str(spool.folder) in recorder.message
    recorder.flush()
    assert spool_files(store.path) == [] and len(store.attempts()) == 1


def test_an_answer_replayed_after_it_was_written_is_written_once(store) -> None:
    """The write succeeded but the process died before its spool file went."""
    spool = Spool(unsaved_answers_dir(store.path))
    given = answer()
    spool.keep(given, T0)
    record(store, given, T0)
    replayed, _ = Recorder(store, lambda: T0, spool).take_kept()
    assert (replayed.saved, replayed.waiting, replayed.message) == (0, 0, None)
    assert len(store.attempts()) == 1 and len(store.review_log()) == 1
    assert spool_files(store.path) == []


def test_two_starts_replaying_together_write_each_answer_once(tmp_path) -> None:
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    spool = Spool(unsaved_answers_dir(db))
    for i, qid in enumerate(("p/a", "p/b", "p/c")):
        spool.keep(answer(qid), T0.replace(minute=i))
    start = threading.Barrier(2)
    saved: list[int] = []

    def start_app() -> None:
        with Store.open(db) as s:
            recorder = Recorder(s, lambda: T0, Spool(unsaved_answers_dir(db)))
            start.wait(timeout=30)
            saved.append(recorder.take_kept()[0].saved)

    threads = [threading.Thread(target=start_app) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(saved) == 3
    assert rows(db, "SELECT question_id, ts FROM attempts ORDER BY ts") == [
        ("p/a", T0.replace(minute=0).isoformat(timespec="microseconds")),
        ("p/b", T0.replace(minute=1).isoformat(timespec="microseconds")),
        ("p/c", T0.replace(minute=2).isoformat(timespec="microseconds")),
    ]
    assert rows(db, "SELECT count(*) FROM review_log") == [(3,)]


def test_an_answer_left_in_a_temporary_file_by_a_crash_is_replayed(store) -> None:
    """A process that stopped between writing an answer and renaming it into place left a
    temporary file: a whole answer is replayed, a partial one set aside (never deleted),
    and one a running process may still be writing (just now) left alone."""
    spool = Spool(unsaved_answers_dir(store.path))
    whole, partial, fresh = answer("p/whole"), answer("p/partial"), answer("p/fresh")
    paths = {a.question_id: spool.keep(a, T0) for a in (whole, partial, fresh)}
    temporaries = {qid: path.with_suffix(".tmp") for qid, path in paths.items()}
    for qid, path in paths.items():
        text = path.read_text(encoding="utf-8")
        temporaries[qid].write_text(text[: len(text) // 2] if qid == "p/partial" else text)
        path.unlink()
    an_hour_ago = time.time() - 3600
    for qid in ("p/whole", "p/partial"):
        os.utime(temporaries[qid], (an_hour_ago, an_hour_ago))
    replayed, _ = Recorder(store, lambda: T0, spool).take_kept()
    assert [a.question_id for a in store.attempts()] == ["p/whole"]
    assert store.attempts()[0].ts == T0
    assert replayed.saved == 1 and len(replayed.moved_aside) == 1
    assert [p.name for p in (spool.folder / UNREADABLE).iterdir()] == [paths["p/partial"].name]
    assert temporaries["p/fresh"].exists()  # maybe still being written: not touched


def test_an_unreadable_spool_file_is_moved_aside_with_a_message(store) -> None:
    spool = Spool(unsaved_answers_dir(store.path))
    spool.keep(answer("p/a"), T0)
    broken = spool.folder / "20250301T090001000000Z-1-00001-broken.json"
    broken.write_text('{"format": "quizapp-unsaved-answer", "answer": {"quest', encoding="utf-8")
    replayed, _ = Recorder(store, lambda: T0, spool).take_kept()
    assert replayed.saved == 1 and [a.question_id for a in store.attempts()] == ["p/a"]
    aside = spool.folder / UNREADABLE / broken.name
    assert aside.read_text(encoding="utf-8").endswith('"quest')  # kept, not deleted
    assert replayed.message is not None
    assert "1 kept answer could not be read" in replayed.message and str(aside) in replayed.message


def test_with_no_room_on_disk_the_message_says_memory_only(store, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    recorder = Recorder(store, lambda: T0, Spool(blocker / "spool"))
    with locked_database(store.path):
        assert recorder.submit(answer()) is None
        assert recorder.message is not None
        assert "memory only" in recorder.message and "lost if quizapp quits" in recorder.message
    recorder.flush()
    assert recorder.message is None and len(store.attempts()) == 1


def test_a_cli_command_that_writes_saves_the_kept_answers_first(tmp_path) -> None:
    """`quizapp plan` (it writes the interview date) starts by saving what waits on disk."""
    from click.testing import CliRunner

    from quizapp.cli import main
    from quizapp.locations import db_path

    db = db_path()  # under this test's QUIZAPP_HOME
    db.parent.mkdir(parents=True)
    Store.open(db).close()
    Spool(unsaved_answers_dir(db)).keep(answer("p/a"), T0)
    result = CliRunner().invoke(main, ["plan", "--clear"])
    assert result.exit_code == 0, result.output
    assert "1 answer given while the history was busy was saved now" in result.stderr
    assert rows(db, "SELECT question_id, ts FROM attempts") == [
        ("p/a", T0.isoformat(timespec="microseconds"))
    ]
    assert spool_files(db) == []


@pytest.mark.parametrize(
    "args",
    [["stats", "--json"], ["export", "--format", "json", "-o", "-"]],
    ids=["stats", "export"],
)
def test_stats_and_export_count_the_answers_kept_on_disk(tmp_path, args) -> None:
    """An answer kept while the history was busy (the app quit before it could save it) is
    part of the learner's work: `stats` counts it and `export` carries it, saved first."""
    from click.testing import CliRunner

    from quizapp.cli import main
    from quizapp.locations import db_path

    db = db_path()  # under this test's QUIZAPP_HOME
    db.parent.mkdir(parents=True)
    Store.open(db).close()
    Spool(unsaved_answers_dir(db)).keep(answer("p/a"), T0)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 answer given while the history was busy was saved now" in result.stderr
    data = json.loads(result.stdout)
    if args[0] == "stats":
        assert data["total"]["attempts"] == 1
    else:
        assert [a["question_id"] for a in data["attempts"]] == ["p/a"]
    assert spool_files(db) == []


def test_a_kept_answer_the_code_cannot_write_is_set_aside_and_the_rest_saved(
    store, monkeypatch
) -> None:
    break_recording_of(monkeypatch, "p/broken")
    spool = Spool(unsaved_answers_dir(store.path))
    spool.keep(answer("p/broken"), T0)
    spool.keep(answer("p/b"), T0.replace(minute=1))
    replayed, _ = Recorder(store, lambda: T0, spool).take_kept()
    assert replayed.saved == 1 and [a.question_id for a in store.attempts()] == ["p/b"]
    assert spool_files(store.path) == []
    (aside,) = (spool.folder / UNREADABLE).glob("*.json")
    assert '"p/broken"' in aside.read_text(encoding="utf-8")  # kept, not deleted
    assert replayed.message is not None and "moved aside" in replayed.message
