"""Spaced repetition with FSRS (py-fsrs 6): which question to practise next, and when again.

A question's review card lives in the store's `cards` table as fsrs JSON. The rating
of an answer comes from what the checker and the clock saw (correct or not, hints used,
time against the budget); recall questions, which no machine can grade, are rated by
the user (again / hard / good / easy).

Fuzzing is off: with a few dozen questions the load-spreading it buys is worthless, and
a deterministic schedule is one a user (and a test) can reason about.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from fsrs import Card, Rating, Scheduler

from quizapp.store import ReviewLogRow, utc_now

if TYPE_CHECKING:
    from quizapp.store import Store

__all__ = [
    "SELF_GRADES",
    "Rating",
    "due",
    "due_count",
    "new_card",
    "next_due",
    "rating_for",
    "review",
    "scheduler",
    "scheduler_for",
]

#: Settings key holding the learner's fitted FSRS parameters (`quizapp optimize`).
PARAMETERS_KEY = "fsrs_parameters"

#: The words a user may grade a recall question with, mapped to fsrs ratings.
SELF_GRADES: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}

#: A correct answer within this share of the time budget, unaided and full score, is "easy".
EASY_SHARE_OF_BUDGET = 0.5


@cache
def scheduler(parameters: tuple[float, ...] | None = None) -> Scheduler:
    """The scheduler: FSRS-6 with `parameters` (default ones if None), 90% retention, no fuzz."""
    if parameters is None:
        return Scheduler(enable_fuzzing=False)
    return Scheduler(parameters=parameters, enable_fuzzing=False)


def scheduler_for(store: Store) -> Scheduler:
    """The scheduler with the learner's fitted parameters, when `quizapp optimize` kept some."""
    fitted = store.get_setting(PARAMETERS_KEY)
    if not fitted:
        return scheduler()
    try:
        return scheduler(tuple(float(w) for w in fitted))
    except (TypeError, ValueError):  # unreadable or out of bounds: fall back, never crash
        return scheduler()


def rating_for(
    correct: bool,
    score: float,
    hints_used: int,
    seconds: float | None,
    budget: float | None,
    self_grade: str | None = None,
) -> Rating:
    """The FSRS rating of one answer.

    - A self grade (recall questions) wins: 'again' | 'hard' | 'good' | 'easy'.
    - Wrong → Again.
    - Right but helped (any hint), only partly right (score < 1) or over the time budget → Hard.
    - Right, unaided, full score, within half the budget → Easy.
    - Otherwise → Good.
    """
    if self_grade is not None:
        try:
            return SELF_GRADES[self_grade.strip().lower()]
        except KeyError:
            raise ValueError(
                f"unknown self grade {self_grade!r}; expected one of: {', '.join(SELF_GRADES)}"
            ) from None
    if not correct:
        return Rating.Again
    over_budget = budget is not None and seconds is not None and seconds > budget
    if hints_used > 0 or score < 1.0 or over_budget:
        return Rating.Hard
    if budget is not None and seconds is not None and seconds <= EASY_SHARE_OF_BUDGET * budget:
        return Rating.Easy
    return Rating.Good


def _utc(now: datetime | None) -> datetime:
    """fsrs insists on UTC datetimes; accept any aware time, refuse a naive one."""
    if now is None:
        return utc_now()
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time (e.g. datetime.now(UTC))")
    return now.astimezone(UTC)


def new_card(question_id: str, now: datetime) -> Card:
    """The card of a question never reviewed, due at `now`.

    Its id is stable per question: Card() without one reads the wall clock and sleeps
    1 ms to make a unique timestamp.
    """
    return Card(card_id=zlib.crc32(question_id.encode("utf-8")), due=now)


def readable_card(card_json: str) -> Card | None:
    """The fsrs card in `card_json`, or None when fsrs cannot read it.

    A card written by another fsrs version (an imported history) or damaged by hand
    starts afresh on its next review rather than refusing the answer given to it.
    """
    try:
        return Card.from_json(card_json)
    except (KeyError, TypeError, ValueError):
        return None


