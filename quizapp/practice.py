"""A practice session without any UI: which question, which state, what gets recorded.

Built the way `quizapp.mock.MockInterview` is, so the rules are plain tests and the
screen (`quizapp.tui.screens.practice`) only renders the session and runs its work in
workers. A session is always in exactly one `PracticeState`:

    loading ──drawn──▶ asking ──submit──▶ checking ──unreadable──▶ asking (costs nothing)
       ▲                 │                    ├──recall──▶ self-grading ──grade──▶ answered
       │                 │                    └──graded──────────────────────────▶ answered
       └──next / variant / follow-up (from any state but checking)──┘
    loading ──nothing to ask──▶ empty          any step ──error──▶ failed (next still works)

Every transition is a method that checks the state itself and returns False when it
does not apply, so a key pressed at the wrong moment does nothing instead of breaking
the session. The slow steps (`draw`, `check`, `record`) are plain functions of their
inputs, run off the UI thread by the screen.

Picking: questions due for review first (most overdue first), then never-seen ones in
pack order, then (nothing due or new) the one due soonest; never the question just
asked while another one would do. Hints shown for a question stay counted when the
learner asks for new numbers (Ctrl+R) before answering: the hints were read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.packs import Library, Question
    from quizapp.recording import Recorded, Recorder
    from quizapp.store import Store


class PracticeState(StrEnum):
    LOADING = "loading"
    ASKING = "asking"
    CHECKING = "checking"
    SELF_GRADING = "self-grading"
    ANSWERED = "answered"
    EMPTY = "empty"
    FAILED = "failed"


@dataclass(frozen=True)
class PracticeSelection:
    """Which questions a practice session draws from (empty means every pack)."""

    packs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    due_only: bool = False
    questions: tuple[str, ...] = ()

    def matches(self, question: Question) -> bool:
        if self.questions:
            return question.qid in self.questions
        if self.packs and question.pack_id not in self.packs:
            return False
        return not self.topics or any(t in self.topics for t in question.topics)

    def label(self) -> str:
        parts = []
        if self.questions:
            parts.append(", ".join(self.questions))
        if self.packs:
            parts.append("packs: " + ", ".join(self.packs))
        if self.topics:
            parts.append("topics: " + ", ".join(self.topics))
        if not parts:
            parts.append("all packs")
        if self.due_only:
            parts.append("due now only")
        return " · ".join(parts)


def pick_next(
    library: Library,
    selection: PracticeSelection,
    store: Store | None,
    now: datetime,
    exclude: str | None = None,
    waiting: Collection[str] = (),
) -> tuple[str | None, str]:
    """The next question id and "" — or None and the reason nothing can be asked.

    Due (most overdue first) → new (pack order) → the soonest due; `exclude` (the
    question just asked) and `waiting` (questions whose answers wait for a busy history,
    so their cards do not show them answered yet) only when nothing else is left. With
    `due_only`, only due.
    """
    from quizapp.planning import review_ahead
    from quizapp.scheduling import due

    skip = {*waiting, *([exclude] if exclude else [])}
    ids = [q.qid for q in library.questions if selection.matches(q)]
    if not ids:
        known = ", ".join(p.id for p in library.packs) or "none"
        return None, f"No question matches {selection.label()}. Packs loaded: {known}."
    order = ids if store is None else due(store, ids, now, include_new=not selection.due_only)
    budgets = {q.qid: float(q.time) for q in library.questions if selection.matches(q)}
    interview = None if store is None else _interview_order(store, budgets, order, now)
    if interview is not None:
        order = interview
    for qid in order:
        if qid not in skip:
            return qid, ""
    if selection.due_only:
        if order:
            return order[0], ""
        return None, NOTHING_DUE
    if interview is not None and store is not None:
        ahead = [q for q in review_ahead(store, ids, now) if q not in skip]
        if ahead:  # reviewing ahead toward the date: the weakest memory first
            return ahead[0], ""
    dues = {} if store is None else store.card_dues(ids)
    soonest = sorted((when, qid) for qid, when in dues.items() if qid not in skip)
    if soonest:
        return soonest[0][1], ""
    return (exclude or ids[0]), ""


#: Why a due-only session is empty; the screen offers to review ahead ("advance").
NOTHING_DUE = (
    "Nothing is due right now. Press **a** to review ahead (the questions you are most "
    "likely to forget first), come back later, or practise new questions."
)


def _interview_order(
    store: Store, budgets: dict[str, float], order: list[str], now: datetime
) -> list[str] | None:
    """With an interview date set: `order` re-ranked toward the date (None: no date set).

    Due questions come weakest first (lowest FSRS retrievability), then the new ones
    today's plan meets; see `quizapp.planning.toward_the_date`.
    """
    from quizapp.planning import interview_date, plan_for, toward_the_date

    interview = interview_date(store)
    if interview is None:
        return None
    wanted = set(order)
    plan = None
    today = now.astimezone().date()
    if interview > today:
        plan = plan_for(store, budgets, today=today, interview=interview)
    return [q for q in toward_the_date(store, list(budgets), now, plan) if q in wanted]


@dataclass(frozen=True)
class Drawn:
    """A question with its numbers drawn (the result of `draw`)."""

    question: Question
    variant: Any  # engine.problems.Variant


def draw(library: Library, qid: str, seed: int) -> Drawn:
    """Draw `qid`'s numbers with `seed` (raises ValueError/KeyError for a broken pack)."""
    from engine.problems import draw as draw_variant

    question = library.get(qid)
    return Drawn(question, draw_variant(question.model, seed, qid=question.qid))


