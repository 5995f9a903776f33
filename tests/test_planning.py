"""Planning to the interview date, tried on a simulated learner over a simulated calendar.

The learner (tests/learners.py) is a known FSRS memory model with its own parameters.
Each simulated day it does exactly what the plan for that day says, and the store
records it with the injected clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating
from learners import Learner

from quizapp.planning import (
    Plan,
    PlanItem,
    make_plan,
    plan_for,
    question_seconds,
    review_ahead,
    toward_the_date,
)
from quizapp.scheduling import review, scheduler
from quizapp.store import Attempt, Store

TODAY = date(2025, 3, 1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "h.db") as s:
        yield s


def budgets_for(n: int) -> dict[str, float]:
    """n questions with time budgets from 60 s to 180 s."""
    return {f"pack/q{i:02d}": float(60 + 30 * (i % 5)) for i in range(n)}


def live_until(
    store: Store, budgets: dict[str, float], interview: date, minutes: float, seed: int = 7
) -> tuple[Learner, dict[date, float], dict[str, set[date]]]:
    """Run the learner from TODAY to the day before the interview, following each day's plan."""
    learner = Learner(seed)
    spent: dict[date, float] = defaultdict(float)
    practised: dict[str, set[date]] = defaultdict(set)
    day = TODAY
    while day < interview:
        plan = plan_for(store, budgets, today=day, interview=interview, minutes_per_day=minutes)
        assert plan is not None
        work = plan.today_plan
        assert work is not None
        now = datetime.combine(day, time(18, 0), tzinfo=UTC)
        for qid in (*work.due, *work.new):
            right = learner.answer(qid, now)
            seconds = budgets[qid]  # the learner takes exactly the question's budget
            store.record_attempt(
                Attempt(qid, right, 1.0 if right else 0.0, seconds=seconds, ts=now)
            )
            review(store, qid, Rating.Good if right else Rating.Again, now)
            spent[day] += seconds
            practised[qid].add(day)
            now += timedelta(seconds=seconds)
        day += timedelta(days=1)
    return learner, spent, practised


def test_a_learner_following_the_plan_meets_and_reviews_every_question_before_the_date(
    store: Store,
) -> None:
    budgets = budgets_for(40)
    interview = TODAY + timedelta(days=21)
    learner, spent, practised = live_until(store, budgets, interview, minutes=30)

    # Every question met, and practised again on a later day, before the interview.
    assert set(practised) == set(budgets)
    assert all(len(days) >= 2 for days in practised.values())
    assert max(max(days) for days in practised.values()) < interview
    # Never more than the daily budget.
    assert max(spent.values()) <= 30 * 60
    # The learner (not the app's model) recalls most of it on the day.
    on_the_day = datetime.combine(interview, time(9), tzinfo=UTC)
    recall = sum(learner.recall_on(q, on_the_day) for q in budgets) / len(budgets)
    assert recall > 0.85


def test_a_budget_too_small_says_what_will_not_be_met_and_still_keeps_to_it(
    store: Store,
) -> None:
    budgets = budgets_for(40)  # 4,800 s of first meetings alone
    interview = TODAY + timedelta(days=5)
    first = plan_for(store, budgets, today=TODAY, interview=interview, minutes_per_day=10)
    assert first is not None
    assert first.unseen_after_plan, "10 minutes a day cannot meet 40 questions in 5 days"
    planned_new = {q for d in first.days for q in d.new}
    assert planned_new.isdisjoint(first.unseen_after_plan)
    assert planned_new | set(first.unseen_after_plan) == set(budgets)
    assert all(d.seconds <= 600 for d in first.days)

    _learner, spent, practised = live_until(store, budgets, interview, minutes=10)
    assert max(spent.values()) <= 600
    # Wrong answers take review time away from new questions, so the learner meets at
    # most what the first plan promised, and never a question it said would not fit.
    assert 0 < len(practised) <= len(planned_new)


