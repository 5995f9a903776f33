"""Timing a kernel so that the number reflects its work, on a busy machine too.

Three things make a naive timing lie on a shared 2-core machine, and each has a remedy here:

- BLAS thread wake-ups and fights for the cores swamp small calls: the measurement pins
  the BLAS pool to one thread (`pinned_blas`, threadpoolctl), so every kernel runs in the
  measuring thread.
- Other programs preempt the call, and wall-clock time grows with their load, not with the
  work: each sample records the measuring thread's CPU time beside the wall time. With one
  BLAS thread that CPU time is the work; the ratio wall/CPU says how much was lost to others.
- Noise: each point is repeated until its three fastest samples agree (or its budget is
  spent) and the minimum is kept, the `timeit` convention — noise only ever adds time.

The clock is injected (`Clock`), so the logic is tested with fake clocks, never real time.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

Operation = Callable[[], object]
Cancel = threading.Event | Callable[[], bool] | None

#: A sample shorter than this is repeated in a loop (inner calls) so that the timer's
#: resolution and the call's dispatch overhead stay below ~1 % of it.
MIN_SAMPLE_SECONDS = 1e-3
#: A point is settled when its three fastest samples lie within this fraction of each other
#: (5 %: on a busy machine the CPU time of a call still varies by a few per cent).
SETTLED_SPREAD = 0.05
MIN_SAMPLES = 3
MAX_SAMPLES = 60


class Clock(Protocol):
    """Where time comes from: wall seconds, and CPU seconds of the measuring thread."""

    def wall(self) -> float: ...

    def cpu(self) -> float: ...


class SystemClock:
    """perf_counter for wall time, thread_time for the calling thread's CPU time."""

    def wall(self) -> float:
        return time.perf_counter()

    def cpu(self) -> float:
        return time.thread_time()


@dataclass(frozen=True)
class Measurement:
    """One point's timing: the fastest sample, per call.

    `cpu_seconds` is the CPU time of the measuring thread in its fastest sample (by CPU
    time), `seconds` the fastest wall time; `spread` is how far the third-fastest CPU sample
    lies above the fastest (relative), and `settled` whether that is within SETTLED_SPREAD.
    """

    seconds: float
    cpu_seconds: float
    spread: float
    samples: int
    inner: int
    settled: bool


def is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def measure(
    op: Operation,
    *,
    budget: float,
    clock: Clock | None = None,
    cancel: Cancel = None,
) -> Measurement | None:
    """Time `op` after one warm-up call: samples until settled or `budget` wall seconds.

    Returns None when cancelled before the point was complete: a point cut short is never
    reported (a half-measured point is how a cancelled run once showed n^-1.47).
    """
    clock = clock or SystemClock()
    w0, c0 = clock.wall(), clock.cpu()
    op()
    first = max(clock.cpu() - c0, clock.wall() - w0, 1e-9)
    inner = 1 if first >= MIN_SAMPLE_SECONDS else math.ceil(MIN_SAMPLE_SECONDS / first)
    walls: list[float] = []
    cpus: list[float] = []
    start = clock.wall()
    while len(cpus) < MAX_SAMPLES:
        if is_cancelled(cancel):
            return None
        w0, c0 = clock.wall(), clock.cpu()
        for _ in range(inner):
            op()
        cpus.append((clock.cpu() - c0) / inner)
        walls.append((clock.wall() - w0) / inner)
        if len(cpus) >= MIN_SAMPLES and (
            _spread(cpus) <= SETTLED_SPREAD or clock.wall() - start >= budget
        ):
            break
    spread = _spread(cpus)
    return Measurement(
        seconds=min(walls),
        cpu_seconds=min(cpus),
        spread=spread,
        samples=len(cpus),
        inner=inner,
        settled=spread <= SETTLED_SPREAD,
    )


def _spread(samples: list[float]) -> float:
    """(third fastest − fastest) / fastest: how well the minimum is pinned down."""
    best = sorted(samples)[:MIN_SAMPLES]
    return (best[-1] - best[0]) / best[0] if best[0] > 0 else math.inf


# --------------------------------------------------------------------------- machine


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float | None:
    """The 1-minute load average (runnable processes), or None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


#: BLAS threads while a demo measures: one, so the kernel runs in the measuring thread
#: (its CPU time is then the whole work) and no thread waits for a busy core.
MEASURE_BLAS_THREADS = 1


_PIN_LOCK = threading.Lock()
_pin_depth = 0
_pin_limiter: object | None = None


@contextmanager
def pinned_blas(threads: int = MEASURE_BLAS_THREADS) -> Iterator[int | None]:
    """Limit every BLAS library numpy loaded to `threads` threads for the block.

    Yields the thread count in force inside the block (None when threadpoolctl finds no
    BLAS to control, e.g. a numpy without one). The limit is process-wide, so overlapping
    blocks (a cancelled demo still finishing while the next starts) share one limit, and
    the first block's entry state is restored when the last one leaves.

    Enter the outermost block from the main thread when measuring in a worker thread:
    OpenBLAS (0.3.31) ignores a limit set from another thread once the main thread has set
    one, so a worker's own block would run on every core (the TUI's demo screen does this).
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    global _pin_depth, _pin_limiter
    with _PIN_LOCK:
        if _pin_depth == 0:
            _pin_limiter = threadpool_limits(limits=threads, user_api="blas")
        _pin_depth += 1
        counts = [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    try:
        yield max(counts) if counts else None
    finally:
        with _PIN_LOCK:
            _pin_depth -= 1
            if _pin_depth == 0 and _pin_limiter is not None:
                _pin_limiter.restore_original_limits()  # type: ignore[attr-defined]
                _pin_limiter = None
