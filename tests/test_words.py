"""Words a person reads: counts agree with their nouns, hints name what to run."""

from __future__ import annotations

from quizapp.validation import validate
from quizapp.words import clip, count


def test_one_is_singular_and_everything_else_plural() -> None:
    assert [count(n, "attempt") for n in (0, 1, 2)] == ["0 attempts", "1 attempt", "2 attempts"]
    assert count(1, "question is", "questions are") == "1 question is"
    assert count(1200, "point") == "1,200 points"


def test_text_that_fits_is_kept_whole_on_one_line() -> None:
    assert clip("2*b*h*n^2*d", 11) == "2*b*h*n^2*d"
    assert clip("two\n  lines", 20) == "two lines"  # a multi-line answer in a table cell


def test_text_too_wide_is_cut_to_the_width_with_an_ellipsis() -> None:
    cut = clip("abcdefghij", 6)
    assert cut == "abcde…" and len(cut) == 6
    assert clip("one two three", 5) == "one…"  # no space left hanging before the '…'
    assert clip("×" * 10, 4) == "×××…"  # characters, not bytes
    assert clip("abc", 1) == "…"  # a one-character column still shows the cut


def test_a_pack_with_one_problem_says_one_problem(tmp_path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    summary = validate([tmp_path]).summary()
    assert summary.startswith("1 problem in ") and "1 problems" not in summary
