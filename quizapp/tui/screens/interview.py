"""Setting the interview date in the app: the same as `quizapp plan --interview`.

The dialog only collects and checks the date and the daily minutes; the caller saves
them in the store (settings `interview_date` and `minutes_per_day`, see
`quizapp.planning`), after which home shows the countdown and today's load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static


@dataclass(frozen=True)
class InterviewChoice:
    """What the learner chose: a date and minutes a day, or to forget the date."""

    interview: date | None
    minutes_per_day: float


def parse_choice(text: str, minutes: str, today: date) -> InterviewChoice | str:
    """The choice, or the sentence saying what is wrong with it."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return f"{text.strip() or 'an empty date'!r} is not a date: write it as YYYY-MM-DD."
    if day <= today:
        return f"{day} is not after today ({today})."
    try:
        per_day = float(minutes.strip() or "30")
    except ValueError:
        return f"{minutes.strip()!r} is not a number of minutes."
    if not 1 <= per_day <= 24 * 60:
        return "Minutes a day must be between 1 and 1440."
    return InterviewChoice(day, per_day)


class InterviewDateScreen(ModalScreen["InterviewChoice | None"]):
    """Ask for the interview date and the daily minutes; None on Esc."""

    HELP_TITLE = "Interview date"
    HELP = """\
Write the day of your interview (**YYYY-MM-DD**) and how many minutes a day you can
practise, then **Save** (Enter). Every question you have not seen is then planned so that
you meet it and review it at least once before the day; home shows the countdown and
today's load, and `quizapp plan` prints the whole plan. **Forget** removes the date.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="interview-cancel", tooltip="Close, change nothing"
        ),
    ]

    def __init__(self, today: date, current: date | None, minutes: float) -> None:
        super().__init__()
        self.today = today
        self.current = current
        self.minutes = minutes

    def compose(self) -> ComposeResult:
        with Vertical(id="interview-dialog", classes="dialog"):
            yield Static("When is the interview?", classes="dialog-title")
            yield Input(
                value="" if self.current is None else self.current.isoformat(),
                placeholder="YYYY-MM-DD",
                id="interview-date",
            )
            yield Static("Minutes a day", classes="dialog-text")
            yield Input(value=f"{self.minutes:g}", id="interview-minutes")
            yield Static("", id="interview-error", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save \\[Enter]", id="interview-save", variant="primary")
                yield Button("Forget the date", id="interview-forget")
                yield Button("Cancel \\[Esc]", id="interview-close")
        yield Footer()  # its own keys, over the footer of home (whose letters type here)

    def on_mount(self) -> None:
        self.query_one("#interview-date", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "interview-save":
            self._save()
        elif event.button.id == "interview-forget":
            self.dismiss(InterviewChoice(None, self.minutes))
        else:
            self.dismiss(None)

    def _save(self) -> None:
        choice = parse_choice(
            self.query_one("#interview-date", Input).value,
            self.query_one("#interview-minutes", Input).value,
            self.today,
        )
        if isinstance(choice, str):
            self.query_one("#interview-error", Static).update(f"✗ {choice}")
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
