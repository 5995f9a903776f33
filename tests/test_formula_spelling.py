"""Derivation lines with the learner's numbers: `2·n²·d = 2·768²·512 = 603,979,776`.

The numbers line is checked by reading it back with the checker's own parser and
comparing with the value the evaluator computed from the raw formula, for every step of
every shipped question: a line that reads well but means something else cannot pass.
"""

from __future__ import annotations

import pytest
import sympy

from engine.formula import evaluate_formula, parse_formula, spell
from engine.problems import draw


@pytest.mark.parametrize(
    ("formula", "values", "shown"),
    [
        ("2*n^2*d", {"n": "768", "d": "512"}, "2·768²·512"),
        ("2 n^2 d", {}, "2·n²·d"),
        ("n^2/(2*d)", {"n": "1,024", "d": "64"}, "1,024²/(2·64)"),
        ("-n + 3 - d", {}, "−n + 3 − d"),
        ("2^k", {"k": "10"}, "2¹⁰"),
        ("2ⁿ", {"n": "12"}, "2¹²"),
        ("n^(1/2)*log2(n)", {"n": "4,096"}, "4,096^(1/2)·log2(4,096)"),
        ("max(a, b)", {"a": "1.5", "b": "-2"}, "max(1.5, (-2))"),
        ("pi*n^2", {}, "π·n²"),
    ],
)
def test_formulas_read_like_a_textbook(formula: str, values: dict, shown: str) -> None:
    assert spell(formula, ["n", "d", "k", "a", "b"], values) == shown


def _shipped_questions() -> list:
    from quizapp.packs import load_all

    library = load_all([])
    assert not library.errors
    return [q for q in library.questions if q.model.derivation]


def test_every_shipped_numbers_line_means_its_value() -> None:
    checked = 0
    for question in _shipped_questions():
        for seed in range(3):
            variant = draw(question.model, seed, qid=question.qid)
            names = list(variant.params) + list(variant.answer_spec.get("variables") or [])
            for step in variant.derivation:
                if step.formula is None:
                    continue
                same = parse_formula(step.spelled, names) - parse_formula(step.formula, names)
                assert sympy.simplify(same) == 0, (question.qid, step.formula, step.spelled)
                if step.value is None:
                    continue
                read_back = evaluate_formula(step.numbers, {})
                assert read_back == pytest.approx(float(step.value), rel=1e-3), (
                    question.qid,
                    step.numbers,
                )
                shown = step.equation()
                assert shown.startswith(step.spelled)
                assert f" = {step.numbers} = " in shown or step.numbers == step.spelled
                checked += 1
    assert checked > 300  # most numeric questions show their working
