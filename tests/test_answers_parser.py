"""The whitelist parser: what it accepts, how it reads it, and what it refuses."""

from __future__ import annotations

import math

import pytest
import sympy

from engine.answers import ParseError, evaluate_formula, parse_formula

N, D = sympy.symbols("n d", positive=True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5120000", 5_120_000),
        ("5,120,000", 5_120_000),
        ("5_120_000", 5_120_000),
        ("5.12e6", 5_120_000),
        ("5.12 × 10^6", 5_120_000),
        ("5.12*10**6", 5_120_000),
        ("2^31", 2**31),
        ("4*1024^3", 4 * 1024**3),
        ("2·3", 6),
        ("7 − 2", 5),
        ("10²", 100),
        ("√16", 4),
        ("lg 8", 3),
        ("log2(1024)", 10),
        ("log10(1000)", 3),
        ("ln(1)", 0),
        ("log(8, 2)", 3),
        ("log_2 16", 4),
        ("5!", 120),
        ("factorial(4)", 24),
        ("exp(0)", 1),
        ("sqrt(2)^2", 2),
        ("2^-1", 0.5),
        ("(1+1)(2+2)", 8),
        ("[2+3]*2", 10),
    ],
)
def test_numeric_forms_evaluate_to_the_number_a_person_means(text: str, value: float) -> None:
    assert evaluate_formula(text, {}) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n^2 d", N**2 * D),
        ("n²d", N**2 * D),
        ("n^2d", N**2 * D),
        ("d·n²", N**2 * D),
        ("n*n*d", N**2 * D),
        ("nd", N * D),
        ("n log n", N * sympy.log(N)),
        ("nlogn", N * sympy.log(N)),
        ("n lg n", N * sympy.log(N) / sympy.log(2)),
        ("n sqrt(n)", N ** sympy.Rational(3, 2)),
        ("n √n", N ** sympy.Rational(3, 2)),
        ("n^1.5", N ** sympy.Rational(3, 2)),
        ("log log n", sympy.log(sympy.log(N))),
        ("2^n", 2**N),
        ("nⁿ", N**N),
        ("n!", sympy.factorial(N)),
        ("(n+d)^2", (N + D) ** 2),
    ],
)
def test_symbolic_forms_build_the_intended_expression(text: str, expected: sympy.Expr) -> None:
    got = parse_formula(text, ["n", "d"])
    assert sympy.simplify(got - expected) == 0


def test_formula_with_params_matches_plain_arithmetic() -> None:
    params = {"b": 2, "h": 8, "n": 100, "d": 64}
    assert evaluate_formula("2*b*h*n^2*d", params) == 2 * 2 * 8 * 100**2 * 64
    assert evaluate_formula(12.5, {}) == 12.5


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("9**9**9**9", "too large"),
        ("1e999999999", "too large"),
        ("10^10^10", "too large"),
        ("1000!", "too large"),
        ("n^1000000", "exponent too large"),
        ("(n^99)^99", "exponent too large"),
        ("x + 1", "unknown name"),
        ("__import__('os').system('touch /tmp/pwned')", "unexpected character"),
        ("n; import os", "unexpected character"),
        ("2 3", "two numbers"),
        ("1/0", "division by zero"),
        ("log(0)", "non-positive"),
        ("sqrt(-1)", "negative"),
        ("(" * 60 + "1" + ")" * 60, "nested"),
        ("1" * 301, "too long"),
        ("", "empty"),
        ("n +", "expected"),
        ("(n", "expected ')'"),
    ],
)
def test_refusals_say_what_is_wrong(text: str, phrase: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_formula(text, ["n", "d"])
    assert phrase in info.value.message
    assert isinstance(info.value, ValueError)


def test_error_position_points_at_the_culprit() -> None:
    with pytest.raises(ParseError) as info:
        parse_formula("n + $", ["n"])
    assert info.value.position == 4


def test_pi_is_a_known_constant() -> None:
    assert evaluate_formula("2*pi", {}) == pytest.approx(2 * math.pi)
