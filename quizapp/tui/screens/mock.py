"""The mock-interview screen and its report: a thin view over `quizapp.mock`.

Every rule (the draw, the clock, what counts as answered, grading, the report) lives in
`quizapp.mock`; this screen shows the countdowns, takes answers, saves the state after
every move, and switches to the report when time is up or the user finishes. The clock
is the app's injected `clock` (tests move a fake one and call `tick()`), read by a
one-second interval. Nothing is graded until the end: the line under the answer only
echoes how the answer is *read* (engine.answers.interpret), never whether it is right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.markdown import Markdown as RichMarkdown
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    Markdown,
    SelectionList,
    Static,
    TextArea,
)
from textual.worker import Worker, get_current_worker

from quizapp.mock import (
    LEASE_HEARTBEAT,
    LEASE_STALE,
    MAX_QUESTIONS,
    MockConfig,
    MockConfigError,
    MockInterview,
    MockStateError,
    Report,
    format_clock,
    grade_recall,
    paused_summary,
    report_markdown,
    self_gradable,
    self_graded_answer,
    unreadable,
)

# The recall ratings without engine.answers, which would load sympy on the UI thread.
from quizapp.scheduling import SELF_GRADES
from quizapp.tui.autosave import Autosave
from quizapp.tui.echo import PLACEHOLDERS, echo_in_thread
from quizapp.tui.failures import WorkerFailures
from quizapp.tui.messages import (
    AnswerRead,
    EchoReady,
    InterviewFailed,
    InterviewReady,
    InterviewSaved,
    ReportReady,
)
from quizapp.tui.widgets.answer_input import AnswerInput
from quizapp.tui.widgets.banner import Banner
from quizapp.tui.widgets.dialogs import ChoiceScreen
from quizapp.tui.widgets.format import percent, stars
from quizapp.tui.widgets.ticks import TickList
from quizapp.words import count

if TYPE_CHECKING:
    from textual.visual import VisualType

    from quizapp.recording import Answer
    from quizapp.tui.app import QuizApp

#: Seconds of interview time between two automatic saves (answers save at once).
AUTOSAVE_SECONDS = 5.0
#: Quitting the app saves on the UI thread (the app is going: nothing else can): at most
#: this long waiting for an autosave still writing (then that one writes the last state),
#: plus one busy timeout of its own. Pausing (Esc) saves in a worker instead.
LEAVING_SAVE_WAIT = 2.0


class InterviewPaused(Message):
    """The pause's save ended: `error` says why it failed (None: saved, the lease released)."""

    def __init__(self, error: str | None = None, taken_over: bool = False) -> None:
        super().__init__()
        self.error = error
        self.taken_over = taken_over


class InterviewTakenOver(Exception):
    """Another window holds the interview's lease: this one must not write it."""


class MockChoiceScreen(ChoiceScreen):
    """The mock interview's questions to the user (pause, resume, take over)."""

    HELP_TITLE = "Mock interview"


class ConfirmFinishScreen(MockChoiceScreen):
    """Ask before ending the interview early: answers "finish", or None to go on."""

    DEFAULT_CSS = "ConfirmFinishScreen > Vertical { width: 64; }"

    HELP_TITLE = "Finish the interview?"
    HELP = "Unanswered questions count as missed in the report."

    # The same keys as the buttons, listed so that the footer names them.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y", "answer('finish')", "Finish", id="finish-yes", tooltip="End and see the report"
        ),
        Binding("n,escape", "answer(None)", "Go on", id="finish-no", tooltip="Back to it"),
    ]

    def __init__(self, unanswered: int) -> None:
        left = (
            f"{count(unanswered, 'question is', 'questions are')} "
            "still unanswered and will count as missed. "
            if unanswered
            else ""
        )
        super().__init__(
            f"{left}End the interview now and see the report?",
            [("y", "Finish", "finish")],
            back="Go on \\[n]",
        )


