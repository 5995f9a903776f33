"""Spaced-repetition progress worth looking at: retention, forecast, activity, topics, leeches.

`quizapp stats --json` prints it and the TUI's stats screen draws it; both call
`progress()` so the two faces never disagree. Every figure comes from the store's
history and the scheduler's own memory model (FSRS retrievability); nothing here
reads a clock: `now` is passed in.

* **retention**: of the reviews in the last 30 days that tested a memory (the question
  was last reviewed on an earlier day), the share recalled (rating above "again"), next to
  the retention the scheduler aims for.
* **forecast**: reviews falling due each day, up to the interview date or 30 days; what
  is overdue counts today.
* **activity**: answers per day over the last 12 weeks (84 days, oldest first).
* **topics**: per topic, the mean retrievability of its questions now (never seen: 0)
  and the accuracy of answers; weakest first.
* **leeches**: questions failed (rated "again") `LEECH_FAILURES` times or more.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from fsrs import Scheduler

    from quizapp.store import ReviewLogRow, Store

__all__ = ["LEECH_FAILURES", "Progress", "is_leech", "leech_failures", "progress"]

#: A question failed this many times is a leech (Anki's default threshold).
LEECH_FAILURES = 8
#: Days of reviews measured for retention.
RETENTION_DAYS = 30
#: Days of forecast without an interview date.
FORECAST_DAYS = 30
#: Weeks in the activity heatmap.
ACTIVITY_WEEKS = 12

_AGAIN = 1


@dataclass(frozen=True, slots=True)
class TopicProgress:
    topic: str
    questions: int
    seen: int
    retrievability: float
    accuracy: float | None
    answers: int

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "questions": self.questions,
            "seen": self.seen,
            "retrievability": round(self.retrievability, 4),
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "answers": self.answers,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """Everything the stats screen and `quizapp stats` show, windows and totals included.

    Both faces read the windows (`retention_days`, `activity_weeks`), the leech
    threshold and the totals from here, so neither writes "30 days" or sums a list itself.
    The windows are class constants, the ones `progress()` computes with: a label can
    never name a window other than the one its figure covers.
    """

    today: date
    desired_retention: float
    measured_retention: float | None
    retention_reviews: int
    forecast: list[tuple[date, int]] = field(default_factory=list)
    activity: list[tuple[date, int]] = field(default_factory=list)
    topics: list[TopicProgress] = field(default_factory=list)
    leeches: list[tuple[str, int]] = field(default_factory=list)
    #: Days of reviews behind `measured_retention` (the window `progress()` measures).
    retention_days: ClassVar[int] = RETENTION_DAYS
    #: Days of `forecast` when no interview date is set.
    forecast_days: ClassVar[int] = FORECAST_DAYS
    #: Weeks covered by `activity`.
    activity_weeks: ClassVar[int] = ACTIVITY_WEEKS
    #: Failures that make a question a leech.
    leech_threshold: ClassVar[int] = LEECH_FAILURES

    @property
    def activity_total(self) -> int:
        """Answers over the whole activity window."""
        return sum(n for _, n in self.activity)

    @property
    def due_today(self) -> int:
        """Reviews due today, overdue ones included."""
        return self.forecast[0][1] if self.forecast else 0

    @property
    def due_this_week(self) -> int:
        """Reviews due in the seven days from today."""
        return sum(n for _, n in self.forecast[:7])

    @property
    def forecast_total(self) -> int:
        """Reviews due over the whole forecast."""
        return sum(n for _, n in self.forecast)

    @property
    def forecast_peak(self) -> int:
        """The most reviews due on one day of the forecast (0 without a forecast)."""
        return max((n for _, n in self.forecast), default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "retention": {
                "days": self.retention_days,
                "desired": self.desired_retention,
                "measured": None
                if self.measured_retention is None
                else round(self.measured_retention, 4),
                "reviews": self.retention_reviews,
            },
            "forecast": [{"date": d.isoformat(), "due": n} for d, n in self.forecast],
            "activity": [{"date": d.isoformat(), "answers": n} for d, n in self.activity],
            "topics": [t.to_json() for t in self.topics],
            "leeches": [{"question": q, "failures": n} for q, n in self.leeches],
        }


def _tests_memory(row: ReviewLogRow) -> bool:
    """A review on a later calendar day than the one before it (not a same-day repeat)."""
    if row.state_before is None or row.elapsed_days is None:
        return False
    previous = row.ts - timedelta(days=row.elapsed_days)
    return previous.astimezone().date() < row.ts.astimezone().date()


def leech_failures(store: Store) -> dict[str, int]:
    """question id -> times rated "again", for questions failed at least `LEECH_FAILURES` times."""
    counts = Counter(r.question_id for r in store.review_log() if r.rating == _AGAIN)
    return {qid: n for qid, n in counts.items() if n >= LEECH_FAILURES}


def is_leech(store: Store, question_id: str) -> bool:
    """A question failed `LEECH_FAILURES` times or more (it opens with its derivation)."""
    failures = sum(1 for r in store.review_log(question_id) if r.rating == _AGAIN)
    return failures >= LEECH_FAILURES


def retrievabilities(store: Store, scheduler: Scheduler, now: datetime) -> dict[str, float]:
    """question id -> the probability of recalling it now, for every reviewed question.

    A card that cannot be read (written by hand, or by a future fsrs) is left out rather
    than stopping the whole report.
    """
    from fsrs import Card

    result: dict[str, float] = {}
    for row in store.cards():
        try:
            card = Card.from_json(row.card_json)
        except (KeyError, TypeError, ValueError):
            continue
        result[row.question_id] = float(scheduler.get_card_retrievability(card, now))
    return result


def progress(
    store: Store,
    known: Mapping[str, Sequence[str]],
    *,
    now: datetime,
    today: date,
    interview: date | None = None,
) -> Progress:
    """The stats for the questions in `known` (qid -> topics), as of `now` (local `today`)."""
    from quizapp.scheduling import scheduler_for

    scheduler = scheduler_for(store)
    log = store.review_log()

    since = now - timedelta(days=RETENTION_DAYS)
    tested = [r for r in log if r.ts >= since and _tests_memory(r)]
    measured = sum(1 for r in tested if r.rating != _AGAIN) / len(tested) if tested else None

    horizon = (interview - today).days if interview and interview > today else FORECAST_DAYS
    due_days = Counter(
        max((due.astimezone().date() - today).days, 0)
        for due in store.card_dues(known or None).values()
    )
    forecast = [(today + timedelta(days=i), due_days.get(i, 0)) for i in range(horizon)]

    first = today - timedelta(days=7 * ACTIVITY_WEEKS - 1)
    answered = Counter(
        a.ts.astimezone().date()
        for a in store.attempts()
        if a.ts is not None and a.valid and not a.skipped
    )
    activity = [
        (first + timedelta(days=i), answered.get(first + timedelta(days=i), 0))
        for i in range(7 * ACTIVITY_WEEKS)
    ]

    recall = retrievabilities(store, scheduler, now)
    accuracy = store.topic_accuracy()
    by_topic: dict[str, list[str]] = {}
    for qid, tags in known.items():
        for topic in tags:
            by_topic.setdefault(topic, []).append(qid)
    topics = [
        TopicProgress(
            topic=topic,
            questions=len(qids),
            seen=sum(1 for q in qids if q in recall),
            retrievability=statistics.fmean(recall.get(q, 0.0) for q in qids),
            accuracy=accuracy[topic][1] if topic in accuracy else None,
            answers=accuracy[topic][0] if topic in accuracy else 0,
        )
        for topic, qids in by_topic.items()
    ]
    topics.sort(key=lambda t: (t.retrievability, t.accuracy or 0.0, t.topic))

    leeches = sorted(leech_failures(store).items(), key=lambda item: (-item[1], item[0]))
    return Progress(
        today=today,
        desired_retention=float(scheduler.desired_retention),
        measured_retention=measured,
        retention_reviews=len(tested),
        forecast=forecast,
        activity=activity,
        topics=topics,
        leeches=leeches,
    )
