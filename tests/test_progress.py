"""Spaced-repetition stats: retention, forecast, activity, topics, leeches (and stats --json)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fsrs import Rating

from quizapp.cli import main
from quizapp.progress import ACTIVITY_WEEKS, LEECH_FAILURES, is_leech, progress
from quizapp.scheduling import review
from quizapp.store import Attempt, Store

TODAY = date(2025, 3, 20)
NOW = datetime.combine(TODAY, time(12)).astimezone(UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "h.db") as s:
        yield s


def answer(store: Store, qid: str, rating: Rating, when: datetime) -> None:
    right = rating != Rating.Again
    store.record_attempt(Attempt(qid, right, 1.0 if right else 0.0, topics=("t",), ts=when))
    review(store, qid, rating, when)


def test_retention_counts_reviews_on_later_days_and_what_was_recalled(store: Store) -> None:
    start = NOW - timedelta(days=10)
    for i in range(10):
        answer(store, f"p/q{i}", Rating.Good, start)
    later = start + timedelta(days=3)
    for i in range(10):
        answer(store, f"p/q{i}", Rating.Good if i < 7 else Rating.Again, later)
    # A same-day repeat tests no memory: left out.
    answer(store, "p/q9", Rating.Good, later + timedelta(minutes=10))
    # Older than 30 days: left out.
    old = NOW - timedelta(days=40)
    answer(store, "p/old", Rating.Good, old)
    answer(store, "p/old", Rating.Again, old + timedelta(days=2))

    p = progress(store, {}, now=NOW, today=TODAY)
    assert p.retention_reviews == 10
    assert p.measured_retention == pytest.approx(0.7)
    assert p.desired_retention == 0.9


def test_forecast_counts_overdue_today_and_runs_to_the_interview(store: Store) -> None:
    answer(store, "p/a", Rating.Good, NOW - timedelta(days=30))  # long overdue
    answer(store, "p/b", Rating.Again, NOW - timedelta(hours=1))  # due in minutes
    answer(store, "p/c", Rating.Good, NOW - timedelta(hours=1))  # learning step: due today
    for qid in ("p/d", "p/e"):
        answer(store, qid, Rating.Good, NOW - timedelta(hours=2))
        answer(store, qid, Rating.Good, NOW - timedelta(hours=1))  # now days away
    p = progress(store, {}, now=NOW, today=TODAY, interview=TODAY + timedelta(days=45))
    assert len(p.forecast) == 45
    assert p.forecast[0] == (TODAY, 3)
    assert sum(n for _, n in p.forecast) == 5
    assert len(progress(store, {}, now=NOW, today=TODAY).forecast) == 30


def test_activity_is_twelve_weeks_of_answers_per_day(store: Store) -> None:
    answer(store, "p/a", Rating.Good, NOW)
    answer(store, "p/b", Rating.Good, NOW)
    answer(store, "p/a", Rating.Good, NOW - timedelta(days=7))
    answer(store, "p/a", Rating.Good, NOW - timedelta(days=200))  # too old to show
    p = progress(store, {}, now=NOW, today=TODAY)
    assert len(p.activity) == 7 * ACTIVITY_WEEKS
    assert p.activity[-1] == (TODAY, 2)
    assert dict(p.activity)[TODAY - timedelta(days=7)] == 1
    assert sum(n for _, n in p.activity) == 3


def test_topics_weakest_first_and_leeches_after_eight_failures(store: Store) -> None:
    known = {"p/strong": ("kv-cache",), "p/weak": ("flops",), "p/never": ("flops",)}
    answer(store, "p/strong", Rating.Good, NOW - timedelta(days=1))
    answer(store, "p/strong", Rating.Easy, NOW - timedelta(hours=1))
    for k in range(LEECH_FAILURES):
        answer(store, "p/weak", Rating.Again, NOW - timedelta(days=20 - k))
    p = progress(store, known, now=NOW, today=TODAY)
    assert [t.topic for t in p.topics] == ["flops", "kv-cache"]
    flops = p.topics[0]
    assert flops.questions == 2
    assert flops.seen == 1
    assert flops.retrievability < 0.5  # one never seen (0) and one failed every time
    assert p.topics[1].retrievability > 0.9
    assert p.leeches == [("p/weak", LEECH_FAILURES)]
    assert is_leech(store, "p/weak")
    assert not is_leech(store, "p/strong")


def test_seven_failures_is_not_yet_a_leech(store: Store) -> None:
    for k in range(LEECH_FAILURES - 1):
        answer(store, "p/q", Rating.Again, NOW - timedelta(days=10 - k))
    assert progress(store, {}, now=NOW, today=TODAY).leeches == []


def test_stats_json_carries_the_spaced_repetition_figures() -> None:
    now = datetime.now(UTC)
    with Store.open() as s:
        answer(s, "attention-basics/qk-flops", Rating.Good, now - timedelta(days=2))
        answer(s, "attention-basics/qk-flops", Rating.Good, now - timedelta(hours=1))
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["retention"]["measured"] == 1.0
    assert payload["retention"]["reviews"] == 1
    assert len(payload["forecast"]) == 30
    assert len(payload["activity"]) == 84
    assert payload["activity"][-1]["answers"] == 1
    assert payload["topics"] and payload["topics"][0]["retrievability"] == 0.0
    assert payload["leeches"] == []
    text = CliRunner().invoke(main, ["stats"]).output
    assert "retention (last 30 days): 100% recalled of 1 reviews" in text
