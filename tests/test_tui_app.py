"""The app shell: start-up, home screen, demos, history, mock hand-off, command palette, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, footer_keys, settle, sync
from conftest import make_app as make_test_app
from rich.text import Text
from textual.widgets import DataTable, Static

from quizapp.tui.app import create_app
from quizapp.tui.screens.demos import DemosScreen
from quizapp.tui.screens.history import HistoryScreen
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.mock import MockScreen
from quizapp.tui.screens.practice import PracticeScreen


def make_app(tmp_path: Path, **kwargs):
    return make_test_app(tmp_path, lambda: 1_700_000_000.0, seed=3, **kwargs)


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@sync
async def test_home_lists_packs_and_topics_with_progress(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        packs = cells(app.screen.query_one("#packs-table", DataTable))
        # pack, questions, due, new, accuracy, last practised
        assert packs == [["tui-basics", "3", "0", "3", "–", "never", "TUI test pack"]]
        topics = {row[0]: row for row in cells(app.screen.query_one("#topics-table", DataTable))}
        assert set(topics) == {"self-attention", "flops", "big-o", "memory"}
        assert topics["self-attention"][1] == "2"


@sync
async def test_home_updates_after_practice(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await pilot.press(*str(2 * n * n * d), "enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        packs = cells(app.screen.query_one("#packs-table", DataTable))
        assert packs[0][3] == "2"  # two questions still new
        assert packs[0][4] == "100%"
        assert packs[0][5] == "just now"


@sync
async def test_a_demo_starts_plots_and_is_cancelled_with_escape(tmp_path, monkeypatch):
    import engine.demos

    real_run = engine.demos.run_demo

    def held_open(name, *, on_point, cancel, **options):
        """The real runner, held after each point until Esc cancels it: a quick machine
        must not finish the sweep before the test presses Esc."""

        def hold(point, result):
            on_point(point, result)
            cancel.wait(30)

        return real_run(name, on_point=hold, cancel=cancel, **options)

    monkeypatch.setattr(engine.demos, "run_demo", held_open)
    app = make_app(tmp_path, start="demos", demo_budget=20.0)
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await _highlight_demo(app, pilot, "softmax")
        await pilot.press("r")
        assert screen.running
        for _ in range(200):  # wait for the first measured point, then cancel
            await pilot.pause(0.05)
            if screen.result and screen.result.get("points"):
                break
        assert screen.result["points"], "no point arrived while the demo ran"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DemosScreen)  # Esc cancelled, did not leave
        assert not screen.running
        assert screen.status == "cancelled"
        assert "cancelled" in str(screen.query_one("#demo-stats", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@sync
async def test_an_unknown_demo_name_is_reported_not_fatal(tmp_path):
    app = make_app(tmp_path, start="demos", demo="no_such_demo")
    async with app.run_test(size=(100, 34)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DemosScreen)
        assert any("no_such_demo" in n.message for n in app._notifications)


@sync
async def test_history_shows_recorded_attempts(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press(*"1", "enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        recent = cells(app.screen.query_one("#attempts-table", DataTable))
        assert [row[1:5] for row in recent] == [["✗", "0.00", "tui-basics/score-flops", "1"]]
        topics = {r[0]: r for r in cells(app.screen.query_one("#topic-accuracy", DataTable))}
        assert topics["flops"][1:3] == ["1", "0%"]


@sync
async def test_mock_interview_mode(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MockScreen)


@sync
async def test_a_corrupt_database_is_moved_aside_and_the_user_told(tmp_path):
    (tmp_path / "history.sqlite3").write_bytes(b"this is not a database" * 100)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        assert app.store is not None and app.store.recovered_from is not None
        messages = " ".join(n.message for n in app._notifications)
        assert str(app.store.recovered_from) in messages
        # Nothing was recovered: the title says what happened to the old file.
        titles = " ".join(n.title for n in app._notifications)
        assert "recovered" not in titles.lower() and "moved aside" in titles


@sync
async def test_the_command_palette_lists_the_main_actions(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"history")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)


def test_the_tui_module_does_not_import_the_heavy_libraries():
    """sympy and numpy must load after the first frame, not when the app is built."""
    code = (
        "import sys; import quizapp.tui.app as a; a.create_app();"
        "print(sorted(m for m in ('sympy', 'numpy', 'pydantic', 'fsrs', 'plotext')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_practice_command_rejects_a_malformed_pack_id():
    from quizapp.cli import main

    result = CliRunner().invoke(main, ["practice", "--packs", "Bad Pack!"])
    assert result.exit_code == 2
    assert "not a pack id" in result.output


def test_practice_command_has_help():
    from quizapp.cli import main

    result = CliRunner().invoke(main, ["practice", "--help"])
    assert result.exit_code == 0
    assert "--topics" in result.output and "--due" in result.output


def test_practice_packs_takes_a_directory_written_as_a_path(tmp_path, monkeypatch):
    from quizapp.cli import main

    calls = []
    monkeypatch.setattr("quizapp.tui.app.run_app", lambda dirs, **kw: calls.append((dirs, kw)))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    result = CliRunner().invoke(main, ["practice", "--packs", "./mine,attention-basics"])
    assert result.exit_code == 0, result.output
    [(dirs, kw)] = calls
    assert dirs == ["mine"] and kw["packs"] == ["attention-basics"]


def test_practice_and_mock_refuse_an_unknown_topic_alike_before_the_app_opens(monkeypatch):
    from quizapp.cli import main

    calls = []
    monkeypatch.setattr("quizapp.tui.app.run_app", lambda *a, **kw: calls.append(kw))
    for command in ("practice", "mock"):
        result = CliRunner().invoke(main, [command, "--topics", "nonsense"])
        assert result.exit_code == 2, (command, result.output)
        assert "unknown topic(s): nonsense; valid topics:" in result.output
        assert "flops" in result.output  # the valid ones are named
        result = CliRunner().invoke(main, [command, "--packs", "no-such-pack"])
        assert result.exit_code == 2 and "valid packs: attention-basics" in result.output
    assert calls == []


@sync
async def test_a_broken_pack_in_a_packs_dir_names_that_dir_in_the_validate_hint(tmp_path):
    packs = tmp_path / "my packs"
    packs.mkdir()
    (packs / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    app = create_app(
        [FIXTURES, str(packs)],
        store_path=str(tmp_path / "history.sqlite3"),
        clock=lambda: 1_700_000_000.0,
        shipped=False,
    )
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        messages = " ".join(n.message for n in app._notifications)
        # Without the directory, `quizapp validate` would not even look at the broken file.
        assert f"quizapp validate --packs {FIXTURES} --packs '{packs}'" in messages


@sync
async def test_dialog_buttons_show_their_keys_and_the_dialog_its_own_footer(tmp_path):
    from textual.widgets import Button

    from quizapp.tui.screens.home import ResumeMockScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        app.push_screen(ResumeMockScreen())
        await pilot.pause()
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Resume [r]", "Discard [x]", "Later [Esc]"]  # not eaten as markup
        keys = footer_keys(app.screen)
        assert {"Resume", "Discard", "Later"} <= set(keys) and "Practise" not in keys
        await pilot.press("escape")
        await pilot.press("i")  # the interview date: typing goes in its box, not to home
        await settle(app, pilot)
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Save [Enter]", "Forget the date", "Cancel [Esc]"]
        keys = footer_keys(app.screen)
        assert "Cancel" in keys and "Practise" not in keys


@sync
async def test_the_modes_list_opens_a_mode_on_enter_and_on_click(tmp_path):
    from quizapp.tui.screens.home import MODES

    keys = [key for key, _, _ in MODES]
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        modes = app.screen.query_one("#modes")
        assert modes.has_focus
        modes.highlighted = keys.index("history")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.click("#modes", offset=(4, keys.index("demos")))
        await settle(app, pilot)
        assert isinstance(app.screen, DemosScreen)


@sync
async def test_at_80_columns_every_main_screen_footer_shows_f1_help(tmp_path):
    for start in ("home", "history", "demos", "mock", "practice"):
        app = make_app(tmp_path, start=start)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.wait_library()
            await settle(app, pilot)
            keys = footer_keys(app.screen)
            # Not under the command palette's entry, which is docked at the right.
            edge = keys["palette"].x if "palette" in keys else 80
            assert "Help" in keys and keys["Help"].right <= edge, (start, keys)


@sync
async def test_no_packs_at_all_says_why_and_what_to_do(tmp_path):
    empty = tmp_path / "no-packs"
    empty.mkdir()
    app = make_test_app(tmp_path, fixtures=str(empty))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        summary = str(app.screen.query_one("#home-summary", Static).content)
        assert "No question packs were found" in summary and "Reinstall" in summary


@sync
async def test_the_demo_panel_gives_the_memory_fit_its_verdict(tmp_path):
    """A peak-memory slope shows whether it can be trusted, and why not, as the time slope
    does: fixed buffers bend a flash sweep's small sizes."""
    app = make_app(tmp_path, start="demos")
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await _highlight_demo(app, pilot, "flash_memory")
        warning = "fixed buffers (≈ 74.6 KiB) dominate below n ≈ 2,644"
        screen.result = {
            "vary": "n",
            "points": [],
            "memory_slope": 0.38,
            "memory_predicted_slope": 1.0,
            "memory_reliable": False,
            "memory_warning": warning,
        }
        screen.status = "done"
        screen._show_stats()
        text = str(screen.query_one("#demo-stats", Static).content)
        assert "peak memory ∝ n^0.38 (predicted 1)" in text
        assert "✗ unreliable" in text and warning in text
        screen.result = {**screen.result, "memory_slope": 1.01, "memory_reliable": True}
        screen.result.pop("memory_warning")
        screen._show_stats()
        text = str(screen.query_one("#demo-stats", Static).content)
        assert "peak memory ∝ n^1.01 (predicted 1)" in text and "✓ reliable" in text
        assert "unreliable" not in text


