"""The serving-side cost models (decode, prefill, roofline, moe, spec_decode) against
independent figures.

Each model is checked against something it does not compute itself: a small numpy
decode or prefill actually run (FLOPs from numpy.einsum_path's own count of every
contraction executed, bytes from ndarray.nbytes), a published figure (Llama 2's
512 KiB of KV cache per token, Mixtral's 46.7B / 12.9B parameters counted from its
published configuration, the H100's ridge point), or a seeded simulation of
speculative decoding's accept/reject process.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from engine.costs import CostError, compute, quantities
from quizapp.cli import main

H100_PEAK, H100_BW = 989e12, 3.35e12  # dense BF16 FLOP/s, HBM3 B/s (NVIDIA H100 SXM datasheet)
A100_PEAK, A100_BW = 312e12, 2.039e12  # A100 SXM 80 GB


class Einsum:
    """Runs np.einsum and adds up numpy's own FLOP count (einsum_path) for each call."""

    def __init__(self) -> None:
        self.flops = 0.0

    def __call__(self, subscripts: str, *arrays: np.ndarray) -> np.ndarray:
        report = np.einsum_path(subscripts, *arrays, optimize=False)[1]
        self.flops += float(re.search(r"Naive FLOP count:\s+([\d.e+]+)", report).group(1))
        return np.einsum(subscripts, *arrays)


def _tiny_model(rng, layers: int, d: int, heads: int, kv_heads: int, d_head: int, vocab: int):
    """Weights of a small GQA decoder in fp16: per layer Q, K, V, O and a 4·d MLP, then a head."""

    def w(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float16) * np.float16(0.1)

    blocks = [
        {
            "wq": w(d, heads, d_head),
            "wk": w(d, kv_heads, d_head),
            "wv": w(d, kv_heads, d_head),
            "wo": w(heads, d_head, d),
            "w1": w(d, 4 * d),
            "w2": w(4 * d, d),
        }
        for _ in range(layers)
    ]
    return blocks, w(d, vocab)


def _numpy_decode_step(layers, d, heads, kv_heads, d_head, context, batch):
    """One real decode step; returns (FLOPs counted by einsum_path, bytes of weights + cache)."""
    rng = np.random.default_rng(0)
    blocks, head = _tiny_model(rng, layers, d, heads, kv_heads, d_head, vocab=50)
    group = heads // kv_heads
    cache_k = rng.standard_normal((layers, batch, kv_heads, context, d_head)).astype(np.float16)
    cache_v = rng.standard_normal((layers, batch, kv_heads, context, d_head)).astype(np.float16)
    es = Einsum()
    x = rng.standard_normal((batch, d)).astype(np.float16)
    for i, blk in enumerate(blocks):
        q = es("bd,dhe->bhe", x, blk["wq"]).reshape(batch, kv_heads, group, d_head)
        cache_k[i, :, :, -1] = es("bd,dhe->bhe", x, blk["wk"])  # the new token's K and V
        cache_v[i, :, :, -1] = es("bd,dhe->bhe", x, blk["wv"])
        scores = es("bkge,bkte->bkgt", q, cache_k[i]).astype(np.float32)
        p = np.exp(scores - scores.max(-1, keepdims=True))
        p = (p / p.sum(-1, keepdims=True)).astype(np.float16)
        out = es("bkgt,bkte->bkge", p, cache_v[i]).reshape(batch, heads, d_head)
        x = x + es("bhe,hed->bd", out, blk["wo"])
        x = x + es("bf,fd->bd", np.maximum(es("bd,df->bf", x, blk["w1"]), 0), blk["w2"])
    es("bd,dv->bv", x, head)
    weights = [a for blk in blocks for a in blk.values()] + [head]
    n_params = sum(a.size for a in weights)
    read = sum(a.nbytes for a in weights) + cache_k.nbytes + cache_v.nbytes
    return n_params, es.flops, read


# ------------------------------------------------------------------------------ decode


