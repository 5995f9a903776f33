"""Timing demos: sweep one parameter, time a kernel, fit the log–log slope, compare with theory.

A demo answers "how does the cost grow?" by measurement, and says when its answer cannot
be trusted. Inputs are built outside the timed region (timing `np.random` instead of the
operation is the classic mistake). The sweep starts where a quick probe finds calls of at
least a millisecond, so overhead does not flatten the small sizes; BLAS is pinned to one
thread and each point is timed by engine.timing (fastest of repeats, in the measuring
thread's CPU time, which other programs cannot inflate). The slope is fitted on points
above the overhead floor where the cost model's leading term dominates, and engine.fitting
judges whether it is reliable. Peak memory is measured with tracemalloc in a separate call.
FLOP counts and the predicted growth come from the cost model (engine.costs).
"""

from __future__ import annotations

import functools
import math
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import kernels as K
from engine.fitting import (
    LEADING_TOLERANCE,
    MIN_FIT_POINTS,
    MIN_FIT_SECONDS,
    Conditions,
    Fit,
    Verdict,
    assess,
    assess_memory,
    fit_loglog,
    power_law_start,
)
from engine.timing import (
    Cancel,
    Clock,
    Operation,
    SystemClock,
    cpu_count,
    is_cancelled,
    load_average,
    measure,
    pinned_blas,
)

Params = dict[str, int]

#: Share of the budget the start-size probe may spend.
PROBE_SHARE = 0.15