@sync
async def test_the_time_and_memory_fits_each_carry_their_own_verdict(tmp_path):
    """A trusted time slope next to an untrusted memory slope: each line says its own."""
    app = make_app(tmp_path, start="demos")
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await _highlight_demo(app, pilot, "flash_memory")
        screen.result = {
            "vary": "n",
            "points": [],
            "slope": 2.01,
            "predicted_slope": 2.0,
            "reliable": True,
            "memory_slope": 0.38,
            "memory_predicted_slope": 1.0,
            "memory_reliable": False,
        }
        screen.status = "done"
        screen._show_stats()
        time_line, memory_line = _fit_lines(screen)
        assert time_line.endswith("✓ reliable") and memory_line.endswith("✗ unreliable")
        screen.result = {**screen.result, "reliable": False, "memory_reliable": True}
        screen._show_stats()
        time_line, memory_line = _fit_lines(screen)
        assert time_line.endswith("✗ unreliable") and memory_line.endswith("✓ reliable")


def _fit_lines(screen: DemosScreen) -> tuple[str, str]:
    """The demo panel's time-slope and memory-slope lines, as read on screen (no markup)."""
    panel = str(screen.query_one("#demo-stats", Static).content)
    lines = Text.from_markup(panel).plain.splitlines()
    return (
        next(line for line in lines if line.startswith("time ∝")),
        next(line for line in lines if line.startswith("peak memory ∝")),
    )


