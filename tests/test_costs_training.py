"""The training-at-scale cost models against published figures and independent numpy runs.

train_memory is pinned to ZeRO's own numbers (Ψ = 7.5B on 64 GPUs) and to the nbytes of
real fp16/fp32 arrays sharded with numpy; activations to the tensors Korthikanti et al.
list, built as arrays; allreduce to a simulated ring that really sums the buffers;
pipeline_bubble to a simulated GPipe schedule; chinchilla to Chinchilla's 70B/1.4T at
Gopher's budget; mfu to PaLM's 46.2 %. The derived quantities the packs ask about (ring
steps, tensor-parallel all-reduces, micro-batches for a bubble target, ZeRO-3's fewest GPUs,
attention shares, Chinchilla growth and over-training payoff) are pinned the same way: to a
simulation that counts, an einsum_path FLOP count, or a published figure. Nothing here
re-derives a model from itself.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from test_costs import einsum_flops

from engine.costs import CostError, compute, quantities
from quizapp.cli import main

# --------------------------------------------------------------------------- train_memory


@pytest.mark.parametrize(
    ("zero", "published_gb"),
    [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.9)],
)
def test_train_memory_matches_zero_paper_figure_1(zero: int, published_gb: float) -> None:
    """ZeRO (arXiv 1910.02054), Figure 1: Ψ = 7.5B, N_d = 64, K = 12."""
    cost = compute("train_memory", {"params": 7.5e9, "zero": zero, "gpus": 64})
    assert round(cost.bytes["total"] / 1e9, 1) == published_gb


def _adam_state(n_params: int) -> dict[str, list[np.ndarray]]:
    """The arrays mixed-precision Adam really keeps, grouped as ZeRO partitions them."""
    return {
        "weights": [np.zeros(n_params, np.float16)],
        "gradients": [np.zeros(n_params, np.float16)],
        "optimizer": [np.zeros(n_params, np.float32) for _ in range(3)],  # master, m, v
    }


@pytest.mark.parametrize("zero", [0, 1, 2, 3])
@pytest.mark.parametrize("gpus", [2, 8])
def test_train_memory_per_gpu_matches_sharded_arrays(zero: int, gpus: int) -> None:
    n_params = 1_000_000
    partitioned_from = {"optimizer": 1, "gradients": 2, "weights": 3}
    expected = {}
    for group, arrays in _adam_state(n_params).items():
        if zero >= partitioned_from[group]:
            arrays = [np.array_split(a, gpus)[0] for a in arrays]  # this GPU's shard
        expected[group] = sum(a.nbytes for a in arrays)
    cost = compute("train_memory", {"params": n_params, "zero": zero, "gpus": gpus})
    for group, nbytes in expected.items():
        assert cost.bytes[group] == nbytes, group
    assert cost.bytes["total"] == sum(expected.values())
    assert cost.extra["unpartitioned_bytes"] == 16 * n_params


@pytest.mark.parametrize("budget", [1e6, 3e6, 4.5e6, 16e6])
def test_zero3_min_gpus_is_the_fewest_shards_that_fit_the_budget(budget: float) -> None:
    """Shard the real arrays over g = 1, 2, ... GPUs; the first g whose largest shard fits."""
    n_params = 1_000_000
    arrays = [a for group in _adam_state(n_params).values() for a in group]

    def largest_shard(gpus: int) -> int:
        return sum(np.array_split(a, gpus)[0].nbytes for a in arrays)

    fewest = next(g for g in range(1, 100) if largest_shard(g) <= budget)
    cost = compute("train_memory", {"params": n_params, "zero": 3, "budget": budget})
    assert cost.extra["zero3_min_gpus"] == fewest


def test_zero3_min_gpus_reproduces_the_zero_papers_configurations() -> None:
    """ZeRO (arXiv 1910.02054): Figure 1 brings Ψ = 7.5B to 1.9 GB per GPU on 64 GPUs; §1
    fits a trillion parameters in 16 GB per GPU on 1024 GPUs (16 TB / 1024)."""
    figure_1 = compute("train_memory", {"params": 7.5e9, "zero": 3, "budget": 1.9e9})
    assert figure_1.extra["zero3_min_gpus"] == 64
    trillion = compute("train_memory", {"params": 1e12, "zero": 3, "budget": 16e9})
    assert trillion.extra["zero3_min_gpus"] <= 1024


def test_train_memory_ignores_dtype_and_rejects_unknown_stages() -> None:
    fp32 = compute("train_memory", {"params": 1e9, "zero": 0, "gpus": 8})
    fp16 = compute("train_memory", {"params": 1e9, "zero": 0, "gpus": 8}, dtype="fp16")
    assert fp32.bytes == fp16.bytes
    with pytest.raises(CostError, match="ZeRO stage"):
        compute("train_memory", {"params": 1e9, "zero": 4, "gpus": 8})


# --------------------------------------------------------------------------- activations

FP16, MASK = np.float16, np.uint8


def _layer_activations(s: int, b: int, h: int, a: int, t: int, sp: bool) -> list[np.ndarray]:
    """One layer's stored activations on one GPU, as Korthikanti et al. §4.1 list them.

    Tensor parallelism splits heads and the MLP's 4h dimension t ways; sequence
    parallelism splits the remaining (layer norm, dropout) tensors along s.
    """
    sr = s // t if sp else s  # rows of the tensors outside the tensor-parallel regions
    whole: list[np.ndarray] = [
        np.zeros((sr, b, h), FP16),  # layer norm 1 input
        np.zeros((sr, b, h), FP16),  # QKV input (layer norm 1 output)
        np.zeros((sr, b, h), MASK),  # attention dropout mask
        np.zeros((sr, b, h), FP16),  # layer norm 2 input
        np.zeros((sr, b, h), FP16),  # MLP input (layer norm 2 output)
        np.zeros((sr, b, h), MASK),  # MLP dropout mask
    ]
    split: list[np.ndarray] = [
        np.zeros((s, b, h // t), FP16),  # Q
        np.zeros((s, b, h // t), FP16),  # K
        np.zeros((a // t, b, s, s), FP16),  # softmax output
        np.zeros((a // t, b, s, s), MASK),  # softmax dropout mask
        np.zeros((a // t, b, s, s), FP16),  # dropout output (input of ×V)
        np.zeros((s, b, h // t), FP16),  # V
        np.zeros((s, b, h // t), FP16),  # output projection input
        np.zeros((s, b, 4 * h // t), FP16),  # GeLU input
        np.zeros((s, b, 4 * h // t), FP16),  # GeLU output (second linear input)
    ]
    return whole + split


SHAPES = [(128, 2, 64, 4), (256, 1, 128, 8), (64, 4, 256, 16)]


@pytest.mark.parametrize(("s", "b", "h", "a"), SHAPES)
@pytest.mark.parametrize(("t", "sp"), [(1, False), (2, False), (4, False), (2, True), (4, True)])
def test_activations_match_the_arrays_a_layer_keeps(s, b, h, a, t, sp) -> None:
    arrays = _layer_activations(s, b, h, a, t, sp)
    expected = sum(x.nbytes for x in arrays)
    params = {"s": s, "b": b, "d": h, "heads": a, "layers": 3, "tp": t, "sp": int(sp)}
    cost = compute("activations", params)
    assert cost.bytes["per_layer"] == expected
    assert cost.bytes["total"] == 3 * expected


@pytest.mark.parametrize(("s", "b", "h", "a"), SHAPES)
@pytest.mark.parametrize(("t", "sp"), [(1, False), (4, False), (4, True)])
def test_selective_recomputation_drops_exactly_the_attention_core(s, b, h, a, t, sp) -> None:
    core = [x for x in _layer_activations(s, b, h, a, t, sp) if x.ndim == 4]
    full = compute("activations", {"s": s, "b": b, "d": h, "heads": a, "tp": t, "sp": int(sp)})
    sel = compute(
        "activations",
        {"s": s, "b": b, "d": h, "heads": a, "tp": t, "sp": int(sp)},
        recompute="selective",
    )
    assert full.bytes["per_layer"] - sel.bytes["per_layer"] == sum(x.nbytes for x in core)


def test_full_recomputation_keeps_one_fp16_input_per_layer() -> None:
    cost = compute(
        "activations", {"s": 2048, "b": 1, "d": 12288, "heads": 96, "layers": 96}, recompute="full"
    )
    assert cost.bytes["total"] == 96 * np.zeros((2048, 1, 12288), FP16).nbytes


def test_gpt3_attention_term_outweighs_the_rest_as_korthikanti_note() -> None:
    """GPT-3 175B (a = 96, s = 2048, h = 12288): 5·a·s/h = 80 against 34 (arXiv 2205.05198 §4.1)."""
    cost = compute("activations", {"s": 2048, "b": 1, "d": 12288, "heads": 96, "layers": 1})
    sbh = 2048 * 12288
    assert cost.bytes["per_layer"] == sbh * (34 + 80)


@pytest.mark.parametrize(("s", "b", "h", "a"), SHAPES)
def test_attention_share_is_the_share_of_the_attention_core_arrays(s, b, h, a) -> None:
    arrays = _layer_activations(s, b, h, a, 1, False)
    core = sum(x.nbytes for x in arrays if x.ndim == 4)  # the a·s² tensors
    cost = compute("activations", {"s": s, "b": b, "d": h, "heads": a})
    assert cost.extra["attention_share"] == pytest.approx(core / sum(x.nbytes for x in arrays))


@pytest.mark.parametrize("s", [1024, 4096, 8192])
def test_attention_share_follows_korthikantis_34_plus_5as_over_h(s: int) -> None:
    """arXiv 2205.05198 §4.1: sbh·(34 + 5·a·s/h) per layer, 5·a·s²·b of it the attention
    core; Llama 2 7B's h = 4096, a = 32 (arXiv 2307.09288)."""
    h, a = 4096, 32
    attention = 5 * a * s / h
    cost = compute("activations", {"s": s, "b": 2, "d": h, "heads": a, "layers": 32})
    assert cost.extra["attention_share"] == pytest.approx(attention / (34 + attention))


