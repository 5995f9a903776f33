"""`quizapp serve` in a real browser: headless Chromium (Debian's package) driven by
playwright opens the page, sees the home screen, presses `n`, answers a question, and
the attempt is found in the database.

textual-serve draws the terminal on a canvas, so the screen is watched through
screenshots (has it drawn? has it changed?) and the result is read from SQLite.
Every wait polls with a generous deadline, so a busy machine makes the test slower,
never red. In CI (CI=true) a missing browser fails the test: a browser test that
skips silently is not a test.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import wait_for

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = Path(os.environ.get("QUIZAPP_CHROMIUM", "/usr/bin/chromium"))
QUESTION = "tui-basics/score-flops"  # a number question of the fixture pack
ANSWER = "12345"
SLOW = 120.0  # seconds: the most any one step may take on a loaded machine


def missing_browser(reason: str) -> None:
    """Fail in CI, skip elsewhere, with the fix in the message."""
    message = f"{reason} (install it with `apt-get install -y chromium`; .ci/run does)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder where the fixture's number question is due now, so `n` opens it."""
    from fsrs import Rating

    from quizapp import scheduling
    from quizapp.store import Store

    home = tmp_path / "home"
    monkeypatch.setenv("QUIZAPP_HOME", str(home))
    with Store.open() as store:
        scheduling.review(store, QUESTION, Rating.Again, now=datetime.now(UTC) - timedelta(days=2))
    return home


@pytest.fixture
def server(home: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    env = {**os.environ, "QUIZAPP_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "quizapp", "--packs", str(FIXTURES / "tui"), "serve",
         "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(
            "the server to listen",
            lambda: accepts(port) or process.poll() is not None,
            timeout=SLOW,
        )
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def attempts(home: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(home / "history.sqlite3", timeout=10)
    try:
        return db.execute("SELECT question_id, response FROM attempts").fetchall()
    except sqlite3.OperationalError:  # a moment when the app holds a write lock
        return []
    finally:
        db.close()


@pytest.fixture
def chromium() -> Path:
    """The browser, checked before any server is started."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing_browser("playwright is not installed")
    if not CHROMIUM.exists():
        missing_browser(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


def test_practising_in_a_browser_tab_records_the_attempt(
    chromium: Path, server: str, home: Path, tmp_path: Path
):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # Only the server is reachable here (the page also asks for a web font).
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(server) else route.abort()
                ),
            )
            page.goto(server, wait_until="domcontentloaded", timeout=SLOW * 1000)
            # The app process has sent its first bytes ...
            page.wait_for_selector("body.-first-byte", state="attached", timeout=SLOW * 1000)

            # ... and the home screen is drawn and still (two equal frames a second apart).
            def steady_frame() -> bytes | None:
                first = page.screenshot()
                time.sleep(1.0)
                second = page.screenshot()
                return second if first == second else None

            home_frame = wait_for("the home screen to be drawn", steady_frame, timeout=SLOW)
            (tmp_path / "home.png").write_bytes(home_frame)
            page.locator("textarea.xterm-helper-textarea").focus()
            page.keyboard.press("n")
            wait_for(
                "the practice screen after pressing n",
                lambda: page.screenshot() != home_frame,
                timeout=SLOW,
            )
            time.sleep(1.0)  # let the new screen finish its first layout before typing
            page.keyboard.type(ANSWER)
            page.keyboard.press("Enter")
            rows = wait_for("the attempt in the database", lambda: attempts(home), timeout=SLOW)
            page.screenshot(path=str(tmp_path / "answered.png"))
        finally:
            browser.close()
    assert rows == [(QUESTION, ANSWER)]
