"""The one recording path: attempt + review + review-log row, one transaction, one clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FakeClock
from db_lock import locked_database
from fsrs import Rating, State
from test_mock_helpers import correct_answer, make_library, params_of

from quizapp.mock import MockConfig, MockInterview, finalise, start_session
from quizapp.recording import Answer, Recorder, record
from quizapp.store import MIGRATIONS, Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "db.sqlite3", busy_timeout=0.2) as s:
        yield s


def answer(qid: str = "p/a", **kw) -> Answer:
    base = {"mode": "practice", "pack": "p", "topics": ("t",), "kind": "number", "seed": 1}
    return Answer(question_id=qid, **{**base, **kw})


def test_a_graded_answer_writes_attempt_card_and_review_log_at_one_moment(store) -> None:
    first = record(store, answer(correct=True, score=1.0, seconds=12.5), T0)
    assert first.rating == Rating.Good
    (attempt,) = store.attempts()
    assert (attempt.ts, attempt.valid, attempt.skipped) == (T0, True, False)
    (log,) = store.review_log()
    assert (log.ts, log.attempt_id, log.mode, log.rating) == (T0, attempt.id, "practice", 3)
    assert log.state_before is None and log.card_before is None  # a new card
    assert log.duration_ms == 12_500
    assert log.due_after == first.due == store.get_card("p/a").due

    later = first.due + timedelta(days=2)
    record(store, answer(correct=False, mode="mock"), later)
    second = store.review_log()[-1]
    assert second.mode == "mock" and second.rating == int(Rating.Again)
    assert second.state_before == log.state_after
    assert second.stability_before == pytest.approx(log.stability_after)
    assert second.difficulty_before == pytest.approx(log.difficulty_after)
    elapsed = (later - T0).total_seconds() / 86400
    assert second.elapsed_days == pytest.approx(elapsed)
    assert second.state_after in (State.Learning, State.Relearning)


def test_hints_make_a_right_answer_hard(store) -> None:
    got = record(store, answer(correct=True, score=1.0, hints_used=2), T0)
    assert got.rating == Rating.Hard


def test_a_skipped_question_is_never_an_attempt_nor_a_review(store) -> None:
    record(store, answer("p/a", correct=True, score=1.0), T0)
    record(store, answer("p/b", status="skipped", mode="mock"), T0)
    summary = store.summary({"p/a": ("t",), "p/b": ("t",)}, now=T0)
    assert (summary.total.attempts, summary.total.accuracy) == (1, 1.0)
    assert summary.total.new == 1  # p/b was shown but never answered: still new
    assert store.get_card("p/b") is None
    assert [r.question_id for r in store.review_log()] == ["p/a"]
    assert store.attempt_count() == 1
    assert [a.skipped for a in store.attempts(question_id="p/b")] == [True]


def test_a_failed_review_leaves_no_attempt_behind(store, monkeypatch) -> None:
    def refuse(row) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "add_review_log", refuse)
    with pytest.raises(sqlite3.OperationalError):
        record(store, answer(correct=True, score=1.0), T0)
    assert store.attempts() == [] and store.get_card("p/a") is None


def test_a_version_1_database_is_upgraded_with_its_history_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO attempts (ts, question_id, pack, correct) VALUES (?, 'p/a', 'p', 1)",
        (T0.isoformat(timespec="microseconds"),),
    )
    conn.commit()
    conn.close()
    with Store.open(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        (old,) = s.attempts()
        assert (old.question_id, old.correct, old.skipped) == ("p/a", True, False)
        record(s, answer("p/b", correct=True, score=1.0), T0)
        assert len(s.review_log()) == 1


def started_mock(tmp_path: Path, store: Store, questions: int):
    """A seeded mock interview of `questions`, its session open in `store`, on a fake clock."""
    library = make_library(tmp_path / "packs")
    clock = FakeClock(start=1_700_000_000.0)
    config = MockConfig(questions=questions, seed=7)
    interview = MockInterview.create(library.questions, config, clock=clock)
    start_session(store, interview)
    return library, clock, interview


def test_mock_records_each_answer_at_its_moment_and_unanswered_at_the_end(tmp_path, store) -> None:
    """An answer given 10 s in is filed (attempt and review) 10 s in, not when the
    interview ended; questions left blank are skipped records at the end."""
    library, clock, interview = started_mock(tmp_path, store, 4)
    first = interview.slots[0]
    clock.advance(10)
    answered = datetime.fromtimestamp(clock(), UTC)
    interview.answer(correct_answer(first.qid, params_of(library, first.qid, first.seed)))
    clock.advance(10)
    report = finalise(interview, library, store)
    moment = datetime.fromtimestamp(clock(), UTC)
    attempts = store.attempts(mode="mock")
    assert {(a.question_id, a.ts) for a in attempts if not a.skipped} == {(first.qid, answered)}
    assert {a.ts for a in attempts if a.skipped} == {moment}
    assert [a.skipped for a in attempts].count(True) == len(report.items) - 1
    known = {q.qid: tuple(q.topics) for q in library.questions}
    summary = store.summary(known, now=moment)
    assert (summary.total.attempts, summary.total.accuracy) == (1, 1.0)
    assert [(r.question_id, r.ts) for r in store.review_log()] == [(first.qid, answered)]
    (session,) = store.mock_history()
    assert session.started == datetime.fromtimestamp(1_700_000_000.0, UTC)
    assert session.finished == moment


def test_a_busy_database_keeps_the_answer_and_saves_it_once_free(store) -> None:
    """A real second process holds the database with BEGIN EXCLUSIVE."""
    recorder = Recorder(store, lambda: T0)
    with locked_database(store.path):
        assert recorder.submit(answer(correct=True, score=1.0)) is None
        assert recorder.waiting == 1
        assert recorder.message is not None and "busy" in recorder.message
        assert recorder.flush() == []  # still locked: still kept
    (saved,) = recorder.flush()
    assert recorder.waiting == 0 and recorder.message is None
    (attempt,) = store.attempts()
    assert attempt.ts == T0 and saved.attempt_id == attempt.id
    assert len(store.review_log()) == 1


def test_a_submitted_answer_waits_briefly_for_a_busy_database_not_the_stores_full_timeout(
    tmp_path: Path, monkeypatch
) -> None:
    """The verdict on the screen waits for this first write: with another process holding
    the lock it must give up after SUBMIT_WAIT (the app's retry timer saves the answer a few
    seconds later), not after the store's 5 s busy timeout ("checking…" for 5 s)."""
    import quizapp.recording as recording

    waits: list[int] = []
    real = recording.record

    def record_noting_the_wait(s: Store, a: Answer, now: datetime):
        (ms,) = s._conn.execute("PRAGMA busy_timeout").fetchone()
        waits.append(ms)
        return real(s, a, now)

    monkeypatch.setattr(recording, "record", record_noting_the_wait)
    with Store.open(tmp_path / "db.sqlite3", busy_timeout=5.0) as slow:
        recorder = Recorder(slow, lambda: T0)
        with locked_database(slow.path):
            assert recorder.submit(answer(correct=True, score=1.0)) is None
        assert waits == [int(recording.SUBMIT_WAIT * 1000)] and recording.SUBMIT_WAIT <= 0.5
        assert recorder.waiting == 1
        (ms,) = slow._conn.execute("PRAGMA busy_timeout").fetchone()
        assert ms == 5000  # other writes keep the store's own timeout
        assert len(recorder.flush()) == 1  # free again: saved, at the moment it was given
        assert [a.ts for a in slow.attempts()] == [T0]


