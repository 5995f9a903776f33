"""engine.problems: seeded draws, rendering and formula evaluation (no files, no pydantic)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from engine.problems import (
    FormulaError,
    RenderError,
    compile_formula,
    draw,
    draw_params,
    draw_prompt,
    evaluate,
    format_value,
    grade,
    placeholders,
    render,
)

QUESTION = {
    "id": "qk-flops",
    "params": {
        "n": {"choice": [512, 1024, 2048, 4096]},
        "d": {"pow2": [32, 128]},
        "b": {"range": [8, 64], "step": 8},
        "flops": {"formula": "2*b*n^2*d"},
        "k": 4,
    },
    "prompt": "Batch {b}, Q and K are {n}×{d}: FLOPs of QKᵀ? ({{literal}})",
    "answer": {"kind": "number", "value": "2*b*n^2*d", "unit": "FLOP"},
    "mistakes": [{"value": "b*n^2*d", "feedback": "Those are MACs for n={n}."}],
    "hints": ["Each entry is a length-{d} dot product."],
    "derivation": [
        {"text": "{n}² entries per sequence.", "formula": "n^2"},
        {"text": "2·{d} FLOPs each, {b} sequences.", "formula": "2*b*n^2*d"},
    ],
    "explanation": "Quadratic in n.",
    "source": "Vaswani et al. 2017",
}


def test_draws_are_reproducible_and_within_their_ranges() -> None:
    seen_n = set()
    for seed in range(40):
        p = draw_params(QUESTION["params"], seed, "qk-flops")
        assert p == draw_params(QUESTION["params"], seed, "qk-flops")
        assert p["n"] in (512, 1024, 2048, 4096)
        assert p["d"] in (32, 64, 128)
        assert 8 <= p["b"] <= 64 and p["b"] % 8 == 0
        assert p["flops"] == 2 * p["b"] * p["n"] ** 2 * p["d"]
        assert p["k"] == 4
        seen_n.add(p["n"])
    assert len(seen_n) > 1, "40 seeds should not all draw the same n"


def test_the_same_seed_differs_between_questions() -> None:
    spec = {"n": {"range": [1, 10**9]}}
    assert draw_params(spec, 0, "a") != draw_params(spec, 0, "b")


def test_variant_renders_drawn_numbers_with_separators() -> None:
    v = draw(QUESTION, 3)
    n, d, b = v.params["n"], v.params["d"], v.params["b"]
    assert f"{n:,}×{d}" in v.prompt
    assert "({literal})" in v.prompt
    assert v.hints == [f"Each entry is a length-{d} dot product."]
    assert v.mistakes[0]["feedback"] == f"Those are MACs for n={n:,}."
    assert [s.value for s in v.derivation] == [n * n, 2 * b * n * n * d]
    assert v.derivation[0].text == f"{n:,}² entries per sequence."
    assert v.answer_value == 2 * b * n * n * d
    assert v.expected  # engine.answers.expected_text says something
    assert draw(QUESTION, 3) == v


def test_a_prompt_drawn_alone_is_the_full_draws_prompt_with_numbers_filled_in() -> None:
    for seed in range(5):
        prompt = draw_prompt(QUESTION, seed)
        assert prompt == draw(QUESTION, seed).prompt
        assert "{" not in prompt.replace("{literal}", "")
        b = draw_params(QUESTION["params"], seed, "qk-flops")["b"]
        assert prompt.startswith(f"Batch {b}, ")


def test_grade_accepts_the_right_number_and_recognises_the_mistake() -> None:
    v = draw(QUESTION, 1)
    n, d, b = v.params["n"], v.params["d"], v.params["b"]
    assert grade(v, str(2 * b * n * n * d)).correct
    wrong = grade(v, str(b * n * n * d))
    assert not wrong.correct
    assert "MACs" in wrong.feedback + (wrong.diagnosis or "")


def test_formulas_are_exact_for_integers_and_right_for_logs() -> None:
    assert evaluate("2*n^2*d", {"n": 123457, "d": 4099}) == 2 * 123457**2 * 4099
    assert evaluate("n*lg(n)", {"n": 1024}) == 10240
    assert math.isclose(evaluate("sqrt(d)/3", {"d": 2}), math.sqrt(2) / 3)
    assert evaluate("n/4", {"n": 6}) == 1.5


@pytest.mark.parametrize("text", ["__import__('os')", "n.__class__", "x + 1", "n; d", "lambda: 1"])
def test_formulas_outside_the_whitelist_are_refused(text: str) -> None:
    with pytest.raises(FormulaError):
        compile_formula(text, ["n", "d"])


def test_undefined_values_raise_formula_errors() -> None:
    with pytest.raises(FormulaError):
        evaluate("n/(d-d)", {"n": 1, "d": 2})
    with pytest.raises(FormulaError):
        evaluate("log(d-d)", {"d": 2})


def test_render_refuses_unknown_names_and_lone_braces() -> None:
    with pytest.raises(RenderError, match="unknown name"):
        render("{nn}", {"n": 1})
    with pytest.raises(RenderError, match="unmatched"):
        render("O(n^{2)", {"n": 1})
    assert render("{x:.2f} {{x}}", {"x": 1.5}) == "1.50 {x}"
    assert [name for name, _ in placeholders("{a} and {b:,}")] == ["a", "b"]


def test_a_plain_object_works_as_a_question() -> None:
    class Obj:
        def __init__(self) -> None:
            self.__dict__.update(QUESTION)

    assert draw(Obj(), 5) == draw(QUESTION, 5)


@pytest.mark.parametrize(
    ("value", "written"),
    [(1_269_531.25, "1,269,531"), (Fraction(2_539_063, 2), "1,269,532"), (14.6875, "14.69")],
)
def test_large_fractional_numbers_are_written_in_full(value, written) -> None:
    """A derivation reads 1,269,531 s, not 1.27e+06 s; small ones keep 4 digits."""
    assert format_value(value) == written
