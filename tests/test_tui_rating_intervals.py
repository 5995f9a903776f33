"""The rating buttons and the "next review" line say the same interval as a learner reads
them: both from now, through one formatter (the issue: "Hard · 6 min" over "in 5 min").

FSRS (the scheduler's default learning steps 1 min and 10 min) puts a new card rated Hard
away for their mean, 5.5 min: measured at the review it reads "6 min", a moment later
"5 min". A clock that ticks on every read makes the moments differ as on a real machine.
"""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import FakeClock, make_app, settle, sync
from fsrs import Card, Rating, Scheduler
from test_tui_practice import answer, result_text, start_practice
from textual.widgets import Button


class TickingClock(FakeClock):
    """Each read of the time is 10 ms after the previous one, as real reads are apart."""

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_fsrs_puts_a_new_card_rated_hard_away_for_five_and_a_half_minutes() -> None:
    """The premise, from fsrs itself: the interval straddles a rounding boundary."""
    card, _ = Scheduler(enable_fuzzing=False).review_card(Card(), Rating.Hard)
    assert card.due - card.last_review == timedelta(minutes=5, seconds=30)


@sync
async def test_the_hard_button_and_the_next_review_line_agree(tmp_path):
    clock = TickingClock()
    app = make_app(tmp_path, clock, start="practice", packs=["tui-basics"])
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await start_practice(app, pilot)
        n, d = screen.variant.params["n"], screen.variant.params["d"]
        clock.advance(75)  # right, but over the 60 s budget: Hard is suggested
        await answer(app, pilot, str(2 * n * n * d))
        await settle(app, pilot)
        hard = str(screen.query_one("#grade-hard", Button).label)
        assert "★" in hard  # the suggested rating, the one the line below is about
        line = re.search(r"Next review of this question: \*\*in (\d+ min)\*\*", result_text(screen))
        assert line is not None, result_text(screen)
        assert f"Hard · {line.group(1)}" in hard
        assert line.group(1) == "5 min"  # 5.5 min after the review, read a moment later


def test_the_next_review_line_words_an_interval_as_the_buttons_do() -> None:
    """`until` and the buttons' `interval_text` round alike at every scale, months too."""
    from datetime import UTC, datetime

    from quizapp.ratings import interval_text
    from quizapp.tui.widgets.format import until

    now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for left in (
        timedelta(minutes=5, seconds=29),  # just under the half: both say 5
        timedelta(minutes=5, seconds=31),  # just over: both say 6
        timedelta(hours=2, minutes=31),
        timedelta(days=91),  # "3.0 mo" on the button, not "91 d" below it
    ):
        assert until(now + left, now) == f"in {interval_text(left)}"
    assert until(now + timedelta(minutes=5, seconds=29), now) == "in 5 min"
    assert until(now + timedelta(days=91), now) == "in 3.0 mo"
    assert until(now - timedelta(seconds=1), now) == "now" and until(None, now) == "not scheduled"