def test_answers_wait_in_order_until_a_store_is_there(store) -> None:
    recorder = Recorder(None, lambda: T0)
    assert recorder.submit(answer("p/a", correct=True, score=1.0)) is None
    assert recorder.submit(answer("p/b", correct=True, score=1.0)) is None
    assert recorder.message is not None and "2 answers" in recorder.message
    recorder.store = store
    assert len(recorder.flush()) == 2
    assert [a.question_id for a in store.attempts()] == ["p/a", "p/b"]


def test_an_answer_saved_late_takes_its_place_before_later_reviews(store) -> None:
    """An answer kept while the history was busy is saved at the next start, at the moment
    it was given; meanwhile another quizapp reviewed the same question two days later. The
    card must be what the reviews give in the order they happened (fsrs, run here on its
    own), not the late answer applied on top of the later review."""
    from fsrs import Card, Scheduler

    later = T0 + timedelta(days=2)
    record(store, answer(correct=True, score=1.0), later)  # the other process's review
    late = record(store, answer(correct=False), T0)  # given first, saved second
    fsrs = Scheduler(enable_fuzzing=False)
    card = Card(card_id=1, due=T0)
    card, _ = fsrs.review_card(card, Rating.Again, review_datetime=T0)
    card, _ = fsrs.review_card(card, Rating.Good, review_datetime=later)
    saved = store.get_card("p/a")
    assert saved is not None and saved.due == card.due and late.due == card.due
    assert [(r.ts, r.rating) for r in store.review_log("p/a")] == [
        (T0, int(Rating.Again)),
        (later, int(Rating.Good)),
    ]
    first = store.review_log("p/a")[0]
    assert first.state_before is None and first.card_before is None  # it was new then


