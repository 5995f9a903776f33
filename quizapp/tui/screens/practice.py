"""Practice: one question at a time, checked off the UI thread, recorded and scheduled.

The screen asks, never computes: the engine draws the variant (`engine.problems.draw`),
echoes how a typed answer is read (`engine.answers.interpret`), grades it
(`engine.problems.grade`) and renders the derivation; the store records the attempt
and `quizapp.scheduling` decides when the question comes back. All of those run in
thread workers and post their results back as messages, so a slow check (up to about
a second for a hard Big-O) never freezes typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
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
from textual.worker import get_current_worker

from quizapp.tui.echo import PLACEHOLDERS, echo_in_thread
from quizapp.tui.messages import (
    EchoReady,
    Graded,
    LibraryLoaded,
    NothingToPractise,
    PracticeFailed,
    QuestionReady,
    VerdictReady,
)

if TYPE_CHECKING:
    from quizapp.packs import Library, Question
    from quizapp.tui.app import QuizApp

GRADES = ("again", "hard", "good", "easy")


@dataclass(frozen=True)
class PracticeSelection:
    """Which questions a practice session draws from (empty means every pack)."""

    packs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    due_only: bool = False
    questions: tuple[str, ...] = ()

    def matches(self, question: Question) -> bool:
        if self.questions:
            return question.qid in self.questions
        if self.packs and question.pack_id not in self.packs:
            return False
        return not self.topics or any(t in self.topics for t in question.topics)

    def label(self) -> str:
        parts = []
        if self.questions:
            parts.append(", ".join(self.questions))
        if self.packs:
            parts.append("packs: " + ", ".join(self.packs))
        if self.topics:
            parts.append("topics: " + ", ".join(self.topics))
        if not parts:
            parts.append("all packs")
        if self.due_only:
            parts.append("due now only")
        return " · ".join(parts)


class PracticeScreen(Screen[None]):
    """Ask, check, explain, schedule; then the next question."""

    HELP_TITLE = "Practice"
    HELP = """\
## Practice

Questions come **due first** (spaced repetition), then ones you have never tried.
Numbers are drawn afresh for every variant.

**Answering.** Numbers, formulas and Big-O go in the text box; the line under it shows,
as you type, how your answer is read. *Enter* submits. Choices: pick with the arrows
and *Enter* (several answers: *Space* toggles, then **Submit**). Recall questions: write
your answer, *Enter* reveals the model answer, then grade yourself with **1**–**4**
(again, hard, good, easy).

An answer that cannot be read costs nothing: fix it and submit again.

