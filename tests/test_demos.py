"""The demo runner, its timing and its verdict, on fake clocks: no assertion here depends on
how fast or how busy the machine running the suite is."""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest
from fake_timing import FakeClock, fake_demo, with_fake_memory

from engine import demos as D
from engine import fitting as F
from engine import timing as T


def run_fake(demo: D.Demo, clock: FakeClock, *, load: float | None = 0.3, **kw) -> D.DemoResult:
    kw.setdefault("measure_memory", False)
    return D.run_demo(
        "fake",
        demos={"fake": demo},
        clock=clock,
        load=lambda: load,
        budget=kw.pop("budget", 20),
        **kw,
    )


# --------------------------------------------------------------------------- the fit


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 3.0])
def test_fit_loglog_recovers_known_exponent_under_noise(exponent):
    rng = np.random.default_rng(int(exponent))
    xs = np.geomspace(10, 10_000, 20)
    ys = 3e-6 * xs**exponent * np.exp(rng.normal(0, 0.05, xs.size))
    fit = F.fit_loglog(xs, ys)
    assert fit.slope == pytest.approx(exponent, abs=0.05)
    assert fit.intercept == pytest.approx(np.log(3e-6), abs=0.3)
    if exponent:
        assert fit.r2 > 0.98


def test_a_flat_peak_is_a_perfect_fit_not_a_negative_r2():
    """matmul --vary k: the output's peak is 1 MiB at every k, give or take the allocator's
    few bytes. The line is flat and R² is shown as 1, not the ratio of two rounding errors."""
    xs = [362 * 2 ** (i / 2) for i in range(10)]
    peaks = [1_048_704.0 + (8.0 if i % 3 == 0 else 0.0) for i in range(10)]
    fit = F.fit_loglog(xs, peaks)
    assert abs(fit.slope) < 1e-5 and fit.r2 == 1.0
    wobble = [x * (1.02 if i % 2 else 0.98) for i, x in enumerate(xs)]  # grows, with noise
    grows = F.fit_loglog(xs, wobble)
    assert grows.r2 < 1.0 and abs(grows.slope - 1) < 0.01


def test_fit_loglog_exact_power_law_and_bad_input():
    fit = F.fit_loglog([1, 2, 4, 8], [5, 20, 80, 320])
    assert fit.slope == pytest.approx(2) and np.exp(fit.intercept) == pytest.approx(5)
    assert fit.r2 == pytest.approx(1) and fit.stderr == pytest.approx(0, abs=1e-12)
    with pytest.raises(ValueError):
        F.fit_loglog([3, 3], [1, 2])


def test_slope_standard_error_matches_the_spread_of_slopes_over_repeated_noise():
    """The reported ± is the standard deviation the slope really has across noisy repeats."""
    rng = np.random.default_rng(5)
    xs = np.geomspace(100, 3000, 7)
    fits = [F.fit_loglog(xs, xs**2 * np.exp(rng.normal(0, 0.1, xs.size))) for _ in range(4000)]
    empirical = float(np.std([f.slope for f in fits]))
    reported = float(np.sqrt(np.mean([f.stderr**2 for f in fits])))
    assert reported == pytest.approx(empirical, rel=0.1)


def test_power_law_start_drops_small_sizes_where_a_fixed_cost_still_shows():
    """conv vs k on this project's VM: ~0.6 ms of padding per call plus 0.23 ms per k."""
    xs = [float(x) for x in np.geomspace(2, 64, 11)]
    ys = [6e-4 + 2.3e-4 * x for x in xs]
    start = F.power_law_start(xs, ys)
    assert start > 0
    assert abs(F.slope_change(xs[start:], ys[start:])) <= F.STRAIGHT
    assert F.fit_loglog(xs[start:], ys[start:]).slope > F.fit_loglog(xs, ys).slope + 0.05
    assert F.power_law_start(xs, [1e-6 * x**2 for x in xs]) == 0  # straight from the start


