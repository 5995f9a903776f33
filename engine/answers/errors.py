"""Errors the checker raises, kept apart so every module can share them without cycles."""

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


class SpecError(ValueError):
    """An `answer:` spec in a pack that cannot be graded (the pack author's mistake)."""


class Undecided(Exception):
    """The check ran past its time budget or met a form it cannot compare."""
