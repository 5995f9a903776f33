"""Ratings after a verdict: the suggestion, the intervals shown, a change of mind, undo."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler

from quizapp.ratings import interval_text, next_intervals, rerate, suggested, undo
from quizapp.recording import Answer, record
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
QID = "attention-basics/qk-flops"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "h.db") as s:
        yield s


def database(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read with a separate connection."""
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'"
            )
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def answer(correct: bool, **kwargs) -> Answer:
    return Answer(QID, "practice", correct=correct, score=float(correct), budget=60.0, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"correct": False, "revealed": False, "hints_used": 0, "seconds": 10}, Rating.Again),
        ({"correct": True, "revealed": True, "hints_used": 0, "seconds": 10}, Rating.Again),
        ({"correct": True, "revealed": False, "hints_used": 1, "seconds": 10}, Rating.Hard),
        ({"correct": True, "revealed": False, "hints_used": 0, "seconds": 75}, Rating.Hard),
        ({"correct": True, "revealed": False, "hints_used": 0, "seconds": 45}, Rating.Good),
        ({"correct": True, "revealed": False, "hints_used": 0, "seconds": 12}, Rating.Easy),
    ],
)
def test_the_suggestion_follows_what_happened(kwargs: dict, expected: Rating) -> None:
    assert suggested(budget=60.0, **kwargs) == expected


@pytest.mark.parametrize("earlier_reviews", [0, 2])
def test_undo_puts_the_database_back_exactly(store: Store, earlier_reviews: int) -> None:
    for day in range(earlier_reviews):
        record(store, answer(True, seconds=20.0), T0 + timedelta(days=3 * day))
    before = database(store.path)
    done = record(store, answer(False, seconds=40.0, hints_used=1), T0 + timedelta(days=9))
    assert database(store.path) != before
    undo(store, QID, done.attempt_id)
    assert database(store.path) == before


def test_only_the_latest_review_of_a_question_can_be_undone(store: Store) -> None:
    first = record(store, answer(True), T0)
    record(store, answer(True), T0 + timedelta(days=2))
    with pytest.raises(ValueError, match="reviewed again since"):
        undo(store, QID, first.attempt_id)


def test_a_different_rating_replays_the_review_from_the_card_before(
    store: Store, tmp_path: Path
) -> None:
    record(store, answer(True), T0)
    done = record(store, answer(True, seconds=40.0), T0 + timedelta(days=3))
    assert done.rating == Rating.Good
    rerate(store, QID, done.attempt_id, Rating.Hard)

    # The same history rated Hard in the first place, in another database.
    with Store.open(tmp_path / "other.db") as other:
        record(other, answer(True), T0)
        record(other, answer(True, seconds=40.0, hints_used=1), T0 + timedelta(days=3))
        assert store.get_card(QID) == other.get_card(QID)
        mine, theirs = store.review_log(QID), other.review_log(QID)
        assert [r.rating for r in mine] == [r.rating for r in theirs] == [3, 2]
        assert mine[-1].attempt_id == done.attempt_id


def test_the_intervals_shown_are_what_each_rating_schedules(store: Store) -> None:
    record(store, answer(True), T0)
    now = T0 + timedelta(days=4)
    shown = next_intervals(store, QID, now)
    assert shown[Rating.Again] < shown[Rating.Hard] < shown[Rating.Good] < shown[Rating.Easy]
    # Rating Easy for real puts the question away for exactly what was shown.
    done = record(store, answer(True, seconds=5.0), now)
    assert done.rating == Rating.Easy
    assert done.due - now == shown[Rating.Easy]
    # And independently of the app: fsrs's scheduler on the same card.
    card = Card.from_json(store.review_log(QID)[-1].card_before or "")
    due = Scheduler(enable_fuzzing=False).review_card(card, Rating.Good, now)[0].due
    assert shown[Rating.Good] == due - now


def test_intervals_read_like_a_person_would_say_them() -> None:
    assert interval_text(timedelta(minutes=10)) == "10 min"
    assert interval_text(timedelta(hours=5)) == "5 h"
    assert interval_text(timedelta(days=3, hours=2)) == "3 d"
    assert interval_text(timedelta(days=91)) == "3.0 mo"


def test_changing_a_rating_keeps_a_later_review_from_another_window(store: Store) -> None:
    """Window A answers, window B (a mock finishing) reviews the same question later, then
    A's learner picks another rating: B's review must still count in the card."""
    first = record(store, answer(True, seconds=40.0), T0)
    assert first.rating == Rating.Good
    later = T0 + timedelta(minutes=20)
    record(store, Answer(QID, "mock", correct=False, budget=60.0), later)

    due = rerate(store, QID, first.attempt_id, Rating.Easy)

    # Independently: fsrs itself, Easy at T0 then Again 20 minutes later.
    fsrs = Scheduler(enable_fuzzing=False)
    card = fsrs.review_card(Card(card_id=1, due=T0), Rating.Easy, T0)[0]
    card = fsrs.review_card(card, Rating.Again, later)[0]
    stored = store.get_card(QID)
    assert stored is not None
    assert stored.due == card.due == due
    assert [(r.mode, r.rating) for r in store.review_log(QID)] == [("practice", 4), ("mock", 1)]
    assert store.review_log(QID)[0].attempt_id == first.attempt_id