@pytest.mark.parametrize(
    ("name", "layers", "kv_heads", "kib"),
    [
        ("Llama-2-7B, MHA", 32, 32, 512),
        ("Llama-3-8B, GQA 8", 32, 8, 128),
        ("Llama-2-70B, GQA 8", 80, 8, 320),
    ],
)
def test_decode_kv_bytes_per_token_match_published_configs(name, layers, kv_heads, kib):
    """facts.md: 512 / 128 / 320 KiB of fp16 KV cache per token (d_head = 128 in all three)."""
    cost = compute(
        "decode",
        {"layers": layers, "kv_heads": kv_heads, "d_head": 128, "context": 1, "batch": 1},
        dtype="fp16",
    )
    assert cost.bytes["kv_cache"] == kib * 1024, name
    four_k = compute(
        "decode",
        {"layers": layers, "kv_heads": kv_heads, "d_head": 128, "context": 4096, "batch": 8},
        dtype="fp16",
    )
    assert four_k.bytes["kv_cache"] == kib * 1024 * 4096 * 8


def test_decode_llama2_7b_batch1_on_h100_takes_about_4ms():
    """Pope et al. 2022 / facts.md: 13.5 GB of fp16 weights at 3.35 TB/s ≈ 4 ms per token."""
    cost = compute("decode", {"params": 6.74e9, "context": 1, "bandwidth": H100_BW}, dtype="fp16")
    assert cost.extra["seconds"] == pytest.approx(4.0e-3, rel=0.02)
    assert cost.extra["tokens_per_second"] == pytest.approx(250, rel=0.02)
    assert cost.extra["intensity"] == pytest.approx(1.0, rel=0.01)  # "≈ 1 FLOP/B at batch 1"


@pytest.mark.parametrize(
    ("heads", "kv_heads", "context", "batch"), [(4, 4, 6, 1), (8, 2, 5, 3), (4, 1, 9, 2)]
)
def test_decode_matches_a_numpy_decode_step(heads, kv_heads, context, batch):
    layers, d, d_head = 2, 32, 8
    n_params, flops, read = _numpy_decode_step(layers, d, heads, kv_heads, d_head, context, batch)
    params = {
        "params": n_params,
        "layers": layers,
        "kv_heads": kv_heads,
        "d_head": d_head,
        "context": context,
        "batch": batch,
        "heads": heads,
        "bandwidth": 1e9,
    }
    cost = compute("decode", params, dtype="fp16")
    assert cost.flops == pytest.approx(flops, rel=2e-3)
    assert cost.extra["bytes"] == read
    assert cost.bytes["total"] == read
    assert cost.extra["intensity"] == pytest.approx(flops / read, rel=2e-3)
    assert cost.extra["seconds"] == pytest.approx(read / 1e9)


def test_decode_heads_default_to_kv_heads_and_must_group_evenly():
    given = {"layers": 4, "kv_heads": 8, "d_head": 64, "context": 128}
    assert compute("decode", given).flops == compute("decode", {**given, "heads": 8}).flops
    assert compute("decode", {**given, "heads": 32}).flops > compute("decode", given).flops
    with pytest.raises(CostError, match="multiple of kv_heads"):
        compute("decode", {**given, "heads": 12})


def test_decode_batch_amortises_weights_until_the_h100_ridge():
    """Intensity grows ≈ linearly with batch when the cache is small; it passes the
    H100's ridge (≈ 295 FLOP/B) near batch 295 in fp16, 148 in fp8."""
    ridge = H100_PEAK / H100_BW
    assert ridge == pytest.approx(295, rel=0.01)

    def intensity(batch: int, dtype: str) -> float:
        params = {"params": 6.74e9, "context": 1, "batch": batch}
        return compute("decode", params, dtype=dtype).extra["intensity"]

    assert intensity(280, "fp16") < ridge < intensity(310, "fp16")
    assert intensity(140, "fp8") < ridge < intensity(155, "fp8")


