"""Messages the TUI's workers and screens send each other.

Thread workers never touch widgets: they post one of these (posting is thread-safe)
and the handler, running on the UI thread, updates the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from datetime import datetime

    from quizapp.mock import MockInterview, Report
    from quizapp.packs import Library, Question
    from quizapp.practice import Checked
    from quizapp.recording import Recorded
    from quizapp.store import Attempt, Summary


class LibraryLoaded(Message):
    """The packs are loaded (sent to every screen on the stack, and to the app)."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library


class QuestionReady(Message):
    """A question was picked and a variant drawn for it (practice)."""

    def __init__(self, question: Question, variant: Any, position: str = "") -> None:
        super().__init__()
        self.question = question
        self.variant = variant
        self.position = position


class NothingToPractise(Message):
    """The selection holds no question to serve now (e.g. nothing due)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class EchoReady(Message):
    """How the answer typed so far is understood (engine.answers.interpret)."""

    def __init__(self, text: str, response: str) -> None:
        super().__init__()
        self.text = text
        self.response = response


class VerdictReady(Message):
    """The checker finished with a submitted response (and recorded it, if it counts)."""

    def __init__(self, checked: Checked) -> None:
        super().__init__()
        self.checked = checked


@dataclass(frozen=True)
class DemoInfo:
    """What the demo list shows about one demo (copied out of engine.demos.DEMOS)."""

    name: str
    title: str
    kernel: str
    vary: str
    variables: tuple[str, ...]
    predicted: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)  # per variable, as Demo.notes


class DemosListed(Message):
    """The demo registry was imported (numpy and all) off the UI thread."""

    def __init__(self, demos: list[DemoInfo]) -> None:
        super().__init__()
        self.demos = demos


class DemoProgress(Message):
    """A demo measured one more point; carries a snapshot of the result so far."""

    def __init__(self, run_id: int, result: dict[str, Any], done: bool = False) -> None:
        super().__init__()
        self.run_id = run_id
        self.result = result
        self.done = done


class DemoFailed(Message):
    """A demo could not run (unknown name or parameter, or an error in the kernel)."""

    def __init__(self, run_id: int, message: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.message = message


class InterviewReady(Message):
    """The questions are drawn (a new interview) or loaded (a resumed one)."""

    def __init__(self, interview: MockInterview, variants: list[Any], note: str = "") -> None:
        super().__init__()
        self.interview = interview
        self.variants = variants
        self.note = note


class AnswerRead(Message):
    """Whether a submitted mock answer can be read (`problem` None) or why not."""

    def __init__(self, index: int, text: str, problem: str | None) -> None:
        super().__init__()
        self.index = index
        self.text = text
        self.problem = problem


class InterviewFailed(Message):
    """The interview cannot start: a bad setting, no packs, no saved interview."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class ReportReady(Message):
    """A finished interview is graded and its report built."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report


class InterviewSaved(Message):
    """An autosave of the mock interview ended: `error` says why it failed, None if it worked."""

    def __init__(self, error: str | None = None, taken_over: bool = False) -> None:
        super().__init__()
        self.error = error
        self.taken_over = taken_over


class HistoryRead(Message):
    """The store was read for the history screen (or could not be: `error` says why)."""

    def __init__(
        self,
        attempts: list[Attempt],
        total: int,
        summary: Summary | None,
        now: datetime,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.attempts = attempts
        self.total = total
        self.summary = summary
        self.now = now
        self.error = error


class ProgressRead(Message):
    """The store's summary was read for home (None without a store; `error` if it failed)."""

    def __init__(self, summary: Summary | None, now: datetime, error: str | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.now = now
        self.error = error


class AnswersSaved(Message):
    """Answers that waited for a busy history were saved (sent to every screen on the stack):
    a screen still showing one of them offers what a saved answer has (ratings, undo)."""

    def __init__(self, recorded: tuple[Recorded, ...]) -> None:
        super().__init__()
        self.recorded = recorded
