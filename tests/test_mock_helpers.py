"""Shared pieces of the mock-interview tests: a small pack, a fake clock, correct answers.

The pack is written here (not taken from questions/) so that the tests do not change
when the shipped packs do. Correct answers are computed from the drawn params by
plain Python arithmetic written in this file, independently of the pack's formulas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACK_ID = "mockpack"

PACK_YAML = """\
id: mockpack
title: Mock interview test pack
version: 1
description: Small questions of every kind, for the mock-interview tests.
questions:
  - id: matmul-flops
    topics: [matmul, flops]
    difficulty: 1
    time: 60
    params:
      m: {choice: [64, 128, 256]}
      k: {choice: [32, 64]}
      n: {choice: [16, 48]}
    prompt: How many FLOPs does an {m}×{k} by {k}×{n} matmul take (multiply-add = 2 FLOPs)?
    answer: {kind: number, value: "2*m*k*n", unit: FLOP}
    mistakes:
      - {value: "m*k*n", feedback: That counts multiply-adds; each is 2 FLOPs.}
    derivation:
      - {text: "The output has m·n entries.", formula: "m*n"}
      - {text: "Each is a length-k dot product, 2 FLOPs per multiply-add.", formula: "2*m*k*n"}
    explanation: Every output entry is a dot product of length k.
    follow_ups: [score-memory, softmax-exp]
    source: textbook
  - id: score-memory
    topics: [memory]
    difficulty: 2
    time: 90
    params:
      n: {choice: [1024, 2048]}
    prompt: How many elements does the {n}×{n} score matrix hold?
    answer: {kind: number, value: "n^2", unit: elements}
    derivation:
      - {text: "n rows of n scores.", formula: "n^2"}
    explanation: The score matrix is quadratic in n.
    source: textbook
  - id: which-bigger
    topics: [memory, scoring]
    difficulty: 2
    time: 45
    prompt: Which is larger for n = 4096 and d = 64?
    answer:
      kind: choice
      options: {a: "Q (n×d)", b: "the scores (n×n)", c: "they are equal"}
      value: [b]
    explanation: n² exceeds n·d when n > d.
    source: textbook
  - id: attention-order
    topics: [complexity]
    difficulty: 3
    time: 60
    prompt: What is the time complexity of self-attention in n and d?
    answer: {kind: big_o, value: "n^2*d", variables: [n, d]}
    explanation: n² scores, each a length-d dot product.
    follow_ups: [why-quadratic]
    source: textbook
  - id: why-quadratic
    topics: [complexity]
    difficulty: 3
    time: 120
    prompt: Explain why attention is quadratic in the sequence length.
    answer: {kind: recall, value: Every query is compared with every key.}
    explanation: All pairs of positions interact.
    source: textbook
  - id: softmax-exp
    topics: [softmax]
    difficulty: 1
    time: 30
    params:
      n: {choice: [8, 16]}
    prompt: How many exponentials does a softmax over a {n}×{n} matrix take?
    answer: {kind: number, value: "n^2"}
    explanation: One per entry.
    source: textbook
"""


def write_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PACK_ID}.yaml"
    path.write_text(PACK_YAML, encoding="utf-8")
    return path


def make_library(folder: Path) -> Any:
    """A Library holding only the test pack."""
    from quizapp.packs import load_files

    library = load_files([write_pack(folder)])
    assert not library.errors, library.errors
    return library


def correct_answer(qid: str, params: dict[str, Any]) -> str:
    """A right answer, computed here by plain arithmetic (not by the pack's formulas)."""
    name = qid.split("/")[-1]
    if name == "matmul-flops":
        return str(2 * params["m"] * params["k"] * params["n"])
    if name == "score-memory":
        return str(params["n"] * params["n"])
    if name == "which-bigger":
        return "b"
    if name == "attention-order":
        return "O(n^2 d)"
    if name == "softmax-exp":
        return str(params["n"] ** 2)
    return "Each query meets each key."


def wrong_answer(qid: str, params: dict[str, Any]) -> str:
    name = qid.split("/")[-1]
    if name == "matmul-flops":
        return str(params["m"] * params["k"] * params["n"])  # the MAC count: a classic slip
    if name == "which-bigger":
        return "a"
    if name == "attention-order":
        return "O(n d)"
    return "7"


def params_of(library: Any, qid: str, seed: int) -> dict[str, Any]:
    """The params a learner sees for (qid, seed): from the drawn prompt's variant."""
    from engine.problems import draw

    question = library.get(qid)
    return dict(draw(question.model, seed, qid=qid).params)


def test_the_test_pack_loads_and_its_answers_grade_as_intended(tmp_path: Path) -> None:
    from engine.problems import draw, grade

    library = make_library(tmp_path / "packs")
    assert len(library.questions) == 6
    for q in library.questions:
        variant = draw(q.model, 5, qid=q.qid)
        if q.kind == "recall":
            continue
        assert grade(variant, correct_answer(q.qid, variant.params)).correct, q.qid
        assert not grade(variant, wrong_answer(q.qid, variant.params)).correct, q.qid
