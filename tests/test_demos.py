"""The demo runner: log–log fits, budget, cancellation, callbacks, and one real sweep."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from engine import demos as D


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 3.0])
def test_fit_loglog_recovers_known_exponent_under_noise(exponent):
    rng = np.random.default_rng(int(exponent))
    xs = np.geomspace(10, 10_000, 20)
    ys = 3e-6 * xs**exponent * np.exp(rng.normal(0, 0.05, xs.size))
    slope, intercept, r2 = D.fit_loglog(xs, ys)
    assert slope == pytest.approx(exponent, abs=0.05)
    assert intercept == pytest.approx(np.log(3e-6), abs=0.3)
    if exponent:
        assert r2 > 0.98


def test_fit_loglog_exact_power_law_and_bad_input():
    slope, intercept, r2 = D.fit_loglog([1, 2, 4, 8], [5, 20, 80, 320])
    assert (
        slope == pytest.approx(2)
        and np.exp(intercept) == pytest.approx(5)
        and r2 == pytest.approx(1)
    )
    with pytest.raises(ValueError):
        D.fit_loglog([3, 3], [1, 2])


def _sleepy_demo(exponent: float = 1.0, unit: float = 2e-3, setup_seconds: float = 0.001) -> D.Demo:
    """A fake demo whose operation sleeps unit·(x/8)^exponent seconds; setup costs extra time.

    Units are milliseconds, not microseconds: a loaded CI machine oversleeps by ~0.5 ms.
    """

    def setup(params, rng):
        time.sleep(setup_seconds)  # building inputs must not be timed
        dt = unit * (params["x"] / 8) ** exponent
        return (lambda: time.sleep(dt)) if dt else (lambda: None)

    return D.Demo(
        name="sleepy",
        title="sleep",
        kernel="time.sleep",
        vary="x",
        ranges={"x": (8, 8 * 2**12)},
        fixed={"x": 8},
        predicted={"x": exponent},
        op="matmul",
        cost_params=lambda p: {"m": p["x"], "k": 1, "n": 1},
        setup=setup,
        step=2.0,
    )


def test_runner_stops_within_budget_and_reports_points():
    from engine.costs import compute

    compute("matmul", {"m": 8, "k": 1, "n": 1})  # sympy's first import is not the runner's time
    demos = {"sleepy": _sleepy_demo()}
    seen = []
    t0 = time.perf_counter()
    result = D.run_demo(
        "sleepy",
        budget=0.6,
        demos=demos,
        measure_memory=False,
        on_point=lambda p, r: seen.append((p, len(r.points))),
    )
    wall = time.perf_counter() - t0
    assert result.elapsed <= wall
    assert wall < 0.6 * 1.5  # at most a modest overrun
    assert 3 <= len(result.points) < 13  # the full sweep would take minutes
    assert [n for _, n in seen] == list(range(1, len(result.points) + 1))
    assert not result.cancelled
    assert result.slope == pytest.approx(1.0, abs=0.25)  # sleep oversleeps by a fixed amount
    doc = result.to_json()
    assert doc["demo"] == "sleepy" and doc["vary"] == "x"
    assert set(doc["points"][0]) == {"value", "seconds", "gflops", "peak_bytes"}


def test_runner_times_the_operation_not_building_its_inputs():
    """Setup sleeps 50 ms, the operation does nothing: no point may report the setup's time."""
    demos = {"sleepy": _sleepy_demo(unit=0.0, setup_seconds=0.05)}
    result = D.run_demo("sleepy", budget=0.3, demos=demos, measure_memory=False)
    assert result.points
    assert max(p.seconds for p in result.points) < 0.005


@pytest.mark.parametrize("kind", ["event", "callable"])
def test_runner_cancellation_returns_points_so_far(kind):
    demos = {"sleepy": _sleepy_demo(exponent=0.0)}
    event = threading.Event()
    cancel = event if kind == "event" else event.is_set

    def on_point(point, result):
        if len(result.points) == 2:
            event.set()

    result = D.run_demo(
        "sleepy", budget=30, demos=demos, cancel=cancel, on_point=on_point, measure_memory=False
    )
    assert result.cancelled
    assert len(result.points) == 2


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


def test_real_restricted_demo_time_slope_is_near_linear():
    result = D.run_demo("restricted", start=2048, stop=16384, budget=2.0, measure_memory=False)
    assert len(result.points) >= 3
    assert 0.6 < result.slope < 1.6


def test_real_softmax_demo_memory_is_quadratic():
    result = D.run_demo("softmax", start=256, stop=1024, budget=2.0)
    assert len(result.points) >= 3
    assert result.slope > 1.2  # cache effects push it above 2 on some machines
    # tracemalloc sees at least the n×n float32 output of each call
    for p in result.points:
        assert p.peak_bytes >= p.value * p.value * 4
    assert 1.7 < result.memory_slope < 2.3


def test_flash_demo_memory_is_linear_and_gflops_use_cost_model():
    result = D.run_demo("flash_memory", start=512, stop=2048, budget=3.0)
    assert result.memory_slope is not None and result.memory_slope < 1.4
    p = result.points[0]
    assert p.gflops == pytest.approx(4 * p.value**2 * 64 / p.seconds / 1e9, rel=1e-6)


def test_every_demo_runs_one_point_and_predictions_match_cost_model_growth():
    from engine.costs import compute

    for demo in D.DEMOS.values():
        lo, _ = demo.ranges[demo.vary]
        op = demo.setup(demo.params(demo.vary, lo), np.random.default_rng(0))
        op()
        # The predicted exponent is the FLOP growth of the cost model (softmax: per element count).
        p1, p2 = demo.params(demo.vary, 64), demo.params(demo.vary, 128)
        f1 = compute(demo.op, demo.cost_params(p1)).quantity(
            "memory.total" if demo.op == "softmax" else "flops"
        )
        f2 = compute(demo.op, demo.cost_params(p2)).quantity(
            "memory.total" if demo.op == "softmax" else "flops"
        )
        growth = np.log2(f2 / f1)
        if demo.name == "mha_heads":
            assert growth == pytest.approx(0.0, abs=1e-9)
        else:
            assert growth == pytest.approx(demo.predicted[demo.vary], abs=0.1), demo.name