def review(
    store: Store,
    question_id: str,
    rating: Rating,
    now: datetime | None = None,
    *,
    mode: str = "practice",
    attempt_id: int | None = None,
    seconds: float | None = None,
) -> datetime:
    """Review `question_id` with `rating` at `now`; returns when it is due next.

    The new card and a review-log row (the card's state, stability and difficulty before
    and after, the days since the last review, the answer's duration) are written in one
    transaction, joining the caller's if there is one (`quizapp.recording` records the
    attempt in the same one). A review dated before reviews already logged (an answer saved
    late) takes its place in time: the card is what all of them give in that order.
    """
    now = _utc(now)
    duration_ms = None if seconds is None else round(seconds * 1000)
    with store.transaction():
        row = store.get_card(question_id)
        # An answer saved late (kept while the history was busy) may come after reviews
        # that happened later: it goes in its place, and those are applied again after it.
        later = [r for r in store.review_log(question_id, since=now) if r.ts > now]
        current = None if row is None else row.card_json
        card_json = later[0].card_before if later else current  # before the first of them
        fsrs = scheduler_for(store)
        latest = _logged(
            store, fsrs, question_id, card_json, rating, now, mode, attempt_id, duration_ms
        )
        for log in later:
            # Each later review's row is rewritten from the card it now follows, so that
            # undo and a change of rating (which start from `card_before`) keep this one.
            latest = _logged(
                store,
                fsrs,
                question_id,
                latest.to_json(),
                Rating(log.rating),
                log.ts,
                log.mode,
                log.attempt_id,
                log.duration_ms,
                replacing=log.id,
            )
        store.put_card(question_id, latest.to_json(), latest.due, latest.last_review)
    return latest.due


def _logged(
    store: Store,
    fsrs: Scheduler,
    question_id: str,
    card_json: str | None,
    rating: Rating,
    moment: datetime,
    mode: str,
    attempt_id: int | None,
    duration_ms: int | None,
    *,
    replacing: int | None = None,
) -> Card:
    """Review the card in `card_json` (None: new) at `moment` and log it; returns the card.

    The log row is added, or, with `replacing`, written over that review-log row (a later
    review applied again after an answer saved late).
    """
    before = None if card_json is None else readable_card(card_json)
    card = before or new_card(question_id, moment)
    after, _log = fsrs.review_card(card, rating, review_datetime=moment)
    elapsed = None
    if before is not None and before.last_review is not None:
        elapsed = max(0.0, (moment - before.last_review).total_seconds() / 86400)
    row = ReviewLogRow(
        question_id=question_id,
        mode=mode,
        rating=int(rating),
        state_after=int(after.state),
        due_after=after.due,
        ts=moment,
        attempt_id=attempt_id,
        state_before=None if before is None else int(before.state),
        stability_before=None if before is None else before.stability,
        stability_after=after.stability,
        difficulty_before=None if before is None else before.difficulty,
        difficulty_after=after.difficulty,
        elapsed_days=elapsed,
        duration_ms=duration_ms,
        card_before=card_json,
        id=replacing,
    )
    if replacing is None:
        store.add_review_log(row)
    else:
        store.replace_review_log(row)
    return after


def next_due(store: Store, question_id: str) -> datetime | None:
    """When a question is due again; None if it was never reviewed."""
    row = store.get_card(question_id)
    return None if row is None else row.due


def due(
    store: Store,
    question_ids: Iterable[str],
    now: datetime | None = None,
    *,
    include_new: bool = True,
) -> list[str]:
    """Questions to practise now: due ones (most overdue first), then never-seen ones.

    Questions reviewed but not yet due are left out. New questions keep the order given.
    """
    now = _utc(now)
    ids = list(dict.fromkeys(question_ids))
    dues = store.card_dues(ids)
    ready = sorted((d, qid) for qid, d in dues.items() if d <= now)
    result = [qid for _, qid in ready]
    if include_new:
        result.extend(qid for qid in ids if qid not in dues)
    return result


def due_count(store: Store, question_ids: Iterable[str], now: datetime | None = None) -> int:
    """How many of `question_ids` have been reviewed and are due now (new ones not counted)."""
    return len(due(store, question_ids, now, include_new=False))
