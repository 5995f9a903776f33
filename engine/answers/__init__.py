"""Answer checking: the one place that decides whether a typed answer is right.

`check(spec, response, params)` grades a response against a pack's `answer:` spec
and returns a `Verdict` with feedback a learner reads, a diagnosis of what is off,
and an echo of how the response was understood. Responses and pack formulas are
untrusted: they go through a whitelist parser (never eval, never sympy's string
parser), and every check is bounded in time.
"""

from __future__ import annotations

from engine.answers.check import check, expected_text, interpret
from engine.answers.errors import ParseError, SpecError
from engine.answers.verdict import SELF_GRADES, Verdict, self_grade
from engine.formula import evaluate_formula, parse_formula

__all__ = [
    "SELF_GRADES",
    "ParseError",
    "SpecError",
    "Verdict",
    "check",
    "evaluate_formula",
    "expected_text",
    "interpret",
    "parse_formula",
    "self_grade",
]
