"""Small reusable modal dialogs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, OptionList, Static
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


class ChoiceScreen(ModalScreen["str | None"]):
    """A question with a few answers, each a button and a key; Esc (or `back`) answers None."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 72; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ChoiceScreen Static { padding: 1 0; }
    ChoiceScreen Horizontal { height: auto; align-horizontal: right; }
    ChoiceScreen Button { margin-left: 1; }
    """

    HELP_TITLE = "A question"
    HELP = "Press the key shown on a button (or click it); **Esc** goes back."

    def __init__(
        self, text: str, choices: list[tuple[str, str, str]], back: str = "Back \\[Esc]"
    ) -> None:
        """`choices`: (key, label, value) for each button, the first one the default;
        `back`: the label of the last button, which answers None."""
        super().__init__()
        self.text = text
        self.choices = choices
        self.back = back

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.text), id="choice-text")
            with Horizontal():
                for i, (key, label, value) in enumerate(self.choices):
                    yield Button(
                        f"{label} \\[{key}]",  # escaped: [r] would be read as markup
                        id=f"choice-{value}",
                        variant="primary" if i == 0 else "default",
                    )
                yield Button(self.back, id="choice-back")
        yield Footer()  # shows only its own keys, hiding the footer of the screen underneath

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(None if button == "choice-back" else button.removeprefix("choice-"))

    def on_key(self, event: Any) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)
            return
        for key, _label, value in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)
