"""`stats` and `export` read a history they cannot write (a read-only data folder).

The tests run as root in CI containers, where file permissions do not stop a write, so
the subprocess is told that the file is not writable the way the OS would say it
(`os.access(path, W_OK)` is False); the database is then really opened with SQLite's
read-only mode, and any write fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from quizapp.recording import Answer, record
from quizapp.store import Store

RUN_READ_ONLY = """
import os, sys
real = os.access
db = sys.argv[1]
os.access = lambda p, mode, *a, **k: False if str(p) == db and mode & os.W_OK else real(p, mode)
from quizapp.cli import main
sys.argv = ["quizapp", *sys.argv[2:]]
main()
"""


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZAPP_HOME": str(home)}
    db = str(home / "history.sqlite3")
    return subprocess.run(
        [sys.executable, "-c", RUN_READ_ONLY, db, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_stats_and_export_read_a_history_they_cannot_write(tmp_path: Path) -> None:
    home = tmp_path / "home"
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with Store.open(home / "history.sqlite3") as store:
        for qid, right in (("attn/a", True), ("attn/b", False)):
            record(store, Answer(qid, "practice", pack="attn", correct=right, score=1.0), when)
    before = (home / "history.sqlite3").read_bytes()

    stats = run(home, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    total = json.loads(stats.stdout)["total"]
    assert (total["attempts"], total["correct"]) == (2, 1)
    assert "read-only" in stats.stderr

    export = run(home, "export", "--format", "json")
    assert export.returncode == 0, export.stderr
    assert "attn/b" in export.stdout and "Traceback" not in export.stderr
    assert (home / "history.sqlite3").read_bytes() == before  # nothing was written


def test_a_read_only_store_refuses_writes_but_reads(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        record(store, Answer("p/a", "practice", correct=True, score=1.0), datetime.now(UTC))
    with Store.open(path, read_only=True) as store:
        assert store.read_only and len(store.attempts()) == 1
        import sqlite3

        import pytest

        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            record(store, Answer("p/b", "practice"), datetime.now(UTC))


def test_commands_that_save_say_the_history_cannot_be_written(tmp_path: Path) -> None:
    """`plan` saving a date or minutes and `import` adding records: a message, no traceback."""
    home = tmp_path / "home"
    when = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with Store.open(home / "history.sqlite3") as store:
        record(store, Answer("attn/a", "practice", pack="attn", correct=True, score=1.0), when)
        interview = (date.today() + timedelta(days=30)).isoformat()  # ahead, whenever run
        store.set_setting("interview_date", interview)
    exported = tmp_path / "other.json"
    other = {
        "format": "quizapp-attempts",
        "attempts": [
            {"ts": "2025-03-02T09:00:00+00:00", "question_id": "attn/b", "correct": False}
        ],
    }
    exported.write_text(json.dumps(other), encoding="utf-8")
    before = (home / "history.sqlite3").read_bytes()

    for args in (
        ("plan", "--clear"),
        ("plan", "--minutes-per-day", "20"),
        ("import", str(exported)),
    ):
        result = run(home, *args)
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        assert "cannot be written (read-only)" in result.stderr, (args, result.stderr)
        assert "nothing was saved" in result.stderr, (args, result.stderr)
    shown = run(home, "plan", "--json")  # only reading: the saved plan still shows
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["interview"] == interview
    assert (home / "history.sqlite3").read_bytes() == before


def test_an_older_history_that_cannot_be_upgraded_still_reads(tmp_path: Path) -> None:
    """A schema-2 history (no settings table yet) in a folder that cannot be written."""
    import sqlite3

    from quizapp.store import MIGRATIONS

    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "history.sqlite3", isolation_level=None) as conn:
        for version, sql in enumerate(MIGRATIONS[:2], start=1):
            conn.executescript(f"BEGIN; {sql} PRAGMA user_version = {version}; COMMIT;")
        conn.execute(
            "INSERT INTO attempts (ts, question_id, pack, correct) VALUES (?, ?, ?, 1)",
            ("2025-03-01T09:00:00.000000+00:00", "attn/a", "attn"),
        )
    before = (home / "history.sqlite3").read_bytes()

    stats = run(home, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["total"]["attempts"] == 1
    export = run(home, "export", "--format", "json")
    assert export.returncode == 0, export.stderr
    assert json.loads(export.stdout)["settings"] == {}
    plan = run(home, "plan")
    assert "no interview date is set yet" in plan.stderr and "Traceback" not in plan.stderr
    assert (home / "history.sqlite3").read_bytes() == before