def test_an_unreadable_card_is_started_afresh_and_the_answer_kept(store) -> None:
    """A card fsrs cannot read (an import from another version) must not cost the answer."""
    from fsrs import Card, Scheduler

    record(store, answer(correct=True, score=1.0), T0)
    store.put_card("p/a", '{"written by": "another fsrs"}', T0, T0)
    later = T0 + timedelta(days=2)
    done = record(store, answer(correct=False), later)

    assert [a.correct for a in store.attempts()] == [True, False]
    # Independently: fsrs failing a brand-new card at that moment.
    fresh = Scheduler(enable_fuzzing=False).review_card(Card(card_id=1, due=later), Rating.Again)
    card = store.get_card("p/a")
    assert card is not None and card.due == done.due
    assert card.due - later == fresh[0].due - fresh[1].review_datetime
    assert store.review_log("p/a")[-1].card_before == '{"written by": "another fsrs"}'


def break_recording_of(monkeypatch, question_id: str) -> None:
    """`record()` fails for `question_id` with a fault in the code, not the database's."""
    import quizapp.recording as recording

    real = recording.record

    def record_or_break(s: Store, a: Answer, now: datetime):
        if a.question_id == question_id:
            raise ValueError("a bug in the scheduler")
        return real(s, a, now)

    monkeypatch.setattr(recording, "record", record_or_break)


def test_an_answer_that_cannot_be_written_does_not_hold_up_the_next(store, monkeypatch) -> None:
    break_recording_of(monkeypatch, "p/broken")
    recorder = Recorder(store, lambda: T0)
    with pytest.raises(ValueError, match="a bug"):
        recorder.submit(answer("p/broken", correct=True, score=1.0))
    assert recorder.submit(answer("p/b", correct=True, score=1.0)) is not None
    assert recorder.flush() == [] and recorder.waiting == 0
    assert [a.question_id for a in store.attempts()] == ["p/b"]


def test_a_recall_answer_graded_in_the_report_stays_one_attempt(store) -> None:
    """The interview's end keeps it ungraded; the learner's grade completes that attempt."""
    said = "every query meets every key"
    kept = answer("p/r", mode="mock", session_id="s1", status="ungraded", response=said)
    record(store, kept, T0)
    graded = answer(
        "p/r",
        mode="mock",
        session_id="s1",
        response=said,
        correct=True,
        score=0.6,
        self_grade="hard",
    )
    done = record(store, graded, T0 + timedelta(minutes=3))

    (attempt,) = store.attempts()
    assert (attempt.valid, attempt.correct, attempt.score) == (True, True, 0.6)
    assert attempt.id == done.attempt_id and attempt.ts == T0 and attempt.response == said
    total = store.summary().total
    assert (total.attempts, total.correct, total.accuracy) == (1, 1, 1.0)
    (review,) = store.review_log()
    assert review.attempt_id == attempt.id and review.rating == Rating.Hard


def test_a_resumed_mock_still_files_an_answer_at_the_moment_it_was_given(tmp_path, store) -> None:
    """Answered, saved, the app closed, resumed an hour later: still filed at its moment."""
    library, clock, interview = started_mock(tmp_path, store, 2)
    first = interview.slots[0]
    interview.start()
    clock.advance(30)
    answered = datetime.fromtimestamp(clock(), UTC)
    interview.answer(correct_answer(first.qid, params_of(library, first.qid, first.seed)))
    interview.pause()
    state = interview.to_dict()
    clock.advance(3600)
    resumed = MockInterview.from_dict(state, clock=clock)
    resumed.resume()
    clock.advance(5)
    finalise(resumed, library, store)
    (attempt,) = [a for a in store.attempts(mode="mock") if not a.skipped]
    assert (attempt.question_id, attempt.ts) == (first.qid, answered)


def test_an_answer_given_while_a_retry_holds_the_line_keeps_its_moment(store, monkeypatch) -> None:
    """A retry blocked on the busy database holds the recorder; an answer given meanwhile
    is filed at the moment it was given, not when the retry let it in."""
    import threading

    import quizapp.recording as recording

    moment = [T0]
    asked = threading.Event()

    def clock() -> datetime:
        asked.set()
        return moment[0]

    recorder = Recorder(None, clock)
    recorder.submit(answer("p/a", correct=True, score=1.0))  # waits: no store yet
    recorder.store = store
    entered, go = threading.Event(), threading.Event()
    real = recording.record

    def blocked(s: Store, a: Answer, now: datetime):
        entered.set()
        assert go.wait(timeout=30)  # a bound for a broken test, not a timing check
        return real(s, a, now)

    monkeypatch.setattr(recording, "record", blocked)
    retry = threading.Thread(target=recorder.flush)
    retry.start()
    assert entered.wait(timeout=30)
    given = T0 + timedelta(seconds=40)
    moment[0], asked = given, threading.Event()
    later = threading.Thread(target=recorder.submit, args=(answer("p/b", correct=True),))
    later.start()
    asked.wait(timeout=5)  # the fixed code asks at once; the old one only after the retry
    moment[0] = given + timedelta(minutes=5)
    go.set()
    retry.join(timeout=30)
    later.join(timeout=30)
    assert [(a.question_id, a.ts) for a in store.attempts()] == [("p/a", T0), ("p/b", given)]
