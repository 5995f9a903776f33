"""The Textual application: one app object that the CLI and the tests both build.

Start-up is kept light on purpose: this module imports Textual and nothing heavy.
The store (sqlite3, fsrs), the pack library (yaml, pydantic) and the checker (sympy,
numpy) load in a thread worker that starts after the first frame, while the home
screen already answers keys and says "loading packs…". Screens that need the library
wait for the `LibraryLoaded` message or `await app.wait_library()`.

No way out loses an answer: one the database refused waits in the app's `Recorder`
(and on disk, in its spool, replayed at the next start); quitting tries once more to
save it, within a bound, and says where it is kept if it cannot; a closed terminal
(SIGHUP) or `kill` (SIGTERM) leaves through the same exit as Ctrl+Q, without asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from quizapp.locations import unsaved_answers_dir
from quizapp.mock import LEASE_STALE
from quizapp.recording import Recorded, Recorder
from quizapp.spool import Spool
from quizapp.tui.commands import QuizCommands
from quizapp.tui.messages import AnswersSaved, LibraryLoaded
from quizapp.tui.screens.home import HomeScreen, ResumeMockScreen
from quizapp.tui.widgets.banner import Banner

if TYPE_CHECKING:
    from quizapp.packs import Library
    from quizapp.practice import PracticeSelection
    from quizapp.store import Store

#: Where start= may point.
STARTS = ("home", "practice", "demos", "history", "mock")
#: Seconds between retries of answers the database refused (busy or read-only).
RETRY_SECONDS = 3.0
#: How long a retry waits for the database: short, so retries never pile up behind
#: its lock (each is a thread the app must wait for when it exits).
RETRY_WAIT = 0.5
#: How long quitting waits for the database to take the answers that wait.
QUIT_SAVE_WAIT = 2.0
#: The signals that end the app through its normal exit (a closed terminal, `kill`).
EXIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)
)


class QuizApp(App[None]):
    """quizapp's terminal interface."""

    TITLE = "quizapp"
    SUB_TITLE = "the cost of attention, drilled"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {QuizCommands}
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (Textual declares it as a plain attribute)
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help", tooltip="Help for this screen"),
        # `?` too, as many terminal apps do; an answer box takes it as text first.
        Binding("question_mark", "help", "Help", show=False),
        # Not in the footers (room is short at 80 columns; F1 lists it): home shows q Quit.
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave quizapp", show=False),
    ]

    def __init__(
        self,
        packs_dirs: Iterable[str] = (),
        *,
        store_path: str | None = None,
        clock: Callable[[], float] | None = None,
        start: str = "home",
        seed: int | None = None,
        practice: PracticeSelection | None = None,
        mock_config: dict[str, Any] | None = None,
        resume: bool = False,
        demo: str | None = None,
        demo_budget: float = 5.0,
        shipped: bool = True,
    ) -> None:
        super().__init__()
        if start not in STARTS:
            raise ValueError(f"unknown start screen {start!r}; choose one of: {', '.join(STARTS)}")
        self.packs_dirs: list[str] = [str(d) for d in packs_dirs]
        self.store_path = store_path
        #: Zero-argument callable returning epoch seconds (injectable for tests).
        self.clock: Callable[[], float] = clock or time.time
        #: Draws question seeds; fixed by `seed` for reproducible sessions and snapshots.
        self.rng = random.Random(seed)
        self.start = start
        self.practice_selection = practice
        self.mock_config = mock_config
        self.resume_mock = resume
        self.demo_name = demo
        self.demo_budget = demo_budget
        #: Load the packs shipped with quizapp (tests and snapshots turn this off).
        self.shipped = shipped
        #: The loaded packs; None until the loader worker is done.
        self.library: Library | None = None
        #: The progress database; None until opened (or if it cannot be opened).
        self.store: Store | None = None
        #: Why the packs could not be loaded at all (None when they were).
        self.library_error: str | None = None
        #: True once sympy/numpy and the checker are imported and warm.
        self.engine_ready = False
        #: The one way answers reach the store (keeps them while it cannot be written,
        #: in memory and in the spool next to the database).
        self.recorder = Recorder(None, self.now, Spool(unsaved_answers_dir(store_path)))
        #: Install the SIGHUP/SIGTERM handlers when mounted (`run_app` does; tests do not).
        self.handle_signals = False
        #: The signal that ended the app (None: the user quit).
        self.ended_by: signal.Signals | None = None
        #: Who this running app is, for the lease on an open mock interview.
        self.instance_id = uuid.uuid4().hex
        #: A lasting message for every screen (the history cannot be written), or None.
        self.banner: str | None = None
        self._library_event = asyncio.Event()

    # ------------------------------------------------------------------ helpers for screens

    def now(self) -> datetime:
        """The injected clock as an aware UTC datetime (what the store and fsrs want)."""
        return datetime.fromtimestamp(self.clock(), UTC)

    async def wait_library(self) -> Library | None:
        """Wait until the packs are loaded; returns the library (None if loading failed)."""
        await self._library_event.wait()
        return self.library

    @property
    def library_ready(self) -> bool:
        return self._library_event.is_set()

    def next_seed(self) -> int:
        return self.rng.randrange(1, 1_000_000)

    # ------------------------------------------------------------------ start-up

    def get_default_screen(self) -> Screen:
        return HomeScreen()

    def on_mount(self) -> None:
        if self.handle_signals:
            self._install_signal_handlers()
        if self.start != "home":
            self._open_start_screen()
        # Load after the first frame: the home screen paints and takes keys first.
        self.call_after_refresh(self._load)
        self.set_interval(RETRY_SECONDS, self._retry_waiting)

    def _open_start_screen(self) -> None:
        if self.start == "practice":
            self.action_practice()
        elif self.start == "demos":
            self.action_demos(self.demo_name)
        elif self.start == "history":
            self.action_history()
        elif self.start == "mock":
            self.action_mock(self.mock_config, self.resume_mock)

    def _load(self) -> None:
        self._load_worker()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self) -> None:
        """Open the store, load the packs, then warm up the checker and the demos."""
        from quizapp.store import Store, StoreError

        try:
            store = Store.open(self.store_path)
        except StoreError as exc:
            self.call_from_thread(self.notify, str(exc), title="No history", severity="error")
            self.call_from_thread(
                self.set_banner,
                f"Your history could not be opened ({exc}). What you answer now {self._kept()}.",
            )
            store = None
        kept = self._kept() if store is not None and store.read_only else ""  # files: here
        self.call_from_thread(self._store_opened, store, kept)
        if store is not None:
            self._replay_kept()

        library = None
        try:
            library = self._load_library()
        except Exception as exc:  # a broken install must not stop the app from starting
            self.library_error = f"the packs could not be loaded: {exc}"
        if library is not None and not library.packs:
            from quizapp.packs import no_packs_hint

            self.library_error = no_packs_hint()
        self.call_from_thread(self._library_loaded, library)
        self._warm_up(library)

    def _replay_kept(self) -> None:
        """In the load worker: write the answers an earlier run kept on disk, and say so."""
        try:
            # Bounded: a busy database must not hold up the packs; the retries go on.
            replayed, _ = self.recorder.take_kept(timeout=RETRY_WAIT)
        except Exception as exc:  # never lost: they stay on disk for the next start
            message: str | None = f"Answers kept from an earlier run could not be saved: {exc}"
        else:
            message = replayed.message
        if message:
            self.call_from_thread(
                self.notify, message, title="Answers from the last run", timeout=12
            )

    def _kept(self) -> str:
        """Where answers the history refuses wait, for a banner: in the spool folder when it
        takes files (saved by a later start), else in memory only (lost on quitting)."""
        spool = self.recorder.spool
        problem = "no folder for them" if spool is None else spool.problem()
        if spool is None or problem:
            return f"is kept in memory only ({problem}) and lost when you quit"
        return (
            f"is kept in {spool.folder} and saved by a later start, once the history can be written"
        )

    def _retry_waiting(self) -> None:
        """Answers the database refused are written as soon as it takes them."""
        if self.recorder.waiting and self.store is not None:
            self._retry_worker()

    @work(thread=True, exclusive=True, group="retry", exit_on_error=False)
    def _retry_worker(self) -> None:
        recorder = self.recorder
        saved = recorder.flush(timeout=RETRY_WAIT)
        if saved:
            self.call_from_thread(self._answers_saved, tuple(saved))
        if saved and not recorder.waiting:
            n = len(saved)
            text = "Your answer is saved." if n == 1 else f"Your {n} answers are saved."
            self.call_from_thread(self.notify, text, title="Saved")

    def _answers_saved(self, saved: tuple[Recorded, ...]) -> None:
        for screen in self.screen_stack:
            screen.post_message(AnswersSaved(saved))

    def _load_library(self) -> Library:
        from quizapp import packs

        if self.shipped:
            return packs.load_all(self.packs_dirs)
        files = [f for d in self.packs_dirs for f in packs.pack_files(d)]
        return packs.load_files(files)

    def _warm_up(self, library: Library | None) -> None:
        """Import and exercise the checker once so the first real check is quick."""
        try:
            from engine import problems

            if library is not None and library.questions:
                question = library.questions[0]
                variant = problems.draw(question.model, 0, qid=question.qid)
                problems.grade(variant, "1")
            import textual_plotext  # noqa: F401  (the demo screen's plot)

            import engine.demos  # noqa: F401  (numpy)
            import quizapp.scheduling  # noqa: F401  (fsrs)
        except Exception:  # a question broken enough to fail here fails loudly where it is used
            pass
        self.engine_ready = True

    def set_banner(self, text: str | None) -> None:
        """Show `text` at the top of every screen until it is cleared (None)."""
        self.banner = text
        for screen in self.screen_stack:
            for banner in screen.query(Banner):
                banner.show_text(text)

    def _store_opened(self, store: Store | None, kept: str = "") -> None:
        """The load worker opened the store (None: it could not); `kept`: where answers go
        while it is read-only (`_kept`)."""
        self.store = store
        self.recorder.store = store
        if store is None:
            return
        if store.read_only:
            self.set_banner(
                f"Read-only: {store.path.parent} cannot be written. Your history shows, "
                f"and what you answer now {kept}."
            )
        if store.recovery_message:
            self.notify(
                store.recovery_message,
                title="Old database moved aside, new one started",
                severity="warning",
                timeout=12,
            )
        if self.start != "mock":
            unfinished = store.load_unfinished_mock()
            held = store.lease()
            open_elsewhere = held is not None and (
                (self.now() - held.heartbeat).total_seconds() < LEASE_STALE
            )
            if unfinished is not None and not open_elsewhere:
                self._offer_resume(unfinished[0])

    def _library_loaded(self, library: Library | None) -> None:
        self.library = library
        self._library_event.set()
        if library is None:
            self.notify(self.library_error or "no packs", title="No packs", severity="error")
        elif library.errors:
            from quizapp.words import validate_command

            first = library.errors[0]
            more = f" (and {len(library.errors) - 1} more)" if len(library.errors) > 1 else ""
            self.notify(
                f"{first}{more}. Run `{validate_command(self.packs_dirs)}` for details.",
                title="Some packs were skipped",
                severity="warning",
                timeout=8,
            )
        message_library = library if library is not None else _empty_library()
        for screen in self.screen_stack:
            screen.post_message(LibraryLoaded(message_library))

    def _offer_resume(self, session_id: str) -> None:
        def answer(choice: str | None) -> None:
            if choice == "resume":
                self.action_mock(None, True)
            elif choice == "discard" and self.store is not None:
                self.store.abandon_mock(session_id, self.now())
                self.notify("The unfinished mock interview was discarded.")

        self.push_screen(ResumeMockScreen(), answer)

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        from quizapp.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen.for_screen(self.screen, self))

    def action_home(self) -> None:
        self._leave_asking(self._pop_to_home, "Go to the home screen", "Home")

    def _pop_to_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    async def action_quit(self) -> None:
        """Quit, unless a typed answer would be lost: then ask first (as Esc does)."""
        self._leave_asking(self.quit_saving, "Quit quizapp", "Quit")

    def quit_saving(self) -> None:
        """Quit; answers still waiting for the database get one bounded try first."""
        if not self.recorder.waiting:
            self.exit()
            return
        self.notify("Saving the answers that wait before quitting…", title="Quitting")
        self._save_before_quit()

    @work(thread=True, exclusive=True, group="quit", exit_on_error=False)
    def _save_before_quit(self) -> None:
        """At most QUIT_SAVE_WAIT for the database: the UI stays live meanwhile."""
        import sqlite3

        try:
            self.recorder.flush(timeout=QUIT_SAVE_WAIT)
        except (sqlite3.Error, OSError):
            pass  # they wait still: the question below says where
        finally:
            self.call_from_thread(self._quit_or_ask)

    def _quit_or_ask(self) -> None:
        """Everything saved: quit. Else say where the answers are, and let the user choose."""
        from quizapp.tui.widgets.dialogs import ChoiceScreen

        recorder = self.recorder
        if not recorder.waiting:
            self.exit()
            return
        they = "it is" if recorder.waiting == 1 else "they are"
        if recorder.kept_on_disk and recorder.spool is not None:
            # The message says where they are kept and when they are saved (the next start,
            # or a later one when the history cannot be opened at all).
            text = f"{recorder.message}\n\nQuit now ({they} kept), or try again."
            choices = [("q", "Quit", "quit"), ("r", "Try again", "retry")]
        else:
            text = f"{recorder.message}\n\nIf you quit now {they} lost."
            choices = [("r", "Try again", "retry"), ("q", "Quit anyway", "quit")]

        def chosen(choice: str | None) -> None:
            if choice == "quit":
                self.exit()
            elif choice == "retry":
                self.quit_saving()

        self.push_screen(ChoiceScreen(text, choices, back="Stay \\[Esc]"), chosen)

    # ------------------------------------------------------------------ signals

    def _install_signal_handlers(self) -> None:
        """SIGHUP (the terminal closed) and SIGTERM (`kill`) leave through `exit()`."""
        loop = asyncio.get_running_loop()
        for signum in EXIT_SIGNALS:
            # Not on this platform (Windows), or not the main thread: the default stays.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.end_by_signal, signum)

    def end_by_signal(self, signum: int) -> None:
        """Leave through the normal exit (screens unmount: a mock is saved and released).

        Asks nothing (nobody may be there to answer): answers that wait are on disk
        already and saved at the next start.
        """
        if self.ended_by is None:
            self.ended_by = signal.Signals(signum)
        self.exit(return_code=128 + int(signum))

    def _leave_asking(self, leave: Callable[[], object], question: str, label: str) -> None:
        """Leave now, or let the screen holding an unsubmitted answer ask first.

        Screens that can hold one (practice) have `unsubmitted()` and `leave_asking`.
        Pressed again while that question is open, the key does what it says: no dialog
        asks twice.
        """
        from quizapp.tui.widgets.dialogs import ChoiceScreen

        if not isinstance(self.screen, ChoiceScreen):
            for screen in reversed(self.screen_stack):
                unsubmitted = getattr(screen, "unsubmitted", None)
                if unsubmitted is not None and unsubmitted():
                    screen.leave_asking(leave, question, label)
                    return
        leave()

    def action_practice(self, due_only: bool = False) -> None:
        """Practise every pack (due questions first, then new), or only those due now."""
        from quizapp.practice import PracticeSelection
        from quizapp.tui.screens.practice import PracticeScreen

        selection = self.practice_selection if not due_only else PracticeSelection(due_only=True)
        self.practice_selection = None  # the CLI's selection applies to the first session
        self.push_screen(PracticeScreen(selection or PracticeSelection()))

    def action_choose_practice(self) -> None:
        from quizapp.tui.screens.practice import PracticeScreen, PracticeSetupScreen

        def chosen(selection: PracticeSelection | None) -> None:
            if selection is not None:
                self.push_screen(PracticeScreen(selection))

        self.push_screen(PracticeSetupScreen(), chosen)

    def open_practice(self, selection: PracticeSelection) -> None:
        from quizapp.tui.screens.practice import PracticeScreen

        self.push_screen(PracticeScreen(selection))

    def action_demos(self, name: str | None = None, vary: str | None = None) -> None:
        from quizapp.tui.screens.demos import DemosScreen

        self.push_screen(DemosScreen(name, vary=vary, budget=self.demo_budget))

    def action_history(self) -> None:
        from quizapp.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen())

    def action_interview(self) -> None:
        """Set (or forget) the interview date and the daily minutes, as `quizapp plan` does."""
        from quizapp.planning import DEFAULT_MINUTES_PER_DAY, MINUTES_KEY, interview_date
        from quizapp.tui.screens.interview import InterviewChoice, InterviewDateScreen

        store = self.store
        if store is None:
            self.notify("The history is not open yet; try again in a moment.")
            return
        today = self.now().astimezone().date()
        minutes = float(store.get_setting(MINUTES_KEY, DEFAULT_MINUTES_PER_DAY))

        def chosen(choice: InterviewChoice | None) -> None:
            if choice is None:
                return
            from quizapp.planning import INTERVIEW_KEY

            day = None if choice.interview is None else choice.interview.isoformat()
            store.set_setting(INTERVIEW_KEY, day)
            store.set_setting(MINUTES_KEY, choice.minutes_per_day)
            self.notify("Interview date forgotten." if day is None else f"Interview on {day}.")
            for screen in self.screen_stack:
                if isinstance(screen, HomeScreen):
                    screen.refresh_progress()

        self.push_screen(InterviewDateScreen(today, interview_date(store), minutes), chosen)

    def action_stats(self) -> None:
        from quizapp.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_mock(self, config: dict[str, Any] | None = None, resume: bool = False) -> None:
        from quizapp.tui.screens.mock import MockScreen

        self.push_screen(MockScreen(config=config, resume=resume))


