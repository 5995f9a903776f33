"""Practice: the screen of a `quizapp.practice.PracticeSession`.

The session holds every rule (which question, which state, what is recorded); this
screen renders it and runs its slow steps in thread workers: the pick and draw
(`quizapp.practice.pick_next` / `draw`), the live echo of how a typed answer is read,
the check (`quizapp.practice.check`) and the recording (the app's `Recorder`). A worker
that fails for any reason reaches `WorkerFailures`, which shows what happened and puts
the session back in a state the learner can leave (Ctrl+N, Ctrl+R, Esc keep working).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Markdown,
    OptionList,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from quizapp.answer_markdown import answer_markdown
from quizapp.practice import (
    Checked,
    Drawn,
    PracticeSelection,
    PracticeSession,
    PracticeState,
    check,
    draw,
    pick_next,
    record_checked,
)
from quizapp.progress import LEECH_FAILURES
from quizapp.scheduling import SELF_GRADES
from quizapp.tui.echo import PLACEHOLDERS, echo_in_thread
from quizapp.tui.failures import WorkerFailures
from quizapp.tui.messages import (
    AnswersSaved,
    EchoReady,
    LibraryLoaded,
    NothingToPractise,
    QuestionReady,
    VerdictReady,
)
from quizapp.tui.widgets.answer_input import AnswerInput
from quizapp.tui.widgets.banner import Banner
from quizapp.tui.widgets.format import practice_title, prompt_summary
from quizapp.tui.widgets.ticks import TickCheckbox, TickList

if TYPE_CHECKING:
    from quizapp.packs import Library, Question
    from quizapp.recording import Recorded
    from quizapp.tui.app import QuizApp

__all__ = ["PracticeScreen", "PracticeSelection", "PracticeSetupScreen", "result_markdown"]

#: The recall ratings, keys 1-4 (a light import: this screen opens before sympy loads).
GRADES = tuple(SELF_GRADES)
#: What a failed worker of the "ratings" group did not do, by worker name (the titles
#: of its notification; the intervals and the preview only read).
RATING_FAILURES = {
    "rerate": "The rating was not changed",
    "undo": "The answer was not taken back",
}


class PracticeScreen(WorkerFailures, Screen[None]):
    """Ask, check, explain, schedule; then the next question."""

    HELP_TITLE = "Practice"
    HELP = f"""\
## Practice

Questions come **due first** (spaced repetition), then ones you have never tried.
Numbers are drawn afresh for every variant.

**Answering.** Numbers, formulas and Big-O go in the text box; the line under it shows,
as you type, how your answer is read. *Enter* submits. Choices: pick with the arrows
and *Enter* (several answers: *Space* toggles, then **Submit**). Recall questions: write
your answer, *Enter* reveals the model answer, then grade yourself with **1**–**4**
(again, hard, good, easy).

An answer that cannot be read costs nothing: fix it and submit again. Hints you have
seen stay counted when you ask for new numbers before answering.

The one-letter keys (n, v, f, l, h, u, a) work once the answer box is not taking your typing,
for instance after the verdict; the Ctrl and F keys work everywhere. What you type while
the next question is being drawn goes into its answer box. **Esc** with an answer typed
but not submitted asks before dropping it, and so do **Ctrl+Q** and the command
palette's *Home*.

If the history cannot be written just now (another program holds the database, or the
folder is read-only), your answers are kept and saved as soon as it can be. Unless the
folder is read-only they wait on disk too: quitting or closing the terminal loses none,
and the next start saves them.

**Ratings.** After a verdict the four ratings (keys **1**–**4**) show the interval each
would give, and the one that matches what happened is highlighted (wrong → again; right
after a hint or over the time budget → hard; right → good; right within half the budget,
no hint → easy). It is already saved; another rating replaces it, **Enter** accepts it
and goes on.

