"""Timed mock interviews, without any UI: the draw, the clock, the grading and the report.

A mock interview is a rehearsal: a fixed time, a set of questions, no feedback until it
is over, then an honest report. Everything here is plain Python so that the rules are
tested without Textual, and the TUI screen (`quizapp.tui.screens.mock`) and the CLI
(`quizapp mock`) are thin faces of the same functions.

Decisions worth knowing:

* **Time does not run while the app is dead.** The issue asks that a resumed interview
  "continues with the time that was left", so the state stores the remaining seconds
  (plus the wall-clock moment of the save, for information) and a resume starts from
  exactly that remaining time. The screen saves after every answer, skip, flag and move
  and every few seconds while the clock runs, so a crash loses at most those seconds.
* **Time is measured with an injected clock** (`clock() -> epoch seconds`): tests move
  a fake clock instead of waiting. A clock that goes backwards counts as no time.
* **What is graded.** Every submitted answer, plus whatever stands in the answer box of
  the question on screen when the interview ends (time up or finished by the user);
  every other question counts as unanswered (score 0 in the report, recorded as
  skipped: not in accuracy, not a review). A submitted answer the checker cannot read
  (`banana` for a Big-O) is refused on the spot with the reason, at no cost, as in
  practice (`unreadable`); only a draft taken as it stands at time-up can be unreadable,
  and it counts as wrong.
* **Recall questions are graded by the learner, in the report.** They have no automatic
  grading; the report shows the answer given next to the model answer and leaves it out
  of the score (recorded as an attempt with `valid=False`, so accuracy ignores it) until
  the learner rates it again / hard / good / easy as in practice (`grade_recall`): then it
  counts like any other answer, right or wrong by the same rule (`status_of`).
* **The draw.** Questions are drawn without repeats across topics and difficulties:
  each pick lowers the weight of questions sharing a topic or a difficulty with those
  already chosen. Without `--seed` the weights also lean toward the user's weak topics
  (`Store.topic_accuracy()`); with `--seed` the history is ignored, so the same seed
  gives the same interview on any machine. Questions are asked easiest first.
* **One interview, one window.** The interview on screen is leased in the database
  (`Store.take_lease`) and the lease renewed every `LEASE_HEARTBEAT` seconds; another
  window that finds a lease fresher than `LEASE_STALE` seconds says the interview is
  open elsewhere and takes it over only when asked.
* **Numbers come from the engine.** Expected answers, derivations and verdicts come from
  `engine.problems.draw` / `grade`; this module only counts scores and seconds.
"""

from __future__ import annotations

import math
import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from quizapp.answer_markdown import answer_markdown
from quizapp.words import count

if TYPE_CHECKING:
    from quizapp.recording import Answer

#: Version of the saved state and of the stored report (bump on incompatible changes).
STATE_VERSION = 1
REPORT_VERSION = 1
DEFAULT_QUESTIONS = 8
MAX_QUESTIONS = 100
MAX_MINUTES = 24 * 60
#: How many earlier interviews the trend table shows, and how many follow-ups are listed.
TREND_ROWS = 10
MAX_FOLLOW_UPS = 6
#: Diversity factors: each chosen question sharing a topic / the difficulty scales weights.
SAME_TOPIC_FACTOR = 0.5
SAME_DIFFICULTY_FACTOR = 0.7
#: Seconds between two renewals of the lease on the open interview, and the age after
#: which a lease whose window stopped renewing it (crashed, killed) is free to take.
LEASE_HEARTBEAT = 5.0
LEASE_STALE = 30.0

Clock = Callable[[], float]

#: Result of one question in the report.
CORRECT, PARTIAL, WRONG, UNANSWERED, UNGRADED, BROKEN = (
    "correct",
    "partial",
    "wrong",
    "unanswered",
    "ungraded",
    "error",
)
MISSED = (PARTIAL, WRONG, UNANSWERED)


class MockConfigError(ValueError):
    """A mock-interview setting that cannot be used; the message says what was expected."""


class MockStateError(ValueError):
    """A saved interview state that cannot be read (wrong version or shape)."""


