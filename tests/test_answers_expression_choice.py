"""Expression, choice and recall answers."""

from __future__ import annotations

import pytest
import yaml

from engine.answers import SELF_GRADES, SpecError, check, expected_text, interpret

# Self-attention matmul FLOPs: 4·b·n²·d (facts.md, "FLOP counts").
EXPR = {"kind": "expression", "value": "4*b*n^2*d", "variables": ["b", "n", "d"]}


@pytest.mark.parametrize(
    "response",
    [
        "4 b n^2 d",
        "4*b*d*n*n",
        "2bn²d + 2bn²d",
        "b·4·d·n²",
        "(n+1)^2 - n^2 - 2n - 1 + 4bn^2d",
        "4 b n^2 d (n+1)/(n+1)",
    ],
)
def test_equivalent_expressions_are_correct(response: str) -> None:
    v = check(EXPR, response)
    assert (v.correct, v.score, v.valid) == (True, 1.0, True)


def test_constant_factor_difference_is_diagnosed() -> None:
    v = check(EXPR, "2*b*n^2*d")
    assert not v.correct and v.valid and "constant factor of 1/2" in v.diagnosis


def test_missing_variable_factor_is_diagnosed() -> None:
    assert "missing a factor of n" in check(EXPR, "4 b n d").diagnosis
    assert "extra factor of d" in check(EXPR, "4 b n^2 d^2").diagnosis


def test_additive_constant_is_diagnosed() -> None:
    assert "additive constant" in check(EXPR, "4 b n^2 d + 1").diagnosis


def test_expression_mistakes_match_by_equivalence() -> None:
    spec = {**EXPR, "mistakes": [{"expression": "2*b*n^2*d", "feedback": "only QKᵀ, not P·V"}]}
    assert check(spec, "2 n^2 b d").diagnosis == "only QKᵀ, not P·V"


def test_expression_unknown_name_is_invalid_and_echo_renders() -> None:
    assert check(EXPR, "4 b n^2 d h").valid is False
    assert interpret(EXPR, "4*b*n^2*d") == "4·b·n²·d"
    assert expected_text(EXPR) == "4·b·n²·d"


def test_expression_without_variables_is_a_spec_error() -> None:
    with pytest.raises(SpecError):
        check({"kind": "expression", "value": "n"}, "n")


CHOICE = {
    "kind": "choice",
    "options": {"a": "O(n)", "b": "O(n²·d)", "c": "O(1)"},
    "value": ["b"],
    "feedback": {"a": "That is the path length of a recurrent layer."},
}


@pytest.mark.parametrize("response", ["b", "B", "(b)", " b. ", "O(n²·d)"])
def test_single_choice_forms(response: str) -> None:
    assert check(CHOICE, response).correct


def test_single_choice_wrong_option_shows_its_feedback() -> None:
    v = check(CHOICE, "a")
    assert not v.correct and v.score == 0 and "recurrent layer" in v.diagnosis


def test_choosing_two_on_a_single_choice_question_is_wrong() -> None:
    v = check(CHOICE, "a, b")
    assert not v.correct and "one" in v.diagnosis


def test_unknown_option_is_invalid() -> None:
    v = check(CHOICE, "z")
    assert v.valid is False and "a, b, c" in v.feedback


MULTI = {"kind": "choice", "options": {"a": "w", "b": "x", "c": "y", "d": "z"}, "value": ["a", "c"]}


@pytest.mark.parametrize("response", ["a, c", "c a", "ac", "a and c", "A;C"])
def test_multi_select_exact_is_correct(response: str) -> None:
    v = check(MULTI, response)
    assert v.correct and v.score == 1.0


def test_multi_select_partial_credit_is_never_correct() -> None:
    half = check(MULTI, "a")
    assert not half.correct and half.score == 0.5 and "missed c" in half.diagnosis
    extra = check(MULTI, "a b c")
    assert not extra.correct and 0 < extra.score < 1 and "b is not right" in extra.diagnosis
    assert check(MULTI, "b d").score == 0


def test_expected_choices_read_one_per_line_even_from_folded_yaml() -> None:
    folded = yaml.safe_load(
        "kind: choice\nvalue: [b, d]\noptions:\n"
        "  a: one\n"
        "  b: >\n    It grows with n²,\n    faster than S.\n"
        "  c: three\n"
        "  d: >\n    It costs.\n"
    )
    assert expected_text(folded) == "b) It grows with n², faster than S.\nd) It costs."


def test_choice_spec_naming_a_missing_key_raises() -> None:
    with pytest.raises(SpecError):
        check({**MULTI, "value": ["q"]}, "a")


RECALL = {"kind": "recall", "value": "Self-attention: O(n²·d) per layer, O(1) sequential steps."}


def test_recall_shows_the_model_answer_and_waits_for_self_grade() -> None:
    v = check(RECALL, "n squared d")
    assert v.valid and not v.correct and v.score == 0
    assert "O(n²·d) per layer" in v.feedback and v.needs_self_grade


@pytest.mark.parametrize(
    ("rating", "score", "correct"),
    [("again", 0, False), ("hard", 0.6, True), ("good", 1, True), ("easy", 1, True)],
)
def test_self_grade_maps_ratings_to_scores(rating: str, score: float, correct: bool) -> None:
    v = check(RECALL, "anything").self_grade(rating)
    assert v.score == score and v.correct is correct and v.valid
    assert SELF_GRADES[rating] == score


def test_self_grade_with_unknown_rating_asks_again() -> None:
    v = check(RECALL, "x").self_grade("meh")
    assert v.valid is False and "again" in v.feedback