@pytest.mark.parametrize(("heads", "kv_heads", "context", "batch"), [(4, 4, 6, 1), (8, 2, 5, 3)])
def test_decode_roofline_time_is_the_slower_of_counted_flops_and_bytes(
    heads, kv_heads, context, batch
):
    """facts.md (Williams et al. 2009): time = max(bytes / bandwidth, FLOPs / peak), with the
    FLOPs einsum_path counts in a real decode step and the bytes its arrays hold."""
    layers, d, d_head = 2, 32, 8
    n_params, flops, read = _numpy_decode_step(layers, d, heads, kv_heads, d_head, context, batch)
    shape = {"layers": layers, "kv_heads": kv_heads, "d_head": d_head, "heads": heads}
    for peak in (1e8, 1e11, 1e13):  # ridge 0.1, 100, 10⁴ FLOP/B: clear of a toy's ≈ 1
        params = {**shape, "params": n_params, "context": context, "batch": batch}
        cost = compute("decode", {**params, "bandwidth": 1e9, "peak": peak}, dtype="fp16")
        assert cost.extra["compute_seconds"] == pytest.approx(flops / peak, rel=2e-3)
        assert cost.extra["seconds"] == pytest.approx(read / 1e9)  # unchanged: bytes / bw
        slower = max(flops / peak, read / 1e9)
        assert cost.extra["roofline_seconds"] == pytest.approx(slower, rel=2e-3)
        assert cost.extra["bound"] == (1 if flops / peak > read / 1e9 else 0)
        assert cost.extra["ridge"] == pytest.approx(peak / 1e9)


def test_decode_crossover_batch_is_where_a_counted_step_turns_compute_bound():
    """The crossover batch the model states, checked on real decode steps either side of
    it: below, the counted FLOPs take less time at `peak` than the bytes at `bandwidth`."""
    layers, d, heads, d_head, context = 2, 32, 4, 8, 3
    shape = {"layers": layers, "kv_heads": heads, "d_head": d_head, "heads": heads}
    n_params, _, _ = _numpy_decode_step(layers, d, heads, heads, d_head, context, 1)
    peak, bandwidth = 4e9, 1e9  # ridge 4 FLOP/B: a fp16 toy crosses it at a small batch
    given = {**shape, "params": n_params, "context": context, "peak": peak}
    crossover = compute("decode", {**given, "bandwidth": bandwidth}, dtype="fp16").extra[
        "crossover_batch"
    ]
    assert 2 < crossover < 40
    for batch, compute_bound in ((int(crossover), False), (int(crossover) + 1, True)):
        _, flops, read = _numpy_decode_step(layers, d, heads, heads, d_head, context, batch)
        assert (flops / peak > read / bandwidth) is compute_bound, batch


def test_decode_on_an_h100_turns_compute_bound_near_batch_295_before_the_kv_cache():
    """facts.md: ridge ≈ 295 FLOP/B on an H100 and ≈ 1 FLOP/B per sequence at batch 1 in
    fp16, so the weights alone keep decode memory-bound until a batch of about 295."""
    llama = {"params": 6.74e9, "context": 1, "bandwidth": H100_BW, "peak": H100_PEAK}
    cost = compute("decode", llama, dtype="fp16")
    assert cost.extra["crossover_batch"] == pytest.approx(295, rel=0.02)  # + 1 token of cache
    assert cost.extra["bound"] == 0
    at_300 = compute("decode", {**llama, "batch": 300}, dtype="fp16")
    assert at_300.extra["bound"] == 1
    assert at_300.extra["roofline_seconds"] == pytest.approx(at_300.flops / H100_PEAK)


def test_decode_with_a_long_mha_cache_stays_memory_bound_at_any_batch():
    """Each sequence's KV cache is read for only ≈ 2 FLOPs per element: Llama-2-7B (MHA) at
    4096 tokens brings ≈ 7 FLOP/B per sequence, far below the ridge, whatever the batch."""
    llama = {"params": 6.74e9, "context": 4096, "bandwidth": H100_BW, "peak": H100_PEAK}
    per_sequence_flops = 2 * 6.74e9 + 4 * 32 * 32 * 128 * 4096  # weights + QKᵀ and P·V
    per_sequence_bytes = 512 * 1024 * 4096  # facts.md: 512 KiB of fp16 KV per token
    cost = compute("decode", {**llama, "batch": 10_000}, dtype="fp16")
    limit = cost.extra["intensity_limit"]
    assert limit == pytest.approx(per_sequence_flops / per_sequence_bytes, rel=1e-9)
    assert limit < H100_PEAK / H100_BW
    assert cost.extra["bound"] == 0 and cost.extra["crossover_batch"] == math.inf  # never