@dataclass(frozen=True)
class Checked:
    """What the checker said about one response, and what was recorded of it."""

    qid: str
    seed: int
    response: str
    verdict: Any  # engine.answers.Verdict
    seconds: float
    hints_used: int
    recorded: Recorded | None = None  # None: not recorded (unreadable, recall, or waiting)
    waiting: str | None = None  # why the answer is kept in memory instead of saved
    self_grade: str | None = None
    answer_id: str = ""  # the recorded answer's id: a late save (`saved_late`) finds it by it


def check(variant: Any, response: str) -> Any:
    """Grade `response`; a question the engine cannot check gives an 'unreadable' verdict."""
    from engine.problems import grade

    try:
        return grade(variant, response)
    except Exception as exc:  # a broken spec: the learner must not lose the screen
        from engine.answers.verdict import invalid

        return invalid(f"This question cannot be checked ({exc}); try another one.")


@dataclass
class PracticeSession:
    """One sitting of practice: the current question and what the learner did with it."""

    selection: PracticeSelection = field(default_factory=PracticeSelection)
    clock: Callable[[], float] = field(default=lambda: 0.0)
    state: PracticeState = PracticeState.LOADING
    question: Question | None = None
    variant: Any = None
    hints_used: int = 0
    shown_at: float = 0.0
    response: str = ""
    last: Checked | None = None  # the last readable verdict (the result pane shows it)
    message: str = ""  # why the session is empty or failed
    answered: int = 0
    right: int = 0
    _target: str | None = None  # the question being drawn (None: pick one)

    # ---------------------------------------------------------------- what is allowed

    @property
    def busy(self) -> bool:
        return self.state in (PracticeState.LOADING, PracticeState.CHECKING)

    def can(self, action: str) -> bool:
        """Whether an action applies now (the screen greys out the others)."""
        state, question = self.state, self.question
        if action == "hint":  # after the answer too: hints are also for learning
            return (
                state in (PracticeState.ASKING, PracticeState.SELF_GRADING, PracticeState.ANSWERED)
                and self.variant is not None
                and self.hints_used < len(self.variant.hints)
            )
        if action == "submit":
            return state == PracticeState.ASKING
        if action == "grade":
            return state == PracticeState.SELF_GRADING
        if action == "next":
            return state != PracticeState.CHECKING
        if action == "variant":
            return question is not None and state != PracticeState.CHECKING
        if action == "follow_up":
            return (
                question is not None
                and state != PracticeState.CHECKING
                and bool(question.model.follow_ups)
            )
        return True

    # ---------------------------------------------------------------- drawing

    def begin_next(self) -> bool:
        """Ask for another question (the picker chooses). False while checking."""
        return self._begin(None)

    def begin_variant(self) -> bool:
        """Ask for new numbers for the same question."""
        if self.question is None:
            return False
        return self._begin(self.question.qid)

    def begin_question(self, qid: str) -> bool:
        """Ask for a given question (a follow-up)."""
        return self._begin(qid)

    def _begin(self, qid: str | None) -> bool:
        if self.state == PracticeState.CHECKING:
            return False
        self._target = qid
        self.state = PracticeState.LOADING
        return True

    @property
    def target(self) -> str | None:
        """The question id being drawn, or None when the picker should choose."""
        return self._target

    @property
    def exclude(self) -> str | None:
        """The question just asked (the picker avoids it while others remain)."""
        return None if self.question is None else self.question.qid

    def show(self, drawn: Drawn) -> None:
        """A question is drawn: ask it. New numbers for an unanswered question keep its hints."""
        same = (
            self.question is not None
            and self.question.qid == drawn.question.qid
            and self.last is None
        )
        self.question, self.variant = drawn.question, drawn.variant
        if not same:
            self.hints_used = 0
        else:
            self.hints_used = min(self.hints_used, len(drawn.variant.hints))
        self.last = None
        self.response = ""
        self.message = ""
        self.shown_at = self.clock()
        self.state = PracticeState.ASKING

    def empty(self, reason: str) -> None:
        self.question = self.variant = None
        self.last = None
        self.message = reason
        self.state = PracticeState.EMPTY

    def fail(self, message: str) -> None:
        """Something broke (a broken pack, a store error): say so; next/variant still work."""
        self.message = message
        self.state = PracticeState.FAILED

    # ---------------------------------------------------------------- answering

    def hint(self) -> Sequence[str] | None:
        """Show one more hint; returns the hints shown so far, or None if none is left."""
        if not self.can("hint"):
            return None
        self.hints_used += 1
        return self.shown_hints

    @property
    def shown_hints(self) -> list[str]:
        return [] if self.variant is None else list(self.variant.hints[: self.hints_used])

    def submit(self, response: str) -> float | None:
        """Start checking `response`; returns the seconds it took (None: not now)."""
        if self.state != PracticeState.ASKING or self.variant is None:
            return None
        self.response = response
        self.state = PracticeState.CHECKING
        return max(0.0, self.clock() - self.shown_at)

    def checked(self, result: Checked) -> bool:
        """The checker is done. False when the result is stale (the question changed)."""
        if self.state != PracticeState.CHECKING or not self._is_current(result):
            return False
        verdict = result.verdict
        if not verdict.valid:
            self.state = PracticeState.ASKING  # costs nothing: fix it and submit again
            return True
        self.last = result
        if verdict.needs_self_grade and result.self_grade is None:
            self.state = PracticeState.SELF_GRADING
            return True
        self.state = PracticeState.ANSWERED
        self.answered += 1
        self.right += int(bool(verdict.correct))
        return True

    def grade(self, rating: str) -> Checked | None:
        """The learner graded a recall answer: returns what to record (None: not now)."""
        if self.state != PracticeState.SELF_GRADING or self.last is None:
            return None
        self.state = PracticeState.CHECKING
        last = self.last
        return Checked(
            last.qid,
            last.seed,
            last.response,
            last.verdict.self_grade(rating),
            last.seconds,
            last.hints_used,
            self_grade=rating,
        )

    def take_back(self) -> bool:
        """Undo of the answer just given: ask the same question (same numbers) again.

        Its time counts from when the question was first shown, and its hints stay.

        The screen has taken the attempt, the card and the review-log row back in the
        store (`quizapp.ratings.undo`); False when there is no answer to take back.
        """
        if self.state != PracticeState.ANSWERED or self.last is None:
            return False
        self.answered -= 1
        self.right -= int(bool(self.last.verdict.correct))
        self.last = None
        self.response = ""
        # The clock keeps running from when the question was shown: the learner has seen
        # the verdict, so a quick retype is not a quick recall.
        self.state = PracticeState.ASKING
        return True

    def saved_late(self, recorded: Recorded) -> Checked | None:
        """An answer that waited for a busy history was saved: if it is the one on screen
        (answered, not taken back), it now has its attempt; returns it (None: another)."""
        last = self.last
        if self.state != PracticeState.ANSWERED or last is None or last.recorded is not None:
            return None
        if not last.answer_id or last.answer_id != recorded.answer_id:
            return None
        self.last = replace(last, recorded=recorded, waiting=None)
        return self.last

    def recover(self) -> None:
        """A worker failed while checking: back to asking, with the answer still typed."""
        if self.state == PracticeState.CHECKING:
            self.state = PracticeState.ASKING if self.last is None else PracticeState.SELF_GRADING
        elif self.state == PracticeState.LOADING:
            self.state = PracticeState.FAILED

    def _is_current(self, result: Checked) -> bool:
        v = self.variant
        return v is not None and (result.qid, result.seed) == (v.qid, v.seed)

    # ---------------------------------------------------------------- follow-ups

    def follow_ups(self, library: Library) -> list[str]:
        """The loaded follow-up questions of the current question."""
        question = self.question
        if question is None:
            return []
        ids = []
        for ref in question.model.follow_ups:
            qid = ref if "/" in ref else f"{question.pack_id}/{ref}"
            if library.find(qid) is not None:
                ids.append(qid)
        return ids


def record_checked(
    recorder: Recorder | None, question: Question, variant: Any, result: Checked
) -> Checked:
    """Record a graded answer through the app's recorder; returns `result` with the outcome.

    Unreadable answers and recall answers not yet self-graded are not recorded. When the
    database refuses the write, the answer stays in the recorder (`waiting` says why).
    """
    from quizapp.recording import Answer

    verdict = result.verdict
    if recorder is None or not verdict.valid or verdict.needs_self_grade:
        return result
    answer = Answer(
        question_id=question.qid,
        mode="practice",
        pack=question.pack_id,
        topics=tuple(question.topics),
        kind=question.kind,
        seed=variant.seed,
        response=result.response,
        parsed=verdict.parsed or "",
        correct=bool(verdict.correct),
        score=float(verdict.score),
        seconds=result.seconds,
        budget=question.time,
        hints_used=result.hints_used,
        self_grade=result.self_grade,
        feedback=verdict.feedback or "",
        diagnosis=verdict.diagnosis,
    )
    recorded = recorder.submit(answer)
    waiting = None if recorded else recorder.message
    return replace(result, recorded=recorded, waiting=waiting, answer_id=answer.answer_id)
