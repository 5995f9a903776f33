"""Number answers: forms people type, units, tolerances and the diagnoses of classic slips.

Expected values are written as plain arithmetic here (n = 100, d = 512 -> n²·d = 5,120,000,
facts.md), never taken from the checker's own formula.
"""

from __future__ import annotations

import pytest

from engine.answers import SpecError, check, expected_text, interpret

FLOPS = {"kind": "number", "value": "n^2*d", "unit": "FLOP"}
P = {"n": 100, "d": 512}


@pytest.mark.parametrize(
    "response",
    [
        "5120000",
        "5,120,000",
        "5_120_000",
        "5.12e6",
        "5.12 × 10^6",
        "5.12*10**6",
        "5.12M",
        "5.12 MFLOP",
        "5.12 MFLOPs",
        "5120 k",
        "0.00512 GFLOP",
        "5.12e6 FLOP",
        "  5120000  ",
    ],
)
def test_every_accepted_form_of_the_right_number_is_correct(response: str) -> None:
    v = check(FLOPS, response, P)
    assert (v.correct, v.score, v.valid) == (True, 1.0, True)


def test_the_echo_shows_how_a_prefixed_number_was_read() -> None:
    assert "5,120,000 FLOP" in check(FLOPS, "5.12 MFLOP", P).parsed
    assert interpret({"kind": "number"}, "1.5k") == "1.5 k = 1,500"
    assert "65,536 B" in interpret({"kind": "number"}, "64 KiB")
    assert "?" in interpret({"kind": "number"}, "5.12 × ")


@pytest.mark.parametrize(
    ("response", "value"),
    [
        ("2^31", 2**31),
        ("4*1024^3", 4 * 1024**3),
        ("512M", 512e6),
        ("1.5k", 1500),
        ("2 TB", 2e12),
        ("256 MiB", 256 * 2**20),
        ("64 KiB", 64 * 1024),
        ("1e12 B", 1e12),
        ("3 ms", 0.003),
        ("3.2 GFLOPs", 3.2e9),
        ("2 GFLOP", 2e9),
        ("7B params", 7e9),
        ("1.4T tokens", 1.4e12),
        ("2 million", 2e6),
        ("20 µs", 20e-6),
    ],
)
def test_units_and_prefixes_mean_what_they_say(response: str, value: float) -> None:
    spec = {"kind": "number", "value": value}
    assert check(spec, response).correct


def test_tolerance_accepts_rounded_answers_and_refuses_far_ones() -> None:
    spec = {"kind": "number", "value": 2e12, "unit": "B"}
    assert check(spec, "1.82 TiB").correct  # 1.82 · 2^40 ≈ 2.001e12
    assert not check({**spec, "rel_tol": 0.0001}, "1.82 TiB").correct
    assert check({"kind": "number", "value": 10, "abs_tol": 0.5}, "10.4").correct


def test_decimal_for_binary_prefix_gets_its_own_feedback() -> None:
    spec = {"kind": "number", "value": 2 * 2**30, "unit": "B"}
    v = check(spec, "2 GB")
    assert not v.correct and v.valid
    assert "2 GB" in v.feedback and "2 GiB" in v.feedback and "2.147 GB" in v.feedback
    v = check({"kind": "number", "value": 2e12, "unit": "B"}, "2 TiB")
    assert not v.correct and "2 TiB" in v.feedback and "2 TB" in v.feedback


def test_bare_number_off_by_the_1024_ratio_is_named() -> None:
    v = check({"kind": "number", "value": 2**31, "unit": "B"}, "2e9")
    assert not v.correct and "1000 vs 1024" in v.diagnosis


@pytest.mark.parametrize(
    ("response", "unit_phrase"),
    [("5 ms", "seconds"), ("5.12 MB", "bytes"), ("2.56 MMAC", "multiply-accumulate")],
)
def test_wrong_unit_family_is_invalid_not_wrong(response: str, unit_phrase: str) -> None:
    v = check(FLOPS, response, P)
    assert v.valid is False and v.score == 0
    assert unit_phrase in v.feedback