@dataclass(frozen=True)
class Demo:
    """A timing experiment: what to run, what to vary, and what theory predicts.

    `ranges` gives the default sweep (start, stop) for every parameter that may be varied
    and `predicted` the time exponent expected for it (`memory_predicted` the memory one,
    where it matters). `cost_params` maps the demo's parameters to the cost model `op`'s,
    every one that changes the work (a batch too: a demo never scales a model's figures
    itself); `growth_quantity` names the model's quantity that grows as `predicted` says.
    `setup(params, rng)` builds the inputs and returns the zero-argument operation to time.
    `notes` holds, per variable, what a reader of a sweep of that variable should know: a
    note explains one slope, so a sweep of another variable must not print it.
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
    growth_quantity: str = "flops"  # the cost-model quantity whose growth `predicted` states
    step: float = math.sqrt(2)  # ratio between successive values of the swept parameter
    powers_of_two: bool = False  # only powers of two (e.g. heads dividing d)
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        return list(self.ranges)

    def params(self, vary: str, value: int) -> Params:
        return {**dict(self.fixed), vary: int(value)}


@dataclass
class Point:
    """One measured size: fastest wall and CPU time per call, and whether it was fitted.

    `settled` says whether its fastest samples agreed (engine.timing); `excluded` says why
    a point is not fitted ("overhead" below MIN_FIT_SECONDS, "other terms" where the
    model's leading term does not yet dominate), None when it is.
    """

    value: int
    seconds: float
    gflops: float | None
    peak_bytes: int | None
    cpu_seconds: float = 0.0
    spread: float = 0.0
    settled: bool = True
    samples: int = 0
    model_exponent: float | None = None  # the cost model's local growth exponent here
    excluded: str | None = None
    memory_excluded: str | None = None  # why its peak memory is not fitted (fitting.MemoryFit)

    @property
    def fitted(self) -> bool:
        return self.excluded is None

    @property
    def memory_fitted(self) -> bool:
        """Its peak memory was measured and goes into the memory fit."""
        return self.peak_bytes is not None and self.memory_excluded is None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "spread": self.spread,
            "settled": self.settled,
            "samples": self.samples,
            "fitted": self.fitted,
            "excluded": self.excluded,
            "model_exponent": self.model_exponent,
            "gflops": self.gflops,
            "peak_bytes": self.peak_bytes,
            "memory_fitted": self.memory_fitted,
            "memory_excluded": self.memory_excluded,
        }


@dataclass
class DemoResult:
    """A sweep's points, the fit on the fitted ones and the verdict on it.

    `slope` is None until MIN_FIT_POINTS points are above the overhead floor, so a run
    cancelled after two points shows no slope at all; `verdict.reliable` says whether the
    slope it does show can be trusted (never a ✓ otherwise). Peak memory has its own fit
    and verdict (`memory_fit`, `memory_verdict`), judged by engine.fitting.assess_memory.
    """

    demo: str
    vary: str
    points: list[Point] = field(default_factory=list)
    fit: Fit | None = None
    wall_fit: Fit | None = None
    verdict: Verdict = field(default_factory=lambda: Verdict(False, ["no points yet"]))
    predicted_slope: float | None = None
    memory_fit: Fit | None = None
    memory_verdict: Verdict = field(default_factory=lambda: Verdict(False, ["no memory measured"]))
    memory_fixed_bytes: float | None = None
    memory_predicted_slope: float | None = None
    cancelled: bool = False
    elapsed: float = 0.0
    params: Params = field(default_factory=dict)
    threads: int | None = None
    load: float | None = None
    cpus: int = 1
    calibrated_start: int | None = None
    note: str = ""  # the demo's note for the variable swept (Demo.notes), or ""

    @property
    def slope(self) -> float | None:
        return None if self.fit is None else self.fit.slope

    @property
    def r2(self) -> float | None:
        return None if self.fit is None else self.fit.r2

    @property
    def reliable(self) -> bool:
        return self.verdict.reliable

    @property
    def memory_reliable(self) -> bool:
        return self.memory_verdict.reliable

    @property
    def memory_slope(self) -> float | None:
        return None if self.memory_fit is None else self.memory_fit.slope

    @property
    def fitted_values(self) -> list[int]:
        return [p.value for p in self.points if p.fitted]

    def to_json(self) -> dict[str, Any]:
        return {
            "demo": self.demo,
            "vary": self.vary,
            "points": [p.to_json() for p in self.points],
            "slope": self.slope,
            "slope_stderr": None if self.fit is None else self.fit.stderr,
            "r2": self.r2,
            "predicted_slope": self.predicted_slope,
            "reliable": self.reliable,
            "warning": self.verdict.warning,
            "advice": list(self.verdict.advice),
            "fit_status": self.verdict.short,
            "fitted_on": "thread CPU time",
            "wall_slope": None if self.wall_fit is None else self.wall_fit.slope,
            "threads": self.threads,
            "load": self.load,
            "cpus": self.cpus,
            "calibrated_start": self.calibrated_start,
            "memory_slope": self.memory_slope,
            "memory_slope_stderr": None if self.memory_fit is None else self.memory_fit.stderr,
            "memory_r2": None if self.memory_fit is None else self.memory_fit.r2,
            "memory_predicted_slope": self.memory_predicted_slope,
            "memory_reliable": self.memory_verdict.reliable,
            "memory_warning": self.memory_verdict.warning,
            "memory_advice": list(self.memory_verdict.advice),
            "memory_fit_status": self.memory_verdict.short,
            "memory_fixed_bytes": self.memory_fixed_bytes,
            "cancelled": self.cancelled,
            "note": self.note,
        }


class DemoError(ValueError):
    """An unknown demo or parameter; the message lists the valid choices."""


# --------------------------------------------------------------------------- registry


def _normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def _setup_attention(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.attention(q, k, v)


def _setup_flash(p: Params, rng: np.random.Generator) -> Operation:
    q, k, v = (_normal(rng, p["n"], p["d"]) for _ in range(3))
    return lambda: K.flash_attention(q, k, v, workers=1)  # in the measuring thread


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


@functools.lru_cache(maxsize=1)
def _weights(rows: int, cols: int) -> np.ndarray:
    """A model's weight matrix, built once: at tens of MB, drawing it for every point would
    cost more than the point's measurement (building inputs is not what is timed)."""
    return _normal(np.random.default_rng(1), rows, cols) / np.float32(math.sqrt(cols))


def _setup_decode(p: Params, rng: np.random.Generator) -> Operation:
    """One decode step of a one-layer toy model for `batch` sequences: every weight is read
    once for the whole batch; each sequence reads its own KV cache of `context` tokens.

    The weights are stored (m × d) and multiplied as W·xᵀ: OpenBLAS then streams them once
    however small the batch (x·W with a (d × m) W repacks them first, hiding the flat part).
    """
    b, d, dh, ctx = p["batch"], p["d"], p["d_head"], p["context"]
    w = _weights(p["m"], d)
    xt = np.ascontiguousarray(_normal(rng, b, d).T)
    keys, values = _normal(rng, b, ctx, dh), _normal(rng, b, ctx, dh)

    def step() -> object:
        h = (w @ xt).T  # (batch, m): the weights, read once for the whole batch
        q = h[:, None, :dh]  # each sequence's new query
        return K.softmax(q @ np.swapaxes(keys, 1, 2) / np.float32(math.sqrt(dh))) @ values

    return step


def _setup_prefill(p: Params, rng: np.random.Generator) -> Operation:
    """A prompt of s tokens through the same toy layer at once: every token meets every
    weight (2·s·d·m FLOPs), then attention over all s² pairs at width d."""
    d = p["d"]
    w = _weights(d, p["m"])  # (d × m): a prompt is a tall matrix, X·W is a plain sgemm
    x = _normal(rng, p["s"], d)

    def prefill() -> object:
        h = x @ w
        return K.attention(h[:, :d], h[:, d : 2 * d], h[:, 2 * d : 3 * d])

    return prefill


def _decode_cost(p: Params) -> dict[str, float]:
    return {
        "params": p["d"] * p["m"],
        "layers": 1,
        "kv_heads": 1,
        "heads": 1,
        "d_head": p["d_head"],
        "context": p["context"],
        "batch": p["batch"],
        "bandwidth": 1e10,  # scales the predicted time, not its growth
    }


def _prefill_cost(p: Params) -> dict[str, float]:
    return {"params": p["d"] * p["m"], "layers": 1, "d": p["d"], "s": p["s"], "batch": 1}


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
            ranges={"n": (128, 5793), "d": (32, 1024)},
            fixed={"n": 512, "d": 64},
            predicted={"n": 2.0, "d": 1.0},
            memory_predicted={"n": 2.0},
            op="sdpa",
            cost_params=_sdpa,
            setup=_setup_attention,
            notes={"d": "the n² softmax does not grow with d, so small d bends the slope below 1"},
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
            growth_quantity="memory.total",
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
            # Up to 11,585: the fixed block buffers (≈ 70 KiB) bend the peak's slope below
            # n ≈ 2,400, and a memory fit needs four sizes past that.
            ranges={"n": (256, 11585)},
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
            notes={"h": "FLOPs do not depend on h; score memory (h·n²) does"},
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
            cost_params=lambda p: {"b": p["b"], "n": p["n"], "d": p["d"]},
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
            notes={"d": "the elementwise φ (n·d) competes with the n·d² matmuls"},
        ),
        Demo(
            name="decode",
            title="Decode step time vs batch size (memory-bound)",
            kernel="toy layer: W·xᵀ with W 8192 × 2048 (64 MiB), then each sequence's "
            "attention over its own 256-token KV cache (256 KiB), float32",
            vary="batch",
            ranges={"batch": (2, 128), "context": (256, 16384)},
            fixed={"batch": 2, "d": 2048, "m": 8192, "d_head": 128, "context": 256},
            predicted={"batch": 0.0, "context": 0.0},
            op="decode",
            cost_params=_decode_cost,
            growth_quantity="seconds",
            setup=_setup_decode,
            step=2.0,
            powers_of_two=True,  # BLAS kernels favour batches of 4, 8, …: odd ones zigzag
            notes={
                "batch": "flat while reading the weights dominates; later points rise as the "
                "batch's FLOPs (or its KV caches) take over — the prediction is the memory-bound "
                "time (`quizapp calc decode` adds the roofline time and the crossover batch)"
            },
        ),
        Demo(
            name="prefill",
            title="Prefill time vs prompt length s (compute-bound)",
            kernel="toy layer: X·W with W 512 × 16384 (32 MiB), then attention over s² pairs, "
            "d = 512, float32",
            vary="s",
            ranges={"s": (64, 4096)},
            fixed={"s": 256, "d": 512, "m": 16384},
            predicted={"s": 1.0},
            op="prefill",
            cost_params=_prefill_cost,
            setup=_setup_prefill,
            notes={
                "s": "linear while the weights' 2·params·s FLOPs dominate; the s² attention "
                "term bends it upward at long prompts (those points are not fitted)"
            },
        ),
    ]
}