| Key | Does |
|-----|------|
| F2 | a hint (one at a time; counted in your history) |
| Ctrl+N | next question (n once answered) |
| Ctrl+R | another variant: the same question with new numbers (v) |
| Ctrl+F | a follow-up question (f) |
| Ctrl+L | see it live: the question's timing demo (l) |
| Esc | back to home |
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="practice-back", tooltip="Back to home"),
        Binding("f2", "hint", "Hint", id="hint", tooltip="Show the next hint"),
        Binding("ctrl+n", "next", "Next", id="next", tooltip="Next question"),
        Binding("ctrl+r", "variant", "Variant", id="variant", tooltip="New numbers, same question"),
        Binding("ctrl+f", "follow_up", "Follow-up", id="follow-up", tooltip="A linked question"),
        Binding("ctrl+l", "live", "Live demo", id="live", tooltip="See it live in a demo"),
        Binding("ctrl+s", "submit", "Submit", id="submit", tooltip="Submit the selected options"),
        Binding("n", "next", "Next", show=False),
        Binding("v", "variant", "Variant", show=False),
        Binding("f", "follow_up", "Follow-up", show=False),
        Binding("l", "live", "Live demo", show=False),
        Binding("h", "hint", "Hint", show=False),
        Binding("1", "grade('again')", "Again", id="grade-again", tooltip="Self-grade: again"),
        Binding("2", "grade('hard')", "Hard", id="grade-hard", tooltip="Self-grade: hard"),
        Binding("3", "grade('good')", "Good", id="grade-good", tooltip="Self-grade: good"),
        Binding("4", "grade('easy')", "Easy", id="grade-easy", tooltip="Self-grade: easy"),
    ]

    app: QuizApp

    def __init__(self, selection: PracticeSelection | None = None) -> None:
        super().__init__()
        self.selection = selection or PracticeSelection()
        self.question: Question | None = None
        self.variant: Any = None
        self.hints_used = 0
        self.shown_at = 0.0
        self.answered = False
        self.checking = False
        self.recall_verdict: Any = None  # a recall answer revealed, waiting for a self-grade
        self.last_graded: Graded | None = None
        self.session_answered = 0
        self.session_right = 0
        self._started = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("Practice · loading packs…", id="practice-title")
        with VerticalScroll(id="practice-body"):
            with Vertical(id="question-pane", classes="pane"):
                yield Markdown("loading packs…", id="prompt")
                yield Markdown("", id="hints")
                yield Vertical(id="answer-area")
                yield Static("", id="echo")
            with Vertical(id="result-pane", classes="pane"):
                yield Markdown("", id="result")
                with Horizontal(id="grade-buttons"):
                    for key, grade in enumerate(GRADES, start=1):
                        yield Button(
                            f"{grade.capitalize()} [{key}]",
                            id=f"grade-{grade}",
                            variant="error" if grade == "again" else "default",
                        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hints").display = False
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
        self._draw_worker(None, None)

    # ------------------------------------------------------------------ picking and drawing

    @work(thread=True, exclusive=True, group="draw", exit_on_error=False)
    def _draw_worker(self, qid: str | None, seed: int | None) -> None:
        """Pick the next question (unless given), draw its numbers, post QuestionReady."""
        library = self.app.library
        if library is None or not library.questions:
            self.post_message(NothingToPractise(self.app.library_error or "No packs are loaded."))
            return
        try:
            if qid is None:
                exclude = self.question.qid if self.question is not None else None
                qid, why = _pick(library, self.app, self.selection, exclude)
                if qid is None:
                    self.post_message(NothingToPractise(why))
                    return
            question = library.get(qid)
            from engine.problems import draw

            if seed is None:
                seed = self.app.next_seed()
            variant = draw(question.model, seed, qid=question.qid)
        except Exception as exc:  # a pack bug: say which question, keep the app alive
            self.post_message(PracticeFailed(f"{qid}: {exc}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(QuestionReady(question, variant))

    async def on_question_ready(self, message: QuestionReady) -> None:
        self.question = message.question
        self.variant = message.variant
        self.hints_used = 0
        self.answered = False
        self.checking = False
        self.recall_verdict = None
        self.last_graded = None
        self.shown_at = self.app.clock()
        question, variant = self.question, self.variant
        self._update_title()
        self.query_one("#prompt", Markdown).update(variant.prompt)
        hints = self.query_one("#hints", Markdown)
        hints.update("")
        hints.display = False
        self.query_one("#result", Markdown).update("")
        self.query_one("#result-pane").display = False
        self.query_one("#grade-buttons").display = False
        self.query_one("#echo", Static).update("")
        await self._mount_answer_widget(question.kind, variant)
        self.query_one("#practice-body").scroll_home(animate=False)
        self.refresh_bindings()

    async def on_nothing_to_practise(self, message: NothingToPractise) -> None:
        self.question = None
        self.variant = None
        self.query_one("#practice-title", Static).update(f"Practice · {self.selection.label()}")
        self.query_one("#prompt", Markdown).update(f"{message.reason}\n\nPress **Esc** to go back.")
        await self.query_one("#answer-area").remove_children()
        self.refresh_bindings()

    def on_practice_failed(self, message: PracticeFailed) -> None:
        self.notify(message.message, title="This question cannot be drawn", severity="error")
        if self.question is None:
            self.query_one("#prompt", Markdown).update(
                "This question could not be drawn. Run `quizapp validate` to see why."
            )

    def _update_title(self) -> None:
        question = self.question
        if question is None:
            return
        stars = "★" * question.difficulty + "☆" * (5 - question.difficulty)
        tally = (
            f"{self.session_right}/{self.session_answered} right"
            if self.session_answered
            else "first question"
        )
        self.query_one("#practice-title", Static).update(
            f"{question.qid}  {stars}  {', '.join(question.topics)}  ·  "
            f"{question.time} s  ·  {tally}"
        )

    async def _mount_answer_widget(self, kind: str, variant: Any) -> None:
        area = self.query_one("#answer-area")
        await area.remove_children()
        if kind == "choice":
            options = variant.answer_spec.get("options", {})
            several = len(variant.answer_spec.get("value") or []) > 1
            labels = [(key, f"{key}) {text}") for key, text in options.items()]
            if several:
                widget: Any = SelectionList[str](*[(Text(label), key) for key, label in labels])
                widget.id = "choices"
                await area.mount(widget)
                # The list is nowrap (cut with "…"): the highlighted option in full, below it.
                first = labels[0][1] if labels else ""
                await area.mount(Static(Text(first), id="choice-full", classes="choice-full"))
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
        field = Input(placeholder=PLACEHOLDERS.get(kind, "your answer"), id="answer")
        await area.mount(field)
        field.focus()

    # ------------------------------------------------------------------ typing and the echo

    @on(Input.Changed, "#answer")
    def _answer_changed(self, event: Input.Changed) -> None:
        if self.variant is None or self.answered or self.variant.kind == "recall":
            return
        if not event.value.strip():
            self.query_one("#echo", Static).update("")
            return
        echo_in_thread(self, self.variant.answer_spec, event.value, group="echo")

    def on_echo_ready(self, message: EchoReady) -> None:
        field = self.query("#answer").first(Input) if self.query("#answer") else None
        if field is None or field.value != message.response or self.answered or self.checking:
            return
        self.query_one("#echo", Static).update(f"read as: {message.text}" if message.text else "")

    # ------------------------------------------------------------------ submitting

    @on(Input.Submitted, "#answer")
    def _answer_submitted(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    @on(OptionList.OptionSelected, "#choices")
    def _choice_selected(self, event: OptionList.OptionSelected) -> None:
        self._submit(event.option.id or "")

    @on(SelectionList.SelectionHighlighted, "#choices")
    def _choice_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        """Show the whole text of the highlighted option (the list cuts long ones)."""
        for full in self.query("#choice-full").results(Static):
            full.update(Text(str(event.selection.prompt)))

    @on(Button.Pressed, "#submit-choices")
    def _choices_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        choices = self.query("#choices")
        if choices and isinstance(choices.first(), SelectionList):
            selected = choices.first(SelectionList).selected
            self._submit(", ".join(str(s) for s in selected))

    def _submit(self, response: str) -> None:
        if self.variant is None or self.question is None or self.answered or self.checking:
            return
        if self.recall_verdict is not None:
            return
        self.checking = True
        seconds = max(0.0, self.app.clock() - self.shown_at)
        self.query_one("#echo", Static).update("checking…")
        self._grade_worker(self.question, self.variant, response, seconds, self.hints_used)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _grade_worker(
        self, question: Question, variant: Any, response: str, seconds: float, hints_used: int
    ) -> None:
        """Grade; if the answer was understood (and is not a recall), record and schedule it."""
        from engine.problems import grade

        try:
            verdict = grade(variant, response)
        except Exception as exc:  # a broken spec; the learner must not lose the screen
            from engine.answers.verdict import invalid

            verdict = invalid(f"This question cannot be checked ({exc}); try another one.")
        next_due = None
        if verdict.valid and not verdict.needs_self_grade:
            next_due = _record(self.app, question, variant, response, verdict, seconds, hints_used)
        markdown = result_markdown(variant, response, verdict, next_due)
        graded = Graded(
            question.qid, variant.seed, response, verdict, seconds, hints_used, markdown, next_due
        )
        self.post_message(VerdictReady(graded))

    async def on_verdict_ready(self, message: VerdictReady) -> None:
        graded = message.graded
        self.checking = False
        if self.variant is None or (graded.qid, graded.seed) != (
            self.variant.qid,
            self.variant.seed,
        ):
            return  # the question changed while the checker was busy
        verdict = graded.verdict
        echo = self.query_one("#echo", Static)
        if not verdict.valid:
            # Costs nothing: keep the answer, say what is wrong, let the learner fix it.
            echo.update(f"✗ {verdict.feedback}")
            echo.add_class("-invalid")
            return
        echo.remove_class("-invalid")
        echo.update(f"read as: {verdict.parsed}" if verdict.parsed else "")
        self.last_graded = graded
        result_pane = self.query_one("#result-pane")
        result_pane.display = True
        await self.query_one("#result", Markdown).update(graded.result_markdown)
        if verdict.needs_self_grade:
            self.recall_verdict = verdict
            self.query_one("#grade-buttons").display = True
            self.query_one("#grade-good", Button).focus()
        else:
            self._finish(verdict)
        self.call_after_refresh(result_pane.scroll_visible, top=True, animate=False)
        self.refresh_bindings()

    def _finish(self, verdict: Any) -> None:
        self.answered = True
        self.session_answered += 1
        self.session_right += int(bool(verdict.correct))
        self._update_title()
        for widget in self.query("#answer-area > *"):
            widget.disabled = True
        self.query_one("#practice-body").focus()
        self.refresh_bindings()

    # ------------------------------------------------------------------ recall self-grading

    @on(Button.Pressed, "#grade-buttons Button")
    def _grade_button(self, event: Button.Pressed) -> None:
        self.action_grade((event.button.id or "").removeprefix("grade-"))

    def action_grade(self, rating: str) -> None:
        if self.recall_verdict is None or self.question is None or self.answered:
            return
        graded = self.last_graded
        assert graded is not None
        self.query_one("#grade-buttons").display = False
        self._self_grade_worker(self.question, self.variant, graded, rating)
        self.recall_verdict = None
        self.checking = True

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _self_grade_worker(self, question: Question, variant: Any, graded: Graded, rating: str):
        verdict = graded.verdict.self_grade(rating)
        next_due = _record(
            self.app,
            question,
            variant,
            graded.response,
            verdict,
            graded.seconds,
            graded.hints_used,
            self_grade=rating,
        )
        markdown = result_markdown(variant, graded.response, verdict, next_due, rating)
        self.post_message(
            VerdictReady(
                Graded(
                    question.qid,
                    variant.seed,
                    graded.response,
                    verdict,
                    graded.seconds,
                    graded.hints_used,
                    markdown,
                    next_due,
                )
            )
        )

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        variant, question = self.variant, self.question
        if action == "hint":
            return variant is not None and self.hints_used < len(variant.hints)
        if action == "grade":
            return self.recall_verdict is not None
        if action == "submit":
            return bool(self.query("#choices")) and isinstance(
                self.query("#choices").first(), SelectionList
            )
        if action in ("variant", "next"):
            return question is not None or action == "next"
        if action == "follow_up":
            return question is not None and bool(question.model.follow_ups)
        if action == "live":
            return question is not None and question.model.demo is not None
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_hint(self) -> None:
        variant = self.variant
        if variant is None:
            return
        if self.hints_used >= len(variant.hints):
            self.notify("No more hints for this question.")
            return
        self.hints_used += 1
        shown = "\n\n".join(
            f"**Hint {i}.** {text}" for i, text in enumerate(variant.hints[: self.hints_used], 1)
        )
        hints = self.query_one("#hints", Markdown)
        hints.update(shown)
        hints.display = True
        self.refresh_bindings()

    def action_next(self) -> None:
        if self.checking:
            return
        self._draw_worker(None, None)

    def action_variant(self) -> None:
        if self.question is None or self.checking:
            return
        self._draw_worker(self.question.qid, None)

    def action_follow_up(self) -> None:
        question, library = self.question, self.app.library
        if question is None or library is None or self.checking:
            return
        ids = []
        for ref in question.model.follow_ups:
            qid = ref if "/" in ref else f"{question.pack_id}/{ref}"
            if library.find(qid) is not None:
                ids.append(qid)
        if not ids:
            self.notify("The follow-up questions of this one are not loaded.", severity="warning")
            return
        if len(ids) == 1:
            self._draw_worker(ids[0], None)
            return
        from quizapp.tui.widgets.dialogs import PickOneScreen

        def picked(qid: str | None) -> None:
            if qid is not None:
                self._draw_worker(qid, None)

        choices = [(qid, f"{qid}  ·  {_first_line(library.get(qid).model.prompt)}") for qid in ids]
        self.app.push_screen(PickOneScreen("Which follow-up?", choices), picked)

    def action_live(self) -> None:
        question = self.question
        if question is None or question.model.demo is None:
            self.notify("This question has no live demo.")
            return
        demo = question.model.demo
        self.app.action_demos(demo.name, vary=demo.vary)


# ---------------------------------------------------------------------------- helpers


def _first_line(markdown: str, width: int = 60) -> str:
    line = " ".join(markdown.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _pick(
    library: Library, app: QuizApp, selection: PracticeSelection, exclude: str | None
) -> tuple[str | None, str]:
    """The next question id: due ones first, then new ones, then the soonest due.

    Runs in a worker thread (it imports fsrs and queries the store).
    """
    ids = [q.qid for q in library.questions if selection.matches(q)]
    if not ids:
        known = ", ".join(p.id for p in library.packs) or "none"
        return None, f"No question matches {selection.label()}. Packs loaded: {known}."
    store = app.store
    if store is None:
        order = ids
    else:
        from quizapp.scheduling import due

        order = due(store, ids, app.now(), include_new=not selection.due_only)
    if len(order) > 1 or (order and order[0] != exclude):
        return next(q for q in order if q != exclude), ""
    if selection.due_only:
        return None, "Nothing is due right now. Come back later, or practise new questions."
    if store is None:
        return ids[0], ""
    dues = store.card_dues(ids)
    rest = sorted((when, qid) for qid, when in dues.items() if qid != exclude)
    if rest:
        return rest[0][1], ""
    return (exclude or ids[0]), ""


def _record(
    app: QuizApp,
    question: Question,
    variant: Any,
    response: str,
    verdict: Any,
    seconds: float | None,
    hints_used: int,
    self_grade: str | None = None,
) -> str | None:
    """Write the attempt and review the card; returns when it is due again ('in 10 min').

    Runs in a worker thread: the store is thread-safe, fsrs imports here.
    """
    store = app.store
    if store is None:
        return None
    from quizapp.scheduling import rating_for, review
    from quizapp.store import Attempt
    from quizapp.tui.widgets.format import until

    now = app.now()
    store.record_attempt(
        Attempt(
            question_id=question.qid,
            correct=bool(verdict.correct),
            score=float(verdict.score),
            pack=question.pack_id,
            topics=tuple(question.topics),
            kind=question.kind,
            seed=variant.seed,
            response=response,
            parsed=verdict.parsed or "",
            valid=True,
            seconds=seconds,
            hints_used=hints_used,
            mode="practice",
            feedback=verdict.feedback or "",
            diagnosis=verdict.diagnosis,
            ts=now,
        )
    )
    rating = rating_for(
        bool(verdict.correct), float(verdict.score), hints_used, seconds, question.time, self_grade
    )
    return until(review(store, question.qid, rating, now), now)


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
            lines += [f"**Expected:** {variant.expected}", ""]
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
Tick packs and/or topics with **Space** (none ticked means every pack), tick
**only due now** to review just the questions spaced repetition says are due, then
**Start** (Ctrl+S). Esc cancels.
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
                yield SelectionList[str](id="setup-packs")
                yield SelectionList[str](id="setup-topics")
            yield Checkbox("Only questions due now", id="setup-due")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start [Ctrl+S]", id="setup-start", variant="primary")
                yield Button("Cancel [Esc]", id="setup-cancel")

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
