"""Variant testing in `quizapp validate`: every seed is drawn, and the failing seed is named.

Each pack below is wrong in exactly one draw (or one example), so a validator that looked
at only the first seeds, or only at number answers, would pass it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.problems import draw_params
from quizapp.answer_examples import EXAMPLES, PLACEHOLDERS
from quizapp.cli import main
from quizapp.validation import SEEDS, validate

HEAD = """\
id: variants
title: Variant testing
version: 1
description: One question that fails in a single draw.
questions:
"""


def write_pack(tmp_path: Path, fields: str) -> Path:
    """A pack of one question `q`: the fields that matter to a test plus the required rest."""
    path = tmp_path / "variants.yaml"
    body = textwrap.indent(textwrap.dedent(fields).strip("\n"), "    ")
    question = (
        "  - id: q\n    topics: [test]\n    difficulty: 1\n    time: 30\n"
        "    explanation: A test question.\n    source: test\n"
    )
    path.write_text(HEAD + question + body + "\n", encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    report = validate([path])
    return [f"{e.path}: {e.message}" for e in report.errors]


def first_seed_with(spec: Mapping[str, Any], qid: str, name: str, value: int) -> int:
    """The first seed whose draw gives `name` = `value`, computed by the real drawer."""
    return next(s for s in range(SEEDS) if draw_params(spec, s, qid)[name] == value)


SMALL = {"n": {"choice": [2, 3, 5, 7, 11, 13]}}

NUMBER = """\
  params:
    n: {{choice: [2, 3, 5, 7, 11, 13]}}
  prompt: "n = {{n}}: what is 2·n?"
  answer: {{kind: number, value: "2*n"}}
  mistakes:
    - {{value: "{mistake}", feedback: squared instead of doubled}}
  checks:
    - {{response: "{check}", score: {score}}}
"""


def test_every_seed_is_drawn_is_at_least_twenty() -> None:
    assert SEEDS >= 20


@pytest.mark.parametrize(
    ("mistake", "check", "score", "problem"),
    [
        # the slip n² equals the answer 2·n only when n = 2
        ("n^2", "2*{n}", 1, "questions[0].mistakes[0].value: equals the answer (4)"),
        # "{n}+2" is wrong (score 0) except when n = 2, where it equals 2·n
        ("3*n", "{n}+2", 0, "questions[0].checks[0].score: '2+2' scores 1, not 0"),
    ],
)
def test_a_slip_or_check_failing_in_one_late_seed_is_reported_with_that_seed(
    tmp_path: Path, mistake: str, check: str, score: int, problem: str
) -> None:
    seed = first_seed_with(SMALL, "q", "n", 2)
    assert seed >= 2, "the draw n = 2 must come after the first seeds for this test to bite"
    path = write_pack(tmp_path, NUMBER.format(mistake=mistake, check=check, score=score))
    [found] = messages(path)
    assert found.startswith(problem)
    assert f"seed {seed}: n=2" in found


def test_a_check_that_holds_in_every_seed_passes(tmp_path: Path) -> None:
    path = write_pack(tmp_path, NUMBER.format(mistake="n^2+1", check="2*{n}", score=1))
    assert messages(path) == []


def test_an_expression_mistake_that_is_the_answer_rewritten_is_reported(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path,
        """\
          prompt: Write the FLOPs of QKᵀ.
          answer: {kind: expression, value: "2*n^2*d", variables: [n, d]}
          mistakes:
            - {value: "n*(2*n*d)", feedback: not a slip at all}
            - {value: "n^2*d", feedback: multiply-adds}
        """,
    )
    [problem] = messages(path)
    assert problem.startswith("questions[0].mistakes[0].value: is the answer's expression")


def test_a_choice_mistake_selecting_the_right_keys_is_reported(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path,
        """\
          prompt: Which are true?
          answer:
            kind: choice
            options: {a: right, b: also right, c: wrong}
            value: [a, b]
          mistakes:
            - {value: [b, a], feedback: the same keys in another order}
            - {value: [a], feedback: b is true too}
        """,
    )
    [problem] = messages(path)
    assert (
        problem
        == "questions[0].mistakes[0].value: selects exactly the right options: it is the answer"
    )


@pytest.mark.parametrize("kind", ["big_o", "expression"])
def test_an_answer_box_example_that_is_the_answer_fails(tmp_path: Path, kind: str) -> None:
    example = EXAMPLES[kind][0]
    assert example in PLACEHOLDERS[kind]
    extra = "bound: theta" if kind == "big_o" else ""
    path = write_pack(
        tmp_path,
        f"""\
          prompt: A question whose answer is the example.
          answer:
            kind: {kind}
            value: "{example}"
            variables: [n, d]
            {extra}
        """,
    )
    [problem] = messages(path)
    assert problem == (
        f"questions[0].answer.value: the answer box's example {example!r} is graded as the "
        "answer (seed 0)"
    )


def test_validate_cli_exits_1_and_prints_the_seed(tmp_path: Path) -> None:
    seed = first_seed_with(SMALL, "q", "n", 2)
    path = write_pack(tmp_path, NUMBER.format(mistake="n^2", check="2*{n}", score=1))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "variants.yaml:" in result.output and f"seed {seed}: n=2" in result.output


@pytest.mark.parametrize(
    ("unit", "in_unit", "message"),
    [
        ("FLOP", "TiB", "'TiB' is not a unit of FLOP"),
        ("B", "TeeB", "unknown unit 'TeeB'"),
    ],
)
def test_in_unit_must_be_a_unit_of_the_answers_family(
    tmp_path: Path, unit: str, in_unit: str, message: str
) -> None:
    path = write_pack(
        tmp_path,
        f"""\
          prompt: How big is it in {in_unit}?
          answer: {{kind: number, value: "2*10^12", unit: {unit}, in_unit: {in_unit}}}
        """,
    )
    [problem] = messages(path)
    assert problem.startswith(f"questions[0].answer.in_unit: {message}")


@pytest.mark.parametrize(
    ("values", "prompt", "answer", "problem", "shown"),
    [
        # '2.1e9' in the answer box is right for the draw n = 2.1·10⁹ and only that one.
        (
            [3, 5, 7, 11, 2100000000],
            "Repeat {n}.",
            '{kind: number, value: "n"}',
            "questions[0].answer.value: the answer box's example '2.1e9' is graded as the answer",
            "n=2,100,000,000",
        ),
        # '(e.g. `12 days`)' gives the answer away in the draw where the run takes 12 days.
        (
            [3, 5, 7, 11, 12],
            "A run takes {n} days. How long is it? Give the unit (e.g. `12 days`).",
            '{kind: number, value: "n*86400", unit: s}',
            "questions[0].prompt: the prompt's example '12 days' is graded as the answer",
            "n=12",
        ),
    ],
)
def test_an_example_equal_to_the_answer_in_one_late_draw_is_reported_with_that_seed(
    tmp_path: Path, values: list[int], prompt: str, answer: str, problem: str, shown: str
) -> None:
    seed = first_seed_with({"n": {"choice": values}}, "q", "n", values[-1])
    assert seed > 0, "the matching draw must not be the first for this test to bite"
    path = write_pack(
        tmp_path,
        f"""\
        params:
          n: {{choice: {values}}}
        prompt: "{prompt}"
        answer: {answer}
        """,
    )
    [found] = messages(path)
    assert found.startswith(problem)
    assert f"seed {seed}: {shown}" in found
