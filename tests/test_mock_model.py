"""The mock-interview model without any UI: draw, clock, persistence, grading, report."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FakeClock
from test_mock_helpers import (
    correct_answer,
    make_library,
    params_of,
    wrong_answer,
)

from quizapp.mock import (
    BROKEN,
    CORRECT,
    PARTIAL,
    UNANSWERED,
    UNGRADED,
    WRONG,
    MockConfig,
    MockConfigError,
    MockInterview,
    Slot,
    build_report,
    finalise,
    grade_interview,
    grade_recall,
    latest_report,
    load_unfinished,
    report_markdown,
    save_state,
    select_questions,
    self_gradable,
    self_graded_answer,
    start_session,
    write_report,
)
from quizapp.store import Store


@pytest.fixture
def library(tmp_path: Path):
    return make_library(tmp_path / "packs")


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "db.sqlite3") as s:
        yield s


def slots(*budgets: float) -> list[Slot]:
    return [Slot(f"p/q{i}", i, b, ("t",), 1, "number") for i, b in enumerate(budgets)]


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"questions": 0}, "questions must be between 1"),
        ({"minutes": -1}, "minutes must be a positive"),
        ({"minutes": 0}, "minutes must be a positive"),
        ({"shuffle": True}, "unknown mock setting"),
    ],
)
def test_bad_settings_are_refused_with_what_was_expected(settings, message) -> None:
    with pytest.raises(MockConfigError, match=message):
        MockConfig.from_dict(settings)


def test_unknown_topic_or_pack_names_the_valid_ones(library) -> None:
    clock = FakeClock()
    with pytest.raises(MockConfigError) as err:
        MockInterview.create(library.questions, MockConfig(topics=("memroy",)), clock=clock)
    assert "memroy" in str(err.value)
    for topic in ("complexity", "flops", "matmul", "memory", "scoring", "softmax"):
        assert topic in str(err.value)
    with pytest.raises(MockConfigError, match="valid packs: mockpack"):
        MockInterview.create(library.questions, MockConfig(packs=("nope",)), clock=clock)


# --------------------------------------------------------------------------- draw


def test_a_seed_fixes_the_draw_whatever_the_history(library) -> None:
    config = MockConfig(questions=4, seed=42)
    a = MockInterview.create(library.questions, config, clock=FakeClock())
    b = MockInterview.create(
        library.questions, config, clock=FakeClock(), history={"memory": (50, 0.0)}
    )
    assert [s.qid for s in a.slots] == [s.qid for s in b.slots]
    assert [s.seed for s in a.slots] == [s.seed for s in b.slots]
    assert len({s.qid for s in a.slots}) == 4  # no repeats
    assert [s.difficulty for s in a.slots] == sorted(s.difficulty for s in a.slots)
    assert a.total_seconds == sum(library.get(s.qid).time for s in a.slots)


def test_topics_and_minutes_are_respected(library) -> None:
    config = MockConfig(topics=("memory",), questions=5, minutes=3, seed=1)
    interview = MockInterview.create(library.questions, config, clock=FakeClock())
    qids = {s.qid for s in interview.slots}
    assert qids == {"mockpack/score-memory", "mockpack/which-bigger"}  # all there are
    assert interview.total_seconds == 180
    assert {s.budget for s in interview.slots} == {90, 45}  # the packs' `time`


def test_weak_topics_are_drawn_more_often(library) -> None:
    history = {
        "memory": (40, 0.1),
        "matmul": (40, 1.0),
        "flops": (40, 1.0),
        "complexity": (40, 1.0),
        "softmax": (40, 1.0),
        "scoring": (40, 1.0),
    }
    picks = Counter()
    for seed in range(400):
        (slot,) = select_questions(library.questions, 1, random.Random(seed), history)
        picks["memory" in slot.topics] += 1
    # 2 of 6 questions touch memory: a uniform draw would pick them a third of the time.
    assert picks[True] / 400 > 0.55
    uniform = Counter(
        "memory" in select_questions(library.questions, 1, random.Random(s), None)[0].topics
        for s in range(400)
    )
    assert 0.2 < uniform[True] / 400 < 0.47


def test_the_draw_spreads_over_topics(library) -> None:
    # Three questions from six: with the diversity factor, a repeated topic is rarer.
    repeats = 0
    for seed in range(200):
        chosen = select_questions(library.questions, 3, random.Random(seed), None)
        topics = [t for s in chosen for t in s.topics]
        repeats += len(topics) != len(set(topics))
    assert repeats < 200 * 0.6


# --------------------------------------------------------------------------- clock


def test_time_is_charged_to_the_question_on_screen() -> None:
    clock = FakeClock()
    interview = MockInterview(slots(60, 60, 60), total_seconds=300, clock=clock)
    interview.start()
    clock.advance(20)
    assert interview.remaining() == 280
    assert interview.question_remaining() == 40
    interview.answer("1")
    clock.advance(70)
    assert interview.question_remaining() == -10  # over budget shows as negative
    interview.skip()
    clock.advance(5)
    interview.back()
    assert interview.current == 1
    clock.advance(-100)  # a clock going backwards costs nothing
    interview.tick()
    assert interview.spent == [20, 70, 5]
    assert interview.remaining() == 205


def test_time_up_takes_the_answer_as_it_stands_and_the_rest_are_unanswered() -> None:
    clock = FakeClock()
    interview = MockInterview(slots(60, 60, 60), total_seconds=100, clock=clock)
    interview.start()
    interview.answer("12")
    interview.set_draft("34")  # typed, not submitted
    clock.advance(500)
    assert interview.tick() is True
    assert interview.ended == "time"
    assert interview.responses == ["12", "34", None]
    assert sum(interview.spent) == 100  # never more than the interview's time
    interview.answer("too late")
    assert interview.responses == ["12", "34", None]


def test_finishing_early_also_takes_the_draft_on_screen() -> None:
    clock = FakeClock()
    interview = MockInterview(slots(60, 60), total_seconds=120, clock=clock)
    interview.start()
    interview.skip()
    interview.set_draft("  ")
    interview.back()
    interview.set_draft("5")
    clock.advance(10)
    interview.finish()
    assert interview.ended == "done"
    assert interview.responses == ["5", None]


def test_skip_goes_to_the_next_unanswered_question_and_flags_toggle() -> None:
    interview = MockInterview(slots(1, 1, 1, 1), total_seconds=100, clock=FakeClock())
    interview.start()
    interview.goto(2)
    interview.answer("x")
    assert interview.current == 3
    interview.answer("y")
    assert interview.current == 0  # wraps round to the first unanswered
    assert interview.flag() is True
    assert interview.flag() is False
    with pytest.raises(IndexError):
        interview.goto(9)


# --------------------------------------------------------------------------- persistence


def test_saved_state_is_json_and_resumes_with_the_time_that_was_left() -> None:
    clock = FakeClock()
    interview = MockInterview(slots(60, 60, 60), total_seconds=180, clock=clock)
    interview.start()
    clock.advance(30)
    interview.answer("1")
    interview.flag()
    interview.set_draft("half")
    clock.advance(15)
    state = json.loads(json.dumps(interview.to_dict()))
    assert state["remaining_seconds"] == 135
    assert state["saved_at"] == clock.now

    clock.advance(3600)  # the app was dead for an hour: that time is not charged
    again = MockInterview.from_dict(state, clock=clock)
    again.resume()
    assert again.remaining() == 135
    assert again.responses == ["1", None, None]
    assert again.drafts[1] == "half"
    assert again.flags == [False, True, False]
    assert again.current == 1
    clock.advance(5)
    assert again.spent_on(1) == 20


def test_resuming_an_interview_whose_time_is_up_finalises_it() -> None:
    clock = FakeClock()
    interview = MockInterview(slots(60), total_seconds=60, clock=clock)
    interview.start()
    interview.set_draft("9")
    clock.advance(59.9999)
    state = interview.to_dict()
    state["remaining_seconds"] = 0
    again = MockInterview.from_dict(state, clock=clock)
    again.resume()
    assert again.ended == "time"
    assert again.responses == ["9"]


SIGKILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from quizapp.mock import MockInterview, Slot, start_session, save_state
    from quizapp.store import Store

    store = Store.open(sys.argv[1])
    slots = [Slot(f"p/q{i}", i, 60.0, ("t",), 1, "number") for i in range(3)]
    interview = MockInterview(slots, total_seconds=600, clock=time.time)
    start_session(store, interview)
    interview.answer("111")
    save_state(store, interview)
    interview.answer("222")
    save_state(store, interview)
    print(interview.remaining_now(), flush=True)
    time.sleep(60)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_state_survives_a_real_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGKILL_SCRIPT, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        saved_remaining = float(proc.stdout.readline())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)  # dead time must not count
    with Store.open(db) as store:
        interview = load_unfinished(store, time.time)
    assert interview is not None
    interview.resume()
    assert interview.responses == ["111", "222", None]
    assert interview.current == 2
    assert interview.remaining() == pytest.approx(saved_remaining, abs=0.05)


# --------------------------------------------------------------------------- grading and report


def run_interview(library, store, clock, *, wrong=(), skip=(), config=None):
    """Answer every question of a seeded interview; return (interview, report)."""
    config = config or MockConfig(questions=6, seed=7)
    interview = MockInterview.create(library.questions, config, clock=clock)
    start_session(store, interview)
    for slot in list(interview.slots):
        assert interview.slots[interview.current] is slot
        params = params_of(library, slot.qid, slot.seed)
        clock.advance(10)
        name = slot.qid.split("/")[-1]
        if name in skip:
            interview.skip()
            continue
        text = wrong_answer(slot.qid, params) if name in wrong else correct_answer(slot.qid, params)
        interview.answer(text)
        save_state(store, interview)
    interview.finish()
    return interview, finalise(interview, library, store)


def test_the_report_scores_topics_time_and_missed_questions(library, store) -> None:
    clock = FakeClock()
    config = MockConfig(questions=6, seed=3)
    interview, report = run_interview(
        library, store, clock, wrong=("matmul-flops",), skip=("score-memory",), config=config
    )
    by_name = {it.qid.split("/")[-1]: it for it in report.items}
    assert by_name["matmul-flops"].status == WRONG
    assert by_name["score-memory"].status == UNANSWERED
    assert by_name["why-quadratic"].status == UNGRADED
    for name in ("which-bigger", "attention-order", "softmax-exp"):
        assert by_name[name].status == CORRECT, name
    # Five scored questions (the recall one is not), three right.
    assert (report.points, report.possible) == (3, 5)
    assert report.score == pytest.approx(0.6)
    topics = {t.topic: (t.questions, t.correct) for t in report.topics}
    assert topics["memory"] == (2, 1)
    assert topics["matmul"] == (1, 0)
    assert topics["complexity"] == (1, 1)  # the recall question is not counted
    assert "scoring" in topics and topics["scoring"] == (1, 1)
    assert all(it.spent == 10 for it in report.items)

    # The missed question carries its expected answer, the diagnosis and the derivation.
    mm = by_name["matmul-flops"]
    slot = next(s for s in interview.slots if s.qid == mm.qid)
    p = params_of(library, mm.qid, slot.seed)
    assert f"{2 * p['m'] * p['k'] * p['n']:,}" in mm.expected
    assert "multiply-adds" in (mm.diagnosis or "") + mm.feedback
    assert [s["value"] for s in mm.derivation] == [p["m"] * p["n"], 2 * p["m"] * p["k"] * p["n"]]
    sm = by_name["score-memory"]
    n = params_of(library, sm.qid, next(s.seed for s in interview.slots if s.qid == sm.qid))["n"]
    assert f"{n * n:,}" in sm.expected
    assert {it.qid for it in report.missed} == {mm.qid, sm.qid}


def test_finishing_records_mock_attempts_and_closes_the_session(library, store) -> None:
    clock = FakeClock()
    interview, report = run_interview(library, store, clock, wrong=("which-bigger",))
    attempts = store.attempts(mode="mock", session_id=interview.session_id)
    assert len(attempts) == 6
    assert {a.question_id for a in attempts} == {s.qid for s in interview.slots}
    wrong = next(a for a in attempts if a.question_id.endswith("which-bigger"))
    assert (wrong.correct, wrong.response, wrong.seconds) == (False, "a", 10)
    assert store.load_unfinished_mock() is None
    (session,) = store.mock_history()
    assert session.score == pytest.approx(report.score)
    # Finalising again (a crash after recording) records nothing twice.
    finalise(interview, library, store)
    assert len(store.attempts(mode="mock")) == 6


def test_answered_questions_are_scheduled_like_practice(library, store) -> None:
    """Missed under pressure: back sooner than one answered right; unanswered: untouched."""
    from quizapp.scheduling import next_due

    config = MockConfig(questions=6, seed=3)
    interview, _ = run_interview(
        library, store, FakeClock(), wrong=("matmul-flops",), skip=("score-memory",), config=config
    )
    qid = {s.qid.split("/")[-1]: s.qid for s in interview.slots}
    missed, right = next_due(store, qid["matmul-flops"]), next_due(store, qid["softmax-exp"])
    assert missed is not None and right is not None and missed < right
    assert next_due(store, qid["score-memory"]) is None  # skipped: no evidence
    assert next_due(store, qid["why-quadratic"]) is None  # recall: not graded in a mock
    before = store.get_card(qid["matmul-flops"]).card_json
    finalise(interview, library, store)  # repeated after a crash: no second review
    assert store.get_card(qid["matmul-flops"]).card_json == before


def test_the_next_report_compares_with_earlier_interviews(library, store) -> None:
    clock = FakeClock()
    _, first = run_interview(library, store, clock, wrong=("matmul-flops", "which-bigger"))
    _, second = run_interview(library, store, clock)
    assert first.previous == []
    assert [p["score"] for p in second.previous] == [pytest.approx(first.score)]
    text = report_markdown(second)
    assert second.score > first.score
    gain = round((second.score - first.score) * 100)
    assert f"Up {gain} points on your last interview" in text


def test_the_trend_table_dates_an_interview_as_its_own_report_does(library, store) -> None:
    clock = FakeClock()
    _, first = run_interview(library, store, clock)
    clock.advance(3 * 3600)  # a later interview, hours after the first one finished
    _, second = run_interview(library, store, clock)
    assert first.started_at is not None
    assert [p["date"] for p in second.previous] == [first.started_at]
    assert f"| 1 | {first.started_at} |" in report_markdown(second)
    assert report_markdown(first).startswith(f"# Mock interview report — {first.started_at}")


def test_markdown_export_holds_what_the_user_needs(library, store, tmp_path: Path) -> None:
    clock = FakeClock()
    config = MockConfig(topics=("matmul", "complexity", "scoring"), seed=3)
    interview, report = run_interview(library, store, clock, wrong=("matmul-flops",), config=config)
    path = write_report(latest_report(store), str(tmp_path / "out" / "report.md"))
    text = Path(path).read_text(encoding="utf-8")
    assert text == report_markdown(report)
    assert f"Score: {report.points:g} / {report.possible}" in text
    assert (report.points, report.possible) == (2, 3)  # the recall answer is not scored
    assert "| matmul | 1 | 0 | 0 / 1 (0%) |" in text
    assert "| scoring | 1 | 1 | 1 / 1 (100%) |" in text
    number = next(it.number for it in report.items if it.qid.endswith("matmul-flops"))
    assert f"### {number}. mockpack/matmul-flops — wrong (0 / 1)" in text
    slot = next(s for s in interview.slots if s.qid.endswith("matmul-flops"))
    p = params_of(library, slot.qid, slot.seed)
    assert f"{2 * p['m'] * p['k'] * p['n']:,}" in text  # expected answer
    assert "Derivation" in text
    assert "Every query is compared with every key." in text  # recall model answer
    follow_ups = text.split("## Follow-up questions")[1]
    assert "mockpack/score-memory" in follow_ups and "mockpack/softmax-exp" in follow_ups
    assert "How many elements does the" in follow_ups
    assert "0:10 | 1:00" in text  # time against budget


def test_follow_ups_come_from_the_questions_and_skip_those_asked(library) -> None:
    clock = FakeClock()
    interview = MockInterview.create(
        library.questions, MockConfig(topics=("matmul",), seed=1), clock=clock
    )
    interview.start()
    interview.finish()
    report = build_report(interview, grade_interview(interview, library), library=library)
    assert [f.qid for f in report.follow_ups] == ["mockpack/score-memory", "mockpack/softmax-exp"]
    assert "score matrix" in report.follow_ups[0].prompt


def test_partial_credit_on_choice_is_partial(tmp_path: Path) -> None:
    from quizapp.packs import load_files

    pack = tmp_path / "multi.yaml"
    pack.write_text(
        textwrap.dedent(
            """\
            id: multi
            title: t
            version: 1
            description: d
            questions:
              - id: pick
                topics: [x]
                difficulty: 1
                time: 10
                prompt: Pick all.
                answer: {kind: choice, options: {a: A, b: B, c: C}, value: [a, b]}
                explanation: e
                source: s
            """
        ),
        encoding="utf-8",
    )
    library = load_files([pack])
    interview = MockInterview.create(library.questions, MockConfig(seed=1), clock=FakeClock())
    interview.start()
    interview.answer("a")
    interview.finish()
    (graded,) = grade_interview(interview, library)
    assert graded.status == PARTIAL and 0 < graded.score < 1


def test_unfinished_interview_is_found_for_resume(library, store) -> None:
    clock = FakeClock()
    interview = MockInterview.create(library.questions, MockConfig(seed=2), clock=clock)
    start_session(store, interview)
    clock.advance(12)
    interview.answer("42")
    save_state(store, interview)
    found = load_unfinished(store, clock)
    assert found is not None
    assert found.session_id == interview.session_id
    assert found.responses[0] == "42"
    assert found.remaining_now() == interview.total_seconds - 12


def test_a_report_keeps_a_recall_list_and_several_choices_one_per_line(library, store) -> None:
    from dataclasses import replace

    _, report = run_interview(library, store, FakeClock())
    recall = next(it for it in report.items if it.kind == "recall")
    listed = replace(recall, expected="Two things:\n\n- every query meets every key\n- n² scores")
    choice = replace(recall, kind="choice", status=WRONG, expected="b) It grows.\nd) It costs.")
    text = report_markdown(replace(report, items=[listed, choice]))
    assert (
        "- **Model answer:**\n\n  Two things:\n\n  - every query meets every key\n  - n² scores"
        in text
    )
    assert "- **Expected:**\n\n  - b) It grows.\n  - d) It costs." in text
    assert "- every query meets every key - n²" not in text


def test_a_recall_answer_graded_in_the_report_joins_the_score(library, store) -> None:
    """As in practice: again 0, hard 0.6, good 1 (engine.answers.SELF_GRADES)."""
    from quizapp.recording import record
    from quizapp.scheduling import next_due

    clock = FakeClock()
    config = MockConfig(questions=6, seed=3)
    _, report = run_interview(library, store, clock, wrong=("matmul-flops",), config=config)
    [recall] = self_gradable(report)
    assert recall.qid.endswith("why-quadratic") and not recall.counted
    before = (report.points, report.possible)
    assert "1 recall answer is not in the score yet" in report_markdown(report)

    hard = grade_recall(report, recall.number, "hard")
    assert (hard.points, hard.possible) == (pytest.approx(before[0] + 0.6), before[1] + 1)
    item = next(it for it in hard.items if it.number == recall.number)
    # Practice counts "hard" (recalled with effort) as right: so does the report.
    assert (item.status, item.counted, item.self_grade) == (CORRECT, True, "hard")
    assert item not in hard.missed
    text = report_markdown(hard)
    assert f"| {recall.number} | {recall.qid} | you graded it hard |" in text
    assert "not in the score yet" not in text and self_gradable(hard) == []
    good = grade_recall(report, recall.number, "good")
    assert next(it for it in good.items if it.number == recall.number).status == CORRECT
    again = grade_recall(report, recall.number, "again")
    assert again.points == pytest.approx(before[0])
    text = report_markdown(again)  # missed: shown again with the model answer
    assert f"### {recall.number}. {recall.qid} — you graded it again (0 / 1)" in text
    with pytest.raises(ValueError):
        grade_recall(hard, recall.number, "good")  # graded once
    with pytest.raises(ValueError):
        grade_recall(report, 1 if recall.number != 1 else 2, "good")  # not a recall answer

    # Recorded like practice's self-graded recall: an attempt in accuracy and a review.
    assert next_due(store, recall.qid) is None
    record(store, self_graded_answer(hard, recall.number), datetime.fromtimestamp(clock(), UTC))
    assert next_due(store, recall.qid) is not None
    latest = store.attempts(mode="mock", session_id=report.session_id)[-1]
    assert (latest.question_id, latest.valid, latest.score) == (recall.qid, True, 0.6)
    assert latest.correct == practice_records(library, recall.qid, "hard").correct
    assert latest.correct  # a recall rated hard is right, in accuracy as in practice
    # The same variant as the ungraded attempt finalise recorded (and its diagnosis).
    first = next(a for a in store.attempts(mode="mock") if a.question_id == recall.qid)
    assert latest.seed == first.seed == interview_seed(report, recall.qid)


def practice_records(library, qid: str, rating: str):
    """The Answer practice records when the learner rates a recall answer `rating`."""
    from quizapp.practice import Checked, draw, record_checked

    drawn = draw(library, qid, 5)
    verdict = practice_verdict(drawn.variant, "every query meets every key")
    submitted: list = []

    class Recorder:
        message = None

        def submit(self, answer):
            submitted.append(answer)
            return object()

    checked = Checked(qid, 5, "every query meets every key", verdict.self_grade(rating), 10, 0)
    record_checked(Recorder(), drawn.question, drawn.variant, checked)  # type: ignore[arg-type]
    (answer,) = submitted
    return answer


def practice_verdict(variant, response: str):
    from quizapp.practice import check

    verdict = check(variant, response)
    assert verdict.needs_self_grade  # a recall answer waits for the learner's rating
    return verdict


def interview_seed(report, qid: str) -> int:
    (item,) = [it for it in report.items if it.qid == qid]
    return item.seed


@pytest.mark.parametrize("rating", ["again", "hard", "good", "easy"])
def test_a_self_graded_recall_is_right_or_wrong_as_in_practice(library, store, rating) -> None:
    _, report = run_interview(library, store, FakeClock(), config=MockConfig(questions=6, seed=3))
    [recall] = self_gradable(report)
    graded = grade_recall(report, recall.number, rating)
    answer = self_graded_answer(graded, recall.number)
    expected = practice_records(library, recall.qid, rating)
    assert (answer.correct, answer.score) == (expected.correct, expected.score)
    item = next(it for it in graded.items if it.number == recall.number)
    assert (item.status == CORRECT) == expected.correct
    assert (item in graded.missed) == (not expected.correct)


def test_a_report_with_a_skipped_recall_question_asks_for_no_grade(library, store) -> None:
    """Nothing can be graded when the recall question was not answered."""
    config = MockConfig(questions=6, seed=3)
    _, report = run_interview(library, store, FakeClock(), skip=("why-quadratic",), config=config)
    (recall,) = [it for it in report.items if it.kind == "recall"]
    assert recall.status == UNANSWERED and self_gradable(report) == []
    text = report_markdown(report)
    assert "not in the score yet" not in text and "grade it yourself" not in text
    assert "could not be graded" not in text


def test_the_report_names_the_grade_keys_and_counts_broken_questions(library, store) -> None:
    from dataclasses import replace

    from engine.answers import SELF_GRADES

    _, report = run_interview(library, store, FakeClock(), config=MockConfig(questions=6, seed=3))
    text = report_markdown(report)
    keys = " · ".join(f"{key} {grade}" for key, grade in enumerate(SELF_GRADES, start=1))
    assert f"(in the app: {keys})" in text
    first, second = report.items[0], report.items[1]
    one = [replace(first, status=BROKEN, counted=False), *report.items[1:]]
    assert "1 question is left out of the score" in report_markdown(replace(report, items=one))
    two = [replace(first, status=BROKEN, counted=False)]
    two += [replace(second, status=BROKEN, counted=False), *report.items[2:]]
    assert "2 questions are left out of the score" in report_markdown(replace(report, items=two))


def test_a_report_saved_before_items_had_a_seed_still_loads(library, store) -> None:
    from quizapp.mock import Report

    _, report = run_interview(library, store, FakeClock())
    saved = report.to_dict()
    assert all(it["seed"] is not None for it in saved["items"])
    for it in saved["items"]:
        del it["seed"]
    old = Report.from_dict(json.loads(json.dumps(saved)))
    assert [it.qid for it in old.items] == [it.qid for it in report.items]
    assert all(it.seed is None for it in old.items)
    assert report_markdown(old) == report_markdown(report)