async def _highlight_demo(app, pilot, name: str) -> DemosScreen:
    """The demos screen, once its list has loaded, with `name` highlighted."""
    screen = app.screen
    assert isinstance(screen, DemosScreen)
    await app.workers.wait_for_complete()
    await pilot.pause()
    listing = screen.query_one("#demo-list")
    listing.highlighted = listing.get_option_index(name)
    await pilot.pause()
    return screen


@sync
async def test_every_demo_run_measures_with_one_blas_thread(tmp_path):
    """Each run of a demo in the TUI, not only the first, measures with BLAS held to one
    thread (OpenBLAS ignored the limit set from the second run's worker thread)."""
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl looks for)
    from threadpoolctl import threadpool_info

    if not [i for i in threadpool_info() if i["user_api"] == "blas"]:
        pytest.skip("no BLAS library that threadpoolctl can limit")
    app = make_app(tmp_path, start="demos", demo="matmul", demo_budget=0.3)
    threads = []
    async with app.run_test(size=(100, 34)) as pilot:
        for run in range(3):
            if run:
                app.screen.action_run()
            await settle(app, pilot)
            assert app.screen.status == "done"
            threads.append(app.screen.result["threads"])
    assert threads == [1, 1, 1]


@sync
async def test_the_demo_plot_keeps_its_title_and_survives_a_resize(tmp_path):
    """At 80 columns the y-axis labels take part of the plot's width: the title, cut to what
    is left, still shows (plotext drops a title wider than the plot area). Resizing the
    terminal after a run redraws the plot (building it twice took the log of a log)."""
    from quizapp.tui.widgets.loglog import LogLogPlot

    app = make_app(tmp_path, start="demos")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _highlight_demo(app, pilot, "attention")
        points = [
            {"value": n, "seconds": 1e-3 * (n / 512) ** 2, "fitted": True}
            for n in (512, 724, 1024, 1448, 2048)
        ]
        title = "Quadratic test kernel time against its sequence length n"
        screen.query_one(LogLogPlot).show(
            {"vary": "n", "points": points, "predicted_slope": 2.0}, title
        )
        await pilot.pause()
        assert "Quadratic test kernel" in app.export_screenshot().replace("&#160;", " ")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        assert title in shown and "predicted slope 2" in shown


