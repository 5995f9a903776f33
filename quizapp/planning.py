"""Planning to the interview date: which questions to meet and review on which day.

People practise because an interview is coming on a known day. The plan answers
"will everything fit, and what do I do today?":

* Every question never seen is **met** on some day before the interview and **reviewed at
  least once** on a later day, also before it; a question whose first review cannot be
  placed is not introduced on that day (on the last study day it may still be met, and
  is listed in `not_reviewed`).
* Every day's work (reviews first, then new questions) stays within the daily minutes.
  What does not fit is reported in `unseen_after_plan`, never silently dropped.
* New questions are spread evenly over the days that still leave room for a review.
* Memory is simulated with the learner's FSRS scheduler (their fitted parameters when
  they have them), assuming every answer is "good"; the plan is recomputed from the real
  history each time it is shown, so a failed answer simply moves work into the next plan.
* The time a question takes comes from the learner's own recorded answer times, then from
  their pace on other questions (recorded time ÷ budget, median) times its budget, then
  from its time budget alone.

Pure logic with an injected day: `make_plan` takes the cards, the time estimates and
`today` as arguments and reads no clock, no file and no database. `plan_for` gathers
those inputs from a store for the CLI and the TUI.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from fsrs import Card, Rating, Scheduler, State

if TYPE_CHECKING:
    from quizapp.store import Store

__all__ = [
    "INTERVIEW_KEY",
    "MINUTES_KEY",
    "Plan",
    "PlanDay",
    "PlanItem",
    "make_plan",
    "plan_for",
    "question_seconds",
]

#: Settings keys in the store.
INTERVIEW_KEY = "interview_date"
MINUTES_KEY = "minutes_per_day"

#: Daily minutes when the learner has not said.
DEFAULT_MINUTES_PER_DAY = 30.0

#: A recorded answer time counts for at most this many time budgets (longer: time away).
MAX_BUDGETS_PER_ANSWER = 3.0

#: A simulated review happens at this UTC time of its day.
_REVIEW_TIME = time(12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One question to plan: its id, how long it takes, and its review card (None: unseen)."""

    qid: str
    seconds: float
    card: Card | None = None


@dataclass(frozen=True, slots=True)
class PlanDay:
    """One study day: which questions are met for the first time and which are reviewed,
    and how long that takes (today: only what is left, not what was done already)."""

    day: date
    new: tuple[str, ...] = ()
    due: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "new": len(self.new),
            "due": len(self.due),
            "minutes": round(self.minutes, 1),
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """The days from today to the day before the interview, and what will not fit."""

    today: date
    interview: date
    minutes_per_day: float
    days: tuple[PlanDay, ...]
    questions: int
    unseen_after_plan: tuple[str, ...]
    not_reviewed: tuple[str, ...]
    predicted_retention: float
    retrievability: Mapping[str, float] = field(default_factory=dict)

    @property
    def days_left(self) -> int:
        return (self.interview - self.today).days

    @property
    def today_plan(self) -> PlanDay | None:
        return self.days[0] if self.days and self.days[0].day == self.today else None

    def to_json(self) -> dict[str, Any]:
        """The `quizapp plan --json` payload."""
        return {
            "interview": self.interview.isoformat(),
            "today": self.today.isoformat(),
            "days_left": self.days_left,
            "minutes_per_day": self.minutes_per_day,
            "questions": self.questions,
            "days": [d.to_json() for d in self.days],
            "unseen_after_plan": list(self.unseen_after_plan),
            "not_reviewed": list(self.not_reviewed),
            "predicted_retention": round(self.predicted_retention, 4),
        }


def _at(day: date) -> datetime:
    return datetime.combine(day, _REVIEW_TIME)


def _planning_scheduler(scheduler: Scheduler) -> Scheduler:
    """The same memory model at day granularity: no minute steps, no fuzz."""
    return Scheduler(
        parameters=scheduler.parameters,
        desired_retention=scheduler.desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=scheduler.maximum_interval,
        enable_fuzzing=False,
    )