def test_a_sweep_that_never_straightens_is_called_still_curving():
    xs = [float(x) for x in np.geomspace(2, 64, 11)]
    ys = [2e-3 + 1e-4 * x for x in xs]  # the fixed cost lasts until x = 20
    assert F.power_law_start(xs, ys) == 0
    verdict = F.assess(
        F.fit_loglog(xs, ys),
        xs,
        ys,
        [True] * len(xs),
        predicted=1.0,
        excluded=[None] * len(xs),
        conditions=F.Conditions(threads=1, load=0.2, cpus=2),
    )
    assert not verdict.reliable and "still curving" in verdict.warning
    assert verdict.advice == (F.Advice.EXTEND,)
    assert "larger sizes" in verdict.warning and "--" not in verdict.warning  # no front end


# --------------------------------------------------------------------------- measuring


def test_measure_keeps_the_fastest_sample_and_settles():
    clock = FakeClock()
    costs = iter([0.010, 0.030, 0.0101, 0.0102, 0.0103, 0.5])  # warm-up first

    result = T.measure(lambda: clock.run(next(costs)), budget=10, clock=clock)
    assert result is not None
    assert result.cpu_seconds == pytest.approx(0.0101)  # the minimum, not a median
    assert result.settled and result.samples == 4


def test_measure_gives_up_when_the_budget_is_spent_and_says_it_never_settled():
    clock = FakeClock()
    costs = (0.01 * (1 + 0.1 * k) for k in range(1000))  # each sample slower than the last
    result = T.measure(lambda: clock.run(next(costs)), budget=0.2, clock=clock)
    assert result is not None and not result.settled
    assert result.spread > T.SETTLED_SPREAD
    assert clock.now <= 0.01 + 0.2 + 0.04  # warm-up, budget, one sample past it at most


def test_measure_loops_calls_shorter_than_the_timer_can_resolve():
    clock = FakeClock()
    result = T.measure(lambda: clock.run(1e-5), budget=1, clock=clock)
    assert result is not None
    assert result.inner == 100 and result.cpu_seconds == pytest.approx(1e-5)


def test_measure_returns_nothing_when_cancelled_mid_point():
    clock = FakeClock()
    event = threading.Event()

    costs = (0.01 * (1 + 0.1 * k) for k in range(1000))  # never settles: keeps sampling

    def op():
        clock.run(next(costs))
        if clock.now > 0.05:
            event.set()

    assert T.measure(op, budget=10, clock=clock, cancel=event) is None


def test_pinned_blas_runs_one_thread_and_restores_after_overlapping_blocks():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS that threadpoolctl can control here")
    outer = T.pinned_blas()
    assert outer.__enter__() == 1
    inner = T.pinned_blas()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first block ends while the second still runs
    assert blas_threads() == [1] * len(before)
    inner.__exit__(None, None, None)
    assert blas_threads() == before


# --------------------------------------------------------------------------- the runner


def test_an_exact_power_law_is_reliable_with_threads_load_and_a_calibrated_start():
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 1e-7 * x**2)
    result = run_fake(demo, clock)
    assert result.slope == pytest.approx(2.0, abs=1e-9)
    assert result.reliable and result.verdict.warning is None
    # The probe starts the sweep at the first size whose call takes ≥ 1 ms: 1e-7·x² ≥ 1e-3.
    assert result.calibrated_start == min(v for v in D.sweep_values(demo, 8, 8192) if v >= 100)
    assert all(p.cpu_seconds >= F.MIN_FIT_SECONDS for p in result.points)
    doc = result.to_json()
    assert doc["reliable"] is True and doc["warning"] is None
    assert doc["threads"] in (1, None) and doc["load"] == 0.3 and doc["cpus"] >= 1
    assert doc["points"][0]["fitted"] is True


