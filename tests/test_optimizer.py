"""`quizapp optimize`: fitting FSRS to a simulated learner's review log.

The learner (tests/learners.py) forgets with known parameters that are not FSRS's
defaults; the app schedules it with the defaults and logs every review through the
one recording path. A fit must then predict the log better than the defaults, and be
used by the scheduler afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fsrs import Card, Rating, Scheduler
from learners import Learner

from quizapp.cli import main
from quizapp.locations import db_path
from quizapp.optimizer import MIN_REVIEWS, histories, items_from
from quizapp.scheduling import PARAMETERS_KEY, review, scheduler_for
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
DEFAULTS = Scheduler().parameters


def simulate(store: Store, questions: int, min_reviews: int, seed: int = 3) -> int:
    """Eight new questions a day, every due one reviewed, until `min_reviews` are logged."""
    learner = Learner(seed)
    qids = [f"pack/q{i:03d}" for i in range(questions)]
    reviews = 0
    day = 0
    while reviews < min_reviews:
        now = T0 + timedelta(days=day)
        new = qids[8 * day : 8 * day + 8]
        due = [q for q, when in store.card_dues(qids).items() if when <= now]
        for qid in [*due, *new]:
            right = learner.answer(qid, now)
            review(store, qid, Rating.Good if right else Rating.Again, now)
            reviews += 1
        day += 1
    return reviews


def optimize(*args: str) -> dict:
    result = CliRunner().invoke(main, ["optimize", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_below_the_minimum_nothing_is_fitted_and_it_says_how_many_more() -> None:
    with Store.open() as store:
        logged = simulate(store, questions=10, min_reviews=30)
    report = optimize()
    assert report == {
        "reviews": logged,
        "enough": False,
        "needed": MIN_REVIEWS - logged,
        "minimum": MIN_REVIEWS,
    }
    with Store.open() as store:
        assert store.get_setting(PARAMETERS_KEY) is None


def test_a_fit_on_a_thousand_reviews_beats_the_defaults_and_is_used_from_then_on() -> None:
    with Store.open() as store:
        logged = simulate(store, questions=128, min_reviews=1000)
    assert logged >= 1000

    report = optimize()
    assert report["enough"] is True
    assert report["reviews"] == logged
    assert report["log_loss_after"] < report["log_loss_before"]
    assert report["kept"] is True
    fitted = report["parameters"]
    assert fitted != pytest.approx(list(DEFAULTS), abs=1e-3)

    with Store.open() as store:
        assert scheduler_for(store).parameters == pytest.approx(fitted, abs=1e-5)
        # The next review is scheduled with the fitted memory model.
        later = T0 + timedelta(days=400)
        review(store, "pack/brand-new", Rating.Good, later)
        review(store, "pack/brand-new", Rating.Good, later + timedelta(minutes=10))
        card = Card.from_json(store.get_card("pack/brand-new").card_json)
        assert card.stability == pytest.approx(_stability_after_two_goods(fitted, later), rel=1e-6)

    # --reset goes back to FSRS's defaults.
    assert CliRunner().invoke(main, ["optimize", "--reset"]).exit_code == 0
    with Store.open(db_path()) as store:
        assert scheduler_for(store).parameters == DEFAULTS


def _stability_after_two_goods(parameters: list[float], when: datetime) -> float:
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    card, _ = scheduler.review_card(Card(card_id=1, due=when), Rating.Good, when)
    card, _ = scheduler.review_card(card, Rating.Good, when + timedelta(minutes=10))
    return float(card.stability)


def test_same_day_repeats_are_not_training_items() -> None:
    day = datetime(2025, 3, 1, 9, tzinfo=UTC)
    history = histories(
        [
            ("p/a", day, 1),
            ("p/a", day + timedelta(minutes=10), 3),  # same day: no item of its own
            ("p/a", day + timedelta(days=3), 3),
            ("p/b", day, 3),  # one review: nothing to learn from yet
        ]
    )
    items = items_from(history)
    assert len(items) == 1
    assert [repr(r) for r in items[0].reviews] == [
        "FSRSReview { rating: 1, delta_t: 0 }",
        "FSRSReview { rating: 3, delta_t: 0 }",
        "FSRSReview { rating: 3, delta_t: 3 }",
    ]
