"""Demos: time a kernel over a sweep in a worker thread and plot it live on log–log axes.

engine.demos does the measuring (inputs built outside the timed region, fastest of
repeats on one BLAS thread, the fitted slope, its verdict — reliable or not, and why — and
the predicted slope from the cost model); this screen only
starts it, shows each point as it arrives, and cancels it on Esc through the
`threading.Event` the runner checks between points and repeats.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from quizapp.tui.messages import DemoFailed, DemoInfo, DemoProgress, DemosListed
from quizapp.tui.widgets.loglog import LogLogPlot
from quizapp.words import count

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp

BUDGETS = (2.0, 5.0, 10.0, 20.0, 60.0)
#: The engine's advice after an unreliable fit (engine.fitting.Advice), with this screen's
#: own controls: the sweep starts where calls take ≥ 1 ms and ends where the time budget
#: runs out, so a larger budget (the budget list, Tab) is what reaches larger sizes.
_LARGER_BUDGET = "Pick a larger budget (Tab to the budget list, then r)"
ADVICE = {
    "start_larger": f"{_LARGER_BUDGET}: the sweep then goes on to larger sizes.",
    "extend": f"{_LARGER_BUDGET} to reach larger sizes.",
    "widen": f"{_LARGER_BUDGET} for a wider range.",
    "widen_larger": f"{_LARGER_BUDGET} for a wider range towards larger sizes.",
    "more_points": f"{_LARGER_BUDGET} for more points.",
    "quieter": "Run again (r) with a larger budget, or when the machine is quieter.",
}


class DemosScreen(Screen[None]):
    """A list of demos, the live plot, and the fitted slope against the prediction."""

    HELP_TITLE = "Demos"
    HELP = """\
## Demos

Each demo times one kernel (attention, matmul, softmax, …) while sweeping one
parameter, then fits a straight line on **log–log axes**: its slope is the measured
growth exponent, to compare with the cost model's prediction (e.g. 2 for attention
in n). GFLOP/s uses the cost model's FLOP count; peak memory comes from tracemalloc.

**Enter** on the list runs the selected demo; **Tab** moves to the parameter and
time-budget choices, then to the results panel (the arrows scroll it when it holds more
than the terminal shows: the figures of the run come first, then what the kernel is).

