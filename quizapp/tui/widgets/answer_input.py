"""The one-line answer box: an Input whose editing keys act in the order they were typed.

Textual inserts a printable key as soon as the Input receives it, but runs the Input's own
bindings (Backspace, Ctrl+U, Ctrl+W, Delete, the arrows, Enter) only after the key has
bubbled up to the app. When keys arrive faster than that round trip (a fast typist, a
paste through the terminal, tmux send-keys, a busy screen), an edit lands after the
characters typed after it: Ctrl+U, `n`, Enter cleared the `n` too and submitted an empty
box, which the mock interview took as "no answer" for that question. Running the Input's
own bindings where the key arrives keeps every key in order.

A pasted text of several lines is kept whole, its lines joined by spaces: Textual's Input
keeps only the first line, so a formula or a written answer copied over two lines lost
its second half without a word.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input


class AnswerInput(Input):
    """An Input that runs its own key bindings in the order the keys arrive.

    It never selects its text when it takes focus (Input's default): the text is an
    answer being written (a mock's draft shown again, keys typed before the box
    appeared), and a selection would make the next key replace all of it.
    """

    def __init__(self, value: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(value, **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        own = self._bindings.key_to_bindings.get(event.key)
        if own and not event.is_printable:
            event.stop()
            event.prevent_default()
            self._restart_blink()
            await self.run_action(own[0].action)
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler would insert the first line only
        text = " ".join(line.strip() for line in event.text.splitlines() if line.strip())
        if not text:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
