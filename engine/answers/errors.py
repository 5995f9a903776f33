"""Errors the checker raises, kept apart so every module can share them without cycles.

`ParseError` (and its `MathDomainError`) belong to the formula core and are re-exported
here, so `engine.answers.ParseError` is the same class the grammar raises.
"""

from __future__ import annotations

from engine.formula.errors import MathDomainError, OutOfTime, ParseError

__all__ = ["MathDomainError", "OutOfTime", "ParseError", "SpecError", "Undecided"]


class SpecError(ValueError):
    """An `answer:` spec in a pack that cannot be graded (the pack author's mistake)."""


class Undecided(Exception):
    """The check met a form it cannot compare (running out of time is OutOfTime)."""