def test_every_day_from_today_to_the_eve_of_the_interview_is_planned() -> None:
    items = [PlanItem(q, s) for q, s in budgets_for(6).items()]
    plan = make_plan(
        items,
        today=TODAY,
        interview=TODAY + timedelta(days=4),
        minutes_per_day=60,
        scheduler=scheduler(),
    )
    assert [d.day for d in plan.days] == [TODAY + timedelta(days=i) for i in range(4)]
    payload = plan.to_json()
    assert {"interview", "days", "questions", "unseen_after_plan", "predicted_retention"} <= set(
        payload
    )
    assert payload["questions"] == 6
    assert set(payload["days"][0]) == {"date", "new", "due", "minutes"}
    # A question met on day one is reviewed on a later day.
    met_first = set(plan.days[0].new)
    assert met_first
    assert met_first <= {q for d in plan.days[1:] for q in d.due}


def test_the_interview_must_be_after_today() -> None:
    with pytest.raises(ValueError, match="after today"):
        make_plan([], today=TODAY, interview=TODAY, minutes_per_day=30, scheduler=scheduler())


def test_a_question_already_strong_is_not_reviewed_before_a_near_interview() -> None:
    strong = Card(
        card_id=1, stability=200.0, difficulty=3.0, last_review=datetime(2025, 2, 28, tzinfo=UTC)
    )
    strong.due = datetime(2025, 9, 1, tzinfo=UTC)
    plan = make_plan(
        [PlanItem("p/strong", 60, strong)],
        today=TODAY,
        interview=TODAY + timedelta(days=3),
        minutes_per_day=30,
        scheduler=scheduler(),
    )
    assert all(not d.due and not d.new for d in plan.days)
    assert plan.predicted_retention > 0.95


def test_time_estimates_use_the_learners_own_pace() -> None:
    budgets = {"p/a": 60.0, "p/b": 120.0, "p/c": 100.0}
    # Answers took half the budget on a and b; c was never answered.
    seconds = question_seconds(budgets, {"p/a": [30.0, 30.0], "p/b": [50.0, 70.0]})
    assert seconds["p/a"] == 30.0
    assert seconds["p/b"] == 60.0
    assert seconds["p/c"] == pytest.approx(50.0)
    assert question_seconds({"p/x": 90.0}, {}) == {"p/x": 90.0}


def test_with_a_date_due_work_comes_weakest_first_then_the_plans_new_ones(store: Store) -> None:
    now = datetime.combine(TODAY, time(12), tzinfo=UTC)
    # Both due now; "old" was last seen long ago so it is the more likely forgotten.
    review(store, "p/old", Rating.Good, now - timedelta(days=60))
    review(store, "p/recent", Rating.Again, now - timedelta(hours=2))
    review(store, "p/later", Rating.Easy, now - timedelta(hours=1))  # not due for days
    budgets = {q: 60.0 for q in ("p/old", "p/recent", "p/later", "p/n1", "p/n2", "p/n3")}
    plan = plan_for(
        store, budgets, today=TODAY, interview=TODAY + timedelta(days=3), minutes_per_day=4
    )
    assert plan is not None and plan.today_plan is not None
    order = toward_the_date(store, list(budgets), now, plan)
    assert order[:2] == ["p/old", "p/recent"]
    assert "p/later" not in order
    assert order[2 : 2 + len(plan.today_plan.new)] == list(plan.today_plan.new)
    assert set(order[2:]) == {"p/n1", "p/n2", "p/n3"}
    # Nothing due: "advance" offers what is not due yet, weakest first.
    assert review_ahead(store, list(budgets), now) == ["p/later"]


def test_a_card_fsrs_cannot_read_is_planned_as_unseen_instead_of_breaking_the_plan(
    store: Store,
) -> None:
    budgets = {"p/a": 60.0, "p/b": 60.0}
    moment = datetime.combine(TODAY, time(9), tzinfo=UTC)
    store.put_card("p/a", '{"from": "another fsrs"}', moment, moment)
    plan = plan_for(store, budgets, today=TODAY, interview=TODAY + timedelta(days=5))
    assert plan is not None
    met = [q for day in plan.days for q in day.new]
    assert sorted(met) == ["p/a", "p/b"]


