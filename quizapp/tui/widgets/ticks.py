"""Tick boxes that say ticked or not with a character, not only with a colour.

Textual's Checkbox and SelectionList draw `▐X▌` in both states and tell them apart by
colour alone, which is unreadable under NO_COLOR or for colour-blind learners. These
draw `X` when ticked and a blank when not, keeping Textual's colours as well.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets._toggle_button import ToggleButton

TICKED = "X"
UNTICKED = " "
#: The width of the box and the space after it.
GUTTER = 4


class TickCheckbox(Checkbox):
    """A Checkbox whose box is `X` when ticked and blank when not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.BUTTON_INNER = TICKED if self.value else UNTICKED

    def watch_value(self) -> None:
        self.BUTTON_INNER = TICKED if self.value else UNTICKED
        super().watch_value()


class TickList(SelectionList[str]):
    """A SelectionList whose boxes are `X` when selected and blank when not.

    It also draws options that wrap over several lines correctly: the box sits on an
    option's first line and its continuation lines are indented under the text
    (Textual's own SelectionList counts one line per option). It reads OptionList's
    line map (`_lines`), which is why textual is pinned below 9.
    """

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return line
        selection = self.get_option_at_index(index)
        underlying = next(iter(line)).style or self.rich_style
        if offset:
            return Strip([Segment(" " * GUTTER, underlying), *line])
        component = "selection-list--button"
        if selection.value in self._selected:
            component += "-selected"
        if self.highlighted == index:
            component += "-highlighted"
        button = self.get_component_rich_style(component)
        where = Style(meta={"option": index})  # a click on the box toggles this option
        side = Style.from_color(button.bgcolor, underlying.bgcolor) + where
        mark = TICKED if selection.value in self._selected else UNTICKED
        return Strip(
            [
                Segment(ToggleButton.BUTTON_LEFT, side),
                Segment(mark, button + where),
                Segment(ToggleButton.BUTTON_RIGHT, side),
                Segment(" ", underlying),
                *line,
            ]
        )
