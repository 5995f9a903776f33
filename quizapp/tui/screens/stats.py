"""Stats: retention, the review forecast, 12 weeks of activity, topics and leeches.

The screen draws what `quizapp.progress.progress()` computes (the same figures as
`quizapp stats --json`); the computation runs in a thread worker, and a failure there
leaves a message on the screen instead of a frozen one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from quizapp.progress import Progress
from quizapp.tui.messages import LibraryLoaded
from quizapp.tui.widgets.format import percent
from quizapp.words import count

if TYPE_CHECKING:
    from datetime import date

    from quizapp.tui.app import QuizApp

#: Heatmap shades, from no answers to the busiest day.
SHADES = " ░▒▓█"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def heatmap(activity: list[tuple[date, int]]) -> str:
    """Weeks as columns, weekdays as rows; darker is more answers (relative to the busiest day)."""
    if not activity:
        return ""
    busiest = max(n for _, n in activity)
    if busiest == 0:
        return f"No answers in the last {Progress.activity_weeks} weeks yet."
    first = activity[0][0]
    offset = first.weekday()
    columns = (offset + len(activity) + 6) // 7
    grid = [[" "] * columns for _ in range(7)]
    for i, (_day, n) in enumerate(activity):
        cell = offset + i
        shade = 0 if n == 0 else 1 + min(3, (n * 4 - 1) // busiest)
        grid[cell % 7][cell // 7] = SHADES[shade] if n else "·"
    rows = [f"{WEEKDAYS[d]} " + " ".join(grid[d]) for d in range(7)]
    return "\n".join(rows) + f"\n    busiest day: {busiest} answers · {SHADES[1:]} = more"


class StatsScreen(Screen[None]):
    """Spaced-repetition progress in four tabs."""

    HELP_TITLE = "Stats"
    HELP = f"""\
## Stats

**Overview**: the share of reviews you recalled in the last {Progress.retention_days} days
next to the share the scheduler aims for, reviews due per day (up to your interview date,
else {Progress.forecast_days} days) and {Progress.activity_weeks} weeks of activity (darker:
more answers).

**Topics**: for every topic, how likely you are to recall its questions now (FSRS
retrievability; never seen counts as 0) and your accuracy, weakest first.

**Forecast**: the reviews due per day as a chart.

**Leeches**: questions failed {Progress.leech_threshold} times or more; they open with the
derivation first.

| Key | Does |
|-----|------|
| Enter on a topic / a leech | practise that topic / that question |
| Tab / ← → on the tabs | switch tabs |
| r | recompute |
| Esc | back |
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="stats-back", tooltip="Back to home"),
        Binding("r", "reload", "Reload", id="stats-reload", tooltip="Recompute the stats"),
    ]

    app: QuizApp

    def compose(self) -> ComposeResult:
        yield Static("Stats · loading…", id="stats-title")
        with TabbedContent(id="stats-tabs"):
            with TabPane("Overview", id="tab-overview"), VerticalScroll():
                yield Static("", id="stats-retention")
                yield Static("Reviews due per day", classes="section-title")
                yield Sparkline([], id="stats-forecast-spark")
                yield Static("", id="stats-forecast-label")
                yield Static(
                    f"Activity, last {Progress.activity_weeks} weeks",
                    classes="section-title",
                    id="stats-activity-title",
                )
                yield Static("", id="stats-heatmap")
            with TabPane("Topics", id="tab-topics"):
                yield DataTable(id="stats-topics", cursor_type="row", zebra_stripes=True)
            with TabPane("Forecast", id="tab-forecast"):
                yield PlotextPlot(id="stats-forecast-plot")
            with TabPane("Leeches", id="tab-leeches"):
                yield DataTable(id="stats-leeches", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-topics", DataTable).add_columns(
            "Topic", "Qs", "Seen", "Recall now", "Accuracy", "Answers"
        )
        self.query_one("#stats-leeches", DataTable).add_columns("Question", "Failures")
        self.action_reload()

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        if self.app.store is None or self.app.library is None:
            return
        self._compute()

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(self) -> None:
        from quizapp.planning import interview_date
        from quizapp.progress import progress

        store, library = self.app.store, self.app.library
        if store is None or library is None:
            return
        now = self.app.now()
        try:
            known = {q.qid: tuple(q.topics) for q in library.questions}
            result = progress(
                store,
                known,
                now=now,
                today=now.astimezone().date(),
                interview=interview_date(store),
            )
        except Exception as exc:  # a broken history must not freeze the screen
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, reason: str) -> None:
        self.query_one("#stats-title", Static).update(f"Stats · could not be computed: {reason}")

    def _show(self, p: Progress) -> None:
        self.query_one("#stats-title", Static).update(
            f"Stats · {count(p.activity_total, 'answer')} in {p.activity_weeks} weeks"
        )
        self.query_one("#stats-activity-title", Static).update(
            f"Activity, last {p.activity_weeks} weeks"
        )
        self.query_one("#stats-retention", Static).update(
            f"Recalled in the last {p.retention_days} days: {percent(p.measured_retention)} "
            f"of {p.retention_reviews} reviews · the scheduler aims for "
            f"{percent(p.desired_retention)}"
        )
        counts = [float(n) for _, n in p.forecast]
        self.query_one("#stats-forecast-spark", Sparkline).data = counts
        if p.forecast:
            self.query_one("#stats-forecast-label", Static).update(
                f"{p.forecast[0][0]} … {p.forecast[-1][0]}: {p.forecast_total} reviews, "
                f"{p.due_today} today, at most {p.forecast_peak} on one day"
            )
        self.query_one("#stats-heatmap", Static).update(heatmap(p.activity))

        topics = self.query_one("#stats-topics", DataTable)
        topics.clear()
        for t in p.topics:
            topics.add_row(
                t.topic,
                str(t.questions),
                str(t.seen),
                percent(t.retrievability),
                percent(t.accuracy),
                str(t.answers),
                key=t.topic,
            )
        leeches = self.query_one("#stats-leeches", DataTable)
        leeches.clear()
        for qid, failures in p.leeches:
            leeches.add_row(Text(qid), str(failures), key=qid)
        if not p.leeches:
            leeches.add_row(Text(f"no question failed {p.leech_threshold} times"), "", key="-none-")

        plot = self.query_one("#stats-forecast-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("reviews due per day")
        if p.forecast:
            plt.bar(list(range(len(counts))), counts)
            # Whole reviews on the y-axis (plotext's own ticks said 0.50 and 1.50).
            step = max(1, -(-int(max(counts)) // 5))
            plt.yticks(list(range(0, int(max(counts)) + step, step)))
            plt.xlabel(f"days from {p.forecast[0][0]}")
        plot.refresh()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a topic practises that topic; on a leech, that question."""
        from quizapp.practice import PracticeSelection

        key = str(event.row_key.value or "")
        if event.data_table.id == "stats-topics" and key:
            self.app.open_practice(PracticeSelection(topics=(key,)))
        elif event.data_table.id == "stats-leeches" and key and key != "-none-":
            self.app.open_practice(PracticeSelection(questions=(key,)))

    def action_back(self) -> None:
        self.app.pop_screen()
