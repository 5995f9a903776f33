"""History: the recent attempts, newest first, and accuracy per topic (from the store).

The store is read in a thread worker (the whole history, on a big or busy database, must
not freeze the screen); the title says "loading…" meanwhile, and a read that fails says
so there, with `r` to try again. The attempts table is laid out for the width it has, so
no column hides off-screen: the question and the answer share what the others leave.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from quizapp.tui.messages import HistoryRead, LibraryLoaded
from quizapp.tui.widgets.format import ago, clip_id, percent, short_stamp
from quizapp.words import clip, count

if TYPE_CHECKING:
    from datetime import datetime

    from quizapp.store import Attempt
    from quizapp.tui.app import QuizApp

#: How many attempts the table shows.
RECENT = 200
#: The per-topic table's headings.
TOPIC_COLUMNS = ("Topic", "Attempts", "Accuracy", "Due", "Last")
#: The attempts table's columns with a fixed width: (heading, cells' width). The
#: question and the answer share the rest; Hints and Mode go first when room is short.
FIXED_COLUMNS: dict[str, int] = {
    "When": 11,  # 11-30 08:26
    "✓/✗": 4,  # ✓, ✗, skip
    "Score": 5,
    "Time": 6,  # 1234 s
    "Hints": 5,
    "Mode": 8,  # practice
}
#: Left out, in this order, while the question and answer would be narrower than these.
OPTIONAL_COLUMNS = ("Mode", "Hints")
MIN_QUESTION, MIN_ANSWER = 20, 10
#: Padding DataTable puts around every cell, and room for its vertical scrollbar.
CELL_PADDING, SCROLLBAR = 2, 2


def attempt_columns(width: int, longest_question: int) -> list[tuple[str, int]]:
    """The attempts table's (heading, width) that fit `width` cells, most needed first.

    Every column when they fit; else Mode then Hints are left out. The question gets up
    to three fifths of what is left (no more than its longest id), the answer the rest.
    """
    headings = ["When", "✓/✗", "Score", "Question", "Answer", "Time", "Hints", "Mode"]
    dropped: list[str] = []
    while True:
        shown = [h for h in headings if h not in dropped]
        fixed = sum(FIXED_COLUMNS[h] for h in shown if h in FIXED_COLUMNS)
        rest = width - SCROLLBAR - fixed - CELL_PADDING * len(shown)
        if rest >= MIN_QUESTION + MIN_ANSWER or len(dropped) == len(OPTIONAL_COLUMNS):
            break
        dropped.append(OPTIONAL_COLUMNS[len(dropped)])
    question = max(MIN_QUESTION, min(longest_question, rest * 3 // 5))
    answer = max(MIN_ANSWER, rest - question)
    return [
        (h, question if h == "Question" else answer if h == "Answer" else FIXED_COLUMNS[h])
        for h in shown
    ]


class HistoryScreen(Screen[None]):
    """Recent attempts and per-topic accuracy."""

    HELP_TITLE = "History"
    HELP = """\
## History

**Recent attempts** (newest first): when, whether it was right (✓ or ✗) and its score,
which question, what you answered, the time you took, the hints you used and the mode
(practice or mock). Answers that could not be read are not recorded. A **–** is an answer
not graded (a mock's recall answer before you grade it in the report; once graded, it
comes back as its own row), left out of your accuracy; **skip** a mock question left blank. On a narrow
terminal the question and answer are cut short, and Mode and Hints are left out.

**By topic**: attempts, accuracy (right / answered) and how many questions are due now.
The same figures as `quizapp stats`.