**Interview date.** With a date set (`quizapp plan`), due questions come weakest memory
first, then the new ones today's plan meets. A question failed {LEECH_FAILURES} times opens with
its derivation steps first.
"""

    # The footer has room for about seven keys at 80 columns, F1 Help included: the
    # submit and self-grade keys are written on their buttons instead, and the one-letter
    # twins are in the F1 table (built from these bindings).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            id="practice-back",
            tooltip="Back to home (asks first if your answer is not submitted)",
        ),
        Binding(
            "f2", "hint", "Hint", id="hint", tooltip="Show the next hint (counted in your history)"
        ),
        Binding("ctrl+n", "next", "Next", id="next", tooltip="Next question"),
        Binding(
            "ctrl+r", "variant", "Variant", id="variant", tooltip="The same question, new numbers"
        ),
        Binding("ctrl+f", "follow_up", "Follow-up", id="follow-up", tooltip="A follow-up question"),
        Binding("ctrl+l", "live", "Live", id="live", tooltip="See it live: its timing demo"),
        Binding(
            "ctrl+s",
            "submit",
            "Submit",
            id="submit",
            tooltip="Submit the ticked options",
            show=False,
        ),
        Binding("n", "next", "Next", show=False),
        Binding("v", "variant", "Variant", show=False),
        Binding("f", "follow_up", "Follow-up", show=False),
        Binding("l", "live", "Live", show=False),
        Binding("h", "hint", "Hint", show=False),
        Binding(
            "1",
            "grade('again')",
            "Again",
            id="grade-again",
            tooltip="Rate it: again (each shows its next interval)",
            show=False,
        ),
        Binding("2", "grade('hard')", "Hard", id="grade-hard", tooltip="Rate it: hard", show=False),
        Binding("3", "grade('good')", "Good", id="grade-good", tooltip="Rate it: good", show=False),
        Binding("4", "grade('easy')", "Easy", id="grade-easy", tooltip="Rate it: easy", show=False),
        Binding(
            "ctrl+z",
            "undo",
            "Undo",
            id="undo",
            tooltip="Undo the answer: attempt, card and review go back",
        ),
        Binding("u", "undo", "Undo", show=False),
        Binding(
            "a",
            "advance",
            "Review ahead",
            id="advance",
            tooltip="Nothing due: review ahead, likeliest to forget first",
        ),
    ]

    app: QuizApp

    def __init__(self, selection: PracticeSelection | None = None) -> None:
        super().__init__()
        self.selection = selection or PracticeSelection()
        self.session = PracticeSession(self.selection)
        self._started = False
        #: The rating in force for the answer just recorded (None: none to choose).
        self._rated: str | None = None
        self._suggested: str | None = None
        self._intervals: dict[str, str] | None = None
        #: What was typed while the next question was being drawn (its answer's start).
        self._typed_ahead = ""

    # The session's state, as tests and other screens read it.
    @property
    def question(self) -> Question | None:
        return self.session.question

    @property
    def variant(self) -> Any:
        return self.session.variant

    @property
    def hints_used(self) -> int:
        return self.session.hints_used

    @property
    def answered(self) -> bool:
        return self.session.state == PracticeState.ANSWERED

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Banner()
        yield Static("Practice · loading packs…", id="practice-title")
        with VerticalScroll(id="practice-body"):
            with Vertical(id="question-pane", classes="pane"):
                yield Markdown("loading packs…", id="prompt")
                yield Markdown("", id="scaffold")
                yield Markdown("", id="hints")
                yield Vertical(id="answer-area")
                yield Static("", id="echo")
            with Vertical(id="result-pane", classes="pane"):
                with Horizontal(id="grade-buttons"):
                    for key, grade in enumerate(GRADES, start=1):
                        yield Button(
                            f"{grade.capitalize()} [{key}]",
                            id=f"grade-{grade}",
                            variant="error" if grade == "again" else "default",
                        )
                yield Markdown("", id="result")
        # Compact and without the palette entry (Ctrl+P still works; F1 lists it): the
        # practice keys and F1 Help fit at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.session.clock = self.app.clock
        self.query_one("#hints").display = False
        self.query_one("#scaffold").display = False
        self.query_one("#grade-buttons").display = False
        self.query_one("#result-pane").display = False
        if self.app.library is not None:
            self._start()

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self._start()

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self.session.begin_next()
        self._draw_worker(None, self.session.exclude)

    # ------------------------------------------------------------------ worker failures

    def worker_failed(self, worker: Worker[Any], message: str) -> None:
        """Any worker error: say what happened, and leave the session somewhere usable."""
        if worker.group == "draw":
            self.session.fail(message)
            self._typed_ahead = ""
            self.notify(message, title="This question cannot be drawn", severity="error")
            if self.question is None:
                self.query_one("#prompt", Markdown).update(
                    f"This question could not be drawn: {message}\n\n"
                    "Press **Ctrl+N** to try another one, or **Esc** to go back."
                )
        elif worker.group == "check":
            self.session.recover()
            self.query_one("#echo", Static).update(
                f"✗ Something went wrong while checking: {message}. Your answer is still "
                "here: submit again, or press Ctrl+N."
            )
            self.notify(message, title="The answer could not be checked", severity="error")
        elif worker.group == "ratings":
            # Nothing on screen changed (the handlers run only on success): the rating in
            # force stays highlighted and the answer stays, so the same key tries again.
            self.notify(
                _write_failure(worker.error, message),
                title=RATING_FAILURES.get(worker.name, "The ratings could not be read"),
                severity="error",
                timeout=10,
            )
        else:
            return
        self.refresh_bindings()

    # ------------------------------------------------------------------ picking and drawing

    @work(thread=True, exclusive=True, group="draw", exit_on_error=False)
    def _draw_worker(
        self, target: str | None, exclude: str | None, seed: int | None = None
    ) -> None:
        """Pick the next question (unless given), draw its numbers, post QuestionReady."""
        library = self.app.library
        if library is None or not library.questions:
            self.post_message(NothingToPractise(self.app.library_error or _NO_PACKS))
            return
        qid = target
        if qid is None:
            waiting = self.app.recorder.waiting_questions()
            qid, why = pick_next(
                library, self.selection, self.app.store, self.app.now(), exclude, waiting
            )
            if qid is None:
                self.post_message(NothingToPractise(why))
                return
        try:
            drawn = draw(library, qid, self.app.next_seed() if seed is None else seed)
        except Exception as exc:  # a pack bug: name the question
            raise RuntimeError(f"{qid}: {exc}") from exc
        if not get_current_worker().is_cancelled:
            self.post_message(QuestionReady(drawn.question, drawn.variant))

    async def on_question_ready(self, message: QuestionReady) -> None:
        self.session.show(Drawn(message.question, message.variant))
        self._rated = None
        question, variant = message.question, message.variant
        self._update_title()
        self.query_one("#prompt", Markdown).update(variant.prompt)
        self.query_one("#scaffold").display = False
        if self.app.store is not None:
            self._leech_worker(question.qid, variant)
        self._show_hints()
        self.query_one("#result", Markdown).update("")
        self.query_one("#result-pane").display = False
        self.query_one("#grade-buttons").display = False
        echo = self.query_one("#echo", Static)
        echo.update("")
        echo.remove_class("-invalid")
        await self._mount_answer_widget(question.kind, variant)
        self.query_one("#practice-body").scroll_home(animate=False)
        self.refresh_bindings()

    async def on_nothing_to_practise(self, message: NothingToPractise) -> None:
        self.session.empty(message.reason)
        self._typed_ahead = ""
        self.query_one("#practice-title", Static).update(f"Practice · {self.selection.label()}")
        self.query_one("#prompt", Markdown).update(f"{message.reason}\n\nPress **Esc** to go back.")
        self._show_hints()
        self.query_one("#result-pane").display = False
        await self.query_one("#answer-area").remove_children()
        self.refresh_bindings()

    def _update_title(self) -> None:
        question = self.question
        if question is None:
            return
        session = self.session
        self.query_one("#practice-title", Static).update(
            practice_title(
                question.qid,
                question.difficulty,
                question.topics,
                question.time,
                session.right,
                session.answered,
            )
        )

    async def _mount_answer_widget(self, kind: str, variant: Any) -> None:
        area = self.query_one("#answer-area")
        await area.remove_children()
        if kind == "choice":
            self._typed_ahead = ""  # options are picked, not typed
            options = variant.answer_spec.get("options", {})
            several = len(variant.answer_spec.get("value") or []) > 1
            labels = [(key, f"{key}) {text}") for key, text in options.items()]
            # Both lists wrap long options (app.tcss): every option is read in full.
            if several:
                widget: Any = TickList(*[(Text(label), key) for key, label in labels])
                widget.id = "choices"
                await area.mount(widget)
                await area.mount(Button("Submit [Ctrl+S]", id="submit-choices", variant="primary"))
                self.query_one("#echo", Static).update(
                    "Select all that apply (Space), then submit."
                )
            else:
                widget = OptionList(
                    *[Option(Text(label), id=key) for key, label in labels], id="choices"
                )
                await area.mount(widget)
            widget.focus()
            return
        field = AnswerInput(
            self._typed_ahead, placeholder=PLACEHOLDERS.get(kind, "your answer"), id="answer"
        )
        self._typed_ahead = ""
        await area.mount(field)
        field.focus()
        field.cursor_position = len(field.value)

    # ------------------------------------------------------------------ typing and the echo

    def on_key(self, event: events.Key) -> None:
        """Typing on while the next question is drawn: the keys start its answer.

        Without this, the first keys of the next answer reached the rating keys (1–4
        re-rated the answer just given) and the one-letter keys, or were lost.
        """
        if self.session.state == PracticeState.LOADING and event.is_printable:
            event.stop()
            event.prevent_default()
            self._typed_ahead += event.character or ""

    @on(Input.Changed, "#answer")
    def _answer_changed(self, event: Input.Changed) -> None:
        variant = self.variant
        if variant is None or self.session.state != PracticeState.ASKING:
            return
        if variant.kind == "recall":
            return
        if not event.value.strip():
            self.query_one("#echo", Static).update("")
            return
        echo_in_thread(self, variant.answer_spec, event.value, group="echo")

    def on_echo_ready(self, message: EchoReady) -> None:
        field = self.query("#answer").first(Input) if self.query("#answer") else None
        if field is None or field.value != message.response:
            return
        if self.session.state != PracticeState.ASKING:
            return
        self.query_one("#echo", Static).update(f"read as: {message.text}" if message.text else "")

    # ------------------------------------------------------------------ submitting

    @on(Input.Submitted, "#answer")
    def _answer_submitted(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    @on(OptionList.OptionSelected, "#choices")
    def _choice_selected(self, event: OptionList.OptionSelected) -> None:
        self._submit(event.option.id or "")

    @on(Button.Pressed, "#submit-choices")
    def _choices_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        choices = self.query("#choices")
        if choices and isinstance(choices.first(), SelectionList):
            selected = choices.first(SelectionList).selected
            self._submit(", ".join(str(s) for s in selected))

    def _submit(self, response: str) -> None:
        question, variant = self.question, self.variant
        seconds = self.session.submit(response)
        if seconds is None or question is None:
            return
        self.query_one("#echo", Static).update("checking…")
        self.refresh_bindings()
        self._check_worker(
            question,
            variant,
            Checked(variant.qid, variant.seed, response, None, seconds, self.hints_used),
        )

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _check_worker(self, question: Question, variant: Any, pending: Checked) -> None:
        """Grade (unless self-graded already); record a graded answer; post VerdictReady."""
        from dataclasses import replace

        result = pending
        if result.verdict is None:
            result = replace(result, verdict=check(variant, result.response))
        result = record_checked(self.app.recorder, question, variant, result)
        self.post_message(VerdictReady(result))

    async def on_verdict_ready(self, message: VerdictReady) -> None:
        result = message.checked
        if not self.session.checked(result):
            return  # the question changed while the checker was busy
        verdict = result.verdict
        echo = self.query_one("#echo", Static)
        if not verdict.valid:
            # Costs nothing: keep the answer, say what is wrong, let the learner fix it.
            echo.update(f"✗ {verdict.feedback}")
            echo.add_class("-invalid")
            self.refresh_bindings()
            return
        echo.remove_class("-invalid")
        echo.update(f"read as: {verdict.parsed}" if verdict.parsed else "")
        if result.waiting:
            self.notify(result.waiting, title="Not saved yet", severity="warning", timeout=8)
        result_pane = self.query_one("#result-pane")
        result_pane.display = True
        await self._show_result(result)
        if self.session.state == PracticeState.SELF_GRADING:
            self._label_grades(None, None)
            self.query_one("#grade-buttons").display = True
            self.query_one("#grade-good", Button).focus()
            if self.app.store is not None and self.question is not None:
                self._preview_worker(self.question.qid)
        else:
            self._finish()
            if result.recorded is not None and result.self_grade is None:
                self._offer_ratings(result.recorded)
        self.call_after_refresh(result_pane.scroll_visible, top=True, animate=False)
        self.refresh_bindings()

    async def on_answers_saved(self, message: AnswersSaved) -> None:
        """The answer on screen waited for a busy history and is saved now: show its next
        review and the rating row with its intervals, as for an answer saved at once (undo
        works from here on too)."""
        for recorded in message.recorded:
            result = self.session.saved_late(recorded)
            if result is None:
                continue
            await self._show_result(result)
            if result.self_grade is None:
                self._offer_ratings(recorded)

    async def _show_result(self, result: Checked) -> None:
        """The result pane's text for `result`, with its next review once it is saved."""
        if self.variant is None:
            return
        next_due = None
        if result.recorded is not None and result.recorded.due is not None:
            from quizapp.tui.widgets.format import until

            next_due = until(result.recorded.due, self.app.now())
        await self.query_one("#result", Markdown).update(
            result_markdown(
                self.variant, result.response, result.verdict, next_due, result.self_grade
            )
        )

    def _offer_ratings(self, recorded: Recorded) -> None:
        """The rating row for a saved answer: it takes its place now (a steady layout), and
        its intervals follow from a worker."""
        if self.question is None:
            return
        self._label_grades(None, None)
        self.query_one("#grade-buttons").display = True
        self._ratings_worker(self.question.qid, recorded.attempt_id)

    def _finish(self) -> None:
        self._update_title()
        for widget in self.query("#answer-area > *"):
            widget.disabled = True
        self.query_one("#practice-body").focus()

    # ------------------------------------------------------------------ recall self-grading

    @on(Button.Pressed, "#grade-buttons Button")
    def _grade_button(self, event: Button.Pressed) -> None:
        rating = (event.button.id or "").removeprefix("grade-")
        if self._rated is not None:  # Enter (or a click) accepts this rating and goes on
            self._choose(rating, then_next=True)
            return
        self.action_grade(rating)

    # ------------------------------------------------------------------ ratings and undo

    def _label_grades(
        self, rated: str | None, intervals: dict[str, str] | None, suggested: str | None = None
    ) -> None:
        """Each rating button with the interval it gives; the one in force highlighted."""
        for key, grade in enumerate(GRADES, start=1):
            button = self.query_one(f"#grade-{grade}", Button)
            after = f" · {intervals[grade]}" if intervals else ""
            mark = " ★" if grade == suggested else ""
            button.label = f"{grade.capitalize()}{after}{mark} [{key}]"
            button.variant = (
                "primary" if grade == rated else ("error" if grade == "again" else "default")
            )

    @work(thread=True, exclusive=True, group="ratings", name="intervals", exit_on_error=False)
    def _ratings_worker(self, qid: str, attempt_id: int) -> None:
        from quizapp.ratings import interval_text, review_intervals

        store = self.app.store
        now = self.app.now()  # counted from now, as the "next review" line is
        found = None if store is None else review_intervals(store, qid, attempt_id, now)
        if found is None:
            return
        rating, intervals = found
        texts = {r.name.lower(): interval_text(t) for r, t in intervals.items()}
        self.app.call_from_thread(self._show_ratings, qid, rating.name.lower(), texts)

    def _show_ratings(self, qid: str, rating: str, intervals: dict[str, str]) -> None:
        if self.question is None or self.question.qid != qid or not self.answered:
            return
        self._rated = self._suggested = rating
        self._intervals = intervals
        self._label_grades(rating, intervals, suggested=rating)
        self.query_one("#grade-buttons").display = True
        self.query_one(f"#grade-{rating}", Button).focus()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="ratings", name="preview", exit_on_error=False)
    def _preview_worker(self, qid: str) -> None:
        from quizapp.ratings import interval_text, next_intervals

        store = self.app.store
        if store is None:
            return
        intervals = next_intervals(store, qid, self.app.now())
        texts = {r.name.lower(): interval_text(t) for r, t in intervals.items()}
        self.app.call_from_thread(self._label_grades, None, texts)

    def _choose(self, rating: str, *, then_next: bool) -> None:
        """Store `rating` for the answer just given (re-rating it if it differs)."""
        last = self.session.last
        if self._rated is None or last is None or last.recorded is None or self.question is None:
            return
        if rating == self._rated:
            if then_next:
                self.action_next()
            return
        self._rerate_worker(self.question.qid, last.recorded.attempt_id, rating, then_next)

    @work(thread=True, exclusive=True, group="ratings", name="rerate", exit_on_error=False)
    def _rerate_worker(self, qid: str, attempt_id: int, rating: str, then_next: bool) -> None:
        from quizapp.ratings import rerate
        from quizapp.scheduling import SELF_GRADES

        store = self.app.store
        if store is None:
            return
        due = rerate(store, qid, attempt_id, SELF_GRADES[rating])
        self.app.call_from_thread(self._rerated, qid, rating, due, then_next)

    def _rerated(self, qid: str, rating: str, due: Any, then_next: bool) -> None:
        if self.question is None or self.question.qid != qid:
            return
        from quizapp.tui.widgets.format import until

        self._rated = rating
        self._label_grades(rating, self._intervals, self._suggested)
        self.query_one(f"#grade-{rating}", Button).focus()
        self.notify(f"Rated {rating}: next review {until(due, self.app.now())}.")
        if then_next:
            self.action_next()

    def action_undo(self) -> None:
        last = self.session.last
        if not self.answered or last is None or self.question is None:
            return
        if last.recorded is None:
            self.notify("This answer is not saved yet, so there is nothing to undo.")
            return
        self._undo_worker(self.question.qid, last.recorded.attempt_id)

    @work(thread=True, exclusive=True, group="ratings", name="undo", exit_on_error=False)
    def _undo_worker(self, qid: str, attempt_id: int) -> None:
        from quizapp.ratings import undo

        store = self.app.store
        if store is None:
            return
        undo(store, qid, attempt_id)
        self.app.call_from_thread(self._undone, qid)

    def _undone(self, qid: str) -> None:
        if self.question is None or self.question.qid != qid or not self.session.take_back():
            return
        self._rated = None
        self.query_one("#result-pane").display = False
        self.query_one("#grade-buttons").display = False
        for widget in self.query("#answer-area > *"):
            widget.disabled = False
        for field in self.query("#answer").results(Input):
            field.value = ""
            field.focus()
        for choices in self.query("#choices"):
            choices.focus()
        self.query_one("#echo", Static).update("")
        self.notify(
            "The attempt, the card and its review are as they were: answer again.",
            title="Answer taken back",
        )
        self._update_title()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="leech", exit_on_error=False)
    def _leech_worker(self, qid: str, variant: Any) -> None:
        from quizapp.progress import is_leech

        store = self.app.store
        if store is not None and variant.derivation and is_leech(store, qid):
            self.app.call_from_thread(self._show_scaffold, qid, variant)

    def _show_scaffold(self, qid: str, variant: Any) -> None:
        """A leech (`LEECH_FAILURES` failures) opens with its derivation's steps, not numbers."""
        if self.variant is not variant:
            return
        steps = "\n".join(
            f"{i}. {step.text.strip()}" for i, step in enumerate(variant.derivation, 1)
        )
        scaffold = self.query_one("#scaffold", Markdown)
        scaffold.update(
            f"**This one has tripped you {LEECH_FAILURES} times or more. "
            "Work it through step by step:**\n\n" + steps
        )
        scaffold.display = True

    def action_advance(self) -> None:
        if self.session.state == PracticeState.EMPTY:
            self._advance_worker()

    @work(thread=True, exclusive=True, group="draw", exit_on_error=False)
    def _advance_worker(self) -> None:
        from quizapp.planning import review_ahead

        store, library = self.app.store, self.app.library
        if store is None or library is None:
            return
        ids = [q.qid for q in library.questions if self.selection.matches(q)]
        ahead = review_ahead(store, ids, self.app.now())
        if not ahead:
            self.app.call_from_thread(
                self.notify, "Nothing has been reviewed yet, so there is nothing to review ahead."
            )
            return
        self.app.call_from_thread(self._ask, ahead[0])

    def action_grade(self, rating: str) -> None:
        if self._rated is not None:
            self._choose(rating, then_next=False)
            return
        question, variant = self.question, self.variant
        graded = self.session.grade(rating)
        if graded is None or question is None:
            return
        self.query_one("#grade-buttons").display = False
        self._check_worker(question, variant, graded)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        question = self.question
        if action == "submit":
            return self.session.can("submit") and (
                bool(self.query("#choices"))
                and isinstance(self.query("#choices").first(), SelectionList)
            )
        if action == "grade" and self._rated is not None:
            return self.answered  # re-rating the answer on screen, not while the next loads
        if action in ("hint", "grade", "next", "variant", "follow_up"):
            return self.session.can(action)
        if action == "undo":
            return self.answered and self.session.last is not None
        if action == "advance":
            return self.session.state == PracticeState.EMPTY and self.app.store is not None
        if action == "live":
            return question is not None and question.model.demo is not None
        return True

    def action_back(self) -> None:
        """Back to home; an answer typed (or ticked) but not submitted is not dropped unasked."""

        def back() -> None:
            if self.is_current:
                self.app.pop_screen()

        self.leave_asking(back, "Leave practice", "Leave")

    def leave_asking(self, leave: Callable[[], object], question: str, label: str) -> None:
        """Call `leave` at once, or after asking when a typed answer would be dropped.

        Esc, Ctrl+Q and the palette's Home all come here (the app asks every screen), so
        no way out loses an answer without the same question. `question`: what leaving
        does ("Quit quizapp"); `label`: its button.
        """
        if not self.unsubmitted():
            leave()
            return
        from quizapp.tui.widgets.dialogs import ChoiceScreen

        def answer(choice: str | None) -> None:
            if choice == "leave":
                leave()

        self.app.push_screen(
            ChoiceScreen(
                f"Your answer is not submitted yet. {question} and drop it? "
                "(Enter in the answer box submits it.)",
                [("y", label, "leave")],
                back="Stay \\[Esc]",
            ),
            answer,
        )

    def unsubmitted(self) -> bool:
        """Whether the learner has typed or ticked an answer that is not submitted."""
        if self.session.state != PracticeState.ASKING:
            return False
        for field in self.query("#answer").results(Input):
            return bool(field.value.strip())
        for choices in self.query("#choices").results(SelectionList):
            return bool(choices.selected)
        return False

    def _show_hints(self) -> None:
        shown = self.session.shown_hints
        hints = self.query_one("#hints", Markdown)
        hints.update("\n\n".join(f"**Hint {i}.** {text}" for i, text in enumerate(shown, 1)))
        hints.display = bool(shown)

    def action_hint(self) -> None:
        if self.session.hint() is None:
            if self.variant is not None and self.session.hints_used:
                self.notify("No more hints for this question.")
            return
        self._show_hints()
        self.refresh_bindings()

    def action_next(self) -> None:
        if self.session.begin_next():
            self._draw_worker(None, self.session.exclude)

    def action_variant(self) -> None:
        if self.session.begin_variant():
            self._draw_worker(self.session.target, None)

    def action_follow_up(self) -> None:
        library = self.app.library
        if library is None or not self.session.can("follow_up"):
            return
        ids = self.session.follow_ups(library)
        if not ids:
            self.notify("The follow-up questions of this one are not loaded.", severity="warning")
            return
        if len(ids) == 1:
            self._ask(ids[0])
            return
        from quizapp.tui.widgets.dialogs import PickOneScreen

        # Each follow-up in its own words, with the numbers it will be asked with.
        seeds = {qid: self.app.next_seed() for qid in ids}
        choices = [(qid, _follow_up_label(library.get(qid), seeds[qid])) for qid in ids]

        def picked(qid: str | None) -> None:
            if qid is not None:
                self._ask(qid, seeds[qid])

        self.app.push_screen(PickOneScreen("Which follow-up?", choices), picked)

    def _ask(self, qid: str, seed: int | None = None) -> None:
        if self.session.begin_question(qid):
            self._draw_worker(qid, None, seed)

    def action_live(self) -> None:
        question = self.question
        if question is None or question.model.demo is None:
            self.notify("This question has no live demo.")
            return
        demo = question.model.demo
        self.app.action_demos(demo.name, vary=demo.vary)