def _as_review_card(card: Card) -> Card | None:
    """A stored card as a plain Review-state card (its minute steps mean nothing here)."""
    if card.stability is None or card.difficulty is None or card.last_review is None:
        return None
    return Card(
        card_id=card.card_id,
        state=State.Review,
        step=None,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


class _Calendar:
    """Seconds booked per study day, and the questions booked on each."""

    def __init__(self, days: Sequence[date], budget: float) -> None:
        self.days = list(days)
        self.budget = budget
        self.load = [0.0] * len(days)
        self.reviews: list[list[str]] = [[] for _ in days]
        self.new: list[list[str]] = [[] for _ in days]

    def fits(self, index: int, seconds: float) -> bool:
        return self.load[index] + seconds <= self.budget + 1e-9

    def first_free(self, start: int, seconds: float) -> int | None:
        """The first day at or after `start` with room for `seconds`."""
        for index in range(max(start, 0), len(self.days)):
            if self.fits(index, seconds):
                return index
        return None

    def roomiest(self, latest: int, earliest: int, seconds: float) -> int | None:
        """The day in [earliest, latest] with the most room left (the later on a tie).

        Booking first reviews where there is most room keeps later days open for new
        questions; among equals the later day is the better spaced review.
        """
        best: int | None = None
        for index in range(earliest, min(latest, len(self.days) - 1) + 1):
            if self.fits(index, seconds) and (best is None or self.load[index] <= self.load[best]):
                best = index
        return best

    def book_review(self, index: int, qid: str, seconds: float) -> None:
        self.load[index] += seconds
        self.reviews[index].append(qid)

    def book_new(self, index: int, qid: str, seconds: float) -> None:
        self.load[index] += seconds
        self.new[index].append(qid)


@dataclass(frozen=True, slots=True)
class DoneToday:
    """What the learner already practised today: the plan is made again after every answer,
    and today's share of new questions and minutes must count this work, not start afresh."""

    met: frozenset[str] = frozenset()  # questions seen for the first time today
    seconds: float = 0.0  # their estimated time, and that of today's reviews


def make_plan(
    items: Iterable[PlanItem],
    *,
    today: date,
    interview: date,
    minutes_per_day: float,
    scheduler: Scheduler,
    done_today: DoneToday = DoneToday(),
) -> Plan:
    """Plan every question up to the day before `interview`, within `minutes_per_day`.

    New questions are first spread evenly over the days; when that leaves some unmet,
    they are packed as early as the budget allows instead, and the plan that meets more
    questions wins. What was `done_today` already fills part of today (its minutes, and its
    new questions count toward today's share). Raises ValueError when the interview is not
    after today or the minutes are not positive.
    """
    if interview <= today:
        raise ValueError(f"the interview date {interview} must be after today ({today})")
    if not minutes_per_day > 0:
        raise ValueError(f"minutes per day must be positive, got {minutes_per_day}")
    items = list(items)
    planner = _Planner(
        items, today, interview, minutes_per_day, _planning_scheduler(scheduler), done_today
    )
    plan = planner.run(spread=True)
    if plan.unseen_after_plan:
        packed = planner.run(spread=False)
        if len(packed.unseen_after_plan) < len(plan.unseen_after_plan):
            plan = packed
    return plan


class _Planner:
    """One simulation of the calendar, day by day, with the memory model."""

    def __init__(
        self,
        items: list[PlanItem],
        today: date,
        interview: date,
        minutes_per_day: float,
        sim: Scheduler,
        done_today: DoneToday,
    ) -> None:
        self.items = items
        self.done_today = done_today
        self.today = today
        self.interview = interview
        self.minutes_per_day = minutes_per_day
        self.sim = sim
        self.cost = {item.qid: max(float(item.seconds), 1.0) for item in items}
        self.days = [today + timedelta(days=i) for i in range((interview - today).days)]

    def _index(self, moment: datetime) -> int:
        """The study day of `moment`: the learner's calendar day (local, as `today` is)."""
        return (moment.astimezone().date() - self.today).days

    def run(self, *, spread: bool) -> Plan:
        sim, cost, days = self.sim, self.cost, self.days
        last = len(days) - 1
        cal = _Calendar(days, self.minutes_per_day * 60.0)
        cal.load[0] = self.done_today.seconds
        met_today = len(self.done_today.met)
        memory: dict[str, Card] = {}
        unseen: list[str] = []
        for item in self.items:
            card = None if item.card is None else _as_review_card(item.card)
            if card is None:
                unseen.append(item.qid)
                continue
            memory[item.qid] = card
            due_index = max(self._index(card.due), 0)
            if due_index <= last:
                slot = cal.first_free(due_index, cost[item.qid])
                if slot is not None:
                    cal.book_review(slot, item.qid, cost[item.qid])

        not_reviewed: list[str] = []
        for index, day in enumerate(days):
            # Reviews booked for today, weakest memory first.
            todays = sorted(
                cal.reviews[index],
                key=lambda q: sim.get_card_retrievability(memory[q], _at(day)),
            )
            cal.reviews[index] = todays
            for qid in todays:
                memory[qid], _ = sim.review_card(memory[qid], Rating.Good, _at(day))
                nxt = self._index(memory[qid].due)
                if nxt <= last:
                    slot = cal.first_free(nxt, cost[qid])
                    if slot is not None:
                        cal.book_review(slot, qid, cost[qid])
            # New questions, each with a booked first review on a later day.
            quota = len(unseen)
            if spread:
                met = met_today if index == 0 else 0  # today's share counts those met already
                quota = math.ceil((len(unseen) + met) / max(last - index, 1)) - met
            kept: list[str] = []
            for qid in unseen:
                if quota <= 0 or not cal.fits(index, cost[qid]):
                    kept.append(qid)
                    continue
                card, _ = sim.review_card(Card(card_id=0, due=_at(day)), Rating.Good, _at(day))
                review_slot = None
                if index < last:
                    ideal = min(self._index(card.due), last)
                    review_slot = cal.roomiest(ideal, index + 1, cost[qid])
                    if review_slot is None:
                        kept.append(qid)
                        continue
                cal.book_new(index, qid, cost[qid])
                memory[qid] = card
                quota -= 1
                if review_slot is None:
                    not_reviewed.append(qid)
                else:
                    cal.book_review(review_slot, qid, cost[qid])
            unseen = kept

        on_the_day = _at(self.interview)
        retrievability = {
            item.qid: (
                sim.get_card_retrievability(memory[item.qid], on_the_day)
                if item.qid in memory
                else 0.0
            )
            for item in self.items
        }
        return Plan(
            today=self.today,
            interview=self.interview,
            minutes_per_day=self.minutes_per_day,
            days=tuple(
                PlanDay(
                    day=day,
                    new=tuple(cal.new[i]),
                    due=tuple(cal.reviews[i]),
                    seconds=cal.load[i] - (self.done_today.seconds if i == 0 else 0.0),
                )
                for i, day in enumerate(days)
            ),
            questions=len(self.items),
            unseen_after_plan=tuple(unseen),
            not_reviewed=tuple(not_reviewed),
            predicted_retention=(
                statistics.fmean(retrievability.values()) if retrievability else 0.0
            ),
            retrievability=retrievability,
        )


def question_seconds(
    budgets: Mapping[str, float], recorded: Mapping[str, Sequence[float]]
) -> dict[str, float]:
    """How long each question takes this learner, in seconds.

    Their own mean time on the question; else their pace elsewhere (median of
    recorded time ÷ budget) times its budget; else its budget. A recorded time counts
    for at most `MAX_BUDGETS_PER_ANSWER` budgets: a question left open while the learner
    was away says nothing about their pace, and would make every day of the plan too
    short for it.
    """

    def kept(qid: str, seconds: float) -> float:
        budget = budgets.get(qid)
        return min(seconds, MAX_BUDGETS_PER_ANSWER * budget) if budget else seconds

    ratios = [
        kept(qid, seconds) / budgets[qid]
        for qid, times in recorded.items()
        if budgets.get(qid)
        for seconds in times
    ]
    pace = statistics.median(ratios) if ratios else 1.0
    return {
        qid: statistics.fmean(kept(qid, s) for s in recorded[qid])
        if recorded.get(qid)
        else budget * pace
        for qid, budget in budgets.items()
    }


def interview_date(store: Store) -> date | None:
    """The interview date the learner set, if any."""
    text = store.get_setting(INTERVIEW_KEY)
    return None if text is None else date.fromisoformat(text)


def plan_for(
    store: Store,
    budgets: Mapping[str, float],
    *,
    today: date,
    interview: date | None = None,
    minutes_per_day: float | None = None,
    scheduler: Scheduler | None = None,
) -> Plan | None:
    """The plan for the questions in `budgets` (qid -> time budget), from the store's history.

    The date and minutes default to the ones saved in the store; None when no date is set.
    """
    from quizapp.scheduling import readable_card, scheduler_for

    interview = interview or interview_date(store)
    if interview is None:
        return None
    if minutes_per_day is None:
        minutes_per_day = float(store.get_setting(MINUTES_KEY, DEFAULT_MINUTES_PER_DAY))
    seconds = question_seconds(budgets, store.answer_seconds())
    cards = {row.question_id: readable_card(row.card_json) for row in store.cards()}
    items = [PlanItem(qid, seconds[qid], cards.get(qid)) for qid in budgets]
    midnight = datetime.combine(today, time()).astimezone()  # the learner's local midnight
    reviews = [r for r in store.review_log(since=midnight) if r.question_id in seconds]
    done = DoneToday(
        met=frozenset(r.question_id for r in reviews if r.card_before is None),
        seconds=sum(seconds[r.question_id] for r in reviews),
    )
    return make_plan(
        items,
        today=today,
        interview=interview,
        minutes_per_day=minutes_per_day,
        scheduler=scheduler or scheduler_for(store),
        done_today=done,
    )


def toward_the_date(
    store: Store, question_ids: Sequence[str], now: datetime, plan: Plan | None = None
) -> list[str]:
    """The practice order when an interview date is set.

    Due questions first, the one most likely forgotten (lowest FSRS retrievability) first;
    then the new questions today's plan meets, then any other new ones.
    """
    from quizapp.progress import retrievabilities
    from quizapp.scheduling import scheduler_for

    ids = list(dict.fromkeys(question_ids))
    dues = store.card_dues(ids)
    recall = retrievabilities(store, scheduler_for(store), now)
    due_now = sorted(
        (q for q, when in dues.items() if when <= now), key=lambda q: (recall.get(q, 0.0), q)
    )
    planned = [] if plan is None or plan.today_plan is None else list(plan.today_plan.new)
    new = [q for q in ids if q not in dues]
    first_new = [q for q in planned if q in new]
    return due_now + first_new + [q for q in new if q not in first_new]


def review_ahead(store: Store, question_ids: Sequence[str], now: datetime) -> list[str]:
    """Questions reviewed but not due yet, weakest memory first: "advance" when nothing is due."""
    from quizapp.progress import retrievabilities
    from quizapp.scheduling import scheduler_for

    dues = store.card_dues(list(question_ids))
    recall = retrievabilities(store, scheduler_for(store), now)
    return sorted(
        (q for q, when in dues.items() if when > now), key=lambda q: (recall.get(q, 0.0), q)
    )
