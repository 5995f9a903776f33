"""F1: help for the screen underneath, as a modal."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static


class HelpScreen(ModalScreen[None]):
    """Shows one screen's `HELP` Markdown; Esc, F1 or q closes it."""

    HELP_TITLE = "Help"
    HELP = "Press **Esc** to close this help."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help-close", tooltip="Close the help"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.help_title = title
        self.help_text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(f"Help — {self.help_title}", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Markdown(self.help_text + _COMMON, id="help-text")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


_COMMON = """

---

**Everywhere:** F1 help · Ctrl+P command palette (every main action, and the themes) ·
Ctrl+Q quit · Esc back. The mouse works too: click rows, buttons and options.
"""
