"""A lasting line at the top of a screen for what stays true (history not being saved).

A toast disappears after a few seconds; a read-only data folder does not. The app sets
`QuizApp.banner` once it knows, and every `Banner` on the stack updates itself.
"""

from __future__ import annotations

from textual.widgets import Static


class Banner(Static):
    """Shows the app's `banner` text, or nothing (hidden) when there is none."""

    DEFAULT_CSS = """
    Banner {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        display: none;
    }
    Banner.-shown { display: block; }
    """

    def on_mount(self) -> None:
        self.show_text(getattr(self.app, "banner", None))

    def show_text(self, text: str | None) -> None:
        self.update(text or "")
        self.set_class(bool(text), "-shown")