def reference_line(
    values: list[float], seconds: list[float], fitted: list[bool], slope: float
) -> list[float]:
    """The power law of exponent `slope` at every value, anchored at the fitted points'
    log-mean (all points' when none is fitted): a drawing aid whose slope, not its height,
    carries the claim."""
    anchor = [(v, s) for v, s, f in zip(values, seconds, fitted, strict=True) if f] or list(
        zip(values, seconds, strict=True)
    )
    mx = sum(math.log(v) for v, _ in anchor) / len(anchor)
    my = sum(math.log(s) for _, s in anchor) / len(anchor)
    return [math.exp(my + slope * (math.log(v) - mx)) for v in values]


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


def _model(demo: Demo, params: Params, quantity: str) -> float | None:
    """A cost-model quantity of one call; None if the model has none."""
    from engine.costs import compute  # sympy: imported when a model is first asked for

    try:
        cost = compute(demo.op, demo.cost_params(params))
        value = cost.quantity(quantity)
    except (ValueError, KeyError):
        return None
    return value if value > 0 else None


def _flops(demo: Demo, params: Params) -> float | None:
    return _model(demo, params, "flops")


def model_exponent(demo: Demo, vary: str, value: int) -> float | None:
    """The cost model's local growth exponent d log(cost) / d log(vary) at `value`."""
    upper = max(value + 1, round(value * 1.25))
    lo = _model(demo, demo.params(vary, value), demo.growth_quantity)
    hi = _model(demo, demo.params(vary, upper), demo.growth_quantity)
    if lo is None or hi is None:
        return None
    return math.log(hi / lo) / math.log(upper / value)


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


