"""Timing demos: sweep one parameter, time a kernel, fit the log–log slope, compare with theory.

A demo answers "how does the cost grow?" by measurement. Inputs are built outside the
timed region (timing `np.random` instead of the operation is the classic mistake), each
point is warmed up and repeated until a minimum measuring time and the median is kept,
peak memory is measured with tracemalloc in a separate call (tracing slows Python code),
and the slope is fitted only on points where the operation dominates call overhead.
FLOP counts come from the cost model (engine.costs), the one source of truth.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import kernels as K

Params = dict[str, int]
Operation = Callable[[], object]

#: Points faster than this are mostly call overhead; they are shown but not fitted.
MIN_FIT_SECONDS = 50e-6
#: Memory peaks below this are allocator noise; they are shown but not fitted.
MIN_FIT_BYTES = 256 * 1024


@dataclass(frozen=True)
class Demo:
    """A timing experiment: what to run, what to vary, and what theory predicts.

    `ranges` gives the default sweep (start, stop) for every parameter that may be varied
    and `predicted` the time exponent expected for it (`memory_predicted` the memory one,
    where it matters). `cost_params` maps the demo's parameters to the cost model `op`'s;
    `flops_factor` multiplies its FLOPs (e.g. a batch the model does not know about).
    `setup(params, rng)` builds the inputs and returns the zero-argument operation to time.
    """

    name: str
    title: str
    kernel: str
    vary: str
    ranges: Mapping[str, tuple[int, int]]
    fixed: Mapping[str, int]
    predicted: Mapping[str, float]
    op: str
    cost_params: Callable[[Params], dict[str, float]]
    setup: Callable[[Params, np.random.Generator], Operation]
    memory_predicted: Mapping[str, float] = field(default_factory=dict)
    flops_factor: Callable[[Params], float] = lambda p: 1.0
    step: float = math.sqrt(2)  # ratio between successive values of the swept parameter
    powers_of_two: bool = False  # only powers of two (e.g. heads dividing d)
    note: str = ""

    @property
    def variables(self) -> list[str]:
        return list(self.ranges)

    def params(self, vary: str, value: int) -> Params:
        return {**dict(self.fixed), vary: int(value)}


@dataclass
class Point:
    value: int
    seconds: float
    gflops: float | None
    peak_bytes: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "seconds": self.seconds,
            "gflops": self.gflops,
            "peak_bytes": self.peak_bytes,
        }


@dataclass
class DemoResult:
    demo: str
    vary: str
    points: list[Point] = field(default_factory=list)
    slope: float | None = None
    predicted_slope: float | None = None
    r2: float | None = None
    intercept: float | None = None
    memory_slope: float | None = None
    memory_predicted_slope: float | None = None
    fitted_values: list[int] = field(default_factory=list)
    cancelled: bool = False
    elapsed: float = 0.0
    params: Params = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "demo": self.demo,
            "vary": self.vary,
            "points": [p.to_json() for p in self.points],
            "slope": self.slope,
            "predicted_slope": self.predicted_slope,
            "r2": self.r2,
            "memory_slope": self.memory_slope,
            "memory_predicted_slope": self.memory_predicted_slope,
            "cancelled": self.cancelled,
        }


class DemoError(ValueError):
    """An unknown demo or parameter; the message lists the valid choices."""


# --------------------------------------------------------------------------- fitting


def fit_loglog(
    xs: list[float] | np.ndarray, ys: list[float] | np.ndarray
) -> tuple[float, float, float]:
    """Least-squares line through (log x, log y): (slope, intercept, R²).

    The slope is the measured exponent p in y ∝ x^p; the intercept is log y at x = 1
    (natural logs). Needs at least two distinct positive x values.
    """
    x = np.log(np.asarray(xs, dtype=float))
    y = np.log(np.asarray(ys, dtype=float))
    if x.size != y.size or x.size < 2 or np.ptp(x) == 0:
        raise ValueError("fit_loglog needs at least two points with distinct x")
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    return float(slope), float(intercept), r2


# --------------------------------------------------------------------------- registry


def _normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def _setup_attention(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.attention(q, k, v)


def _setup_flash(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.flash_attention(q, k, v)


def _setup_matmul(p: Params, rng: np.random.Generator) -> Operation:
    a, b = _normal(rng, p["m"], p["k"]), _normal(rng, p["k"], p["n"])
    return lambda: K.matmul(a, b)


def _setup_matmul_loops(p: Params, rng: np.random.Generator) -> Operation:
    a, b = _normal(rng, p["n"], p["n"]), _normal(rng, p["n"], p["n"])
    return lambda: K.matmul_loops(a, b)


def _setup_softmax(p: Params, rng: np.random.Generator) -> Operation:
    x = _normal(rng, p["n"], p["n"])
    return lambda: K.softmax(x)


def _setup_mha(p: Params, rng: np.random.Generator) -> Operation:
    n, d = p["n"], p["d"]
    x = _normal(rng, n, d)
    wq, wk, wv, wo = (_normal(rng, d, d) / np.float32(math.sqrt(d)) for _ in range(4))
    return lambda: K.multihead_attention(x, wq, wk, wv, wo, p["h"])


def _setup_restricted(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.restricted_attention(q, k, v, p["r"])


def _setup_rnn(p: Params, rng: np.random.Generator) -> Operation:
    b, n, d = p["b"], p["n"], p["d"]
    x = _normal(rng, b, n, d)
    wx, wh = (_normal(rng, d, d) / np.float32(math.sqrt(d)) for _ in range(2))
    return lambda: K.rnn_layer(x, wx, wh)


def _setup_conv(p: Params, rng: np.random.Generator) -> Operation:
    x = _normal(rng, p["n"], p["d"])
    w = _normal(rng, p["k"], p["d"], p["d"]) / np.float32(math.sqrt(p["k"] * p["d"]))
    return lambda: K.conv1d_layer(x, w)


def _setup_linear(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.linear_attention(q, k, v)


def _sdpa(p: Params) -> dict[str, float]:
    return {"b": 1, "h": 1, "nq": p["n"], "nk": p["n"], "dk": p["d"], "dv": p["d"], "causal": 0}


DEMOS: dict[str, Demo] = {
    d.name: d
    for d in [
        Demo(
            name="attention",
            title="Attention time vs sequence length n (or head size d)",
            kernel="softmax(QKᵀ/√d)·V with the n×n score matrix materialised, float32",
            vary="n",
            ranges={"n": (128, 2896), "d": (32, 1024)},
            fixed={"n": 512, "d": 64},
            predicted={"n": 2.0, "d": 1.0},
            memory_predicted={"n": 2.0},
            op="sdpa",
            cost_params=_sdpa,
            setup=_setup_attention,
            note="vs d the n² softmax does not grow with d, so small d bends the slope below 1",
        ),
        Demo(
            name="matmul",
            title="Matrix multiply time vs one dimension",
            kernel="(m × k)·(k × n) through BLAS sgemm, float32",
            vary="n",
            ranges={"n": (64, 8192), "m": (64, 8192), "k": (64, 8192)},
            fixed={"m": 512, "k": 512, "n": 512},
            predicted={"n": 1.0, "m": 1.0, "k": 1.0},
            op="matmul",
            cost_params=lambda p: {"m": p["m"], "k": p["k"], "n": p["n"]},
            setup=_setup_matmul,
        ),
        Demo(
            name="matmul_loops",
            title="Naive triple-loop matmul time vs n (square)",
            kernel="pure-Python triple loop, n × n times n × n — why BLAS matters",
            vary="n",
            ranges={"n": (8, 64)},
            fixed={"n": 16},
            predicted={"n": 3.0},
            op="matmul",
            cost_params=lambda p: {"m": p["n"], "k": p["n"], "n": p["n"]},
            setup=_setup_matmul_loops,
        ),
        Demo(
            name="softmax",
            title="Softmax time vs n (an n × n matrix, row-wise)",
            kernel="stable softmax over rows, rows = cols = n, float32",
            vary="n",
            ranges={"n": (128, 4096)},
            fixed={"n": 1024},
            predicted={"n": 2.0},
            memory_predicted={"n": 2.0},
            op="softmax",
            cost_params=lambda p: {"rows": p["n"], "cols": p["n"]},
            setup=_setup_softmax,
        ),
        Demo(
            name="attention_memory",
            title="Naive attention: peak memory vs n",
            kernel="attention that materialises the n×n scores, d = 64, float32",
            vary="n",
            ranges={"n": (256, 4096)},
            fixed={"n": 1024, "d": 64},
            predicted={"n": 2.0},
            memory_predicted={"n": 2.0},
            op="sdpa",
            cost_params=_sdpa,
            setup=_setup_attention,
        ),
        Demo(
            name="flash_memory",
            title="Flash attention: peak memory vs n",
            kernel="blocked online-softmax attention (O(n) extra memory), d = 64, float32",
            vary="n",
            ranges={"n": (256, 4096)},
            fixed={"n": 1024, "d": 64},
            predicted={"n": 2.0},
            memory_predicted={"n": 1.0},
            op="sdpa",
            cost_params=_sdpa,
            setup=_setup_flash,
        ),
        Demo(
            name="mha_heads",
            title="Multi-head attention time vs heads h at fixed d",
            kernel="projections + h heads of size d/h via reshape/transpose, n = 512, d = 512",
            vary="h",
            ranges={"h": (1, 64)},
            fixed={"n": 512, "d": 512, "h": 8},
            predicted={"h": 0.0},
            op="mha",
            cost_params=lambda p: {"b": 1, "n": p["n"], "d": p["d"], "h": p["h"]},
            setup=_setup_mha,
            step=2.0,
            powers_of_two=True,
            note="FLOPs do not depend on h; score memory (h·n²) does",
        ),
        Demo(
            name="restricted",
            title="Restricted attention time vs n at fixed window r",
            kernel="each query attends to r = 32 neighbours, d = 64, float32",
            vary="n",
            ranges={"n": (512, 32768), "r": (4, 256)},
            fixed={"n": 4096, "d": 64, "r": 32},
            predicted={"n": 1.0, "r": 1.0},
            memory_predicted={"n": 1.0},
            op="restricted",
            cost_params=lambda p: {"n": p["n"], "d": p["d"], "r": p["r"]},
            setup=_setup_restricted,
        ),
        Demo(
            name="rnn",
            title="RNN time vs hidden size d",
            kernel="Elman RNN, n = 64 steps, batch b = 32, float32",
            vary="d",
            ranges={"d": (128, 2048), "n": (16, 1024)},
            fixed={"b": 32, "n": 64, "d": 512},
            predicted={"d": 2.0, "n": 1.0},
            op="rnn",
            cost_params=lambda p: {"n": p["n"], "d": p["d"]},
            flops_factor=lambda p: p["b"],
            setup=_setup_rnn,
        ),
        Demo(
            name="conv",
            title="1-D convolution time vs kernel width k",
            kernel="length-keeping conv, n = 1024, d = 128 channels, float32",
            vary="k",
            ranges={"k": (2, 64), "n": (256, 16384), "d": (32, 512)},
            fixed={"n": 1024, "d": 128, "k": 3},
            predicted={"k": 1.0, "n": 1.0, "d": 2.0},
            op="conv",
            cost_params=lambda p: {"n": p["n"], "d": p["d"], "k": p["k"]},
            setup=_setup_conv,
        ),
        Demo(
            name="linear_attention",
            title="Linear (kernelized) attention time vs n",
            kernel="φ(Q)·(φ(K)ᵀV) with φ = elu + 1, d = 64, float32",
            vary="n",
            ranges={"n": (1024, 65536), "d": (16, 256)},
            fixed={"n": 4096, "d": 64},
            predicted={"n": 1.0, "d": 2.0},
            memory_predicted={"n": 1.0},
            op="linear",
            cost_params=lambda p: {"n": p["n"], "d": p["d"]},
            setup=_setup_linear,
            note="vs d the elementwise φ (n·d) competes with the n·d² matmuls",
        ),
    ]
}


def get_demo(name: str) -> Demo:
    try:
        return DEMOS[name]
    except KeyError:
        raise DemoError(f"unknown demo {name!r}; choose one of: {', '.join(DEMOS)}") from None


def sweep_values(demo: Demo, start: float, stop: float) -> list[int]:
    """Geometric sweep start → stop (inclusive of the ends), as distinct integers."""
    if start <= 0 or stop <= 0:
        raise DemoError(f"sweep ends must be positive, got {start:g} → {stop:g}")
    if stop < start:
        start, stop = stop, start
    if demo.powers_of_two:
        lo, hi = math.ceil(math.log2(start)), math.floor(math.log2(stop))
        if hi < lo:
            raise DemoError(f"no power of two between {start:g} and {stop:g}")
        return [2**e for e in range(lo, hi + 1)]
    count = max(1, round(math.log(stop / start) / math.log(demo.step))) + 1
    raw = np.geomspace(start, stop, count) if stop > start else np.array([start])
    values: list[int] = []
    for x in raw:
        v = max(1, round(float(x)))
        if not values or v > values[-1]:
            values.append(v)
    return values


# --------------------------------------------------------------------------- runner


def _flops(demo: Demo, params: Params) -> float | None:
    """FLOPs of one call from the cost model; None if the model has none to offer."""
    try:
        from engine.costs import compute
    except ImportError:  # pragma: no cover - costs.py is part of the engine
        return None
    try:
        flops = compute(demo.op, demo.cost_params(params)).flops * demo.flops_factor(params)
    except ValueError:
        return None
    return flops if flops > 0 else None


def _is_cancelled(cancel: threading.Event | Callable[[], bool] | None) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def measure_seconds(
    op: Operation,
    min_time: float,
    *,
    repeats: int = 3,
    cancel: threading.Event | Callable[[], bool] | None = None,
) -> float | None:
    """Median seconds per call: one warm-up, then repeats until `min_time` has been spent.

    A repeat runs the operation enough times in a row to last ~min_time/5, so that
    microsecond calls are not swamped by the timer. None if cancelled before any repeat.
    """
    t0 = time.perf_counter()
    op()
    first = time.perf_counter() - t0
    inner = max(1, math.ceil((min_time / 5) / max(first, 1e-9))) if first < min_time / 5 else 1
    samples: list[float] = []
    spent = 0.0
    while len(samples) < repeats or spent < min_time:
        if _is_cancelled(cancel):
            break
        t0 = time.perf_counter()
        for _ in range(inner):
            op()
        dt = time.perf_counter() - t0
        samples.append(dt / inner)
        spent += dt
        if len(samples) >= 50:
            break
    return statistics.median(samples) if samples else None


def measure_peak_bytes(op: Operation) -> int:
    """Peak bytes allocated during one call (tracemalloc; numpy reports its buffers)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        op()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - base)


