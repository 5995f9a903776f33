"""F1 help: the key tables come from the bindings, so they say what the keys really do."""

from __future__ import annotations

import pytest
from conftest import make_app, sync
from textual.binding import Binding
from textual.widgets import Markdown

from quizapp.tui.screens.demos import DemosScreen
from quizapp.tui.screens.help import HelpScreen, key_label, keys_markdown
from quizapp.tui.screens.history import HistoryScreen
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.mock import MockScreen
from quizapp.tui.screens.practice import PracticeScreen


def test_keys_are_written_as_a_person_types_them() -> None:
    assert [key_label(k) for k in ("ctrl+n", "escape", "f1", "n", "shift+tab")] == [
        "Ctrl+N",
        "Esc",
        "F1",
        "n",
        "Shift+Tab",
    ]


def test_keys_of_one_action_share_a_row() -> None:
    table = keys_markdown(
        [
            Binding("ctrl+n", "next", "Next", tooltip="Next question"),
            Binding("n", "next", "Next", show=False),
            Binding("escape", "back", "Back"),
        ]
    )
    assert table.splitlines()[2:] == ["| Ctrl+N / n | Next question |", "| Esc | Back |"]


@pytest.mark.parametrize(
    "screen", [HomeScreen, PracticeScreen, HistoryScreen, DemosScreen, MockScreen]
)
def test_every_described_binding_of_a_screen_is_in_its_help(screen) -> None:
    rows = keys_markdown(screen.BINDINGS).splitlines()
    first: dict[str, str] = {}  # an action's row says what its first binding says
    for binding in screen.BINDINGS:
        assert isinstance(binding, Binding)
        does = first.setdefault(binding.action, binding.tooltip or binding.description)
        keys = [key_label(k.strip()) for k in binding.key.split(",")]
        row = next(r for r in rows if f"| {does} |" in r)
        cell = row.split("|")[1].strip().split(" / ")
        assert all(k in cell for k in keys), (binding, row)


@sync
async def test_f1_on_history_lists_its_keys_and_the_keys_everywhere(tmp_path) -> None:
    app = make_app(tmp_path, start="history")
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text", Markdown).source
        assert "| Esc | Back to home |" in text
        assert "| F1 / ? | Help for this screen |" in text
        assert "| Ctrl+Q | Leave quizapp |" in text
        assert "| Ctrl+P | Command palette" in text


@sync
async def test_question_mark_and_f1_open_and_close_help_but_an_answer_box_takes_a_typed_question_mark(
    tmp_path,
) -> None:
    from conftest import settle
    from textual.widgets import Input

    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen)  # typed: "?" may be part of an answer
        assert app.screen.query_one("#answer", Input).value == "?"
        await pilot.press("backspace", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text", Markdown).source
        assert "| F1 / ? | Help for this screen |" in text
        await pilot.press("question_mark")  # the same key closes it, and so does F1
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
