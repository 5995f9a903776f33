"""Words a person reads: counts agree with their nouns, hints name what to run."""

from __future__ import annotations

from quizapp.validation import validate
from quizapp.words import count


def test_one_is_singular_and_everything_else_plural() -> None:
    assert [count(n, "attempt") for n in (0, 1, 2)] == ["0 attempts", "1 attempt", "2 attempts"]
    assert count(1, "question is", "questions are") == "1 question is"
    assert count(1200, "point") == "1,200 points"


def test_a_pack_with_one_problem_says_one_problem(tmp_path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    summary = validate([tmp_path]).summary()
    assert summary.startswith("1 problem in ") and "1 problems" not in summary
