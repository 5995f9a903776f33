"""A failed worker is told to the user in one readable line (the log keeps the rest)."""

from __future__ import annotations

from quizapp.tui.failures import FAILURE_CHARS, failure_text


def test_a_long_multi_line_error_is_shown_on_one_cut_line() -> None:
    error = OSError("database disk image is malformed\n" + "detail " * 100)
    text = failure_text(error)
    assert "\n" not in text
    assert text.startswith("database disk image is malformed detail")
    assert text.endswith("…") and len(text) <= FAILURE_CHARS


def test_a_short_error_is_shown_whole_and_a_silent_one_by_its_kind() -> None:
    assert failure_text(ValueError("no such pack: x")) == "no such pack: x"
    assert failure_text(TimeoutError()) == "TimeoutError"
    assert failure_text(None) == "an unknown error"
