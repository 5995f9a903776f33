"""LaTeX in answers: the common spellings are read, and a wrong answer in LaTeX stays wrong.

Each spelling is graded next to its nearest wrong answer, written the same way, so a
reader that dropped or misread a command (a `\\frac` read as a product, a `\\sqrt` read as
nothing) is caught by the wrong one being accepted.
"""

from __future__ import annotations

import pytest

from engine.answers import check, interpret

NUMBER = {"kind": "number", "value": 2e9, "unit": "FLOP"}
#: 2 * 4096^2 * 128 / 8 = 536,870,912: the value of n²·d·2/B at n=4096, d=128, B=8.
NUMBER_FRAC = {"kind": "number", "value": 536_870_912}
EXPRESSION = {"kind": "expression", "value": "n^2*d/B", "variables": ["n", "d", "B"]}
ROOT = {"kind": "expression", "value": "n^2*d^(1/2)", "variables": ["n", "d"]}
GROWTH = {"kind": "big_o", "value": "n^2*d", "variables": ["n", "d"]}
LOG_GROWTH = {"kind": "big_o", "value": "n*log(n)", "variables": ["n"]}
PARAMS = {"n": 4096, "d": 128, "B": 8}

CASES = [
    # (spec, right in LaTeX, nearest wrong in LaTeX)
    (GROWTH, r"O(n^2 \cdot d)", r"O(n \cdot d^2)"),
    (GROWTH, r"\Theta(n^2 d)", r"\Theta(n^2)"),
    (GROWTH, r"\mathcal{O}(n^{2} d)", r"\mathcal{O}(n^{3} d)"),
    (GROWTH, r"$\Theta\left(n^2 \times d\right)$", r"$\Theta\left(n^2 + d\right)$"),
    (LOG_GROWTH, r"\Theta(n \log n)", r"\Theta(n \log^2 n)"),
    (LOG_GROWTH, r"O(n\log_{2} n)", r"O(n^{2}\log_{2} n)"),
    (NUMBER, r"2 \times 10^9", r"2 \times 10^6"),
    (NUMBER, r"2 \cdot 10^{9}", r"2 \cdot 10^{8}"),
    (NUMBER, r"2\times10^{9}\,\text{FLOP}", r"2\times10^{9}\,\text{kFLOP}"),
    (NUMBER_FRAC, r"\frac{2 \cdot 4096^2 \cdot 128}{8}", r"\frac{2 \cdot 4096^2 \cdot 128}{4}"),
    (EXPRESSION, r"\frac{n^2 d}{B}", r"\frac{n d^2}{B}"),
    (EXPRESSION, r"\dfrac{n^{2} \cdot d}{B}", r"\dfrac{n^{2}}{B} \cdot d^2"),
    (EXPRESSION, r"n^{2} \cdot d / B", r"n^{2} \cdot d \cdot B"),
    (ROOT, r"n^2 \sqrt{d}", r"n^2 \sqrt{2 d}"),
    (ROOT, r"n^{2}\,\sqrt{d}", r"n^{2}\, d"),
]


@pytest.mark.parametrize(("spec", "right", "wrong"), CASES, ids=[c[1] for c in CASES])
def test_latex_is_read_and_its_nearest_wrong_answer_is_still_wrong(
    spec: dict, right: str, wrong: str
) -> None:
    good = check(spec, right, PARAMS)
    assert good.valid and good.correct, (right, good.feedback)
    bad = check(spec, wrong, PARAMS)
    assert bad.valid and not bad.correct, (wrong, bad.feedback)


def test_the_echo_shows_latex_in_the_apps_own_notation() -> None:
    assert interpret(GROWTH, r"\Theta(n^{2} \cdot d)") == "Θ(n²·d)"
    assert interpret(EXPRESSION, r"\frac{n^2 d}{B}") == "n²·d/B"


@pytest.mark.parametrize(
    ("response", "named"),
    [
        (r"\binom{n}{2} d", r"\binom"),
        (r"O(n^2 \cdot d) \qquad \hbox{x}", r"\hbox"),
        ("n^2 \\", "a lone \\"),
        (r"\omega(n^2)", r"\omega"),  # little-omega is a strict bound, not Ω
    ],
)
def test_an_unknown_command_is_refused_by_name_at_no_cost(response: str, named: str) -> None:
    verdict = check(GROWTH, response, PARAMS)
    assert not verdict.valid and verdict.score == 0
    assert "Could not read" in verdict.feedback and named in verdict.feedback
    assert named in interpret(GROWTH, response)


@pytest.mark.parametrize(
    ("response", "says"),
    [
        (r"n^2 \sqrt[3]{d}", "1/3"),  # not √3·d
        (r"\frac{n^2 d}", r"\frac{a}{b}"),  # a numerator alone
        (r"\frac12", "braces"),
        (r"\text GiB", "braces"),
    ],
)
def test_latex_that_would_be_misread_is_refused_with_what_to_write(
    response: str, says: str
) -> None:
    verdict = check(ROOT, response, PARAMS)
    assert not verdict.valid and says in verdict.feedback


def test_an_error_after_a_command_points_at_the_character_typed() -> None:
    # "#" is the 17th character as typed: the padding keeps the position honest.
    verdict = check(EXPRESSION, r"n^2 \cdot d / B #", PARAMS)
    assert not verdict.valid and "(at character 17)" in verdict.feedback