def test_gpt3_attention_share_is_80_of_114() -> None:
    """GPT-3 175B: 5·a·s/h = 80 against 34 (arXiv 2205.05198 §4.1)."""
    cost = compute("activations", {"s": 2048, "b": 1, "d": 12288, "heads": 96})
    assert cost.extra["attention_share"] == pytest.approx(80 / 114)


class _TensorParallel:
    """t simulated GPUs that count the all-reduces Megatron's f and g operators perform."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.allreduces = 0

    def allreduce(self, parts: list[np.ndarray]) -> np.ndarray:
        if self.t > 1:  # a single GPU has nothing to reduce
            self.allreduces += 1
        return np.sum(parts, axis=0)


def _block_forward(
    tp: _TensorParallel, x: np.ndarray, w1: np.ndarray, w2: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Shoeybi et al. 2019 §3, Figure 3: first GEMM split by columns, a shard-local middle
    (GeLU for the MLP, the heads for attention; tanh here), second GEMM split by rows, then
    g all-reduces the partial outputs."""
    w1s, w2s = np.array_split(w1, tp.t, axis=1), np.array_split(w2, tp.t, axis=0)
    hidden = [np.tanh(x @ a) for a in w1s]
    return tp.allreduce([hid @ b for hid, b in zip(hidden, w2s, strict=True)]), hidden


