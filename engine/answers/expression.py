"""Symbolic answers such as `4*b*n^2*d`: equivalence, and what is off when not equivalent.

Exact symbolic comparison is tried only when it is cheap (a small expansion);
otherwise both sides are evaluated at seeded random points by the formula core, which is
fast, bounded, and for these cost formulas as good as a proof in practice.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

import sympy

from engine.answers.errors import MathDomainError, ParseError, SpecError, Undecided
from engine.answers.verdict import Verdict, invalid
from engine.formula import Budget, evaluate, number_text, parse_formula, render

_POINTS = 7
_REL = 1e-12


def expression_variables(spec: Mapping) -> list[str]:
    variables = spec.get("variables")
    if variables is None:
        raise SpecError("an expression answer needs `variables`")
    if isinstance(variables, str):
        variables = [v.strip() for v in variables.replace(",", " ").split()]
    if not isinstance(variables, Sequence) or not all(isinstance(v, str) for v in variables):
        raise SpecError("`variables` must be a list of names")
    return list(variables)


#: The count a cost formula gives, typed after it: "2·n²·d FLOPs", "4·L·d bytes".
_UNIT_TAIL = re.compile(
    r"(?P<formula>.*\S)\s+(?P<unit>FLOPs?|FLOPS|flops?|MACs?|bytes?|elements|params|parameters"
    r"|tokens)\.?"
)


def _parse_response(response: str, variables: list[str], budget: Budget) -> tuple[sympy.Expr, str]:
    """The formula typed, and the unit word after it if any (never one of the variables)."""
    try:
        return parse_formula(response, variables, budget), ""
    except ParseError:
        tail = _UNIT_TAIL.fullmatch(response.strip())
        if tail is None or tail.group("unit") in variables:
            raise
        try:
            return parse_formula(tail.group("formula"), variables, budget), tail.group("unit")
        except ParseError:
            pass
        raise


def _expected(value: object, variables: list[str], params: Mapping[str, float]) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError("an expression answer needs a formula in `value`")
    names = [*variables, *(p for p in params if p not in variables)]
    try:
        expr = parse_formula(str(value), names)
    except ParseError as err:
        raise SpecError(f"cannot read `value` {value!r}: {err.message}") from None
    fixed = {
        sympy.Symbol(p, positive=True): sympy.Rational(str(v))
        for p, v in params.items()
        if p not in variables
    }
    return expr.xreplace(fixed) if fixed else expr


def _sample_points(variables: list[str], integer: bool, seed: int = 20240917) -> list[dict]:
    rng = random.Random(seed)
    points = []
    for i in range(_POINTS):
        if integer or i % 2 == 0:
            points.append({v: float(rng.randint(3, 40)) for v in variables})
        else:
            points.append({v: rng.uniform(2.5, 40.0) for v in variables})
    return points


def _values(expr: sympy.Expr, points: list[dict], deadline: Budget) -> list[float | None]:
    out: list[float | None] = []
    for p in points:
        try:
            out.append(float(evaluate(expr, p, deadline)))
        except (MathDomainError, ValueError, OverflowError, ZeroDivisionError):
            out.append(None)
    return out


def _cheap_exact_equal(a: sympy.Expr, b: sympy.Expr) -> bool | None:
    """expand(a − b) == 0 for small polynomial-like inputs; None when not cheap to decide."""
    if a == b:
        return True
    if sympy.count_ops(a) + sympy.count_ops(b) > 40:
        return None
    for e in (a, b):
        for p in e.atoms(sympy.Pow):
            if not (p.exp.is_Integer and abs(p.exp) <= 8):
                return None
    diff = sympy.expand(a - b)
    return True if diff == 0 else None


def _same(xs: list, ys: list) -> bool | None:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
    if len(pairs) < 3:
        return None
    return all(abs(x - y) <= _REL * max(abs(x), abs(y), 1e-30) for x, y in pairs)


def _constant(seq: list) -> float | None:
    vals = [v for v in seq if v is not None]
    if len(vals) < 3:
        return None
    first = vals[0]
    if all(abs(v - first) <= 1e-9 * max(abs(first), 1) for v in vals):
        return first
    return None


def _diagnose(
    resp: list, exp: list, points: list[dict], variables: list[str], order: list[str]
) -> str:
    ratios = [
        r / e if r is not None and e is not None and e != 0 else None
        for r, e in zip(resp, exp, strict=True)
    ]
    c = _constant(ratios)
    if c is not None:
        return f"off by a constant factor of {_factor_text(c)}"
    diffs = [
        r - e if r is not None and e is not None else None for r, e in zip(resp, exp, strict=True)
    ]
    c = _constant(diffs)
    if c is not None:
        sign = "+" if c > 0 else "−"
        return f"off by an additive constant ({sign}{number_text(float(abs(c)))})"
    for v in variables:
        for k in (1, -1, 2, -2):
            scaled = [
                r / float(p[v]) ** k if r is not None else None
                for r, p in zip(ratios, points, strict=True)
            ]
            c = _constant(scaled)
            if c is not None:
                factor = v if abs(k) == 1 else f"{v}²"
                coef = "" if abs(c - 1) < 1e-9 else f" (and a constant factor {_factor_text(c)})"
                if k > 0:
                    return f"extra factor of {factor}{coef}"
                return f"missing a factor of {factor}{coef}"
    return "not equivalent to the expected expression"


def _factor_text(c: float) -> str:
    x = float(c)
    frac = sympy.Rational(x).limit_denominator(100)
    if abs(float(frac) - x) < 1e-9 * max(1, abs(x)):
        return str(frac)
    return f"{x:.4g}"


def check_expression(
    spec: Mapping,
    response: str,
    params: Mapping[str, float],
    mistakes: Sequence[Mapping],
    deadline: Budget,
) -> Verdict:
    variables = expression_variables(spec)
    expected = _expected(spec.get("value"), variables, params)
    shown = render(expected, variables)
    try:
        got, unit = _parse_response(response, variables, deadline)
    except MathDomainError as err:
        return invalid(f"That expression is undefined: {err.message}.")
    except ParseError as err:
        where = "" if err.position is None else f" (at character {err.position + 1})"
        return invalid(f"Could not read that expression: {err.message}{where}.")
    parsed = f"{render(got, variables)} {unit}".rstrip()
    deadline.check()
    if _cheap_exact_equal(got, expected):
        return Verdict(True, 1.0, "Correct.", None, parsed)
    deadline.check()
    has_factorial = any(e.atoms(sympy.factorial) for e in (got, expected))
    points = _sample_points(variables, integer=has_factorial)
    exp_vals = _values(expected, points, deadline)
    resp_vals = _values(got, points, deadline)
    same = _same(resp_vals, exp_vals)
    if same is None:
        raise Undecided("too few points where both sides are defined")
    if same:
        return Verdict(True, 1.0, "Correct.", None, parsed)
    for m in mistakes:
        text = m.get("expression", m.get("value"))
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            continue
        try:
            wrong = _expected(text, variables, params)
        except SpecError:
            continue
        if _same(resp_vals, _values(wrong, points, deadline)):
            fb = str(m.get("feedback", "")).strip() or "a classic mistake"
            return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", fb, parsed)
    diagnosis = _diagnose(resp_vals, exp_vals, points, variables, variables)
    return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", diagnosis, parsed)


def expected_expression_text(spec: Mapping, params: Mapping[str, float]) -> str:
    variables = expression_variables(spec)
    return render(_expected(spec.get("value"), variables, params), variables)


def interpret_expression(spec: Mapping, response: str, budget: Budget) -> str:
    variables = expression_variables(spec)
    try:
        got, unit = _parse_response(response, variables, budget)
        return f"{render(got, variables)} {unit}".rstrip()
    except ParseError as err:
        return f"? {err.message}"
