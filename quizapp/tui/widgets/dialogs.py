"""Small reusable modal dialogs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option


class PickOneScreen(ModalScreen["str | None"]):
    """Pick one of several (id, label) choices; returns the id, or None on Esc.

    Labels may span lines (the option list wraps them).
    """

    DEFAULT_CSS = """
    PickOneScreen { align: center middle; }
    PickOneScreen > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PickOneScreen OptionList { height: auto; max-height: 16; }
    """

    HELP_TITLE = "Pick one"
    HELP = "Choose with the arrows and **Enter**, or click; **Esc** cancels."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick-cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str | Text]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=key) for key, label in self.choices])
        yield Footer()  # its own keys, over the footer of the screen underneath

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
