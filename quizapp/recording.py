"""The one way an answer reaches the history, for practice and mock interviews alike.

An answer is three rows that must agree: the attempt (what was asked and answered),
the question's new spaced-repetition card, and a review-log row (rating, card state,
stability and difficulty before and after, days since the last review, the answer's
duration: what an FSRS optimizer reads later). `record()` writes them in ONE
transaction at ONE moment, `now`, taken from the caller's injected clock.

What counts as what:

* ``answered``: a graded answer. An attempt in accuracy, and a review.
* ``ungraded``: an answer nobody can grade (a recall question in a mock interview). An
  attempt kept for the record (``valid=False``: not in accuracy), not a review. When the
  learner grades it later (in the mock's report), that same attempt is completed and
  reviewed: one answer stays one attempt.
* ``skipped``: a question shown but never answered. Kept as a record of the session
  (``skipped=True``), never in accuracy, never a review, and the question stays "new".

`Recorder` wraps `record()` for the screens: when the database is busy (another process
holds its lock) or cannot be written, the answer is kept in memory, in order, and
written by the next `flush()` (or `submit()`); `message` says what is waiting and why.
Nothing here imports Textual.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from quizapp.words import count

if TYPE_CHECKING:
    from fsrs import Rating

    from quizapp.store import Store

__all__ = ["Answer", "Recorded", "Recorder", "record", "recorded_questions", "write_error_text"]

Status = Literal["answered", "ungraded", "skipped"]


@dataclass(frozen=True, slots=True)
class Answer:
    """One question's outcome, as practice or a mock interview saw it."""

    question_id: str
    mode: str  # "practice" | "mock"
    pack: str = ""
    topics: tuple[str, ...] = ()
    kind: str = ""
    seed: int | None = None
    status: Status = "answered"
    response: str = ""
    parsed: str = ""
    correct: bool = False
    score: float = 0.0
    seconds: float | None = None
    budget: float | None = None  # the question's time budget (rates a quick answer Easy)
    hints_used: int = 0
    self_grade: str | None = None  # a recall question graded by the learner
    session_id: str | None = None
    feedback: str = ""
    diagnosis: str | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record()` wrote: the attempt's id, and the rating and next due of a review."""

    attempt_id: int
    rating: Rating | None = None
    due: datetime | None = None


def record(store: Store, answer: Answer, now: datetime) -> Recorded:
    """Write the attempt, and for a graded answer the review and its log row, atomically.

    Raises `sqlite3.Error` (nothing written) when the database is busy or read-only.
    """
    from quizapp.scheduling import rating_for, review
    from quizapp.store import Attempt

    answered = answer.status == "answered"
    attempt = Attempt(
        question_id=answer.question_id,
        correct=answered and answer.correct,
        score=float(answer.score) if answered else 0.0,
        pack=answer.pack,
        topics=tuple(answer.topics),
        kind=answer.kind,
        seed=answer.seed,
        response=answer.response,
        parsed=answer.parsed,
        valid=answered,
        seconds=answer.seconds,
        hints_used=answer.hints_used,
        mode=answer.mode,
        session_id=answer.session_id,
        feedback=answer.feedback,
        diagnosis=answer.diagnosis,
        skipped=answer.status == "skipped",
        ts=now,
    )
    with store.transaction():
        kept = None
        if answered and answer.session_id is not None:
            kept = store.ungraded_attempt(answer.session_id, answer.question_id)
        if kept is None:
            attempt_id = store.record_attempt(attempt)
        else:  # a recall answer the learner graded in the report: one answer, one attempt
            store.grade_attempt(kept, attempt)
            attempt_id = kept
        if not answered:
            return Recorded(attempt_id)
        rating = rating_for(
            answer.correct,
            answer.score,
            answer.hints_used,
            answer.seconds,
            answer.budget,
            answer.self_grade,
        )
        due = review(
            store,
            answer.question_id,
            rating,
            now,
            mode=answer.mode,
            attempt_id=attempt_id,
            seconds=answer.seconds,
        )
    return Recorded(attempt_id, rating, due)


def recorded_questions(store: Store, session_id: str) -> set[str]:
    """The questions of a mock session already recorded (so a retried finish adds none twice)."""
    return {a.question_id for a in store.attempts(mode="mock", session_id=session_id)}


def write_error_text(exc: BaseException) -> str:
    """Why a write failed, in the user's words."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "the database is busy (another quizapp or program is writing to it)"
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "the data folder cannot be written (read-only)"
    return f"the database could not be written ({exc})"


class Recorder:
    """Records answers through `record()`; keeps those the database refuses, and retries.

    `store` may be None (not opened yet, or not at all): answers wait until it is set.
    Thread-safe: practice and mock workers share one Recorder (the app's).
    """

    def __init__(self, store: Store | None, now: Callable[[], datetime]) -> None:
        self.store = store
        self._now = now
        self._lock = threading.Lock()
        #: Answers not yet in the database, oldest first, each with the moment it was given.
        self.pending: list[tuple[Answer, datetime]] = []
        #: Why the last write failed (None after a write succeeded).
        self.error: str | None = None

    def submit(self, answer: Answer) -> Recorded | None:
        """Record `answer` now (after any that wait); None when it was kept for later."""
        with self._lock:
            self.pending.append((answer, self._now()))
            results = self._flush()
            if self.pending and self.pending[-1][0] is answer:
                return None
            return results[-1] if results else None

    def flush(self) -> list[Recorded]:
        """Try again to write the answers that wait; returns what was written now."""
        with self._lock:
            return self._flush()

    def _flush(self) -> list[Recorded]:
        done: list[Recorded] = []
        while self.pending:
            answer, moment = self.pending[0]
            if self.store is None:
                self.error = "the history database is not open"
                break
            try:
                done.append(record(self.store, answer, moment))
            except sqlite3.Error as exc:
                self.error = write_error_text(exc)
                break
            except Exception:
                # Not the database's state but a fault in this answer: retrying cannot
                # help, and keeping it first in line would refuse every later answer.
                self.pending.pop(0)
                raise
            self.pending.pop(0)
            self.error = None
        return done

    @property
    def waiting(self) -> int:
        return len(self.pending)

    @property
    def message(self) -> str | None:
        """What the user should know: how many answers wait and why (None: all saved)."""
        n = len(self.pending)
        if not n:
            return None
        return (
            f"{count(n, 'answer is', 'answers are')} not saved yet: {self.error or 'waiting'}. "
            "Kept in memory and saved as soon as the database can be written."
        )
