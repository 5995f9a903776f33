"""The progress store: schema and migrations, recovery from a bad file, durability, queries."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizapp import store as store_mod
from quizapp.locations import db_path
from quizapp.store import Attempt, Store, StoreError

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def raw_tables(path: Path) -> set[str]:
    """Table names read with a separate plain sqlite3 connection."""
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def raw_user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


# ---------------------------------------------------------------- opening and schema


def test_default_database_lives_under_quizapp_home(home: Path) -> None:
    with Store.open() as store:
        assert store.path == home / "history.sqlite3"
        assert store.recovered_from is None
    assert (home / "history.sqlite3").is_file()
    assert db_path() == home / "history.sqlite3"


def test_new_database_uses_wal_and_is_at_the_latest_schema(home: Path) -> None:
    with Store.open() as store:
        path = store.path
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw_user_version(path) == len(store_mod.MIGRATIONS) >= 1
    assert {"attempts", "cards", "mock_sessions"} <= raw_tables(path)


def test_migrates_an_existing_version_0_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a version-0 file with something already in it
        conn.execute("CREATE TABLE unrelated (x)")
        conn.execute("INSERT INTO unrelated VALUES (42)")
    assert raw_user_version(path) == 0

    with Store.open(path) as store:
        assert store.recovered_from is None
        assert store.schema_version == len(store_mod.MIGRATIONS)
        store.record_attempt(Attempt(question_id="p/q", correct=True, score=1.0))
    assert {"attempts", "cards", "mock_sessions", "unrelated"} <= raw_tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM unrelated").fetchall() == [(42,)]


def test_later_migrations_apply_in_order_and_keep_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.db"
    with Store.open(path) as store:
        store.record_attempt(Attempt(question_id="p/q", correct=True, score=1.0))
    base = len(store_mod.MIGRATIONS)
    monkeypatch.setattr(
        store_mod,
        "MIGRATIONS",
        [
            *store_mod.MIGRATIONS,
            "CREATE TABLE step_a (n INTEGER); INSERT INTO step_a VALUES (1);",
            "INSERT INTO step_a SELECT n + 1 FROM step_a;",  # needs step_a: order matters
        ],
    )
    with Store.open(path) as store:
        assert store.schema_version == base + 2
        assert len(store.attempts()) == 1
    with sqlite3.connect(path) as conn:
        assert sorted(conn.execute("SELECT n FROM step_a").fetchall()) == [(1,), (2,)]


def test_failed_migration_leaves_the_database_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.db"
    Store.open(path).close()
    base = len(store_mod.MIGRATIONS)
    monkeypatch.setattr(
        store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, "CREATE TABLE t (x); SELECT nope FROM t;"]
    )
    with pytest.raises(StoreError):
        Store.open(path)
    assert raw_user_version(path) == base
    assert "t" not in raw_tables(path)  # the half-done migration was rolled back


def test_database_from_a_newer_app_is_refused_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer"):
        Store.open(path)
    assert path.exists()
    assert not list(tmp_path.glob("*.corrupt-*"))


# ---------------------------------------------------------------- a bad file is moved aside


def test_garbage_file_is_moved_aside_not_deleted(home: Path) -> None:
    home.mkdir(parents=True)
    garbage = b"this is not a database \x00\xff" * 200
    (home / "history.sqlite3").write_bytes(garbage)

    with Store.open() as store:
        moved = store.recovered_from
        assert moved is not None
        assert moved.name.startswith("history.sqlite3.corrupt-")
        assert moved.read_bytes() == garbage  # kept intact for the user
        assert str(moved) in (store.recovery_message or "")
        assert "could not be opened" in (store.recovery_message or "")
        store.record_attempt(Attempt(question_id="p/q", correct=True, score=1.0))
        assert len(store.attempts()) == 1
    with Store.open() as again:  # the fresh database is healthy afterwards
        assert again.recovered_from is None
        assert len(again.attempts()) == 1


def test_damaged_pages_are_detected_and_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with Store.open(path) as store:
        for i in range(200):
            store.record_attempt(Attempt(question_id=f"p/q{i}", correct=True, response="x" * 200))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    assert size > 6 * 4096
    with path.open("r+b") as f:  # overwrite b-tree pages in the middle of the file
        f.seek(2 * 4096)
        f.write(b"\xa5" * (3 * 4096))
    damaged = path.read_bytes()

    with Store.open(path) as store:
        assert store.recovered_from is not None
        assert store.recovered_from.read_bytes() == damaged
        assert store.attempts() == []


def test_two_recoveries_in_the_same_second_keep_both_files(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    for payload in (b"first garbage" * 100, b"second garbage" * 100):
        path.write_bytes(payload)
        Store.open(path).close()
    kept = [
        p.read_bytes()
        for p in tmp_path.glob("h.db.corrupt-*")
        if not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(kept) == 2
    assert b"first garbage" * 100 in kept
    assert b"second garbage" * 100 in kept


# ---------------------------------------------------------------- attempts


def test_attempt_round_trips_every_field(tmp_path: Path) -> None:
    attempt = Attempt(
        question_id="attention/sdpa-flops",
        correct=False,
        score=0.25,
        topics=("attention", "flops", "注意力"),
        kind="expression",
        seed=1234,
        response="2*n^2*d",
        parsed="2*d*n**2",
        valid=True,
        seconds=41.5,
        hints_used=2,
        mode="mock",
        session_id="s1",
        feedback="Off by a factor of 2",
        diagnosis="forgot multiply-add = 2 FLOPs",
        ts=T0,
    )
    with Store.open(tmp_path / "h.db") as store:
        new_id = store.record_attempt(attempt)
    with Store.open(tmp_path / "h.db") as store:
        (back,) = store.attempts()
    assert back.id == new_id
    assert back.pack == "attention"  # taken from the question id
    assert back == replace(attempt, id=new_id, pack="attention")


def test_attempt_filters_and_order(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store:
        store.record_attempt(Attempt("p/b", True, 1.0, ts=T0 + timedelta(minutes=2)))
        store.record_attempt(Attempt("p/a", False, 0.0, ts=T0, mode="mock", session_id="m"))
        store.record_attempt(Attempt("p/a", True, 1.0, ts=T0 + timedelta(minutes=1)))
        assert [a.ts for a in store.attempts()] == [T0 + timedelta(minutes=i) for i in range(3)]
        assert [a.correct for a in store.attempts(question_id="p/a")] == [False, True]
        assert [a.question_id for a in store.attempts(mode="mock")] == ["p/a"]
        assert len(store.attempts(session_id="m")) == 1


def test_naive_timestamps_are_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store, pytest.raises(ValueError, match="naive"):
        store.record_attempt(Attempt("p/a", True, ts=datetime(2025, 1, 1)))


def test_attempts_written_before_a_kill_survive(tmp_path: Path) -> None:
    """A process killed with SIGKILL mid-session loses none of the answers it recorded."""
    path = tmp_path / "h.db"
    script = textwrap.dedent(
        f"""
        import sys, time
        from quizapp.store import Attempt, Store
        store = Store.open({str(path)!r})
        i = 0
        while True:
            n = store.record_attempt(Attempt(question_id=f"p/q{{i}}", correct=i % 2 == 0))
            print(n, flush=True)
            i += 1
            if i >= 5:
                time.sleep(0.01)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert proc.stdout is not None
    reported = [int(proc.stdout.readline()) for _ in range(8)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with Store.open(path) as store:
        assert store.recovered_from is None
        ids = [a.id for a in store.attempts()]
    assert set(reported) <= set(ids)
    assert len(ids) >= 8


def test_threads_can_share_one_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store:

        def work(k: int) -> None:
            for i in range(25):
                store.record_attempt(Attempt(f"p/t{k}-{i}", True, 1.0))
                store.summary()

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.attempt_count() == 100


# ---------------------------------------------------------------- queries


def seed_history(store: Store) -> None:
    """p/a: right, wrong, unreadable; p/b: right; q/c: wrong. Worked out by hand below."""
    store.record_attempt(Attempt("p/a", True, 1.0, topics=("flops",), ts=T0))
    store.record_attempt(
        Attempt("p/a", False, 0.0, topics=("flops",), ts=T0 + timedelta(hours=1), seconds=30)
    )
    store.record_attempt(
        Attempt("p/a", False, 0.0, topics=("flops",), valid=False, ts=T0 + timedelta(hours=2))
    )
    store.record_attempt(
        Attempt("p/b", True, 1.0, topics=("flops", "memory"), ts=T0 + timedelta(days=1))
    )
    store.record_attempt(Attempt("q/c", False, 0.0, topics=("memory",), ts=T0 + timedelta(days=2)))


def test_summary_counts_by_pack_and_topic(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store:
        seed_history(store)
        s = store.summary(now=T0 + timedelta(days=3))

    assert s.total.attempts == 5
    assert s.total.questions_seen == 3
    assert s.total.accuracy == pytest.approx(2 / 4)  # the unreadable answer is not counted
    assert s.total.last_practised == T0 + timedelta(days=2)
    assert s.first_practised == T0

    packs = {g.name: g for g in s.by_pack}
    assert set(packs) == {"p", "q"}
    assert (packs["p"].attempts, packs["p"].accuracy) == (4, pytest.approx(2 / 3))
    assert packs["p"].last_practised == T0 + timedelta(days=1)
    assert (packs["q"].attempts, packs["q"].accuracy) == (1, 0.0)

    topics = {g.name: g for g in s.by_topic}
    assert (topics["flops"].attempts, topics["flops"].accuracy) == (4, pytest.approx(2 / 3))
    assert (topics["memory"].attempts, topics["memory"].accuracy) == (2, pytest.approx(1 / 2))


def test_summary_due_and_new_counts_use_the_known_questions(tmp_path: Path) -> None:
    now = T0 + timedelta(days=3)
    with Store.open(tmp_path / "h.db") as store:
        seed_history(store)
        store.put_card("p/a", "{}", now - timedelta(hours=1), T0)  # due
        store.put_card("p/b", "{}", now + timedelta(days=5), T0)  # not yet
        store.put_card("gone/x", "{}", now - timedelta(days=1), T0)  # no longer in any pack
        known = {"p/a": ("flops",), "p/b": ("flops",), "p/new": ("flops",), "r/z": ()}

        s = store.summary(known, now=now)
        assert (s.total.due_now, s.total.new) == (1, 2)
        packs = {g.name: g for g in s.by_pack}
        assert (packs["p"].due_now, packs["p"].new) == (1, 1)
        assert (packs["r"].attempts, packs["r"].new) == (0, 1)  # a pack not yet tried shows up
        assert "gone" not in packs

        without_packs = store.summary(now=now)  # history only: every due card counts
        assert without_packs.total.due_now == 2
        assert without_packs.total.new == 0


def test_question_stats_and_topic_accuracy(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store:
        seed_history(store)
        qs = store.question_stats("p/a")
        assert (qs.attempts, qs.correct) == (3, 1)
        assert qs.accuracy == pytest.approx(1 / 2)
        assert qs.last_practised == T0 + timedelta(hours=2)
        assert qs.mean_seconds == 30
        assert qs.due is None
        assert store.question_stats("nope/none").attempts == 0

        acc = store.topic_accuracy()
        assert acc["flops"] == (3, pytest.approx(2 / 3))
        assert acc["memory"] == (2, pytest.approx(1 / 2))
        assert store.topic_accuracy(mode="mock") == {}


# ---------------------------------------------------------------- mock sessions


def test_mock_session_can_be_resumed_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with Store.open(path) as store:
        assert store.load_unfinished_mock() is None
        sid = store.new_mock_session({"question": 0, "answers": []})
        store.save_mock_state(sid, {"question": 2, "answers": ["a", "b"], "note": "KV 缓存"})

    with Store.open(path) as store:
        assert store.load_unfinished_mock() == (
            sid,
            {"question": 2, "answers": ["a", "b"], "note": "KV 缓存"},
        )
        store.finish_mock(sid, {"grade": "hire", "by_topic": {"flops": 0.8}}, 0.8)
        assert store.load_unfinished_mock() is None
        (done,) = store.mock_history()
        assert (done.id, done.score, done.report) == (
            sid,
            0.8,
            {"grade": "hire", "by_topic": {"flops": 0.8}},
        )
        assert done.finished is not None and done.finished >= done.started

        other = store.new_mock_session({"question": 0})
        store.abandon_mock(other)
        assert store.load_unfinished_mock() is None
        assert [m.id for m in store.mock_history()] == [sid]
        with pytest.raises(KeyError):
            store.finish_mock("no-such-session", {}, 0.0)


MIGRATOR = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
conn.execute("PRAGMA user_version = 3")
print("migrating", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("done", flush=True)
"""


def test_a_second_window_opening_an_old_database_while_the_first_upgrades_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two windows started together after an upgrade: one migrates, the other waits for it
    and must then open the upgraded history, not give up on it (a real second process)."""
    path = tmp_path / "h.db"
    with sqlite3.connect(path, isolation_level=None) as conn:  # a version-2 history
        conn.execute("PRAGMA journal_mode = WAL")
        for version, sql in enumerate(store_mod.MIGRATIONS[:2], start=1):
            conn.executescript(f"BEGIN; {sql} PRAGMA user_version = {version}; COMMIT;")
        conn.execute(
            "INSERT INTO attempts (ts, question_id, pack, correct) VALUES (?, ?, ?, 1)",
            ("2025-03-01T12:00:00.000000+00:00", "p/q", "p"),
        )
    assert raw_user_version(path) == 2

    # Our connection signals when it starts its own migration (it has read version 2).
    waiting = threading.Event()
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda sql: "BEGIN IMMEDIATE" in sql and waiting.set())
        return conn

    other = subprocess.Popen(
        [sys.executable, "-c", MIGRATOR, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    opened: list[Store | BaseException] = []
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "migrating"
        monkeypatch.setattr(store_mod.sqlite3, "connect", connect)

        def open_it() -> None:
            try:
                opened.append(Store.open(path, busy_timeout=60))
            except BaseException as exc:
                opened.append(exc)

        opener = threading.Thread(target=open_it)
        opener.start()
        assert waiting.wait(60)
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "done"
        opener.join(60)
    finally:
        other.kill()
        other.wait()
    monkeypatch.undo()
    (result,) = opened
    assert isinstance(result, Store), result
    with result:
        assert result.schema_version == len(store_mod.MIGRATIONS)
        assert [a.question_id for a in result.attempts()] == ["p/q"]
        result.set_setting("interview_date", "2025-04-01")