def test_bits_and_unknown_units_are_refused_with_a_hint() -> None:
    spec = {"kind": "number", "value": 2e9, "unit": "B"}
    assert "bits" in check(spec, "2 Gb").feedback
    assert not check(spec, "2 furlongs").valid


def test_macs_for_flops_is_diagnosed() -> None:
    v = check(FLOPS, "2560000", P)
    assert not v.correct and v.valid
    assert "factor of 2" in v.diagnosis and "MAC" in v.diagnosis
    assert "5,120,000 FLOP" in v.feedback


def test_half_the_kv_cache_names_k_and_v() -> None:
    # KV cache, fp16: 2 · L · h · d_head · tokens · 2 B (facts.md); the learner forgot the 2 for K and V.
    layers, heads, d_head, tokens = 32, 32, 128, 4096
    right = 2 * layers * heads * d_head * tokens * 2
    spec = {"kind": "number", "value": right, "unit": "B"}
    v = check(spec, str(right // 2))
    assert "K and V" in v.diagnosis


def test_dtype_confusion_is_diagnosed() -> None:
    spec = {"kind": "number", "value": 1_000_000 * 2, "unit": "B"}  # fp16
    v = check(spec, "4000000")  # fp32 bytes
    assert "fp32" in v.diagnosis or "bytes per element" in v.diagnosis
    v = check(spec, "8,000,000")
    assert "factor of 4" in v.diagnosis


def test_factor_equal_to_a_parameter_names_it() -> None:
    params = {"b": 1, "h": 12, "n": 1024, "d": 768}
    spec = {"kind": "number", "value": "4*b*n^2*d", "unit": "FLOP"}
    right = 4 * 1 * 1024**2 * 768
    v = check(spec, str(right * 12), params)
    assert "factor of h" in v.diagnosis and "heads" in v.diagnosis
    v = check(spec, str(right // 768), params)
    assert "missing a factor of d" in v.diagnosis


def test_power_of_ten_slip_is_named() -> None:
    v = check(FLOPS, "51200000", P)
    assert "power of 10" in v.diagnosis
    v = check(FLOPS, "5.12 GFLOP", P)
    assert "power of 10" in v.diagnosis


def test_listed_mistakes_come_before_generic_diagnoses() -> None:
    spec = {
        **FLOPS,
        "mistakes": [{"value": "n^2*d/2", "feedback": "That counts multiply-adds once."}],
    }
    v = check(spec, "2560000", P)
    assert v.diagnosis == "That counts multiply-adds once."
    v = check(FLOPS, "2560000", P, mistakes=[{"value": 2_560_000, "feedback": "MACs again"}])
    assert v.diagnosis == "MACs again"


def test_garbage_and_huge_numbers_are_invalid() -> None:
    for response in ("abc", "9**9**9**9", "1/0", "5 +", "∞"):
        v = check(FLOPS, response, P)
        assert v.valid is False and v.correct is False, response


def test_expected_text_shows_exact_and_prefixed_forms() -> None:
    assert expected_text(FLOPS, P) == "5,120,000 FLOP (5.12 MFLOP)"
    text = expected_text({"kind": "number", "value": "2^31", "unit": "B"})
    assert text.startswith("2,147,483,648 B") and "2 GiB" in text
    assert "3 ms" in expected_text({"kind": "number", "value": 0.003, "unit": "s"})


def test_bad_specs_raise_spec_error() -> None:
    with pytest.raises(SpecError):
        check({"kind": "number", "value": "n^^2"}, "1")
    with pytest.raises(SpecError):
        check({"kind": "number", "value": 1, "unit": "furlong"}, "1")
    with pytest.raises(SpecError):
        check({"kind": "telepathy"}, "1")


def test_percent_and_long_time_units_are_understood():
    from engine.answers import check

    assert check({"kind": "number", "value": 0.25}, "25%").correct
    assert not check({"kind": "number", "value": 0.25}, "2.5%").correct
    days = {"kind": "number", "value": 30 * 86400, "unit": "s"}
    for response in ("30 days", "720 h", "43200 min", "2.592e6 s"):
        verdict = check(days, response)
        assert verdict.correct, (response, verdict)
    assert not check(days, "30 GB").valid  # bytes for seconds: invalid, retry at no cost
