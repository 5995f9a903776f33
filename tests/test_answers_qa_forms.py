"""Forms a new user typed in the QA pass on answer checking, each next to its nearest wrong answer.

Every acceptance here is paired with the closest answer that must still be refused, so the
checker reads more notations without letting wrong answers through. Expected values are
plain arithmetic (n = 2048, d = 256 -> 2·n²·d = 2,147,483,648 FLOP).
"""

from __future__ import annotations

import pytest

from engine.answers import check, expected_text, interpret

FLOP = {"kind": "number", "value": "2*n^2*d", "unit": "FLOP"}
P = {"n": 2048, "d": 256}  # 2,147,483,648 FLOP


@pytest.mark.parametrize(
    "response",
    [
        "2.147 x 10^9",
        "2.147x10^9",
        "2.147 X 10^9",
        "2.15 x10^9 FLOPs",
        "2.147x10⁹",
        "(2.147)x(10^9)",
    ],
)
def test_a_letter_x_between_numbers_is_a_times_sign(response: str) -> None:
    v = check(FLOP, response, P)
    assert (v.correct, v.valid) == (True, True), (response, v)
    assert "2,147,000,000" in v.parsed or "2,150,000,000" in v.parsed


@pytest.mark.parametrize("response", ["1.074 x 10^9", "2.147 x 10^12", "4.295x10^9"])
def test_a_wrong_mantissa_or_exponent_with_x_is_still_wrong(response: str) -> None:
    v = check(FLOP, response, P)
    assert v.valid and not v.correct, (response, v)


def test_x_stays_a_variable_where_the_question_has_one() -> None:
    spec = {"kind": "expression", "value": "2*x*n", "variables": ["x", "n"]}
    assert check(spec, "2 x n").correct
    assert check(spec, "2x n").correct
    assert not check(spec, "2 x 3").correct  # 6·x, not 2·3: x is a variable here
    assert interpret(FLOP, "2.147 x 10^9").startswith("2,147,000,000")


def test_a_question_asked_in_days_shows_its_answer_in_days() -> None:
    spec = {"kind": "number", "value": 423177, "unit": "s", "in_unit": "days", "rel_tol": 0.02}
    assert check(spec, "4.9").correct  # 423,177 s / 86,400 = 4.898 days
    v = check(spec, "3")
    assert not v.correct and "4.9 days" in v.feedback, v.feedback
    assert not check(spec, "4.9 hours").correct
    assert expected_text({"kind": "number", "value": 7200, "unit": "s"}) == "7,200 s (2 h)"


def test_a_number_past_the_largest_prefix_is_not_shown_in_thousands_of_exa() -> None:
    shown = expected_text({"kind": "number", "value": 3.15e23, "unit": "FLOP"})
    assert "EFLOP" not in shown and "3.15×10²³ FLOP" in shown
    assert "(3.15 EFLOP)" in expected_text({"kind": "number", "value": 3.15e18, "unit": "FLOP"})


RATE = {"kind": "number", "value": 26.8e12, "unit": "FLOP/s"}


