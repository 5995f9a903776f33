"""History: the recent attempts, newest first, and accuracy per topic (from the store)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from quizapp.tui.messages import LibraryLoaded
from quizapp.tui.widgets.format import ago, percent, stamp
from quizapp.words import count

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp

#: How many attempts the table shows.
RECENT = 200


class HistoryScreen(Screen[None]):
    """Recent attempts and per-topic accuracy."""

    HELP_TITLE = "History"
    HELP = """\
## History

**Recent attempts** (newest first): when, whether it was right (✓ or ✗) and its score,
which question, what you answered, the time you took, the hints you used and the mode
(practice or mock). Answers that could not be read are not recorded.

**By topic**: attempts, accuracy (right / answered) and how many questions are due now.
The same figures as `quizapp stats`.

**Enter** on an attempt practises that question again; **Tab** switches tables.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history-back", tooltip="Back to home"),
    ]

    app: QuizApp

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
        self.query_one("#attempts-table", DataTable).add_columns(
            # Result and Score first: at 80 columns the later ones scroll out of sight.
            "When",
            "Result",
            "Score",
            "Question",
            "Answer",
            "Time",
            "Hints",
            "Mode",
        )
        self.query_one("#topic-accuracy", DataTable).add_columns(
            "Topic", "Attempts", "Accuracy", "Due", "Last"
        )
        self.query_one("#attempts-table").focus()
        self.refresh_tables()

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.refresh_tables()

    def on_screen_resume(self) -> None:
        self.refresh_tables()

    def refresh_tables(self) -> None:
        store = self.app.store
        attempts_table = self.query_one("#attempts-table", DataTable)
        topics_table = self.query_one("#topic-accuracy", DataTable)
        attempts_table.clear()
        topics_table.clear()
        title = self.query_one("#history-title", Static)
        if store is None:
            title.update(
                "History · loading…" if not self.app.library_ready else "History · no database"
            )
            return
        attempts = store.attempts()
        title.update(f"History · {count(len(attempts), 'attempt')}")
        for attempt in reversed(attempts[-RECENT:]):
            result = "skipped" if attempt.skipped else ("✓" if attempt.correct else "✗")
            attempts_table.add_row(
                stamp(attempt.ts),
                result,
                f"{attempt.score:.2f}",
                Text(attempt.question_id),
                Text(_clip(attempt.response, 24)),
                "–" if attempt.seconds is None else f"{attempt.seconds:.0f} s",
                str(attempt.hints_used),
                attempt.mode,
                key=f"{attempt.id}:{attempt.question_id}",
            )
        library = self.app.library
        known = {q.qid: tuple(q.topics) for q in library.questions} if library else None
        now = self.app.now()
        summary = store.summary(known, now=now)
        for group in summary.by_topic:
            if not group.attempts and not group.due_now:
                continue
            topics_table.add_row(
                group.name,
                str(group.attempts),
                percent(group.accuracy),
                str(group.due_now),
                ago(group.last_practised, now),
                key=group.name,
            )

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


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
