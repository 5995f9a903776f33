"""The cost models against independent computations.

Nothing here re-derives a model's own formula: FLOPs come from numpy.einsum_path's
count or from the shapes of the matrix products actually executed by a small numpy
version of the operation; memory from ndarray.nbytes; headline figures from papers.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from engine.costs import OPS, CostError, compute, quantities

RNG = np.random.default_rng(0)


try:  # numpy >= 2
    from numpy._core.einsumfunc import _flop_count
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.einsumfunc import _flop_count


def einsum_flops(subscripts: str, *shapes: tuple[int, ...]) -> int:
    """numpy's own FLOP estimate for one contraction: what einsum_path reports, unrounded.

    einsum_path prints its count rounded to four digits, so the exact figure is taken
    from the helper it prints (the same numbers, before formatting).
    """
    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes, strict=True):
        sizes.update(zip(term, shape, strict=True))
    indices = set("".join(terms))
    report = np.einsum_path(subscripts, *[np.ones(s, np.float32) for s in shapes], optimize=False)
    count = _flop_count(indices, bool(indices - set(output)), len(terms), sizes)
    printed = float(re.search(r"Naive FLOP count:\s+([\d.e+]+)", report[1]).group(1))
    assert count == pytest.approx(printed, rel=1e-3)
    return count


class CountingMatmul:
    """Runs real matrix products and adds up 2·m·k·n for each, from the arrays' shapes."""

    def __init__(self) -> None:
        self.flops = 0

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a @ b
        batch = math.prod(out.shape[:-2]) if out.ndim > 2 else 1
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        self.flops += 2 * batch * m * k * n
        return out


# ---------------------------------------------------------------- matmul and softmax


@pytest.mark.parametrize(("m", "k", "n"), [(3, 5, 7), (64, 32, 16), (1, 1000, 1)])
def test_matmul_flops_match_einsum_path(m, k, n):
    cost = compute("matmul", {"m": m, "k": k, "n": n})
    assert cost.flops == einsum_flops("ij,jk->ik", (m, k), (k, n))
    assert cost.macs * 2 == cost.flops


def test_matmul_exact_count_matches_loop_operations():
    m, k, n = 4, 6, 5
    a, b = RNG.random((m, k)), RNG.random((k, n))
    ops = 0
    c = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            acc = a[i, 0] * b[0, j]
            ops += 1
            for t in range(1, k):
                acc += a[i, t] * b[t, j]
                ops += 2
            c[i, j] = acc
    np.testing.assert_allclose(c, a @ b)
    assert compute("matmul", {"m": m, "k": k, "n": n}).extra["exact_flops"] == ops


def test_matmul_memory_matches_nbytes():
    m, k, n = 30, 20, 10
    a, b = np.ones((m, k), np.float16), np.ones((k, n), np.float16)
    cost = compute("matmul", {"m": m, "k": k, "n": n}, dtype="fp16")
    assert cost.bytes["a"] == a.nbytes
    assert cost.bytes["c"] == (a @ b).nbytes
    assert cost.bytes["total"] == a.nbytes + b.nbytes + (a @ b).nbytes


class CountedArray(np.ndarray):
    """An ndarray that counts one operation per output element of every ufunc call."""

    ops = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raw = [x.view(np.ndarray) if isinstance(x, CountedArray) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) for o in kwargs["out"])
        result = getattr(ufunc, method)(*raw, **kwargs)
        if method == "reduce":
            CountedArray.ops += raw[0].size  # one op per element reduced (max or sum)
        else:
            CountedArray.ops += np.size(result)
        return result.view(CountedArray) if isinstance(result, np.ndarray) else result


def test_softmax_flops_match_counted_numpy_run():
    rows, cols = 6, 9
    x = RNG.random((rows, cols)).view(CountedArray)
    CountedArray.ops = 0
    z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    _ = e / np.sum(e, axis=-1, keepdims=True)
    assert compute("softmax", {"rows": rows, "cols": cols}).flops == CountedArray.ops