def calibrate_start(
    demo: Demo,
    vary: str,
    values: list[int],
    rng: np.random.Generator,
    *,
    clock: Clock,
    budget: float,
    cancel: Cancel = None,
) -> list[int]:
    """The sweep from its first size whose call takes ≥ MIN_FIT_SECONDS of CPU time.

    A quick probe (one warm-up and the faster of two calls per size, within `budget`)
    replaces a fixed table: where a size starts to be well above timer and dispatch
    overhead depends on the machine. Keeps at least MIN_FIT_POINTS sizes when the sweep has
    them (the verdict then says the sweep is overhead-bound).
    """
    began = clock.wall()
    last_start = max(0, len(values) - MIN_FIT_POINTS)
    for i, value in enumerate(values[: last_start + 1]):
        if is_cancelled(cancel) or clock.wall() - began > budget:
            return values[i:]
        op = demo.setup(demo.params(vary, value), rng)
        op()
        best = math.inf
        for _ in range(2):
            c0 = clock.cpu()
            op()
            best = min(best, clock.cpu() - c0)
        if best >= MIN_FIT_SECONDS:
            return values[i:]
    return values[last_start:]


def _refit(result: DemoResult, demo: Demo) -> None:
    """Fit the points above the overhead floor where the leading term dominates (by the
    cost model, then by the points' own straightness in log–log), and judge the fit."""
    pts = result.points
    for p in pts:
        p.excluded = _excluded(p.cpu_seconds, p.model_exponent, result.predicted_slope)
    candidates = [p for p in pts if p.fitted]
    first = power_law_start(
        [float(p.value) for p in candidates], [p.cpu_seconds for p in candidates]
    )
    for p in candidates[:first]:
        p.excluded = "other terms"
    fit_pts = candidates[first:]
    values = [float(p.value) for p in fit_pts]
    result.fit = result.wall_fit = None
    if len(set(values)) >= MIN_FIT_POINTS:
        result.fit = fit_loglog(values, [p.cpu_seconds for p in fit_pts])
        result.wall_fit = fit_loglog(values, [p.seconds for p in fit_pts])
    conditions = Conditions(
        threads=result.threads,
        load=result.load,
        cpus=result.cpus,
        max_wall_over_cpu=max((p.seconds / p.cpu_seconds for p in fit_pts), default=1.0),
    )
    result.verdict = assess(
        result.fit,
        values,
        [p.cpu_seconds for p in fit_pts],
        [p.settled for p in fit_pts],
        predicted=result.predicted_slope,
        excluded=[p.excluded for p in pts],
        conditions=conditions,
    )
    measured = [p for p in pts if p.peak_bytes is not None]
    if measured:
        memory = assess_memory(
            [float(p.value) for p in measured],
            [float(p.peak_bytes or 0) for p in measured],
            predicted=result.memory_predicted_slope,
            name=result.vary,
        )
        for p, reason in zip(measured, memory.excluded, strict=True):
            p.memory_excluded = reason
        result.memory_fit, result.memory_verdict = memory.fit, memory.verdict
        result.memory_fixed_bytes = memory.fixed_bytes


