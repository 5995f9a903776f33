"""Every formula the app prints can be typed back: render → parse gives the same expression.

The echo of an answer, an expected answer and a cost model's step are all written by
engine.formula.printing; a learner who copies one into an answer must get what was shown.
Expressions are generated (hypothesis) over variable names with digits (d89, x_12, h2)
and logarithms of any integer base, whose subscripts (log₈₉ n) are the printer's own.
"""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.formula import ParseError, parse_formula, render, value
from engine.formula.grammar import MAX_SYMBOLIC_EXPONENT

#: Integers are printed digit for digit below this; above it in 4 significant digits
#: (1.286×10¹⁶), a display choice that cannot round-trip and is not what this file tests.
EXACT_DIGITS_BELOW = 10**16

NAMES = st.from_regex(r"[a-z]{1,2}_?[0-9]{1,3}", fullmatch=True) | st.sampled_from(["n", "d", "k"])


@st.composite
def named_expressions(draw: st.DrawFn) -> tuple[sympy.Expr, list[str]]:
    """An expression over 1–3 generated names: products, sums, powers, roots, logs."""
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    symbols = [sympy.Symbol(name, positive=True) for name in names]
    leaves = st.sampled_from(symbols) | st.integers(1, 999).map(sympy.Integer)
    terms = st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda ab: ab[0] * ab[1]),
            st.tuples(inner, inner).map(lambda ab: ab[0] + ab[1]),
            st.tuples(inner, st.integers(2, 12)).map(lambda ab: ab[0] ** ab[1]),
            inner.map(sympy.sqrt),
            st.tuples(st.sampled_from(symbols), st.integers(2, 99)).map(
                lambda ab: sympy.log(ab[0]) / sympy.log(ab[1])
            ),
        ),
        max_leaves=6,
    )
    expr = draw(terms)
    rationals = [r for r in expr.atoms(sympy.Rational) if not r.is_Integer or r != 0]
    assume(all(max(abs(r.p), r.q) < EXACT_DIGITS_BELOW for r in rationals))
    # the grammar refuses n^108 (an answer that large is a typo); no such formula is shown
    assume(all(abs(p.exp) <= MAX_SYMBOLIC_EXPONENT for p in expr.atoms(sympy.Pow)))
    return expr, names


def test_log_bases_eight_and_up_are_printed_as_the_grammar_reads_them() -> None:
    n, d89 = sympy.symbols("n d89", positive=True)
    for expr in (sympy.log(n) / sympy.log(8), sympy.log(d89) / sympy.log(89)):
        shown = render(expr, ["n", "d89"])
        assert parse_formula(shown, ["n", "d89"]) == expr, shown
    assert render(sympy.log(n) / sympy.log(89)) == "log₈₉ n"


def test_a_subscript_base_reads_as_the_typed_base() -> None:
    n = sympy.Symbol("n", positive=True)
    for typed in ("log₈₉ n", "log_89 n", "log_89(n)"):
        assert parse_formula(typed, ["n"]) == sympy.log(n) / sympy.log(89), typed


def test_an_absolute_value_sympy_makes_is_echoed_as_typable_text() -> None:
    """√(log(n)²) is |log n| to sympy: the echo must be text the grammar reads, with a value."""
    expr = parse_formula("sqrt(log(n)^2)", ["n"])
    shown = render(expr, ["n"])
    assert shown == "abs(log n)"
    assert parse_formula(shown, ["n"]) == expr
    assert value(expr, {"n": 1 / 8}) == value(parse_formula("log(8)", []), {})


@settings(max_examples=300, deadline=None)
@given(named_expressions())
def test_render_then_parse_gives_the_same_expression(case: tuple[sympy.Expr, list[str]]) -> None:
    expr, names = case
    shown = render(expr, names)
    try:
        parsed = parse_formula(shown, names)
    except ParseError as err:  # pragma: no cover - the failure hypothesis reports
        raise AssertionError(f"{shown!r} (from {expr}) cannot be typed back: {err}") from None
    # a typed decimal (n^6.5) is a sympy Float; it is the printed fraction exactly
    exact = sympy.nsimplify(parsed, rational=True)
    assert exact == expr or sympy.simplify(exact - expr) == 0, (shown, expr, parsed)


def test_every_cost_model_step_reads_back_as_its_value() -> None:
    """The formula column of `quizapp calc` (and of derivations): each one, typed back with
    the operation's parameters, has the value printed beside it."""
    from engine.costs import ELEMENT_BYTES, OPS, compute
    from engine.units import dtype_bytes

    for name, op in OPS.items():
        cost = compute(name)
        values = {**cost.params, ELEMENT_BYTES.name: dtype_bytes(cost.dtype)}
        for step in cost.steps:
            typed = parse_formula(step.expr, [*op.param_names, ELEMENT_BYTES.name])
            shown = float(value(typed, values))
            if step.value == math.inf:
                # A threshold never reached (decode's crossover batch at 4096 tokens of
                # cache): the formula typed back says so by a sign that is not positive.
                assert shown <= 0, (name, step.expr)
                continue
            assert shown == pytest.approx(step.value, rel=1e-9), (name, step.expr)