def test_a_busy_machine_inflates_wall_time_but_not_the_fitted_slope():
    """Others' load stretches big calls on the wall clock (as measured under two busy loops:
    wall 2.3× CPU at n = 2048); the slope is fitted on CPU time, and the note says why."""
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 1e-7 * x**2, wall_factor=lambda x: 1 + x / 2048)
    result = run_fake(demo, clock, load=5.0)
    assert result.slope == pytest.approx(2.0, abs=1e-9)
    assert result.wall_fit is not None and result.wall_fit.slope > 2.2
    assert result.reliable
    assert "busy machine" in result.verdict.warning and "CPU time" in result.verdict.warning


def test_flat_points_are_never_reliable():
    """The issue's case: every size took the same 24 ms — a fixed cost, not the work."""
    clock = FakeClock()
    result = run_fake(fake_demo(clock, lambda x: 0.024), clock, start=128, stop=1024)
    assert result.slope is not None and abs(result.slope) < 0.1
    assert not result.reliable
    assert "flat points" in result.verdict.warning
    assert result.verdict.advice[0] == F.Advice.START_LARGER  # advice comes with the reason
    assert "Start the sweep at larger sizes." in result.verdict.warning


def test_noisy_points_are_unreliable_with_a_reason_and_a_suggestion():
    clock = FakeClock()
    rng = np.random.default_rng(1)
    demo = fake_demo(clock, lambda x: 1e-7 * x**2, noise=lambda: math.exp(rng.normal(0, 0.4)))
    result = run_fake(demo, clock, load=4.0, budget=3)
    assert not result.reliable
    assert "busy machine" in result.verdict.warning
    assert "quieter" in result.verdict.warning
    assert result.verdict.advice[-1] == F.Advice.QUIETER


def test_too_few_points_give_no_slope():
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 1e-4 * x**2)
    result = run_fake(demo, clock, start=100, budget=0.5)
    assert 1 <= len(result.points) < F.MIN_FIT_POINTS
    assert result.slope is None and not result.reliable
    assert "too few points" in result.verdict.warning


def test_a_sweep_below_the_overhead_floor_is_called_overhead_bound():
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 2e-5 + 1e-9 * x)
    result = run_fake(demo, clock, start=8, stop=512)
    assert all(p.excluded == "overhead" for p in result.points)
    assert result.slope is None and "overhead-bound" in result.verdict.warning


def test_a_fixed_cost_in_the_kernel_is_left_out_of_the_fit_or_flagged():
    """conv vs k on this machine: ~0.6 ms of padding per call bent the slope to 0.6."""
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 6e-4 + 2.3e-4 * x, predicted=1.0, ranges=(2, 64))
    result = run_fake(demo, clock)
    excluded = [p.excluded for p in result.points]
    assert "other terms" in excluded
    assert result.reliable
    assert result.slope == pytest.approx(1.0, abs=0.2)


def test_points_where_the_model_lower_order_terms_matter_are_not_fitted():
    """Multi-head attention vs n: projections (n·d²) dominate small n, attention (n²·d)
    large n; only points where the model's local exponent is near 2 are fitted."""
    from engine.costs import compute

    clock = FakeClock()

    def cost(q):
        return {"b": 1, "n": q["x"], "d": 64, "h": 1}

    def seconds(x):
        return compute("mha", cost({"x": x})).flops * 1e-11

    demo = fake_demo(clock, seconds, op="mha", cost_params=cost, ranges=(64, 65536))
    result = run_fake(demo, clock, start=64, budget=60)
    for p in result.points:
        if p.excluded != "overhead":
            assert (p.excluded == "other terms") == (abs(p.model_exponent - 2) > 0.1)
    assert any(p.excluded == "other terms" for p in result.points) and result.reliable
    assert result.slope == pytest.approx(2.0, abs=0.1)


def test_building_inputs_is_not_timed():
    clock = FakeClock()
    demo = fake_demo(clock, lambda x: 2e-3, predicted=0.0, setup_seconds=0.05)
    result = run_fake(demo, clock, start=8, stop=64)
    assert result.points and all(p.seconds == pytest.approx(2e-3) for p in result.points)