def test_decode_past_reach_of_the_ridge_has_no_crossover_batch_and_real_steps_agree():
    """With a 64-token cache each sequence brings ≈ 4 FLOPs per byte, under a ridge of 16: real
    decode steps at every batch tried stay memory-bound, and the model says no batch gets
    there (∞), not the negative batch the bare formula gives."""
    layers, d, heads, d_head, context = 2, 32, 4, 8, 64
    shape = {"layers": layers, "kv_heads": heads, "d_head": d_head, "heads": heads}
    n_params, _, _ = _numpy_decode_step(layers, d, heads, heads, d_head, context, 1)
    peak, bandwidth = 16e9, 1e9
    given = {**shape, "params": n_params, "context": context, "peak": peak, "bandwidth": bandwidth}
    cost = compute("decode", given, dtype="fp16")
    assert cost.extra["crossover_batch"] == math.inf
    assert cost.extra["intensity_limit"] < peak / bandwidth
    for batch in (1, 8, 64, 512):
        _, flops, read = _numpy_decode_step(layers, d, heads, heads, d_head, context, batch)
        assert flops / peak < read / bandwidth, batch  # memory-bound, batch after batch


def test_decode_exactly_at_the_ridge_has_no_crossover_and_no_crash():
    """One weight pair and one cached token in fp16: 2·2 + 4 = 8 FLOPs per sequence for 4 KV
    bytes, intensity limit 2 FLOP/B = the ridge (peak 2, bandwidth 1): the step only
    approaches the ridge as the batch grows, so no batch crosses it (no division by zero)."""
    toy = {"params": 2, "layers": 1, "kv_heads": 1, "d_head": 1, "context": 1}
    cost = compute("decode", {**toy, "peak": 2, "bandwidth": 1}, dtype="fp16")
    assert cost.extra["intensity_limit"] == pytest.approx(2) == cost.extra["ridge"]
    assert cost.extra["crossover_batch"] == math.inf


def test_calc_says_no_batch_crosses_instead_of_a_negative_batch():
    """What `quizapp calc decode` prints for Llama-2-7B at 4096 tokens (memory-bound at
    any batch): ∞ in the table, null in JSON, and never a negative batch."""
    args = ["calc", "decode", "params=6.74e9", "context=4096", "batch=8", "--dtype", "fp16"]
    table = CliRunner().invoke(main, args)
    assert table.exit_code == 0, table.output
    assert "∞ sequences" in table.output
    row = next(line for line in table.output.splitlines() if "∞" in line)
    assert row.split("│")[1].strip() == "14"  # the crossover row, numbered as in the JSON
    crossover = as_json_steps(args)[13]
    assert crossover["value"] is None and "memory-bound at any batch" in crossover["text"]
    assert not re.search(r"-\d[\d.]* sequences", table.output)
    data = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert data["extra"]["crossover_batch"] is None


def as_json_steps(args: list[str]) -> list[dict]:
    """The steps of `quizapp calc … --json`, read as strict JSON (Infinity is refused)."""
    output = CliRunner().invoke(main, [*args, "--json"]).output

    def refuse(word: str) -> None:
        raise AssertionError(f"not JSON: {word}")

    return json.loads(output, parse_constant=refuse)["steps"]


@pytest.mark.parametrize(
    "peak", [None, H100_PEAK, 1.0], ids=["no peak", "H100 peak", "absurdly low peak"]
)
def test_decode_figures_stay_the_published_ones_whatever_the_peak(peak):
    """facts.md (Pope et al. 2022): Llama-2-7B at batch 1 in fp16 reads its 13.5 GB of
    weights for ≈ 2·N FLOPs per token, ≈ 4 ms per token at the H100's 3.35 TB/s. The
    roofline only adds figures: the bytes, FLOPs and memory-bound seconds questions use
    stay those, whether a peak is given or not, even one that makes the step compute-bound."""
    llama = {"params": 6.74e9, "context": 1, "bandwidth": H100_BW}
    cost = compute("decode", llama if peak is None else {**llama, "peak": peak}, dtype="fp16")
    assert cost.extra["bytes"] == pytest.approx(13.5e9, rel=0.01)
    assert cost.flops == pytest.approx(2 * 6.74e9, rel=0.01)
    assert cost.extra["seconds"] == pytest.approx(4.0e-3, rel=0.02)
    assert cost.extra["tokens_per_second"] == pytest.approx(250, rel=0.02)
    assert cost.extra["intensity"] == pytest.approx(1.0, rel=0.01)


