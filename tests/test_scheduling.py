"""Spaced repetition: ratings from answers, failed questions come back sooner, due order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from quizapp.scheduling import due, due_count, next_due, rating_for, review
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "h.db") as s:
        yield s


# ---------------------------------------------------------------- ratings


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"correct": False, "score": 0.0, "hints_used": 0, "seconds": 5, "budget": 60}, "Again"),
        (
            {"correct": False, "score": 0.0, "hints_used": 3, "seconds": 500, "budget": None},
            "Again",
        ),
        ({"correct": True, "score": 1.0, "hints_used": 1, "seconds": 5, "budget": 60}, "Hard"),
        ({"correct": True, "score": 1.0, "hints_used": 0, "seconds": 90, "budget": 60}, "Hard"),
        ({"correct": True, "score": 0.7, "hints_used": 0, "seconds": 20, "budget": 60}, "Hard"),
        ({"correct": True, "score": 1.0, "hints_used": 0, "seconds": 45, "budget": 60}, "Good"),
        ({"correct": True, "score": 1.0, "hints_used": 0, "seconds": 45, "budget": None}, "Good"),
        ({"correct": True, "score": 1.0, "hints_used": 0, "seconds": 10, "budget": 60}, "Easy"),
    ],
)
def test_rating_follows_correctness_hints_and_time(kwargs: dict, expected: str) -> None:
    assert rating_for(**kwargs, self_grade=None) == Rating[expected]


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        ("again", Rating.Again),
        ("Hard", Rating.Hard),
        (" good ", Rating.Good),
        ("EASY", Rating.Easy),
    ],
)
def test_recall_questions_use_the_users_own_grade(grade: str, expected: Rating) -> None:
    # The user's grade wins even over what the checker said.
    assert rating_for(False, 0.0, 0, 5.0, 60.0, self_grade=grade) == expected


def test_unknown_self_grade_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="again, hard, good, easy"):
        rating_for(True, 1.0, 0, 5.0, None, self_grade="meh")


# ---------------------------------------------------------------- reviews


def test_failed_new_question_comes_back_sooner_than_a_passed_one(store: Store) -> None:
    failed = review(store, "p/failed", Rating.Again, T0)
    passed = review(store, "p/passed", Rating.Good, T0)
    assert T0 < failed < passed
    assert next_due(store, "p/failed") == failed
    assert next_due(store, "p/never") is None


def test_forgetting_a_well_known_question_brings_it_back_within_a_day(store: Store) -> None:
    # Two questions learnt the same way, over a few weeks.
    when = {"p/x": T0, "p/y": T0}
    for _ in range(4):
        for qid in when:
            when[qid] = review(store, qid, Rating.Good, when[qid])
    assert when["p/x"] == when["p/y"]
    moment = when["p/x"]
    assert moment - T0 > timedelta(days=7)  # it was learnt: intervals grew

    failed = review(store, "p/x", Rating.Again, moment)
    passed = review(store, "p/y", Rating.Good, moment)
    assert failed - moment <= timedelta(days=1)
    assert passed - moment > timedelta(days=7)


def test_review_persists_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with Store.open(path) as s:
        first = review(s, "p/a", Rating.Good, T0)
    with Store.open(path) as s:
        assert next_due(s, "p/a") == first
        second = review(s, "p/a", Rating.Good, first)
    assert second > first  # the stored card carried its learning state over


def test_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        review(store, "p/a", Rating.Good, datetime(2025, 1, 1))


# ---------------------------------------------------------------- what is due


def test_due_lists_overdue_first_then_new_and_leaves_out_the_rest(store: Store) -> None:
    store.put_card("p/later", "{}", T0 + timedelta(days=2), T0)
    store.put_card("p/recent", "{}", T0 - timedelta(minutes=5), T0)
    store.put_card("p/oldest", "{}", T0 - timedelta(days=3), T0)
    store.put_card("other/elsewhere", "{}", T0 - timedelta(days=9), T0)  # not asked about
    ids = ["p/new2", "p/later", "p/recent", "p/new1", "p/oldest"]

    assert due(store, ids, T0) == ["p/oldest", "p/recent", "p/new2", "p/new1"]
    assert due(store, ids, T0, include_new=False) == ["p/oldest", "p/recent"]
    assert due_count(store, ids, T0) == 2
    assert due(store, ids, T0 + timedelta(days=3))[:3] == ["p/oldest", "p/recent", "p/later"]


def test_a_failed_question_is_offered_before_a_passed_one(store: Store) -> None:
    review(store, "p/passed", Rating.Good, T0)
    review(store, "p/failed", Rating.Again, T0)
    an_hour_later = T0 + timedelta(hours=1)
    assert due(store, ["p/passed", "p/failed", "p/new"], an_hour_later) == [
        "p/failed",
        "p/passed",
        "p/new",
    ]