class QuestionLike(Protocol):
    """What the draw needs of a question (quizapp.packs.Question satisfies it)."""

    @property
    def qid(self) -> str: ...
    @property
    def pack_id(self) -> str: ...
    @property
    def topics(self) -> list[str]: ...
    @property
    def difficulty(self) -> int: ...
    @property
    def time(self) -> int: ...
    @property
    def kind(self) -> str: ...


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class MockConfig:
    """The settings of one interview (from the command line or the home screen)."""

    packs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    questions: int = DEFAULT_QUESTIONS
    minutes: float | None = None  # None: the sum of the drawn questions' budgets
    seed: int | None = None  # fixes the draw and ignores history
    export: str | None = None  # write the report as Markdown here when it is over

    def __post_init__(self) -> None:
        if isinstance(self.questions, bool) or not isinstance(self.questions, int):
            raise MockConfigError(f"questions must be a whole number, got {self.questions!r}")
        if not 1 <= self.questions <= MAX_QUESTIONS:
            raise MockConfigError(
                f"questions must be between 1 and {MAX_QUESTIONS}, got {self.questions}"
            )
        if self.minutes is not None:
            minutes = float(self.minutes)
            if not math.isfinite(minutes) or minutes <= 0:
                raise MockConfigError(
                    f"minutes must be a positive number of minutes, got {self.minutes}"
                )
            if minutes > MAX_MINUTES:
                raise MockConfigError(f"minutes must be at most {MAX_MINUTES}, got {minutes:g}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise MockConfigError(f"seed must be a whole number, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> MockConfig:
        """Build from a mapping such as the CLI's `mock_config` (unknown keys are an error)."""
        data = dict(data or {})
        known = {"packs", "topics", "questions", "minutes", "seed", "export"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MockConfigError(f"unknown mock setting(s): {', '.join(unknown)}")
        for key in ("packs", "topics"):
            value = data.get(key)
            if value is None:
                data[key] = ()
            elif isinstance(value, str):
                data[key] = tuple(p for p in value.replace(",", " ").split() if p)
            else:
                data[key] = tuple(str(v) for v in value)
        if data.get("questions") is None:
            data["questions"] = DEFAULT_QUESTIONS
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "packs": list(self.packs),
            "topics": list(self.topics),
            "questions": self.questions,
            "minutes": self.minutes,
            "seed": self.seed,
            "export": self.export,
        }


def candidates(questions: Sequence[QuestionLike], config: MockConfig) -> list[QuestionLike]:
    """The questions the config allows, or MockConfigError naming the valid packs/topics."""
    all_packs = sorted({q.pack_id for q in questions})
    all_topics = sorted({t for q in questions for t in q.topics})
    bad_packs = [p for p in config.packs if p not in all_packs]
    if bad_packs:
        raise MockConfigError(
            f"unknown pack(s): {', '.join(bad_packs)}; valid packs: {', '.join(all_packs) or 'none'}"
        )
    bad_topics = [t for t in config.topics if t not in all_topics]
    if bad_topics:
        raise MockConfigError(
            f"unknown topic(s): {', '.join(bad_topics)}; valid topics: "
            f"{', '.join(all_topics) or 'none'}"
        )
    pool = [
        q
        for q in questions
        if (not config.packs or q.pack_id in config.packs)
        and (not config.topics or set(q.topics) & set(config.topics))
    ]
    if not pool:
        raise MockConfigError("no question matches both the chosen packs and topics")
    return pool


# --------------------------------------------------------------------------- the draw


@dataclass(frozen=True)
class Slot:
    """One question of an interview: which question, which variant, how long it should take."""

    qid: str
    seed: int
    budget: float
    topics: tuple[str, ...]
    difficulty: int
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "topics": list(self.topics)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Slot:
        return cls(
            qid=str(data["qid"]),
            seed=int(data["seed"]),
            budget=float(data["budget"]),
            topics=tuple(str(t) for t in data.get("topics") or ()),
            difficulty=int(data.get("difficulty", 1)),
            kind=str(data.get("kind", "")),
        )


def topic_weight(topic: str, history: Mapping[str, tuple[int, float]]) -> float:
    """How much a topic should be asked: 0.5 (always right) … 2.5 (always wrong); 1.5 unseen.

    Accuracy is shrunk toward 50 % by three pseudo-attempts, so one lucky answer does
    not hide a topic.
    """
    n, accuracy = history.get(topic, (0, 0.5))
    estimate = (accuracy * n + 0.5 * 3) / (n + 3)
    return 0.5 + 2.0 * (1.0 - estimate)


def select_questions(
    pool: Sequence[QuestionLike],
    count: int,
    rng: random.Random,
    history: Mapping[str, tuple[int, float]] | None = None,
) -> list[Slot]:
    """Draw up to `count` distinct questions, spread over topics and difficulties.

    `history` (topic -> (attempts, accuracy)) leans the draw toward weak topics; None
    draws uniformly (a seeded interview). The result is ordered easiest first.
    """
    remaining = sorted(pool, key=lambda q: q.qid)  # independent of load order
    base = {
        q.qid: (max(topic_weight(t, history) for t in q.topics) if history is not None else 1.0)
        if q.topics
        else 1.0
        for q in remaining
    }
    chosen: list[QuestionLike] = []
    while remaining and len(chosen) < count:
        weights = []
        for q in remaining:
            shared = sum(1 for c in chosen if set(c.topics) & set(q.topics))
            same_level = sum(1 for c in chosen if c.difficulty == q.difficulty)
            weights.append(
                base[q.qid] * SAME_TOPIC_FACTOR**shared * SAME_DIFFICULTY_FACTOR**same_level
            )
        pick = rng.choices(range(len(remaining)), weights=weights)[0]
        chosen.append(remaining.pop(pick))
    slots = [
        Slot(q.qid, rng.randrange(1, 2**31), float(q.time), tuple(q.topics), q.difficulty, q.kind)
        for q in chosen
    ]
    order = sorted(range(len(slots)), key=lambda i: (slots[i].difficulty, i))
    return [slots[i] for i in order]


# --------------------------------------------------------------------------- interview


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _now_iso(epoch: float) -> str:
    return _utc(epoch).strftime("%Y-%m-%d %H:%M UTC")


class MockInterview:
    """The running interview: questions, responses, flags, and the clock.

    Time is kept as seconds *consumed*; `_mark` is the clock reading up to which time has
    been charged (None while not running). Every call that takes `now` first charges the
    time since `_mark` to the question on screen, so the per-question times always add up
    to the time used, and never beyond the total.
    """

    def __init__(
        self,
        slots: Sequence[Slot],
        *,
        total_seconds: float,
        clock: Clock,
        config: MockConfig | None = None,
        draw_seed: int | None = None,
        weighted: bool = False,
    ) -> None:
        if not slots:
            raise MockConfigError("a mock interview needs at least one question")
        if total_seconds <= 0:
            raise MockConfigError("a mock interview needs a positive time")
        self.slots: list[Slot] = list(slots)
        self.total_seconds = float(total_seconds)
        self.clock = clock
        self.config = config or MockConfig()
        self.draw_seed = draw_seed
        self.weighted = weighted
        self.session_id: str | None = None
        n = len(self.slots)
        self.responses: list[str | None] = [None] * n  # submitted answers
        self.drafts: list[str] = [""] * n  # typed but not submitted
        self.flags: list[bool] = [False] * n
        self.visited: list[bool] = [False] * n
        self.spent: list[float] = [0.0] * n
        #: When the answer in force was submitted (the clock's epoch seconds; None: none),
        #: so the history files each answer at its own moment, not the interview's end.
        self.answered_at: list[float | None] = [None] * n
        self.current = 0
        self.used = 0.0
        self.started_at: float | None = None
        self.ended: str | None = None  # None while running; "time" or "done" once over
        self.ended_at: float | None = None
        self._mark: float | None = None

    # ---------------------------------------------------------------- creation

    @classmethod
    def create(
        cls,
        questions: Sequence[QuestionLike],
        config: MockConfig,
        *,
        clock: Clock,
        history: Mapping[str, tuple[int, float]] | None = None,
    ) -> MockInterview:
        """Draw a new interview (not started). Raises MockConfigError for a bad config."""
        pool = candidates(questions, config)
        if config.seed is not None:
            draw_seed, weights = config.seed, None
        else:
            draw_seed, weights = secrets.randbelow(2**31), dict(history or {})
        rng = random.Random(f"mock:{draw_seed}")
        slots = select_questions(pool, config.questions, rng, weights)
        total = config.minutes * 60 if config.minutes is not None else sum(s.budget for s in slots)
        return cls(
            slots,
            total_seconds=total,
            clock=clock,
            config=config,
            draw_seed=draw_seed,
            weighted=weights is not None,
        )

    # ---------------------------------------------------------------- clock

    def _now(self, now: float | None) -> float:
        return float(self.clock() if now is None else now)

    def _settle(self, now: float | None) -> float:
        """Charge the time since the last mark to the current question; returns `now`."""
        t = self._now(now)
        if self._mark is not None and self.ended is None:
            delta = min(max(0.0, t - self._mark), self.remaining_now())
            self.spent[self.current] += delta
            self.used += delta
        if self._mark is not None:
            self._mark = t
        return t

    def remaining_now(self) -> float:
        """Seconds left as of the last charge (without reading the clock)."""
        return max(0.0, self.total_seconds - self.used)

    def remaining(self, now: float | None = None) -> float:
        """Seconds left for the whole interview at `now` (0 once over)."""
        if self.ended is not None:
            return 0.0
        extra = 0.0 if self._mark is None else max(0.0, self._now(now) - self._mark)
        return max(0.0, self.total_seconds - self.used - extra)

    def spent_on(self, index: int, now: float | None = None) -> float:
        """Seconds spent on question `index`, including the running stretch if it is on screen."""
        value = self.spent[index]
        if index == self.current and self._mark is not None and self.ended is None:
            value += min(max(0.0, self._now(now) - self._mark), self.remaining_now())
        return value

    def question_remaining(self, now: float | None = None) -> float:
        """Budget left for the question on screen (negative once over its budget)."""
        return self.slots[self.current].budget - self.spent_on(self.current, now)

    @property
    def running(self) -> bool:
        return self._mark is not None and self.ended is None

    @property
    def finished(self) -> bool:
        return self.ended is not None

    # ---------------------------------------------------------------- actions

    def start(self, now: float | None = None) -> None:
        """Start (or restart after a resume) the clock at `now`."""
        if self.ended is not None:
            return
        t = self._now(now)
        if self.started_at is None:
            self.started_at = t
        self._mark = t
        self.visited[self.current] = True
        if self.remaining_now() <= 0:
            self.finish(t, reason="time")

    resume = start

    def pause(self, now: float | None = None) -> None:
        """Stop the clock (time stops being charged until `start` again)."""
        self._settle(now)
        self._mark = None

    def tick(self, now: float | None = None, draft: str | None = None) -> bool:
        """Charge time; on time up take the current draft as it stands and finish.

        Returns True when the interview is over (now or before).
        """
        if self.ended is not None:
            return True
        if draft is not None:
            self.drafts[self.current] = draft
        t = self._settle(now)
        if self.running and self.remaining_now() <= 0:
            self.finish(t, reason="time")
        return self.ended is not None

    def set_draft(self, text: str) -> None:
        """Remember what is typed for the current question (kept across moves and saves)."""
        if self.ended is None:
            self.drafts[self.current] = text

    def answer(self, text: str, now: float | None = None, *, advance: bool = True) -> None:
        """Submit `text` for the current question (an empty text withdraws the answer)."""
        if self.tick(now, draft=text):
            return  # time ran out: finish() took `text` as it stands
        text = text if text.strip() else ""
        self.responses[self.current] = text or None
        self.answered_at[self.current] = self._now(now) if text else None
        self.drafts[self.current] = text
        if advance:
            self._move(self.next_index(), now)

    def skip(self, now: float | None = None) -> None:
        """Move on without submitting (what is typed stays as a draft)."""
        if self.tick(now):
            return
        self._move(self.next_index(), now)

    def back(self, now: float | None = None) -> None:
        """Go to the previous question (wrapping round)."""
        if self.tick(now):
            return
        self._move((self.current - 1) % len(self.slots), now)

    def goto(self, index: int, now: float | None = None) -> None:
        """Go to question `index` (0-based)."""
        if not 0 <= index < len(self.slots):
            raise IndexError(f"no question {index + 1} (there are {len(self.slots)})")
        if self.tick(now):
            return
        self._move(index, now)

    def flag(self, now: float | None = None) -> bool:
        """Toggle the flag on the current question; returns the new flag."""
        if self.tick(now):
            return self.flags[self.current]
        self.flags[self.current] = not self.flags[self.current]
        return self.flags[self.current]

    def _move(self, index: int, now: float | None) -> None:
        self._settle(now)
        self.current = index
        self.visited[index] = True

    def next_index(self) -> int:
        """The next question after the current one that has no answer yet (wrapping round);
        the next one in order when every question is answered."""
        n = len(self.slots)
        for step in range(1, n + 1):
            i = (self.current + step) % n
            if self.responses[i] is None:
                return i
        return (self.current + 1) % n

    def finish(self, now: float | None = None, *, reason: str = "done") -> None:
        """End the interview: the draft on screen is taken as it stands."""
        if self.ended is not None:
            return
        t = self._settle(now)
        draft = self.drafts[self.current]
        if self.responses[self.current] is None and draft.strip():
            self.responses[self.current] = draft
            self.answered_at[self.current] = t
        self.ended = reason
        self.ended_at = t
        self._mark = None

    # ---------------------------------------------------------------- summary

    @property
    def answered(self) -> int:
        return sum(r is not None for r in self.responses)

    # ---------------------------------------------------------------- persistence

    def to_dict(self, now: float | None = None) -> dict[str, Any]:
        """A JSON-able snapshot (charges the running time first, so the save is exact)."""
        t = self._settle(now) if self.running else self._now(now)
        return {
            "version": STATE_VERSION,
            "session_id": self.session_id,
            "config": self.config.to_dict(),
            "draw_seed": self.draw_seed,
            "weighted": self.weighted,
            "questions": [s.to_dict() for s in self.slots],
            "responses": list(self.responses),
            "drafts": list(self.drafts),
            "flags": list(self.flags),
            "visited": list(self.visited),
            "spent": [round(s, 3) for s in self.spent],
            "answered_at": list(self.answered_at),
            "current": self.current,
            "started_at": self.started_at,
            "total_seconds": self.total_seconds,
            "used_seconds": round(self.used, 3),
            "remaining_seconds": round(self.remaining_now(), 3),
            "saved_at": t,
            "ended": self.ended,
            "ended_at": self.ended_at,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any], *, clock: Clock) -> MockInterview:
        """Rebuild a saved interview, paused: call `resume()` to continue with the time left.

        The remaining time is the one saved, whatever the wall clock says now (time does
        not run while the app is not running).
        """
        if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
            raise MockStateError("this saved interview was written by another quizapp version")
        try:
            slots = [Slot.from_dict(s) for s in state["questions"]]
            n = len(slots)
            interview = cls(
                slots,
                total_seconds=float(state["total_seconds"]),
                clock=clock,
                config=MockConfig.from_dict(state.get("config")),
                draw_seed=state.get("draw_seed"),
                weighted=bool(state.get("weighted")),
            )
            interview.session_id = state.get("session_id")
            interview.responses = _list(state, "responses", n, None)
            interview.drafts = [str(d or "") for d in _list(state, "drafts", n, "")]
            interview.flags = [bool(f) for f in _list(state, "flags", n, False)]
            interview.visited = [bool(v) for v in _list(state, "visited", n, False)]
            interview.spent = [float(s) for s in _list(state, "spent", n, 0.0)]
            interview.answered_at = [
                None if a is None else float(a) for a in _list(state, "answered_at", n, None)
            ]
            interview.current = min(max(int(state.get("current", 0)), 0), n - 1)
            interview.used = interview.total_seconds - float(state["remaining_seconds"])
            interview.started_at = state.get("started_at")
            interview.ended = state.get("ended")
            interview.ended_at = state.get("ended_at")
        except (KeyError, TypeError, ValueError) as exc:
            raise MockStateError(f"the saved interview is damaged: {exc}") from exc
        return interview


