"""Issue 14: the forms candidates type, units at the edges, near misses, honest diagnoses."""

from __future__ import annotations

import pytest

from engine.answers import check, interpret
from engine.problems import draw

FLOP = {"kind": "number", "value": "2*n^2*d", "unit": "FLOP"}
P = {"n": 2048, "d": 256}  # 2,147,483,648 FLOP


@pytest.mark.parametrize(
    "response",
    ["2.15 billion FLOPs", "≈2.15e9", "~2.15G", "S = 2.15e9 FLOPs", "about 2.15 GFLOP", "2^31"],
)
def test_candidate_notations_for_a_flop_count_are_read(response: str) -> None:
    v = check(FLOP, response, P)
    assert v.correct, (response, v)


@pytest.mark.parametrize(
    ("spec", "response"),
    [
        ({"kind": "number", "value": 5_120_000, "unit": "MAC"}, "5.12M MACs"),
        ({"kind": "number", "value": 4096, "unit": "tokens"}, "4Ki tokens"),
        ({"kind": "number", "value": 256, "unit": "tokens"}, "n = 256"),
        ({"kind": "number", "value": 2**28, "unit": "B"}, "256 mebibytes"),
        ({"kind": "number", "value": 0.0385, "unit": "s"}, "38.5 milliseconds"),
        ({"kind": "number", "value": 64}, "64x"),
        ({"kind": "number", "value": 2.8}, "2.8×"),
        ({"kind": "number", "value": 5e6}, "~5M"),
        ({"kind": "number", "value": 58e9, "unit": "params"}, "58B"),
    ],
)
def test_units_and_marks_people_type_are_read(spec: dict, response: str) -> None:
    assert check(spec, response).correct, response


def test_a_unitless_key_meeting_days_compares_the_number() -> None:
    v = check({"kind": "number", "value": 4.9}, "4.9 days")
    assert v.correct and "86,400" not in (v.diagnosis or "")


def test_a_bare_number_is_read_in_the_unit_the_question_names() -> None:
    spec = {"kind": "number", "value": "2*10^12", "unit": "B", "rel_tol": 0.02, "in_unit": "TiB"}
    assert check(spec, "1.82").correct
    assert "TiB" in check(spec, "1.82").parsed
    assert check(spec, "2,000,000,000,000").correct  # plainly bytes
    assert check(spec, "1.82 TB").correct is False


def test_the_draw_reads_the_unit_an_estimate_and_stated_inequalities_from_the_prompt() -> None:
    question = {
        "id": "q",
        "prompt": "Roughly how big is it in TiB?",
        "answer": {"kind": "number", "value": "2*10^12", "unit": "B"},
    }
    spec = draw(question, 0).answer_spec
    assert spec["in_unit"] == "TiB" and spec["estimate"] is True
    flash = {
        "id": "f",
        "prompt": "SRAM of M elements (d ≤ M ≤ n·d). HBM accesses?",
        "answer": {"kind": "big_o", "value": "n^2*d^2/M", "variables": ["n", "d", "M"]},
    }
    variant = draw(flash, 0)
    assert variant.answer_spec["assume"] == ["d ≤ M ≤ n·d"]
    assert check(variant.answer_spec, "O(n^2 d^2/M + n d)").correct


def test_near_misses_earn_partial_credit_and_say_rounded_too_far() -> None:
    v = check({"kind": "number", "value": 0.03848, "unit": "s"}, "38 ms")
    assert not v.correct and 0 < v.score < 1 and "rounded too far" in v.diagnosis
    est = {"kind": "number", "value": 2.34e22, "unit": "FLOP", "estimate": True}
    close, far = check(est, "2.3e22"), check(est, "2e22")
    assert 0 < far.score < close.score < 1
    assert check(est, "1e22").score == 0


