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
It is also kept on disk (`quizapp.spool`) so that quitting, a closed terminal or a
power cut does not lose it: the next start replays it (`Recorder.take_kept`). Every
answer carries an id from the moment it is given (`Answer.answer_id`), stored with its
attempt, so an answer replayed after it was in fact written is not written twice.
Nothing here imports Textual.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from quizapp.spool import UNREADABLE
from quizapp.words import count

if TYPE_CHECKING:
    from fsrs import Rating

    from quizapp.spool import Kept, Spool
    from quizapp.store import Store

__all__ = [
    "SUBMIT_WAIT",
    "Answer",
    "Recorded",
    "Recorder",
    "Replayed",
    "record",
    "recorded_questions",
    "replay_kept",
    "write_error_text",
]

Status = Literal["answered", "ungraded", "skipped"]

#: How long a submitted answer's first write waits for another process's lock (seconds).
#: The screen shows the verdict after that write, so a busy database must not hold it for
#: the store's whole busy timeout (5 s of "checking…"); an answer still refused waits in the
#: recorder and on disk, and the app's retry timer saves it seconds later.
SUBMIT_WAIT = 0.5


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
    #: Given when the answer is: the same answer replayed from the spool keeps it.
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record()` wrote: the attempt's id, and the rating and next due of a review.

    `already`: the answer was written before (by this process or another one replaying
    the same spool); nothing was written now.
    """

    attempt_id: int
    rating: Rating | None = None
    due: datetime | None = None
    answer_id: str = ""
    already: bool = False


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
        written = store.attempt_for_answer(answer.answer_id)
        if written is not None:  # replayed, but written before: once is enough
            return Recorded(written, answer_id=answer.answer_id, already=True)
        kept = None
        if answered and answer.session_id is not None:
            kept = store.ungraded_attempt(answer.session_id, answer.question_id)
        if kept is None:
            attempt_id = store.record_attempt(attempt, answer.answer_id)
        else:  # a recall answer the learner graded in the report: one answer, one attempt
            store.grade_attempt(kept, attempt, answer.answer_id)
            attempt_id = kept
        if not answered:
            return Recorded(attempt_id, answer_id=answer.answer_id)
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
    return Recorded(attempt_id, rating, due, answer.answer_id)


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


@dataclass(frozen=True, slots=True)
class Replayed:
    """What a start found in the spool: answers saved now, still waiting, moved aside."""

    saved: int = 0
    waiting: int = 0
    moved_aside: tuple[str, ...] = ()

    @property
    def message(self) -> str | None:
        """The sentence for the user (None: the spool was empty)."""
        parts = []
        if self.saved:
            parts.append(
                f"{count(self.saved, 'answer')} given while the history was busy "
                f"{'was' if self.saved == 1 else 'were'} saved now."
            )
        if self.waiting:
            parts.append(
                f"{count(self.waiting, 'answer')} given while the history was busy "
                f"{'is' if self.waiting == 1 else 'are'} still waiting: saved as soon as "
                "the database can be written."
            )
        if self.moved_aside:
            where = self.moved_aside[0]
            parts.append(
                f"{count(len(self.moved_aside), 'kept answer')} could not be read and "
                f"{'was' if len(self.moved_aside) == 1 else 'were'} moved aside ({where})."
            )
        return " ".join(parts) or None


def replay_kept(store: Store, timeout: float | None = None) -> Replayed:
    """Write the answers an earlier run kept on disk for `store` (a CLI command's start);
    `timeout` bounds the wait for a busy database (what is not written stays on disk)."""
    from datetime import UTC

    from quizapp.locations import unsaved_answers_dir
    from quizapp.spool import Spool

    recorder = Recorder(store, lambda: datetime.now(UTC), Spool(unsaved_answers_dir(store.path)))
    return recorder.take_kept(timeout)[0]


class Recorder:
    """Records answers through `record()`; keeps those the database refuses, and retries.

    `store` may be None (not opened yet, or not at all): answers wait until it is set.
    `spool` (optional) keeps every waiting answer on disk too, so no exit loses it.
    Thread-safe: practice and mock workers share one Recorder (the app's).
    """

    def __init__(
        self, store: Store | None, now: Callable[[], datetime], spool: Spool | None = None
    ) -> None:
        self.store = store
        self.spool = spool
        self._now = now
        self._lock = threading.Lock()
        #: Answers not yet in the database, oldest first, each with the moment it was given.
        self.pending: list[tuple[Answer, datetime]] = []
        #: Why the last write failed (None after a write succeeded).
        self.error: str | None = None
        #: Why the waiting answers could not be kept on disk (None: they are, or no spool).
        self.spool_error: str | None = None
        self._on_disk: set[str] = set()

    def submit(self, answer: Answer) -> Recorded | None:
        """Record `answer` now (after any that wait); None when it was kept for later.

        Waits at most SUBMIT_WAIT for a busy database: someone is waiting for the verdict.
        """
        moment = self._now()  # when it was given, not when another flush let it in
        with self._lock:
            self.pending.append((answer, moment))
            with self._waiting_at_most(SUBMIT_WAIT):
                results = self._flush()
            if self.pending and self.pending[-1][0] is answer:
                self._keep_on_disk()
                return None
            return results[-1] if results else None

    def flush(self, timeout: float | None = None) -> list[Recorded]:
        """Try again to write the answers that wait; returns what was written now.

        `timeout` (seconds) bounds the wait, for the database's lock and for another
        flush in progress (quitting must not hang on a busy database).
        """
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            return []
        try:
            with self._waiting_at_most(timeout):
                return self._flush()
        finally:
            self._lock.release()

    def _waiting_at_most(self, timeout: float | None) -> AbstractContextManager[object]:
        """Inside it, a write waits at most `timeout` for another process's lock (None:
        the store's own busy timeout)."""
        if timeout is None or self.store is None:
            return contextlib.nullcontext()
        return self.store.busy_timeout(timeout)

    def take_kept(self, timeout: float | None = None) -> tuple[Replayed, list[Recorded]]:
        """Put the answers an earlier run kept on disk in line first, then flush.

        Called once the store is open. Another process replaying the same files at the
        same time is harmless: `record()` skips an answer whose id it already holds.
        `timeout` bounds the wait for a busy database (what is not written waits on).
        """
        if self.spool is None:
            return Replayed(), self.flush(timeout)
        kept: Kept = self.spool.read()
        with self._lock, self._waiting_at_most(timeout):
            known = {a.answer_id for a, _ in self.pending}
            older = [(a, m) for a, m in kept.answers if a.answer_id not in known]
            self.pending[:0] = older
            self._on_disk.update(a.answer_id for a, _ in older)
            replayed = {a.answer_id for a, _ in older}
            done: list[Recorded] = []
            broken: list[str] = []
            while True:
                try:
                    self._flush(done)
                    break
                except Exception:  # one answer the code cannot write: set aside, go on
                    broken.append(str(self.spool.folder / UNREADABLE))
            waiting = sum(1 for a, _ in self.pending if a.answer_id in replayed)
        saved = sum(1 for r in done if r.answer_id in replayed and not r.already)
        moved = tuple(str(p) for p in kept.moved_aside) + tuple(broken)
        return Replayed(saved, waiting, moved), done

    def _flush(self, done: list[Recorded] | None = None) -> list[Recorded]:
        """Write what waits, oldest first, until one is refused; appends to and returns `done`."""
        done = [] if done is None else done
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
                self._forget(answer, aside=True)
                raise
            self.pending.pop(0)
            self._forget(answer)
            self.error = None
        return done

    def _keep_on_disk(self) -> None:
        """Write every waiting answer not on disk yet to the spool (if there is one)."""
        if self.spool is None:
            return
        for answer, moment in self.pending:
            if answer.answer_id in self._on_disk:
                continue
            try:
                self.spool.keep(answer, moment)
            except OSError as exc:
                self.spool_error = exc.strerror or str(exc)
                return
            self._on_disk.add(answer.answer_id)
        self.spool_error = None

    def _forget(self, answer: Answer, *, aside: bool = False) -> None:
        """The answer left the line: its spool file goes (or, if it broke, aside)."""
        if answer.answer_id not in self._on_disk or self.spool is None:
            return
        self._on_disk.discard(answer.answer_id)
        try:
            if aside:
                self.spool.set_aside(answer.answer_id)
            else:
                self.spool.drop(answer.answer_id)
        except OSError:
            pass  # replayed at the next start, and skipped there: it is written

    @property
    def waiting(self) -> int:
        return len(self.pending)

    def waiting_questions(self) -> set[str]:
        """The questions whose answers wait (from any thread: copying the list is atomic)."""
        return {answer.question_id for answer, _ in tuple(self.pending)}

    @property
    def kept_on_disk(self) -> bool:
        """Whether every waiting answer is in the spool (survives quitting and crashes)."""
        return all(a.answer_id in self._on_disk for a, _ in self.pending)

    @property
    def message(self) -> str | None:
        """What the user should know: how many answers wait and why (None: all saved)."""
        n = len(self.pending)
        if not n:
            return None
        said = f"{count(n, 'answer is', 'answers are')} not saved yet: {self.error or 'waiting'}."
        if self.spool is not None and self.kept_on_disk:
            if self.store is None:  # the next start may not open it either
                return (
                    f"{said} Kept in {self.spool.folder} and saved by a later start, once "
                    "the history can be opened."
                )
            return (
                f"{said} Kept in {self.spool.folder} and saved as soon as the database "
                "can be written (at the latest when quizapp starts next)."
            )
        if self.spool_error:
            return (
                f"{said} Kept in memory only ({self.spool_error}): saved as soon as the "
                "database can be written, lost if quizapp quits before."
            )
        return f"{said} Kept in memory and saved as soon as the database can be written."