# ------------------------------------------------------------------------------ prefill


def test_prefill_one_layer_matches_the_published_megatron_example():
    """facts.md: b = 1, s = 2048, d = 4096, one layer: 24·b·s·d² ≈ 8.25e11 plus
    4·b·s²·d ≈ 6.87e10 FLOPs (12·d² parameters per layer)."""
    d = 4096
    cost = compute("prefill", {"params": 12 * d * d, "layers": 1, "d": d, "s": 2048, "batch": 1})
    assert cost.extra["weight_flops"] == pytest.approx(8.25e11, rel=0.001)
    assert cost.extra["score_flops"] + cost.extra["value_flops"] == pytest.approx(
        6.87e10, rel=0.001
    )


@pytest.mark.parametrize("causal", [False, True])
def test_prefill_matches_a_numpy_prefill(causal):
    layers, d, heads, s, batch = 2, 32, 4, 12, 2
    d_head = d // heads
    rng = np.random.default_rng(1)
    blocks, head = _tiny_model(rng, layers, d, heads, heads, d_head, vocab=40)
    es = Einsum()
    x = rng.standard_normal((batch, s, d)).astype(np.float32)
    mask = np.tril(np.ones((s, s), bool)) if causal else np.ones((s, s), bool)
    pairs = int(mask.sum())
    attention = 0.0
    for blk in blocks:
        q = es("bsd,dhe->bhse", x, blk["wq"])
        k = es("bsd,dhe->bhse", x, blk["wk"])
        v = es("bsd,dhe->bhse", x, blk["wv"])
        scores = es("bhse,bhte->bhst", q, k)
        attention += 2 * 2 * batch * heads * d_head * pairs  # only the unmasked pairs
        p = np.where(mask, np.exp(scores - scores.max(-1, keepdims=True)), 0)
        out = es("bhst,bhte->bhse", p / p.sum(-1, keepdims=True), v)
        x = x + es("bhse,hed->bsd", out, blk["wo"])
        x = x + es("bsf,fd->bsd", np.maximum(es("bsd,df->bsf", x, blk["w1"]), 0), blk["w2"])
    es("bsd,dv->bsv", x, head)
    n_params = sum(a.size for blk in blocks for a in blk.values()) + head.size
    dense = es.flops - 2 * 2 * batch * heads * d_head * s * s * layers  # einsum counts all pairs
    params = {"params": n_params, "layers": layers, "d": d, "s": s, "batch": batch, "peak": 1e12}
    options = {"causal_flops": "skip"} if causal else {}
    cost = compute("prefill", params, **options)
    assert cost.flops == pytest.approx(dense + attention, rel=2e-3)
    assert cost.extra["seconds"] == pytest.approx((dense + attention) / 1e12, rel=2e-3)


def test_prefill_is_compute_bound_and_decode_memory_bound_on_an_h100():
    """The interview's first answer: TTFT is compute, TPOT is bandwidth (Pope et al. 2022)."""
    pre = compute("prefill", {"params": 6.74e9, "s": 2048, "peak": H100_PEAK})
    weights_fp16 = 2 * 6.74e9
    pre_roof = compute(
        "roofline",
        {"flops": pre.flops, "bytes": weights_fp16, "peak": H100_PEAK, "bandwidth": H100_BW},
    )
    dec = compute("decode", {"params": 6.74e9, "context": 2048, "bandwidth": H100_BW}, dtype="fp16")
    dec_roof = compute(
        "roofline",
        {"flops": dec.flops, "bytes": dec.extra["bytes"], "peak": H100_PEAK, "bandwidth": H100_BW},
    )
    assert pre_roof.extra["bound"] == 1
    assert dec_roof.extra["bound"] == 0
    assert pre.extra["seconds"] == pytest.approx(pre.flops / H100_PEAK)