def _list(state: Mapping[str, Any], key: str, n: int, fill: Any) -> list[Any]:
    value = list(state.get(key) or [])
    return (value + [fill] * n)[:n]


# --------------------------------------------------------------------------- grading


@dataclass
class Graded:
    """One question after grading: the variant (for expected answer/derivation) and verdict."""

    index: int
    slot: Slot
    response: str | None
    status: str
    score: float
    counted: bool  # part of the score (False for recall and broken questions)
    variant: Any = None
    verdict: Any = None
    error: str | None = None


def grade_interview(interview: MockInterview, library: Any) -> list[Graded]:
    """Grade every question with the engine (slow-ish: run it off the UI thread)."""
    from engine.problems import draw, grade

    results = []
    for i, slot in enumerate(interview.slots):
        response = interview.responses[i]
        question = library.find(slot.qid) if hasattr(library, "find") else None
        if question is None:
            results.append(
                Graded(
                    i, slot, response, BROKEN, 0.0, False, error="the question is no longer loaded"
                )
            )
            continue
        try:
            variant = draw(question.model, slot.seed, qid=slot.qid)
        except ValueError as exc:  # FormulaError / RenderError: a broken pack
            results.append(Graded(i, slot, response, BROKEN, 0.0, False, error=str(exc)))
            continue
        if variant.kind == "recall":
            status = UNANSWERED if response is None else UNGRADED
            results.append(Graded(i, slot, response, status, 0.0, False, variant))
            continue
        if response is None:
            results.append(Graded(i, slot, None, UNANSWERED, 0.0, True, variant))
            continue
        try:
            verdict = grade(variant, response)
        except ValueError as exc:  # SpecError: a pack bug, not the learner's
            results.append(Graded(i, slot, response, BROKEN, 0.0, False, variant, error=str(exc)))
            continue
        score = float(verdict.score) if verdict.valid else 0.0
        results.append(Graded(i, slot, response, status_of(verdict), score, True, variant, verdict))
    return results