The sweep stops before it would overrun the time budget; cancelling keeps the
points completed so far. A slope is marked ✓ only when the fit is reliable;
otherwise the panel says why (busy machine, too few points, overhead-bound) and
what to try. Times are the thread's CPU time, which other programs cannot inflate.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel_or_back",
            "Cancel/Back",
            id="demo-cancel",
            tooltip="Cancel a running demo (keeps its points); idle: back",
        ),
        Binding("r", "run", "Run", id="demo-run", tooltip="Run the selected demo"),
    ]

    app: QuizApp

    def __init__(self, name: str | None = None, *, vary: str | None = None, budget: float = 5.0):
        super().__init__()
        self.initial = name
        self.initial_vary = vary
        self.budget = budget
        self.demos: dict[str, DemoInfo] = {}
        self.running = False
        self.run_id = 0
        self.cancel_event: threading.Event | None = None
        self.result: dict[str, Any] | None = None
        self.status = "idle"
        #: BLAS held to one thread from the UI thread from the first run on (`_pin_blas`).
        self._blas_pin: ExitStack | None = None

    def compose(self) -> ComposeResult:
        yield Static("Demos · loading…", id="demos-title")
        with Horizontal(id="demos-body"):
            with Vertical(id="demo-side"):
                yield OptionList(id="demo-list")
                yield Select[str]([], prompt="vary", id="demo-vary", allow_blank=True)
                budgets = [(f"budget {b:g} s", b) for b in BUDGETS]
                if self.budget not in BUDGETS:
                    budgets.insert(0, (f"budget {self.budget:g} s", self.budget))
                yield Select[float](budgets, value=self.budget, allow_blank=False, id="demo-budget")
            with Vertical(id="demo-main"):
                yield LogLogPlot(id="demo-plot")
                with VerticalScroll(id="demo-panel"):
                    yield Static("", id="demo-stats")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#demo-list").loading = True
        self.query_one(LogLogPlot).show(None)
        self._list_worker()

    def on_unmount(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
        if self._blas_pin is not None:
            self._blas_pin.close()

    def _pin_blas(self) -> None:
        """Hold BLAS to one thread from this (the main) thread until the screen closes.

        Demos measure in a worker thread, and OpenBLAS ignores a thread limit set from a
        thread other than the main one once the main thread has set one (the second run of
        a demo measured with 2 threads). `pinned_blas` blocks nest, so the worker's own block
        then finds the limit already in force.
        """
        from engine.timing import pinned_blas

        if self._blas_pin is None:
            self._blas_pin = ExitStack()
            self._blas_pin.enter_context(pinned_blas())

    @work(thread=True, exclusive=True, group="demo-list", exit_on_error=False)
    def _list_worker(self) -> None:
        from engine.demos import DEMOS

        infos = [
            DemoInfo(
                name=d.name,
                title=d.title,
                kernel=d.kernel,
                vary=d.vary,
                variables=tuple(d.variables),
                predicted=dict(d.predicted),
                notes=dict(d.notes),
            )
            for d in DEMOS.values()
        ]
        self.post_message(DemosListed(infos))

    def on_demos_listed(self, message: DemosListed) -> None:
        self.demos = {d.name: d for d in message.demos}
        listing = self.query_one("#demo-list", OptionList)
        listing.loading = False
        listing.clear_options()
        listing.add_options([Option(d.name, id=d.name) for d in message.demos])
        self.query_one("#demos-title", Static).update(
            f"Demos · {len(self.demos)} kernels · pick one and press Enter"
        )
        start = self.initial
        if start is not None and start not in self.demos:
            self.notify(
                f"There is no demo named {start!r}; pick one from the list.", severity="warning"
            )
            start = None
        if start is not None:
            listing.highlighted = listing.get_option_index(start)
            self._set_vary_choices(start, self.initial_vary)
            self.action_run()
        elif message.demos:
            listing.highlighted = 0
            self._set_vary_choices(message.demos[0].name)
        listing.focus()
        self._show_stats()

    def _set_vary_choices(self, name: str, vary: str | None = None) -> None:
        info = self.demos[name]
        select = self.query_one("#demo-vary", Select)
        select.set_options(
            [(f"vary {v} (≈ {info.predicted.get(v, 0):g})", v) for v in info.variables]
        )
        select.value = vary if vary in info.variables else info.vary

    @on(OptionList.OptionHighlighted, "#demo-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and not self.running:
            self._set_vary_choices(event.option.id)
            self.result = None
            self.status = "idle"
            self.query_one(LogLogPlot).show(None, self.demos[event.option.id].title)
            self._show_stats()

    @on(OptionList.OptionSelected, "#demo-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_run()

    def _selected_name(self) -> str | None:
        listing = self.query_one("#demo-list", OptionList)
        if listing.highlighted is None or not self.demos:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    # ------------------------------------------------------------------ running

    def action_run(self) -> None:
        name = self._selected_name()
        if name is None:
            return
        if self.cancel_event is not None:
            self.cancel_event.set()  # a run still going stops before the new one starts
        vary_value = self.query_one("#demo-vary", Select).value
        vary = vary_value if isinstance(vary_value, str) else None
        budget_value = self.query_one("#demo-budget", Select).value
        budget = float(budget_value) if isinstance(budget_value, int | float) else self.budget
        self._pin_blas()
        self.run_id += 1
        self.cancel_event = threading.Event()
        self.running = True
        self.status = "running"
        self.result = {"demo": name, "vary": vary or self.demos[name].vary, "points": []}
        self.query_one(LogLogPlot).show(self.result, self.demos[name].title)
        self._show_stats()
        self._run_worker(self.run_id, name, vary, budget, self.cancel_event)

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def _run_worker(
        self, run_id: int, name: str, vary: str | None, budget: float, cancel: threading.Event
    ) -> None:
        from engine.demos import run_demo

        worker = get_current_worker()

        def on_point(point: Any, so_far: Any) -> None:
            if not worker.is_cancelled:
                self.post_message(DemoProgress(run_id, _snapshot(so_far, budget)))

        try:
            result = run_demo(name, vary=vary, budget=budget, on_point=on_point, cancel=cancel)
        except Exception as exc:  # DemoError or a kernel failure: say so, keep the screen
            self.post_message(DemoFailed(run_id, str(exc)))
            return
        self.post_message(DemoProgress(run_id, _snapshot(result, budget), done=True))

    def on_demo_progress(self, message: DemoProgress) -> None:
        if message.run_id != self.run_id:
            return
        self.result = message.result
        if message.done:
            self.running = False
            self.status = "cancelled" if message.result.get("cancelled") else "done"
        name = message.result["demo"]
        self.query_one(LogLogPlot).show(message.result, self.demos[name].title)
        self._show_stats()

    def on_demo_failed(self, message: DemoFailed) -> None:
        if message.run_id != self.run_id:
            return
        self.running = False
        self.status = "failed"
        self.notify(message.message, title="The demo could not run", severity="error")
        self._show_stats()

    def action_cancel_or_back(self) -> None:
        if self.running and self.cancel_event is not None:
            self.cancel_event.set()
            self.status = "cancelling"
            self._show_stats()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------------ the side panel

    def _show_stats(self) -> None:
        from engine.units import format_bytes, format_seconds

        name = self._selected_name()
        stats = self.query_one("#demo-stats", Static)
        if name is None:
            stats.update("")
            return
        info = self.demos[name]
        result = self.result or {}
        vary = result.get("vary") or info.vary
        points = result.get("points") or []
        running = self.status in ("running", "cancelling")
        # The run's figures first, then the words (warnings, the kernel): at 80×24 the
        # panel shows about eight lines and the rest is a scroll away.
        status = {
            "idle": "idle — Enter or r runs it",
            "running": f"running… {count(len(points), 'point')}, {result.get('elapsed', 0):.1f} s "
            f"of {result.get('budget', 0):g} s (Esc cancels)",
            "cancelling": "cancelling…",
            "cancelled": f"cancelled — {count(len(points), 'point')} kept",
            "done": f"done — {count(len(points), 'point')} in {result.get('elapsed', 0):.1f} s",
            "failed": "failed",
        }[self.status]
        lines = [f"status: {status}"]
        words: list[str] = []
        predicted = result.get("predicted_slope", info.predicted.get(vary))
        pred = "–" if predicted is None else f"{predicted:g}"
        slope = result.get("slope")
        if slope is None:
            lines.append(f"time ∝ {vary}^?  (predicted {pred})")
        else:
            mark = fit_mark(result.get("reliable"))
            stderr = result.get("slope_stderr") or 0.0
            lines.append(
                f"time ∝ {vary}^[b]{slope:.2f}[/b] ± {stderr:.2f}  (predicted {pred}, "
                f"R² {result.get('r2') or 0:.3f})  {mark}"
            )
        if info.notes.get(vary):  # it explains this slope: beside it, not clipped below
            lines.append(f"[dim]{escape(info.notes[vary])}[/]")
        if result.get("warning") and (slope is not None or not running):
            words.append(f"[yellow]{escape(result['warning'])}[/]")
        if result.get("memory_slope") is not None:
            mp = result.get("memory_predicted_slope")
            mp_text = "" if mp is None else f" (predicted {mp:g})"
            lines.append(
                f"peak memory ∝ {vary}^{result['memory_slope']:.2f}{mp_text}  "
                + fit_mark(result.get("memory_reliable"))
            )
            if result.get("memory_warning") and not running:
                words.append(f"[yellow]{escape(result['memory_warning'])}[/]")
        if points:
            last = points[-1]
            gflops = [p["gflops"] for p in points if p.get("gflops") is not None]
            lines.append(
                f"last: {vary} = {last['value']}, {format_seconds(last['seconds'])}"
                + (
                    ""
                    if last.get("peak_bytes") is None
                    else f", peak {format_bytes(last['peak_bytes'])}"
                )
            )
            if gflops:
                lines.append(f"best {max(gflops):.1f} GFLOP/s")
        if result.get("threads") is not None or result.get("load") is not None:
            load = result.get("load")
            words.append(
                f"[dim]BLAS threads {result.get('threads') or '?'}"
                + ("" if load is None else f" · load {load:.1f} on {result.get('cpus')} cores")
                + " · fitted on CPU time[/]"
            )
        words += [f"[b]{escape(info.title)}[/b]", f"[dim]{escape(info.kernel)}[/]"]
        lines += words
        stats.update("\n".join(lines))


def _snapshot(result: Any, budget: float) -> dict[str, Any]:
    """A copy of a DemoResult the UI thread may keep (the runner goes on mutating its own)."""
    data = result.to_json()
    data["warning"] = result.verdict.explain(ADVICE)  # in this screen's controls
    data["memory_warning"] = result.memory_verdict.explain(ADVICE)
    data["fitted_values"] = list(result.fitted_values)
    data["elapsed"] = result.elapsed
    data["budget"] = budget
    return data


def fit_mark(reliable: Any) -> str:
    """A fitted slope's verdict as Rich markup: green '✓ reliable', else red '✗ unreliable'."""
    return "[green]✓ reliable[/]" if reliable else "[red]✗ unreliable[/]"
