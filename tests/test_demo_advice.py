"""What to try after an unreliable fit, worded by each front end with its own controls.

The engine states the advice as a kind (engine.fitting.Advice); `quizapp demo` names its
flags (--from, --to, --budget) and the TUI's demo screen its keys and budget list, which
is all it has: it sets no sweep ends of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import make_app, settle, sync
from fake_timing import FakeClock, fake_demo
from rich.text import Text
from textual.widgets import Static

from engine import demos as D
from engine import fitting as F
from quizapp.cli import main
from quizapp.tui.screens.demos import DemosScreen

FLAT = 0.024  # every size takes 24 ms: a fixed cost, not the work → start at larger sizes


def _flat_demo(monkeypatch) -> None:
    """`run_demo` of any name runs a fake demo on a fake clock whose calls all take FLAT."""
    real = D.run_demo

    def run(name, **options):
        clock = FakeClock()  # a fresh clock each run: the same run gives the same figures
        demo = fake_demo(clock, lambda x: FLAT)
        options.pop("demos", None)
        options.pop("vary", None)  # the screen's choice for the real demo: the fake has x
        return real(name, demos={name: demo}, clock=clock, load=lambda: 0.3, **options)

    monkeypatch.setattr(D, "run_demo", run)


def test_every_front_end_words_every_advice_with_its_own_controls():
    """The engine's words name no front end; the CLI's name its flags, the TUI's its keys."""
    from quizapp.commands.demo import ADVICE as CLI
    from quizapp.tui.screens.demos import ADVICE as TUI

    assert set(F.ADVICE_WORDS) == set(CLI) == set(TUI) == set(F.Advice)
    assert not any("--" in words or "Tab" in words for words in F.ADVICE_WORDS.values())
    assert all("--" in words for words in CLI.values())
    assert not any("--" in words for words in TUI.values())
    assert all("(r)" in words or "then r)" in words for words in TUI.values())


def test_the_cli_names_its_flag_in_text_and_json(monkeypatch):
    _flat_demo(monkeypatch)
    args = ["demo", "attention", "--from", "128", "--to", "1024", "--no-plot"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stdout.splitlines() if line.startswith("Warning:"))
    assert "flat points" in warning and "Start the sweep at larger sizes (--from)." in warning
    doc = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert doc["advice"][0] == "start_larger"
    assert doc["warning"] == warning.removeprefix("Warning: ")


@sync
async def test_the_demo_screen_names_its_budget_list_and_key_not_a_flag(
    tmp_path: Path, monkeypatch
):
    _flat_demo(monkeypatch)
    app = make_app(tmp_path, lambda: 1_700_000_000.0, seed=3, start="demos", demo="matmul")
    async with app.run_test(size=(100, 34)) as pilot:
        screen = app.screen
        assert isinstance(screen, DemosScreen)
        await app.workers.wait_for_complete()
        await pilot.press("r")
        for _ in range(100):
            await settle(app, pilot)
            if screen.status == "done":
                break
        assert screen.status == "done"
        panel = Text.from_markup(str(screen.query_one("#demo-stats", Static).content)).plain
        flat = " ".join(panel.split())  # however the panel wraps it
        assert "flat points" in flat and "--" not in flat
        assert "Pick a larger budget (Tab to the budget list, then r)" in flat
