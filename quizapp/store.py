"""Progress history in SQLite: attempts, spaced-repetition cards and mock-interview sessions.

Why it looks like this:

* Every answer is committed the moment it is recorded (autocommit, WAL journal), so
  killing the app loses nothing already answered. An answer is several rows (the
  attempt, the card, the review-log row): `Store.transaction()` writes them together or
  not at all (`quizapp.recording` is the one place that does). `synchronous=NORMAL` in WAL mode
  survives a crash or kill of the process; only a power cut can drop the last commits.
* The schema is plain SQL, versioned with `PRAGMA user_version`; `MIGRATIONS[i]` takes a
  database from version i to i+1, each in its own transaction.
* A file that is not a database, is corrupt, or fails `PRAGMA quick_check` is renamed
  to `<name>.corrupt-<UTC timestamp>` (never deleted) and a fresh database is started;
  `Store.recovered_from` tells the UI where the old file went.
* Threading: ONE connection per Store, opened with `check_same_thread=False`, and every
  method holds the Store's re-entrant lock. Textual worker threads may share a Store.
  Other processes (a CLI run while the TUI is open) use their own Store; WAL plus a
  busy timeout lets them read and write side by side.
* A database that cannot be written (a read-only file or folder) is opened read-only
  instead of not at all: `Store.read_only` is then True, the history still shows, and
  every write raises `sqlite3.OperationalError` (the caller keeps the answer and says so).
* This module does not know about fsrs: cards are stored as the JSON text that
  `quizapp.scheduling` hands over, with the due time pulled out for querying.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

log = logging.getLogger(__name__)

#: Plain-SQL migrations; index i upgrades schema version i to i+1. Append, never edit.
MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        ts          TEXT    NOT NULL,              -- UTC ISO 8601, fixed width
        question_id TEXT    NOT NULL,              -- 'pack/question'
        pack        TEXT    NOT NULL,
        topics      TEXT    NOT NULL DEFAULT '[]', -- JSON list of strings
        kind        TEXT    NOT NULL DEFAULT '',
        seed        INTEGER,
        response    TEXT    NOT NULL DEFAULT '',
        parsed      TEXT    NOT NULL DEFAULT '',
        correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
        score       REAL    NOT NULL DEFAULT 0,
        valid       INTEGER NOT NULL DEFAULT 1 CHECK (valid IN (0, 1)),
        seconds     REAL,
        hints_used  INTEGER NOT NULL DEFAULT 0,
        mode        TEXT    NOT NULL DEFAULT 'practice',
        session_id  TEXT,
        feedback    TEXT    NOT NULL DEFAULT '',
        diagnosis   TEXT
    );
    CREATE INDEX attempts_question ON attempts (question_id, ts);
    CREATE INDEX attempts_session ON attempts (session_id);

    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        card        TEXT NOT NULL,                 -- fsrs Card as JSON
        due         TEXT NOT NULL,                 -- UTC ISO 8601, fixed width
        last_review TEXT
    );
    CREATE INDEX cards_due ON cards (due);

    CREATE TABLE mock_sessions (
        id       TEXT PRIMARY KEY,
        started  TEXT NOT NULL,
        finished TEXT,
        state    TEXT NOT NULL,                    -- JSON object
        report   TEXT,                             -- JSON object, once finished
        score    REAL
    );
    """,
    # 1 -> 2: skipped attempts; the review log an FSRS optimizer reads; the mock lease.
    """
    ALTER TABLE attempts ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1));

    CREATE TABLE review_log (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        ts                TEXT    NOT NULL,        -- UTC ISO 8601 of the review
        question_id       TEXT    NOT NULL,
        mode              TEXT    NOT NULL,        -- 'practice' | 'mock' | ...
        attempt_id        INTEGER REFERENCES attempts (id),
        rating            INTEGER NOT NULL,        -- fsrs Rating: 1 again .. 4 easy
        state_before      INTEGER,                 -- fsrs State; NULL: the card was new
        state_after       INTEGER NOT NULL,
        stability_before  REAL,
        stability_after   REAL,
        difficulty_before REAL,
        difficulty_after  REAL,
        elapsed_days      REAL,                    -- since the previous review; NULL if none
        duration_ms       INTEGER,                 -- how long the answer took
        due_after         TEXT    NOT NULL,
        card_before       TEXT                     -- fsrs Card JSON before (NULL: new), for undo
    );
    CREATE INDEX review_log_question ON review_log (question_id, ts);

    CREATE TABLE mock_lease (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        owner     TEXT NOT NULL,                   -- one running app instance
        session   TEXT,                            -- the mock session it holds open
        heartbeat TEXT NOT NULL                    -- UTC ISO 8601 of its last sign of life
    );
    """,
    # 2 -> 3: small named settings (the interview date, fitted scheduler parameters).
    """
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL                        -- JSON
    );
    """,
    # 3 -> 4: the id an answer got when it was given, so an answer kept in the spool
    # (the database was busy) and replayed later is written once, however often replayed.
    """
    ALTER TABLE attempts ADD COLUMN answer_id TEXT;
    CREATE UNIQUE INDEX attempts_answer_id ON attempts (answer_id);
    """,
]


