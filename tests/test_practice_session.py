"""The practice session without Textual: the pick policy, the states, hints and recording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXTURES, FakeClock
from fsrs import Rating

from quizapp.packs import load_files, pack_files
from quizapp.practice import (
    Checked,
    PracticeSelection,
    PracticeSession,
    PracticeState,
    check,
    draw,
    pick_next,
    record_checked,
)
from quizapp.recording import Recorder
from quizapp.scheduling import review
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FLOPS, BIG_O, TENSOR = (
    "tui-basics/score-flops",
    "tui-basics/score-big-o",
    "tui-basics/largest-tensor",
)


@pytest.fixture
def library():
    return load_files(pack_files(FIXTURES))


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "db.sqlite3") as s:
        yield s


def asking(library, qid: str = FLOPS, seed: int = 1, clock=None) -> PracticeSession:
    session = PracticeSession(clock=clock or FakeClock())
    session.begin_question(qid)
    session.show(draw(library, qid, seed))
    return session


def right_answer(variant) -> str:
    p = variant.params
    return str(2 * p["n"] ** 2 * p["d"])  # QKᵀ: n² dot products of length d, 2 FLOPs each


# --------------------------------------------------------------------------- picking


def test_new_questions_come_in_pack_order(library, store) -> None:
    assert pick_next(library, PracticeSelection(), store, T0) == (FLOPS, "")
    assert pick_next(library, PracticeSelection(), store, T0, exclude=FLOPS) == (BIG_O, "")


def test_a_question_whose_answer_waits_for_a_busy_history_is_not_asked_again_as_new(
    library, store
) -> None:
    """Its card does not show the answer yet; the answer in the recorder does."""
    assert pick_next(library, PracticeSelection(), store, T0, waiting={FLOPS}) == (BIG_O, "")
    assert pick_next(library, PracticeSelection(), store, T0, waiting={FLOPS, BIG_O})[0] == TENSOR
    only = PracticeSelection(questions=(FLOPS,))
    assert pick_next(library, only, store, T0, waiting={FLOPS}) == (FLOPS, "")  # nothing else


def test_due_questions_come_before_new_ones_most_overdue_first(library, store) -> None:
    review(store, BIG_O, Rating.Again, T0)
    review(store, TENSOR, Rating.Again, T0 - timedelta(hours=1))
    later = T0 + timedelta(days=1)
    assert pick_next(library, PracticeSelection(), store, later)[0] == TENSOR
    assert pick_next(library, PracticeSelection(), store, later, exclude=TENSOR)[0] == BIG_O


def test_with_nothing_due_or_new_the_soonest_due_comes_next(library, store) -> None:
    review(store, FLOPS, Rating.Easy, T0)
    review(store, BIG_O, Rating.Again, T0)
    review(store, TENSOR, Rating.Good, T0)
    assert pick_next(library, PracticeSelection(), store, T0)[0] == BIG_O
    # The question just asked comes again only when it is the only one.
    assert pick_next(library, PracticeSelection(), store, T0, exclude=BIG_O)[0] != BIG_O
    only = PracticeSelection(questions=(BIG_O,))
    assert pick_next(library, only, store, T0, exclude=BIG_O)[0] == BIG_O


def test_due_only_with_nothing_due_says_so(library, store) -> None:
    qid, why = pick_next(library, PracticeSelection(due_only=True), store, T0)
    assert qid is None and "Nothing is due" in why


def test_a_selection_that_matches_nothing_names_the_packs(library, store) -> None:
    qid, why = pick_next(library, PracticeSelection(packs=("nope",)), store, T0)
    assert qid is None and "tui-basics" in why


# --------------------------------------------------------------------------- states


def test_an_unreadable_answer_goes_back_to_asking_at_no_cost(library) -> None:
    session = asking(library)
    seconds = session.submit("12 bananas")
    assert seconds == 0 and session.state == PracticeState.CHECKING
    result = Checked(FLOPS, 1, "12 bananas", check(session.variant, "12 bananas"), 0, 0)
    assert session.checked(result)
    assert session.state == PracticeState.ASKING and session.answered == 0


def test_keys_at_the_wrong_moment_do_nothing(library) -> None:
    session = asking(library)
    assert session.grade("good") is None  # nothing to self-grade
    session.submit("1")
    assert session.submit("2") is None  # already checking
    assert not session.begin_next() and not session.begin_variant()
    assert session.state == PracticeState.CHECKING


def test_a_stale_verdict_is_ignored(library) -> None:
    session = asking(library, seed=1)
    session.submit("1")
    stale = Checked(FLOPS, 999, "1", check(session.variant, "1"), 0, 0)
    assert not session.checked(stale)
    assert session.state == PracticeState.CHECKING


def test_a_failed_check_recovers_to_asking_and_next_still_works(library) -> None:
    session = asking(library)
    session.submit("1")
    session.recover()
    assert session.state == PracticeState.ASKING
    assert session.begin_next() and session.state == PracticeState.LOADING
    session.fail("broken pack")
    assert session.can("next") and session.message == "broken pack"


def test_hints_survive_new_numbers_until_the_question_is_answered(library, store) -> None:
    clock = FakeClock()
    session = asking(library, clock=clock)
    session.hint()
    session.hint()
    assert session.hint() is None  # the pack has two
    assert session.begin_variant() and session.target == FLOPS
    session.show(draw(library, FLOPS, 2))
    assert session.hints_used == 2 and len(session.shown_hints) == 2
    clock.advance(20)
    response = right_answer(session.variant)
    seconds = session.submit(response)
    assert seconds == 20
    result = Checked(
        FLOPS, 2, response, check(session.variant, response), seconds, session.hints_used
    )
    recorder = Recorder(store, lambda: T0)
    result = record_checked(recorder, session.question, session.variant, result)
    assert session.checked(result) and session.state == PracticeState.ANSWERED
    (attempt,) = store.attempts()
    assert attempt.hints_used == 2 and attempt.correct
    assert result.recorded is not None and result.recorded.rating == Rating.Hard
    # Once answered, new numbers are a fresh try: no hints yet.
    session.begin_variant()
    session.show(draw(library, FLOPS, 3))
    assert session.hints_used == 0


def test_an_answer_taken_back_keeps_the_time_already_spent(library, store) -> None:
    """50 s on a wrong answer, undo, then 5 s to retype it: 55 s on the question, not 5
    (a quick retype after reading the verdict is not an easy recall)."""
    from quizapp.ratings import undo

    clock = FakeClock()
    session = asking(library, clock=clock)
    recorder = Recorder(store, lambda: T0)
    clock.advance(50)
    seconds = session.submit("1")
    first = Checked(FLOPS, 1, "1", check(session.variant, "1"), seconds, 0)
    first = record_checked(recorder, session.question, session.variant, first)
    assert session.checked(first) and first.recorded is not None
    clock.advance(10)  # reading the verdict
    undo(store, FLOPS, first.recorded.attempt_id)
    assert session.take_back()
    clock.advance(5)
    response = right_answer(session.variant)
    seconds = session.submit(response)
    assert seconds == 65
    again = Checked(FLOPS, 1, response, check(session.variant, response), seconds, 0)
    again = record_checked(recorder, session.question, session.variant, again)
    (attempt,) = store.attempts()
    assert attempt.correct and attempt.seconds == 65
    assert session.question.time == 60  # the fixture's budget: 65 s is over it
    assert again.recorded is not None and again.recorded.rating == Rating.Hard


def test_a_recall_answer_waits_for_the_learners_grade(tmp_path, store) -> None:
    from conftest import RECALL_FIXTURES

    library = load_files(pack_files(RECALL_FIXTURES))
    qid = library.questions[0].qid
    session = asking(library, qid)
    session.submit("variance grows")
    first = Checked(qid, 1, "variance grows", check(session.variant, "variance grows"), 5, 0)
    recorder = Recorder(store, lambda: T0)
    first = record_checked(recorder, session.question, session.variant, first)
    assert first.recorded is None  # nothing recorded before the self-grade
    session.checked(first)
    assert session.state == PracticeState.SELF_GRADING
    graded = session.grade("hard")
    assert graded is not None and session.state == PracticeState.CHECKING
    graded = record_checked(recorder, session.question, session.variant, graded)
    session.checked(graded)
    assert session.state == PracticeState.ANSWERED
    assert graded.recorded is not None and graded.recorded.rating == Rating.Hard
    assert [(a.question_id, a.score) for a in store.attempts()] == [(qid, 0.6)]


def test_follow_ups_list_only_loaded_questions(library) -> None:
    session = asking(library)
    assert session.follow_ups(library) == [BIG_O]