def status_of(verdict: Any) -> str:
    """CORRECT, PARTIAL or WRONG for an engine verdict: one rule for checked and
    self-graded answers alike.

    Correct is what the engine (and so practice) calls correct, whatever the score: a
    recall rated "hard" (0.6) is right, as practice records it. An answer that cannot be
    read counts as wrong (only a draft taken at time-up can be one).
    """
    if not verdict.valid:
        return WRONG
    if verdict.correct:
        return CORRECT
    return PARTIAL if verdict.score > 0 else WRONG


def unreadable(variant: Any, response: str) -> str | None:
    """Why a submitted answer cannot be read (None: it can, or is not machine-checked).

    Only readability is checked here, never correctness: the interview gives no
    feedback until it is over. Choices and recall answers are always readable.
    """
    if variant is None or variant.kind in ("recall", "choice") or not response.strip():
        return None
    from engine.problems import grade

    try:
        verdict = grade(variant, response)
    except ValueError:  # a pack bug: reported (not scored) at the end, not the learner's
        return None
    return None if verdict.valid else (verdict.feedback or "this answer cannot be read")


def paused_summary(state: Mapping[str, Any]) -> str:
    """One line about a saved interview: answered so far and time left (none once it is
    finished: one whose grading the history refused is saved finished, to grade later)."""
    questions = state.get("questions") or []
    answered = sum(r is not None for r in state.get("responses") or [])
    if state.get("ended"):
        return f"{answered} of {len(questions)} answered, finished and not graded yet"
    left = format_clock(float(state.get("remaining_seconds") or 0.0))
    return f"{answered} of {len(questions)} answered, {left} left"


