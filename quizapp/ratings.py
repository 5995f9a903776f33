"""Ratings that match the answer: the suggestion, what each rating would schedule, a
change of mind, and undo.

After a verdict the learner sees Again / Hard / Good / Easy, each with the interval it
would give, and one suggested from what happened (`suggested`):

* wrong, or the model answer revealed → Again
* right after a hint, or over the time budget → Hard
* right → Good
* right, fast (within half the budget), no hint → Easy

The answer is recorded at once with the suggestion (nothing waits on a key press); a
different choice re-rates that same review (`rerate`), and `undo` takes the answer back:
the attempt, the card and the review-log row return to exactly what they were, using
the card the review log kept from before the review.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fsrs import Card, Rating

from quizapp.scheduling import new_card, rating_for, readable_card, scheduler_for

if TYPE_CHECKING:
    from quizapp.store import ReviewLogRow, Store

__all__ = [
    "RATINGS",
    "interval_text",
    "next_intervals",
    "rerate",
    "review_intervals",
    "suggested",
    "undo",
]

#: The four choices in key order (1–4).
RATINGS: tuple[Rating, ...] = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)


def suggested(
    correct: bool,
    revealed: bool,
    hints_used: int,
    seconds: float | None,
    budget: float | None,
    score: float = 1.0,
) -> Rating:
    """The rating that matches what happened (the rules in the module docstring)."""
    if revealed:
        return Rating.Again
    return rating_for(correct, score, hints_used, seconds, budget)


def _dues(store: Store, card: Card, moment: datetime) -> dict[Rating, datetime]:
    """When each rating would make `card`, reviewed at `moment`, due (nothing is written)."""
    scheduler = scheduler_for(store)
    return {
        rating: scheduler.review_card(card, rating, review_datetime=moment)[0].due
        for rating in RATINGS
    }


def _intervals(store: Store, card: Card, now: datetime) -> dict[Rating, timedelta]:
    """What each rating would schedule for `card` reviewed at `now` (nothing is written)."""
    return {rating: due - now for rating, due in _dues(store, card, now).items()}


def next_intervals(store: Store, question_id: str, now: datetime) -> dict[Rating, timedelta]:
    """How long each rating would put the question away if it were reviewed at `now`."""
    row = store.get_card(question_id)
    card = (None if row is None else readable_card(row.card_json)) or new_card(question_id, now)
    return _intervals(store, card, now)


def review_intervals(
    store: Store, question_id: str, attempt_id: int, now: datetime | None = None
) -> tuple[Rating, dict[Rating, timedelta]] | None:
    """For an answer already recorded: the rating it got, and how long from `now` each
    rating would put the question away.

    Each rating is scheduled from the card as it was before that review (the review log
    keeps it), at the review's own moment; the time left is counted from `now`, when the
    learner reads it (default: the review's moment), so that the interval on a rating's
    button and the "next review in …" line under it (`until`, from now too) agree: a new
    card rated Hard is due 5.5 min after the review, which reads "5 min" a moment later,
    not "6 min". None when the answer has no review.
    """
    row = _review_of(store, question_id, attempt_id)
    if row is None:
        return None
    before = None if row.card_before is None else readable_card(row.card_before)
    card = before or new_card(question_id, row.ts)
    start = row.ts if now is None else now
    return Rating(row.rating), {r: due - start for r, due in _dues(store, card, row.ts).items()}


def interval_text(interval: timedelta) -> str:
    """'10 min', '5 h', '3 d', '2.1 mo' — an interval as a learner reads it.

    The one wording of a time to come: the rating buttons use it, and so does the
    "next review in …" line (`quizapp.tui.widgets.format.until`), so both round alike.
    """
    seconds = interval.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = seconds / 86400
    if days < 60:
        return f"{round(days)} d"
    if days < 730:
        return f"{days / 30.44:.1f} mo"
    return f"{days / 365.25:.1f} y"


def _review_of(store: Store, question_id: str, attempt_id: int) -> ReviewLogRow | None:
    rows = [r for r in store.review_log(question_id) if r.attempt_id == attempt_id]
    return rows[-1] if rows else None


def _restore_card(store: Store, question_id: str, card_json: str | None) -> None:
    card = None if card_json is None else readable_card(card_json)
    if card_json is None or card is None:  # new before, or unreadable: new again
        store.delete_card(question_id)
        return
    store.put_card(question_id, card_json, card.due, card.last_review)


def rerate(store: Store, question_id: str, attempt_id: int, rating: Rating) -> datetime | None:
    """Change the rating of an answer's review; returns when the question is due now.

    None when the answer has no review (an unreadable, skipped or ungraded answer).
    The review is replayed from the card it started from, at its own moment; reviews
    of the question made since (another window, a mock interview that finished) are
    replayed after it with their own ratings, so none of them is lost from the card.
    """
    from quizapp.scheduling import review

    with store.transaction():
        row = _review_of(store, question_id, attempt_id)
        if row is None or row.id is None:
            return None
        if row.rating == int(rating):
            card = store.get_card(question_id)
            return row.due_after if card is None else card.due
        log = store.review_log(question_id)
        since = log[[r.id for r in log].index(row.id) + 1 :]
        _restore_card(store, question_id, row.card_before)
        for replayed in (row, *since):
            assert replayed.id is not None
            store.delete_review_log(replayed.id)
        due = review(store, question_id, rating, row.ts, **_replay_args(row))
        for later in since:
            due = review(store, question_id, Rating(later.rating), later.ts, **_replay_args(later))
        return due


def _replay_args(row: ReviewLogRow) -> dict[str, Any]:
    """What `review()` needs besides the rating and the moment to write `row` again."""
    return {
        "mode": row.mode,
        "attempt_id": row.attempt_id,
        "seconds": None if row.duration_ms is None else row.duration_ms / 1000,
    }


def undo(store: Store, question_id: str, attempt_id: int) -> None:
    """Take an answer back: its review-log row, its attempt, and the card as it was.

    Only the question's latest review can be taken back (the card before it is known);
    ValueError otherwise.
    """
    with store.transaction():
        row = _review_of(store, question_id, attempt_id)
        if row is not None and row.id is not None:
            if store.review_log(question_id)[-1].id != row.id:
                raise ValueError(
                    f"{question_id} was reviewed again since (in another window or a mock "
                    "interview); only its latest review can be taken back"
                )
            _restore_card(store, question_id, row.card_before)
            store.delete_review_log(row.id)
        store.delete_attempt(attempt_id)
