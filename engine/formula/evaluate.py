"""Walk a parsed formula and compute its value exactly (no code generation, no sympy maths).

The one evaluator behind draws (`engine.problems`), answer checks (`engine.answers`)
and cost models (`engine.costs`): integers and fractions stay exact, irrational parts
are floats, every intermediate result passes the magnitude guards of
`engine.formula.exact`, and the budget is polled at every node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import sympy

from engine.formula import exact
from engine.formula.budget import UNLIMITED, Budget
from engine.formula.errors import MathDomainError
from engine.formula.exact import Exact
from engine.formula.functions import VALUE_OF_NODE


def evaluate(expr: sympy.Basic, values: Mapping[str, Exact], budget: Budget = UNLIMITED) -> Exact:
    """The value of `expr` with each symbol taken from `values` (by name).

    Raises MathDomainError (undefined, or a symbol without a value), ParseError for a
    value beyond the size limits, OutOfTime when the budget runs out.
    """
    budget.check()
    if expr.is_Symbol:
        try:
            return values[expr.name]
        except KeyError:
            raise MathDomainError(f"no value for {expr.name}") from None
    if expr.is_Integer:
        return exact.guard(int(expr))
    if expr.is_Rational:
        return exact.guard(exact.Fraction(int(expr.p), int(expr.q)))
    if expr.is_Float:
        return exact.guard(float(expr))
    if expr is sympy.pi:
        return math.pi
    if expr is sympy.E:
        return math.e
    if expr.is_Add:
        total: Exact = 0
        for a in expr.args:
            total = exact.add(total, evaluate(a, values, budget))
        return total
    if expr.is_Mul:
        product: Exact = 1
        for a in expr.args:
            product = exact.mul(product, evaluate(a, values, budget))
        return product
    if expr.is_Pow:
        base = evaluate(expr.args[0], values, budget)
        return exact.power(base, evaluate(expr.args[1], values, budget))
    args = expr.args
    for node_type, value in VALUE_OF_NODE.items():
        if isinstance(expr, node_type):
            return value(*(evaluate(a, values, budget) for a in args))
    if expr.is_Number:  # zoo, nan, oo
        raise MathDomainError("the value is undefined")
    raise MathDomainError(f"cannot evaluate {type(expr).__name__}")
