"""An audit of the shipped packs: every number a question states or expects, recomputed here.

`quizapp validate` ties each answer to `engine/costs.py`, so a wrong formula written twice
passes it. These tests recompute answers and the numbers in explanations and model answers
from first principles (plain Python on the drawn inputs, the formulas of
/work/shared/facts.md), and check that the classic slips (×2 for MACs vs FLOPs, forgetting
the backward pass, GiB vs GB) are never marked right while a natural rounding is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from engine.problems import Variant, draw, grade
from quizapp.packs import load_pack_file

ROOT = Path(__file__).resolve().parents[1]
SEEDS = range(4)
#: The packs audited, most recent first.
PACKS = (
    "inference-roofline",
    "kv-cache-planning",
    "training-memory",
    "parallel-comm",
    "compute-budgets",
    "moe-speculative",
    "model-flops",
    "concrete-numbers",
    "long-inputs",
    "attention-basics",
    "table1-multihead",
    "d2l-scoring",
)


@cache
def questions(pack: str) -> dict[str, Any]:
    loaded, errors = load_pack_file(ROOT / "questions" / f"{pack}.yaml")
    assert loaded is not None, errors
    return {q.id: q for q in loaded.model.questions}


def variant(qid: str, seed: int) -> Variant:
    pack, question = qid.split("/")
    return draw(questions(pack)[question], seed)


def text_of(qid: str, seed: int = 0) -> str:
    """What the learner reads after answering: explanation and model answer."""
    v = variant(qid, seed)
    return v.explanation + "\n" + str(v.answer_spec.get("value", ""))


# --------------------------------------------------------------- answers, recomputed

KV_LLAMA2_7B = 2 * 32 * 32 * 128 * 2  # K and V, 32 layers, 32 heads of 128, fp16: 512 KiB
KV_LLAMA3_8B = 2 * 32 * 8 * 128 * 2  # GQA with 8 KV heads: 128 KiB
RING = 2.0  # a ring all-reduce sends 2·(p − 1)/p of the buffer


def _ring(p: float) -> float:
    return RING * (p - 1) / p


#: question → the answer computed from its drawn inputs, independently of the pack.
INDEPENDENT: dict[str, Callable[[Mapping[str, float]], float]] = {
    "inference-roofline/decode-time-with-cache": lambda p: (
        (2 * 6.74e9 + KV_LLAMA2_7B * p["T"] * p["B"]) / 3.35e12
    ),
    "inference-roofline/gqa-decode-time": lambda p: (
        (2 * 8.03e9 + KV_LLAMA3_8B * p["T"] * p["B"]) / 3.35e12
    ),
    "inference-roofline/prefill-flops": lambda p: 2 * 6.74e9 * p["s"] + 32 * 4 * p["s"] ** 2 * 4096,
    "inference-roofline/gemv-time": lambda p: max(
        2 * p["m"] * 4096**2 / 989e12, 2 * (4096**2 + 2 * p["m"] * 4096) / 3.35e12
    ),
    "kv-cache-planning/max-batch-70b": lambda p: (160e9 - 138e9) // (2 * 80 * 8 * 128 * 2 * p["T"]),
    "kv-cache-planning/paged-batch": lambda p: (
        (p["M"] * 1e9 - 16.06e9) // (KV_LLAMA3_8B * 16 * math.ceil(500 / 16))
    ),
    "kv-cache-planning/mla-per-token": lambda p: 60 * (512 + 64) * 2,
    "training-memory/zero1-per-gpu": lambda p: 4 * p["N"] + 12 * p["N"] / p["g"],
    "training-memory/zero2-per-gpu": lambda p: 2 * p["N"] + 14 * p["N"] / p["g"],
    "training-memory/tp-activations": lambda p: (
        2048 * 12288 * (10 + 24 / p["t"] + 5 * 96 * 2048 / (12288 * p["t"]))
    ),
    "training-memory/full-recompute": lambda p: 32 * 2 * p["s"] * p["b"] * 4096,
    "parallel-comm/dp-allreduce-time": lambda p: _ring(p["p"]) * 2 * p["N"] / (p["bw"] * 1e9),
    "parallel-comm/tp-step-bytes": lambda p: 4 * 80 * _ring(p["t"]) * p["s"] * 8192 * 2,
    "parallel-comm/zero3-step-bytes": lambda p: 3 * (p["p"] - 1) / p["p"] * 2 * p["N"],
    "parallel-comm/context-parallel-kv": lambda p: (p["c"] - 1) * p["s"] / p["c"] * 2 * 8 * 128 * 2,
    "compute-budgets/mfu-palm": lambda p: (
        238.3e3 * (6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048) / (6144 * 275e12)
    ),
    "compute-budgets/attention-share-mfu": lambda p: (
        12 * 32 * 4096 * p["T"] / (6 * 6.74e9 + 12 * 32 * 4096 * p["T"])
    ),
    "compute-budgets/llama2-mfu": lambda p: 6 * 6.74e9 * 2e12 / (184320 * 3600 * 312e12),
    "moe-speculative/mixtral-decode-batch1": lambda p: (
        ((1.61e9 + 2 * 5.64e9) * 2 + KV_LLAMA3_8B * p["T"]) / 3.35e12
    ),
    "moe-speculative/spec-speedup": lambda p: (
        (1 - p["alpha"] ** (p["gamma"] + 1)) / ((1 - p["alpha"]) * (p["gamma"] * p["c"] + 1))
    ),
    "model-flops/recompute-step": lambda p: (
        4 * p["L"] * (24 * p["b"] * p["s"] * p["d"] ** 2 + 4 * p["b"] * p["s"] ** 2 * p["d"])
    ),
    "model-flops/causal-exact": lambda p: (
        # every unmasked (query, key) pair: a dot product of dh for S and one for PV
        p["b"] * p["h"] * sum(range(1, int(p["n"]) + 1)) * 2 * (2 * p["dh"])
    ),
    "model-flops/sdpa-backward": lambda p: (
        2 * p["b"] * p["h"] * p["n"] ** 2 * (3 * p["dq"] + 2 * p["dv"])
    ),
}


@pytest.mark.parametrize("qid", sorted(INDEPENDENT))
@pytest.mark.parametrize("seed", SEEDS)
def test_the_answer_recomputed_independently_is_marked_right(qid: str, seed: int) -> None:
    v = variant(qid, seed)
    params = {k: float(x) for k, x in v.params.items()}
    ours = INDEPENDENT[qid](params)
    assert math.isclose(float(v.answer_value or 0), ours, rel_tol=1e-9), (qid, seed, ours)
    assert grade(v, f"{ours:.12g}").correct, (qid, seed, f"{ours:.12g}")


# --------------------------------------------------------------- slips and roundings


def _number_variants() -> list[tuple[str, int]]:
    found = []
    for pack in PACKS:
        for qid, q in questions(pack).items():
            if q.answer.kind == "number":
                found += [(f"{pack}/{qid}", seed) for seed in range(2)]
    return found


@pytest.mark.parametrize(("qid", "seed"), _number_variants())
def test_factor_slips_are_never_marked_right(qid: str, seed: int) -> None:
    """MACs for FLOPs (÷2), a forgotten K or V or backward (×2, ×3), GiB read as GB."""
    v = variant(qid, seed)
    x = float(v.answer_value or 0)
    for factor in (2, 1 / 2, 3, 1 / 3, 2**30 / 1e9, 1e9 / 2**30):
        assert not grade(v, f"{x * factor:.6g}").correct, (qid, seed, factor)


@pytest.mark.parametrize(("qid", "seed"), _number_variants())
def test_the_answer_to_three_figures_is_marked_right(qid: str, seed: int) -> None:
    """Unless the prompt asks for an exact count (a tolerance below 0.1 %)."""
    v = variant(qid, seed)
    if float(v.answer_spec.get("rel_tol", 0.01)) < 1e-3:
        pytest.skip("the question asks for an exact count")
    x = float(v.answer_value or 0)
    assert grade(v, f"{x:.3g}").correct, (qid, seed, f"{x:.3g}")


# --------------------------------------------------------------- numbers in the prose


def test_budget_recall_states_the_budget_its_own_arithmetic_gives() -> None:
    """2,048 H100s × 989 TFLOP/s × 40 % MFU × 30 days = 2.1·10²⁴ FLOPs, not 10²⁵."""
    budget = 2048 * 989e12 * 0.4 * 30 * 86400
    model = text_of("compute-budgets/budget-recall")
    stated = re.search(r"≈ (\d+(?:\.\d+)?)·10([⁰¹²³⁴⁵⁶⁷⁸⁹]+) FLOPs", model)
    assert stated, model
    exponent = int(stated.group(2).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")))
    assert math.isclose(float(stated.group(1)) * 10.0**exponent, budget, rel_tol=0.05)
    # and the compute-optimal split that follows from it: N = √(C/120), D = 20·N
    assert "1.3·10¹¹ parameters" in model and math.isclose(
        math.sqrt(budget / 120), 1.3e11, rel_tol=0.05
    )


def test_budget_recall_over_trained_example_fits_the_budget() -> None:
    budget = 2048 * 989e12 * 0.4 * 30 * 86400
    model = text_of("compute-budgets/budget-recall")
    example = re.search(r"e\.g\. (\d+)B on (\d+)·10¹² tokens", model)
    assert example, model
    n, d = float(example.group(1)) * 1e9, float(example.group(2)) * 1e12
    assert math.isclose(6 * n * d, budget, rel_tol=0.1)


def test_attention_term_explanation_quotes_the_share_the_pack_asks_for() -> None:
    """PaLM's 12·L·H·Q·T against 6·N for Llama 2 7B, every pair counted (not the causal half):
    7 % of the model FLOPs at T = 2,048 and 56 % at T = 32,768 (attention-share-mfu's answer)."""
    prose = text_of("compute-budgets/attention-term")
    claims = re.findall(r"(\d+) %[^,.;]*? at T = ([\d,]+)", prose)
    assert len(claims) >= 2, prose
    for percent, t in claims:
        attn = 12 * 32 * 4096 * int(t.replace(",", ""))
        share = attn / (6 * 6.74e9 + attn)
        assert abs(int(percent) - 100 * share) < 1, (percent, t, round(100 * share, 1))


def _seed_where(qid: str, **wanted: float) -> int:
    for seed in range(200):
        params = variant(qid, seed).params
        if all(params[k] == v for k, v in wanted.items()):
            return seed
    raise AssertionError(f"no seed of {qid} draws {wanted}")


@pytest.mark.parametrize(("stage", "figure"), [(0, 120), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_paper_figures_are_marked_right(stage: int, figure: float) -> None:
    """ZeRO's Figure 1 (Ψ = 7.5·10⁹, N_d = 64), the numbers the explanation itself quotes:
    16Ψ, 4Ψ + 12Ψ/64, 2Ψ + 14Ψ/64, 16Ψ/64 bytes, in decimal GB to the paper's rounding."""
    qid = "training-memory/zero-paper-example"
    v = variant(qid, _seed_where(qid, z=stage))
    psi = 7.5e9
    exact = [16 * psi, 4 * psi + 12 * psi / 64, 2 * psi + 14 * psi / 64, 16 * psi / 64][stage]
    assert math.isclose(float(v.answer_value or 0), exact)
    assert grade(v, f"{figure} GB").correct
    assert not grade(v, f"{exact / 1e9:.4g} GiB").correct  # GB read as GiB


def test_batch_to_compute_bound_accepts_the_round_300_its_explanation_gives() -> None:
    """Ridge 989 / 3.35 = 295 FLOP/B = the batch with bf16 weights; the prompt asks "from about
    which batch size" and the explanation says "around 300". fp8's 148 and fp32's 590 stay wrong."""
    v = variant("inference-roofline/batch-to-compute-bound", 0)
    assert math.isclose(float(v.answer_value or 0), 989 / 3.35)
    for right in ("295", "296", "300"):
        assert grade(v, right).correct, right
    for wrong in ("148", "590", "153"):
        assert not grade(v, wrong).correct, wrong


@pytest.mark.parametrize("d", [32, 64, 128, 256])
def test_key_norm_flops_says_the_halvings_matter_only_where_grading_agrees(d: int) -> None:
    """nk·(2·d + 1) FLOPs; 2·nk·d is 1/(2·d + 1) low: 1.5 % at d = 32, outside the 1 %
    tolerance. The explanation must not call it "within rounding" where it is marked wrong."""
    qid = "d2l-scoring/key-norm-flops"
    v = variant(qid, _seed_where(qid, d=d))
    nk = float(v.params["nk"])
    assert math.isclose(float(v.answer_value or 0), nk * (2 * d + 1))
    without_halvings = grade(v, f"{2 * nk * d:.0f}").correct
    assert without_halvings == (1 / (2 * d + 1) <= 0.01)
    assert without_halvings or "within rounding" not in v.explanation, v.explanation


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_PREFIX = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
#: "100 GB/s (10⁹ bytes/s)": a rate followed by a parenthesis that reads as restating it.
_RESTATED_RATE = re.compile(
    r"([\d.,]+) ([kMGT])(?:B|FLOP)/s \(10([⁰¹²³⁴⁵⁶⁷⁸⁹]+) (?:bytes|FLOP)(?:/s| per second)\)"
)


@pytest.mark.parametrize("pack", PACKS)
def test_a_rate_and_its_parenthesis_state_the_same_number(pack: str) -> None:
    """ "at 100 GB/s (10⁹ bytes/s)" tells a careful reader the rate is 10⁹ B/s, 100× too slow;
    a parenthesis after a rate must give that rate (or define the prefix in words)."""
    for qid in questions(pack):
        for seed in range(2):
            prompt = variant(f"{pack}/{qid}", seed).prompt.replace("\n", " ")
            for number, prefix, exponent in _RESTATED_RATE.findall(prompt):
                rate = float(number.replace(",", "")) * _PREFIX[prefix]
                stated = 10.0 ** int(exponent.translate(_SUPERSCRIPT))
                assert math.isclose(rate, stated), (qid, seed, prompt)


def test_dp_allreduce_time_tells_the_ring_from_its_2x_limit_at_every_p() -> None:
    """The ring sends 2·(p − 1)/p·X; its many-GPU limit 2·X is a listed slip in ring-bytes.
    At p = 64 the two are 1.6 % apart: the slip must not pass there while failing at p = 32."""
    qid = "parallel-comm/dp-allreduce-time"
    for p in (16, 32, 64):
        v = variant(qid, _seed_where(qid, p=p))
        n, bw = float(v.params["N"]), float(v.params["bw"]) * 1e9
        ring = 2 * (p - 1) / p * 2 * n / bw
        assert math.isclose(float(v.answer_value or 0), ring)
        assert grade(v, f"{ring:.3g} s").correct
        limit = grade(v, f"{2 * 2 * n / bw:.4g} s")
        assert not limit.correct, p


@pytest.mark.parametrize("seed", range(6))
def test_decode_weights_time_states_the_intensity_of_the_drawn_dtype(seed: int) -> None:
    """Batch-1 decode: 2 FLOPs per weight over its bytes, so 4 FLOP/B at int4, not 'near 1'."""
    v = variant("inference-roofline/decode-weights-time", seed)
    bytes_per_weight = float(v.params["e"])
    assert f"intensity of {2 / bytes_per_weight:.0f} FLOP/B" in v.explanation


@pytest.mark.parametrize("seed", range(6))
def test_decode_throughput_compares_with_batch_one_at_the_same_context(seed: int) -> None:
    v = variant("inference-roofline/decode-throughput", seed)
    context = int(v.params["T"])
    step_bytes = 2 * 6.74e9 + KV_LLAMA2_7B * context  # weights + one sequence's cache, fp16
    assert f"against {3.35e12 / step_bytes:.0f} at batch 1" in v.explanation