def test_no_prefix_advice_without_a_typed_prefix_or_for_counts() -> None:
    v = check(FLOP, str(round(2**31 * 1.074)), P)  # 7.4% high, no prefix typed
    assert "1024" not in (v.diagnosis or "")
    v = check(FLOP, "2.097 GFLOP", P)  # a binary-style figure for a FLOP count
    assert "1024" not in (v.diagnosis or "") and "GiB" not in v.feedback
    assert "1000 vs 1024" in check({"kind": "number", "value": 2**31, "unit": "B"}, "2e9").diagnosis


def test_diagnoses_use_drawn_inputs_only_and_keep_4_and_8() -> None:
    spec = {"kind": "number", "value": "b*n*d", "unit": "B", "inputs": ["b", "n", "d"]}
    params = {"b": 8, "n": 1000, "d": 300, "flops": 7, "ratio": 3}
    v = check(spec, str(1000 * 300), params)  # forgot the batch of 8
    assert "b (= 8)" in v.diagnosis and "bytes per element" not in v.diagnosis
    v = check(spec, str(8 * 1000 * 300 * 3), params)  # 3 = ratio, a derived value
    assert "ratio" not in v.diagnosis
    v = check(FLOP, str(round(2**31 * 1.06)), P)
    assert "factor of 1" not in v.diagnosis and "%" in v.diagnosis


def test_a_rounded_pack_slip_gets_its_own_feedback() -> None:
    spec = {"kind": "number", "value": 1_306_624, "rel_tol": 1e-9}
    slips = [{"value": 1_000_000, "feedback": "the slip"}]
    from engine.answers.numbers import check_number

    assert check_number(spec, "1.0e6", {}, slips).diagnosis == "the slip"


@pytest.mark.parametrize(
    ("spec", "response"),
    [
        ({"kind": "big_o", "value": "n*log(n)^2", "variables": ["n"]}, "O(n log^2 n)"),
        ({"kind": "big_o", "value": "n*log(n)^2", "variables": ["n"]}, "O(n log² n)"),
        ({"kind": "big_o", "value": "n^3", "variables": ["n"], "constants": ["c"]}, "O(c n^3)"),
        ({"kind": "big_o", "value": "n^2", "variables": ["n"]}, "O(N^2)"),
        ({"kind": "expression", "value": "exp(x - m)", "variables": ["x", "m"]}, "e^(x-m)"),
    ],
)
def test_notations_for_growth_and_expressions(spec: dict, response: str) -> None:
    assert check(spec, response).correct, (response, check(spec, response))


def test_log_k_glued_to_its_base_is_refused_as_ambiguous() -> None:
    spec = {"kind": "big_o", "value": "log(n)/log(k)", "variables": ["n", "k"]}
    v = check(spec, "O(logk n)")
    assert v.valid is False and "ambiguous" in v.feedback and "log_k(n)" in v.feedback
    assert "ambiguous" in interpret(spec, "O(logk n)")
    assert check(spec, "O(log_k n)").correct


def test_assumptions_make_a_dominated_term_a_style_note_not_a_wrong_class() -> None:
    spec = {
        "kind": "big_o",
        "value": "n^2*d^2/M",
        "variables": ["n", "d", "M"],
        "assume": "d <= M <= n*d",
    }
    v = check(spec, "O(n^2 d^2/M + n d)")
    assert v.correct and v.score < 1 and "dominated" in v.feedback
    assert not check(spec, "O(n^2 d)").correct
    unassumed = {k: spec[k] for k in ("kind", "value", "variables")}
    assert not check(unassumed, "O(n^2 d^2/M + n d)").correct


def test_a_unit_inside_a_spec_value_is_refused_by_the_checker_and_the_draw_alike() -> None:
    from engine.answers import SpecError
    from engine.problems import FormulaError, compile_formula

    with pytest.raises(SpecError, match="KiB"):
        check({"kind": "number", "value": "n*2 KiB", "unit": "B"}, "4 MiB", {"n": 2048})
    with pytest.raises(FormulaError, match="KiB"):
        compile_formula("n*2 KiB", ["n"])
