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


def write_pack(tmp_path: Path, question: str) -> Path:
    path = tmp_path / "variants.yaml"
    body = textwrap.indent(textwrap.dedent(question).strip("\n"), "  ")
    path.write_text(HEAD + body + "\n", encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    report = validate([path])
    return [f"{e.path}: {e.message}" for e in report.errors]


def first_seed_with(spec: Mapping[str, Any], qid: str, name: str, value: int) -> int:
    """The first seed whose draw gives `name` = `value`, computed by the real drawer."""
    return next(s for s in range(SEEDS) if draw_params(spec, s, qid)[name] == value)


SMALL = {"n": {"choice": [2, 3, 5, 7, 11, 13]}}

NUMBER = """\
- id: q
  topics: [flops]
  difficulty: 1
  time: 30
  params:
    n: {{choice: [2, 3, 5, 7, 11, 13]}}
  prompt: "n = {{n}}: what is 2·n?"
  answer: {{kind: number, value: "2*n"}}
  mistakes:
    - {{value: "{mistake}", feedback: squared instead of doubled}}
  checks:
    - {{response: "{check}", score: {score}}}
  explanation: Doubling.
  source: test
"""


def test_every_seed_is_drawn_is_at_least_twenty() -> None:
    assert SEEDS >= 20


def test_a_mistake_equal_to_the_answer_in_one_late_seed_is_reported_with_that_seed(
    tmp_path: Path,
) -> None:
    seed = first_seed_with(SMALL, "q", "n", 2)
    assert seed >= 2, "the draw n = 2 must come after the first seeds for this test to bite"
    path = write_pack(tmp_path, NUMBER.format(mistake="n^2", check="2*{n}", score=1))
    [problem] = messages(path)
    assert problem.startswith("questions[0].mistakes[0].value: equals the answer (4)")
    assert f"seed {seed}: n=2" in problem


def test_a_check_that_fails_in_one_late_seed_only_is_reported_with_that_seed(
    tmp_path: Path,
) -> None:
    seed = first_seed_with(SMALL, "q", "n", 2)
    assert seed >= 2, "the draw n = 2 must come after the first seeds for this test to bite"
    # "{n}+2" is a wrong answer (score 0) except when n = 2, where it equals 2·n.
    path = write_pack(tmp_path, NUMBER.format(mistake="3*n", check="{n}+2", score=0))
    [problem] = messages(path)
    assert problem.startswith("questions[0].checks[0].score: '2+2' scores 1, not 0")
    assert f"seed {seed}: n=2" in problem


def test_a_check_that_holds_in_every_seed_passes(tmp_path: Path) -> None:
    path = write_pack(tmp_path, NUMBER.format(mistake="n^2+1", check="2*{n}", score=1))
    assert messages(path) == []


def test_an_expression_mistake_that_is_the_answer_rewritten_is_reported(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path,
        """\
        - id: q
          topics: [flops]
          difficulty: 1
          time: 30
          prompt: Write the FLOPs of QKᵀ.
          answer: {kind: expression, value: "2*n^2*d", variables: [n, d]}
          mistakes:
            - {value: "n*(2*n*d)", feedback: not a slip at all}
            - {value: "n^2*d", feedback: multiply-adds}
          explanation: Two FLOPs per multiply-add.
          source: test
        """,
    )
    [problem] = messages(path)
    assert problem.startswith("questions[0].mistakes[0].value: is the answer's expression")


def test_a_choice_mistake_selecting_the_right_keys_is_reported(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path,
        """\
        - id: q
          topics: [flops]
          difficulty: 1
          time: 30
          prompt: Which are true?
          answer:
            kind: choice
            options: {a: right, b: also right, c: wrong}
            value: [a, b]
          mistakes:
            - {value: [b, a], feedback: the same keys in another order}
            - {value: [a], feedback: b is true too}
          explanation: Both.
          source: test
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
        - id: q
          topics: [flops]
          difficulty: 1
          time: 30
          prompt: A question whose answer is the example.
          answer:
            kind: {kind}
            value: "{example}"
            variables: [n, d]
            {extra}
          explanation: The placeholder would give it away.
          source: test
        """,
    )
    [problem] = messages(path)
    assert problem == (
        f"questions[0].answer.value: the answer box's example {example!r} is graded as the "
        "answer (seed 0)"
    )


def test_a_number_example_equal_to_one_draw_is_reported_with_that_seed(tmp_path: Path) -> None:
    """'2.1e9' in the box is right for the draw n = 2.1·10⁹ and only that one."""
    spec = {"n": {"choice": [3, 5, 7, 11, 2100000000]}}
    seed = first_seed_with(spec, "q", "n", 2100000000)
    path = write_pack(
        tmp_path,
        """\
        - id: q
          topics: [flops]
          difficulty: 1
          time: 30
          params:
            n: {choice: [3, 5, 7, 11, 2100000000]}
          prompt: "Repeat {n}."
          answer: {kind: number, value: "n"}
          explanation: Echo.
          source: test
        """,
    )
    assert seed > 0
    [problem] = messages(path)
    assert "the answer box's example '2.1e9' is graded as the answer" in problem
    assert f"seed {seed}: n=2,100,000,000" in problem


def test_validate_cli_exits_1_and_prints_the_seed(tmp_path: Path) -> None:
    seed = first_seed_with(SMALL, "q", "n", 2)
    path = write_pack(tmp_path, NUMBER.format(mistake="n^2", check="2*{n}", score=1))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "variants.yaml:" in result.output and f"seed {seed}: n=2" in result.output


def test_shipped_packs_pass_variant_testing() -> None:
    report = validate([Path(__file__).resolve().parent.parent / "questions"])
    assert report.ok, "\n".join(str(e) for e in report.errors[:10])


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
        - id: q
          topics: [memory]
          difficulty: 1
          time: 30
          prompt: How big is it in {in_unit}?
          answer: {{kind: number, value: "2*10^12", unit: {unit}, in_unit: {in_unit}}}
          explanation: Units.
          source: test
        """,
    )
    [problem] = messages(path)
    assert problem.startswith(f"questions[0].answer.in_unit: {message}")


def test_a_prompt_example_that_is_the_answer_in_one_draw_is_reported(tmp_path: Path) -> None:
    """'(e.g. `12 days`)' gives the answer away in the draw where training takes 12 days."""
    spec = {"d": {"choice": [3, 5, 7, 11, 12]}}
    seed = first_seed_with(spec, "q", "d", 12)
    path = write_pack(
        tmp_path,
        """\
        - id: q
          topics: [training]
          difficulty: 1
          time: 30
          params:
            d: {choice: [3, 5, 7, 11, 12]}
          prompt: "A run takes {d} days. How long is it? Give the unit (e.g. `12 days`)."
          answer: {kind: number, value: "d*86400", unit: s}
          explanation: Days.
          source: test
        """,
    )
    [problem] = messages(path)
    assert problem.startswith(
        "questions[0].prompt: the prompt's example '12 days' is graded as the answer"
    )
    assert f"seed {seed}: d=12" in problem
