"""The home screen: the modes, and every pack and topic with its progress.

It paints before anything heavy is imported (the packs load in a worker) and fills
its tables when `LibraryLoaded` arrives; it refreshes them whenever it comes back
into view, so a finished practice session shows at once. The store's summary reads the
whole history, so it is read in a thread worker, and only while home is on screen (a
refresh asked for under another screen waits for the return): a big or locked
database never freezes home, nor competes with the screen in use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from quizapp import words
from quizapp.tui.messages import LibraryLoaded, ProgressRead
from quizapp.tui.widgets.banner import Banner
from quizapp.tui.widgets.format import ago, percent

if TYPE_CHECKING:
    from datetime import datetime

    from quizapp.packs import Library
    from quizapp.store import Store, Summary
    from quizapp.tui.app import QuizApp

#: (option id, label, the app action it runs)
MODES: list[tuple[str, str, str]] = [
    ("due", "Practise  \\[n]", "practice"),
    ("practice", "Choose packs…  \\[p]", "choose_practice"),
    ("mock", "Mock interview  \\[m]", "mock"),
    ("demos", "Demos  \\[d]", "demos"),
    ("history", "History  \\[h]", "history"),
    ("stats", "Stats  \\[s]", "stats"),
    ("interview", "Interview date…  \\[i]", "interview"),
]

LOADING = "loading packs…"


class HomeScreen(Screen[None]):
    """Modes on the left, progress per pack and per topic on the right."""

    HELP_TITLE = "Home"
    HELP = """\
## Home

The **modes** are on the left; the **progress** of every pack and topic on the right:
how many questions it holds (**Qs**), how many are **due** for review now (spaced
repetition), how many you have never tried (**new**), your accuracy (**Acc**: right /
answered) and when you last practised (**Last**).

**Enter** on a pack or topic row practises just that pack or topic; **Tab** moves
between the modes and the tables.
"""

    # Every mode's key is also written in the Modes list; at 80 columns the footer has
    # room for five of them and F1 Help.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "app.practice", "Practise", id="due", tooltip="Due questions, then new ones"),
        Binding("p", "app.choose_practice", "Choose", id="practice", tooltip="Choose packs/topics"),
        Binding("m", "app.mock", "Mock", id="mock", tooltip="Start a mock interview"),
        Binding("d", "app.demos", "Demos", id="demos", tooltip="Timing demos"),
        Binding("h", "app.history", "History", id="history", tooltip="Your attempts"),
        Binding(
            "s",
            "app.stats",
            "Stats",
            id="stats",
            tooltip="Stats: retention, forecast, activity, weakest topics",
            show=False,  # the Modes list shows its key; the footer keeps room for F1 Help
        ),
        Binding(
            "i",
            "app.interview",
            "Date",
            id="interview",
            tooltip="Interview date and daily minutes: a plan to the day",
            show=False,
        ),
        Binding("q", "app.quit", "Quit", id="home-quit", tooltip="Leave quizapp", show=False),
        Binding(
            "r", "reload", "Reload", id="home-reload", tooltip="Read progress again", show=False
        ),
    ]

    app: QuizApp

    def compose(self) -> ComposeResult:
        yield Header()
        yield Banner()
        with Horizontal(id="home-body"):
            with Vertical(id="home-modes"):
                yield Static("Modes", classes="section-title")
                yield OptionList(*[Option(label, id=key) for key, label, _ in MODES], id="modes")
                yield Static(LOADING, id="home-summary")
                yield Static("", id="home-plan")
            with Vertical(id="home-progress"):
                yield Static("Packs", classes="section-title")
                yield DataTable(id="packs-table", cursor_type="row", zebra_stripes=True)
                yield Static("Topics", classes="section-title")
                yield DataTable(id="topics-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        packs = self.query_one("#packs-table", DataTable)
        packs.add_columns("Pack", "Qs", "Due", "New", "Acc", "Last", "Title")
        topics = self.query_one("#topics-table", DataTable)
        topics.add_columns("Topic", "Qs", "Due", "New", "Acc", "Last")
        packs.loading = topics.loading = self.app.library is None
        self.query_one("#modes", OptionList).focus()
        if self.app.library is not None:
            self.refresh_progress()

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.refresh_progress()

    def on_screen_resume(self) -> None:
        """Back from practice or a mock: the tables show the answers just given."""
        self.action_reload()

    def action_reload(self) -> None:
        if self.app.library is not None:
            self.refresh_progress()

    def refresh_progress(self) -> None:
        """Fill both tables from the library and the store's summary (read in a worker)."""
        library = self.app.library
        if library is None or not library.questions:
            packs = self.query_one("#packs-table", DataTable)
            topics = self.query_one("#topics-table", DataTable)
            packs.loading = topics.loading = False
            packs.clear()
            topics.clear()
            message = self.app.library_error or "No question packs found."
            self.query_one("#home-summary", Static).update(message)
            return
        if not self.is_current:
            return  # under another screen: the return here (on_screen_resume) reads it
        if self.app.store is None:
            self._show_progress(None, self.app.now())
            return
        if self.query_one("#packs-table", DataTable).row_count == 0:
            self.query_one("#home-summary", Static).update("reading your progress…")
        self._progress_worker()

    @work(thread=True, exclusive=True, group="home-progress", exit_on_error=False)
    def _progress_worker(self) -> None:
        """The store's summary reads the whole history: never on the UI thread."""
        store, library = self.app.store, self.app.library
        now = self.app.now()
        if store is None or library is None:
            return
        try:
            known = {q.qid: tuple(q.topics) for q in library.questions}
            message = ProgressRead(store.summary(known, now=now), now)
        except Exception as exc:  # a locked or broken history must not break home
            message = ProgressRead(None, now, error=str(exc) or type(exc).__name__)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_progress_read(self, message: ProgressRead) -> None:
        if message.error is not None:
            self.query_one("#home-summary", Static).update(
                f"Progress could not be read ({message.error}): press r to try again."
            )
            for table in self.query(DataTable):
                table.loading = False
            return
        self._show_progress(message.summary, message.now)

    def _show_progress(self, summary: Summary | None, now: datetime) -> None:
        """Both tables and the summary line: the library's questions, the store's figures."""
        library = self.app.library
        if library is None:
            return
        packs = self.query_one("#packs-table", DataTable)
        topics = self.query_one("#topics-table", DataTable)
        packs.loading = topics.loading = False
        packs.clear()
        topics.clear()
        summary_line = self.query_one("#home-summary", Static)
        by_pack = {g.name: g for g in summary.by_pack} if summary else {}
        by_topic = {g.name: g for g in summary.by_topic} if summary else {}
        for pack in library.packs:
            count = sum(1 for q in library.questions if q.pack_id == pack.id)
            g = by_pack.get(pack.id)
            packs.add_row(
                pack.id,
                str(count),
                str(g.due_now if g else 0),
                str(g.new if g else count),
                percent(g.accuracy if g else None),
                ago(g.last_practised if g else None, now),
                Text(pack.title),
                key=f"pack:{pack.id}",
            )
        for topic, count in _topic_counts(library):
            g = by_topic.get(topic)
            topics.add_row(
                topic,
                str(count),
                str(g.due_now if g else 0),
                str(g.new if g else count),
                percent(g.accuracy if g else None),
                ago(g.last_practised if g else None, now),
                key=f"topic:{topic}",
            )
        total = summary.total if summary else None
        due = total.due_now if total else 0
        summary_line.update(
            f"{words.count(len(library.packs), 'pack')}, "
            f"{words.count(len(library.questions), 'question')}\n"
            f"{due} due now · {total.new if total else len(library.questions)} new\n"
            f"accuracy {percent(total.accuracy if total else None)}"
        )
        modes = self.query_one("#modes", OptionList)
        modes.replace_option_prompt("due", f"Practise ({due} due)  \\[n]")
        if self.app.store is not None:
            self._plan_worker()

    @work(thread=True, exclusive=True, group="home-plan", exit_on_error=False)
    def _plan_worker(self) -> None:
        """The countdown and today's load, when an interview date is set (see quizapp.planning)."""
        store, library = self.app.store, self.app.library
        if store is None or library is None:
            return
        try:
            text = countdown_text(store, library, self.app.now())
        except Exception as exc:  # a broken plan must not break home
            text = f"plan unavailable: {exc}"
        self.app.call_from_thread(self.query_one("#home-plan", Static).update, text)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id != "modes":
            return
        action = next(a for key, _, a in MODES if key == event.option.id)
        await self.run_action(f"app.{action}")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from quizapp.practice import PracticeSelection

        key = str(event.row_key.value or "")
        kind, _, name = key.partition(":")
        if kind == "pack":
            self.app.open_practice(PracticeSelection(packs=(name,)))
        elif kind == "topic":
            self.app.open_practice(PracticeSelection(topics=(name,)))


