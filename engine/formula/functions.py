"""The function table: every function a formula may call, declared once.

Each entry says how it is typed (its names and number of arguments), which sympy
object it builds, how its value is computed exactly (through `engine.formula.exact`,
with domain and size checks) and how it is printed. The grammar, the evaluator and the
printer all read this table, so adding a function is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy

from engine.formula import exact
from engine.formula.errors import MathDomainError
from engine.formula.exact import Exact


@dataclass(frozen=True)
class Function:
    """One callable name: its arities, its sympy form, its value and its printed name."""

    name: str
    arities: tuple[int, ...]
    build: Callable[..., sympy.Expr]
    value: Callable[..., Exact]
    printed: str


def _log_build(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


def _log_value(x: Exact, base: Exact | None = None) -> Exact:
    if base is None:
        return exact.log(x)
    if base <= 1:
        raise MathDomainError("a logarithm base must be a number above 1")
    return exact.log(x) / exact.log(base)


def _fixed_log(base: int) -> Function:
    name = {2: "log2", 10: "log10"}[base]
    return Function(
        name,
        (1,),
        lambda x: sympy.log(x, sympy.Integer(base)),
        lambda x: exact.log(x) / exact.log(base),
        "log",
    )


def _sqrt_value(x: Exact) -> Exact:
    if x < 0:
        raise MathDomainError("square root of a negative number")
    return exact.power(x, exact.Fraction(1, 2))


def _abs_value(x: Exact) -> Exact:
    return -x if x < 0 else x


def _extreme(pick: Callable[[Sequence[Exact]], Exact]) -> Callable[..., Exact]:
    return lambda *xs: pick(xs)


_TABLE = [
    Function("log", (1, 2), _log_build, _log_value, "log"),
    Function("ln", (1,), sympy.log, exact.log, "log"),
    Function("lg", (1,), lambda x: sympy.log(x, sympy.Integer(2)), _fixed_log(2).value, "log"),
    _fixed_log(2),
    _fixed_log(10),
    Function("sqrt", (1,), sympy.sqrt, _sqrt_value, "√"),
    Function("exp", (1,), sympy.exp, exact.exp, "exp"),
    Function("factorial", (1,), sympy.factorial, exact.factorial, "!"),
    Function("min", (2,), sympy.Min, _extreme(min), "min"),
    Function("max", (2,), sympy.Max, _extreme(max), "max"),
    Function("ceil", (1,), sympy.ceiling, exact.ceil, "ceil"),
    # sympy writes √(x²) as Abs(x) when x may be negative (√(log(n)²)): it must print as
    # something a learner can type back, and evaluate.
    Function("abs", (1,), sympy.Abs, _abs_value, "abs"),
    Function("floor", (1,), sympy.floor, exact.floor, "floor"),
]

#: Typed name -> function.
FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}
#: Names a formula may call.
FUNCTION_NAMES = frozenset(FUNCTIONS)

#: sympy node type -> how its value is computed from its arguments' values.
VALUE_OF_NODE: dict[type, Callable[..., Exact]] = {
    sympy.log: exact.log,
    sympy.exp: exact.exp,
    sympy.factorial: exact.factorial,
    sympy.Min: _extreme(min),
    sympy.Max: _extreme(max),
    sympy.ceiling: exact.ceil,
    sympy.floor: exact.floor,
    sympy.Abs: _abs_value,
}
#: sympy node type -> its printed name (functions written name(args)).
PRINTED_NAME: dict[type, str] = {
    sympy.Min: "min",
    sympy.Max: "max",
    sympy.ceiling: "ceil",
    sympy.floor: "floor",
    sympy.Abs: "abs",
}
