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
        #: The plot's title at full length; `render` cuts it to the width it gets.
        self._title = ""

    def show(self, result: dict[str, Any] | None, title: str = "") -> None:
        """Redraw from a demo result snapshot (see DemosScreen), or an empty frame."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self._title = title or "measured time (log–log)"
        points = (result or {}).get("points") or []
        vary = (result or {}).get("vary") or "n"
        plt.xlabel(vary)
        plt.ylabel("seconds")
        if points:  # plotext cannot draw empty log axes
            from engine.demos import reference_line

            plt.xscale("log")
            plt.yscale("log")
            xs = [float(p["value"]) for p in points]
            ys = [float(p.get("cpu_seconds") or p["seconds"]) for p in points]
            plt.scatter(xs, ys, label=_measured_label(result or {}), marker="dot")
            predicted = (result or {}).get("predicted_slope")
            if predicted is not None and len(points) >= 2:
                fitted = [bool(p.get("fitted", True)) for p in points]
                line = reference_line(xs, ys, fitted, predicted)
                plt.plot(xs, line, label=f"predicted slope {predicted:g}")
        self.refresh()

    def render(self) -> RenderResult:
        # plotext drops a title wider than the plot: at 80 columns the demo's title
        # vanished. Shorten it to the width it gets at this size instead.
        self.plt.title(clip(self._title, self.size.width - 2))
        return super().render()


def _measured_label(result: dict[str, Any]) -> str:
    """The legend says what the fit is worth: the slope with ✓ only when it is reliable."""
    slope = result.get("slope")
    status = result.get("fit_status") or "no fit yet"
    if slope is None:
        return f"measured ({status})"
    if result.get("reliable"):
        return f"measured: slope {slope:.2f} ✓"
    return f"measured: slope {slope:.2f}? ({status})"