def test_the_runner_stays_within_its_budget():
    clock = FakeClock()
    seen = []
    demo = fake_demo(clock, lambda x: 1e-7 * x**2)
    result = run_fake(demo, clock, budget=2.0, on_point=lambda p, r: seen.append(len(r.points)))
    assert result.elapsed <= 2.0 * 1.1
    assert 3 <= len(result.points) < len(D.sweep_values(demo, 100, 8192))
    assert seen == list(range(1, len(result.points) + 1))
    assert not result.cancelled


@pytest.mark.parametrize("kind", ["event", "callable"])
def test_a_cancelled_run_keeps_completed_points_and_shows_no_slope_from_them(kind):
    """Cancelling during the third point drops it; two points give no slope at all (a
    cancelled TUI run once showed n^-1.47)."""
    clock = FakeClock()
    event = threading.Event()
    calls_after_two_points: list[int] = []

    def seconds(x):
        if calls_after_two_points:
            calls_after_two_points[0] += 1
            if calls_after_two_points[0] == 2:  # the third point's warm-up and one sample
                event.set()
        return 1e-7 * x**2

    def on_point(point, result):
        if len(result.points) == 2:
            calls_after_two_points.append(0)

    demo = fake_demo(clock, seconds, noise=iter([1.0, 1.0] + [1.5, 1.0] * 1000).__next__)
    cancel = event if kind == "event" else event.is_set
    result = run_fake(demo, clock, cancel=cancel, on_point=on_point)
    assert result.cancelled
    assert len(result.points) == 2
    assert result.slope is None and not result.reliable
    assert result.to_json()["slope"] is None


def test_runner_rejects_unknown_demo_and_parameter():
    with pytest.raises(D.DemoError, match="attention"):
        D.run_demo("nope")
    with pytest.raises(D.DemoError, match="choose one of: n, d"):
        D.run_demo("attention", vary="zz")


def test_sweep_values_are_geometric_integers_and_powers_of_two():
    vals = D.sweep_values(D.DEMOS["attention"], 100, 1600)
    assert vals[0] == 100 and vals[-1] == 1600
    ratios = np.diff(np.log(vals))
    assert np.allclose(ratios, ratios[0], atol=0.02)
    assert D.sweep_values(D.DEMOS["mha_heads"], 1, 40) == [1, 2, 4, 8, 16, 32]


def test_reference_line_has_the_predicted_slope_through_the_fitted_points():
    xs, ys = [10.0, 20.0, 40.0], [1.0, 3.0, 17.0]
    line = D.reference_line(xs, ys, [False, True, True], 2.0)
    assert line[1] / line[0] == pytest.approx(4) and line[2] / line[1] == pytest.approx(4)
    assert math.sqrt(line[1] * line[2]) == pytest.approx(math.sqrt(3 * 17))


# --------------------------------------------------------------------------- real kernels
# Memory is counted by tracemalloc, not timed: these hold on any machine, busy or not.


def test_real_softmax_demo_memory_is_quadratic():
    result = D.run_demo("softmax", start=256, stop=1024, budget=60)  # ends at stop
    assert len(result.points) >= 3
    for p in result.points:  # tracemalloc sees at least the n×n float32 output of each call
        assert p.peak_bytes >= p.value * p.value * 4
    assert 1.7 < result.memory_slope < 2.3


def test_flash_demo_memory_over_its_default_sweep_is_linear_past_its_fixed_buffers():
    """Counted by tracemalloc, each call warmed first (as the runner measures): over the
    default sweep the blocked kernel's fixed buffers bend the slope of the small sizes, which
    are left out, and the sizes above them (over 4× of n) grow as O(n): a reliable fit.
    GFLOP/s come from the cost model."""
    demo = D.DEMOS["flash_memory"]
    rng = np.random.default_rng(0)
    values = D.sweep_values(demo, *demo.ranges["n"])
    peaks = []
    for n in values:
        op = demo.setup(demo.params("n", n), rng)
        op()
        peaks.append(float(D.measure_peak_bytes(op)))
    memory = F.assess_memory(values, peaks, predicted=demo.memory_predicted["n"])
    assert memory.verdict.reliable, memory.verdict.warning
    assert memory.fit is not None and 0.85 < memory.fit.slope < 1.15
    assert memory.excluded[0] is not None  # the smallest size: fixed buffers, not fitted
    assert memory.fixed_bytes is not None and memory.fixed_bytes < min(peaks)
    result = D.run_demo("flash_memory", start=512, stop=1024, budget=10, measure_memory=False)
    p = result.points[0]
    assert p.gflops == pytest.approx(4 * p.value**2 * 64 / p.cpu_seconds / 1e9, rel=1e-6)