def countdown_text(store: Store, library: Library, now: datetime) -> str:
    """'Interview in 12 days' and today's planned load, or '' when no date is set."""
    from quizapp.planning import plan_for

    today = now.astimezone().date()
    budgets = {q.qid: float(q.time) for q in library.questions}
    try:
        plan = plan_for(store, budgets, today=today)
    except ValueError:  # the date has passed
        return "The interview date has passed:\npress i to set a new one."
    if plan is None:
        return "No interview date yet:\npress i to plan to it."
    work = plan.today_plan
    load = (
        ""
        if work is None
        else (f"\ntoday: {len(work.new)} new · {len(work.due)} due\n≈ {work.minutes:.0f} min")
    )
    unmet = f"\n{len(plan.unseen_after_plan)} will not fit" if plan.unseen_after_plan else ""
    return f"Interview in {plan.days_left} days{load}{unmet}"


def _topic_counts(library: Library) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for question in library.questions:
        for topic in question.topics:
            counts[topic] = counts.get(topic, 0) + 1
    return sorted(counts.items())


class ResumeMockScreen(ModalScreen[str]):
    """Offers to resume a mock interview left unfinished: 'resume', 'discard' or 'later'."""

    HELP_TITLE = "Unfinished mock interview"
    HELP = "A mock interview was left unfinished. **Resume** it, **discard** it, or decide later."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('later')", "Later", id="resume-later", tooltip="Decide later"),
        Binding("r", "choose('resume')", "Resume", id="resume-yes", tooltip="Resume it"),
        Binding("x", "choose('discard')", "Discard", id="resume-no", tooltip="Discard it"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="resume-dialog", classes="dialog"):
            yield Static("You have an unfinished mock interview. Resume it?", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resume \\[r]", id="resume", variant="primary")
                yield Button("Discard \\[x]", id="discard", variant="error")
                yield Button("Later \\[Esc]", id="later")
        yield Footer()  # its own keys, over the footer of the screen underneath

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "later")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
