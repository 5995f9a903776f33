"""A pack `quizapp validate` calls OK can be graded: `check` and practice never meet a
spec error that validate kept quiet about, and the error points at the key to fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_validate_variants import write_pack

from quizapp.cli import main

BIG_O = """\
  prompt: What does QKᵀ cost for n×d matrices?
  answer:
    kind: big_o
    value: "n^2*d"
    variables: [n, d]
    {extra}
  mistakes:
    - {{value: "n*d", feedback: one row only}}
"""


def where(path: Path, key: str) -> str:
    """'file:line:column' of the first line starting with `key:`, found in the text itself."""
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if text.lstrip().startswith(f"{key}:"))
    column = len(lines[line]) - len(lines[line].lstrip())
    return f"{path}:{line + 1}:{column + 1}"


def validate_output(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path)])
    return result.exit_code, result.output


def check_output(path: Path, answer: str = "n^2*d") -> tuple[int, str]:
    args = ["--packs", str(path.parent), "check", "variants/q", "--answer", answer]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("extra", "key", "says"),
    [
        ("regime: {k: n}", "regime", "regime names unknown variable 'k'"),
        ('assume: "d <= k"', "assume", "cannot read 'k' in the assumption 'd <= k'"),
    ],
)
def test_a_big_o_spec_that_cannot_be_graded_fails_validate_at_its_key(
    tmp_path: Path, extra: str, key: str, says: str
) -> None:
    path = write_pack(tmp_path, BIG_O.format(extra=extra))
    code, out = check_output(path)
    assert code == 1 and "its answer cannot be graded" in out  # what the learner would meet

    code, out = validate_output(path)
    assert code == 1, out
    [problem] = [line for line in out.splitlines() if "variants.yaml:" in line]
    assert problem.startswith(f"{where(path, key)} questions[0].answer.{key}: ")
    assert says in problem


def test_a_regime_error_is_reported_at_the_regime_not_at_each_check(tmp_path: Path) -> None:
    fields = BIG_O.format(extra="regime: {k: n}") + (
        "  checks:\n    - {response: 'n^2*d', score: 1}\n    - {response: 'n*d', score: 0}\n"
    )
    path = write_pack(tmp_path, fields)
    code, out = validate_output(path)
    assert code == 1
    problems = [line for line in out.splitlines() if "variants.yaml:" in line]
    assert [p.split()[1] for p in problems] == ["questions[0].answer.regime:"]


def test_a_big_o_spec_with_a_valid_regime_and_assumption_passes_and_grades(
    tmp_path: Path,
) -> None:
    # the new check must not flag what the checker reads fine
    path = write_pack(tmp_path, BIG_O.format(extra='regime: "n >> d"\n    assume: "d <= n"'))
    code, out = validate_output(path)
    assert code == 0, out
    code, out = check_output(path)
    assert code == 0, out
    assert "verdict:   correct" in out