@pytest.mark.parametrize(
    "response", ["26.8 TFLOPS", "26.8 TFLOPs", "26.8 tflops", "26.8 Tflop/s", "26.8 TFLOP/sec"]
)
def test_a_rate_written_as_datasheets_write_it_is_read_as_flop_per_second(response: str) -> None:
    v = check(RATE, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_an_explicit_flop_count_is_still_no_rate() -> None:
    v = check(RATE, "26.8 TFLOP")  # singular FLOP is a count: retry in FLOP/s
    assert not v.valid and "FLOP/s" in v.feedback
    assert not check(RATE, "13.4 TFLOPS").correct  # half the rate stays wrong
    assert not check(FLOP, "2.15 GFLOP/s", P).valid  # a rate where a count is asked: retry


@pytest.mark.parametrize("response", ["2.15 gflops", "2.15 Gflops", "2147 mflops", "2.15e9 flops."])
def test_lower_case_flop_prefixes_are_read_as_the_capital_ones(response: str) -> None:
    v = check(FLOP, response, P)
    assert (v.correct, v.valid) == (True, True), (response, v)
    assert not check(FLOP, response.replace("2.15", "2.15e3").replace("2147", "2147e3"), P).correct


BYTES = {"kind": "number", "value": 2**28, "unit": "B"}  # 256 MiB


@pytest.mark.parametrize("response", ["256 MiB.", "268435456 Bytes", "268.4 MBytes", "0.25 GiB ."])
def test_byte_spellings_and_a_closing_full_stop_are_read(response: str) -> None:
    v = check(BYTES, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_the_nearest_wrong_byte_answers_are_still_wrong() -> None:
    assert check(BYTES, "256 MBytes").score == 0.5  # decimal for binary: half credit, not right
    assert not check(BYTES, "128 MiB.").correct


SPEC_LIMIT = {"kind": "expression", "value": "1/(1 - alpha)", "variables": ["alpha"]}
ATTENTION = {
    "kind": "expression",
    "value": "2*nq*nk*(dk + dv)",
    "variables": ["nq", "nk", "dk", "dv"],
}


@pytest.mark.parametrize("response", ["1/(1-α)", "(1 − α)^-1"])
def test_a_greek_letter_stands_for_the_variable_it_names(response: str) -> None:
    v = check(SPEC_LIMIT, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_a_greek_letter_is_no_free_pass() -> None:
    assert not check(SPEC_LIMIT, "1/(1+α)").correct
    assert check(SPEC_LIMIT, "1/(1+α)").valid
    refused = check(SPEC_LIMIT, "1/(1-β)")  # β is no variable here
    assert not refused.valid and "alpha" in refused.feedback


@pytest.mark.parametrize("response", ["2*n_q*n_k*(d_k+d_v)", "2 n_q n_k (d_k + d_v)"])
def test_subscripts_written_with_underscores_name_the_variables(response: str) -> None:
    v = check(ATTENTION, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_underscored_names_keep_their_meaning_when_wrong() -> None:
    v = check(ATTENTION, "n_q*n_k*(d_k+d_v)")  # MACs, not FLOPs
    assert v.valid and not v.correct
    assert not check(ATTENTION, "2*n_q*n_k*d_k").correct


MFU = {"kind": "number", "value": 0.4623, "in_unit": "%"}  # "as a fraction or a percentage"


@pytest.mark.parametrize("response", ["46", "46.2", "46%", "46 percent", "46.23 per cent", "0.46"])
def test_a_fraction_asked_also_as_a_percentage_takes_either(response: str) -> None:
    v = check(MFU, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


@pytest.mark.parametrize("response", ["23", "4.6", "92", "0.23", "0.046"])
def test_a_fraction_off_by_other_factors_is_still_wrong(response: str) -> None:
    v = check(MFU, response)
    assert v.valid and not v.correct, (response, v)


def test_a_rounded_fraction_stays_a_fraction_and_a_near_miss() -> None:
    v = check({"kind": "number", "value": 0.0575, "in_unit": "%"}, "0.06")  # not 0.06%
    assert v.valid and 0 < v.score < 1, v
    assert expected_text(MFU) == "0.4623 (46.2%)"
    assert "0.4623 (46.2%)" in check(MFU, "23").feedback


def test_a_bare_percentage_where_only_a_fraction_is_asked_says_so() -> None:
    v = check({"kind": "number", "value": 0.4623}, "46")
    assert v.valid and not v.correct and "46%" in v.diagnosis, v  # wrong, but told why
    assert "%" not in (check({"kind": "number", "value": 0.5, "unit": "s"}, "50").diagnosis or "")


RATIO = {"kind": "number", "value": 2.302, "rel_tol": 0.02}


@pytest.mark.parametrize("response", ["2.3 times", "2.3 Times", "~2.3 times", "2.3x", "2.3×"])
def test_how_many_times_is_answered_with_times(response: str) -> None:
    v = check(RATIO, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_a_wrong_ratio_with_times_is_still_wrong() -> None:
    v = check(RATIO, "23 times")
    assert v.valid and not v.correct


DILATED = {"kind": "big_o", "value": "log(n)/log(k)", "variables": ["n", "k"]}


@pytest.mark.parametrize(
    "response", ["O(log_{k}(n))", "log_{k} n", "O(log_(k) n)", "log_{2}(n)/log_{2}(k)"]
)
def test_a_log_base_in_braces_is_read_like_log_k(response: str) -> None:
    v = check(DILATED, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_a_log_base_in_braces_keeps_its_meaning() -> None:
    for response in ("O(log_{n}(k))", "O(log_{2}(n))"):  # upside down; a constant base
        v = check(DILATED, response)
        assert v.valid and not v.correct, (response, v)


def test_the_glued_log_base_message_quotes_the_argument_cleanly() -> None:
    v = check(DILATED, "O(logk(n))")
    assert not v.valid
    assert "log_k(n)" in v.feedback and "log(k)·n" in v.feedback, v.feedback


@pytest.mark.parametrize(
    ("response", "wrong"),
    [("4.9 Days", "4.9 Hours"), ("4.9 d", "49 d"), ("117.5 Hours", "117.5 Minutes")],
)
def test_long_time_units_are_read_in_any_case_and_d_is_days(response: str, wrong: str) -> None:
    spec = {"kind": "number", "value": 423177, "unit": "s", "rel_tol": 0.02}  # 4.898 days
    v = check(spec, response)
    assert (v.correct, v.valid) == (True, True), (response, v)
    w = check(spec, wrong)
    assert w.valid and not w.correct, (wrong, w)


@pytest.mark.parametrize(
    ("spec", "response", "shown"),
    [
        (SPEC_LIMIT, "1/(1-alpha)", "1/(1 − alpha)"),
        (
            {"kind": "expression", "value": "exp(x - m)", "variables": ["m", "x"]},
            "exp(x-m)",
            "exp(x − m)",
        ),
        ({"kind": "expression", "value": "n - 1", "variables": ["n"]}, "-1 + n", "n − 1"),
    ],
)
def test_a_difference_is_echoed_and_expected_as_written_not_led_by_a_minus(
    spec: dict, response: str, shown: str
) -> None:
    assert check(spec, response).parsed == shown
    assert expected_text(spec) == shown
    assert interpret(spec, response) == shown


def test_a_sum_of_negatives_still_leads_with_its_minus() -> None:
    spec = {"kind": "expression", "value": "-n - d", "variables": ["n", "d"]}
    assert expected_text(spec) == "−n − d"


DISTANCE = {"kind": "expression", "value": "qk - qq/2 - kk/2", "variables": ["qk", "qq", "kk"]}


@pytest.mark.parametrize("response", ["-½(qq - 2qk + kk)", "qk − ½qq − ½kk", "qk - ½ (qq + kk)"])
def test_a_vulgar_fraction_is_its_value(response: str) -> None:
    v = check(DISTANCE, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_a_vulgar_fraction_keeps_its_value_in_wrong_answers() -> None:
    v = check(DISTANCE, "qk - ¼qq - ¼kk")
    assert v.valid and not v.correct
    assert check({"kind": "number", "value": 0.75}, "¾").correct
    mixed = check({"kind": "number", "value": 2.5}, "2½")  # not 2·½ = 1
    assert not mixed.valid and "5/2" in mixed.feedback, mixed


@pytest.mark.parametrize(
    "qid",
    [
        "compute-budgets/mfu-basic",
        "compute-budgets/mfu-palm",
        "concrete-numbers/attention-fraction",
        "parallel-comm/pipeline-bubble-fraction",
    ],
)
def test_shipped_fraction_questions_take_a_percentage(qid: str) -> None:
    from engine.problems import draw, grade
    from quizapp.packs import load_all

    variant = draw(load_all([]).get(qid).model, 0, qid=qid)
    value = variant.answer_value
    assert value is not None and 0 < value < 1
    for response in (f"{value * 100:.4g}", f"{value * 100:.4g}%", f"{value:.4g}"):
        assert grade(variant, response).correct, (qid, response)
    assert not grade(variant, f"{value * 50:.4g}").correct  # half the percentage


GPUS = {"kind": "number", "value": 28}


@pytest.mark.parametrize("response", ["28 GPUs", "28 gpus", "28 sequences", "28 micro-batches"])
def test_a_count_may_name_what_it_counts(response: str) -> None:
    v = check(GPUS, response)
    assert (v.correct, v.valid) == (True, True), (response, v)
    assert "28" in v.parsed and response.split()[1] in v.parsed


@pytest.mark.parametrize(
    ("spec", "response"),
    [
        ({"kind": "number", "value": 242.8}, "243 FLOP/B"),
        ({"kind": "number", "value": 242.8}, "243 FLOPs/byte"),
        ({"kind": "number", "value": 242.8}, "243 flops per byte"),
        ({"kind": "number", "value": 1715}, "1715 tokens/s"),
        ({"kind": "number", "value": 1715}, "1.715k tokens per second"),
        ({"kind": "number", "value": 0.4623, "in_unit": "%"}, "46 % MFU"),
    ],
)
def test_a_plain_number_may_carry_the_unit_the_prompt_names(spec: dict, response: str) -> None:
    v = check(spec, response)
    assert (v.correct, v.valid) == (True, True), (response, v)


def test_a_named_count_is_still_checked_and_units_keep_their_rules() -> None:
    assert check(GPUS, "14 GPUs").valid and not check(GPUS, "14 GPUs").correct
    assert check({"kind": "number", "value": 5e6}, "5 M sequences").correct  # M still counts
    assert not check(GPUS, "28 Mb").valid  # bits stay refused with their hint
    assert not check(FLOP, "2.15e9 GPUs", P).valid  # a FLOP count takes no label
    assert interpret(GPUS, "28 GPUs") == "28 GPUs"


@pytest.mark.parametrize("response", ["128 KiB per token", "128 KiB/token", "131 kB per layer"])
def test_a_quantity_per_something_drops_the_per(response: str) -> None:
    v = check({"kind": "number", "value": 131072, "unit": "B"}, response)
    assert (v.correct, v.valid) == (True, True), (response, v)
    assert "per" in v.parsed


def test_per_second_is_no_label_and_a_wrong_value_per_token_is_wrong() -> None:
    spec = {"kind": "number", "value": 131072, "unit": "B"}
    assert not check(spec, "128 KiB per second").valid
    assert not check(spec, "128 KiB/s").valid
    assert not check(spec, "64 KiB per token").correct
    assert check(RATE, "26.8 TFLOP/s").correct  # a rate's /s stays a rate


SP_BYTES = {"kind": "number", "value": 2**32, "unit": "B"}  # 4 GiB
GB_SLIP = [{"value": 4e9, "feedback": "You divided by 2³⁰ but wrote GB."}]


def test_a_listed_gb_for_gib_slip_earns_the_same_half_credit_as_everywhere() -> None:
    listed = check(SP_BYTES, "4 GB", mistakes=GB_SLIP)
    unlisted = check(SP_BYTES, "4 GB")
    assert (listed.correct, listed.score) == (False, 0.5) == (unlisted.correct, unlisted.score)
    assert listed.diagnosis == "You divided by 2³⁰ but wrote GB."  # the pack's own words


def test_the_same_slip_as_a_bare_byte_count_stays_wrong() -> None:
    v = check(SP_BYTES, "4,000,000,000", mistakes=GB_SLIP)
    assert v.score == 0 and v.diagnosis == "You divided by 2³⁰ but wrote GB."
    assert check(SP_BYTES, "2 GB", mistakes=GB_SLIP).score == 0  # half of it: no credit


def test_a_unit_the_prompt_asks_in_keeps_its_listed_mistake_at_no_credit() -> None:
    spec = {"kind": "number", "value": "2*10^12", "unit": "B", "rel_tol": 0.02, "in_unit": "TiB"}
    tib_slip = [{"value": "2*2^40", "feedback": "2·10¹² bytes is 2 TB, not 2 TiB."}]
    for response in ("2 TiB", "2"):  # the conversion is what the question tests
        v = check(spec, response, mistakes=tib_slip)
        assert v.score == 0 and "not 2 TiB" in v.diagnosis, (response, v)


@pytest.mark.parametrize("response", ["2*nq*nk*(dk+dv) FLOPs", "2 nq nk (dk + dv) flops"])
def test_a_formula_may_end_with_the_unit_it_counts(response: str) -> None:
    v = check(ATTENTION, response)
    assert (v.correct, v.valid) == (True, True), (response, v)
    assert interpret(ATTENTION, response).lower() == "2·nq·nk·(dk + dv) flops"


def test_a_formula_with_its_unit_is_still_checked() -> None:
    assert check(ATTENTION, "nq*nk*(dk+dv) FLOPs").valid
    assert not check(ATTENTION, "nq*nk*(dk+dv) FLOPs").correct
    kv = {"kind": "expression", "value": "4*L*d", "variables": ["L", "d"]}
    assert check(kv, "4 L d bytes").correct
    assert not check(kv, "4 L d GB").valid  # a prefixed unit is no count of bytes
    tokens = {"kind": "expression", "value": "2*tokens", "variables": ["tokens"]}
    assert not check(tokens, "2").correct  # a variable named like a unit is never dropped


@pytest.mark.parametrize(
    ("response", "value"),
    [("32 bn", 32e9), ("32bn", 32e9), ("32 mln", 32e6), ("32 Mio", 32e6), ("32 millions", 32e6)],
)
def test_magnitude_words_are_multipliers_not_labels(response: str, value: float) -> None:
    assert check({"kind": "number", "value": value}, response).correct, response
    assert not check(GPUS, response.replace("32", "28")).correct  # never a bare 28


def test_a_billion_parameters_written_bn() -> None:
    v = check({"kind": "number", "value": 288.7e9, "unit": "params"}, "289 bn params")
    assert (v.correct, v.valid) == (True, True), v


CUBIC = {"kind": "big_o", "value": "n^3", "variables": ["n"], "constants": ["c"]}


def test_a_named_constant_gets_the_same_style_note_as_a_number() -> None:
    named = check(CUBIC, "O(c n^3)")
    number = check(CUBIC, "O(4 n^3)")
    assert (named.correct, named.score) == (True, 0.75) == (number.correct, number.score)
    assert "drop the constant c" in named.feedback
    assert check(CUBIC, "O(n^3)").score == 1.0
    assert not check(CUBIC, "O(c n^2)").correct


def test_cubic_regime_asks_for_n_alone() -> None:
    from engine.problems import draw, grade
    from quizapp.packs import load_all

    qid = "concrete-numbers/cubic-regime"
    variant = draw(load_all([]).get(qid).model, 0, qid=qid)
    assert grade(variant, "O(n^3)").correct
    restated = grade(variant, "O(n^2 d)")  # the cost as given, not in n alone
    assert not restated.correct and not restated.valid and "'d'" in restated.feedback
