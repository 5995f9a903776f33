"""`quizapp export --format json` → `quizapp import` into another data folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main
from quizapp.recording import Answer, record
from quizapp.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def contents(store: Store) -> dict:
    """Everything a learner would miss, without the row ids a new folder renumbers."""
    attempts = {a.id: a for a in store.attempts()}

    def attempt_of(attempt_id: int | None) -> tuple | None:
        a = attempts.get(attempt_id) if attempt_id is not None else None
        return None if a is None else (a.ts, a.question_id)

    return {
        "attempts": [{**a.to_dict(), "id": None} for a in attempts.values()],
        "cards": [(c.question_id, c.card_json, c.due, c.last_review) for c in store.cards()],
        "review_log": [
            (
                r.ts,
                r.question_id,
                r.rating,
                r.state_before,
                r.stability_after,
                r.card_before,
                attempt_of(r.attempt_id),
            )
            for r in store.review_log()
        ],
        "mock": [
            (m.id, m.started, m.finished, m.state, m.report, m.score) for m in store.mock_history()
        ],
        "settings": store.settings(),
    }


def make_history() -> None:
    with Store.open() as store:
        for day, (qid, correct) in enumerate(
            [
                ("attention-basics/a", True),
                ("attention-basics/b", False),
                ("attention-basics/a", True),
            ]
        ):
            answer = Answer(
                qid,
                "practice",
                topics=("flops",),
                response=f"r{day}",
                correct=correct,
                score=float(correct),
                seconds=30.0 + day,
                budget=60.0,
            )
            record(store, answer, T0 + timedelta(days=day))
        session = store.new_mock_session({"questions": ["attention-basics/a"]})
        record(
            store,
            Answer("attention-basics/a", "mock", correct=True, score=1.0, session_id=session),
            T0 + timedelta(days=4),
        )
        store.finish_mock(session, {"score": 1.0, "questions": 1}, 1.0)
        store.set_setting("interview_date", "2025-04-01")
        store.set_setting("minutes_per_day", 25.0)


def export_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a history in data folder a/ and export it as JSON; returns the file."""
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "a"))
    make_history()
    exported = tmp_path / "history.json"
    assert run("export", "--format", "json", "-o", str(exported)).exit_code == 0
    return exported


def test_export_then_import_elsewhere_gives_the_same_history_and_twice_adds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = export_history(tmp_path, monkeypatch)
    with Store.open() as store:
        before = contents(store)
    assert len(before["attempts"]) == 4 and len(before["review_log"]) == 4

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "b"))
    first = run("import", str(exported), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {
        "attempts": 4,
        "reviews": 4,
        "cards": 2,
        "mock_sessions": 1,
        "settings": 2,
    }
    with Store.open() as store:
        assert contents(store) == before

    second = run("import", str(exported))
    assert second.exit_code == 0
    assert "Nothing new" in second.output
    with Store.open() as store:
        assert contents(store) == before


def test_what_the_learner_set_here_wins_and_newer_cards_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = export_history(tmp_path, monkeypatch)
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "b"))
    with Store.open() as store:
        store.set_setting("interview_date", "2025-05-05")
        record(
            store,
            Answer("attention-basics/a", "practice", correct=True, score=1.0),
            T0 + timedelta(days=30),
        )
        newer = store.get_card("attention-basics/a")
    assert run("import", str(exported)).exit_code == 0
    with Store.open() as store:
        assert store.get_setting("interview_date") == "2025-05-05"
        assert store.get_card("attention-basics/a") == newer
        assert len(store.attempts()) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "quizapp-attempts",\n  "attempts": [}', ":2:16: not valid JSON"),
        ('{"attempts": []}', "not a quizapp JSON export"),
        (
            '{"format": "quizapp-attempts", "attempts": [{"ts": "2025-01-01T00:00:00+00:00"}]}',
            "a record is damaged",
        ),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_written(
    tmp_path: Path, text: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    with Store.open() as store:
        assert store.attempts() == []


def test_a_paused_mock_interview_moves_with_the_history_and_its_end_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exported mid-interview: resumable in the new folder; exported again once finished:
    the new folder gets the report instead of keeping the interview open."""
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "a"))
    state = {"version": 1, "responses": ["512", None], "remaining_seconds": 301.5}
    with Store.open() as store:
        session = store.new_mock_session(state, T0)
    paused = tmp_path / "paused.json"
    assert run("export", "--format", "json", "-o", str(paused)).exit_code == 0

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "b"))
    assert run("import", str(paused)).exit_code == 0
    assert "Nothing new" in run("import", str(paused)).output
    with Store.open() as store:
        assert store.load_unfinished_mock() == (session, state)
        assert store.mock_history() == []

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "a"))
    with Store.open() as store:
        store.finish_mock(session, {"score": 0.5}, 0.5, T0 + timedelta(minutes=9))
    finished = tmp_path / "finished.json"
    assert run("export", "--format", "json", "-o", str(finished)).exit_code == 0

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "b"))
    assert run("import", str(finished)).exit_code == 0
    with Store.open() as store:
        assert store.load_unfinished_mock() is None
        (done,) = store.mock_history()
        assert (done.id, done.report, done.score) == (session, {"score": 0.5}, 0.5)
        assert done.finished == T0 + timedelta(minutes=9)
