"""Untrusted responses: nothing runs, nothing raises, nothing hangs.

Every call runs under a watchdog thread with a generous hard limit (HANG_LIMIT_S): it
detects hangs (a call that never returns fails the test at once) without asserting
on how fast a call is on a busy machine; speed is measured in benchmarks/checking.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.answers import SpecError, check, interpret

SPECS = [
    {"kind": "number", "value": "n^2*d", "unit": "FLOP"},
    {"kind": "number", "value": 2**31, "unit": "B"},
    {"kind": "big_o", "value": "n^2*d", "variables": ["n", "d"]},
    {"kind": "big_o", "value": "n log n", "variables": ["n"], "bound": "O"},
    {"kind": "expression", "value": "4*b*n^2*d", "variables": ["b", "n", "d"]},
    {"kind": "choice", "options": {"a": "x", "b": "y"}, "value": ["a"]},
    {"kind": "recall", "value": "model"},
]
PARAMS = {"n": 100, "d": 512, "b": 1}
#: A hang detector, not a speed test: a bounded check returns in milliseconds.
HANG_LIMIT_S = 10.0


def within_limit(call: Callable[[], Any], what: str) -> Any:
    """Run `call` in a daemon thread; fail the test if it has not returned in the limit."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_LIMIT_S)
    if worker.is_alive():
        pytest.fail(f"no result after {HANG_LIMIT_S:g} s (a hang): {what}")
    if errors:
        raise errors[0]
    return result[0]


def _timed(spec: dict, response: str):
    verdict = within_limit(lambda: check(spec, response, PARAMS), f"check {response!r}")
    echo = within_limit(lambda: interpret(spec, response), f"echo {response!r}")
    assert isinstance(echo, str)
    assert 0.0 <= verdict.score <= 1.0
    assert isinstance(verdict.feedback, str) and verdict.feedback
    return verdict


@pytest.mark.parametrize("spec", SPECS[:5], ids=lambda s: s["kind"])
def test_code_injection_is_refused_and_nothing_runs(spec: dict, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        "().__class__.__bases__[0].__subclasses__()",
        "lambda: 1",
        "exec('1')",
        "eval('1')",
        "n.__class__",
        "${IFS}",
        "`touch x`",
    ]
    for attack in attacks:
        verdict = _timed(spec, attack)
        assert verdict.valid is False and verdict.correct is False, attack
    assert not target.exists()


ADVERSARIAL = [
    "9**9**9**9",
    "9^9^9^9^9^9",
    "2^2^2^2^2^2",
    "10^10^10",
    "1e999999999",
    "((n+d)^99)^99",
    "(n+d+1)^100",
    "(n+1)^100 - (n+1)^100",
    "n!!!!!!!!",
    "exp(exp(exp(exp(n))))",
    "n^n^n^n",
    "log(log(log(log(n))))",
    "((((((((((((((((((((((((((((((n))))))))))))))))))))))))))))))",
    "(" * 200,
    "n" * 300,
    "n*" * 150,
    "1" * 299,
    "9" * 400,
    "(n^100 + d^100)^100",
    "factorial(factorial(factorial(n)))",
    "2^(2^(2^(n)))",
    "1/(n-n)",
    "log(n-n)",
    "0^0",
    "(-8)^(1/3)",
    "\x00\x01\x02",
    "😀",
    "9319e93^0.8711",
    "(9319e93*n)^0.8711",
    "n^0.8711 * 9319e93^0.8711",
    "9319e93^(8711/10000)",
    "sqrt(9319e93)^0.8711",
    "(-n)^0.5",
    "(-5)^0.5",
    "4.371e-323 million",
    "1" * 4400,
    "9" * 299,
    "2^13000",
    "(1e500)^0.9",
    "log(9319e93^0.8711)",
    "exp(700)*exp(700)",
    "450!",
    "451!",
    # LaTeX, read by engine.answers.latex before the grammar
    r"\frac{" * 60 + "n" + "}{2}" * 60,
    r"\sqrt{" * 60 + "n" + "}" * 60,
    r"\left(" * 50 + "n" + r"\right)" * 50,
    r"\frac{9^9^9^9}{\sqrt{9319e93^0.8711}}",
    r"\Theta(n^{10^{10^{10}}})",
    "\\" * 300,
    r"\cdot" * 60,
    "{" * 300,
    r"\text{" * 50,
    r"\frac{n}" * 40,
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["kind"])
def test_adversarial_inputs_finish_within_the_bound(spec: dict) -> None:
    for response in ADVERSARIAL:
        _timed(spec, response)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECS), st.text(max_size=320))
