"""Fake clocks for timing tests: time that moves only when a fake operation says so."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine import demos as D


class FakeClock:
    """Wall and CPU time that move only when a fake operation says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu_now = 0.0

    def wall(self) -> float:
        return self.now

    def cpu(self) -> float:
        return self.cpu_now

    def run(self, cpu: float, wall_factor: float = 1.0) -> None:
        """A call that needs `cpu` seconds of work and, on a busy machine, takes
        `wall_factor` times as long on the wall clock."""
        self.cpu_now += cpu
        self.now += cpu * wall_factor


def fake_demo(
    clock: FakeClock,
    seconds: Callable[[int], float],
    *,
    predicted: float = 2.0,
    noise: Callable[[], float] = lambda: 1.0,
    wall_factor: Callable[[int], float] = lambda x: 1.0,
    setup_seconds: float = 0.0,
    op: str = "matmul",
    cost_params: Callable[[dict[str, int]], dict[str, float]] | None = None,
    ranges: tuple[int, int] = (8, 8192),
) -> D.Demo:
    """A demo whose call costs seconds(x)·noise() of CPU time on the fake clock.

    By default its cost model is a matmul whose FLOPs grow as x^predicted (m = x^p, k = n = 1
    for integer p), so the model's leading term dominates everywhere.
    """

    def setup(params: dict[str, int], rng: np.random.Generator) -> Callable[[], object]:
        clock.run(setup_seconds)  # building inputs takes time that must not be counted
        x = params["x"]
        return lambda: clock.run(seconds(x) * noise(), wall_factor(x))

    p = int(predicted)
    return D.Demo(
        name="fake",
        title="fake",
        kernel="a fake clock",
        vary="x",
        ranges={"x": ranges},
        fixed={"x": ranges[0]},
        predicted={"x": predicted},
        op=op,
        cost_params=cost_params or (lambda q: {"m": q["x"] ** p if p else 1, "k": 1, "n": 1}),
        setup=setup,
    )


def with_fake_memory(
    demo: D.Demo, peak: Callable[[int], float], predicted: float = 1.0
) -> tuple[D.Demo, Callable[[Callable[[], object]], int]]:
    """`demo` with a predicted memory exponent, and a peak-memory measurer for run_demo
    that reports peak(x) bytes for the size the last operation was built for."""
    from dataclasses import replace

    sizes: list[int] = []

    def setup(params: dict[str, int], rng: np.random.Generator) -> Callable[[], object]:
        sizes.append(params["x"])
        return demo.setup(params, rng)

    faked = replace(demo, setup=setup, memory_predicted={"x": predicted})
    return faked, lambda op: round(peak(sizes[-1]))
