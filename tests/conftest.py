"""Shared fixtures and helpers for the whole suite.

Every test gets its own QUIZAPP_HOME so that no test touches real user data. The
helpers that several test files need (a fake clock, the app factory, waiting for the
app's workers, running an async test) live here once; test files import them with
`from conftest import ...` (the tests folder is on sys.path under pytest's default
import mode).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: A small pack with one question of each kind the practice screen handles.
FIXTURES = str(TESTS / "fixtures" / "tui")
RECALL_FIXTURES = str(TESTS / "fixtures" / "tui-recall")
#: 2023-11-14 22:13:20 UTC: where fake clocks start.
START = 1_700_000_000.0


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QUIZAPP_PACKS", raising=False)


class FakeClock:
    """Epoch seconds that move only when a test says so (`advance`, or set `now`)."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sync(test: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    """Run an async test with asyncio.run (no pytest async plugin is installed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(test(*args, **kwargs))

    return run


def make_app(
    tmp_path: Path,
    clock: Callable[[], float] | None = None,
    *,
    fixtures: str = FIXTURES,
    seed: int = 11,
    **kwargs: Any,
) -> Any:
    """The app on the test packs only, with its history in `tmp_path` and a fake clock."""
    from quizapp.tui.app import create_app

    return create_app(
        [fixtures],
        store_path=str(tmp_path / "history.sqlite3"),
        clock=clock or FakeClock(),
        shipped=False,
        seed=seed,
        **kwargs,
    )


async def settle(app: Any, pilot: Any, rounds: int = 3) -> None:
    """Let every worker finish and every message it posted be handled. A worker cancelled
    meanwhile (an exclusive one replaced by a newer run) is done too, not an error."""
    from textual.worker import WorkerCancelled

    for _ in range(rounds):
        for _ in range(100):  # a cancelled worker leaves the manager once its task ends
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                await pilot.pause()
        await pilot.pause()


def rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Query the test app's history file directly (what was really written)."""
    with sqlite3.connect(tmp_path / "history.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def footer_keys(screen: Any) -> dict[str, Any]:
    """The keys the footer of `screen` shows: description → where it is drawn (a Region)."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    return {k.description: k.region for k in screen.query_one(Footer).query(FooterKey)}
