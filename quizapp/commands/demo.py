"""`quizapp demo`: time a kernel over a sweep and compare the measured growth with theory.

It prints what the TUI's demo screen shows: a live progress line, then a table of
points, the fitted log–log slope against the cost model's prediction, and a log–log
plot. Ctrl+C stops between calls and still prints what was measured (exit 130).
"""

from __future__ import annotations

import json
import signal
import threading
from typing import TYPE_CHECKING

import click

from quizapp.words import count

#: The engine's advice after an unreliable fit (engine.fitting.Advice), with this command's
#: own flags.
ADVICE = {
    "start_larger": "Start the sweep at larger sizes (--from).",
    "extend": "Extend the sweep to larger sizes (--to).",
    "widen": "Widen --from/--to.",
    "widen_larger": "Widen --from/--to towards larger sizes.",
    "more_points": "Raise the time budget (--budget) or widen --from/--to.",
    "quieter": "Run again with a larger --budget, or when the machine is quieter.",
}

if TYPE_CHECKING:
    from engine.demos import DemoResult, Point
    from engine.fitting import Fit, Verdict


def _list_demos() -> None:
    from engine.demos import DEMOS

    width = max(len(n) for n in DEMOS)
    for demo in DEMOS.values():
        varies = ", ".join(
            f"{p} (≈{demo.predicted[p]:g}{'*' if p == demo.vary else ''})" for p in demo.ranges
        )
        click.echo(f"{demo.name:<{width}}  {demo.title}")
        click.echo(f"{'':<{width}}  vary: {varies}")
    click.echo("\n* the default swept parameter; ≈ the predicted time exponent")


