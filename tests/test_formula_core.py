"""The formula core (engine.formula): one grammar, one evaluator, one printer, bounded.

Values are checked against Python's own integer and float arithmetic; sizes against
the limits the module states; time through a fake clock (no wall-clock assertions).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from engine import costs
from engine.answers import check, interpret
from engine.formula import (
    Budget,
    MathDomainError,
    OutOfTime,
    ParseError,
    evaluate_formula,
    exact,
    parse_formula,
    render,
    spell,
    value,
)
from engine.formula import budget as budget_module
from engine.problems import compile_formula


def test_integer_arithmetic_is_exact_to_the_last_digit() -> None:
    n, d = 4096, 12288
    assert evaluate_formula("2*n^2*d + 7", {"n": n, "d": d}) == 2 * n**2 * d + 7
    assert evaluate_formula("10^300 + 1", {}) == 10**300 + 1
    assert evaluate_formula("n/3*3", {"n": 7}) == 7  # a Fraction on the way, not 6.999…


def test_irrational_parts_are_floats_matching_math() -> None:
    assert evaluate_formula("log(n)/log(k)", {"n": 4096, "k": 3}) == pytest.approx(
        math.log(4096) / math.log(3), rel=1e-15
    )
    assert evaluate_formula("sqrt(n)", {"n": 2}) == pytest.approx(math.sqrt(2), rel=1e-15)


@pytest.mark.parametrize(
    "text",
    ["9319e93^0.8711", "(10^999)^0.5", "2^(1/3)*10^900", "(1e500)^0.7", "9^9^9", "451!"],
)
def test_a_fractional_power_of_a_large_base_is_never_computed_exactly(text: str) -> None:
    try:
        got = evaluate_formula(text, {})
    except ParseError as err:
        assert err.message == "number too large"
        return
    assert isinstance(got, float | int)


def test_9319e93_to_the_0_8711_is_a_float_of_the_right_size() -> None:
    got = evaluate_formula("9319e93^0.8711", {})
    assert got == pytest.approx(10 ** (0.8711 * math.log10(9319e93)), rel=1e-9)
    expr = parse_formula("9319e93^0.8711", [])
    assert expr.is_Float  # no exact sympy power was built


def test_magnitude_guards_refuse_instead_of_filling_memory() -> None:
    with pytest.raises(ParseError, match="too large"):
        exact.mul(10**900, 10**900)
    with pytest.raises(ParseError, match="too large"):
        exact.power(7, 10**6)
    with pytest.raises(ParseError, match="too small"):
        exact.guard(4.371e-317)
    assert exact.power(Fraction(1, 2), -3) == 8


@pytest.mark.parametrize("text", ["(-5)^0.5", "log(0)", "1/(2-2)", "sqrt(-1)", "(-2)!"])
def test_undefined_values_are_math_domain_errors(text: str) -> None:
    with pytest.raises(MathDomainError):
        evaluate_formula(text, {})


def test_a_negative_symbolic_base_to_a_fractional_power_is_refused() -> None:
    with pytest.raises(MathDomainError, match="not real"):
        parse_formula("(-n)^0.5", ["n"])


def test_draws_checks_and_cost_models_share_one_evaluator() -> None:
    """The same formula gives the same number in a draw and in the cost model."""
    formula = compile_formula("2*b*h*nq*nk*(dk+dv)", ["b", "h", "nq", "nk", "dk", "dv"])
    params = {"b": 2, "h": 8, "nq": 1024, "nk": 1024, "dk": 64, "dv": 64}
    cost = costs.compute("sdpa", params)
    assert formula(params) == cost.flops == 2 * 2 * 8 * 1024 * 1024 * (64 + 64)
    assert isinstance(cost.flops, int)


def test_one_printer_for_echo_derivation_and_cost_steps() -> None:
    expr = parse_formula("2*n^2*d", ["n", "d"])
    assert render(expr, ["n", "d"]) == "2·n²·d"
    assert spell("2*n^2*d", ["n", "d"]) == "2·n²·d"
    steps = costs.compute("matmul", {"m": 8, "k": 8, "n": 8}).steps
    assert any(s.expr == "2·m·k·n" for s in steps), [s.expr for s in steps]


def test_the_function_table_is_what_the_grammar_accepts() -> None:
    from engine.formula.functions import FUNCTIONS

    for name, function in FUNCTIONS.items():
        args = ", ".join(["8"] * function.arities[0])
        assert value(parse_formula(f"{name}({args})", []), {}) is not None, name


class _FakeClock:
    """perf_counter that moves a second per reading: any budget runs out at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


def test_the_budget_is_polled_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget_module, "time", _FakeClock())
    with pytest.raises(OutOfTime):
        parse_formula("n^2*d + n*d^2", ["n", "d"], Budget(5.0))


def test_out_of_time_is_a_retry_not_a_wrong_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget_module, "time", _FakeClock())
    spec = {"kind": "big_o", "value": "n^2*d", "variables": ["n", "d"]}
    verdict = check(spec, "n^2*d + n*d^2 + log(n)", {})
    assert verdict.valid is False and "in time" in verdict.feedback
    assert interpret(spec, "n^2 d").startswith("?")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("0.0001", "0.0001"),  # was 0.0001×10⁰
        ("0.0005", "0.0005"),
        ("12345.6", "1.235×10⁴"),  # was 1.235e+04
        ("1.5e-7", "1.5×10⁻⁷"),
        ("1e20", "1×10²⁰"),
        ("1234567", "1,234,567"),
    ],
)
def test_the_echo_writes_a_number_as_a_person_would(typed: str, shown: str) -> None:
    """What the answer box echoes for a plain number: no `e+04`, no `×10⁰`."""
    assert interpret({"kind": "number", "value": "1"}, typed) == shown
