"""Counting options take only the values they declare: a bad one is named, never read silently.

A QA pass found `quizapp calc sdpa -o softmax_flops=-3` accepted (a negative FLOP count) and
`-o count_scale=maybe` read as true. The same values in a pack's `calc: options:` must be
reported by `quizapp validate` at that key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.costs import CostError, compute
from quizapp.cli import main

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"

#: sdpa with b·h·nq·nk = 2·3·5·7 = 210 scores: what one FLOP per score adds.
SDPA = {"b": 2, "h": 3, "nq": 5, "nk": 7, "dk": 4, "dv": 6}
SCORES = 2 * 3 * 5 * 7


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"softmax_flops": -3}, r"softmax_flops=-3 .*whole number, 0 or more"),
        ({"softmax_flops": 2.5}, r"softmax_flops=2\.5 .*whole number"),
        ({"softmax_flops": "abc"}, r"softmax_flops=abc .*whole number"),
        ({"softmax_flops": True}, r"softmax_flops=True .*whole number"),
        ({"softmax_flops": "9" * 5000}, r"softmax_flops=9+ .*whole number"),
        ({"count_scale": "maybe"}, r"count_scale=maybe .*true/false/yes/no/1/0"),
        ({"count_scale": 2}, r"count_scale=2 .*true/false/yes/no/1/0"),
        ({"count_scale": "on"}, r"count_scale=on .*true/false/yes/no/1/0"),
        ({"causal_flops": "sometimes"}, r"causal_flops=sometimes .*skip, full"),
    ],
)
def test_a_bad_option_value_names_the_option_the_value_and_what_is_accepted(
    options: dict[str, object], expected: str
) -> None:
    with pytest.raises(CostError, match=expected):
        compute("sdpa", SDPA, **options)


@pytest.mark.parametrize("word", ["true", "YES", "1", 1, True])
def test_true_booleans_in_every_accepted_spelling_count_the_scale(word: object) -> None:
    base = compute("sdpa", SDPA).flops
    assert compute("sdpa", SDPA, count_scale=word).flops == base + SCORES


@pytest.mark.parametrize("word", ["false", "No", "0", 0, False])
def test_false_booleans_in_every_accepted_spelling_leave_the_scale_out(word: object) -> None:
    base = compute("sdpa", SDPA).flops
    assert compute("sdpa", SDPA, count_scale=word).flops == base


def test_a_whole_number_typed_on_the_command_line_is_counted() -> None:
    base = compute("sdpa", SDPA).flops
    assert compute("sdpa", SDPA, softmax_flops="3").flops == base + 3 * SCORES
    assert compute("sdpa", SDPA, softmax_flops=0).flops == base


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("softmax_flops=-3", "softmax_flops=-3 is not accepted"),
        ("count_scale=maybe", "count_scale=maybe is not accepted"),
    ],
)
def test_calc_refuses_a_bad_option_value_with_what_it_takes(option: str, expected: str) -> None:
    result = run("calc", "sdpa", "-o", option)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_calc_reads_yes_as_true_and_counts_the_scale() -> None:
    plain = run("calc", "sdpa", "--json").output
    counted = run("calc", "sdpa", "--json", "-o", "count_scale=yes").output
    base, more = json.loads(plain)["flops"], json.loads(counted)["flops"]
    assert more - base == 1 * 8 * 1024 * 1024  # one multiply per score at the defaults


def test_validate_reports_bad_calc_option_values_at_their_keys() -> None:
    result = run("validate", str(BROKEN / "calc-option-values.yaml"))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "calc-option-values.yaml:" in line]
    softmax = [line for line in lines if "calc.options.softmax_flops" in line]
    scale = [line for line in lines if "calc.options.count_scale" in line]
    assert len(softmax) == 1 and ":21:" in softmax[0] and "-3" in softmax[0], lines
    assert len(scale) == 1 and ":21:" in scale[0] and "maybe" in scale[0], lines
    assert len(lines) == 2, lines  # nothing else: the answer itself is fine
