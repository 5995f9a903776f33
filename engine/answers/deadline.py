"""A wall-clock budget for one check, polled between steps.

sympy calls cannot be interrupted from outside, so the checker only calls bounded
operations and polls the deadline between them; running out yields a "could not
decide" verdict rather than a hang.
"""

from __future__ import annotations

import time

from engine.answers.errors import Undecided

#: Budget for one check, in seconds; the worst case stays under 1 s wall-clock.
CHECK_BUDGET = 0.6


class Deadline:
    def __init__(self, seconds: float = CHECK_BUDGET) -> None:
        self.end = time.perf_counter() + seconds

    def check(self) -> None:
        if time.perf_counter() > self.end:
            raise Undecided("ran out of time")

    @property
    def left(self) -> float:
        return self.end - time.perf_counter()