# ------------------------------------------------------------------------------ roofline


@pytest.mark.parametrize(
    ("peak", "bandwidth", "ridge"), [(H100_PEAK, H100_BW, 295), (A100_PEAK, A100_BW, 153)]
)
def test_roofline_ridge_points_match_published_figures(peak, bandwidth, ridge):
    cost = compute("roofline", {"flops": 1e9, "bytes": 1e9, "peak": peak, "bandwidth": bandwidth})
    assert cost.extra["ridge"] == pytest.approx(ridge, rel=0.005)


@pytest.mark.parametrize(("n", "bound"), [(256, 0), (512, 0), (2048, 1), (4096, 1)])
def test_roofline_of_a_square_fp16_matmul(n, bound):
    """An n×n fp16 matmul: FLOPs from einsum_path, bytes from nbytes (A and B read, C written);
    intensity 2n³ / 6n² = n/3 passes the H100 ridge between n = 512 and n = 2048."""
    a = np.ones((n, n), np.float16)
    report = np.einsum_path("ik,kj->ij", a, a, optimize=False)[1]
    flops = float(re.search(r"Naive FLOP count:\s+([\d.e+]+)", report).group(1))
    moved = 3 * a.nbytes
    cost = compute(
        "roofline", {"flops": flops, "bytes": moved, "peak": H100_PEAK, "bandwidth": H100_BW}
    )
    assert cost.extra["bound"] == bound
    assert cost.extra["intensity"] == pytest.approx(n / 3, rel=2e-3)
    assert cost.extra["seconds"] == pytest.approx(max(flops / H100_PEAK, moved / H100_BW))
    assert cost.extra["attainable"] == pytest.approx(min(H100_PEAK, flops / moved * H100_BW))


# ------------------------------------------------------------------------------ moe


def _mixtral_counts() -> tuple[int, int]:
    """Shared and per-expert parameters from Mixtral 8x7B's published configuration
    (arXiv 2401.04088, Table 1: dim 4096, 32 layers, 32 heads and 8 KV heads of 128,
    hidden_dim 14336, vocab 32000, 8 experts), counted from the weight shapes."""
    dim, layers, heads, kv_heads, d_head, hidden, vocab, experts = (
        4096, 32, 32, 8, 128, 14336, 32000, 8
    )  # fmt: skip
    per_layer_shared = [
        (dim, heads * d_head),  # wq
        (dim, kv_heads * d_head),  # wk
        (dim, kv_heads * d_head),  # wv
        (heads * d_head, dim),  # wo
        (dim, experts),  # router
        (dim,),  # attention norm
        (dim,),  # MLP norm
    ]
    per_layer_expert = [(dim, hidden), (hidden, dim), (dim, hidden)]  # w1, w2, w3 (SwiGLU)
    shared = layers * sum(int(np.prod(s)) for s in per_layer_shared)
    shared += 2 * vocab * dim + dim  # embedding, untied output head, final norm
    expert = layers * sum(int(np.prod(s)) for s in per_layer_expert)
    return shared, expert


def test_moe_mixtral_totals_match_the_paper():
    """Mixtral 8x7B: 46.7B parameters in total, 12.9B active per token (top-2)."""
    shared, expert = _mixtral_counts()
    cost = compute(
        "moe", {"shared_params": shared, "expert_params": expert, "experts": 8, "top_k": 2}
    )
    assert round(cost.extra["total_params"] / 1e9, 1) == 46.7
    assert round(cost.extra["active_params"] / 1e9, 1) == 12.9
    assert cost.flops == pytest.approx(2 * 12.9e9, rel=0.01)  # "≈ 2 × active"
    assert cost.bytes["weights"] == cost.extra["total_params"] * 4
    assert compute("moe").extra["total_params"] == cost.extra["total_params"]  # the defaults