# --------------------------------------------------------------------------- report


@dataclass
class ReportItem:
    """One question in the report (JSON-able)."""

    number: int  # 1-based position in the interview
    qid: str
    topics: list[str]
    difficulty: int
    kind: str
    status: str
    score: float
    counted: bool
    budget: float
    spent: float
    flagged: bool
    prompt: str = ""
    response: str | None = None
    parsed: str = ""
    expected: str = ""
    feedback: str = ""
    diagnosis: str | None = None
    derivation: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    self_grade: str | None = None  # a recall answer the learner graded in the report
    #: The variant asked (reports saved before it was kept lack it: None).
    seed: int | None = None

    @property
    def over_budget(self) -> float:
        return max(0.0, self.spent - self.budget)


@dataclass
class TopicScore:
    topic: str
    questions: int
    points: float
    correct: int

    @property
    def fraction(self) -> float:
        return self.points / self.questions if self.questions else 0.0


@dataclass
class FollowUp:
    qid: str
    after: int  # the interview question (1-based) that leads to it
    prompt: str


@dataclass
class Report:
    """Everything the report shows; stored with the finished session and exported as Markdown."""

    session_id: str | None
    started_at: str | None  # "YYYY-MM-DD HH:MM UTC"
    ended: str  # "time" | "done"
    total_seconds: float
    used_seconds: float
    points: float
    possible: int  # questions counted in the score
    items: list[ReportItem]
    topics: list[TopicScore]
    previous: list[dict[str, Any]]  # earlier interviews: {"date", "score"}, oldest first
    follow_ups: list[FollowUp]
    seed: int | None = None
    weighted: bool = False  # drawn with history weights (then the seed alone does not repeat it)
    version: int = REPORT_VERSION

    @property
    def score(self) -> float:
        """Fraction of the counted points (0 when nothing was counted)."""
        return self.points / self.possible if self.possible else 0.0

    @property
    def answered(self) -> int:
        return sum(1 for it in self.items if it.status != UNANSWERED)

    @property
    def unanswered(self) -> int:
        return sum(1 for it in self.items if it.status == UNANSWERED)

    @property
    def missed(self) -> list[ReportItem]:
        return [it for it in self.items if it.counted and it.status in MISSED]

    @property
    def ungraded(self) -> list[ReportItem]:
        return [it for it in self.items if not it.counted]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        data = dict(data)
        if data.get("version") != REPORT_VERSION:
            raise MockStateError("this report was written by another quizapp version")
        data["items"] = [ReportItem(**it) for it in data.get("items", [])]
        data["topics"] = [TopicScore(**t) for t in data.get("topics", [])]
        data["follow_ups"] = [FollowUp(**f) for f in data.get("follow_ups", [])]
        return cls(**data)


def _history_scores(history: Iterable[Any], exclude: str | None) -> list[dict[str, Any]]:
    rows = []
    for session in history:
        if getattr(session, "id", None) == exclude or getattr(session, "score", None) is None:
            continue
        # The time the earlier report titles itself with (its interview's clock), so the
        # row and that report agree; the store's own timestamps are wall-clock times
        # taken when the session was saved or finished.
        date = (getattr(session, "report", None) or {}).get("started_at") or ""
        when = getattr(session, "started", None)
        if not date and when is not None:
            date = _now_iso(when.timestamp())
        rows.append({"date": date, "score": session.score})
    return rows


