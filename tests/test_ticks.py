"""Tick boxes say ticked or not with a character (NO_COLOR and colour-blind readers)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from quizapp.tui.widgets.ticks import TickCheckbox, TickList

LONG = "a long option that cannot fit on one line of this narrow list, so it wraps"


class Boxes(App[None]):
    CSS = "TickList { width: 40; height: auto; text-wrap: wrap; text-overflow: fold; }"

    def compose(self) -> ComposeResult:
        yield TickList(("short", "a"), (LONG, "b"), ("last", "c"))
        yield TickCheckbox("Only questions due now")


def lines(widget: TickList) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def test_a_ticked_box_shows_x_and_an_unticked_one_a_blank() -> None:
    async def run() -> None:
        app = Boxes()
        async with app.run_test(size=(60, 20)) as pilot:
            ticks = app.query_one(TickList)
            ticks.select("b")
            box = app.query_one(TickCheckbox)
            await pilot.pause()
            assert "X" not in box.render().plain.split("Only")[0]
            box.value = True
            await pilot.pause()
            assert "X" in box.render().plain.split("Only")[0]
            shown = lines(ticks)
            # One box per option, on its first line; wrapped lines sit under the text.
            assert shown[0].startswith("▐ ▌ short")
            assert shown[1].startswith("▐X▌ a long option")
            assert shown[2].startswith("    ") and shown[2].strip()
            assert shown[-1].startswith("▐ ▌ last")
            assert sum(line.startswith("▐") for line in shown) == 3

    asyncio.run(run())