def test_every_demo_runs_one_point_and_predictions_match_cost_model_growth():
    from engine.costs import compute

    for demo in D.DEMOS.values():
        lo, _ = demo.ranges[demo.vary]
        op = demo.setup(demo.params(demo.vary, lo), np.random.default_rng(0))
        op()
        # The predicted exponent is the growth of the cost model's quantity where the sweep
        # starts (decode's bytes grow with the batch's KV caches only past the weights).
        p1, p2 = demo.params(demo.vary, lo), demo.params(demo.vary, 2 * lo)
        f1 = compute(demo.op, demo.cost_params(p1)).quantity(demo.growth_quantity)
        f2 = compute(demo.op, demo.cost_params(p2)).quantity(demo.growth_quantity)
        growth = np.log2(f2 / f1)
        if demo.name == "mha_heads":
            assert growth == pytest.approx(0.0, abs=1e-9)
        else:
            assert growth == pytest.approx(demo.predicted[demo.vary], abs=0.1), demo.name


def test_decode_and_prefill_predictions_count_what_the_toy_layer_touches():
    """The cost model's bytes of a decode step and FLOPs of a prefill, against the toy
    layer's own arrays: the weights' and KV caches' nbytes, and each matmul's 2·m·k·n."""
    from engine.costs import compute

    decode = D.DEMOS["decode"]
    params = decode.params("batch", 8)
    rng = np.random.default_rng(0)
    decode.setup(params, rng)()  # it runs
    weights = np.empty((params["m"], params["d"]), np.float32).nbytes
    kv = 2 * np.empty((8, params["context"], params["d_head"]), np.float32).nbytes
    cost = compute(decode.op, decode.cost_params(params))
    assert cost.quantity("bytes") == weights + kv
    assert cost.flops == 2 * 8 * params["d"] * params["m"] + 2 * 2 * 8 * params["context"] * 128

    prefill = D.DEMOS["prefill"]
    p = prefill.params("s", 128)
    s, d, m = p["s"], p["d"], p["m"]
    assert compute(prefill.op, prefill.cost_params(p)).flops == 2 * s * d * m + 2 * (2 * s * s * d)
    assert prefill.setup(p, rng)().shape == (s, d)


def test_rnn_demo_gflops_count_the_batch_it_runs():
    """The rnn demo runs b = 32 sequences at once; its FLOPs (behind GFLOP/s) are the
    einsum_path count of the matrix products the kernel runs on that batched input."""
    from test_costs import einsum_flops

    demo = D.DEMOS["rnn"]
    params = {**demo.params("d", 16), "n": 5}
    b, n, d = params["b"], params["n"], params["d"]
    assert b > 1
    out = demo.setup(params, np.random.default_rng(0))()
    assert out.shape == (b, n, d)
    counted = einsum_flops("bni,id->bnd", (b, n, d), (d, d)) + n * einsum_flops(
        "bj,jd->bd", (b, d), (d, d)
    )
    assert D._flops(demo, params) == counted


# --------------------------------------------------------------------------- peak memory
# Fake peaks (no tracemalloc): what the verdict says about a fixed part, a regime change,
# allocator noise and a clean power law.


def _sizes(start: float = 256, stop: float = 32768) -> list[float]:
    return [float(v) for v in np.geomspace(start, stop, 15).round()]


