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
import platform
import shlex
import shutil
import sqlite3
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: A small pack with one question of each kind the practice screen handles.
FIXTURES = str(TESTS / "fixtures" / "tui")
RECALL_FIXTURES = str(TESTS / "fixtures" / "tui-recall")
#: A pack whose questions have long options, prompts and follow-ups (wrapping, pickers).
TUI_LONG = str(TESTS / "fixtures" / "tui-long")
#: 2023-11-14 22:13:20 UTC: where fake clocks start.
START = 1_700_000_000.0


def builds_the_fused_kernel() -> bool:
    """Whether a build here must include the optional C kernel (engine/_diagonal.c): on
    x86-64 Linux with the C compiler Python was built with (setuptools uses it)."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return False
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    return bool(cc) and shutil.which(cc[0]) is not None


def cpu_runs_the_fused_kernel() -> bool:
    """Whether this CPU has AVX-512F, read from /proc/cpuinfo: independent of the check the
    extension makes itself (its `available()`)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return False
    return any(line.startswith("flags") and "avx512f" in line.split() for line in lines)


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


def text_of(screen: Any, selector: str) -> str:
    """The text the Static matching `selector` on `screen` shows."""
    from textual.widgets import Static

    return str(screen.query_one(selector, Static).render())


def watch(
    store: Any, monkeypatch: pytest.MonkeyPatch, names: Iterable[str], *, fail_first: bool = False
) -> list[str]:
    """Record the store methods `names` called on this thread (the UI thread, in an app
    test): the returned list fills with their names, in call order, as they are called
    here; calls from worker threads are not recorded. With `fail_first`, the first call
    of each method (on any thread) fails as a database locked by another process would."""
    ui_thread = threading.current_thread()
    on_ui: list[str] = []
    failed: set[str] = set()

    def watched(name: str) -> Callable[..., Any]:
        real = getattr(store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is ui_thread:
                on_ui.append(name)
            if fail_first and name not in failed:
                failed.add(name)
                raise sqlite3.OperationalError("database is locked")
            return real(*args, **kwargs)

        return call

    for name in names:
        monkeypatch.setattr(store, name, watched(name))
    return on_ui


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, every: float = 0.5) -> Any:
    """Poll `check` every `every` seconds until it returns something truthy, and return
    that; fail naming `what` once `timeout` seconds have passed (a deadline for a busy
    machine to be slow within, not a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