def test_softmax_convention_is_an_option():
    assert compute("softmax", {"rows": 2, "cols": 3}, softmax_flops=3).flops == 18
    with pytest.raises(CostError, match="no option"):
        compute("softmax", {}, bogus=1)


# ---------------------------------------------------------------- attention


SDPA = {"b": 2, "h": 3, "nq": 5, "nk": 7, "dk": 4, "dv": 6}


def test_sdpa_matmul_flops_match_einsum_path():
    b, h, nq, nk, dk, dv = SDPA.values()
    cost = compute("sdpa", SDPA)
    qk = einsum_flops("bhqd,bhkd->bhqk", (b, h, nq, dk), (b, h, nk, dk))
    pv = einsum_flops("bhqk,bhkv->bhqv", (b, h, nq, nk), (b, h, nk, dv))
    assert cost.extra["qk_flops"] == qk
    assert cost.extra["pv_flops"] == pv
    assert cost.flops == qk + pv  # default convention: torch's counter, matmuls only


def test_sdpa_memory_matches_arrays_actually_built():
    b, h, nq, nk, dk, dv = SDPA.values()
    q = RNG.random((b, h, nq, dk)).astype(np.float16)
    k = RNG.random((b, h, nk, dk)).astype(np.float16)
    v = RNG.random((b, h, nk, dv)).astype(np.float16)
    s = (q @ k.swapaxes(-1, -2)) / np.float16(math.sqrt(dk))
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = p @ v
    cost = compute("sdpa", SDPA, dtype="fp16")
    assert cost.bytes["scores"] == s.nbytes
    assert cost.bytes["probs"] == p.nbytes
    assert cost.bytes["output"] == o.nbytes
    assert cost.bytes["total"] == sum(a.nbytes for a in (q, k, v, s, p, o))


def test_sdpa_causal_counts_only_unmasked_pairs():
    n = 9
    params = {**SDPA, "nq": n, "nk": n, "causal": 1}
    unmasked = int(np.tril(np.ones((n, n), bool)).sum())
    b, h, dk, dv = SDPA["b"], SDPA["h"], SDPA["dk"], SDPA["dv"]
    assert compute("sdpa", params).flops == 2 * b * h * unmasked * (dk + dv)
    full = compute("sdpa", params, causal_flops="full").flops
    assert full == compute("sdpa", {**params, "causal": 0}).flops


def test_sdpa_backward_is_two_and_a_half_forward_when_dk_equals_dv():
    """torch.utils.flop_counter: backward = 2.5× the forward matmuls when dk = dv."""
    cost = compute("sdpa", {**SDPA, "dv": SDPA["dk"]})
    assert cost.extra["backward_flops"] == pytest.approx(2.5 * cost.flops)


def test_sdpa_counts_scale_and_softmax_only_when_asked():
    base = compute("sdpa", SDPA).flops
    scores = SDPA["b"] * SDPA["h"] * SDPA["nq"] * SDPA["nk"]
    assert compute("sdpa", SDPA, count_scale=True).flops == base + scores
    assert compute("sdpa", SDPA, softmax_flops=3).flops == base + 3 * scores