def test_random_text_never_raises(spec: dict, response: str) -> None:
    _timed(spec, response)


_ALPHABET = "0123456789nd+-*/^()., ·×²³!√eEkMGTiBs_lgoqrt"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECS[:5]), st.text(alphabet=_ALPHABET, max_size=60))
def test_random_maths_like_text_never_raises(spec: dict, response: str) -> None:
    _timed(spec, response)


_LATEX_PIECES = [
    *(r"\frac", r"\sqrt", r"\text", r"\cdot", r"\log", r"\Theta", r"\left(", r"\right)"),
    *("{", "}", "[", "]", "\\", "$", "_", "^", " ", "n", "d", "2", "9e99", "0.87"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECS[:5]), st.lists(st.sampled_from(_LATEX_PIECES), max_size=60))
def test_random_latex_like_text_never_raises(spec: dict, pieces: list[str]) -> None:
    _timed(spec, "".join(pieces))


def _expressions() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(["n", "d", "2", "3", "7", "n^2", "log(n)", "sqrt(d)"])

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "*", " "]), children).map(
                lambda t: f"({t[0]}){t[1]}({t[2]})"
            ),
            st.tuples(children, st.integers(1, 4)).map(lambda t: f"({t[0]})^{t[1]}"),
            children.map(lambda c: f"log({c})"),
        )

    return st.recursive(atoms, extend, max_leaves=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_a_well_formed_expression_is_equivalent_to_itself(text: str) -> None:
    spec = {"kind": "expression", "value": text, "variables": ["n", "d"]}
    try:
        verdict = _timed(spec, text)
    except SpecError:  # an undefined value such as log(log(2)) − the pack check refuses it
        assume(False)
        return
    assert verdict.correct or verdict.valid is False


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_a_well_formed_growth_rate_is_its_own_class(text: str) -> None:
    spec = {"kind": "big_o", "value": text, "variables": ["n", "d"]}
    try:
        verdict = _timed(spec, text)
    except SpecError:
        assume(False)
        return
    assert verdict.correct or verdict.valid is False, verdict
    if verdict.valid:
        times_n = _timed(spec, f"({text})*n")  # n·f is never Θ(f)
        assert not times_n.correct, times_n


def _big_powers() -> st.SearchStrategy[str]:
    """`AeB^0.CDEF` and friends: what made sympy factor 40,000-digit integers."""
    mantissa = st.integers(1, 99999).map(str)
    exponent = st.integers(0, 999).map(str)
    fraction = st.integers(1, 9999).map(lambda k: f"0.{k:04d}")
    base = st.tuples(mantissa, exponent).map(lambda t: f"{t[0]}e{t[1]}")
    shapes = st.sampled_from(
        ["{b}^{f}", "({b}*n)^{f}", "n^{f}*{b}^{f}", "({b})^({f})*d", "sqrt({b})^{f}", "{b}^-{f}"]
    )
    return st.tuples(shapes, base, fraction).map(lambda t: t[0].format(b=t[1], f=t[2]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECS[:5]), _big_powers())
def test_big_number_powers_always_return(spec: dict, response: str) -> None:
    verdict = _timed(spec, response)
    assert "try writing it another way" not in verdict.feedback, (response, verdict)