def _excluded(cpu_seconds: float, exponent: float | None, predicted: float | None) -> str | None:
    """Why a point stays out of the fit, or None."""
    if cpu_seconds < MIN_FIT_SECONDS:
        return "overhead"
    if (
        exponent is not None
        and predicted is not None
        and abs(exponent - predicted) > LEADING_TOLERANCE
    ):
        return "other terms"
    return None


def run_demo(
    name: str,
    *,
    vary: str | None = None,
    start: float | None = None,
    stop: float | None = None,
    budget: float = 5.0,
    on_point: Callable[[Point, DemoResult], None] | None = None,
    cancel: Cancel = None,
    measure_memory: bool = True,
    seed: int = 0,
    demos: Mapping[str, Demo] | None = None,
    clock: Clock | None = None,
    load: Callable[[], float | None] = load_average,
    peak_bytes: Callable[[Operation], int] = measure_peak_bytes,
) -> DemoResult:
    """Sweep demo `name` over `vary` from `start` to `stop` within about `budget` seconds.

    Without `start`, the sweep begins at the first size a quick probe finds above the
    overhead floor. Before each point the runner predicts its cost from the growth so far
    (or the predicted exponent) and stops rather than overrun the budget; the first point
    is always measured. `cancel` (an Event or a callable) is checked between points and
    between repeats; a point cut short is dropped, and a cancelled run returns the points
    completed so far with cancelled=True. `on_point(point, result_so_far)` is called after
    each point. `clock`, `load` and `peak_bytes` are injected by tests (fake time, a chosen
    load, fake memory peaks).
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
    clock = clock or SystemClock()
    lo, hi = demo.ranges[vary]
    values = sweep_values(demo, lo if start is None else start, hi if stop is None else stop)
    rng = np.random.default_rng(seed)
    predicted = demo.predicted.get(vary)
    result = DemoResult(
        demo=name,
        vary=vary,
        predicted_slope=predicted,
        memory_predicted_slope=demo.memory_predicted.get(vary),
        params=dict(demo.fixed),
        note=demo.notes.get(vary, ""),
        load=load(),
        cpus=cpu_count(),
    )
    _flops(demo, demo.params(vary, values[0]))  # first use imports sympy: not the demo's time
    point_budget = max(0.05, budget / 10)
    with pinned_blas() as threads:
        result.threads = threads
        began = clock.wall()
        if start is None:
            values = calibrate_start(
                demo, vary, values, rng, clock=clock, budget=PROBE_SHARE * budget, cancel=cancel
            )
            result.calibrated_start = values[0]
        last: tuple[int, float, float] | None = None  # (value, op seconds, wall of the point)
        for value in values:
            if is_cancelled(cancel):
                result.cancelled = True
                break
            elapsed = clock.wall() - began
            if last is not None:
                growth = result.slope if result.slope is not None else predicted
                growth = max(0.0, growth if growth is not None else 1.0)
                ratio = (value / last[0]) ** growth
                est = max(last[2] * ratio, last[1] * ratio * (4 + int(measure_memory)))
                if elapsed + est > budget:
                    break
            t_point = clock.wall()
            params = demo.params(vary, value)
            op = demo.setup(params, rng)
            m = measure(op, budget=point_budget, clock=clock, cancel=cancel)
            if m is None:
                result.cancelled = True
                break
            peak = peak_bytes(op) if measure_memory else None
            del op
            flops = _flops(demo, params)
            point = Point(
                value=value,
                seconds=m.seconds,
                cpu_seconds=m.cpu_seconds,
                spread=m.spread,
                settled=m.settled,
                samples=m.samples,
                gflops=flops / m.cpu_seconds / 1e9 if flops and m.cpu_seconds > 0 else None,
                peak_bytes=peak,
                model_exponent=model_exponent(demo, vary, value),
            )
            result.points.append(point)
            last = (value, m.seconds, clock.wall() - t_point)
            _refit(result, demo)
            result.elapsed = clock.wall() - began
            if on_point is not None:
                on_point(point, result)
        result.elapsed = clock.wall() - began
    _refit(result, demo)
    return result
