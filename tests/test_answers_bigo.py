"""Growth-rate answers: accepted forms, the grading outcomes, regimes and diagnoses.

The classes used come from "Attention Is All You Need", Table 1 (facts.md):
self-attention Θ(n²·d), recurrent Θ(n·d²).
"""

from __future__ import annotations

import pytest

from engine.answers import SpecError, check, expected_text, interpret

ATTN = {"kind": "big_o", "value": "n^2*d", "variables": ["n", "d"]}


@pytest.mark.parametrize(
    "response",
    [
        "O(n^2 d)",
        "Θ(d·n²)",
        "n*n*d",
        "theta(n^2*d)",
        "Omega(n²d)",
        "O(n^2) * O(d)",
        "ϴ(n² d)",
        "d n n",
    ],
)
def test_right_class_in_any_notation_gets_full_credit(response: str) -> None:
    v = check(ATTN, response)
    assert (v.correct, v.score, v.valid) == (True, 1.0, True)


def test_echo_is_rendered_as_written_maths() -> None:
    assert check(ATTN, "O(n^2 d)").parsed == "O(n²·d)"
    assert interpret(ATTN, "n^2 d + n d^2") == "n²·d + n·d²"
    assert expected_text(ATTN) == "Θ(n²·d)"


@pytest.mark.parametrize(
    ("value", "response"),
    [
        ("n log n", "n lg n"),
        ("n log n", "n log2(n)"),
        ("n log n", "log(n!)"),
        ("n log n", "n·ln n"),
        ("n^1.5", "n sqrt(n)"),
        ("n^1.5", "n√n"),
        ("log log n", "lg lg n"),
        ("2^n", "2^(n+1)"),
        ("n!", "factorial(n)"),
        ("1", "O(1)"),
        ("n", "max(n, log n)"),
    ],
)
def test_one_variable_hierarchy_equivalences(value: str, response: str) -> None:
    v = check({"kind": "big_o", "value": value, "variables": ["n"]}, response)
    assert v.correct and v.score == 1.0, v


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("log log n", "log n"),
        ("log n", "sqrt(n)"),
        ("sqrt(n)", "n"),
        ("n", "n log n"),
        ("n log n", "n^1.5"),
        ("n^1.5", "n^2"),
        ("n^100", "2^n"),
        ("2^n", "3^n"),
        ("3^n", "n!"),
        ("n!", "n^n"),
    ],
)
def test_one_variable_hierarchy_is_strict(smaller: str, larger: str) -> None:
    tight = {"kind": "big_o", "value": smaller, "variables": ["n"], "bound": "O"}
    loose = check(tight, larger)
    assert loose.score == 0.5 and "not tight" in loose.feedback
    too_small = check({"kind": "big_o", "value": larger, "variables": ["n"]}, smaller)
    assert too_small.score == 0 and too_small.valid


def test_lower_order_terms_get_partial_credit_naming_them() -> None:
    v = check(ATTN, "n^2 d + n d")
    assert v.correct and v.score == 0.75
    assert "n·d is dominated by n²·d" in v.feedback


def test_constant_factors_get_partial_credit_naming_them() -> None:
    v = check(ATTN, "4 n^2 d")
    assert v.score == 0.75 and "drop the constant 4" in v.feedback
    v = check({"kind": "big_o", "value": "n", "variables": ["n"]}, "n + 1")
    assert v.score == 0.75 and "constant" in v.feedback


def test_loose_upper_bound_for_big_o_question() -> None:
    spec = {**ATTN, "bound": "O"}
    v = check(spec, "n^3 d")
    assert not v.correct and v.score == 0.5
    assert "not tight" in v.feedback and "extra factor of n" in v.diagnosis


def test_upper_bound_is_wrong_for_theta_question_but_named() -> None:
    v = check(ATTN, "n^3 d")
    assert v.score == 0 and "not tight" in v.diagnosis


@pytest.mark.parametrize(
    ("response", "phrase"),
    [
        ("n d", "missing a factor of n"),
        ("n^2", "missing a factor of d"),
        ("n^2 d^2", "extra factor of d"),
    ],
)
def test_wrong_class_names_the_missing_or_extra_factor(response: str, phrase: str) -> None:
    v = check(ATTN, response)
    assert v.score == 0 and v.valid and not v.correct
    assert phrase in v.diagnosis


def test_known_terms_and_mistakes_give_specific_feedback() -> None:
    spec = {**ATTN, "known": {"n*d^2": "the projection cost n·d², not the score cost n²·d"}}
    assert "projection" in check(spec, "O(n d²)").diagnosis
    spec = {**ATTN, "mistakes": [{"big_o": "n^2", "feedback": "d is not a constant here"}]}
    assert check(spec, "n²").diagnosis == "d is not a constant here"
    v = check(ATTN, "n^2", mistakes=[{"big_o": "n^2", "feedback": "keep d"}])
    assert v.diagnosis == "keep d"


@pytest.mark.parametrize("response", ["0", "1/0", "-n^2 d", "n - n^3", "log(0)"])
def test_not_a_growth_rate_is_valid_but_zero(response: str) -> None:
    v = check(ATTN, response)
    assert (v.valid, v.correct, v.score) == (True, False, 0.0)
    assert "not a valid growth rate" in v.feedback


def test_unreadable_response_is_invalid() -> None:
    v = check(ATTN, "n^2 x")
    assert v.valid is False and "unknown name" in v.feedback


def test_two_independent_variables_keep_both_terms() -> None:
    spec = {"kind": "big_o", "value": "n^2*d + n*d^2", "variables": ["n", "d"]}
    assert check(spec, "O(n²d + nd²)").score == 1.0
    v = check(spec, "n^2 d")
    assert v.score == 0 and "n·d²" in v.diagnosis
    # n·d = O(n² + d²) needs the AM–GM mix of two terms, not a single dominating term.
    loose = check(
        {"kind": "big_o", "value": "n*d", "variables": ["n", "d"], "bound": "O"}, "n^2 + d^2"
    )
    assert loose.score == 0.5


@pytest.mark.parametrize(
    ("regime", "right", "wrong"),
    [
        ({"d": "constant"}, "n^2", "n"),
        ("d constant", "n^2", "n^3"),
        ({"d": "n"}, "n^3", "n^2"),
        ("d = n", "n^3", "n^2 log n"),
        ("n >> d", "n^2 d", "n d^2"),
        ("d << n", "n^2 d", "n^2"),
        ("d >> n", "n d^2", "n^2 d"),
    ],
)
def test_regimes_are_applied_before_comparing(regime: object, right: str, wrong: str) -> None:
    spec = {"kind": "big_o", "value": "n^2*d + n*d^2", "variables": ["n", "d"], "regime": regime}
    assert check(spec, right).correct, regime
    assert not check(spec, wrong).correct, regime


def test_bad_big_o_specs_raise() -> None:
    with pytest.raises(SpecError):
        check({**ATTN, "regime": "q >> n"}, "n")
    with pytest.raises(SpecError):
        check({**ATTN, "value": "n^^2"}, "n")
    with pytest.raises(SpecError):
        check({**ATTN, "bound": "sideways"}, "n")


def test_log_with_a_variable_base_reads_as_a_change_of_base():
    from engine.answers import check

    spec = {"kind": "big_o", "value": "log(n)/log(k)", "variables": ["n", "k"]}
    for response in ("log_k(n)", "O(log_k n)", "log(n)/log(k)"):
        assert check(spec, response).score == 1.0, response
    assert not check(spec, "log_q(n)").valid  # an undeclared base is not guessed
