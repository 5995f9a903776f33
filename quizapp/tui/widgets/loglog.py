"""A log–log plot of a demo's measured points and the line theory predicts.

textual-plotext (and plotext) take most of a second to import, so this module is
imported only by the demo screen, and the app's warm-up imports it in a thread first.
"""

from __future__ import annotations

import math
from typing import Any

from textual.app import RenderResult
from textual_plotext import PlotextPlot


class LogLogPlot(PlotextPlot):
    """Measured time against the swept parameter, with the predicted slope drawn through."""

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
            plt.xscale("log")
            plt.yscale("log")
            xs = [float(p["value"]) for p in points]
            ys = [float(p["seconds"]) for p in points]
            plt.scatter(xs, ys, label="measured", marker="dot")
            predicted = (result or {}).get("predicted_slope")
            if predicted is not None and len(points) >= 2:
                plt.plot(xs, _reference_line(result or {}, predicted), label=f"slope {predicted:g}")
        self.refresh()

    def render(self) -> RenderResult:
        # plotext drops a title wider than the plot: at 80 columns the demo's title
        # vanished. Shorten it to the width it gets at this size instead.
        self.plt.title(fit_title(getattr(self, "_title", ""), self.size.width - 2))
        return super().render()


def fit_title(title: str, width: int) -> str:
    """`title` cut to `width` characters with '…' (whole when it fits)."""
    if len(title) <= width:
        return title
    return title[: max(0, width - 1)].rstrip() + "…"


def _reference_line(result: dict[str, Any], slope: float) -> list[float]:
    """The predicted power law, anchored (as `quizapp demo` does) at the fitted points' centre.

    Only a drawing aid: where the line sits vertically carries no claim, its slope does.
    """
    points = result["points"]
    fitted = [p for p in points if p["value"] in set(result.get("fitted_values") or ())] or points
    mx = sum(math.log(p["value"]) for p in fitted) / len(fitted)
    my = sum(math.log(p["seconds"]) for p in fitted) / len(fitted)
    return [math.exp(my + slope * (math.log(p["value"]) - mx)) for p in points]
