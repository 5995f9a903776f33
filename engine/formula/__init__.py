"""The formula core: one grammar, one function table, one evaluator, one printer.

Draws (`engine.problems`), answer checks (`engine.answers`), cost models
(`engine.costs`) and derivations all read formulas through this package:

- `grammar`: the whitelist tokenizer and parser (text -> sympy objects, never eval);
- `functions`: the table of callable functions (names, arities, values, printing);
- `exact`: guarded exact arithmetic (int/Fraction, floats once irrational);
- `evaluate`: the value of a parsed formula, polled against a `budget`;
- `printing`: `render` (sympy -> n²·d) and `spell` (as written, with numbers in).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from engine.formula.budget import CHECK_BUDGET, ECHO_BUDGET, UNLIMITED, Budget
from engine.formula.errors import MathDomainError, OutOfTime, ParseError
from engine.formula.evaluate import evaluate
from engine.formula.exact import Exact, Num, number, values_of
from engine.formula.grammar import make_symbols, parse_formula, parse_growth, parse_node
from engine.formula.printing import number_text, render, spell

__all__ = [
    "CHECK_BUDGET",
    "ECHO_BUDGET",
    "UNLIMITED",
    "Budget",
    "Exact",
    "MathDomainError",
    "Num",
    "OutOfTime",
    "ParseError",
    "evaluate",
    "evaluate_formula",
    "make_symbols",
    "number",
    "number_text",
    "parse_formula",
    "parse_growth",
    "parse_node",
    "render",
    "spell",
    "value",
]


def value(expr: sympy.Basic, values: Mapping[str, Num], budget: Budget = UNLIMITED) -> Num:
    """`expr` evaluated with `values`: an int when exact and whole, else a float."""
    return number(evaluate(expr, values_of(values), budget))


def evaluate_formula(
    text: str | float | int, params: Mapping[str, Num], budget: Budget = UNLIMITED
) -> Num:
    """The value of a formula text with every variable set from `params`."""
    if isinstance(text, bool):
        raise ParseError("a formula must be text or a number")
    if isinstance(text, int | float):
        return text
    return value(parse_formula(text, params.keys(), budget), params, budget)