def _local_slope(peak, n: float) -> float:
    """d log peak / d log n by a central difference: no formula from the code under test."""
    h = 1e-4
    return (math.log(peak(n * (1 + h))) - math.log(peak(n * (1 - h)))) / (
        math.log(1 + h) - math.log(1 - h)
    )


def test_fixed_buffers_that_dominate_the_sweep_make_the_memory_fit_unreliable():
    """flash_memory's case: ~1 MiB of fixed buffers and 520 B per n over n = 256…4096."""

    def peak(n: float) -> float:
        return 2**20 + 520 * n

    values = _sizes(256, 4096)
    memory = F.assess_memory(values, [peak(v) for v in values], predicted=1.0)
    assert not memory.verdict.reliable
    warning = memory.verdict.warning
    assert "fixed buffers" in warning and memory.verdict.advice == (F.Advice.EXTEND,)
    assert memory.verdict.short == "unreliable: fixed buffers"
    # "below n ≈ X": X is where the local slope reaches 0.9 (within 0.1 of the predicted 1)
    below = float(re.search(r"below n ≈ ([\d,]+)", warning).group(1).replace(",", ""))
    assert _local_slope(peak, below) == pytest.approx(0.9, abs=0.01)
    assert all(
        e == "fixed buffers" for v, e in zip(values, memory.excluded, strict=True) if v < below
    )


def test_a_sweep_past_the_fixed_buffers_is_fitted_above_them_and_reliable():
    def peak(n: float) -> float:
        return 2**20 + 520 * n

    values = _sizes(256, 2**19)
    memory = F.assess_memory(values, [peak(v) for v in values], predicted=1.0)
    assert memory.verdict.reliable, memory.verdict.warning
    assert memory.fit is not None and memory.fit.slope == pytest.approx(1.0, abs=0.06)
    fitted = [v for v, e in zip(values, memory.excluded, strict=True) if e is None]
    assert min(_local_slope(peak, v) for v in fitted) >= 0.9 - 1e-6
    assert "fitted from n =" in memory.verdict.warning  # the note says where and why
    assert memory.fixed_bytes == pytest.approx(2**20, rel=1e-6)


def test_a_clean_power_law_in_memory_is_reliable_with_nothing_left_out():
    values = _sizes(256, 4096)
    memory = F.assess_memory(values, [4.0 * v * v for v in values], predicted=2.0)
    assert memory.verdict.reliable and memory.verdict.warning is None
    assert memory.fit.slope == pytest.approx(2.0, abs=1e-9)
    assert memory.excluded == [None] * len(values)


def test_a_block_that_covers_all_of_n_is_a_regime_of_its_own_not_fitted():
    """Below the block size the whole n×n score block is allocated (n² growth); above it the
    peak is linear: the small sizes are left out, never averaged into the slope."""
    block = 512

    def peak(n: float) -> float:
        return 4.0 * n * n + 768 * n if n <= block else 4.0 * block * block / 8 + 768 * n

    values = _sizes(256, 2**18)
    memory = F.assess_memory(values, [peak(v) for v in values], predicted=1.0)
    assert memory.verdict.reliable, memory.verdict.warning
    assert all(e is not None for v, e in zip(values, memory.excluded, strict=True) if v <= block)
    assert memory.fit.slope == pytest.approx(1.0, abs=0.06)


def test_peaks_below_the_allocator_floor_give_no_memory_slope():
    values = _sizes(8, 64)
    memory = F.assess_memory(values, [100.0 * v for v in values], predicted=1.0)
    assert memory.fit is None and not memory.verdict.reliable
    assert set(memory.excluded) == {"allocator noise"}
    assert "too few points" in memory.verdict.warning