@sync
async def test_at_80_by_24_the_demo_panel_shows_every_measured_figure(tmp_path):
    """The panel under the plot has about eight lines at 80×24: the figures of the run
    (status, both fits, the last point, the best rate) come before the words about the
    kernel, and what does not fit is reached by scrolling the panel (Tab, then arrows)."""
    app = make_app(tmp_path, start="demos")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _highlight_demo(app, pilot, "attention")
        screen.result = {
            "vary": "n",
            "points": [{"value": 4096, "seconds": 0.131, "peak_bytes": 201326592, "gflops": 35.8}],
            "elapsed": 3.5,
            "slope": 2.02,
            "slope_stderr": 0.05,
            "predicted_slope": 2.0,
            "r2": 0.996,
            "reliable": True,
            "warning": "busy machine: load 3.4 on 2 cores; wall time up to 2.3× the CPU time "
            "(the slope is fitted on CPU time, which others cannot inflate)",
            "threads": 1,
            "load": 3.4,
            "cpus": 2,
            "memory_slope": 1.99,
            "memory_predicted_slope": 2.0,
            "memory_reliable": True,
        }
        screen.status = "done"
        screen._show_stats()
        await pilot.pause()
        shown = _screen_text(app)
        for figure in ("status: done", "n^2.02", "peak memory", "last: n = 4096", "best 35.8"):
            assert figure in shown, f"{figure!r} is cut off at 80×24"
        panel = app.screen.query_one("#demo-panel")
        assert panel.can_focus  # the rest (the kernel's description) is a scroll away
        panel.focus()
        await pilot.press("end")
        for _ in range(100):  # the scroll is animated: on a busy machine it takes a while
            await pilot.pause(0.05)
            if "materialised" in _screen_text(app):
                break
        assert "materialised" in _screen_text(app)


def _screen_text(app) -> str:
    """What the terminal shows, line by line (the screenshot's text, its styles dropped)."""
    import re
    from html import unescape

    lines: dict[str, list[tuple[float, str]]] = {}
    for x, y, body in re.findall(
        r'<text[^>]*?x="([\d.]+)"[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', app.export_screenshot()
    ):
        lines.setdefault(y, []).append((float(x), unescape(re.sub(r"<[^>]+>", "", body))))
    return "\n".join(
        "".join(text for _, text in sorted(parts)).replace("\xa0", " ")
        for _, parts in sorted(lines.items(), key=lambda item: float(item[0]))
    )


@sync
async def test_history_shows_a_recall_answer_awaiting_its_grade_as_ungraded_not_wrong(tmp_path):
    """A mock's recall answer is kept ungraded (valid=False, out of accuracy) until the
    learner grades it in the report: history must not show it as a ✗ with score 0."""
    from quizapp.store import Attempt, Store

    with Store.open(str(tmp_path / "history.sqlite3")) as store:
        store.record_attempt(
            Attempt(
                "tui-basics/score-flops",
                False,
                0.0,
                kind="recall",
                response="n squared d",
                valid=False,
                mode="mock",
            )
        )
    app = make_app(tmp_path, start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        [row] = cells(app.screen.query_one("#attempts-table", DataTable))
        assert row[1:3] == ["–", "–"]
        assert "not graded" in app.screen.HELP


@pytest.mark.parametrize("command", [[], ["practice"], ["mock"]])
def test_without_a_terminal_the_screens_say_so_instead_of_waiting_for_keys(
    command: list[str], tmp_path: Path
) -> None:
    """A script, cron or `ssh host quizapp` without -t: stdin is no terminal, and the app used
    to wait for keys forever at full CPU. It now says why and exits (the timeout is a hang)."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    run = subprocess.run(
        [sys.executable, "-m", "quizapp", *command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "QUIZAPP_HOME": str(tmp_path)},
    )
    assert run.returncode == 1
    assert "need a terminal" in run.stderr and "ssh -t" in run.stderr
    assert "Traceback" not in run.stderr