def _follow_ups(
    graded: Sequence[Graded], library: Any, asked: set[str], limit: int
) -> list[FollowUp]:
    """The follow-ups of the interview's questions, those of missed questions first."""
    from engine.problems import draw

    order = sorted(graded, key=lambda g: (g.status not in MISSED, g.index))
    seen = set(asked)
    out: list[FollowUp] = []
    for g in order:
        question = library.find(g.slot.qid) if hasattr(library, "find") else None
        if question is None:
            continue
        for ref in getattr(question.model, "follow_ups", None) or []:
            qid = ref if "/" in ref else f"{question.pack_id}/{ref}"
            if qid in seen:
                continue
            target = library.find(qid)
            if target is None:
                continue
            seen.add(qid)
            try:
                prompt = draw(target.model, g.slot.seed, qid=qid).prompt
            except ValueError:
                continue
            out.append(FollowUp(qid, g.index + 1, prompt.strip()))
            if len(out) >= limit:
                return out
    return out


def build_report(
    interview: MockInterview,
    graded: Sequence[Graded],
    *,
    library: Any = None,
    history: Iterable[Any] = (),
    follow_up_limit: int = MAX_FOLLOW_UPS,
) -> Report:
    """The report of a finished interview. `history`: store.mock_history() (earlier sessions)."""
    items: list[ReportItem] = []
    for g in graded:
        v, verdict = g.variant, g.verdict
        derivation = []
        if v is not None:
            derivation = [asdict(s) for s in v.derivation]
        feedback: str = g.error or (getattr(verdict, "feedback", "") if verdict else "") or ""
        items.append(
            ReportItem(
                number=g.index + 1,
                qid=g.slot.qid,
                topics=list(g.slot.topics),
                difficulty=g.slot.difficulty,
                kind=g.slot.kind,
                status=g.status,
                score=g.score,
                counted=g.counted,
                budget=g.slot.budget,
                spent=round(interview.spent[g.index], 3),
                flagged=interview.flags[g.index],
                prompt=v.prompt.strip() if v is not None else "",
                response=g.response,
                parsed=getattr(verdict, "parsed", "") or "",
                expected=v.expected if v is not None else "",
                feedback=feedback,
                diagnosis=getattr(verdict, "diagnosis", None),
                derivation=derivation,
                explanation=(v.explanation.strip() if v is not None else ""),
                source=v.source if v is not None else "",
                seed=g.slot.seed,
            )
        )
    follow_ups: list[FollowUp] = []
    if library is not None:
        follow_ups = _follow_ups(graded, library, {s.qid for s in interview.slots}, follow_up_limit)
    points, possible, topics = _tally(items)
    return Report(
        session_id=interview.session_id,
        started_at=_now_iso(interview.started_at) if interview.started_at is not None else None,
        ended=interview.ended or "done",
        total_seconds=interview.total_seconds,
        used_seconds=round(interview.used, 3),
        points=points,
        possible=possible,
        items=items,
        topics=topics,
        previous=_history_scores(history, interview.session_id)[-TREND_ROWS:],
        follow_ups=follow_ups,
        seed=interview.draw_seed,
        weighted=interview.weighted,
    )


def _tally(items: Sequence[ReportItem]) -> tuple[float, int, list[TopicScore]]:
    """The points, the number of questions counted, and the scores per topic, weakest first."""
    per_topic: dict[str, TopicScore] = {}
    counted = [it for it in items if it.counted]
    for it in counted:
        for topic in it.topics:
            t = per_topic.setdefault(topic, TopicScore(topic, 0, 0.0, 0))
            t.questions += 1
            t.points += it.score
            t.correct += it.status == CORRECT
    topics = sorted(per_topic.values(), key=lambda t: (t.fraction, -t.questions, t.topic))
    return round(sum(it.score for it in counted), 6), len(counted), topics


def self_gradable(report: Report) -> list[ReportItem]:
    """The recall answers still waiting for the learner's own grade, in interview order."""
    return [it for it in report.items if it.kind == "recall" and it.status == UNGRADED]


def grade_recall(report: Report, number: int, rating: str) -> Report:
    """The report after the learner graded recall question `number` (1-based) themselves.

    As in practice, the learner compares their answer with the model answer and rates it
    again, hard, good or easy (`engine.answers.self_grade` turns that into a score); the
    question then counts in the score, its topic and the trend like any other. Raises
    ValueError for a question that is not an ungraded recall answer or a bad rating.
    """
    from dataclasses import replace

    from engine.answers import self_grade

    item = next((it for it in self_gradable(report) if it.number == number), None)
    if item is None:
        raise ValueError(f"question {number} is not a recall answer waiting for a grade")
    verdict = self_grade(rating, item.expected, parsed=item.parsed)
    if not verdict.valid:
        raise ValueError(verdict.feedback)
    graded = replace(
        item,
        status=status_of(verdict),
        score=float(verdict.score),
        counted=True,
        self_grade=rating,
        feedback=verdict.feedback,
    )
    items = [graded if it.number == number else it for it in report.items]
    points, possible, topics = _tally(items)
    return replace(report, items=items, points=points, possible=possible, topics=topics)


def self_graded_answer(report: Report, number: int) -> Answer:
    """The recording of a recall answer graded in the report: an attempt and a review."""
    return recorded_answer(next(it for it in report.items if it.number == number), report)


