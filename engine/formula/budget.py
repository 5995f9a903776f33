"""A cooperative wall-clock budget, polled inside every loop of the core that can grow.

sympy calls cannot be interrupted from outside, so the core only makes bounded calls
(magnitude guards keep every exact number small) and polls the budget between them:
the parser per token and node, the evaluator per node, the growth-rate reducer per
term. Running out raises OutOfTime, which a checker turns into "could not decide".
"""

from __future__ import annotations

import time

from engine.formula.errors import OutOfTime

#: Budget for one check, in seconds; the worst case stays well under 1 s wall-clock.
CHECK_BUDGET = 0.6
#: Budget for the live echo while typing: shorter, since a newer keystroke replaces it.
ECHO_BUDGET = 0.3


class Budget:
    """Seconds left for one piece of work; `check()` raises OutOfTime when spent."""

    def __init__(self, seconds: float = CHECK_BUDGET) -> None:
        self.end = time.perf_counter() + seconds

    def check(self) -> None:
        if time.perf_counter() > self.end:
            raise OutOfTime("ran out of time")

    @property
    def left(self) -> float:
        return self.end - time.perf_counter()


class _Unlimited(Budget):
    """For trusted callers (cost models): never runs out, costs one call per poll."""

    def __init__(self) -> None:
        self.end = float("inf")

    def check(self) -> None:
        return None


UNLIMITED: Budget = _Unlimited()