def schema_version() -> int:
    """The schema version this code writes (the number of migrations)."""
    return len(MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used and moving it aside would not help (permissions, newer app)."""


# ---------------------------------------------------------------------------- time


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so that SQL string comparison orders by time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Attempt:
    """One answered question, as the checker judged it.

    `pack` defaults to the part of `question_id` before the '/'; `ts` defaults to now.
    `valid` is False when the response could not be read or cannot be graded (recall in a
    mock); such attempts are kept but not counted in accuracy. `skipped` marks a question
    that was shown but never answered (a mock question left blank): it is kept as a record
    of the session, but it is not an attempt at the question (not in accuracy, not in the
    attempt counts, and the question stays "new" until it is really answered).
    """

    question_id: str
    correct: bool
    score: float = 0.0
    pack: str = ""
    topics: tuple[str, ...] = ()
    kind: str = ""
    seed: int | None = None
    response: str = ""
    parsed: str = ""
    valid: bool = True
    seconds: float | None = None
    hints_used: int = 0
    mode: str = "practice"
    session_id: str | None = None
    feedback: str = ""
    diagnosis: str | None = None
    skipped: bool = False
    ts: datetime | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ts as ISO text, topics as a list)."""
        return {
            "id": self.id,
            "ts": None if self.ts is None else to_iso(self.ts),
            "question_id": self.question_id,
            "pack": self.pack,
            "topics": list(self.topics),
            "kind": self.kind,
            "seed": self.seed,
            "response": self.response,
            "parsed": self.parsed,
            "correct": self.correct,
            "score": self.score,
            "valid": self.valid,
            "seconds": self.seconds,
            "hints_used": self.hints_used,
            "mode": self.mode,
            "session_id": self.session_id,
            "feedback": self.feedback,
            "diagnosis": self.diagnosis,
            "skipped": self.skipped,
        }


#: Column order of an exported attempt (the same keys as Attempt.to_dict()).
ATTEMPT_FIELDS: tuple[str, ...] = (
    "id",
    "ts",
    "question_id",
    "pack",
    "topics",
    "kind",
    "seed",
    "response",
    "parsed",
    "correct",
    "score",
    "valid",
    "seconds",
    "hints_used",
    "mode",
    "session_id",
    "feedback",
    "diagnosis",
    "skipped",
)


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Progress for one pack or one topic."""

    name: str
    attempts: int = 0
    correct: int = 0
    accuracy: float | None = None  # correct / valid attempts; None if none were valid
    last_practised: datetime | None = None
    questions_seen: int = 0
    due_now: int = 0
    new: int = 0  # known questions never tried (0 when no known ids were given)


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything `quizapp stats` shows."""

    total: GroupStats
    by_pack: list[GroupStats] = field(default_factory=list)
    by_topic: list[GroupStats] = field(default_factory=list)
    first_practised: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.total.attempts == 0


@dataclass(frozen=True, slots=True)
class QuestionStats:
    question_id: str
    attempts: int
    correct: int
    accuracy: float | None
    last_practised: datetime | None
    mean_seconds: float | None
    hints_used: int
    due: datetime | None  # None: never reviewed
    last_review: datetime | None


@dataclass(frozen=True, slots=True)
class CardRow:
    question_id: str
    card_json: str
    due: datetime
    last_review: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewLogRow:
    """One spaced-repetition review, with the card before and after (what an optimizer reads).

    `state_*` are fsrs `State` values (1 learning, 2 review, 3 relearning); the `*_before`
    fields are None for a card reviewed for the first time. `card_before` is the fsrs card
    JSON before the review (None: it was new), so a review can be undone exactly.
    """

    question_id: str
    mode: str
    rating: int
    state_after: int
    due_after: datetime
    ts: datetime
    attempt_id: int | None = None
    state_before: int | None = None
    stability_before: float | None = None
    stability_after: float | None = None
    difficulty_before: float | None = None
    difficulty_after: float | None = None
    elapsed_days: float | None = None
    duration_ms: int | None = None
    card_before: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds the open mock interview: an app instance id and its last heartbeat."""

    owner: str
    session: str | None
    heartbeat: datetime


@dataclass(frozen=True, slots=True)
class MockSession:
    id: str
    started: datetime
    finished: datetime | None
    state: dict[str, Any]
    report: dict[str, Any] | None
    score: float | None


# ---------------------------------------------------------------------------- store

_CORRUPT_ERRORS = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


class _Corrupt(Exception):
    """Internal: the file is not a usable database; move it aside."""


class _ReadOnly(Exception):
    """Internal: the database exists but cannot be written; open it for reading."""


def _accuracy(correct: int, valid: int) -> float | None:
    return correct / valid if valid else None


def _known_map(known: Mapping[str, Sequence[str]] | Iterable[str] | None) -> dict[str, tuple]:
    if known is None:
        return {}
    if isinstance(known, Mapping):
        return {qid: tuple(topics) for qid, topics in known.items()}
    return {qid: () for qid in known}


def _pack_of(question_id: str) -> str:
    return question_id.split("/", 1)[0] if "/" in question_id else ""


class Store:
    """The progress database. Create with `Store.open()`; usable as a context manager."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        recovered_from: Path | None,
        *,
        read_only: bool = False,
    ) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0  # nesting of transaction()
        self.path = path
        #: Where an unreadable database was moved before this one was started, else None.
        self.recovered_from = recovered_from
        #: True when the database could only be opened for reading (nothing will be saved).
        self.read_only = read_only
        columns = {row[1] for row in conn.execute("PRAGMA table_info(attempts)").fetchall()}
        # A read-only database may be older than this code (it could not be migrated).
        self._skipped = "skipped" if "skipped" in columns else "0"

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        busy_timeout: float = 5.0,
    ) -> Store:
        """Open (creating or upgrading) the database at `path` (default: locations.db_path()).

        A corrupt or foreign file is moved aside and a new database started; see
        `recovered_from`. A database that exists but cannot be written is opened read-only
        (`read_only` True). `read_only=True` asks for that from the start (a command that
        only reads). `busy_timeout` is how long a write waits for another process's lock
        before it fails with "database is locked". Raises StoreError when the file cannot
        be used and must not be moved (no database to read, written by a newer quizapp).
        """
        if path is None:
            from quizapp.locations import db_path

            path = db_path()
        path = Path(path)
        if read_only:
            return cls(cls._connect_read_only(path, busy_timeout), path, None, read_only=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if path.exists():
                return cls(cls._connect_read_only(path, busy_timeout), path, None, read_only=True)
            from quizapp.locations import home_problem

            raise StoreError(
                home_problem(path) or f"cannot create the folder for the database {path}: {exc}"
            ) from exc
        recovered_from: Path | None = None
        try:
            conn = cls._connect(path, busy_timeout)
        except _ReadOnly:
            return cls(cls._connect_read_only(path, busy_timeout), path, None, read_only=True)
        except _Corrupt as exc:
            recovered_from = _move_aside(path)
            log.info("database %s could not be opened (%s); moved to %s", path, exc, recovered_from)
            try:
                conn = cls._connect(path, busy_timeout)
            except _Corrupt as again:  # pragma: no cover - a fresh file is never corrupt
                raise StoreError(f"cannot start a new database at {path}: {again}") from again
        return cls(conn, path, recovered_from)

    @staticmethod
    def _connect(path: Path, busy_timeout: float = 5.0) -> sqlite3.Connection:
        existed = path.exists()
        if existed and not os.access(path, os.W_OK):
            raise _ReadOnly(str(path))
        try:
            conn = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            if existed:
                raise _ReadOnly(str(exc)) from exc
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if rows != [("ok",)]:
                raise _Corrupt("; ".join(str(r[0]) for r in rows[:3]))
            _migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            name = getattr(exc, "sqlite_errorname", "")
            if name in _CORRUPT_ERRORS:
                raise _Corrupt(str(exc)) from exc
            if existed and (name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))):
                raise _ReadOnly(str(exc)) from exc
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _connect_read_only(path: Path, busy_timeout: float = 5.0) -> sqlite3.Connection:
        """Open an existing database for reading only (nothing is created or migrated).

        `mode=ro` still needs the WAL index file; in a folder that cannot be written and
        has none, `immutable=1` reads the main file as it stands.
        """
        if not path.exists():
            raise StoreError(f"there is no history to read at {path}")
        last: sqlite3.Error | None = None
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            try:
                conn = sqlite3.connect(
                    f"{path.absolute().as_uri()}?{flags}",
                    uri=True,
                    timeout=busy_timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
                version = _version(conn)
                conn.execute("SELECT count(*) FROM attempts").fetchone()
            except sqlite3.Error as exc:
                last = exc
                continue
            if version > len(MIGRATIONS):
                conn.close()
                raise StoreError(
                    f"the database {path} was written by a newer quizapp (schema {version})"
                )
            _stand_in_for_later_tables(conn)
            return conn
        raise StoreError(f"cannot read the database {path}: {last}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside is committed together, or rolled back on an exception.

        Re-entrant: an inner `transaction()` joins the outer one. Holds the Store's lock
        throughout, so another thread's writes never interleave.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def busy_timeout(self, seconds: float) -> Iterator[None]:
        """Wait at most `seconds` for another process's lock inside the `with` (then restore).

        For a write that must not hang: saving what waits as the app quits.
        """
        with self._lock:
            (before,) = self._conn.execute("PRAGMA busy_timeout").fetchone()
            self._conn.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")
            try:
                yield
            finally:
                self._conn.execute(f"PRAGMA busy_timeout = {int(before)}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def recovery_message(self) -> str | None:
        """The sentence to show the user when the old database was moved aside."""
        if self.recovered_from is None:
            return None
        return (
            f"Your database could not be opened; it was moved to {self.recovered_from} "
            "and a new one started."
        )

    @property
    def schema_version(self) -> int:
        with self._lock:
            return _version(self._conn)

    # ------------------------------------------------------------------ attempts

    def record_attempt(self, attempt: Attempt, answer_id: str | None = None) -> int:
        """Write one attempt and commit it at once; returns its id.

        `answer_id`: the id the answer got when it was given (see `attempt_for_answer`).
        """
        ts = attempt.ts or utc_now()
        pack = attempt.pack or _pack_of(attempt.question_id)
        with self._lock:
            cur = self._conn.execute(
                """
                INSERT INTO attempts (ts, question_id, pack, topics, kind, seed, response,
                    parsed, correct, score, valid, seconds, hints_used, mode, session_id,
                    feedback, diagnosis, skipped, answer_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    to_iso(ts),
                    attempt.question_id,
                    pack,
                    json.dumps(list(attempt.topics), ensure_ascii=False),
                    attempt.kind,
                    attempt.seed,
                    attempt.response,
                    attempt.parsed,
                    int(bool(attempt.correct)),
                    float(attempt.score),
                    int(bool(attempt.valid)),
                    None if attempt.seconds is None else float(attempt.seconds),
                    int(attempt.hints_used),
                    attempt.mode,
                    attempt.session_id,
                    attempt.feedback,
                    attempt.diagnosis,
                    int(bool(attempt.skipped)),
                    answer_id,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def attempt_for_answer(self, answer_id: str) -> int | None:
        """The attempt written for the answer with this id, if it was written already."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM attempts WHERE answer_id = ?", (answer_id,)
            ).fetchone()
        return None if row is None else int(row[0])

    def ungraded_attempt(self, session_id: str, question_id: str) -> int | None:
        """The id of a session's answer kept ungraded (a mock's recall answer), if any."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT id FROM attempts WHERE session_id = ? AND question_id = ? "
                f"AND valid = 0 AND {self._skipped} = 0 ORDER BY ts DESC, id DESC LIMIT 1",
                (session_id, question_id),
            ).fetchone()
        return None if row is None else int(row[0])

    def grade_attempt(
        self, attempt_id: int, attempt: Attempt, answer_id: str | None = None
    ) -> None:
        """Complete an ungraded attempt with its grade; its moment and answer stay.

        `answer_id` (the grade's, when given) replaces the ungraded answer's: the grade
        replayed from the spool then finds this attempt and is not applied twice.
        """
        with self._lock:
            cur = self._conn.execute(
                "UPDATE attempts SET correct = ?, score = ?, valid = ?, parsed = ?, "
                "feedback = ?, diagnosis = ?, answer_id = coalesce(?, answer_id) WHERE id = ?",
                (
                    int(bool(attempt.correct)),
                    float(attempt.score),
                    int(bool(attempt.valid)),
                    attempt.parsed,
                    attempt.feedback,
                    attempt.diagnosis,
                    answer_id,
                    attempt_id,
                ),
            )
            if cur.rowcount == 0:
                raise KeyError(f"no attempt with id {attempt_id}")

    def attempts(
        self,
        question_id: str | None = None,
        mode: str | None = None,
        session_id: str | None = None,
    ) -> list[Attempt]:
        """Attempts in the order they were made, optionally filtered."""
        clauses, args = [], []
        for column, value in (
            ("question_id", question_id),
            ("mode", mode),
            ("session_id", session_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, ts, question_id, pack, topics, kind, seed, response, parsed, "
                f"correct, score, valid, seconds, hints_used, mode, session_id, feedback, "
                f"diagnosis, {self._skipped} FROM attempts {where} ORDER BY ts, id",
                args,
            ).fetchall()
        return [_attempt_from_row(row) for row in rows]

    def attempt_count(self) -> int:
        """Answers given (skipped questions are not attempts)."""
        with self._lock:
            return int(
                self._conn.execute(
                    f"SELECT count(*) FROM attempts WHERE {self._skipped} = 0"
                ).fetchone()[0]
            )

    # ------------------------------------------------------------------ queries

    def summary(
        self,
        known: Mapping[str, Sequence[str]] | Iterable[str] | None = None,
        now: datetime | None = None,
    ) -> Summary:
        """Attempts, accuracy, last practised and due/new counts, overall, per pack and topic.

        `known` lists the question ids in the loaded packs (optionally mapped to their
        topics). When given, due counts only count cards of known questions (a question
        removed from its pack is never "due"), `new` counts known questions never tried,
        and packs with no attempts yet still get a row. Without it, every card counts.
        """
        known_map = _known_map(known)
        now_iso = to_iso(now or utc_now())
        with self._lock:
            per_q = self._conn.execute(
                f"""
                SELECT question_id, pack, count(*), sum(correct), sum(valid),
                       sum(correct AND valid), max(ts), min(ts),
                       (SELECT topics FROM attempts b WHERE b.question_id = a.question_id
                        ORDER BY ts DESC, id DESC LIMIT 1)
                FROM attempts a WHERE {self._skipped} = 0 GROUP BY question_id
                """
            ).fetchall()
            cards = dict(self._conn.execute("SELECT question_id, due FROM cards").fetchall())

        groups_pack: dict[str, dict[str, Any]] = {}
        groups_topic: dict[str, dict[str, Any]] = {}
        total = _new_acc()
        first: str | None = None

        def bump(acc: dict[str, Any], n: int, ok: int, valid: int, last: str | None) -> None:
            acc["attempts"] += n
            acc["correct"] += ok
            acc["valid"] += valid
            acc["seen"] += 1 if n else 0
            if last is not None and (acc["last"] is None or last > acc["last"]):
                acc["last"] = last

        seen_topics: dict[str, tuple[str, ...]] = {}
        seen_pack: dict[str, str] = {}
        for qid, pack, n, _correct_any, valid, ok, last, earliest, topics_json in per_q:
            topics = tuple(json.loads(topics_json or "[]"))
            seen_topics[qid] = topics
            seen_pack[qid] = pack
            first = earliest if first is None or earliest < first else first
            bump(total, n, ok or 0, valid or 0, last)
            bump(groups_pack.setdefault(pack, _new_acc()), n, ok or 0, valid or 0, last)
            for topic in topics:
                bump(groups_topic.setdefault(topic, _new_acc()), n, ok or 0, valid or 0, last)

        # Questions whose due/new status counts.
        universe = set(known_map) if known_map else set(cards)
        for qid in universe:
            pack = seen_pack.get(qid, _pack_of(qid))
            topics = known_map.get(qid) or seen_topics.get(qid, ())
            due_iso = cards.get(qid)
            is_due = due_iso is not None and due_iso <= now_iso
            is_new = bool(known_map) and due_iso is None and qid not in seen_pack
            for acc in (
                total,
                groups_pack.setdefault(pack, _new_acc()),
                *(groups_topic.setdefault(t, _new_acc()) for t in topics),
            ):
                acc["due"] += is_due
                acc["new"] += is_new

        return Summary(
            total=_group("all", total),
            by_pack=[_group(name, acc) for name, acc in sorted(groups_pack.items())],
            by_topic=[_group(name, acc) for name, acc in sorted(groups_topic.items())],
            first_practised=from_iso(first),
        )

    def question_stats(self, question_id: str) -> QuestionStats:
        """How one question has gone: attempts, accuracy, time, hints, next due."""
        with self._lock:
            n, ok, valid, last, mean_s, hints = self._conn.execute(
                f"""
                SELECT count(*), sum(correct AND valid), sum(valid), max(ts), avg(seconds),
                       sum(hints_used)
                FROM attempts WHERE question_id = ? AND {self._skipped} = 0
                """,
                (question_id,),
            ).fetchone()
            card = self._conn.execute(
                "SELECT due, last_review FROM cards WHERE question_id = ?", (question_id,)
            ).fetchone()
        return QuestionStats(
            question_id=question_id,
            attempts=n,
            correct=ok or 0,
            accuracy=_accuracy(ok or 0, valid or 0),
            last_practised=from_iso(last),
            mean_seconds=mean_s,
            hints_used=hints or 0,
            due=from_iso(card[0]) if card else None,
            last_review=from_iso(card[1]) if card else None,
        )

    def topic_accuracy(self, mode: str | None = None) -> dict[str, tuple[int, float]]:
        """topic -> (valid attempts, accuracy in [0, 1]); for weighting mock interviews.

        Only valid attempts are counted, so a topic appears once a readable answer was given.
        """
        where = "WHERE a.valid = 1" + (" AND a.mode = ?" if mode is not None else "")
        args = (mode,) if mode is not None else ()
        with self._lock:
            rows = self._conn.execute(
                f"""
                SELECT t.value, count(*), sum(a.correct)
                FROM attempts a, json_each(a.topics) t {where}
                GROUP BY t.value ORDER BY t.value
                """,
                args,
            ).fetchall()
        return {topic: (n, ok / n) for topic, n, ok in rows}

    # ------------------------------------------------------------------ cards

    def get_card(self, question_id: str) -> CardRow | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT question_id, card, due, last_review FROM cards WHERE question_id = ?",
                (question_id,),
            ).fetchone()
        if row is None:
            return None
        return CardRow(row[0], row[1], datetime.fromisoformat(row[2]), from_iso(row[3]))

    def put_card(
        self, question_id: str, card_json: str, due: datetime, last_review: datetime | None
    ) -> None:
        """Insert or replace a question's review card (committed at once)."""
        with self._lock:
            self._conn.execute(
                """
                INSERT INTO cards (question_id, card, due, last_review) VALUES (?, ?, ?, ?)
                ON CONFLICT (question_id) DO UPDATE SET
                    card = excluded.card, due = excluded.due, last_review = excluded.last_review
                """,
                (
                    question_id,
                    card_json,
                    to_iso(due),
                    None if last_review is None else to_iso(last_review),
                ),
            )

    def card_dues(self, question_ids: Iterable[str] | None = None) -> dict[str, datetime]:
        """question id -> due time, for reviewed questions (all of them, or those listed)."""
        with self._lock:
            rows = self._conn.execute("SELECT question_id, due FROM cards").fetchall()
        wanted = None if question_ids is None else set(question_ids)
        return {
            qid: datetime.fromisoformat(due) for qid, due in rows if wanted is None or qid in wanted
        }

    def cards(self) -> list[CardRow]:
        """Every stored review card, by question id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT question_id, card, due, last_review FROM cards ORDER BY question_id"
            ).fetchall()
        return [CardRow(r[0], r[1], datetime.fromisoformat(r[2]), from_iso(r[3])) for r in rows]

    def answer_seconds(self) -> dict[str, list[float]]:
        """question id -> the recorded answer times (valid attempts that were timed).

        The planner turns these into the learner's own pace.
        """
        with self._lock:
            rows = self._conn.execute(
                "SELECT question_id, seconds FROM attempts "
                "WHERE valid = 1 AND seconds IS NOT NULL ORDER BY ts, id"
            ).fetchall()
        result: dict[str, list[float]] = {}
        for qid, seconds in rows:
            result.setdefault(qid, []).append(float(seconds))
        return result

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A setting's value (decoded JSON), or `default` when it was never set."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def settings(self) -> dict[str, Any]:
        """Every setting, decoded (for export)."""
        with self._lock:
            rows = self._conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-able value under `key` (committed at once); None removes the key."""
        with self._lock:
            if value is None:
                self._conn.execute("DELETE FROM settings WHERE key = ?", (key,))
                return
            self._conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    # ------------------------------------------------------------------ review log

    def add_review_log(self, row: ReviewLogRow) -> int:
        """Append one review to the log; returns its id (use inside `transaction()`)."""
        with self._lock:
            cur = self._conn.execute(
                """
                INSERT INTO review_log (ts, question_id, mode, attempt_id, rating,
                    state_before, state_after, stability_before, stability_after,
                    difficulty_before, difficulty_after, elapsed_days, duration_ms,
                    due_after, card_before)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                _review_log_values(row),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def replace_review_log(self, row: ReviewLogRow) -> None:
        """Write `row` over the review-log row with its id (a review applied again after an
        answer saved late; use inside `transaction()`)."""
        if row.id is None:
            raise ValueError("replace_review_log needs the row's id")
        with self._lock:
            self._conn.execute(
                """
                UPDATE review_log SET ts = ?, question_id = ?, mode = ?, attempt_id = ?,
                    rating = ?, state_before = ?, state_after = ?, stability_before = ?,
                    stability_after = ?, difficulty_before = ?, difficulty_after = ?,
                    elapsed_days = ?, duration_ms = ?, due_after = ?, card_before = ?
                WHERE id = ?
                """,
                (*_review_log_values(row), row.id),
            )

    def review_log(
        self, question_id: str | None = None, *, since: datetime | None = None
    ) -> list[ReviewLogRow]:
        """Every review in the order it happened (of one question, or all; from `since` on)."""
        conditions, args = [], []
        if question_id:
            conditions.append("question_id = ?")
            args.append(question_id)
        if since is not None:
            conditions.append("ts >= ?")
            args.append(to_iso(since))
        where = "WHERE " + " AND ".join(conditions) if conditions else ""
        with self._lock:
            rows = self._conn.execute(
                f"""
                SELECT question_id, mode, rating, state_after, due_after, ts, attempt_id,
                    state_before, stability_before, stability_after, difficulty_before,
                    difficulty_after, elapsed_days, duration_ms, card_before, id
                FROM review_log {where} ORDER BY ts, id
                """,
                args,
            ).fetchall()
        return [
            ReviewLogRow(
                question_id=r[0],
                mode=r[1],
                rating=r[2],
                state_after=r[3],
                due_after=datetime.fromisoformat(r[4]),
                ts=datetime.fromisoformat(r[5]),
                attempt_id=r[6],
                state_before=r[7],
                stability_before=r[8],
                stability_after=r[9],
                difficulty_before=r[10],
                difficulty_after=r[11],
                elapsed_days=r[12],
                duration_ms=r[13],
                card_before=r[14],
                id=r[15],
            )
            for r in rows
        ]

    def delete_review_log(self, review_id: int) -> None:
        """Remove one review-log row (undo; use inside `transaction()` with the rest)."""
        with self._lock:
            self._conn.execute("DELETE FROM review_log WHERE id = ?", (review_id,))

    def delete_attempt(self, attempt_id: int) -> None:
        """Remove one attempt (undo; its review-log row must go first)."""
        with self._lock:
            self._conn.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))

    def delete_card(self, question_id: str) -> None:
        """Forget a question's card (undo of its first review: it is new again)."""
        with self._lock:
            self._conn.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))

    # ------------------------------------------------------------------ the mock lease

    def take_lease(
        self, owner: str, session: str | None, now: datetime, stale_after: float, force: bool
    ) -> Lease | None:
        """Hold the open mock interview for `owner`; returns None when it is now held.

        Returns the other holder's lease (nothing changed) when another instance holds it
        and its heartbeat is fresher than `stale_after` seconds, unless `force`.
        """
        with self.transaction():
            held = self.lease()
            if (
                held is not None
                and held.owner != owner
                and not force
                and (now - held.heartbeat).total_seconds() < stale_after
            ):
                return held
            self._conn.execute(
                """
                INSERT INTO mock_lease (id, owner, session, heartbeat) VALUES (1, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
                    session = excluded.session, heartbeat = excluded.heartbeat
                """,
                (owner, session, to_iso(now)),
            )
        return None

    def lease(self) -> Lease | None:
        """Who holds the mock interview open, if anyone."""
        with self._lock:
            row = self._conn.execute(
                "SELECT owner, session, heartbeat FROM mock_lease WHERE id = 1"
            ).fetchone()
        return None if row is None else Lease(row[0], row[1], datetime.fromisoformat(row[2]))

    def heartbeat(self, owner: str, now: datetime) -> bool:
        """Renew `owner`'s lease; False when another instance took it over."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE mock_lease SET heartbeat = ? WHERE id = 1 AND owner = ?",
                (to_iso(now), owner),
            )
        return cur.rowcount == 1

    def release_lease(self, owner: str) -> None:
        """Give the lease up (the interview was paused, finished or the app closed)."""
        with self._lock:
            self._conn.execute("DELETE FROM mock_lease WHERE id = 1 AND owner = ?", (owner,))

    # ------------------------------------------------------------------ mock sessions

    def new_mock_session(self, state: Mapping[str, Any], now: datetime | None = None) -> str:
        """Start a mock session with its first state; returns a fresh session id."""
        session_id = uuid.uuid4().hex
        self.save_mock_state(session_id, state, now)
        return session_id

    def save_mock_state(
        self, session_id: str, state: Mapping[str, Any], now: datetime | None = None
    ) -> None:
        """Create or update an unfinished session's state (committed at once, for resuming)."""
        state_json = json.dumps(dict(state), ensure_ascii=False)
        with self._lock:
            self._conn.execute(
                """
                INSERT INTO mock_sessions (id, started, state) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET state = excluded.state
                """,
                (str(session_id), to_iso(now or utc_now()), state_json),
            )

    def load_unfinished_mock(self) -> tuple[str, dict[str, Any]] | None:
        """The most recently started session that was neither finished nor abandoned."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, state FROM mock_sessions WHERE finished IS NULL "
                "ORDER BY started DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def finish_mock(
        self,
        session_id: str,
        report: Mapping[str, Any],
        score: float,
        now: datetime | None = None,
    ) -> None:
        """Close a session with its report and score."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE mock_sessions SET finished = ?, report = ?, score = ? WHERE id = ?",
                (
                    to_iso(now or utc_now()),
                    json.dumps(dict(report), ensure_ascii=False),
                    float(score),
                    str(session_id),
                ),
            )
            if cur.rowcount == 0:
                raise KeyError(f"no mock session with id {session_id!r}")

    def abandon_mock(self, session_id: str, now: datetime | None = None) -> None:
        """Mark a session finished without a report (the user chose not to resume it)."""
        with self._lock:
            self._conn.execute(
                "UPDATE mock_sessions SET finished = ? WHERE id = ? AND finished IS NULL",
                (to_iso(now or utc_now()), str(session_id)),
            )

    def add_mock_session(self, session: MockSession) -> bool:
        """Insert a session as it was (import); False when nothing changed.

        A session already here is only replaced when it is still open here and `session`
        is its finished version (it was finished where it was exported from).
        """
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO mock_sessions (id, started, finished, state, report, score) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET finished = excluded.finished, "
                "state = excluded.state, report = excluded.report, score = excluded.score "
                "WHERE mock_sessions.finished IS NULL AND excluded.finished IS NOT NULL",
                (
                    session.id,
                    to_iso(session.started),
                    None if session.finished is None else to_iso(session.finished),
                    json.dumps(session.state, ensure_ascii=False),
                    None
                    if session.report is None
                    else json.dumps(session.report, ensure_ascii=False),
                    session.score,
                ),
            )
            return cur.rowcount > 0

    def unfinished_mocks(self) -> list[MockSession]:
        """Sessions neither finished nor abandoned (paused interviews), oldest first."""
        return self._mock_sessions("finished IS NULL")

    def mock_history(self) -> list[MockSession]:
        """Completed sessions (with a report), oldest first."""
        return self._mock_sessions("report IS NOT NULL")

    def _mock_sessions(self, where: str) -> list[MockSession]:
        """The sessions matching a fixed SQL condition (never user text), oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, started, finished, state, report, score FROM mock_sessions "
                f"WHERE {where} ORDER BY started, rowid"
            ).fetchall()
        return [_mock_session_from_row(r) for r in rows]


# ---------------------------------------------------------------------------- helpers


def _new_acc() -> dict[str, Any]:
    return {"attempts": 0, "correct": 0, "valid": 0, "seen": 0, "last": None, "due": 0, "new": 0}


def _group(name: str, acc: Mapping[str, Any]) -> GroupStats:
    return GroupStats(
        name=name,
        attempts=acc["attempts"],
        correct=acc["correct"],
        accuracy=_accuracy(acc["correct"], acc["valid"]),
        last_practised=from_iso(acc["last"]),
        questions_seen=acc["seen"],
        due_now=int(acc["due"]),
        new=int(acc["new"]),
    )


def _review_log_values(row: ReviewLogRow) -> tuple[Any, ...]:
    """`row`'s columns in the order the review_log statements name them (id aside)."""
    return (
        to_iso(row.ts),
        row.question_id,
        row.mode,
        row.attempt_id,
        int(row.rating),
        row.state_before,
        int(row.state_after),
        row.stability_before,
        row.stability_after,
        row.difficulty_before,
        row.difficulty_after,
        row.elapsed_days,
        row.duration_ms,
        to_iso(row.due_after),
        row.card_before,
    )


def _mock_session_from_row(r: Sequence[Any]) -> MockSession:
    return MockSession(
        id=r[0],
        started=datetime.fromisoformat(r[1]),
        finished=from_iso(r[2]),
        state=json.loads(r[3]),
        report=None if r[4] is None else json.loads(r[4]),
        score=r[5],
    )


def _attempt_from_row(row: Sequence[Any]) -> Attempt:
    return Attempt(
        id=row[0],
        ts=datetime.fromisoformat(row[1]),
        question_id=row[2],
        pack=row[3],
        topics=tuple(json.loads(row[4] or "[]")),
        kind=row[5],
        seed=row[6],
        response=row[7],
        parsed=row[8],
        correct=bool(row[9]),
        score=row[10],
        valid=bool(row[11]),
        seconds=row[12],
        hints_used=row[13],
        mode=row[14],
        session_id=row[15],
        feedback=row[16],
        diagnosis=row[17],
        skipped=bool(row[18]),
    )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations this database has not seen yet, each in one transaction."""
    version = _version(conn)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the database {path} was written by a newer quizapp (schema {version}; "
            f"this version knows up to {len(MIGRATIONS)}). Upgrade quizapp to use it."
        )
    for target in range(version + 1, len(MIGRATIONS) + 1):
        sql = MIGRATIONS[target - 1]
        try:
            # executescript runs the whole script; on an error the transaction stays open.
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {target};\nCOMMIT;")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process (a second window opened at the same time) may have applied
            # this step while we waited for its lock: then there is nothing left to do.
            if isinstance(exc, sqlite3.Error) and _version(conn) >= target:
                continue
            raise


def _version(conn: sqlite3.Connection) -> int:
    """The schema version the database records (the migrations applied)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


_CREATE_TABLE = re.compile(r"CREATE TABLE (\w+) (\(.*?\n    \));", re.DOTALL)


def _stand_in_for_later_tables(conn: sqlite3.Connection) -> None:
    """Empty TEMP tables for those an older database (opened read-only, so not upgraded)
    lacks: it then reads as a history with no settings, reviews or lease yet."""
    have = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for sql in MIGRATIONS:
        for name, columns in _CREATE_TABLE.findall(sql):
            if name not in have:
                conn.execute(f"CREATE TEMP TABLE {name} {columns}")


def _move_aside(path: Path) -> Path:
    """Rename a bad database (and its WAL/SHM companions) out of the way; never delete it."""
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        path.rename(target)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.rename(target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(
            f"the database {path} could not be opened and could not be moved aside: {exc}"
        ) from exc
    return target