def _table(result: DemoResult) -> list[str]:
    from engine.units import format_bytes, format_seconds

    rows = [(result.vary, "time", "CPU time", "GFLOP/s", "fit", "peak memory", "mem fit")]
    for p in result.points:
        rows.append(
            (
                str(p.value),
                format_seconds(p.seconds),
                format_seconds(p.cpu_seconds) + ("" if p.settled else " ~"),
                "–" if p.gflops is None else f"{p.gflops:.1f}",
                _mark(result.reliable, p.excluded),
                "–" if p.peak_bytes is None else format_bytes(p.peak_bytes),
                "–" if p.peak_bytes is None else _mark(result.memory_reliable, p.memory_excluded),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(not p.settled for p in result.points):
        lines.append("~ its fastest repeats never agreed within 5 % (noise from other programs)")
    return lines


def _mark(reliable: bool, excluded: str | None) -> str:
    """A point's place in a fit: ✓ fitted into a reliable slope, ? into an unreliable one
    (never a ✓ there), or why it was left out."""
    if excluded is not None:
        return f"no ({excluded})"
    return "✓" if reliable else "?"


def _verdict_lines(
    what: str,
    vary: str,
    fit: Fit | None,
    verdict: Verdict,
    predicted: float | None,
    *,
    fitted: int,
    measured: int,
) -> list[str]:
    """The fitted slope of `what` against `vary` with its verdict, then its warning or note.

    `fitted` of the `measured` points went into `fit`.
    """
    if fit is None:
        return [f"No {what} slope: " + (verdict.explain(ADVICE) or "too few points.")]
    pred = "" if predicted is None else f", predicted {predicted:g}"
    mark = "✓ reliable" if verdict.reliable else "✗ UNRELIABLE"
    lines = [
        f"{what} ∝ {vary}^{fit.slope:.2f} ± {fit.stderr:.2f}  (R² = {fit.r2:.3f}{pred}; "
        f"fitted on {fitted} of {measured} points)  {mark}"
    ]
    warning = verdict.explain(ADVICE)
    if warning:
        lines.append(("Note: " if verdict.reliable else "Warning: ") + warning)
    return lines


def _conditions(result: DemoResult) -> str:
    """How the points were measured, in one line."""
    threads = (
        "BLAS threads not controllable"
        if result.threads is None
        else (f"BLAS pinned to {result.threads} thread{'s' * (result.threads != 1)}")
    )
    load = "" if result.load is None else f", load {result.load:.1f} on {result.cpus} cores"
    start = (
        ""
        if result.calibrated_start is None
        else f"; sweep starts at {result.vary} = {result.calibrated_start} (first size ≥ 1 ms)"
    )
    return f"Timing: {threads}{load}{start}; slope fitted on the thread's CPU time."


def _summary(result: DemoResult) -> list[str]:
    points = result.points
    lines = [
        _conditions(result),
        *_verdict_lines(
            "time",
            result.vary,
            result.fit,
            result.verdict,
            result.predicted_slope,
            fitted=len(result.fitted_values),
            measured=len(points),
        ),
    ]
    measured = sum(1 for p in points if p.peak_bytes is not None)
    if measured and (result.memory_fit is not None or result.memory_predicted_slope is not None):
        lines += _verdict_lines(
            "peak memory",
            result.vary,
            result.memory_fit,
            result.memory_verdict,
            result.memory_predicted_slope,
            fitted=sum(1 for p in points if p.memory_fitted),
            measured=measured,
        )
    if result.cancelled:
        lines.append("Stopped early: these are the points completed so far.")
    return lines


def _plot(result: DemoResult) -> str | None:
    """Measured points and the predicted line on log–log axes, as terminal text."""
    pts = result.points
    if len(pts) < 2:
        return None
    import plotext as plt

    from engine.demos import reference_line

    xs = [float(p.value) for p in pts]
    ys = [p.cpu_seconds for p in pts]
    plt.clear_figure()
    plt.plotsize(72, 20)
    plt.xscale("log")
    plt.yscale("log")
    plt.scatter(xs, ys, label=f"measured ({result.verdict.short})", marker="dot")
    if result.predicted_slope is not None:
        fitted = [p.fitted for p in pts]
        line = reference_line(xs, ys, fitted, result.predicted_slope)
        plt.plot(xs, line, label=f"predicted slope {result.predicted_slope:g}")
    plt.title(f"{result.demo}: CPU time vs {result.vary} (log–log)")
    plt.xlabel(result.vary)
    plt.ylabel("seconds")
    plt.theme("clear")
    return plt.build()


@click.command("demo")
@click.argument("name", required=False)
@click.option("--vary", "vary", metavar="P", help="Parameter to sweep (default: the demo's own).")
@click.option(
    "--from",
    "start",
    type=float,
    metavar="A",
    help="First value of the sweep (default: the first size whose call takes ≥ 1 ms).",
)
@click.option("--to", "stop", type=float, metavar="B", help="Last value of the sweep.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0.0, min_open=True),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Time budget; the sweep stops before it would overrun.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--list", "list_", is_flag=True, help="List the demos and exit.")
@click.option("--no-plot", is_flag=True, help="Skip the terminal plot.")
def demo(
    name: str | None,
    vary: str | None,
    start: float | None,
    stop: float | None,
    budget: float,
    as_json: bool,
    list_: bool,
    no_plot: bool,
) -> None:
    """Time a kernel over a geometric sweep and fit how its cost grows.

    NAME is a demo from `quizapp demo --list`, e.g. `quizapp demo matmul --vary k` (time ∝ k, the
    inner dimension).
    Inputs are built outside the timed region; BLAS runs on one thread; each point is the
    fastest of repeats; the sweep starts where calls take ≥ 1 ms unless --from is given.
    The fit is marked ✓ only when it is reliable; otherwise a warning says why (busy
    machine, too few points, overhead-bound) and what to try. --json carries "reliable",
    "warning", "advice" (what to try, as kinds such as "extend"), "threads" and "load".
    """
    from engine.demos import DEMOS, DemoError, run_demo

    if list_:
        _list_demos()
        return
    if name is None:
        raise click.UsageError(f"give a demo NAME; choose one of: {', '.join(DEMOS)}")
    if name not in DEMOS:
        raise click.UsageError(f"unknown demo {name!r}; choose one of: {', '.join(DEMOS)}")
    if vary is not None and vary not in DEMOS[name].ranges:
        raise click.UsageError(
            f"demo {name!r} cannot vary {vary!r}; choose one of: {', '.join(DEMOS[name].ranges)}"
        )

    cancel = threading.Event()
    label = vary or DEMOS[name].vary

    def on_point(point: Point, so_far: DemoResult) -> None:
        click.echo(
            f"\r{name}: {count(len(so_far.points), 'point')}, {label} = {point.value}, "
            f"{so_far.elapsed:.1f} s of {budget:g} s   ",
            err=True,
            nl=False,
        )

    def on_sigint(signum: int, frame: object) -> None:
        if cancel.is_set():  # a second Ctrl+C: stop at once
            raise KeyboardInterrupt
        cancel.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_sigint)
    click.echo(f"{name}: measuring (budget {budget:g} s, Ctrl+C stops)…", err=True)
    try:
        result = run_demo(
            name, vary=vary, start=start, stop=stop, budget=budget, on_point=on_point, cancel=cancel
        )
    except DemoError as exc:
        raise click.UsageError(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("\ninterrupted before any point finished", err=True)
        raise SystemExit(130) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        click.echo("", err=True)

    if as_json:
        doc = result.to_json()  # its warnings in this command's words, as printed
        doc["warning"] = result.verdict.explain(ADVICE)
        doc["memory_warning"] = result.memory_verdict.explain(ADVICE)
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(f"{DEMOS[name].title}\n{DEMOS[name].kernel}\n")
        for line in [*_table(result), "", *_summary(result)]:
            click.echo(line)
        if result.note:
            click.echo(f"Note: {result.note}")
        plot = None if no_plot else _plot(result)
        if plot:
            click.echo(plot)
    if result.cancelled:
        raise SystemExit(130)
