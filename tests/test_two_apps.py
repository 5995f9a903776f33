"""Two quizapps on one history: what one writes late must not undo what the other did.

The story behind these tests: quizapp B keeps an answer while the database is busy (or is
killed with it waiting); quizapp A answers the same question a little later and saves
it at once; B's answer is saved afterwards, at the moment it was given, so it goes in
before A's review. A then changes its mind (a rating button) or takes its answer back
(Undo). Both must keep B's review in the card: B's answer is in the history, and the
question is not "new" again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler

from quizapp.ratings import rerate, review_intervals, undo
from quizapp.recording import Answer, record
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
QID = "p/a"


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "history.sqlite3", busy_timeout=0.2) as s:
        yield s


def answer(**kw) -> Answer:
    base = {"mode": "practice", "pack": "p", "topics": ("t",), "kind": "number", "seed": 1}
    return Answer(question_id=QID, **{**base, **kw})


def fsrs_card(*reviews: tuple[Rating, datetime]) -> Card:
    """The card fsrs itself gives for `reviews` in this order (the independent reference)."""
    fsrs = Scheduler(enable_fuzzing=False)
    card = Card(card_id=1, due=reviews[0][1])
    for rating, moment in reviews:
        card, _ = fsrs.review_card(card, rating, review_datetime=moment)
    return card


def b_late_then_a(store: Store) -> tuple[int, datetime, datetime]:
    """B answered right and fast (Easy) at `given`; A answered wrong a minute later and was
    saved first; then B's answer is saved. Returns A's attempt id and both moments."""
    given, a_moment = T0, T0 + timedelta(minutes=1)
    a = record(store, answer(correct=False, seconds=40, budget=60), a_moment)
    assert a.rating == Rating.Again
    late = record(store, answer(correct=True, score=1.0, seconds=10, budget=60), given)
    assert late.rating == Rating.Easy
    return a.attempt_id, given, a_moment


def test_undoing_the_other_apps_answer_keeps_the_late_answer_in_the_card(store) -> None:
    a_attempt, given, _ = b_late_then_a(store)

    undo(store, QID, a_attempt)

    card = store.get_card(QID)
    assert card is not None, "the question is 'new' again although B's answer is saved"
    assert card.due == fsrs_card((Rating.Easy, given)).due
    assert [(r.ts, r.rating) for r in store.review_log(QID)] == [(given, int(Rating.Easy))]
    assert [a.correct for a in store.attempts()] == [True]


def test_rerating_the_other_apps_answer_keeps_the_late_answer_before_it(store) -> None:
    a_attempt, given, a_moment = b_late_then_a(store)

    due = rerate(store, QID, a_attempt, Rating.Hard)

    expected = fsrs_card((Rating.Easy, given), (Rating.Hard, a_moment))
    card = store.get_card(QID)
    assert card is not None and card.due == expected.due == due
    assert [(r.ts, r.rating) for r in store.review_log(QID)] == [
        (given, int(Rating.Easy)),
        (a_moment, int(Rating.Hard)),
    ]


def test_the_rating_buttons_of_the_other_apps_answer_follow_the_late_answer(store) -> None:
    """A's buttons (what each rating would schedule) start from the card B's answer left."""
    a_attempt, given, a_moment = b_late_then_a(store)

    found = review_intervals(store, QID, a_attempt)

    assert found is not None
    rating, intervals = found
    assert rating == Rating.Again
    assert (
        a_moment + intervals[Rating.Good]
        == fsrs_card((Rating.Easy, given), (Rating.Good, a_moment)).due
    )
    assert store.get_card(QID).due == a_moment + intervals[Rating.Again]


def test_the_later_reviews_log_says_what_came_before_it(store) -> None:
    """The optimizer reads each review's state before: A's review followed B's, not a new card."""
    _, given, a_moment = b_late_then_a(store)

    first, second = store.review_log(QID)

    after_b = fsrs_card((Rating.Easy, given))
    after_a = fsrs_card((Rating.Easy, given), (Rating.Again, a_moment))
    assert second.state_before == int(after_b.state) == first.state_after
    assert second.stability_before == pytest.approx(after_b.stability)
    assert second.difficulty_before == pytest.approx(after_b.difficulty)
    assert second.elapsed_days == pytest.approx(60 / 86400)
    assert second.due_after == after_a.due
    assert second.stability_after == pytest.approx(after_a.stability)
    assert second.duration_ms == 40_000 and second.mode == "practice"


def test_an_answer_kept_while_the_history_cannot_be_opened_promises_no_date(
    tmp_path: Path,
) -> None:
    """The history could not be opened at all (the banner says so): the answer waits in
    the spool for a start that can open it, which need not be the next one."""
    from quizapp.recording import Recorder
    from quizapp.spool import Spool

    folder = tmp_path / "history.sqlite3-unsaved"
    recorder = Recorder(None, lambda: T0, Spool(folder))

    assert recorder.submit(answer(correct=True, score=1.0)) is None

    message = recorder.message or ""
    assert str(folder) in message and "not open" in message
    assert "starts next" not in message  # the next start may not open it either
    assert "once the history can be opened" in message