def test_the_runner_gives_the_memory_fit_its_verdict_in_json():
    clock = FakeClock()
    demo, peak_bytes = with_fake_memory(
        fake_demo(clock, lambda x: 1e-7 * x**2), lambda x: 2**20 + 520 * x
    )
    result = D.run_demo(
        "fake",
        demos={"fake": demo},
        clock=clock,
        load=lambda: 0.3,
        start=256,
        stop=4096,
        budget=20,
        peak_bytes=peak_bytes,
    )
    assert result.reliable  # the time fit is its own matter
    doc = result.to_json()
    assert doc["memory_reliable"] is False
    assert doc["memory_fit_status"] == "unreliable: fixed buffers"
    assert "fixed buffers" in doc["memory_warning"] and "below x ≈" in doc["memory_warning"]
    assert doc["memory_predicted_slope"] == 1.0
    assert doc["memory_fixed_bytes"] == pytest.approx(2**20, rel=1e-6)
    small = [p for p in doc["points"] if p["value"] < 1000]
    assert small and all(p["memory_excluded"] == "fixed buffers" for p in small)
    assert all(p["memory_fitted"] is False for p in small)


# --------------------------------------------------------------------------- notes


def test_a_note_comes_with_a_sweep_of_the_variable_it_talks_about_only():
    from dataclasses import replace

    clock = FakeClock()
    demo = replace(
        fake_demo(clock, lambda x: 1e-3),
        ranges={"x": (8, 64), "y": (8, 64)},
        predicted={"x": 2.0, "y": 0.0},
        notes={"y": "y only moves the constant"},
    )
    by_x = run_fake(demo, clock, start=8, stop=64)
    by_y = run_fake(demo, clock, vary="y", start=8, stop=64)
    assert by_x.note == "" and by_x.to_json()["note"] == ""
    assert by_y.note == "y only moves the constant" == by_y.to_json()["note"]


def test_every_note_belongs_to_a_variable_its_demo_can_vary():
    for demo in D.DEMOS.values():
        assert set(demo.notes) <= set(demo.ranges), demo.name
    # the attention note explains a slope against d; a sweep of n must not print it
    assert "softmax" in D.DEMOS["attention"].notes["d"]
    assert "n" not in D.DEMOS["attention"].notes


@pytest.mark.parametrize(("vary", "shown"), [("n", False), ("d", True)])
def test_quizapp_demo_prints_the_note_only_for_its_variable(monkeypatch, vary, shown):
    from click.testing import CliRunner

    from quizapp.cli import main

    real = D.run_demo
    clock = FakeClock()
    tiny = replace_setup(D.DEMOS["attention"], clock)
    monkeypatch.setattr(
        D,
        "run_demo",
        lambda name, **kw: real(
            name, demos={name: tiny}, clock=clock, load=lambda: 0.3, measure_memory=False, **kw
        ),
    )
    result = CliRunner().invoke(
        main, ["demo", "attention", "--vary", vary, "--from", "64", "--to", "128", "--no-plot"]
    )
    assert result.exit_code == 0, result.output
    assert ("the n² softmax does not grow with d" in result.stdout) is shown


def replace_setup(demo: D.Demo, clock: FakeClock) -> D.Demo:
    """`demo` whose operation costs 1 ms on the fake clock instead of running a kernel."""
    from dataclasses import replace

    return replace(demo, setup=lambda params, rng: lambda: clock.run(1e-3))


@pytest.mark.parametrize(("predicted", "reliable"), [(1.0, False), (0.8, True), (0.2, True)])
def test_a_sound_fit_far_from_the_prediction_is_not_shown_as_confirming_it(predicted, reliable):
    """attention vs d on this VM: time ≈ a·d + b (the n² softmax does not grow with d) gave a
    straight d^0.52 over 32…1024 against a predicted 1, once ticked as reliable."""
    xs = [float(x) for x in np.geomspace(32, 1024, 11)]
    ys = [1e-3 * x**0.52 for x in xs]
    verdict = F.assess(
        F.fit_loglog(xs, ys),
        xs,
        ys,
        [True] * len(xs),
        predicted=predicted,
        excluded=[None] * len(xs),
        conditions=F.Conditions(threads=1, load=0.2, cpus=2),
    )
    assert verdict.reliable is reliable
    if not reliable:
        assert "0.48 below the predicted 1" in verdict.warning and verdict.advice == (
            F.Advice.EXTEND,
        )
