"""SVG snapshots of the main screens (pytest-textual-snapshot).

Deterministic on purpose: the small fixture pack only, a fixed seed and clock, a
temporary store, and no blinking cursor. Update with `pytest --snapshot-update`
after checking that the new pictures show real content, not a loading state.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_app as make_test_app
from conftest import settle as settle_app
from textual.widgets import Input


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch):
    """A blinking cursor would make every snapshot a coin toss (harlequin's trick)."""
    monkeypatch.setattr(Input, "cursor_blink", False)


def make_app(tmp_path: Path, **kwargs):
    return make_test_app(tmp_path, lambda: 1_700_000_000.0, seed=5, **kwargs)


async def settle(pilot) -> None:
    await pilot.app.wait_library()
    await settle_app(pilot.app, pilot)


def test_home_at_80x24(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=settle)


def test_practice_question(snap_compare, tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=(100, 34), run_before=settle)


def test_practice_after_a_wrong_answer(snap_compare, tmp_path):
    async def wrong(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"1000", "enter")
        await settle(pilot)

    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=(100, 34), run_before=wrong)


def test_practice_wide_after_a_wrong_answer(snap_compare, tmp_path):
    async def wrong(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"1000", "enter")
        await settle(pilot)

    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=(140, 36), run_before=wrong)


def test_demos_idle(snap_compare, tmp_path):
    assert snap_compare(
        make_app(tmp_path, start="demos"), terminal_size=(100, 30), run_before=settle
    )


def test_help(snap_compare, tmp_path):
    async def help_(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=help_)