def numpy_mha(x, w, h, matmul):
    b, n, d = x.shape
    q, k, v = (matmul(x, w[i]) for i in range(3))

    def heads(t):
        return t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

    q, k, v = heads(q), heads(k), heads(v)
    s = matmul(q, k.swapaxes(-1, -2)) / math.sqrt(d // h)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = matmul(p, v).transpose(0, 2, 1, 3).reshape(b, n, d)
    return matmul(o, w[3]), s


@pytest.mark.parametrize(("b", "n", "d", "h"), [(1, 8, 16, 4), (2, 5, 12, 3), (3, 7, 8, 1)])
def test_mha_flops_match_a_counted_numpy_run(b, n, d, h):
    counter = CountingMatmul()
    x = RNG.random((b, n, d))
    w = RNG.random((4, d, d))
    _, scores = numpy_mha(x, w, h, counter)
    cost = compute("mha", {"b": b, "n": n, "d": d, "h": h})
    assert cost.flops == counter.flops
    assert cost.memory["scores"] == scores.size  # heads grow score memory


def test_mha_heads_do_not_change_flops_but_grow_score_memory():
    one = compute("mha", {"b": 1, "n": 64, "d": 64, "h": 1})
    eight = compute("mha", {"b": 1, "n": 64, "d": 64, "h": 8})
    assert one.flops == eight.flops
    assert eight.memory["scores"] == 8 * one.memory["scores"]


def test_mha_rejects_indivisible_heads():
    with pytest.raises(CostError, match="divisible"):
        compute("mha", {"d": 100, "h": 3})


# ---------------------------------------------------------------- layers and models


@pytest.mark.parametrize(("b", "s", "d"), [(1, 2048, 4096), (4, 512, 1024), (2, 7, 12)])
def test_layer_matches_megatron_formula(b, s, d):
    """Narayanan et al. 2021: forward = 24·b·s·d² + 4·b·s²·d (ffn = 4)."""
    assert compute("layer", {"b": b, "s": s, "d": d}).flops == 24 * b * s * d**2 + 4 * b * s**2 * d


def test_layer_matches_counted_run_with_other_expansion():
    b, s, d, ffn = 2, 6, 8, 3
    mm = CountingMatmul()
    x = RNG.random((b, s, d))
    w = RNG.random((4, d, d))
    attn, _ = numpy_mha(x, w, 2, mm)
    up = mm(attn, RNG.random((d, ffn * d)))
    mm(np.maximum(up, 0), RNG.random((ffn * d, d)))
    cost = compute("layer", {"b": b, "s": s, "d": d, "ffn": ffn})
    assert cost.flops == mm.flops
    assert cost.extra["training_flops"] == 3 * cost.flops


def test_published_layer_example_from_facts():
    cost = compute("layer", {"b": 1, "s": 2048, "d": 4096})
    assert cost.extra["mlp_up_flops"] + cost.extra["mlp_down_flops"] == 16 * 2048 * 4096**2
    assert pytest.approx(8.25e11, rel=1e-3) == 24 * 2048 * 4096**2
    assert cost.flops - 24 * 2048 * 4096**2 == pytest.approx(6.87e10, rel=1e-3)


def test_rnn_flops_match_counted_run():
    n, d = 9, 5
    mm = CountingMatmul()
    wh, wx = RNG.random((d, d)), RNG.random((d, d))
    x = RNG.random((n, 1, d))
    state = np.zeros((1, d))
    for t in range(n):
        state = np.tanh(mm(state, wh) + mm(x[t], wx))
    assert compute("rnn", {"n": n, "d": d}).flops == mm.flops


def _einsum_rnn(x: np.ndarray, wx: np.ndarray, wh: np.ndarray) -> tuple[np.ndarray, int]:
    """An Elman RNN written as einsums over a batch; returns its states and the FLOPs
    einsum_path counts for every contraction it runs (one input projection, n steps)."""
    b, n, _ = x.shape
    d = wh.shape[0]
    flops = einsum_flops("bni,id->bnd", x.shape, wx.shape)
    xw = np.einsum("bni,id->bnd", x, wx)
    h, states = np.zeros((b, d)), []
    for t in range(n):
        flops += einsum_flops("bj,jd->bd", (b, d), wh.shape)
        h = np.tanh(xw[:, t] + np.einsum("bj,jd->bd", h, wh))
        states.append(h)
    return np.stack(states, axis=1), flops


@pytest.mark.parametrize(("b", "n", "d"), [(1, 7, 5), (3, 9, 4), (8, 4, 6)])
def test_rnn_flops_scale_with_the_batch_kernels_rnn_layer_runs(b, n, d):
    """The model's FLOPs for a batch of b sequences, against einsum_path's count of the same
    recurrence as engine.kernels.rnn_layer runs it on a batched input (same states)."""
    from engine.kernels import rnn_layer

    x = RNG.standard_normal((b, n, d))
    wx, wh = RNG.standard_normal((d, d)) / d, RNG.standard_normal((d, d)) / d
    states, counted = _einsum_rnn(x, wx, wh)
    np.testing.assert_allclose(rnn_layer(x, wx, wh), states, rtol=1e-12, atol=1e-12)
    cost = compute("rnn", {"b": b, "n": n, "d": d})
    assert cost.flops == counted
    assert cost.macs == counted / 2
    assert cost.memory["states"] == states.size
    assert (cost.extra["sequential_ops"], cost.extra["path_length"]) == (n, n)  # not b·n


def test_conv_flops_match_einsum_path_over_windows():
    n, d, k = 11, 4, 3
    assert compute("conv", {"n": n, "d": d, "k": k}).flops == einsum_flops(
        "nkc,kcd->nd", (n, k, d), (k, d, d)
    )


def test_table1_rows():
    """Vaswani et al. 2017, Table 1: complexity, sequential operations, path length."""
    n, d, k, r = 1000, 64, 3, 16
    attn = compute("self_attention", {"n": n, "d": d})
    rnn = compute("rnn", {"n": n, "d": d})
    conv = compute("conv", {"n": n, "d": d, "k": k})
    restricted = compute("restricted", {"n": n, "d": d, "r": r})
    assert attn.extra["qk_macs"] == n**2 * d
    assert (attn.extra["sequential_ops"], attn.extra["path_length"]) == (1, 1)
    assert (rnn.extra["sequential_ops"], rnn.extra["path_length"]) == (n, n)
    assert rnn.macs == 2 * n * d**2
    assert conv.macs == k * n * d**2
    assert conv.extra["sequential_ops"] == 1
    assert conv.extra["path_dilated"] == pytest.approx(math.log(n, k))
    assert conv.extra["path_contiguous"] == pytest.approx(n / k)
    assert restricted.macs == 2 * r * n * d
    assert restricted.extra["path_length"] == pytest.approx(n / r)
    assert [c.big_o for c in (attn, rnn, conv, restricted)] == [
        "O(n²·d)",
        "O(b·n·d²)",  # Table 1's O(n·d²) for one sequence, b = 1
        "O(k·n·d²)",
        "O(r·n·d)",
    ]


def test_attention_cheaper_than_recurrence_example():
    """facts.md: n = 100, d = 512 gives n²·d = 5,120,000 against n·d² = 26,214,400."""
    assert compute("self_attention", {"n": 100, "d": 512}).extra["qk_macs"] == 5_120_000
    assert compute("rnn", {"n": 100, "d": 512}).extra["hidden_flops"] / 2 == 26_214_400


def test_separable_conv_matches_einsum_paths():
    n, d, k = 10, 6, 3
    depth = einsum_flops("nkc,kc->nc", (n, k, d), (k, d))
    point = einsum_flops("nc,cd->nd", (n, d), (d, d))
    assert compute("separable_conv", {"n": n, "d": d, "k": k}).flops == depth + point


@pytest.mark.parametrize(
    ("config", "per_token"),
    [
        # Llama 2 7B: 32 layers, 32 heads of 128 (MHA): 0.5 MiB per token in fp16.
        ({"layers": 32, "kv_heads": 32, "d_head": 128}, 512 * 1024),
        # Llama 2 70B: 80 layers, GQA with 8 KV heads of 128: 320 KiB per token in fp16.
        ({"layers": 80, "kv_heads": 8, "d_head": 128}, 320 * 1024),
    ],
)
def test_kv_cache_published_configs(config, per_token):
    cost = compute("kv_cache", {**config, "tokens": 4096, "batch": 2}, dtype="fp16")
    assert cost.bytes["per_token"] == per_token
    assert cost.bytes["total"] == per_token * 4096 * 2


def test_kv_cache_matches_nbytes_for_mha_gqa_mqa():
    layers, d_head, tokens, batch = 3, 8, 5, 2
    for kv_heads in (4, 2, 1):
        cache = np.zeros((layers, 2, batch, kv_heads, tokens, d_head), dtype=np.float16)
        params = {"layers": layers, "kv_heads": kv_heads, "d_head": d_head}
        cost = compute("kv_cache", {**params, "tokens": tokens, "batch": batch, "dtype": "fp16"})
        assert cost.bytes["total"] == cache.nbytes


def test_training_matches_gpt3_published_compute():
    """GPT-3 175B on 300B tokens: 3.14e23 FLOPs (Brown et al. 2020, Table D.1)."""
    cost = compute("training", {"params": 175e9, "tokens": 300e9})
    assert cost.flops == pytest.approx(3.14e23, rel=0.01)


def test_inference_two_flops_per_parameter_plus_attention():
    plain = compute("inference", {"params": 7e9, "tokens": 10})
    assert plain.flops == 2 * 7e9 * 10
    ctx = compute("inference", {"params": 7e9, "tokens": 1, "n": 2048, "d": 4096, "layers": 32})
    assert ctx.flops - 2 * 7e9 == 2 * 32 * 2048 * 4096  # Kaplan et al. 2020, Table 1


def test_flash_same_flops_linear_extra_memory():
    std = compute("sdpa", {"b": 1, "h": 1, "nq": 4096, "nk": 4096, "dk": 64, "dv": 64})
    flash = compute("flash", {"n": 4096, "d": 64, "sram": 100_000})
    assert flash.flops == std.flops  # FlashAttention does not reduce FLOPs
    small = compute("flash", {"n": 1024, "d": 64, "sram": 100_000})
    assert flash.extra["extra_memory"] / small.extra["extra_memory"] == 4  # linear in n
    assert flash.extra["hbm_flash"] < flash.extra["hbm_standard"]  # M > d², as on a GPU


def test_linear_attention_flops_match_einsum_paths():
    n, d = 13, 5
    kv = einsum_flops("nd,ne->de", (n, d), (n, d))
    num = einsum_flops("nd,de->ne", (n, d), (d, d))
    den = einsum_flops("nd,d->n", (n, d), (d,))
    ksum = n * d  # adding up n rows of d
    assert compute("linear", {"n": n, "d": d}).flops == kv + num + den + ksum


def test_linformer_flops_match_einsum_paths():
    n, d, k = 20, 4, 6
    proj = 2 * einsum_flops("kn,nd->kd", (k, n), (n, d))
    qk = einsum_flops("nd,kd->nk", (n, d), (k, d))
    pv = einsum_flops("nk,kd->nd", (n, k), (k, d))
    assert compute("linformer", {"n": n, "d": d, "k": k}).flops == proj + qk + pv


def test_window_and_sparse_pairs_match_masks():
    n, w, g = 64, 8, 2
    i, j = np.indices((n, n))
    band = ((j - i) % n < w // 2 + 1) | ((i - j) % n < w // 2)  # w keys per query, wrapping
    glob = (i < g) | (j < g)
    assert band.sum(1).tolist() == [w] * n
    window = compute("window", {"n": n, "d": 4, "w": w, "g": g})
    assert window.extra["pairs"] == band.sum() + 2 * g * n
    assert (band | glob).sum() <= window.extra["pairs"]  # overlaps are counted twice
    stride = 8  # sqrt(64)
    strided = ((i - j) % n < stride) | ((i - j) % stride == 0)
    sparse = compute("sparse", {"n": n, "d": 4})
    assert sparse.extra["keys_per_query"] == 2 * stride
    assert strided.sum(1).max() <= sparse.extra["keys_per_query"]


def softmax_rows(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_distance_attention_needs_only_key_norms():
    nq, nk, d, dv = 4, 6, 3, 2
    q, k = RNG.random((nq, d)), RNG.random((nk, d))
    full = -0.5 * ((q[:, None, :] - k[None, :, :]) ** 2).sum(-1)
    short = q @ k.T - 0.5 * (k**2).sum(-1)
    np.testing.assert_allclose(softmax_rows(full), softmax_rows(short))
    cost = compute("distance_attention", {"nq": nq, "nk": nk, "d": d, "dv": dv})
    assert cost.extra["qk_flops"] == einsum_flops("qd,kd->qk", (nq, d), (nk, d))
    assert cost.memory["key_norms"] == nk


def test_proj_attention_orders_match_einsum_paths():
    nq, nk, dq, dk, dv = 3, 50, 4, 6, 2
    shapes = {"nq": nq, "nk": nk, "dq": dq, "dk": dk, "dv": dv}
    queries_first = einsum_flops("qa,ab->qb", (nq, dq), (dq, dk)) + einsum_flops(
        "qb,kb->qk", (nq, dk), (nk, dk)
    )
    keys_first = einsum_flops("kb,ab->ka", (nk, dk), (dq, dk)) + einsum_flops(
        "qa,ka->qk", (nq, dq), (nk, dq)
    )
    pv = einsum_flops("qk,kv->qv", (nq, nk), (nk, dv))
    assert compute("proj_attention", shapes).flops == queries_first + pv
    assert compute("proj_attention", shapes, order="keys").flops == keys_first + pv


def test_lsh_grows_like_n_log_n():
    small = compute("lsh", {"n": 2**12})
    big = compute("lsh", {"n": 2**16})
    assert big.extra["sort_ops"] / small.extra["sort_ops"] == pytest.approx(16 * 16 / 12)


# ---------------------------------------------------------------- API contract


def test_every_op_computes_with_defaults_and_states_big_o():
    for name, op in OPS.items():
        cost = compute(name)
        assert cost.big_o.startswith("O("), name
        assert cost.steps, name
        assert set(cost.params) == {p.name for p in op.params}
        for q in quantities(name):
            cost.quantity(q)


def test_bad_input_names_valid_choices():
    with pytest.raises(CostError, match="choose one of: matmul"):
        compute("nope")
    with pytest.raises(CostError, match="parameters: m, k, n"):
        compute("matmul", {"x": 1})
    with pytest.raises(CostError, match="positive"):
        compute("matmul", {"m": 0})
    with pytest.raises(CostError, match="dtype"):
        compute("matmul", dtype="fp13")
    with pytest.raises(CostError, match="whole number"):
        compute("matmul", {"m": 2.5})


def test_large_counts_are_exact_integers():
    cost = compute("training", {"params": 70e9, "tokens": 1.4e12})
    assert cost.flops == 6 * 70 * 10**9 * 14 * 10**11


def test_an_op_registered_next_to_its_builder_is_computable_and_listed():
    """The `@op` decorator is the whole registration: a new op is usable at once."""
    from engine import costs

    @costs.op(
        "_test_square",
        "Square matrix product",
        params=(costs.Param("n", 4, "size"),),
        check=lambda v: None if v["n"] < 100 else _raise(CostError("n must be below 100")),
    )
    def _square(s, opt):  # type: ignore[no-untyped-def]
        st = costs._Steps()
        st.matmul("mm", "n×n times n×n", s["n"], s["n"], s["n"])
        return st.model({"c": s["n"] ** 2}, "O(n³)", "O(n²)")

    try:
        a = np.ones((3, 3))
        assert compute("_test_square", {"n": 3}).flops == 2 * a.shape[0] ** 3
        with pytest.raises(CostError, match="below 100"):
            compute("_test_square", {"n": 100})
        with pytest.raises(ValueError, match="registered twice"):
            costs.op("_test_square", "again", params=())(_square)
    finally:
        del OPS["_test_square"]


def _raise(error: Exception) -> None:
    raise error
