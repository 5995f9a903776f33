"""SVG snapshots of the main screens (pytest-textual-snapshot).

Deterministic on purpose: the small fixture pack only, a fixed seed and clock, a
temporary store, and no blinking cursor. Update with `pytest --snapshot-update`
after checking that the new pictures show real content, not a loading state.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TUI_LONG
from conftest import make_app as make_test_app
from conftest import settle as settle_app
from textual.widgets import Input

from quizapp.practice import PracticeSelection
from quizapp.store import Attempt, Store

#: Where most terminals open (80×24) and a common larger window (100×30).
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30")]


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch):
    """A blinking cursor would make every snapshot a coin toss (harlequin's trick)."""
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """History writes local times: pin the zone so the pictures match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_app(tmp_path: Path, **kwargs):
    return make_test_app(tmp_path, lambda: 1_700_000_000.0, seed=5, **kwargs)


async def settle(pilot) -> None:
    await pilot.app.wait_library()
    await settle_app(pilot.app, pilot)


async def wrong_answer(pilot) -> None:
    await settle(pilot)
    await pilot.press(*"1000", "enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_practice_number_question(snap_compare, tmp_path, size):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_practice_choice_with_long_options(snap_compare, tmp_path, size):
    """Every option is read in full, wrapped, without arrowing through them."""
    app = make_app(tmp_path, fixtures=TUI_LONG, start="practice", packs=["tui-long"])
    app.practice_selection = PracticeSelection(questions=("tui-long/why-flash",))
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_practice_verdict_with_derivation(snap_compare, tmp_path, size):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=size, run_before=wrong_answer)


def test_practice_wide_after_a_wrong_answer(snap_compare, tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    assert snap_compare(app, terminal_size=(140, 36), run_before=wrong_answer)


@pytest.mark.parametrize("size", SIZES)
def test_demos(snap_compare, tmp_path, size):
    """Idle, with the first demo selected: its title above the (empty) plot."""
    assert snap_compare(make_app(tmp_path, start="demos"), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_history(snap_compare, tmp_path, size):
    start = datetime(2023, 11, 14, 20, 0, tzinfo=UTC)
    with Store.open(str(tmp_path / "history.sqlite3")) as store:
        for i, (qid, right, score, answer) in enumerate(
            [
                ("tui-basics/score-flops", False, 0.0, "2*n^2*d_head*heads + 4*n*d_model^2"),
                ("tui-basics/score-big-o", True, 1.0, "O(n^2 d)"),
                ("tui-basics/largest-tensor", True, 1.0, "a"),
            ]
        ):
            store.record_attempt(
                Attempt(
                    qid,
                    right,
                    score,
                    pack="tui-basics",
                    topics=("self-attention",),
                    response=answer,
                    seconds=12.0 + i,
                    ts=start + timedelta(minutes=7 * i),
                )
            )
    app = make_app(tmp_path, start="history")
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_mock_setup(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, start="mock"), terminal_size=size, run_before=settle)


def test_help(snap_compare, tmp_path):
    async def help_(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=help_)
