"""`quizapp demo` through click's runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from quizapp.cli import main


def test_demo_list_names_every_demo():
    from engine.demos import DEMOS

    result = CliRunner().invoke(main, ["demo", "--list"])
    assert result.exit_code == 0
    for name in DEMOS:
        assert name in result.output


def test_demo_json_tiny_sweep():
    result = CliRunner().invoke(
        main, ["demo", "conv", "--from", "2", "--to", "8", "--budget", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["demo"] == "conv" and doc["vary"] == "k"
    assert doc["predicted_slope"] == 1.0
    assert len(doc["points"]) >= 2
    assert [p["value"] for p in doc["points"]] == sorted(p["value"] for p in doc["points"])
    assert all(p["seconds"] > 0 and p["gflops"] > 0 for p in doc["points"])
    assert doc["slope"] is not None and doc["r2"] is not None


def test_demo_table_and_plot():
    result = CliRunner().invoke(
        main, ["demo", "matmul", "--from", "256", "--to", "1024", "--budget", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "GFLOP/s" in result.stdout and "predicted 1" in result.stdout
    assert "MiB" in result.stdout or "KiB" in result.stdout
    assert "log–log" in result.stdout  # the plot's title


def test_unknown_demo_and_parameter_exit_2_with_choices():
    result = CliRunner().invoke(main, ["demo", "nope"])
    assert result.exit_code == 2
    assert "attention" in result.output and "softmax" in result.output
    result = CliRunner().invoke(main, ["demo", "conv", "--vary", "zz"])
    assert result.exit_code == 2
    assert "k, n, d" in result.output
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 2
