"""Practice flows driven through Textual's Pilot, checked against the SQLite file itself.

Expected numbers are computed here from the published formula (QKᵀ of an n×d by d×n
product: n²·d multiply-adds, 2 FLOPs each), never taken from the app or the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import (
    RECALL_FIXTURES,
    TUI_LONG,
    FakeClock,
    footer_keys,
    make_app,
    rows,
    settle,
    sync,
    text_of,
)
from db_lock import locked_database
from textual import events
from textual.widgets import Input, Markdown, OptionList, Static

from quizapp.tui.screens.help import HelpScreen
from quizapp.tui.screens.practice import PracticeScreen


async def start_practice(app, pilot) -> PracticeScreen:
    await app.wait_library()
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, PracticeScreen)
    assert screen.variant is not None
    return screen


async def answer(app, pilot, text: str) -> None:
    field = app.screen.query_one("#answer", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.press("enter")
    await settle(app, pilot)


def result_text(screen) -> str:
    return screen.query_one("#result", Markdown).source


@sync
async def test_a_right_answer_is_shown_right_and_recorded(tmp_path):
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        assert screen.question.qid == "tui-basics/score-flops"  # new questions in pack order
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        prompt = screen.query_one("#prompt", Markdown).source
        assert f"{n}×{d}" in prompt  # the drawn numbers are in the question
        clock.now += 42
        await answer(app, pilot, str(2 * n * n * d))
        assert "✓ Right" in result_text(screen)
        assert screen.answered
    attempts = rows(
        tmp_path, "SELECT question_id, correct, seconds, hints_used, mode, seed FROM attempts"
    )
    assert attempts == [("tui-basics/score-flops", 1, 42.0, 0, "practice", screen.variant.seed)]


@sync
async def test_a_wrong_answer_gets_the_diagnosis_and_the_derivation(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await answer(app, pilot, str(n * n * d))  # MACs instead of FLOPs
        text = result_text(screen)
        assert "✗" in text
        assert "multiply-adds" in text  # the pack's feedback for this classic mistake
        assert "Derivation" in text
        # each step with the drawn numbers: n·n entries, then 2·n²·d FLOPs
        assert f"{n * n:,}" in text
        assert f"{2 * n * n * d:,}" in text
        assert "Every query meets every key" in text  # the explanation
    assert rows(tmp_path, "SELECT correct FROM attempts") == [(0,)]


@sync
async def test_an_unreadable_answer_costs_nothing_and_can_be_fixed(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await answer(app, pilot, "12 bananas")
        echo = str(screen.query_one("#echo", Static).content)
        assert "bananas" in echo  # the message says what could not be read
        assert not screen.answered
        assert screen.query_one("#answer", Input).value == "12 bananas"  # input kept
        assert rows(tmp_path, "SELECT count(*) FROM attempts") == [(0,)]
        await answer(app, pilot, f"{2 * n * n * d}")
        assert "✓ Right" in result_text(screen)
    assert rows(tmp_path, "SELECT count(*), sum(correct) FROM attempts") == [(1, 1)]


@sync
async def test_the_live_echo_shows_how_the_answer_is_read(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        screen.query_one("#answer", Input).focus()
        await pilot.press(*"2.5 G")
        await settle(app, pilot)
        echo = str(screen.query_one("#echo", Static).content)
        assert "2,500,000,000" in echo


@sync
async def test_hints_come_one_at_a_time_and_are_recorded(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        hints = screen.query_one("#hints", Markdown)
        assert not hints.display
        await pilot.press("f2")
        await pilot.pause()
        assert hints.display
        assert "n·n entries" in hints.source and "dot product" not in hints.source
        await pilot.press("f2")
        await pilot.pause()
        assert "dot product of length d" in hints.source
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await answer(app, pilot, str(2 * n * n * d))
    assert rows(tmp_path, "SELECT hints_used FROM attempts") == [(2,)]


@sync
async def test_a_failed_question_comes_back_sooner_than_a_passed_one(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        assert screen.question.qid == "tui-basics/score-flops"
        await answer(app, pilot, "1")  # wrong
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.question.qid == "tui-basics/score-big-o"
        await answer(app, pilot, "n^2*d")  # right
        assert "✓" in result_text(screen)
    dues = dict(rows(tmp_path, "SELECT question_id, due FROM cards"))
    failed = datetime.fromisoformat(dues["tui-basics/score-flops"])
    passed = datetime.fromisoformat(dues["tui-basics/score-big-o"])
    assert failed < passed


@sync
async def test_choices_are_picked_from_a_list(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"], topics=["memory"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        assert screen.question.qid == "tui-basics/largest-tensor"
        options = screen.query_one("#choices", OptionList)
        assert options.has_focus
        await pilot.press("enter")  # the first option, a: the n×n score matrix
        await settle(app, pilot)
        assert "✓ Right" in result_text(screen)
    assert rows(tmp_path, "SELECT response, correct FROM attempts") == [("a", 1)]


@sync
async def test_another_variant_and_follow_up(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        first_seed = screen.variant.seed
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert screen.question.qid == "tui-basics/score-flops"
        assert screen.variant.seed != first_seed
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert screen.question.qid == "tui-basics/score-big-o"


@sync
async def test_f1_shows_help_for_the_current_screen(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        await start_practice(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert (
            "| Ctrl+R / v | The same question, new numbers |"
            in app.screen.query_one("#help-text", Markdown).source
        )
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PracticeScreen)


@sync
async def test_a_recall_answer_is_revealed_then_self_graded_and_scheduled(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-recall"], fixtures=RECALL_FIXTURES)
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        qid = "tui-recall/why-scale"
        assert screen.question.qid == qid
        await answer(app, pilot, "variance grows with d_k")  # Enter reveals the model answer
        assert "Model answer" in result_text(screen)
        assert "keeps the softmax out of saturation" in result_text(screen)
        assert screen.query_one("#grade-buttons").display
        assert app.store.attempts() == []  # nothing recorded before the self-grade
        await pilot.press("3")  # good
        await settle(app, pilot)
        assert screen.answered
        assert "you graded it *good*" in result_text(screen)
        assert not screen.query_one("#grade-buttons").display
        attempts = app.store.attempts()
        assert [(a.question_id, a.correct, a.score) for a in attempts] == [(qid, True, 1.0)]
        assert attempts[0].response == "variance grows with d_k"
        assert app.store.get_card(qid) is not None


@sync
async def test_new_numbers_keep_the_hints_already_shown(tmp_path):
    """Two hints, Ctrl+R, then a right answer: recorded with 2 hints and rated Hard."""
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        await pilot.press("f2", "f2")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        hints = screen.query_one("#hints", Markdown)
        assert hints.display and "dot product of length d" in hints.source
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await answer(app, pilot, str(2 * n * n * d))
    assert rows(tmp_path, "SELECT hints_used, correct FROM attempts") == [(2, 1)]
    assert rows(tmp_path, "SELECT rating FROM review_log") == [(2,)]  # fsrs Hard


@sync
async def test_a_database_locked_by_another_process_keeps_the_answer(tmp_path):
    """A real second process holds the lock: the answer waits, practice goes on, then saves."""
    clock = FakeClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        app.store._conn.execute("PRAGMA busy_timeout = 50")  # fail fast instead of after 5 s
        with locked_database(tmp_path / "history.sqlite3"):
            n, d = screen.variant.params["n"], screen.variant.params["d"]
            clock.advance(30)
            await answer(app, pilot, str(2 * n * n * d))
            assert screen.answered and "✓ Right" in result_text(screen)
            assert any("busy" in note.message for note in app._notifications)
            assert app.recorder.waiting == 1
            await pilot.press("ctrl+n")  # not stuck: the next question comes
            await settle(app, pilot)
            assert screen.question.qid == "tui-basics/score-big-o"
            assert screen.session.state == "asking"
        app._retry_waiting()  # what the retry timer does every few seconds
        await settle(app, pilot)
        assert app.recorder.waiting == 0
        assert any("saved" in note.message for note in app._notifications)
    assert rows(tmp_path, "SELECT question_id, seconds FROM attempts") == [
        ("tui-basics/score-flops", 30.0)
    ]
    assert rows(tmp_path, "SELECT count(*) FROM review_log") == [(1,)]


@sync
async def test_any_error_while_checking_is_shown_and_practice_goes_on(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)

        def broken(answer):
            raise RuntimeError("the store fell over")

        app.recorder.submit = broken
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        await answer(app, pilot, str(2 * n * n * d))
        echo = str(screen.query_one("#echo", Static).content)
        assert "the store fell over" in echo and "checking…" not in echo
        assert screen.query_one("#answer", Input).value == str(2 * n * n * d)  # kept
        assert screen.session.state == "asking"
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.question.qid == "tui-basics/score-big-o"


@sync
async def test_a_read_only_history_shows_a_lasting_banner_and_keeps_answers(tmp_path, monkeypatch):
    import os

    from quizapp.recording import Answer, record
    from quizapp.store import Store

    with Store.open(tmp_path / "history.sqlite3") as store:
        record(
            store,
            Answer("tui-basics/largest-tensor", "practice", correct=True, score=1.0),
            datetime.fromtimestamp(1_600_000_000, tz=UTC),
        )
    real_access = os.access
    db = str(tmp_path / "history.sqlite3")
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if str(p) == db else real_access(p, mode)
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await app.wait_library()
        await settle(app, pilot)
        assert app.store is not None and app.store.read_only
        banner = app.screen.query_one("Banner", Static)
        assert banner.display and "Read-only" in str(banner.content)
        summary = str(app.screen.query_one("#home-summary", Static).content)
        assert "accuracy 100%" in summary  # the history is still there
        await pilot.press("n")
        screen = await start_practice(app, pilot)
        assert "Read-only" in str(screen.query_one("Banner", Static).content)
        assert screen.question.qid == "tui-basics/largest-tensor"  # due again: comes first
        await pilot.press("enter")  # a: the n×n score matrix
        await settle(app, pilot)
        assert screen.answered
        assert app.recorder.waiting == 1
        assert any("read-only" in note.message for note in app._notifications)
    assert rows(tmp_path, "SELECT count(*) FROM attempts") == [(1,)]


def long_app(tmp_path, qid: str = "tui-long/why-flash"):
    from quizapp.practice import PracticeSelection

    app = make_app(tmp_path, fixtures=TUI_LONG, start="practice", packs=["tui-long"])
    app.practice_selection = PracticeSelection(questions=(qid,))
    return app


@sync
async def test_the_follow_up_picker_shows_prompts_with_their_numbers_and_keeps_them(tmp_path):
    from quizapp.tui.widgets.dialogs import PickOneScreen

    app = long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_practice(app, pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, PickOneScreen)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert all("{" not in label for label in labels), labels  # no raw template
        flops = labels[0]
        assert flops.startswith("One block of FlashAttention multiplies a ")
        assert flops.endswith("\ntui-long/block-flops")
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        assert screen.question.qid == "tui-long/block-flops"
        b = screen.variant.params["b"]
        assert f"a {b}×64 query block" in flops  # the numbers shown are the ones asked


@sync
async def test_long_options_wrap_and_a_wrong_pick_lists_every_expected_option(tmp_path):
    app = long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        choices = screen.query_one("#choices")
        shown = [choices.render_line(y).text for y in range(choices.size.height)]
        text = " ".join(" ".join(line.split()) for line in shown)
        assert "thrown away after use." in text and "…" not in text  # read in full
        await pilot.press("space", "ctrl+s")  # only a: c is missed
        await settle(app, pilot)
        result = result_text(screen)
        assert "**Expected:**\n\n- a) It never materialises" in result
        assert "\n- c) It recomputes the scores" in result


@sync
async def test_at_80_columns_the_footer_shows_f1_help_and_the_header_the_score(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        await answer(app, pilot, "1000")
        keys = footer_keys(screen)
        assert "Help" in keys
        assert keys["Help"].right <= 80 and "palette" not in keys  # not cut off
        title = str(screen.query_one("#practice-title", Static).render())
        assert title.startswith("0/1 right")


@sync
async def test_esc_asks_before_dropping_a_typed_answer_and_not_with_an_empty_box(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        await pilot.press(*"2*1024")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is not screen  # a question, not home
        assert "not submitted" in text_of(app.screen, "#choice-text")
        await pilot.press("escape")  # stay
        await settle(app, pilot)
        assert app.screen is screen
        field = screen.query_one("#answer", Input)
        assert field.value == "2*1024" and field.has_focus  # typing goes on where it was
        await pilot.press("escape", "y")  # leave, said twice
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("n")  # an empty answer box: Esc goes straight back
        await settle(app, pilot)
        assert isinstance(app.screen, PracticeScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
    assert rows(tmp_path, "SELECT count(*) FROM attempts") == [(0,)]


@sync
async def test_ctrl_q_and_the_palettes_home_ask_before_dropping_a_typed_answer(tmp_path):
    """Every way out of practice asks as Esc does: Ctrl+Q and the command palette's Home
    (which calls `action_home`) used to drop the typed answer without a word."""
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        await pilot.press(*"2*1024")
        app.action_home()  # what the palette's "Home" runs
        await settle(app, pilot)
        assert "not submitted" in text_of(app.screen, "#choice-text")
        await pilot.press("escape")  # stay
        await settle(app, pilot)
        assert app.screen is screen and screen.query_one("#answer", Input).value == "2*1024"
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert app.is_running and "not submitted" in text_of(app.screen, "#choice-text")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.is_running and app.screen is screen
        assert screen.query_one("#answer", Input).value == "2*1024"
        app.action_home()
        await settle(app, pilot)
        await pilot.press("y")  # go home after all
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("ctrl+q")  # nothing typed anywhere: quits at once
        await settle(app, pilot)
        assert not app.is_running


@sync
async def test_ctrl_q_quits_once_confirmed_with_a_typed_answer(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        await start_practice(app, pilot)
        await pilot.press(*"2*1024", "ctrl+q")
        await settle(app, pilot)
        assert app.is_running
        await pilot.press("y")
        await settle(app, pilot)
        assert not app.is_running


@sync
async def test_an_answer_pasted_over_two_lines_is_kept_whole(tmp_path):
    app = make_app(tmp_path, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        field = screen.query_one("#answer", Input)
        field.post_message(events.Paste(f"{n}^2*{d}\n  *2\n"))  # copied from notes
        await settle(app, pilot)
        assert field.value == f"{n}^2*{d} *2"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Right" in result_text(screen)
