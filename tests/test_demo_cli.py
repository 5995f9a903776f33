"""`quizapp demo` through click's runner; the verdict's wording on fake clocks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fake_timing import FakeClock, fake_demo, with_fake_memory

from engine import demos as D
from quizapp.cli import main


def test_demo_list_names_every_demo():
    result = CliRunner().invoke(main, ["demo", "--list"])
    assert result.exit_code == 0
    for name in D.DEMOS:
        assert name in result.output


@pytest.fixture
def faked(monkeypatch):
    """Make `quizapp demo attention` run a fake demo on a fake clock with a chosen cost."""

    def install(seconds, *, load=0.3, peak=None, **kw):
        clock = FakeClock()
        demo = fake_demo(clock, seconds, **kw)
        real = D.run_demo
        if peak is not None:  # fake peak memory too: peak(x) bytes
            demo, measured = with_fake_memory(demo, peak)
            kw = {"peak_bytes": measured}
        else:
            kw = {}

        def run(name, **options):
            options.pop("demos", None)
            return real(
                "fake", demos={"fake": demo}, clock=clock, load=lambda: load, **options, **kw
            )

        monkeypatch.setattr(D, "run_demo", run)

    return install


def test_json_of_a_reliable_fit_carries_the_verdict_threads_and_load(faked):
    faked(lambda x: 1e-7 * x**2, load=0.4)
    result = CliRunner().invoke(main, ["demo", "attention", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["reliable"] is True and doc["warning"] is None
    assert doc["slope"] == pytest.approx(2.0) and doc["predicted_slope"] == 2.0
    assert doc["load"] == 0.4 and "threads" in doc and doc["cpus"] >= 1
    assert doc["calibrated_start"] is not None


def test_an_unreliable_fit_never_gets_a_tick_and_says_why(faked):
    faked(lambda x: 0.024)  # the flat 24 ms at every size
    result = CliRunner().invoke(main, ["demo", "attention", "--from", "128", "--to", "1024"])
    assert result.exit_code == 0, result.output
    assert "✓" not in result.stdout
    assert "UNRELIABLE" in result.stdout and "flat points" in result.stdout
    assert "Warning:" in result.stdout
    doc = json.loads(
        CliRunner()
        .invoke(main, ["demo", "attention", "--from", "128", "--to", "1024", "--json"])
        .stdout
    )
    assert doc["reliable"] is False and "flat points" in doc["warning"]


def test_a_reliable_fit_is_ticked_with_its_conditions(faked):
    faked(lambda x: 1e-7 * x**2, load=5.0)
    result = CliRunner().invoke(main, ["demo", "attention", "--no-plot"])
    assert result.exit_code == 0, result.output
    assert "✓ reliable" in result.stdout
    assert "load 5.0 on" in result.stdout and "BLAS" in result.stdout
    assert "Note: busy machine" in result.stdout


def test_a_memory_fit_bent_by_fixed_buffers_is_flagged_in_text_and_json(faked):
    """flash_memory's case on fake peaks: 64 KiB of fixed buffers plus 520 B per size."""
    faked(lambda x: 1e-7 * x**2, peak=lambda x: 2**16 + 520 * x)
    args = ["demo", "flash_memory", "--from", "256", "--to", "4096", "--budget", "60"]
    result = CliRunner().invoke(main, [*args, "--no-plot"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    time_line = next(line for line in lines if line.startswith("time ∝"))
    memory_line = next(line for line in lines if line.startswith("peak memory ∝"))
    assert "✓ reliable" in time_line
    assert "✗ UNRELIABLE" in memory_line and "predicted 1" in memory_line
    warning = lines[lines.index(memory_line) + 1]
    assert warning.startswith("Warning: unreliable fit: fixed buffers (≈ 64 KiB) dominate below")
    assert "--to" in warning
    assert "no (fixed buffers)" in result.stdout  # the table says which points were left out
    # Each summary counts the points its table column marks as fitted (✓ or ?).
    rows = [line.split() for line in lines if line[:4].strip().isdigit()]
    memory_fitted = sum(1 for row in rows if row[-1] in {"✓", "?"})
    assert 0 < memory_fitted < len(rows)
    assert f"fitted on {memory_fitted} of {len(rows)} points" in memory_line
    assert f"fitted on {len(rows)} of {len(rows)} points" in time_line
    doc = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert doc["reliable"] is True and doc["memory_reliable"] is False
    assert doc["memory_fit_status"] == "unreliable: fixed buffers"
    assert doc["memory_warning"] == warning.removeprefix("Warning: ")


def test_fixed_buffers_over_the_whole_sweep_leave_no_memory_slope_and_say_why(faked):
    faked(lambda x: 1e-7 * x**2, peak=lambda x: 2**20 + 520 * x)
    args = ["demo", "flash_memory", "--from", "256", "--to", "4096", "--budget", "60"]
    result = CliRunner().invoke(main, [*args, "--no-plot"])
    assert result.exit_code == 0, result.output
    assert "No peak memory slope: unreliable fit: fixed buffers (≈ 1 MiB)" in result.stdout
    doc = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert doc["memory_slope"] is None and doc["memory_reliable"] is False


def test_a_clean_memory_fit_is_ticked(faked):
    faked(lambda x: 1e-7 * x**2, peak=lambda x: 4096 * x)
    result = CliRunner().invoke(main, ["demo", "flash_memory", "--to", "4096", "--no-plot"])
    assert result.exit_code == 0, result.output
    memory_line = next(line for line in result.stdout.splitlines() if "peak memory ∝" in line)
    assert "x^1.00" in memory_line and "✓ reliable" in memory_line


def test_demo_json_tiny_real_sweep_has_every_field():
    """A real run: only its shape is checked, never its timing."""
    result = CliRunner().invoke(
        main, ["demo", "conv", "--from", "2", "--to", "8", "--budget", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["demo"] == "conv" and doc["vary"] == "k"
    assert doc["predicted_slope"] == 1.0
    assert {"reliable", "warning", "threads", "load", "cpus", "slope_stderr"} <= set(doc)
    assert {"memory_reliable", "memory_warning", "memory_fit_status"} <= set(doc)
    assert isinstance(doc["reliable"], bool)
    assert [p["value"] for p in doc["points"]] == sorted(p["value"] for p in doc["points"])
    assert all(p["seconds"] > 0 and p["cpu_seconds"] >= 0 for p in doc["points"])


def test_demo_table_and_plot():
    result = CliRunner().invoke(
        main,
        ["demo", "matmul", "--from", "256", "--to", "1024", "--budget", "10"],  # ends at --to
    )
    assert result.exit_code == 0, result.output
    assert "GFLOP/s" in result.stdout and "CPU time" in result.stdout
    assert "MiB" in result.stdout or "KiB" in result.stdout
    assert "log–log" in result.stdout  # the plot's title
    assert "Timing: BLAS" in result.stdout


def test_unknown_demo_and_parameter_exit_2_with_choices():
    result = CliRunner().invoke(main, ["demo", "nope"])
    assert result.exit_code == 2
    assert "attention" in result.output and "softmax" in result.output
    result = CliRunner().invoke(main, ["demo", "conv", "--vary", "zz"])
    assert result.exit_code == 2
    assert "k, n, d" in result.output
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 2


def test_the_tui_legend_ticks_only_a_reliable_slope():
    from quizapp.tui.widgets.loglog import _measured_label

    clock = FakeClock()
    flat = D.run_demo(
        "fake",
        demos={"fake": fake_demo(clock, lambda x: 0.024)},
        clock=clock,
        load=lambda: 0.3,
        start=128,
        stop=1024,
        measure_memory=False,
    ).to_json()
    assert flat["slope"] is not None
    label = _measured_label(flat)
    assert "✓" not in label and "unreliable: flat points" in label
    good = {**flat, "reliable": True, "fit_status": "reliable", "slope": 2.01}
    assert _measured_label(good) == "measured: slope 2.01 ✓"
    assert "✓" not in _measured_label({"slope": None, "fit_status": "unreliable: too few points"})
