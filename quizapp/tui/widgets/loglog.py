"""A log–log plot of a demo's measured points (CPU time per call, what the fit uses) and the
line theory predicts; the legend carries the fit's verdict.

textual-plotext (and plotext) take most of a second to import, so this module is
imported only by the demo screen, and the app's warm-up imports it in a thread first.
"""

from __future__ import annotations

from typing import Any

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from quizapp.words import clip

#: Columns the y-axis tick labels and the axis take (seconds such as "0.0797┤").
Y_LABELS = 8


class LogLogPlot(PlotextPlot):
    """Measured time against the swept parameter, with the predicted slope drawn through."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        #: What `render` draws: the plot's title at full length and a demo result snapshot.
        self._title = ""
        self._result: dict[str, Any] = {}

    def show(self, result: dict[str, Any] | None, title: str = "") -> None:
        """Redraw from a demo result snapshot (see DemosScreen), or an empty frame."""
        self._title = title or "measured time (log–log)"
        self._result = result or {}
        self.refresh()

    def render(self) -> RenderResult:
        # The figure is drawn anew for every render: plotext rescales log axes in place when
        # it builds, so building one figure twice (a resize) took the log of a log and failed.
        self._draw()
        return super().render()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        result = self._result
        points = result.get("points") or []
        plt.xlabel(result.get("vary") or "n")
        plt.ylabel("seconds")
        # plotext drops a title wider than its plot area, which the y-axis labels narrow
        # once there are points: cut the title to what is left instead.
        plt.title(clip(self._title, self.size.width - 2 - (Y_LABELS if points else 0)))
        if not points:  # plotext cannot draw empty log axes
            return
        from engine.demos import reference_line

        plt.xscale("log")
        plt.yscale("log")
        xs = [float(p["value"]) for p in points]
        ys = [float(p.get("cpu_seconds") or p["seconds"]) for p in points]
        plt.scatter(xs, ys, label=_measured_label(result), marker="dot")
        predicted = result.get("predicted_slope")
        if predicted is not None and len(points) >= 2:
            fitted = [bool(p.get("fitted", True)) for p in points]
            line = reference_line(xs, ys, fitted, predicted)
            plt.plot(xs, line, label=f"predicted slope {predicted:g}")


def _measured_label(result: dict[str, Any]) -> str:
    """The legend says what the fit is worth: the slope with ✓ only when it is reliable."""
    slope = result.get("slope")
    status = result.get("fit_status") or "no fit yet"
    if slope is None:
        return f"measured ({status})"
    if result.get("reliable"):
        return f"measured: slope {slope:.2f} ✓"
    return f"measured: slope {slope:.2f}? ({status})"
