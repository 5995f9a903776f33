"""The command line as a user meets it: help, version, calc, and clear usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from quizapp.cli import COMMANDS, main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_and_version_import_nothing_heavy():
    code = (
        "import sys; from click.testing import CliRunner; from quizapp.cli import main;"
        "r1 = CliRunner().invoke(main, ['--help']); r2 = CliRunner().invoke(main, ['--version']);"
        "assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output);"
        "heavy = [m for m in ('sympy', 'numpy', 'textual') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_python_dash_m_works():
    out = subprocess.run(
        [sys.executable, "-m", "quizapp", "--version"], capture_output=True, text=True, check=True
    )
    assert "quizapp" in out.stdout


def test_every_command_has_help():
    listed = run("--help").output
    for name in COMMANDS:
        result = run(name, "--help")
        if result.exit_code == 2 and "No such command" in result.output:
            continue  # a command still being built is not listed either
        assert name in listed
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


def test_unknown_command_is_a_usage_error():
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_calc_sdpa_shows_each_step_with_numbers():
    result = run("calc", "sdpa", "b=2", "h=8", "nq=1024", "nk=1024", "dk=64", "dv=64")
    assert result.exit_code == 0, result.output
    out = result.output
    # 2·b·h·nq·nk·dk for QKᵀ and again for PV; 4.29 GFLOP in all; 64 MiB of scores in fp32.
    assert "QKᵀ" in out and "PV" in out and "Softmax" in out and "1/√dk" in out
    assert "2,147,483,648" in out
    assert "4.29 GFLOP" in out
    assert "64 MiB" in out
    assert "O(b·h·nq·nk·(dk + dv))" in out


def test_calc_json_has_the_documented_keys():
    result = run(
        "calc",
        "kv_cache",
        "layers=32",
        "kv_heads=8",
        "d_head=128",
        "tokens=1000",
        "--dtype",
        "fp16",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"op", "params", "flops", "macs", "bytes", "big_o", "steps"} <= set(data)
    assert data["bytes"]["total"] == 2 * 32 * 8 * 128 * 1000 * 2
    assert all({"text", "expr", "value"} <= set(step) for step in data["steps"])


def test_calc_list_shows_ops_params_and_defaults():
    out = run("calc", "--list").output
    assert "sdpa" in out and "nq=1024" in out and "kv_cache" in out and "softmax_flops" in out


def test_calc_errors_name_the_valid_choices_and_exit_2():
    cases = [
        (("calc", "attn"), "choose one of: matmul"),
        (("calc", "sdpa", "q=3"), "parameters: b, h, nq"),
        (("calc", "sdpa", "b=-4"), "positive"),
        (("calc", "sdpa", "b=two"), "must be a number"),
        (("calc", "sdpa", "b"), "name=value"),
        (("calc", "matmul", "--dtype", "fp7"), "fp16"),
        (("calc",), "expected an operation"),
        (("calc", "sdpa", "b=1", "nq=8", "b=2"), "b is given twice (b=1 and b=2)"),
        (("calc", "sdpa", "-o", "causal_flops=full", "-o", "causal_flops=skip"), "given twice"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_command_line_ids_have_the_shape_packs_use():
    """practice/mock check pack and topic names without loading pydantic: same pattern."""
    from quizapp.commands.options import _ID
    from quizapp.pack_schema import ID_PATTERN, TOPIC_PATTERN

    assert _ID.pattern == ID_PATTERN == TOPIC_PATTERN


#: Terminals whose encoding cannot show ·, ², ×, QKᵀ or ∝: a Latin-1 locale (or Windows'
#: cp1252 when output is redirected), and the C locale with Python's UTF-8 mode turned off.
NARROW_ENCODINGS = {
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "ascii": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
}


@pytest.mark.parametrize("encoding", sorted(NARROW_ENCODINGS))
def test_a_terminal_without_unicode_gets_the_answers_not_a_traceback(encoding: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8")}
    env.update(NARROW_ENCODINGS[encoding])
    commands = {
        ("calc", "sdpa", "b=2", "h=8", "nq=1024", "nk=1024", "dk=64", "dv=64"): "4,294,967,296",
        ("packs",): "attention-basics",
        ("demo", "--help"): "--budget",
    }
    for args, shown in commands.items():
        out = subprocess.run(
            [sys.executable, "-m", "quizapp", *args], capture_output=True, env=env, timeout=120
        )
        stdout = out.stdout.decode("utf-8", "replace")
        stderr = out.stderr.decode("utf-8", "replace")
        assert "Traceback" not in stderr and "UnicodeEncodeError" not in stderr, (args, stderr)
        assert out.returncode == 0, (args, stderr)
        assert shown in stdout, (args, stdout)


def test_a_misspelt_command_is_answered_with_the_one_meant() -> None:
    for args, typed, meant in (
        (["stat"], "stat", "stats"),
        (["prcatice"], "prcatice", "practice"),
        (["valdiate", "x.yaml"], "valdiate", "validate"),
        (["packs", "remvoe", "x"], "remvoe", "remove"),
    ):
        result = run(*args)
        assert result.exit_code == 2, result.output
        error = result.output.splitlines()[-1]
        assert f"Error: No such command '{typed}'." in error and "Did you mean" in error, error
        assert f"'{meant}'" in error, error
    far = run("frobnicate")
    assert far.exit_code == 2 and "Did you mean" not in far.output


def test_calc_refuses_an_option_value_it_cannot_use_without_a_traceback() -> None:
    for value in ("abc", "2.5"):
        result = run("calc", "sdpa", "-o", f"softmax_flops={value}")
        assert result.exit_code == 2, result.output
        assert "softmax_flops" in result.output.splitlines()[-1], result.output
        assert not isinstance(result.exception, ValueError)


def test_calc_with_numbers_too_large_to_print_says_so() -> None:
    # 2·m·n·k = 2e900 FLOPs: more than a float holds, so no figure can be shown
    for extra in ((), ("--json",)):
        result = run("calc", "matmul", "m=1e300", "n=1e300", "k=1e300", *extra)
        assert result.exit_code == 2, result.output
        assert "too large" in result.output, result.output
        assert not isinstance(result.exception, OverflowError)
    fine = run("calc", "matmul", "m=1e30", "n=1e30", "k=1e30")
    assert fine.exit_code == 0, fine.output


def test_the_help_says_where_progress_is_kept_and_how_to_move_it() -> None:
    shown = " ".join(run("--help").output.split())
    assert "QUIZAPP_HOME" in shown and "quizapp stats" in shown


def test_no_color_takes_the_colour_out_of_warnings_too(tmp_path, monkeypatch) -> None:
    # a damaged lock file makes `quizapp packs` warn in yellow
    home = tmp_path / "home"
    (home / "packs").mkdir(parents=True)
    (home / "packs" / "packs.lock.json").write_text("not json", encoding="utf-8")
    monkeypatch.setenv("QUIZAPP_HOME", str(home))
    runner = CliRunner()
    coloured = runner.invoke(main, ["packs"], color=True, env={"NO_COLOR": None})
    plain = runner.invoke(main, ["packs"], color=True, env={"NO_COLOR": "1"})
    assert "packs from git are not loaded" in coloured.stderr
    assert "\x1b[" in coloured.stderr  # a terminal gets the warning in yellow
    assert "packs from git are not loaded" in plain.stderr
    assert "\x1b[" not in plain.stderr + plain.stdout