def test_moe_flops_match_a_numpy_top_k_forward():
    """A one-layer MoE block run in numpy: every token goes through the shared weights and
    its top-k experts only; einsum_path's count per token equals the model's FLOPs."""
    rng = np.random.default_rng(2)
    d, hidden, experts, top_k, tokens = 16, 48, 6, 2, 10
    shared_w = rng.standard_normal((d, d)).astype(np.float32)
    router = rng.standard_normal((d, experts)).astype(np.float32)
    w1 = rng.standard_normal((experts, d, hidden)).astype(np.float32)
    w2 = rng.standard_normal((experts, hidden, d)).astype(np.float32)
    es = Einsum()
    x = rng.standard_normal((tokens, d)).astype(np.float32)
    h = es("td,de->te", x, shared_w)
    logits = es("td,de->te", h, router)
    chosen = np.argsort(-logits, axis=1)[:, :top_k]
    for e in range(experts):
        rows = np.nonzero((chosen == e).any(axis=1))[0]
        if rows.size:
            es("tf,fd->td", np.maximum(es("td,df->tf", h[rows], w1[e]), 0), w2[e])
    cost = compute(
        "moe",
        {
            "shared_params": shared_w.size + router.size,
            "expert_params": w1[0].size + w2[0].size,
            "experts": experts,
            "top_k": top_k,
        },
    )
    assert cost.flops == pytest.approx(es.flops / tokens, rel=2e-3)
    assert cost.extra["total_params"] == shared_w.size + router.size + w1.size + w2.size


def test_moe_rejects_top_k_above_experts():
    with pytest.raises(CostError, match="top_k"):
        compute("moe", {"experts": 4, "top_k": 5})


# ------------------------------------------------------------------------------ spec_decode


def _simulate_spec_decode(alpha: float, gamma: int, steps: int, seed: int = 0) -> float:
    """Leviathan et al.'s process: drafts accepted one by one with probability α until the
    first rejection; the target then adds one token (a correction, or a bonus if all pass)."""
    rng = np.random.default_rng(seed)
    accepted = rng.random((steps, gamma)) < alpha
    run = np.where(accepted.all(axis=1), gamma, np.argmin(accepted, axis=1))
    return float((run + 1).mean())


@pytest.mark.parametrize(("alpha", "gamma"), [(0.6, 3), (0.8, 4), (0.9, 7), (0.5, 1)])
def test_spec_decode_tokens_per_step_match_leviathan_and_a_simulation(alpha, gamma):
    cost = compute("spec_decode", {"alpha": alpha, "gamma": gamma})
    geometric = float(np.sum(alpha ** np.arange(gamma + 1)))  # 1 + α + … + α^γ
    assert cost.extra["tokens_per_step"] == pytest.approx(geometric, rel=1e-12)
    assert cost.extra["tokens_per_step"] == pytest.approx(
        _simulate_spec_decode(alpha, gamma, 200_000), rel=0.01
    )


def test_spec_decode_speedup_charges_the_draft_calls():
    """Wall time per step = γ·c + 1 target calls (Leviathan et al. 2023, Theorem 3.8)."""
    alpha, gamma, c = 0.8, 5, 0.1
    simulated = _simulate_spec_decode(alpha, gamma, 200_000, seed=3) / (gamma * c + 1)
    cost = compute("spec_decode", {"alpha": alpha, "gamma": gamma, "cost_ratio": c})
    assert cost.extra["speedup"] == pytest.approx(simulated, rel=0.01)
    assert compute("spec_decode", {"alpha": 0, "gamma": 3}).extra["tokens_per_step"] == 1
    with pytest.raises(CostError, match="alpha"):
        compute("spec_decode", {"alpha": 1, "gamma": 3})