_NO_PACKS = "No packs are loaded."


def _write_failure(error: BaseException | None, message: str) -> str:
    """Why a change of the history failed, in the user's words: a database error (busy,
    read-only) can pass, so it says to try again; any other reason as it reads."""
    import sqlite3

    from quizapp.recording import write_error_text

    if isinstance(error, sqlite3.Error):
        why = write_error_text(error)
        return f"{why[:1].upper()}{why[1:]}. Press the same key again to retry."
    return message


# ---------------------------------------------------------------------------- helpers


def _follow_up_label(question: Question, seed: int) -> Text:
    """The follow-up's prompt as it will be asked (numbers filled in), then its id."""
    from engine.problems import draw_prompt

    try:
        prompt = prompt_summary(draw_prompt(question.model, seed))
    except Exception:  # a broken prompt: the draw says why once it is picked
        prompt = "(this question cannot be drawn)"
    label = Text(prompt)
    label.append(f"\n{question.qid}", style="dim")
    return label


def result_markdown(
    variant: Any,
    response: str,
    verdict: Any,
    next_due: str | None,
    self_grade: str | None = None,
) -> str:
    """The verdict, feedback, diagnosis, derivation with the drawn numbers, explanation."""
    lines: list[str] = []
    if verdict.needs_self_grade:
        lines += ["## Model answer", "", str(verdict.model_answer or variant.expected), ""]
        if response.strip():
            lines += [f"**You wrote:** {response.strip()}", ""]
        lines += [
            "*How well did you recall it?* Grade yourself: **1** again · **2** hard · "
            "**3** good · **4** easy.",
            "",
        ]
    else:
        if verdict.correct and verdict.score >= 1:
            heading = "✓ Right"
        elif verdict.correct:
            heading = f"✓ Right, with reservations (score {verdict.score:.2f})"
        elif verdict.score > 0:
            heading = f"✗ Partly right (score {verdict.score:.2f})"
        else:
            heading = "✗ Not right"
        if self_grade:
            heading += f" — you graded it *{self_grade}*"
        lines += [f"## {heading}", ""]
        if verdict.feedback:
            lines += [verdict.feedback, ""]
        if verdict.diagnosis:
            lines += [f"**Diagnosis:** {verdict.diagnosis}", ""]
        if variant.kind != "recall":
            lines += [*answer_markdown("Expected", variant.expected, variant.kind), ""]
            if response.strip():
                you = f"**You answered:** `{response.strip()}`"
                if verdict.parsed:
                    you += f" — read as {verdict.parsed}"
                lines += [you, ""]
    if variant.derivation:
        lines += ["### Derivation", ""]
        for i, step in enumerate(variant.derivation, 1):
            lines.append(f"{i}. {step.text.strip()}")
            if step.formula is not None:
                lines[-1] += "  "  # a hard line break inside the list item
                lines.append(f"   `{step.equation()}`")
        lines.append("")
    if variant.explanation:
        lines += ["### Why it matters", "", variant.explanation.strip(), ""]
    if variant.source:
        lines += [f"*Source: {variant.source}*", ""]
    if next_due is not None:
        lines += [f"Next review of this question: **{next_due}**.", ""]
    if not verdict.needs_self_grade:
        lines += ["*n* next · *v* another variant · *f* follow-up · *l* see it live"]
    return "\n".join(lines)


