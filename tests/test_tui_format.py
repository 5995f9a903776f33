"""How the TUI words its headers and menu lines (display only)."""

from __future__ import annotations

from quizapp.tui.widgets.format import practice_title, prompt_summary, stars


def test_the_practice_header_starts_with_the_score_so_80_columns_keep_it() -> None:
    title = practice_title("attention-basics/qk-flops", 1, ["self-attention", "flops"], 60, 2, 3)
    assert title[:78].startswith("2/3 right  ·  attention-basics/qk-flops  ★☆☆☆☆  60 s")
    assert practice_title("p/q", 2, [], 30, 0, 0).startswith("first question")


def test_a_prompt_summary_is_its_first_sentence_on_one_line() -> None:
    prompt = "One block multiplies a 64×64 query\nblock by a key block. How many FLOPs?"
    assert prompt_summary(prompt) == "One block multiplies a 64×64 query block by a key block."
    assert prompt_summary("word " * 50, width=20) == "word word word word…"


def test_difficulty_is_shown_as_five_stars_filled_to_it() -> None:
    assert [stars(d) for d in (1, 3, 5)] == ["★☆☆☆☆", "★★★☆☆", "★★★★★"]