# ------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("op", "named"),
    [
        ("decode", ["bytes", "flops", "seconds", "tokens_per_second", "intensity"]),
        ("prefill", ["flops", "seconds"]),
        ("roofline", ["seconds", "intensity", "ridge", "bound"]),
        ("moe", ["total_params", "active_params", "flops"]),
        ("spec_decode", ["tokens_per_step", "speedup"]),
        ("kv_capacity", ["max_batch", "max_tokens", "per_sequence_bytes"]),
    ],
)
def test_calc_json_names_the_issue_quantities(op, named):
    """`quizapp calc OP --json` keeps the usual keys and shows each quantity by its name."""
    result = CliRunner().invoke(main, ["calc", op, "--json", "--dtype", "fp16"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"op", "params", "flops", "bytes", "extra", "steps", "conventions"} <= set(data)
    for name in named:
        assert name in data or name in data["extra"], name
        assert name in quantities(op)


def test_calc_decode_rejects_bad_heads_with_a_message():
    result = CliRunner().invoke(main, ["calc", "decode", "kv_heads=8", "heads=12"])
    assert result.exit_code == 2
    assert "multiple of kv_heads" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------ kv_capacity


def _fill_memory(free: int, block_nbytes: int, blocks_per_sequence: int) -> int:
    """Admit sequences one by one, each taking whole blocks, until the next one does not fit."""
    used, admitted = 0, 0
    while used + blocks_per_sequence * block_nbytes <= free:
        used += blocks_per_sequence * block_nbytes
        admitted += 1
    return admitted


@pytest.mark.parametrize(
    ("context", "window", "block"), [(100, 100, 1), (100, 100, 16), (300, 64, 16), (37, 37, 8)]
)
def test_kv_capacity_matches_admitting_sequences_block_by_block(context, window, block):
    layers, kv_heads, d_head = 3, 2, 8
    block_array = np.zeros((2, layers, kv_heads, block, d_head), np.float16)  # K and V of a block
    blocks = -(-min(context, window) // block)
    memory, weights = 4_000_000, 1_000_000
    params = {
        "memory": memory,
        "weights": weights,
        "layers": layers,
        "kv_heads": kv_heads,
        "d_head": d_head,
        "context": context,
        "window": window,
        "block": block,
    }
    cost = compute("kv_capacity", params, dtype="fp16")
    assert cost.extra["max_batch"] == _fill_memory(memory - weights, block_array.nbytes, blocks)
    assert cost.extra["per_sequence_bytes"] == blocks * block_array.nbytes
    assert 0 <= cost.extra["padding_tokens"] < block  # vLLM: under one block wasted per sequence


def test_kv_capacity_llama2_70b_on_two_80gb_gpus():
    """facts.md: max batch = ⌊(memory − weights) / KV per sequence⌋ with 320 KiB per token."""
    weights = 2 * 68.98e9  # Llama 2 70B in fp16
    params = {"memory": 160e9, "weights": weights, "layers": 80, "kv_heads": 8, "context": 4096}
    cost = compute("kv_capacity", params, dtype="fp16")
    assert cost.extra["per_token_bytes"] == 320 * 1024
    assert cost.extra["max_batch"] == int((160e9 - weights) // (320 * 1024 * 4096))
    fp8 = compute("kv_capacity", params, dtype="fp8")
    assert fp8.extra["max_batch"] in (2 * cost.extra["max_batch"], 2 * cost.extra["max_batch"] + 1)


def test_kv_capacity_mistral_window_caps_the_cache_8x_at_32k():
    """Mistral 7B (arXiv 2310.06825): W = 4096, a rolling buffer 8× smaller at 32k tokens."""
    mistral = {"layers": 32, "kv_heads": 8, "d_head": 128, "context": 32768, "weights": 14.5e9}
    full = compute("kv_capacity", mistral, dtype="fp16")
    capped = compute("kv_capacity", {**mistral, "window": 4096}, dtype="fp16")
    assert full.extra["per_sequence_bytes"] == 8 * capped.extra["per_sequence_bytes"]
    with pytest.raises(CostError, match="weights alone"):
        compute("kv_capacity", {"memory": 10e9, "weights": 14e9})


def test_moe_expert_capacity_holds_a_balanced_batch_exactly():
    """Switch Transformer: capacity = tokens / experts × capacity factor. With factor 1 and
    perfectly balanced top-k routing (numpy round robin) the fullest expert is exactly full."""
    tokens, experts, top_k = 96, 8, 2
    routes = (np.arange(tokens * top_k) % experts).reshape(tokens, top_k)
    load = np.bincount(routes.ravel(), minlength=experts).max()
    params = {"experts": experts, "top_k": top_k, "tokens": tokens, "capacity_factor": 1}
    assert compute("moe", params).extra["expert_capacity"] == load
    slack = compute("moe", {**params, "capacity_factor": 1.25}).extra["expert_capacity"]
    assert slack == pytest.approx(1.25 * load)