def recorded_answer(item: ReportItem, report: Report) -> Answer:
    """What `quizapp.recording.record` keeps of one report item (not of a BROKEN one).

    A scored answer is an attempt and a review; a recall answer not graded yet is kept
    but not scored ("ungraded"); an unanswered question is recorded as skipped.
    """
    from quizapp.recording import Answer

    status: Literal["answered", "ungraded", "skipped"]
    if item.status == UNANSWERED:
        status = "skipped"
    elif item.counted:
        status = "answered"
    else:
        status = "ungraded"
    return Answer(
        question_id=item.qid,
        mode="mock",
        topics=tuple(item.topics),
        kind=item.kind,
        seed=item.seed,
        status=status,
        response=item.response or "",
        parsed=item.parsed,
        correct=item.status == CORRECT,
        score=item.score,
        seconds=item.spent,
        budget=item.budget,
        self_grade=item.self_grade,
        session_id=report.session_id,
        feedback=item.feedback,
        diagnosis=item.diagnosis,
    )


# --------------------------------------------------------------------------- markdown


def format_clock(seconds: float) -> str:
    """Seconds as m:ss (h:mm:ss from an hour), rounded down; negative values get a minus."""
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code that survives backticks in a learner's answer."""
    text = " ".join(str(text).split())
    if not text:
        return "(empty)"
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines()) or ">"


def trend_text(report: Report) -> str:
    """One sentence comparing this score with earlier interviews."""
    if not report.previous:
        return "This is your first mock interview: the next ones will be compared with it."
    last = report.previous[-1]["score"]
    mean = sum(p["score"] for p in report.previous) / len(report.previous)
    diff = (report.score - last) * 100
    if abs(diff) < 0.5:
        move = f"the same as your last interview ({_pct(last)})"
    else:
        word = "up" if diff > 0 else "down"
        move = f"{word} {abs(diff):.0f} points on your last interview ({_pct(last)} → {_pct(report.score)})"
    n = len(report.previous)
    earlier = "your earlier interview" if n == 1 else f"your {n} earlier interviews"
    return f"{move[0].upper()}{move[1:]}; average of {earlier}: {_pct(mean)}."


STATUS_TEXT = {
    CORRECT: "correct",
    PARTIAL: "partly right",
    WRONG: "wrong",
    UNANSWERED: "unanswered",
    UNGRADED: "not scored (recall)",
    BROKEN: "not scored (question error)",
}


def _step_line(i: int, step: Mapping[str, Any]) -> str:
    from engine.problems import RenderedStep

    line = f"{i}. {step.get('text', '').strip()}"
    if step.get("formula") is not None:  # reports saved before `numbers` existed lack it
        known: dict[str, Any] = {f.name: step.get(f.name) for f in fields(RenderedStep)}
        line += f" — {_code(RenderedStep(**known).equation())}"
    return line


def report_markdown(report: Report) -> str:
    """The report as Markdown (the TUI shows this same text; `--export` writes it)."""
    out: list[str] = []
    when = report.started_at or ""
    out.append(f"# Mock interview report{f' — {when}' if when else ''}")
    out.append("")
    ended = "time ran out" if report.ended == "time" else "finished by you"
    if report.possible:
        out.append(
            f"**Score: {_points(report.points)} / {report.possible} ({_pct(report.score)})** · "
            f"{report.answered} of {len(report.items)} answered · ended: {ended}"
        )
    else:
        out.append(f"**No scored questions** · ended: {ended}")
    over = sum(1 for it in report.items if it.over_budget > 0)
    out.append("")
    out.append(
        f"Time: {format_clock(report.used_seconds)} used of {format_clock(report.total_seconds)}"
        f" · {count(over, 'question')} over budget"
    )
    recall = len(self_gradable(report))
    broken = sum(1 for it in report.items if it.status == BROKEN)
    if recall:
        from quizapp.scheduling import SELF_GRADES

        keys = " · ".join(f"{key} {grade}" for key, grade in enumerate(SELF_GRADES, start=1))
        out.append("")
        out.append(
            f"{count(recall, 'recall answer is', 'recall answers are')} not in the score yet: "
            f"compare it with the model answer below and grade it yourself (in the app: {keys}); "
            "a graded answer counts like any other."
        )
    if broken:
        out.append("")
        out.append(
            f"{count(broken, 'question is', 'questions are')} left out of the score: "
            "the grading failed (a pack problem; run `quizapp validate`)."
        )
    if report.seed is not None and not report.weighted:
        out.append("")
        out.append(f"Draw seed: {report.seed} (`quizapp mock --seed {report.seed}` repeats it).")

    out += ["", "## Compared with earlier interviews", "", trend_text(report)]
    if report.previous:
        out += ["", "| Interview | Date | Score |", "|---|---|---|"]
        for i, p in enumerate(report.previous, 1):
            out.append(f"| {i} | {_cell(p['date'])} | {_pct(p['score'])} |")
        out.append(f"| this one | {_cell(when)} | {_pct(report.score)} |")

    out += ["", "## By topic", ""]
    if report.topics:
        out += ["| Topic | Questions | Correct | Score |", "|---|---|---|---|"]
        for t in report.topics:
            out.append(
                f"| {_cell(t.topic)} | {t.questions} | {t.correct} | "
                f"{_points(t.points)} / {t.questions} ({_pct(t.fraction)}) |"
            )
    else:
        out.append("No scored questions.")

    out += [
        "",
        "## Time per question",
        "",
        "| # | Question | Result | Time | Budget | Over |",
        "|---|---|---|---|---|---|",
    ]
    for it in report.items:
        flag = " ⚑" if it.flagged else ""
        over_text = format_clock(it.over_budget) if it.over_budget > 0 else ""
        out.append(
            f"| {it.number} | {_cell(it.qid)}{flag} | {_status_text(it)} | "
            f"{format_clock(it.spent)} | {format_clock(it.budget)} | {over_text} |"
        )

    out += ["", "## Missed questions", ""]
    if not report.missed:
        out.append("None: every scored question was answered correctly.")
    for it in report.missed:
        out += _item_block(it)

    if report.ungraded:
        out += ["", "## Not scored: compare with the model answer", ""]
        for it in report.ungraded:
            out += _item_block(it)

    out += ["", "## Follow-up questions an interviewer would ask next", ""]
    if not report.follow_ups:
        out.append("None listed for these questions.")
    for f in report.follow_ups:
        out += [f"{f.after} → **{f.qid}**", "", _quote(f.prompt), ""]
    text = "\n".join(out).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def _status_text(it: ReportItem) -> str:
    if it.self_grade:
        return f"you graded it {it.self_grade}"
    return STATUS_TEXT.get(it.status, it.status)