@pytest.fixture
def in_tokyo(monkeypatch: pytest.MonkeyPatch):
    """The learner's clock nine hours ahead of UTC."""
    import time as clock

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    clock.tzset()
    yield
    monkeypatch.undo()
    clock.tzset()


def test_a_review_due_after_the_learners_midnight_is_planned_for_their_tomorrow(
    store: Store, in_tokyo: None
) -> None:
    """Due 16:00 UTC on 1 March is 01:00 on 2 March in Tokyo: not today's work there."""
    from fsrs import State

    due = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
    card = Card(
        card_id=1,
        state=State.Review,
        stability=3.0,
        difficulty=5.0,
        due=due,
        last_review=due - timedelta(days=3),
    )
    store.put_card("p/a", card.to_json(), card.due, card.last_review)
    plan = plan_for(store, {"p/a": 60.0}, today=TODAY, interview=TODAY + timedelta(days=5))
    assert plan is not None
    assert next(day.day for day in plan.days if "p/a" in day.due) == date(2025, 3, 2)


def test_one_answer_left_open_during_lunch_does_not_empty_the_plan(store: Store) -> None:
    """45 minutes on a 60 s question is time away, not the learner's pace."""
    budgets = budgets_for(40)
    first, second, third = list(budgets)[:3]
    moment = datetime.combine(TODAY, time(9), tzinfo=UTC)
    for qid, seconds in ((first, 45 * 60.0), (second, 30.0), (third, 45.0)):
        store.record_attempt(
            Attempt(question_id=qid, correct=True, score=1.0, seconds=seconds, ts=moment)
        )
    plan = plan_for(
        store, budgets, today=TODAY, interview=TODAY + timedelta(days=10), minutes_per_day=30
    )
    assert plan is not None
    assert plan.unseen_after_plan == ()
    assert sum(len(day.new) for day in plan.days) == len(budgets)

    # Alone, it counts as three times its budget, for itself and as the pace elsewhere.
    alone = question_seconds(budgets, {first: [45 * 60.0]})
    assert alone[first] == 3 * budgets[first]
    assert all(alone[q] == 3 * budgets[q] for q in budgets)


def test_what_was_done_today_counts_toward_todays_plan(store: Store) -> None:
    """The plan is made again after every answer: once the morning's new questions are
    done, it must not propose a fresh day's share of them (it said 14 new, then 13 more)."""
    budgets = budgets_for(40)
    interview = TODAY + timedelta(days=5)

    def plan() -> Plan | None:
        return plan_for(store, budgets, today=TODAY, interview=interview, minutes_per_day=60)

    def practise(qids: list[str], now: datetime) -> datetime:
        for qid in qids:
            store.record_attempt(Attempt(qid, True, 1.0, seconds=budgets[qid], ts=now))
            review(store, qid, Rating.Good, now)
            now += timedelta(seconds=budgets[qid])
        return now

    morning = plan()
    assert morning is not None and morning.today_plan is not None
    todays_new = list(morning.today_plan.new)
    assert len(todays_new) >= 4
    half = len(todays_new) // 2
    now = practise(todays_new[:half], datetime.combine(TODAY, time(9), tzinfo=UTC))

    midday = plan()
    assert midday is not None and midday.today_plan is not None
    assert len(midday.today_plan.new) == len(todays_new) - half  # the other half, no more
    # What is left of today: the other half, in the minutes the first half left.
    assert midday.today_plan.seconds <= 60 * 60 - sum(budgets[q] for q in todays_new[:half])

    practise(todays_new[half:], now)
    evening = plan()
    assert evening is not None and evening.today_plan is not None
    assert evening.today_plan.new == ()  # today's share is done
    assert [d.new for d in evening.days[1:]] == [d.new for d in morning.days[1:]]