class PracticeSetupScreen(ModalScreen["PracticeSelection | None"]):
    """Choose packs and/or topics (none ticked means all), and whether only due ones."""

    HELP_TITLE = "Choose what to practise"
    HELP = """\
Tick packs and/or topics with **Space** (none ticked means every pack; a ticked box
shows an X), tick **only due now** to review just the questions spaced repetition says
are due, then **Start**.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="setup-cancel", tooltip="Back without starting"),
        Binding("ctrl+s", "start", "Start", id="setup-start", tooltip="Start practising"),
    ]

    app: QuizApp

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-dialog", classes="dialog"):
            yield Static("Practise what? (nothing ticked = everything)", classes="dialog-title")
            with Horizontal(id="setup-lists"):
                yield TickList(id="setup-packs")
                yield TickList(id="setup-topics")
            yield TickCheckbox("Only questions due now", id="setup-due")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start [Ctrl+S]", id="setup-start", variant="primary")
                yield Button("Cancel \\[Esc]", id="setup-cancel")
        yield Footer()  # its own keys, over the footer of the screen underneath

    def on_mount(self) -> None:
        self.query_one("#setup-packs").border_title = "Packs"
        self.query_one("#setup-topics").border_title = "Topics"
        if self.app.library is not None:
            self._fill(self.app.library)
        else:
            self.query_one("#setup-packs").loading = True

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.query_one("#setup-packs").loading = False
        self._fill(message.library)

    def _fill(self, library: Library) -> None:
        packs = self.query_one("#setup-packs", SelectionList)
        for pack in library.packs:
            packs.add_option((f"{pack.id} — {pack.title}", pack.id))
        topics = self.query_one("#setup-topics", SelectionList)
        for topic in sorted({t for q in library.questions for t in q.topics}):
            topics.add_option((topic, topic))
        packs.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "setup-start":
            self.action_start()
        else:
            self.action_cancel()

    def action_start(self) -> None:
        self.dismiss(
            PracticeSelection(
                packs=tuple(self.query_one("#setup-packs", SelectionList).selected),
                topics=tuple(self.query_one("#setup-topics", SelectionList).selected),
                due_only=self.query_one("#setup-due", Checkbox).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