class MockScreen(WorkerFailures, Screen[None]):
    """A timed interview: countdowns, one question at a time, no grading until the end."""

    DEFAULT_CSS = """
    MockScreen #mock-title { dock: top; height: 1; padding: 0 1; background: $panel;
        text-style: bold; }
    MockScreen #mock-clocks { height: 1; padding: 0 1; }
    MockScreen #mock-total { width: 1fr; }
    MockScreen #mock-question { width: auto; }
    MockScreen #mock-question.-over { color: $text-error; }
    MockScreen #mock-total.-low { color: $text-warning; text-style: bold; }
    MockScreen #mock-strip { height: auto; padding: 0 1; color: $text-muted; }
    MockScreen #mock-body { height: 1fr; padding: 0 1; }
    MockScreen #mock-answer-area { height: auto; }
    MockScreen #mock-answer-area SelectionList { height: auto; max-height: 16;
        text-wrap: wrap; text-overflow: fold; }
    MockScreen #mock-answer-area TextArea { height: 8; }
    MockScreen #mock-echo { height: auto; min-height: 1; padding: 0 1; color: $text-muted; }
    MockScreen #mock-setup { height: auto; padding: 1 1; }
    MockScreen .setup-field { height: auto; }
    MockScreen .setup-field Label { width: 12; padding: 1 1 0 0; text-style: bold; }
    MockScreen .setup-field Input { width: 1fr; max-width: 64; }
    MockScreen #mock-setup-error { color: $text-error; height: auto; }
    """

    HELP_TITLE = "Mock interview"
    HELP = """\
## Mock interview

A fixed time, a set of questions, **no feedback until it is over**, then a report.
The top line shows the time left for the whole interview and for the question on screen
(its budget comes from the pack; going over is allowed, but it shows).

Type the answer and press **Enter** (choices: **Space** selects, **Ctrl+S** submits;
written answers: **Ctrl+S** submits). The line under the answer only says how your
answer is *read*, never whether it is right.

When time is up, the answer on screen is taken as it stands and the rest count as
unanswered. Recall questions are graded by you in the report, as in practice: compare
your answer with the model answer and press **1**–**4** (again, hard, good, easy).

Everything is saved after every answer. If quizapp stops, `quizapp mock --resume` (or
the prompt on the next start) continues with the time that was left: **the clock does
not run while quizapp is closed**.

**Enter** submits a typed answer as **Ctrl+S** does. An empty submit on a question you
answered asks first; a second one right after clears the answer.

An answer that cannot be read (`banana` for a Big-O) is refused with the reason and
costs nothing: fix it and submit again. One interview is open in one window at a time;
another window says so and takes it over only if you ask.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Submit",
            id="mock-submit",
            tooltip="Submit, then the next unanswered question",
        ),
        Binding(
            "ctrl+n", "skip", "Skip", id="mock-skip", tooltip="Skip: keep what is typed, come back"
        ),
        Binding("ctrl+b", "back", "Back", id="mock-back", tooltip="Back to the previous question"),
        Binding("ctrl+f", "flag", "Flag", id="mock-flag", tooltip="Flag the question for review"),
        Binding("f10", "finish", "Finish", id="mock-finish", tooltip="Finish now: see the report"),
        Binding(
            "escape",
            "leave",
            "Pause",
            id="mock-leave",
            tooltip="Pause (asks first): saved, its clock stops; m offers it back",
        ),
        Binding(
            "escape",
            "close_setup",
            "Back",
            id="mock-setup-back",
            tooltip="At set-up: back to home (nothing has started)",
        ),
    ]

    app: QuizApp

    def __init__(self, config: dict[str, Any] | None = None, resume: bool = False) -> None:
        super().__init__()
        self.config_dict = dict(config) if config is not None else None
        self.resume = resume
        self.interview: MockInterview | None = None
        self.variants: list[Any] = []
        self.report: Report | None = None
        self.grading = False
        self._shown: int | None = None
        #: The answer widget of the question on screen (the old one may still be unmounting).
        self._answer_widget: Any = None
        self._last_save = 0.0
        self._last_beat = 0.0
        #: True while this window holds the interview's lease.
        self.holds_lease = False
        #: (session id, state) snapshots taken here, written by a thread worker.
        self._autosave: Autosave[tuple[str, dict[str, Any]]] = Autosave(self._write_state)
        #: True after a failed save, until one works: every tick tries again.
        self._save_failed = False
        #: The question whose answer an empty Enter offered to clear (a second one does).
        self._clear_offered: int | None = None
        #: True while Esc → pause saves in a worker: the clock is stopped, keys wait.
        self.pausing = False
        #: True once the pause is saved: leaving the screen has nothing more to write.
        self._paused_saved = False
        #: The title the pause replaced with "saving…" (back if the save fails).
        self._title_before_pause: VisualType = ""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Banner()
        yield Static("Mock interview · loading packs…", id="mock-title")
        with Horizontal(id="mock-clocks"):
            yield Static("", id="mock-total")
            yield Static("", id="mock-question")
        yield Static("", id="mock-strip")
        with VerticalScroll(id="mock-body"):
            with Vertical(id="mock-setup"):
                yield Static(
                    "A timed interview: no feedback until the end. Questions lean toward "
                    "your weak topics. Leave minutes empty to use the questions' own budgets.",
                )
                with Horizontal(classes="setup-field"):
                    yield Label("Questions")
                    yield Input(
                        "8",
                        placeholder=f"how many, 1–{MAX_QUESTIONS}",
                        id="setup-questions",
                        type="integer",
                    )
                with Horizontal(classes="setup-field"):
                    yield Label("Minutes")
                    yield Input("", placeholder="empty: the questions' budgets", id="setup-minutes")
                with Horizontal(classes="setup-field"):
                    yield Label("Topics")
                    yield Input(
                        "", placeholder="empty: all; or e.g. memory flops", id="setup-topics"
                    )
                yield Static("", id="mock-setup-error")
                yield Button("Start the interview", id="setup-start", variant="primary")
            yield Markdown("", id="mock-prompt")
            yield Vertical(id="mock-answer-area")
            yield Static("", id="mock-echo")
        # Compact and without the palette entry (Ctrl+P still works; F1 lists it): all the
        # interview keys and F1 Help fit at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#mock-setup").display = False
        self.set_interval(1.0, self.tick)
        self._begin()

    @work(exclusive=True, group="mock-begin", exit_on_error=False)
    async def _begin(self) -> None:
        """Resume, take over or start: never silently drop a paused interview."""
        library = await self.app.wait_library()
        if library is None or not library.questions:
            self._fail(self.app.library_error or "No packs are loaded.")
            return
        self._choose_start()

    def _choose_start(self) -> None:
        """Ask with a dialog (its answer comes back in a callback, no worker waits on it)."""
        store = self.app.store
        found = store.load_unfinished_mock() if store is not None else None
        if found is not None and store is not None:
            held = store.lease()
            if held is not None and held.owner != self.app.instance_id:
                age = (self.app.now() - held.heartbeat).total_seconds()
                if age < LEASE_STALE:

                    def take(choice: str | None) -> None:
                        if choice == "take":
                            self._load_worker(take_over=True)
                        else:
                            self._close()

                    self.app.push_screen(
                        MockChoiceScreen(
                            "This mock interview is open in another quizapp window "
                            f"(last seen {max(0, int(age))} s ago). Take it over here? "
                            "The other window stops at once.",
                            [("t", "Take it over", "take")],
                        ),
                        take,
                    )
                    return
            if not self.resume:

                def chosen(choice: str | None) -> None:
                    if choice is None:
                        self._close()
                        return
                    self.resume = choice == "resume"
                    self._open()

                self.app.push_screen(
                    MockChoiceScreen(
                        f"You have a paused mock interview ({paused_summary(found[1])}). "
                        "Resume it, or finish it (graded and saved as it stands) and start "
                        "a new one?",
                        [("r", "Resume", "resume"), ("n", "Finish it, start new", "new")],
                    ),
                    chosen,
                )
                return
        self._open()

    def _open(self) -> None:
        if self.resume:
            self._load_worker()
        elif self.config_dict is None:
            self._show_setup()
        else:
            self._draw_worker(self.config_dict)

    def _show_setup(self) -> None:
        self.query_one("#mock-title", Static).update("Mock interview · set up")
        self.query_one("#mock-setup").display = True
        self.query_one("#setup-questions", Input).focus()

    @on(Button.Pressed, "#setup-start")
    @on(Input.Submitted, "#mock-setup Input")
    def _setup_start(self) -> None:
        minutes = self.query_one("#setup-minutes", Input).value.strip()
        questions = self.query_one("#setup-questions", Input).value.strip()
        settings: dict[str, Any] = {"topics": self.query_one("#setup-topics", Input).value}
        try:
            settings["questions"] = int(questions) if questions else None
            settings["minutes"] = float(minutes) if minutes else None
        except ValueError:
            self.query_one("#mock-setup-error", Static).update("Questions and minutes are numbers.")
            return
        try:
            config = MockConfig.from_dict(settings)
            from quizapp.mock import candidates

            candidates(self.app.library.questions if self.app.library else [], config)
        except MockConfigError as exc:
            self.query_one("#mock-setup-error", Static).update(str(exc))
            return
        self.query_one("#mock-setup").display = False
        self._draw_worker(config.to_dict())

    # ------------------------------------------------------------------ starting

    @work(thread=True, exclusive=True, group="mock-draw", exit_on_error=False)
    def _draw_worker(self, settings: dict[str, Any]) -> None:
        """Draw a new interview and its variants, start its session and clock."""
        from quizapp.mock import start_session

        app = self.app
        store = app.store
        try:
            config = MockConfig.from_dict(settings)
            history = store.topic_accuracy() if store is not None else {}
            interview = MockInterview.create(
                app.library.questions if app.library else [],
                config,
                clock=app.clock,
                history=history,
            )
            variants = _draw_variants(interview, app.library)
        except (MockConfigError, ValueError) as exc:
            self.post_message(InterviewFailed(str(exc)))
            return
        note = ""
        if store is not None:
            import sqlite3

            try:
                note = self._close_older(store)
                start_session(store, interview)
                store.take_lease(
                    app.instance_id, interview.session_id, app.now(), LEASE_STALE, force=True
                )
            except sqlite3.Error as exc:  # nothing has started: no clock ran, nothing lost
                self._history_refused("could not start", exc)
                return
            self.holds_lease = True
        else:
            interview.start()
            note = "History is not available: this interview will not be saved."
        if not get_current_worker().is_cancelled:
            self.post_message(InterviewReady(interview, variants, note))

    def _close_older(self, store: Any) -> str:
        """Grade and record a paused interview before a new one starts (the user agreed)."""
        from quizapp.mock import finalise, load_unfinished

        found = store.load_unfinished_mock()
        if found is None:
            return ""
        try:
            older = load_unfinished(store, self.app.clock)
        except MockStateError:
            store.abandon_mock(found[0], self.app.now())
            return "The paused interview could not be read and was set aside."
        if older is None:
            return ""
        finalise(older, self.app.library, store)
        return "The paused interview was graded and saved in your history."

    @work(thread=True, exclusive=True, group="mock-draw", exit_on_error=False)
    def _load_worker(self, take_over: bool = False) -> None:
        """Load the unfinished interview; it resumes with the time that was left."""
        import sqlite3

        try:
            self._load(take_over)
        except sqlite3.Error as exc:  # its saved state stays as it was, to resume later
            self._history_refused("could not be resumed", exc)

    def _history_refused(self, what: str, exc: Exception) -> None:
        """The history refused a write (busy, read-only): say so in the learner's words."""
        from quizapp.recording import write_error_text

        self.post_message(
            InterviewFailed(
                f"The interview {what}: {write_error_text(exc)}. Try again in a moment."
            )
        )

    def _load(self, take_over: bool) -> None:
        from quizapp.mock import load_unfinished

        app = self.app
        store = app.store
        if store is None:
            self.post_message(InterviewFailed("History is not available: nothing to resume."))
            return
        found = store.load_unfinished_mock()
        session = found[0] if found is not None else None
        held = store.take_lease(app.instance_id, session, app.now(), LEASE_STALE, take_over)
        if held is not None:
            self.post_message(
                InterviewFailed("This mock interview is open in another quizapp window.")
            )
            return
        self.holds_lease = True
        try:
            interview = load_unfinished(store, app.clock)
        except MockStateError as exc:
            if found is not None:
                store.abandon_mock(found[0], app.now())
            self.post_message(InterviewFailed(f"The unfinished interview cannot be resumed: {exc}"))
            return
        if interview is None:
            self.post_message(InterviewFailed("There is no unfinished mock interview to resume."))
            return
        if self.config_dict and self.config_dict.get("export"):
            from dataclasses import replace

            interview.config = replace(interview.config, export=self.config_dict["export"])
        variants = _draw_variants(interview, app.library)
        interview.resume()
        left = format_clock(interview.remaining())
        self.post_message(InterviewReady(interview, variants, f"Resumed with {left} left."))

    def on_interview_ready(self, message: InterviewReady) -> None:
        self.interview = message.interview
        self.variants = message.variants
        self._last_save = self._last_beat = self.app.clock()
        if message.note:
            self.notify(message.note)
        if self.interview.finished:
            self._finalise()
            return
        self._show_question()

    def worker_failed(self, worker: Worker[Any], message: str) -> None:
        """Any worker error: show it; the saved interview stays, to resume or finish."""
        self.post_message(InterviewFailed(f"Something went wrong: {message}"))

    def on_interview_failed(self, message: InterviewFailed) -> None:
        self.grading = False  # F10 tries the grading again; Esc saves it and leaves
        then = "Press **Esc** to go back."
        if self._grading_failed():
            then = (
                "Press **F10** to try again, or **Esc** to save the interview and leave "
                "(m on the home screen grades it later)."
            )
        self.query_one("#mock-title", Static).update("Mock interview")
        self.query_one("#mock-prompt", Markdown).update(f"{message.message}\n\n{then}")
        self.notify(message.message, severity="error")

    def _grading_failed(self) -> bool:
        """Whether the interview is over but its grading was not saved (a busy database):
        then it lives only here until saved, and leaving or quitting must save it."""
        interview = self.interview
        return (
            interview is not None
            and interview.finished
            and self.report is None
            and not self.grading
            and not self._paused_saved
        )

    def _fail(self, text: str) -> None:
        self.post_message(InterviewFailed(text))

    # ------------------------------------------------------------------ showing a question

    def _show_question(self) -> None:
        interview = self.interview
        if interview is None or interview.finished:
            return
        index = interview.current
        slot = interview.slots[index]
        variant = self.variants[index]
        self._shown = index
        self._clear_offered = None
        self.query_one("#mock-title", Static).update(
            f"Mock interview · question {index + 1} of {len(interview.slots)}  "
            f"{stars(slot.difficulty)}  {', '.join(slot.topics)}"
        )
        prompt = variant.prompt if variant is not None else f"({slot.qid} cannot be shown)"
        self.query_one("#mock-prompt", Markdown).update(prompt)
        self._mount_answer(slot.kind, variant, interview.drafts[index])
        self._update_strip()
        self._update_clocks()
        self.query_one("#mock-body").scroll_home(animate=False)

    def _mount_answer(self, kind: str, variant: Any, draft: str) -> None:
        area = self.query_one("#mock-answer-area")
        area.remove_children()
        echo = self.query_one("#mock-echo", Static)
        echo.update("")
        if kind == "choice" and variant is not None:
            options = variant.answer_spec.get("options", {})
            picked = {p.strip() for p in draft.replace(",", " ").split()}
            several = len(variant.answer_spec.get("value") or []) > 1
            # Wraps long options (X marks the ticked ones): every option is read in full.
            widget: Any = TickList(
                *[(f"{key}) {text}", key, key in picked) for key, text in options.items()],
                classes="mock-answer",
            )
            echo.update(
                ("Select all that apply" if several else "Choose one")
                + " (Space), then Ctrl+S to submit."
            )
        elif kind == "recall":
            widget = TextArea(draft, classes="mock-answer")
            echo.update("Write your answer; Ctrl+S submits. You grade it yourself in the report.")
        else:
            widget = AnswerInput(
                draft, placeholder=PLACEHOLDERS.get(kind, "your answer"), classes="mock-answer"
            )
        self._answer_widget = widget
        area.mount(widget)
        widget.focus()

    def current_text(self) -> str:
        """What the answer widget holds now, as the text the checker would read."""
        widget = self._answer_widget
        if isinstance(widget, Input):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, SelectionList):
            return ", ".join(str(s) for s in widget.selected)
        return ""

    def _update_strip(self) -> None:
        interview = self.interview
        if interview is None:
            return
        cells = []
        for i in range(len(interview.slots)):
            mark = (
                "✓"
                if interview.responses[i] is not None
                else ("·" if interview.visited[i] else " ")
            )
            flag = "⚑" if interview.flags[i] else ""
            cell = f"{i + 1}{mark}{flag}"
            cells.append(f"[reverse] {cell} [/reverse]" if i == interview.current else f" {cell} ")
        answered = interview.answered
        cells.append(f"  {answered}/{len(interview.slots)} answered")
        self.query_one("#mock-strip", Static).update("".join(cells))

    def _update_clocks(self) -> None:
        interview = self.interview
        if interview is None:
            return
        now = self.app.clock()
        left = interview.remaining(now)
        total = self.query_one("#mock-total", Static)
        total.update(
            f"Interview: {format_clock(left)} left of {format_clock(interview.total_seconds)}"
        )
        total.set_class(left <= 60, "-low")
        question = self.query_one("#mock-question", Static)
        if interview.finished:
            question.update("")
            return
        q_left = interview.question_remaining(now)
        budget = interview.slots[interview.current].budget
        if q_left >= 0:
            question.update(f"This question: {format_clock(q_left)} left of {format_clock(budget)}")
        else:
            question.update(
                f"This question: over its {format_clock(budget)} by {format_clock(-q_left)}"
            )
        question.set_class(q_left < 0, "-over")

    # ------------------------------------------------------------------ the clock

    def tick(self) -> None:
        """Read the clock: update countdowns, autosave, and end the interview on time up."""
        interview = self.interview
        if interview is None or self.grading or not interview.running:
            return
        now = self.app.clock()
        if interview.tick(now, draft=self.current_text()):
            self._finalise()
            return
        if now - self._last_beat >= LEASE_HEARTBEAT and self.holds_lease:
            self._last_beat = now
            self._heartbeat_worker()
        if now - self._last_save >= AUTOSAVE_SECONDS or self._save_failed:
            self._save()
        self._update_clocks()

    @work(thread=True, exclusive=True, group="mock-beat", exit_on_error=False)
    def _heartbeat_worker(self) -> None:
        """Renew the lease off the UI thread (a busy database may make it wait)."""
        import sqlite3

        store = self.app.store
        if store is None:
            return
        try:
            kept = store.heartbeat(self.app.instance_id, self.app.now())
        except sqlite3.Error:
            return  # busy for a moment: the next beat tries again
        if not kept:
            self.app.call_from_thread(self._taken_over)

    def _taken_over(self) -> None:
        """Another window took the interview over: stop, and never write it from here."""
        if not self.holds_lease:
            return
        self.holds_lease = False
        self.interview = None  # the other window owns it now: never write it from here
        self._autosave.discard()
        self.query_one("#mock-title", Static).update("Mock interview")
        self.query_one("#mock-prompt", Markdown).update(
            "This interview was taken over by another quizapp window.\n\nPress **Esc** to go back."
        )
        self.query_one("#mock-answer-area").remove_children()
        self._answer_widget = None
        self.notify("This interview was taken over by another window.", severity="warning")

    def _release(self) -> None:
        store = self.app.store
        if store is not None and self.holds_lease:
            import sqlite3

            try:
                store.release_lease(self.app.instance_id)
            except sqlite3.Error:
                return  # it goes stale by itself
            self.holds_lease = False

    def on_unmount(self) -> None:
        """Quitting the app (Ctrl+Q) with an interview open: pause and save it."""
        interview = self.interview
        # Still running, or over with its grading refused (`_grading_failed`): either way
        # it exists only here until saved.
        if (
            interview is not None
            and not self.grading
            and not self._paused_saved
            and (not interview.finished or self.report is None)
        ):
            interview.pause(self.app.clock())
            self._save_now()
        self._release()

    def _snapshot(self) -> bool:
        """Hand the interview as it stands now to the autosave; False if it is not saved."""
        interview = self.interview
        if interview is None or self.app.store is None or interview.session_id is None:
            return False
        # Taken here, on the UI thread: the worker never reads the changing interview.
        self._autosave.offer((interview.session_id, interview.to_dict()))
        self._last_save = self.app.clock()
        return True

    def _save(self) -> None:
        """Save the interview in a thread worker: a busy database never freezes the clock."""
        if self._snapshot():
            self._save_worker()

    def _save_now(self) -> bool:
        """Save as the app quits, on the UI thread but bounded; False if it failed.

        Waits at most LEAVING_SAVE_WAIT for an autosave still writing (which then writes
        this last state itself), then one write of its own (the store's busy timeout).
        """
        if not self._snapshot():
            return True
        try:
            # False: an autosave still writes (it takes this state next), not done yet.
            return self._autosave.flush(timeout=LEAVING_SAVE_WAIT)
        except InterviewTakenOver:  # the screen is going: no need to say so on it
            self.holds_lease = False
            self._autosave.discard()
            return False
        except Exception:  # the last autosave that worked stays: resume starts from it
            return False

    @work(thread=True, group="mock-save", exit_on_error=False)
    def _save_worker(self) -> None:
        """Write the newest snapshot (another save in progress writes it when it ends)."""
        try:
            if not self._autosave.flush(timeout=0):
                return
        except InterviewTakenOver:
            self.post_message(InterviewSaved(taken_over=True))
        except Exception as exc:  # a locked database or a full disk: say so, try again
            self.post_message(InterviewSaved(str(exc) or type(exc).__name__))
        else:
            self.post_message(InterviewSaved())

    def _write_state(self, snapshot: tuple[str, dict[str, Any]]) -> None:
        """One save, in a worker thread: never over what another window saved since.

        Only while this window holds the lease: a snapshot taken before another window
        took the interview over (and noticed here by the heartbeat meanwhile) is dropped.
        """
        store = self.app.store
        if store is None:
            return
        held = store.lease()
        if not self.holds_lease or held is None or held.owner != self.app.instance_id:
            raise InterviewTakenOver
        session_id, state = snapshot
        store.save_mock_state(session_id, state)

    def on_interview_saved(self, message: InterviewSaved) -> None:
        if message.taken_over:
            self._taken_over()
        elif message.error is not None:
            if not self._save_failed:
                self.notify(
                    f"Could not save the interview: {message.error}. It stays on screen; "
                    "saving is tried again every second.",
                    title="Not saved yet",
                    severity="warning",
                )
            self._save_failed = True
        else:
            if self._save_failed:
                self.notify("The interview is saved again.")
            self._save_failed = False
            if self._autosave.pending:  # offered while the last write was ending
                self._save_worker()

    # ------------------------------------------------------------------ typing

    @on(Input.Changed, ".mock-answer")
    @on(TextArea.Changed, ".mock-answer")
    @on(SelectionList.SelectedChanged, ".mock-answer")
    def _changed(self, event: Message) -> None:
        interview = self.interview
        if interview is None or interview.finished:
            return
        if getattr(event, "control", None) is not self._answer_widget:
            return  # the widget of a question already left
        self._clear_offered = None
        text = self.current_text()
        interview.set_draft(text)
        variant = self.variants[interview.current] if self.variants else None
        if variant is None or variant.kind in ("recall", "choice"):
            return
        if not text.strip():
            self.query_one("#mock-echo", Static).update("")
            return
        echo_in_thread(self, variant.answer_spec, text, group="mock-echo")

    def on_echo_ready(self, message: EchoReady) -> None:
        if self.current_text() != message.response:
            return
        self.query_one("#mock-echo", Static).update(
            f"read as: {message.text}" if message.text else ""
        )

    # ------------------------------------------------------------------ actions

    @on(Input.Submitted, ".mock-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input is self._answer_widget:
            self.action_submit()

    def _ready(self) -> bool:
        return (
            self.interview is not None
            and not self.interview.finished
            and not self.grading
            and not self.pausing
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The interview's keys show only while there is an interview (not at set-up)."""
        if action in ("submit", "skip", "back", "flag", "finish", "leave"):
            return self.interview is not None
        if action == "close_setup":
            return self.interview is None
        return True

    def action_close_setup(self) -> None:
        self._close()

    def action_submit(self) -> None:
        if not self._ready():
            return
        assert self.interview is not None
        index, text = self.interview.current, self.current_text()
        if not text.strip() and not self._empty_submit_clears(index):
            return
        variant = self.variants[index] if index < len(self.variants) else None
        if variant is None or variant.kind in ("recall", "choice") or not text.strip():
            self._accept(index, text)
            return
        self.query_one("#mock-echo", Static).update("reading your answer…")
        self._read_worker(index, variant, text)

    def _empty_submit_clears(self, index: int) -> bool:
        """An empty submit clears a saved answer only when it comes twice in a row.

        One stray Enter (a box emptied by Ctrl+U, a paste gone wrong) must not throw away
        an answer given earlier; on a question with no answer it just moves on.
        """
        assert self.interview is not None
        if self.interview.responses[index] is None or self._clear_offered == index:
            self._clear_offered = None
            return True
        self._clear_offered = index
        key = "Enter" if isinstance(self._answer_widget, Input) else "Ctrl+S"
        self.query_one("#mock-echo", Static).update(
            f"Empty: press {key} again to clear your answer to Q{index + 1}, or type a new one"
        )
        return False

    @work(thread=True, exclusive=True, group="mock-read", exit_on_error=False)
    def _read_worker(self, index: int, variant: Any, text: str) -> None:
        """Whether the answer can be read at all (not whether it is right)."""
        self.post_message(AnswerRead(index, text, unreadable(variant, text)))

    def on_answer_read(self, message: AnswerRead) -> None:
        interview = self.interview
        if not self._ready() or interview is None or interview.current != message.index:
            return
        if message.problem is not None:
            # Costs nothing, as in practice: the answer stays, the reason shows.
            self.query_one("#mock-echo", Static).update(
                f"✗ {message.problem} (not submitted: fix it and press Enter)"
            )
            return
        self._accept(message.index, message.text)

    def _accept(self, index: int, text: str) -> None:
        interview = self.interview
        assert interview is not None
        if interview.current != index:
            return
        interview.answer(text, self.app.clock())
        self._after_move()
        if interview.answered == len(interview.slots) and not interview.finished:
            self.notify("Every question has an answer: F10 finishes, or review them.")

    def action_skip(self) -> None:
        if self._ready():
            assert self.interview is not None
            self.interview.set_draft(self.current_text())
            self.interview.skip(self.app.clock())
            self._after_move()

    def action_back(self) -> None:
        if self._ready():
            assert self.interview is not None
            self.interview.set_draft(self.current_text())
            self.interview.back(self.app.clock())
            self._after_move()

    def goto(self, index: int) -> None:
        """Show question `index` (0-based)."""
        if self._ready():
            assert self.interview is not None
            self.interview.set_draft(self.current_text())
            self.interview.goto(index, self.app.clock())
            self._after_move()

    def action_flag(self) -> None:
        if self._ready():
            assert self.interview is not None
            flagged = self.interview.flag(self.app.clock())
            self._save()
            self._update_strip()
            self.notify("Flagged for review." if flagged else "Flag removed.", timeout=2)

    def _after_move(self) -> None:
        interview = self.interview
        assert interview is not None
        if interview.finished:
            self._finalise()
            return
        self._save()
        if interview.current != self._shown:
            self._show_question()
        else:
            self._update_strip()
            self._update_clocks()

    def action_finish(self) -> None:
        interview = self.interview
        if interview is not None and interview.finished and not self.grading:
            self._finalise()  # the grading failed before (a busy database): try again
            return
        if not self._ready():
            return
        assert self.interview is not None
        self.interview.set_draft(self.current_text())
        unanswered = sum(
            1
            for i, r in enumerate(self.interview.responses)
            if r is None and not (i == self.interview.current and self.current_text().strip())
        )

        def answer(choice: str | None) -> None:
            if choice == "finish" and self._ready():
                assert self.interview is not None
                self.interview.finish(self.app.clock(), reason="done")
                self._finalise()

        self.app.push_screen(ConfirmFinishScreen(unanswered), answer)

    def action_leave(self) -> None:
        """Ask, then leave the interview saved and paused (the clock stops while away)."""
        interview = self.interview
        if self.grading or self.pausing:
            return
        if self._grading_failed():
            self.pause_and_leave()  # saved first: it exists nowhere else
            return
        if interview is None or interview.finished:
            self._close()
            return
        interview.set_draft(self.current_text())

        def answer(choice: str | None) -> None:
            if choice == "pause" and self._ready():
                self.pause_and_leave()

        self.app.push_screen(
            MockChoiceScreen(
                "Pause the interview? It is saved and its clock stops; m on the home screen (or "
                "the command palette) offers it back, with the time that was left.",
                [("y", "Pause", "pause")],
            ),
            answer,
        )

    def pause_and_leave(self) -> None:
        """Stop the clock, save and release the interview in a worker, then leave.

        The save may wait for the database (another process holding it makes a write wait
        the whole busy timeout), so it never runs on the UI thread: the title says it is
        saving and the answer box takes nothing meanwhile (the state being written is the
        one on screen). A save that fails keeps the interview here, running again.
        """
        interview = self.interview
        assert interview is not None
        interview.pause(self.app.clock())
        if not self._snapshot():  # no history: nothing to save, nothing to resume
            self.notify("Interview left: history is not available, so it cannot be resumed.")
            self._close()
            return
        self.pausing = True
        title = self.query_one("#mock-title", Static)
        self._title_before_pause = title.content
        title.update("Mock interview · pausing: saving your answers…")
        if self._answer_widget is not None:
            self._answer_widget.disabled = True
        self._update_clocks()
        self._pause_worker()

    @work(thread=True, exclusive=True, group="mock-pause", exit_on_error=False)
    def _pause_worker(self) -> None:
        """Write the paused state (after an autosave still writing), then give the lease up."""
        try:
            self._autosave.flush()
        except InterviewTakenOver:
            self.post_message(InterviewPaused(taken_over=True))
            return
        except Exception as exc:  # a locked database or a full disk: the screen says so
            self.post_message(InterviewPaused(str(exc) or type(exc).__name__))
            return
        self._release()
        self.post_message(InterviewPaused())

    def on_interview_paused(self, message: InterviewPaused) -> None:
        self.pausing = False
        if message.taken_over:
            self._taken_over()
            return
        if message.error is None:
            finished = self._grading_failed()
            self._paused_saved = True
            self.notify(
                "Interview saved: press m to grade it and see the report."
                if finished
                else "Interview paused and saved: press m to resume it."
            )
            self._close()
            return
        # Not saved: the answers are here, in memory; the clock runs again as it shows.
        interview = self.interview
        self.query_one("#mock-title", Static).update(self._title_before_pause)
        if interview is not None and not interview.finished:
            interview.resume(self.app.clock())
        if self._answer_widget is not None:
            self._answer_widget.disabled = False
            self._answer_widget.focus()
        self._update_clocks()
        if interview is not None and interview.finished:
            self.notify(
                f"The interview could not be saved ({message.error}). It stays here with "
                "all your answers; F10 tries the grading again, Esc the saving.",
                title="Not saved yet",
                severity="warning",
            )
            return
        self.notify(
            f"Not paused: the interview could not be saved ({message.error}). It stays here "
            "with all your answers and its clock runs; Esc tries again.",
            title="Not saved yet",
            severity="warning",
        )

    def _close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.quit_saving()  # answers still waiting get their try and their word

    # ------------------------------------------------------------------ the end

    def _finalise(self) -> None:
        if self.grading or self.interview is None:
            return
        self.grading = True
        self._autosave.discard()  # grading saves the final state itself
        why = "time is up, " if self.interview.ended == "time" else ""
        self.query_one("#mock-title", Static).update(f"Mock interview · {why}grading…")
        if self._answer_widget is not None:
            self._answer_widget.disabled = True
        self._update_clocks()
        self._finalise_worker(self.interview)

    @work(thread=True, exclusive=True, group="mock-grade", exit_on_error=False)
    def _finalise_worker(self, interview: MockInterview) -> None:
        self._autosave.flush()  # an autosave still writing ends first (nothing is pending)
        if self._grade(interview):
            self._release()
        # else the lease stays: Esc saves the finished interview under it

    def _grade(self, interview: MockInterview) -> bool:
        """Grade and record `interview`; False when that failed (the screen says why)."""
        import sqlite3

        from quizapp.mock import build_report, finalise, grade_interview
        from quizapp.recording import write_error_text

        library = self.app.library
        store = self.app.store
        try:
            if store is not None and interview.session_id is not None:
                report = finalise(interview, library, store)
            else:
                report = build_report(
                    interview, grade_interview(interview, library), library=library
                )
        except sqlite3.Error as exc:  # graded, but the history refused it
            self.post_message(
                InterviewFailed(
                    f"The interview is over but could not be saved: {write_error_text(exc)}."
                )
            )
            return False
        except Exception as exc:  # keep the saved state: it can be finalised on resume
            self.post_message(InterviewFailed(f"The interview could not be graded: {exc}"))
            return False
        self.post_message(ReportReady(report))
        return True

    def on_report_ready(self, message: ReportReady) -> None:
        self.report = message.report
        while self.app.screen is not self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()  # a dialog left open when time ran out
        export = self.interview.config.export if self.interview is not None else None
        self.app.switch_screen(
            MockReportScreen(message.report, export_path=export, auto_export=bool(export))
        )


def _draw_variants(interview: MockInterview, library: Any) -> list[Any]:
    """The variant of every slot (None for a question that is gone or broken)."""
    from engine.problems import draw

    variants: list[Any] = []
    for slot in interview.slots:
        question = library.find(slot.qid) if library is not None else None
        try:
            variants.append(draw(question.model, slot.seed, qid=slot.qid) if question else None)
        except ValueError:
            variants.append(None)
    return variants


class ReportSaved(Message):
    """A save of the graded report ended: `error` says why it failed (None: written)."""

    def __init__(self, error: str | None, leaving: bool) -> None:
        super().__init__()
        self.error = error
        self.leaving = leaving


class MockReportScreen(Screen[None]):
    """The report of a finished interview: the same Markdown that `--export` writes.

    Grading a recall answer here changes the report: the newest one is written to the
    session by a thread worker through an `Autosave` (two quick grades never leave the
    older report last). A write the database refuses says so and is tried again at the
    next grade and on leaving the screen; leaving waits for it (in the worker) and, if it
    fails again, stays and says so: a second Esc leaves without it.
    """

    DEFAULT_CSS = """
    MockReportScreen #report-title { dock: top; height: 1; padding: 0 1; background: $panel;
        text-style: bold; }
    MockReportScreen #report-body { height: 1fr; padding: 0 1; }
    MockReportScreen #report-grade { height: auto; padding: 0 1;
        border-top: hkey $primary; background: $boost; }
    MockReportScreen #report-grade Horizontal { height: 3; }
    MockReportScreen #report-grade Button { margin-right: 1; min-width: 11; }
    """

    HELP_TITLE = "Mock interview report"
    HELP = """\
## Mock interview report

Your score, the breakdown per topic, the time you spent on each question against its
budget, every missed question with the expected answer, the diagnosis and the
derivation, how this interview compares with earlier ones, and the follow-up questions an
interviewer would ask next. It is saved in your history.

**Recall answers** are graded by you, one at a time, with the bar at the bottom: compare
your answer with the model answer (under "Not scored") and press **1**–**4**, as in
practice. A graded answer counts in the score and is scheduled for review.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,x", "export", "Export", id="report-export", tooltip="Write it as Markdown"),
        Binding("escape", "close", "Back", id="report-back", tooltip="Back to home"),
        *[
            Binding(
                str(key),
                f"grade('{rating}')",
                rating.capitalize(),
                tooltip=f"Grade the recall answer in the bar: {rating}",
                show=False,
            )
            for key, rating in enumerate(SELF_GRADES, start=1)
        ],
    ]

    app: QuizApp

    def __init__(
        self, report: Report, *, export_path: str | None = None, auto_export: bool = False
    ) -> None:
        super().__init__()
        self.report = report
        self.export_path = export_path
        self.auto_export = auto_export
        self.exported: str | None = None
        #: The report as Markdown: what is shown and what an export writes.
        self.markdown = report_markdown(report)
        #: The newest graded report, written to the session off the UI thread.
        self._report_save: Autosave[Report] = Autosave(self._write_report)
        #: True after leaving failed to save the graded report: Esc again leaves without it.
        self._leave_unsaved = False

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="report-title")
        with VerticalScroll(id="report-body"):
            # Rich's Markdown in one Static: Textual's Markdown widget builds a widget per
            # block and takes seconds on a long report (8.6 s for 40 questions vs 1.3 s).
            yield Static(RichMarkdown(self.markdown), id="report")
        with Vertical(id="report-grade"):
            yield Static("", id="report-grade-text")
            with Horizontal():
                for key, rating in enumerate(SELF_GRADES, start=1):
                    yield Button(f"{rating.capitalize()} [{key}]", id=f"report-grade-{rating}")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()
        self._show_grading()
        if self.auto_export:
            self.action_export()

    def _show_grading(self) -> None:
        """The bar for the next recall answer waiting for the learner's own grade."""
        waiting = self_gradable(self.report)
        bar = self.query_one("#report-grade")
        bar.display = bool(waiting)
        if waiting:
            item = waiting[0]
            more = f" (1 of {len(waiting)})" if len(waiting) > 1 else ""
            self.query_one("#report-grade-text", Static).update(
                f"Grade recall answer {item.number}{more} against its model answer "
                "(under Not scored):"
            )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "grade":
            return bool(self_gradable(self.report))
        return True

    @on(Button.Pressed, "#report-grade Button")
    def _grade_button(self, event: Button.Pressed) -> None:
        self.action_grade((event.button.id or "").removeprefix("report-grade-"))

    def action_grade(self, rating: str) -> None:
        """Grade the first waiting recall answer: the score, the report and the history."""
        waiting = self_gradable(self.report)
        if not waiting:
            return
        number = waiting[0].number
        self.report = grade_recall(self.report, number, rating)
        self.markdown = report_markdown(self.report)
        self.query_one("#report", Static).update(RichMarkdown(self.markdown))
        self.query_one("#report-title", Static).update(self._title())
        self._show_grading()
        if self.exported is not None:
            self.action_export()  # the file written before says what the screen says
        self._leave_unsaved = False
        self._report_save.offer(self.report)
        self._save_grade_worker(self_graded_answer(self.report, number))

    @work(thread=True, group="report-grade", exit_on_error=False)
    def _save_grade_worker(self, answer: Answer | None, leaving: bool = False) -> None:
        """Record the graded answer (a review, as in practice), then write the newest report.

        The recorder keeps an answer the database refuses and writes it before the next
        one (or here, on leaving: `answer` None); the report waits in the autosave until a
        write works (the next grade, or leaving).
        """
        recorder = self.app.recorder
        if answer is None:
            recorder.flush()
        else:
            recorded = recorder.submit(answer)
            if recorded is None and recorder.message:
                self.app.call_from_thread(
                    self.notify,
                    recorder.message,
                    title="Not saved yet",
                    severity="warning",
                )
        try:
            self._report_save.flush()  # after a write still running: the newest report
        except Exception as exc:  # a locked database or a full disk: say so, try again
            self.post_message(ReportSaved(str(exc) or type(exc).__name__, leaving))
        else:
            self.post_message(ReportSaved(None, leaving))

    def _write_report(self, report: Report) -> None:
        """One write of the report to its session, in a worker thread."""
        store = self.app.store
        if store is not None and report.session_id is not None:
            store.finish_mock(report.session_id, report.to_dict(), report.score, self.app.now())

    def on_report_saved(self, message: ReportSaved) -> None:
        if message.error is None:
            if message.leaving:
                self._close()
            return
        if message.leaving:
            self._leave_unsaved = True
            self.query_one("#report-title", Static).update(self._title())
            self.notify(
                f"The graded report is not saved ({message.error}). Esc again leaves "
                "without it: your history then keeps the score before your grades.",
                title="Not saved yet",
                severity="warning",
            )
        else:
            self.notify(
                f"The graded report is not saved yet ({message.error}); it is tried again at "
                "your next grade and when you leave this report.",
                title="Not saved yet",
                severity="warning",
            )

    def _title(self) -> str:
        score = percent(self.report.score) if self.report.possible else "not scored"
        return f"Mock interview report · {score}"

    def default_export_path(self) -> str:
        from quizapp.locations import exports_dir

        stamp = (self.report.started_at or "report").replace(" UTC", "")
        stamp = stamp.replace(":", "").replace(" ", "-")
        return str(exports_dir() / f"mock-{stamp}.md")

    def action_export(self) -> None:
        from quizapp.mock import write_report

        path = self.export_path or self.default_export_path()
        try:
            self.exported = write_report(self.report, path)
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc}", severity="error")
            return
        self.notify(f"Report written to {self.exported}")

    def action_close(self) -> None:
        """Leave, once the graded report is written (tried in a worker; see the class)."""
        if self._report_save.pending and not self._leave_unsaved:
            self.query_one("#report-title", Static).update(f"{self._title()} · saving…")
            self._save_grade_worker(None, leaving=True)
            return
        self._close()

    def _close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.quit_saving()  # answers still waiting get their try and their word

    def on_unmount(self) -> None:
        """Quitting the app with a graded report not written: one bounded try."""
        if self._report_save.pending and not self._leave_unsaved:
            try:
                self._report_save.flush(timeout=LEAVING_SAVE_WAIT)
            except Exception:  # the history keeps the report before the grades
                return