def _refit(result: DemoResult, demo: Demo) -> None:
    pts = result.points
    fit = [p for p in pts if p.seconds >= MIN_FIT_SECONDS]
    if len({p.value for p in fit}) < 2:
        fit = pts
    if len({p.value for p in fit}) >= 2:
        slope, intercept, r2 = fit_loglog([p.value for p in fit], [p.seconds for p in fit])
        result.slope, result.intercept, result.r2 = slope, intercept, r2
        result.fitted_values = [p.value for p in fit]
    mem = [p for p in pts if p.peak_bytes and p.peak_bytes >= MIN_FIT_BYTES]
    if len({p.value for p in mem}) >= 2:
        result.memory_slope = fit_loglog(
            [p.value for p in mem], [float(p.peak_bytes or 0) for p in mem]
        )[0]


def run_demo(
    name: str,
    *,
    vary: str | None = None,
    start: float | None = None,
    stop: float | None = None,
    budget: float = 5.0,
    on_point: Callable[[Point, DemoResult], None] | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    measure_memory: bool = True,
    seed: int = 0,
    demos: Mapping[str, Demo] | None = None,
) -> DemoResult:
    """Sweep demo `name` over `vary` from `start` to `stop` within about `budget` seconds.

    Before each new point the runner predicts its cost from the growth fitted so far (or
    the predicted exponent) and stops rather than overrun the budget; the first point is
    always measured. `cancel` (an Event or a callable) is checked between points and
    between repeats; a cancelled run returns the points so far with cancelled=True.
    `on_point(point, result_so_far)` is called after each point.
    """
    table = DEMOS if demos is None else demos
    if name not in table:
        raise DemoError(f"unknown demo {name!r}; choose one of: {', '.join(table)}")
    demo = table[name]
    vary = vary or demo.vary
    if vary not in demo.ranges:
        raise DemoError(
            f"demo {name!r} cannot vary {vary!r}; choose one of: {', '.join(demo.ranges)}"
        )
    lo, hi = demo.ranges[vary]
    values = sweep_values(demo, lo if start is None else start, hi if stop is None else stop)
    rng = np.random.default_rng(seed)
    result = DemoResult(
        demo=name,
        vary=vary,
        predicted_slope=demo.predicted.get(vary),
        memory_predicted_slope=demo.memory_predicted.get(vary),
        params=dict(demo.fixed),
    )
    min_time = min(0.2, max(0.005, budget / 60))
    _flops(demo, demo.params(vary, values[0]))  # first use imports sympy: not the demo's time
    began = time.perf_counter()
    last: tuple[int, float, float] | None = None  # (value, op seconds, wall seconds of point)
    for value in values:
        if _is_cancelled(cancel):
            result.cancelled = True
            break
        elapsed = time.perf_counter() - began
        if last is not None:
            growth = result.slope if result.slope is not None else result.predicted_slope
            growth = max(0.0, growth if growth is not None else 1.0)
            ratio = (value / last[0]) ** growth
            est_op = last[1] * ratio
            est = max(last[2] * ratio, est_op * (3 + int(measure_memory)), min_time)
            if elapsed + est > budget:
                break
        t_point = time.perf_counter()
        params = demo.params(vary, value)
        op = demo.setup(params, rng)
        seconds = measure_seconds(op, min_time, cancel=cancel)
        if seconds is None:
            result.cancelled = True
            break
        peak = measure_peak_bytes(op) if measure_memory else None
        del op
        flops = _flops(demo, params)
        point = Point(
            value=value,
            seconds=seconds,
            gflops=flops / seconds / 1e9 if flops and seconds > 0 else None,
            peak_bytes=peak,
        )
        result.points.append(point)
        last = (value, seconds, time.perf_counter() - t_point)
        _refit(result, demo)
        result.elapsed = time.perf_counter() - began
        if on_point is not None:
            on_point(point, result)
    result.elapsed = time.perf_counter() - began
    return result