def _block_backward(
    tp: _TensorParallel,
    w1: np.ndarray,
    w2: np.ndarray,
    hidden: list[np.ndarray],
    grad_out: np.ndarray,
) -> np.ndarray:
    """The backward of one block; f's backward all-reduces the input gradients."""
    w1s, w2s = np.array_split(w1, tp.t, axis=1), np.array_split(w2, tp.t, axis=0)
    parts = [
        ((grad_out @ b.T) * (1 - hid**2)) @ a.T for a, b, hid in zip(w1s, w2s, hidden, strict=True)
    ]
    return tp.allreduce(parts)


Layer = list[tuple[np.ndarray, np.ndarray]]


def _layer_forward(
    tp: _TensorParallel, x: np.ndarray, weights: Layer
) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """One layer: the attention block, then the MLP block, each with its residual."""
    hiddens = []
    for w1, w2 in weights:
        out, hidden = _block_forward(tp, x, w1, w2)
        hiddens.append(hidden)
        x = x + out
    return x, hiddens


def _train_step(
    tp: _TensorParallel, x: np.ndarray, layers: list[Layer], recompute: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward through the layers; with `recompute`, the forward keeps only each
    layer's input and runs again in the backward (full activation recomputation)."""
    inputs: list[np.ndarray] = []
    saved: list[list[list[np.ndarray]] | None] = []
    for weights in layers:
        inputs.append(x)
        x, hiddens = _layer_forward(tp, x, weights)
        saved.append(None if recompute else hiddens)
    grad = np.ones_like(x)
    for weights, x_in, kept in reversed(list(zip(layers, inputs, saved, strict=True))):
        if kept is None:
            kept = _layer_forward(tp, x_in, weights)[1]
        for (w1, w2), hidden in reversed(list(zip(weights, kept, strict=True))):
            grad = grad + _block_backward(tp, w1, w2, hidden, grad)
    return x, grad


@pytest.mark.parametrize("t", [1, 2, 4])
@pytest.mark.parametrize("recompute", ["none", "selective", "full"])
def test_tp_allreduces_match_a_simulated_tensor_parallel_step(t: int, recompute: str) -> None:
    rng = np.random.default_rng(t)
    n_layers, h = 3, 8
    layers = [
        [(rng.normal(size=(h, 4 * h)) / 8, rng.normal(size=(4 * h, h)) / 8) for _ in range(2)]
        for _ in range(n_layers)
    ]
    x = rng.normal(size=(5, h))
    tp = _TensorParallel(t)
    out, grad = _train_step(tp, x, layers, recompute == "full")
    one = _TensorParallel(1)
    ref_out, ref_grad = _train_step(one, x, layers, False)  # the unsplit computation
    np.testing.assert_allclose(out, ref_out)  # the split step really computes the same
    np.testing.assert_allclose(grad, ref_grad)
    cost = compute("activations", {"layers": n_layers, "tp": t, "heads": 8}, recompute=recompute)
    assert cost.extra["tp_allreduces"] == tp.allreduces


def test_tp_allreduces_are_four_per_layer_as_megatron_states() -> None:
    """Shoeybi et al. 2019 (arXiv 1909.08053) Figure 4: two all-reduces in the forward and
    two in the backward of each transformer layer; GPT-3's 96 layers."""
    cost = compute("activations", {"layers": 96, "tp": 8})
    assert cost.extra["tp_allreduces"] == 4 * 96


# --------------------------------------------------------------------------- allreduce


def _ring_allreduce(buffers: list[np.ndarray]) -> tuple[list[np.ndarray], list[int], int]:
    """A real ring all-reduce (reduce-scatter, then all-gather): the results, the bytes each
    GPU sent, and the number of sequential steps (rounds in which every GPU sends once)."""
    p = len(buffers)
    chunks = [np.array_split(buf.copy(), p) for buf in buffers]
    sent = [0] * p
    rounds = 0
    for step in range(p - 1):  # reduce-scatter
        rounds += 1
        outgoing = [(r, (r - step) % p, chunks[r][(r - step) % p].copy()) for r in range(p)]
        for r, c, data in outgoing:
            chunks[(r + 1) % p][c] += data
            sent[r] += data.nbytes
    for step in range(p - 1):  # all-gather
        rounds += 1
        outgoing = [(r, (r + 1 - step) % p, chunks[r][(r + 1 - step) % p].copy()) for r in range(p)]
        for r, c, data in outgoing:
            chunks[(r + 1) % p][c] = data
            sent[r] += data.nbytes
    return [np.concatenate(c) for c in chunks], sent, rounds


@pytest.mark.parametrize("p", [2, 3, 4, 8])
def test_allreduce_bytes_match_a_simulated_ring(p: int) -> None:
    rng = np.random.default_rng(p)
    buffers = [rng.integers(0, 100, 4096 * p).astype(np.float32) for _ in range(p)]
    result, sent, rounds = _ring_allreduce(buffers)
    total = np.sum(buffers, axis=0)
    assert all(np.array_equal(r, total) for r in result)  # the simulation really all-reduces
    cost = compute("allreduce", {"bytes": buffers[0].nbytes, "gpus": p, "bandwidth": 1e9})
    assert set(sent) == {cost.extra["bytes_per_gpu"]}
    assert cost.extra["seconds"] == pytest.approx(sent[0] / 1e9)
    assert cost.extra["steps"] == rounds


def test_allreduce_needs_two_gpus() -> None:
    with pytest.raises(CostError, match="at least 2 GPUs"):
        compute("allreduce", {"bytes": 1e9, "gpus": 1})


# --------------------------------------------------------------------------- pipeline_bubble


def _gpipe_makespan(p: int, m: int, tf: float = 1.0, tb: float = 2.0) -> float:
    """Simulate all forwards, then all backwards, on p stages: the time the last one ends."""
    fwd = np.zeros((p, m))
    for i in range(p):
        for j in range(m):
            ready = max(fwd[i - 1, j] if i else 0.0, fwd[i, j - 1] if j else 0.0)
            fwd[i, j] = ready + tf
    bwd = np.zeros((p, m))
    for i in reversed(range(p)):
        for j in range(m):
            after = fwd[p - 1, m - 1] if i == p - 1 and j == 0 else 0.0
            ready = max(
                bwd[i + 1, j] if i < p - 1 else after,
                bwd[i, j - 1] if j else 0.0,
                fwd[i, m - 1],
            )
            bwd[i, j] = ready + tb
    return float(bwd[0, m - 1])


@pytest.mark.parametrize(("p", "m"), [(2, 4), (4, 8), (8, 8), (4, 32)])
def test_pipeline_bubble_matches_a_simulated_schedule(p: int, m: int) -> None:
    makespan = _gpipe_makespan(p, m)
    ideal = m * (1.0 + 2.0)
    cost = compute("pipeline_bubble", {"stages": p, "microbatches": m})
    assert cost.extra["bubble_fraction"] == pytest.approx(1 - ideal / makespan)
    assert cost.extra["bubble_ratio"] == pytest.approx((makespan - ideal) / ideal)


@pytest.mark.parametrize(("p", "target"), [(4, 0.1), (4, 0.25), (8, 0.2), (6, 0.15)])
def test_microbatches_needed_is_the_fewest_a_simulated_schedule_needs(p, target) -> None:
    ideal = 1.0 + 2.0
    fewest = next(
        m for m in range(1, 200) if (_gpipe_makespan(p, m) - m * ideal) / (m * ideal) <= target
    )
    cost = compute("pipeline_bubble", {"stages": p, "microbatches": 1, "target": target})
    assert math.ceil(cost.extra["microbatches_needed"] - 1e-9) == fewest


def test_interleaving_divides_the_bubble_by_the_chunks() -> None:
    """Narayanan et al. 2021 §2.2.2: the bubble shrinks from (p−1)/m to (p−1)/(v·m)."""
    plain = compute("pipeline_bubble", {"stages": 8, "microbatches": 16})
    inter = compute("pipeline_bubble", {"stages": 8, "microbatches": 16, "chunks": 4})
    assert plain.extra["bubble_ratio"] == pytest.approx(7 / 16)
    assert inter.extra["bubble_ratio"] == pytest.approx(7 / 64)


# --------------------------------------------------------------------------- chinchilla


def test_chinchilla_at_gophers_budget_is_70b_on_1_4t() -> None:
    """Gopher's 5.76·10²³ FLOPs (Hoffmann et al. 2022, Table 3) → Chinchilla 70B, 1.4T."""
    cost = compute("chinchilla", {"compute": 5.76e23})
    assert cost.extra["params_opt"] == pytest.approx(70e9, rel=0.02)
    assert cost.extra["tokens_opt"] == pytest.approx(1.4e12, rel=0.02)
    # spending the budget as C = 6·N·D again, checked with numbers only
    assert 6 * cost.extra["params_opt"] * cost.extra["tokens_opt"] == pytest.approx(5.76e23)


def test_chinchilla_rule_is_hoffmanns_20_tokens_per_parameter() -> None:
    """Chinchilla itself (Table 3 and §4): 70B parameters on 1.4T tokens."""
    assert compute("chinchilla").extra["tokens_per_param"] == 1.4e12 / 70e9
    chinchilla = compute("training", {"params": 70e9, "tokens": 1.4e12})
    assert chinchilla.extra["times_chinchilla"] == pytest.approx(1)


def test_params_growth_follows_hoffmanns_table_3() -> None:
    """Hoffmann et al. 2022, Table 3: 67B is compute-optimal at 5.76·10²³ FLOPs, 1T at
    1.27·10²⁶; the budget grows 220-fold, the model 1000/67 ≈ 14.9-fold."""
    cost = compute("chinchilla", {"compute": 1.27e26, "baseline": 5.76e23})
    assert cost.extra["params_growth"] == pytest.approx(1000 / 67, rel=0.01)
    assert compute("chinchilla", {"compute": 1e24}).extra["params_growth"] == 1


def test_gopher_is_four_times_chinchilla_optimal() -> None:
    """Hoffmann et al. 2022 §1: at Gopher's budget (5.76·10²³ FLOPs) the optimal model is
    4× smaller than Gopher's 280B, Chinchilla's 70B."""
    cost = compute("chinchilla", {"compute": 5.76e23, "params": 280e9})
    assert cost.extra["size_ratio"] == pytest.approx(4, rel=0.02)


@pytest.mark.parametrize(("small", "extra"), [(13e9, 1e23), (30e9, 3e23), (7e9, 5e22)])
def test_payoff_tokens_is_where_lifetime_compute_curves_cross(small, extra) -> None:
    """Lifetime compute of Chinchilla 70B and of a smaller model trained with ΔC more, each
    serving at Kaplan's 2·N FLOPs per token, tabulated; the small one wins from the payoff."""
    served = np.arange(0, 2e13, 1e8)
    big = 2 * 70e9 * served
    small_total = extra + 2 * small * served
    crossing = served[np.argmax(small_total <= big)]
    cost = compute(
        "chinchilla", {"compute": 6 * 70e9 * 1.4e12, "params": small, "extra_compute": extra}
    )
    assert crossing - 1e8 < cost.extra["payoff_tokens"] <= crossing


def test_payoff_needs_a_model_smaller_than_optimal() -> None:
    with pytest.raises(CostError, match="smaller than N_opt"):
        compute("chinchilla", {"compute": 5.88e23, "params": 80e9, "extra_compute": 1e23})


def test_training_compares_with_gpt3_and_breaks_even_with_serving() -> None:
    """GPT-3 (175B on 300B tokens) used 3.14·10²³ FLOPs (Brown et al. 2020, Table D.1), the
    default baseline. Chinchilla's published 5.76·10²³ FLOPs, served at Kaplan's 2·N per
    token, equal about 4.1·10¹² served tokens."""
    gpt3 = compute("training", {"params": 175e9, "tokens": 300e9})
    assert gpt3.extra["times_baseline"] == pytest.approx(1, rel=0.01)
    assert gpt3.extra["tokens_per_param"] == pytest.approx(300 / 175)
    chinchilla = compute("training", {"params": 70e9, "tokens": 1.4e12})
    assert chinchilla.extra["breakeven_tokens"] == pytest.approx(5.76e23 / (2 * 70e9), rel=0.03)


# --------------------------------------------------------------------------- mfu


def test_mfu_matches_palms_46_2_percent() -> None:
    """PaLM 540B (arXiv 2204.02311, App. B): 238.3K tokens/s on 6144 TPU v4 at 275 TFLOP/s,
    L = 118, H·Q = 48 heads × 256 = 12,288 (not d_model = 18,432), T = 2048 → MFU 46.2 %."""
    cost = compute(
        "mfu",
        {
            "params": 540.35e9,
            "tokens_per_second": 238.3e3,
            "gpus": 6144,
            "peak": 275e12,
            "layers": 118,
            "d": 48 * 256,
            "seq": 2048,
        },
    )
    assert round(cost.extra["mfu"], 3) == 0.462
    assert cost.extra["mfu_without_attention"] < cost.extra["mfu"]


@pytest.mark.parametrize(
    ("layers", "d", "seq"), [(32, 4096, 4096), (118, 12288, 2048), (2, 64, 512)]
)
def test_mfu_attention_share_matches_einsum_path_counts(layers, d, seq) -> None:
    """QKᵀ and P·V of one sequence, counted by einsum_path, per token, forward and backward
    (× 3), over all layers, against 6·N for the weights."""
    forward = einsum_flops("td,sd->ts", (seq, d), (seq, d)) + einsum_flops(
        "ts,sd->td", (seq, seq), (seq, d)
    )
    attention = 3 * layers * forward / seq
    n = 6.74e9
    params = {"params": n, "tokens_per_second": 1, "gpus": 1, "peak": 1}
    cost = compute("mfu", {**params, "layers": layers, "d": d, "seq": seq})
    assert cost.extra["attention_share"] == pytest.approx(attention / (6 * n + attention))


def test_target_tokens_per_second_reproduces_palms_throughput() -> None:
    """PaLM 540B at its published 46.2 % MFU ran 238.3K tokens/s (arXiv 2204.02311, App. B)."""
    cost = compute(
        "mfu",
        {
            "params": 540.35e9,
            "gpus": 6144,
            "peak": 275e12,
            "layers": 118,
            "d": 48 * 256,
            "seq": 2048,
            "target": 0.462,
        },
    )
    assert cost.extra["target_tokens_per_second"] == pytest.approx(238.3e3, rel=2e-3)


def test_mfu_without_shape_counts_6n_only() -> None:
    cost = compute(
        "mfu", {"params": 1e9, "tokens_per_second": 1e4, "gpus": 1, "peak": 1e14, "layers": 0}
    )
    assert cost.extra["mfu"] == pytest.approx(6e9 * 1e4 / 1e14)


# --------------------------------------------------------------------------- names and CLI


@pytest.mark.parametrize(
    ("op", "names"),
    [
        ("train_memory", ["bytes.weights", "bytes.gradients", "bytes.optimizer", "bytes.total"]),
        ("activations", ["bytes.per_layer", "bytes.total"]),
        ("allreduce", ["bytes_per_gpu", "seconds"]),
        ("pipeline_bubble", ["bubble_fraction"]),
        ("chinchilla", ["params_opt", "tokens_opt"]),
        ("mfu", ["mfu"]),
        ("allreduce", ["steps"]),
        ("activations", ["tp_allreduces", "attention_share"]),
        ("pipeline_bubble", ["microbatches_needed"]),
        ("train_memory", ["zero3_min_gpus"]),
        ("chinchilla", ["tokens_per_param", "params_growth", "size_ratio", "payoff_tokens"]),
        ("mfu", ["attention_share", "target_tokens_per_second"]),
        ("training", ["times_baseline", "tokens_per_param", "times_chinchilla"]),
        ("training", ["breakeven_tokens"]),
    ],
)
def test_the_issue_names_are_quantities(op: str, names: list[str]) -> None:
    assert set(names) <= set(quantities(op))


def test_calc_json_shows_zero_stage_bytes_and_selects_the_stage_from_the_parameter() -> None:
    result = CliRunner().invoke(
        main, ["calc", "train_memory", "params=7.5e9", "zero=3", "gpus=64", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["bytes"]["total"] == 1_875_000_000
    assert data["options"] == {}
    listing = CliRunner().invoke(main, ["calc", "--list"]).output
    assert "option recompute=none" in listing
    assert "option zero=" not in listing and "option sp=" not in listing


def test_recompute_flops_reproduce_narayanans_gpt3_estimate() -> None:
    """Narayanan et al. 2021 §5.1: GPT-3 (P = 175B, T = 300B tokens) on n = 1024 A100s at
    X = 140 TFLOP/s takes 8·T·P/(n·X) ≈ 34 days with activation recomputation."""
    cost = compute("training", {"params": 175e9, "tokens": 300e9})
    days = cost.extra["recompute_flops"] / (1024 * 140e12) / 86400
    assert round(days) == 34
    assert cost.extra["recompute_flops"] / cost.flops == pytest.approx(8 / 6)