**Enter** on an attempt practises that question again; **Tab** switches tables;
**r** reads the history again.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history-back", tooltip="Back to home"),
        Binding("r", "reload", "Reload", id="history-reload", tooltip="Read the history again"),
    ]

    app: QuizApp

    def __init__(self) -> None:
        super().__init__()
        #: The last read (newest first), kept to lay the table out again on a resize.
        self._recent: list[Attempt] = []
        self._now: datetime | None = None
        self._layout: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield Static("History", id="history-title")
        with Horizontal(id="history-body"):
            with Vertical(id="history-recent"):
                yield Static("Recent attempts", classes="section-title")
                yield DataTable(id="attempts-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="history-topics"):
                yield Static("By topic", classes="section-title")
                yield DataTable(id="topic-accuracy", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self._fill_topics([])
        self.query_one("#attempts-table").focus()
        self.refresh_tables()

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.refresh_tables()

    def on_screen_resume(self) -> None:
        self.refresh_tables()

    def action_reload(self) -> None:
        self.refresh_tables()

    def refresh_tables(self) -> None:
        """Read the history in a worker; the tables keep what they show until it is read."""
        title = self.query_one("#history-title", Static)
        if self.app.store is None:
            title.update(
                "History · loading…" if not self.app.library_ready else "History · no database"
            )
            return
        title.update("History · loading…")
        self._read_worker()

    @work(thread=True, exclusive=True, group="history-read", exit_on_error=False)
    def _read_worker(self) -> None:
        """All the attempts and the per-topic summary: slow on a big or locked database."""
        store, library = self.app.store, self.app.library
        now = self.app.now()
        if store is None:
            return
        try:
            attempts = store.attempts()
            known = {q.qid: tuple(q.topics) for q in library.questions} if library else None
            summary = store.summary(known, now=now)
        except Exception as exc:  # a locked or broken history: say so, keep the screen
            message = HistoryRead([], 0, None, now, error=str(exc) or type(exc).__name__)
        else:
            recent = list(reversed(attempts[-RECENT:]))
            message = HistoryRead(recent, len(attempts), summary, now)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_history_read(self, message: HistoryRead) -> None:
        title = self.query_one("#history-title", Static)
        if message.error is not None:
            title.update(f"History · could not be read ({message.error}): press r to try again")
            return
        title.update(f"History · {count(message.total, 'attempt')}")
        self._recent, self._now = message.attempts, message.now
        self._fill_attempts(force=True)
        self._fill_topics(
            [
                (
                    group.name,
                    str(group.attempts),
                    percent(group.accuracy),
                    str(group.due_now),
                    ago(group.last_practised, message.now),
                )
                for group in (message.summary.by_topic if message.summary else [])
                if group.attempts or group.due_now
            ]
        )

    def _fill_topics(self, rows: list[tuple[str, ...]]) -> None:
        """The per-topic table, its columns as wide as their widest cell. Set here, not left
        to the table's own sizing, which happens when it is next idle: a busy machine could
        show it before that, with every topic cut to the heading's width ("self-")."""
        table = self.query_one("#topic-accuracy", DataTable)
        table.clear(columns=True)
        for i, heading in enumerate(TOPIC_COLUMNS):
            table.add_column(heading, width=max([len(heading)] + [len(r[i]) for r in rows]))
        for row in rows:
            table.add_row(*row, key=row[0])

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fill_attempts)

    def _fill_attempts(self, force: bool = False) -> None:
        """Lay the attempts table out for its width (again only if that changes the layout)."""
        table = self.query_one("#attempts-table", DataTable)
        longest = max((len(a.question_id) for a in self._recent), default=MIN_QUESTION)
        width = table.size.width or self.app.size.width
        layout = attempt_columns(width, longest)
        if layout == self._layout and not force:
            return
        self._layout = layout
        cursor = table.cursor_row
        table.clear(columns=True)
        for heading, cells in layout:
            table.add_column(heading, width=cells, key=heading)
        now = self._now
        for attempt in self._recent:
            cell = {
                "When": short_stamp(attempt.ts, now) if now else "–",
                "✓/✗": _mark(attempt),
                "Score": f"{attempt.score:.2f}" if attempt.valid else "–",
                "Time": "–" if attempt.seconds is None else f"{attempt.seconds:.0f} s",
                "Hints": str(attempt.hints_used),
                "Mode": attempt.mode,
            }
            row = [
                Text(clip_id(attempt.question_id, cells))
                if heading == "Question"
                else Text(clip(attempt.response, cells))
                if heading == "Answer"
                else cell[heading]
                for heading, cells in layout
            ]
            table.add_row(*row, key=f"{attempt.id}:{attempt.question_id}")
        if self._recent:
            table.move_cursor(row=min(cursor, len(self._recent) - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "attempts-table" or self.app.library is None:
            return
        from quizapp.practice import PracticeSelection

        qid = str(event.row_key.value or "").partition(":")[2]
        if self.app.library.find(qid) is None:
            self.notify(f"{qid} is no longer in the loaded packs.", severity="warning")
            return
        self.app.open_practice(PracticeSelection(questions=(qid,)))

    def action_back(self) -> None:
        self.app.pop_screen()


def _mark(attempt: Attempt) -> str:
    """✓ or ✗; 'skip' for a mock question left blank; '–' for an answer not graded."""
    if attempt.skipped:
        return "skip"
    if not attempt.valid:
        return "–"
    return "✓" if attempt.correct else "✗"