def _empty_library() -> Any:
    from quizapp.packs import Library

    return Library()


def create_app(
    packs_dirs: Iterable[str] | None = None,
    *,
    store_path: str | None = None,
    clock: Callable[[], float] | None = None,
    start: str = "home",
    **kwargs: Any,
) -> QuizApp:
    """Build the app (the CLI and the tests share this factory).

    Keyword options: `seed` (int, fixes the question draws), `shipped` (False: only the
    packs in `packs_dirs`, for tests), `packs`/`topics`/`due`
    (the practice selection for start="practice"), `mock_config` and `resume` (for
    start="mock"), `demo` and `demo_budget` (for start="demos").
    """
    selection = None
    packs = kwargs.pop("packs", None)
    topics = kwargs.pop("topics", None)
    due = bool(kwargs.pop("due", False))
    if packs or topics or due:
        from quizapp.practice import PracticeSelection

        selection = PracticeSelection(
            packs=tuple(packs or ()), topics=tuple(topics or ()), due_only=due
        )
    return QuizApp(
        packs_dirs or (),
        store_path=store_path,
        clock=clock,
        start=start,
        practice=selection,
        **kwargs,
    )


def run_app(packs_dirs: list[str] | None = None, *, start: str = "home", **kwargs: Any) -> None:
    """Open the TUI and block until the user quits (or the terminal closes: SIGHUP).

    Refused when no terminal can give it keys (stdin is not a tty: a script, cron,
    `ssh host quizapp` without -t): the app would otherwise wait for keys forever, spinning
    a core. `quizapp serve` drives it through a web driver (TEXTUAL_DRIVER) instead.
    """
    if not os.environ.get("TEXTUAL_DRIVER") and not sys.stdin.isatty():
        sys.exit(
            "quizapp: the screens need a terminal to read keys from, and stdin is not one.\n"
            "Run quizapp in a terminal (over ssh: ssh -t), or `quizapp serve` to use it in "
            "a browser; `quizapp --help` lists the commands that only print."
        )
    app = create_app(packs_dirs, start=start, **kwargs)
    app.handle_signals = True
    app.run()
    message = app.recorder.message
    if message:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print(message, file=sys.stderr)
    if app.ended_by is not None:
        sys.exit(128 + int(app.ended_by))
