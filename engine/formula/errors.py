"""Errors of the formula core, shared by the grammar, the evaluator and every caller.

`ParseError` carries the 0-based character position so a UI can point at the culprit;
`MathDomainError` is well-formed text whose value is undefined; `OutOfTime` is the
cooperative time budget running out (callers turn it into "could not decide").
"""

from __future__ import annotations


class ParseError(ValueError):
    """Text that could not be understood, with where it went wrong.

    `position` is a 0-based character index into the text (or None), so the UI can
    point a caret at the culprit instead of showing a traceback.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at character {position})")
        self.message = message
        self.position = position


class MathDomainError(ParseError):
    """Well-formed text whose value is undefined (1/0, log of 0, sqrt of a negative)."""


class OutOfTime(Exception):
    """The time budget of one parse, evaluation or check ran out."""
