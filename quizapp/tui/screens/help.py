"""F1: help for the screen underneath, as a modal.

The key tables are built from the screen's and the app's `Binding`s (as posting does),
so they cannot drift from what the keys really do: a screen's `HELP` holds only prose
(what the screen is for, keys that are not bindings such as Enter on a row).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown, Static

#: How key names are written in the tables (anything else is capitalised).
_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "space": "Space",
    "tab": "Tab",
    "ctrl": "Ctrl",
    "shift": "Shift",
    "alt": "Alt",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "question_mark": "?",
}


def key_label(key: str) -> str:
    """'ctrl+n' → 'Ctrl+N', 'escape' → 'Esc', 'f1' → 'F1', 'n' → 'n'."""
    parts = key.split("+")
    if len(parts) == 1 and len(key) == 1:
        return key
    return "+".join(_KEY_NAMES.get(p, p.upper() if len(p) <= 3 else p.capitalize()) for p in parts)


def _bindings(node_bindings: Iterable[BindingType]) -> list[Binding]:
    """Every binding of a BINDINGS list, one per key, in declaration order."""
    return [b for bs in BindingsMap(node_bindings).key_to_bindings.values() for b in bs]


def keys_markdown(bindings: Iterable[Binding]) -> str:
    """A Markdown table: the keys of one action on one row, with what it does.

    The description is the binding's tooltip (its longer words) or, failing that, its
    footer label. Bindings without a description are internal and left out.
    """
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in bindings:
        does = binding.tooltip or binding.description
        if not does or binding.system:
            continue
        keys, _ = rows.setdefault(binding.action, ([], does))
        label = key_label(binding.key)
        if label not in keys:
            keys.append(label)
    if not rows:
        return ""
    lines = ["| Key | Does |", "|-----|------|"]
    lines += [f"| {' / '.join(keys)} | {does} |" for keys, does in rows.values()]
    return "\n".join(lines)


def help_markdown(screen: Screen[Any], app: App[Any]) -> str:
    """The whole help page for `screen`: its prose, its keys, then the keys everywhere."""
    prose = getattr(screen, "HELP", None) or ""
    keys = keys_markdown(_bindings(screen.BINDINGS))
    palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "", tooltip=_PALETTE)
    everywhere = [*_bindings(app.BINDINGS), palette]
    parts = [prose.strip()] if prose.strip() else []
    if keys:
        parts.append("**Keys on this screen**\n\n" + keys)
    parts.append("---\n\n**Everywhere**\n\n" + keys_markdown(everywhere) + "\n\n" + _MOUSE)
    return "\n\n".join(parts)


_PALETTE = "Command palette: every main action, and the themes"
_MOUSE = "The mouse works too: click rows, buttons and options."


class HelpScreen(ModalScreen[None]):
    """Shows one screen's help; Esc, F1, ? or q closes it."""

    HELP_TITLE = "Help"
    HELP = "Help for the screen underneath."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help-close", tooltip="Close the help"),
        # The app's F1 and ? do not reach past a modal screen: the help binds them itself.
        Binding("q,f1,question_mark", "close", "Close", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.help_title = title
        self.help_text = text

    @classmethod
    def for_screen(cls, screen: Screen[Any], app: App[Any]) -> HelpScreen:
        """The help of `screen`: its HELP_TITLE, prose, and key tables from its bindings."""
        title = getattr(screen, "HELP_TITLE", None) or type(screen).__name__
        return cls(title, help_markdown(screen, app))

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(f"Help — {self.help_title}", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Markdown(self.help_text, id="help-text")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