def _item_block(it: ReportItem) -> list[str]:
    score = f" ({_points(it.score)} / 1)" if it.counted else ""
    lines = [
        f"### {it.number}. {it.qid} — {_status_text(it)}{score}",
        "",
        _quote(it.prompt) if it.prompt else "> (question not available)",
        "",
    ]
    if it.response is None:
        lines.append("- **Your answer:** none")
    else:
        read = f" (read as {_code(it.parsed)})" if it.parsed and it.parsed != it.response else ""
        lines.append(f"- **Your answer:** {_code(it.response)}{read}")
    label = "Model answer" if it.kind == "recall" else "Expected"
    if it.expected:
        # A list item: a multi-line answer (choices, a recall list) is a block under it.
        first, *rest = answer_markdown(label, it.expected, it.kind)
        lines += [f"- {first}", *(f"  {line}" if line else "" for line in rest)]
    if it.diagnosis:
        lines.append(f"- **Diagnosis:** {' '.join(it.diagnosis.split())}")
    if it.feedback and not it.diagnosis and it.kind != "recall":
        lines.append(f"- **Feedback:** {' '.join(it.feedback.split())}")
    lines.append(
        f"- **Time:** {format_clock(it.spent)} of {format_clock(it.budget)} · topics: "
        f"{', '.join(it.topics)}"
    )
    if it.derivation:
        lines += ["", "**Derivation**", ""]
        lines += [_step_line(i, s) for i, s in enumerate(it.derivation, 1)]
    if it.explanation:
        lines += ["", " ".join(it.explanation.split())]
    if it.source:
        lines += ["", f"Source: {' '.join(it.source.split())}"]
    lines.append("")
    return lines


# --------------------------------------------------------------------------- store glue


def start_session(store: Any, interview: MockInterview) -> str:
    """Start the clock and save the first state; the store gives the session id."""
    interview.start()
    started = _utc(interview.clock())
    interview.session_id = store.new_mock_session(interview.to_dict(), started)
    store.save_mock_state(interview.session_id, interview.to_dict())
    return interview.session_id


def save_state(store: Any, interview: MockInterview) -> None:
    """Save the interview so that a crash loses nothing answered (cheap: one SQLite write)."""
    if interview.session_id is not None:
        store.save_mock_state(interview.session_id, interview.to_dict())


def load_unfinished(store: Any, clock: Clock) -> MockInterview | None:
    """The interview left unfinished (paused), or None. A damaged state raises MockStateError."""
    found = store.load_unfinished_mock()
    if found is None:
        return None
    session_id, state = found
    interview = MockInterview.from_dict(state, clock=clock)
    interview.session_id = session_id
    return interview


def finalise(interview: MockInterview, library: Any, store: Any) -> Report:
    """Grade, build the report, record every question, close the session.

    Every question goes through `quizapp.recording.record` at the interview's clock,
    an answer at the moment it was submitted, an unanswered question at the end:
    a graded answer is a mock attempt and a spaced-repetition review (rated as practice
    rates it; no hints in an interview), so a question missed under pressure comes back
    sooner. A recall answer is kept but not scored; an unanswered question is recorded
    as skipped: never in accuracy, never a review, and it stays "new". Safe to repeat
    after a crash or a refused write half-way: questions already recorded for this
    session are not recorded twice, and the session is closed only once all are in.
    """
    from quizapp.recording import record, recorded_questions

    if not interview.finished:
        interview.finish()
    graded = grade_interview(interview, library)
    history = store.mock_history() if store is not None else []
    report = build_report(interview, graded, library=library, history=history)
    if store is None or interview.session_id is None:
        return report
    # When it ended, not now: grading may be retried minutes later (a busy history).
    ended = interview.ended_at
    now = _utc(interview.clock() if ended is None else ended)
    store.save_mock_state(interview.session_id, interview.to_dict())
    done = recorded_questions(store, interview.session_id)
    for item in report.items:
        if item.qid not in done and item.status != BROKEN:
            given = interview.answered_at[item.number - 1]
            at = now if given is None or item.status == UNANSWERED else _utc(given)
            record(store, recorded_answer(item, report), at)
    store.finish_mock(interview.session_id, report.to_dict(), report.score, now)
    return report


def latest_report(store: Any) -> Report | None:
    """The report of the most recently finished interview, or None."""
    for session in reversed(store.mock_history()):
        if session.report:
            try:
                return Report.from_dict(session.report)
            except (MockStateError, TypeError):
                continue
    return None


def write_report(report: Report, path: str) -> str:
    """Write the report as Markdown (UTF-8), making the folder; returns the path written."""
    from pathlib import Path

    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report_markdown(report), encoding="utf-8")
    return str(target)
