"""Kernels against independent references: naive loops and formulas written out directly."""

from __future__ import annotations

import math
import threading
import tracemalloc

import numpy as np
import pytest

from engine import kernels as K

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-11}


def rand(rng: np.random.Generator, *shape: int, dtype=np.float64) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def ref_attention(q, k, v, *, causal=False, allowed=None, score=None):
    """Row-by-row attention in float64 with explicit loops over queries and keys."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    nq, nk = q.shape[0], k.shape[0]
    out = np.zeros((nq, v.shape[1]))
    for i in range(nq):
        keys = [
            j for j in range(nk) if (not causal or j <= i) and (allowed is None or allowed(i, j))
        ]
        if score is None:
            s = [float(q[i] @ k[j]) / math.sqrt(q.shape[1]) for j in keys]
        else:
            s = [score(q[i], k[j]) for j in keys]
        m = max(s)
        w = [math.exp(x - m) for x in s]
        tot = sum(w)
        for wj, j in zip(w, keys, strict=True):
            out[i] += wj / tot * v[j]
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_loops_and_blas_match_a_written_out_product(dtype):
    rng = np.random.default_rng(1)
    a, b = rand(rng, 5, 7, dtype=dtype), rand(rng, 7, 3, dtype=dtype)
    expected = np.array(
        [
            [sum(float(a[i, p]) * float(b[p, j]) for p in range(7)) for j in range(3)]
            for i in range(5)
        ]
    )
    for fn in (K.matmul_loops, K.matmul):
        got = fn(a, b)
        assert got.dtype == dtype and got.shape == (5, 3)
        np.testing.assert_allclose(got, expected, rtol=TOL[dtype], atol=TOL[dtype])


def test_matmul_loops_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="matrices"):
        K.matmul_loops(np.ones((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_stable_and_sums_to_one(dtype):
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    p = K.softmax(x)
    assert p.dtype == dtype and np.all(np.isfinite(p))
    e = np.exp(np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=TOL[dtype])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_loops(dtype, causal):
    rng = np.random.default_rng(2)
    q, k, v = (
        rand(rng, 7, 5, dtype=dtype),
        rand(rng, 7, 5, dtype=dtype),
        rand(rng, 7, 3, dtype=dtype),
    )
    got = K.attention(q, k, v, causal=causal)
    assert got.dtype == dtype
    np.testing.assert_allclose(
        got, ref_attention(q, k, v, causal=causal), rtol=10 * TOL[dtype], atol=10 * TOL[dtype]
    )
    if causal:  # the first query sees only the first key
        np.testing.assert_allclose(got[0], v[0], rtol=TOL[dtype])


def test_attention_is_batched_over_leading_dimensions():
    rng = np.random.default_rng(3)
    q, k, v = rand(rng, 2, 3, 6, 4), rand(rng, 2, 3, 9, 4), rand(rng, 2, 3, 9, 2)
    got = K.attention(q, k, v)
    assert got.shape == (2, 3, 6, 2)
    np.testing.assert_allclose(got[1, 2], ref_attention(q[1, 2], k[1, 2], v[1, 2]), atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multihead_reshape_equals_loop_over_heads_and_a_manual_head(dtype):
    rng = np.random.default_rng(4)
    n, d, h = 6, 8, 4
    x = rand(rng, n, d, dtype=dtype)
    ws = [rand(rng, d, d, dtype=dtype) / math.sqrt(d) for _ in range(4)]
    fast = K.multihead_attention(x, *ws, h)
    loop = K.multihead_attention_loop(x, *ws, h)
    np.testing.assert_allclose(fast, loop, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    # Independent: concatenate per-head reference attention on column slices, then project.
    dh = d // h
    heads = [
        ref_attention(
            x @ ws[0][:, i * dh : (i + 1) * dh],
            x @ ws[1][:, i * dh : (i + 1) * dh],
            x @ ws[2][:, i * dh : (i + 1) * dh],
        )
        for i in range(h)
    ]
    np.testing.assert_allclose(fast, np.concatenate(heads, axis=1) @ ws[3], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="divisible"):
        K.multihead_attention(x, *ws, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("r", "causal"), [(1, False), (3, False), (4, False), (5, True), (50, False)]
)
def test_restricted_attention_matches_banded_loops(dtype, r, causal):
    rng = np.random.default_rng(5)
    n = 11
    q, k, v = (
        rand(rng, n, 4, dtype=dtype),
        rand(rng, n, 4, dtype=dtype),
        rand(rng, n, 3, dtype=dtype),
    )
    lo = r - 1 if causal else r // 2

    def allowed(i, j):
        return i - lo <= j <= i - lo + r - 1

    got = K.restricted_attention(q, k, v, r, causal=causal)
    assert got.dtype == dtype
    np.testing.assert_allclose(
        got, ref_attention(q, k, v, allowed=allowed), rtol=10 * TOL[dtype], atol=10 * TOL[dtype]
    )
    if r >= 2 * n:
        np.testing.assert_allclose(
            got, K.attention(q, k, v), rtol=10 * TOL[dtype], atol=10 * TOL[dtype]
        )


def test_distance_attention_uses_minus_half_squared_distance():
    rng = np.random.default_rng(6)
    q, k, v = rand(rng, 5, 3), rand(rng, 8, 3), rand(rng, 8, 2)
    ref = ref_attention(q, k, v, score=lambda a, b: -0.5 * float(np.sum((a - b) ** 2)))
    np.testing.assert_allclose(K.distance_attention(q, k, v), ref, atol=1e-12)
    got32 = K.distance_attention(q.astype(np.float32), k.astype(np.float32), v.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, ref, atol=1e-5)


def test_proj_attention_with_different_query_and_key_sizes():
    rng = np.random.default_rng(7)
    q, k, v, w = rand(rng, 4, 3), rand(rng, 6, 5), rand(rng, 6, 2), rand(rng, 3, 5)
    ref = ref_attention(q, k, v, score=lambda a, b: float(a @ w @ b))
    np.testing.assert_allclose(K.proj_attention(q, k, v, w), ref, atol=1e-12)
    with pytest.raises(ValueError, match="dq, dk"):
        K.proj_attention(q, k, v, w.T)


@pytest.mark.parametrize("dtype", DTYPES)
def test_additive_attention_matches_bahdanau_formula(dtype):
    rng = np.random.default_rng(8)
    q, k, v = (
        rand(rng, 4, 3, dtype=dtype),
        rand(rng, 6, 5, dtype=dtype),
        rand(rng, 6, 2, dtype=dtype),
    )
    wq, wk, wv = (
        rand(rng, 3, 7, dtype=dtype),
        rand(rng, 5, 7, dtype=dtype),
        rand(rng, 7, dtype=dtype),
    )
    ref = ref_attention(q, k, v, score=lambda a, b: float(wv @ np.tanh(a @ wq + b @ wk)))
    got = K.additive_attention(q, k, v, wq, wk, wv)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=20 * TOL[dtype], atol=20 * TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_rnn_layer_matches_step_by_step_loop(dtype):
    rng = np.random.default_rng(9)
    n, din, d = 5, 3, 4
    x, wx, wh, b = (
        rand(rng, n, din, dtype=dtype),
        rand(rng, din, d, dtype=dtype),
        rand(rng, d, d, dtype=dtype),
        rand(rng, d, dtype=dtype),
    )
    h = np.zeros(d)
    expected = []
    for t in range(n):
        h = np.array(
            [
                math.tanh(
                    sum(float(x[t, i]) * float(wx[i, j]) for i in range(din))
                    + sum(h[i] * float(wh[i, j]) for i in range(d))
                    + float(b[j])
                )
                for j in range(d)
            ]
        )
        expected.append(h)
    got = K.rnn_layer(x, wx, wh, b)
    assert got.dtype == dtype and got.shape == (n, d)
    np.testing.assert_allclose(got, np.array(expected), rtol=10 * TOL[dtype], atol=10 * TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kk", [1, 2, 3, 4, 7])
def test_conv1d_layer_keeps_length_and_matches_loops(dtype, kk):
    rng = np.random.default_rng(10)
    n, cin, cout = 6, 3, 2
    x, w, b = (
        rand(rng, n, cin, dtype=dtype),
        rand(rng, kk, cin, cout, dtype=dtype),
        rand(rng, cout, dtype=dtype),
    )
    left = (kk - 1) // 2
    expected = np.zeros((n, cout))
    for t in range(n):
        for o in range(cout):
            acc = float(b[o])
            for j in range(kk):
                src = t - left + j
                if 0 <= src < n:
                    acc += sum(float(x[src, c]) * float(w[j, c, o]) for c in range(cin))
            expected[t, o] = acc
    got = K.conv1d_layer(x, w, b)
    assert got.shape == (n, cout) and got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block", [None, 1, 7, (16, 5), (3, 64), (64, 4096)])
def test_flash_attention_equals_attention(dtype, causal, block):
    rng = np.random.default_rng(11)
    q, k, v = (
        rand(rng, 2, 37, 8, dtype=dtype),
        rand(rng, 2, 37, 8, dtype=dtype),
        rand(rng, 2, 37, 5, dtype=dtype),
    )
    got = K.flash_attention(q, k, v, causal=causal, block=block)
    assert got.dtype == dtype and got.shape == (2, 37, 5)
    np.testing.assert_allclose(
        got, K.attention(q, k, v, causal=causal), rtol=10 * TOL[dtype], atol=10 * TOL[dtype]
    )
    np.testing.assert_allclose(
        got[1],
        ref_attention(q[1], k[1], v[1], causal=causal),
        rtol=10 * TOL[dtype],
        atol=10 * TOL[dtype],
    )


@pytest.mark.parametrize("causal", [False, True])
def test_flash_attention_threaded_path_on_odd_sizes(causal):
    rng = np.random.default_rng(12)
    n = 1531 if causal else 1283
    nk = n if causal else 1777
    q, k, v = (
        rand(rng, n, 32, dtype=np.float32),
        rand(rng, nk, 32, dtype=np.float32),
        rand(rng, nk, 16, dtype=np.float32),
    )
    q *= 3  # peaky softmax rows exercise the running-max rescaling
    ref = K.attention(
        q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal=causal
    )
    for block in [None, (100, 333)]:
        got = K.flash_attention(q, k, v, causal=causal, block=block)
        np.testing.assert_allclose(got, ref, atol=5e-5)


def test_flash_attention_large_scores_do_not_overflow():
    q = np.full((3, 4), 30.0, dtype=np.float32)
    k = np.array([[30.0] * 4, [-30.0] * 4, [29.0] * 4], dtype=np.float32)
    v = np.eye(3, dtype=np.float32)
    got = K.flash_attention(q, k, v, block=1)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, K.attention(q, k, v), atol=1e-6)


@pytest.mark.parametrize(
    ("first", "later"),
    [
        (1.0, 60.0),  # in the band, then above it: switch to the running max mid-row
        (-100.0, -90.0),  # every score far below the band: exp(s) alone would underflow to 0
        (-100.0, 5.0),  # below, then inside
        (30.0, -200.0),  # inside, then far below
    ],
)
def test_flash_attention_shifts_only_when_the_scores_need_it(first, later):
    """Scores on both sides of the ±40 band where exp needs no shift, across key blocks."""
    d, n = 4, 8
    q = np.full((3, d), 1.0, dtype=np.float32)
    unit = np.full(d, 1.0 / d, dtype=np.float32)  # q·unit = 1; scores are scaled by 1/√d
    rows = [first * np.sqrt(d) * unit * (1 + i / 10) for i in range(n // 2)]
    rows += [later * np.sqrt(d) * unit * (1 + i / 10) for i in range(n // 2)]
    k = np.array(rows, dtype=np.float32)
    v = np.random.default_rng(0).standard_normal((n, 3)).astype(np.float32)
    want = K.attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64))
    for block in [(3, 4), (1, 2), (3, 8)]:
        got = K.flash_attention(q, k, v, block=block)
        assert np.all(np.isfinite(got)), block
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=str(block))


def _peak(fn) -> int:
    K.release_scratch()  # buffers kept from earlier calls count in the call measured
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_flash_memory_grows_linearly_while_attention_grows_quadratically():
    rng = np.random.default_rng(13)
    peaks = {}
    for n in (512, 1024):
        q, k, v = (rand(rng, n, 16, dtype=np.float32) for _ in range(3))
        peaks[n] = (
            _peak(lambda q=q, k=k, v=v: K.attention(q, k, v)),
            _peak(lambda q=q, k=k, v=v: K.flash_attention(q, k, v, block=(64, 128))),
        )
    att_ratio = peaks[1024][0] / peaks[512][0]
    flash_ratio = peaks[1024][1] / peaks[512][1]
    assert 3.5 < att_ratio < 4.5  # n² scores
    assert flash_ratio < 2.5  # O(n) extra
    assert peaks[1024][1] * 8 < peaks[1024][0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_matches_explicit_kernel_weights(dtype, causal):
    rng = np.random.default_rng(14)
    n = 13
    q, k, v = (
        rand(rng, n, 4, dtype=dtype),
        rand(rng, n, 4, dtype=dtype),
        rand(rng, n, 3, dtype=dtype),
    )

    def phi(x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, x + 1, np.exp(x))  # elu(x) + 1

    a = phi(q) @ phi(k).T
    if causal:
        a = np.tril(a)
    expected = (a @ v) / a.sum(axis=1, keepdims=True)
    got = K.linear_attention(q, k, v, causal=causal, chunk=4)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])


def test_lsh_attention_with_one_bucket_is_exact_and_otherwise_close_on_clustered_data():
    rng = np.random.default_rng(15)
    q, k, v = rand(rng, 40, 8), rand(rng, 40, 8), rand(rng, 40, 3)
    np.testing.assert_allclose(
        K.lsh_attention(q, k, v, n_buckets=1), ref_attention(q, k, v), atol=1e-12
    )
    # Two well-separated clusters, keys = queries: attention mass stays inside each cluster,
    # which is exactly what LSH buckets keep.
    centres = np.array([[6.0] * 8, [-6.0] * 8])
    x = np.concatenate([centres[0] + 1e-3 * rand(rng, 20, 8), centres[1] + 1e-3 * rand(rng, 20, 8)])
    vals = rand(rng, 40, 3)
    exact = ref_attention(x, x, vals)
    for seed in range(5):
        approx = K.lsh_attention(x, x, vals, n_buckets=2, n_hashes=2, seed=seed)
        np.testing.assert_allclose(approx, exact, atol=1e-6)
    # Each output is a convex combination of value rows.
    out = K.lsh_attention(q, k, v, n_buckets=4, n_hashes=3)
    assert np.all(out <= v.max(axis=0) + 1e-12) and np.all(out >= v.min(axis=0) - 1e-12)


def test_flash_attention_leaves_blas_threading_as_it_found_it(monkeypatch):
    """Flash runs BLAS single-threaded inside its own pool; every later matmul must get all
    cores (read back through threadpoolctl's own view of the loaded libraries)."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]

    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2048, 32)).astype(np.float32) for _ in range(3))
    if K._pool()[0] is None:
        pytest.skip("no BLAS thread control or one core here: flash runs single-threaded")
    before = blas_threads()
    seen: list[list[int]] = []
    real = K._flash_worker

    def spy(job, tasks):
        seen.append(blas_threads())
        real(job, tasks)

    monkeypatch.setattr(K, "_flash_worker", spy)
    K.flash_attention(q, k, v)
    assert seen and all(counts and set(counts) == {1} for counts in seen)  # one thread inside
    assert blas_threads() == before  # and as it was after


@pytest.mark.parametrize(
    ("nq", "nk", "bq", "bk", "tile"),
    [
        (37, 37, 7, 7, 3),
        (300, 300, 64, 128, 32),
        (1000, 1000, 512, 512, 128),
        (90, 40, 16, 5, 2),
        (700, 700, 300, 200, 128),
        (40, 90, 16, 5, 3),
    ],
)
def test_causal_key_tiles_cover_each_visible_score_once_and_skip_masked_blocks(
    nq, nk, bq, bk, tile
):
    """Every (query i, key j ≤ i) pair is computed exactly once, each row meets its keys in
    increasing order starting at key 0 (where its softmax state starts); masked work is one
    thin triangle per key strip, never a key block wholly above the diagonal."""
    count = np.zeros((nq, nk), dtype=int)
    for i0 in range(0, nq, bq):
        i1 = min(i0 + bq, nq)
        last_key = {}
        for r0, r1, j0, j1 in K.key_tiles(i0, i1, nk, bk, causal=True, tile=tile):
            assert i0 <= r0 < r1 <= i1 and 0 <= j0 < j1 <= nk
            assert j0 <= r0  # the tile's first row sees its first key: no row wholly hidden
            whole = (r0, r1) == (i0, i1) and j1 <= i0  # keys every row of the block sees
            assert whole or (r1 == i1 and r0 == j0 and j1 - j0 <= tile)  # or one key strip
            for i in range(r0, r1):
                assert last_key.get(i, 0) == j0  # in order, from key 0, no gap
                last_key[i] = j1
            count[r0:r1, j0:j1] += 1
    visible = np.tril(np.ones((nq, nk), dtype=bool))
    assert np.all(count[visible] == 1)
    wasted = int(count[~visible].sum())
    strips = sum(math.ceil(max(0, min(nk, i1) - i0) / tile) for i0, i1 in _blocks(nq, bq))
    assert wasted <= strips * tile * (tile - 1) // 2  # one thin triangle per strip
    full = [K.key_tiles(i0, i1, nk, bk, causal=False) for i0, i1 in _blocks(nq, bq)]
    assert all(
        [(r0, r1, j0) for r0, r1, j0, _ in t] == [(t[0][0], t[0][1], j) for j in range(0, nk, bk)]
        for t in full
    )


def _blocks(n: int, b: int) -> list[tuple[int, int]]:
    return [(i0, min(i0 + b, n)) for i0 in range(0, n, b)]


def _plan_scores(nq, nk, bq, bk, batch):
    """How often each (item, query, key) score is computed by the causal plan's tasks, each
    task expanded the way its worker computes it (scores within the band)."""
    count = np.zeros((batch, nq, nk), dtype=int)
    leaf, halvings = K.diagonal_plan(bq)
    for _, task in K._plan(nq, nk, bq, True, batch):
        c = count[task.bi]
        if isinstance(task, K._Rows):
            for r0, r1, j0, j1 in K.key_tiles(task.i0, task.i1, nk, bk, causal=True):
                c[r0:r1, j0:j1] += 1
        elif isinstance(task, K._Below):
            assert task.start <= task.i0 < task.i1 <= task.start + bq
            c[task.i0 : task.i1, : task.start] += 1
        else:
            for b in range(task.b0, task.b1):
                for s0 in range(b * bq, (b + 1) * bq, leaf):  # small diagonal blocks
                    for r0, j0, j1 in K.diagonal_strips(leaf, min(K.DIAGONAL_STRIP, leaf)):
                        c[s0 + r0 : s0 + leaf, s0 + j0 : s0 + j1] += 1
                for size in halvings:  # the squares under each halving
                    for s0 in range(b * bq, (b + 1) * bq, size):
                        h = size // 2
                        c[s0 + h : s0 + size, s0 : s0 + h] += 1
    return count


@pytest.mark.parametrize(
    ("nq", "nk", "bq", "bk", "batch"),
    [
        (4096, 4096, 512, 512, 1),
        (1100, 1100, 512, 512, 3),
        (1531, 1531, 100, 333, 1),
        (90, 40, 16, 5, 2),
        (40, 90, 16, 5, 1),
        (2048, 2048, 1024, 256, 1),
    ],
)
def test_causal_plan_computes_each_visible_score_once_largest_task_first(nq, nk, bq, bk, batch):
    """Every task of a causal call, expanded the way its worker computes it: each visible
    score of every item exactly once, masked work a thin triangle per strip, and the tasks
    queued largest first with a short one last, so the workers end together."""
    count = _plan_scores(nq, nk, bq, bk, batch)
    visible = np.tril(np.ones((nq, nk), dtype=bool))
    assert np.all(count[:, visible] == 1)
    assert count[:, ~visible].sum() <= batch * nq * K.CAUSAL_TILE / 2
    plan = K._plan(nq, nk, bq, True, batch)
    work = [w for w, _ in plan]
    assert work == sorted(work, reverse=True)
    assert work[-1] <= sum(work) / 4
    for bi in range(batch):
        kinds = {type(t) for _, t in plan if t.bi == bi}
        assert (K._Diagonals in kinds) == (nq >= bq and nk >= bq)
    assert K._plan(nq, nk, bq, False, batch) == [
        ((i1 - i0) * nk, K._Rows(bi, i0, i1)) for bi in range(batch) for i0, i1 in _blocks(nq, bq)
    ]


def test_causal_flash_at_4096_computes_about_half_the_scores_diagonals_batched():
    """The issue's shape: n = 4096 with the default blocks computes < 51 % of the n² scores
    (whole blocks on the diagonal would be 56 %), and all eight diagonal blocks are one
    task, so each of their steps is one batched numpy call."""
    n, (bq, bk) = 4096, K.FLASH_BLOCK
    count = _plan_scores(n, n, bq, bk, 1)
    assert count.sum() / n**2 < 0.51
    plan = K._plan(n, n, bq, True, 1)
    assert [t for _, t in plan if isinstance(t, K._Diagonals)] == [K._Diagonals(0, 0, n // bq)]
    assert plan[-1][0] <= sum(w for w, _ in plan) / 32  # the last task is short


def test_causal_flash_merges_parts_with_different_shifts():
    """A split row's two parts (keys before its diagonal block, and the block) each take a
    shift only when their scores need one; merged, every row is exact, threaded and not:
    an item whose scores all need a shift, one where only block 1's own keys do (its
    diagonal part shifts, the part before it not), and one where only the keys before
    block 1 do (the other way round)."""
    rng = np.random.default_rng(26)
    q, k, v = (rand(rng, 3, 1100, 32, dtype=np.float32) for _ in range(3))
    q[0] *= 40  # scores up to hundreds: exp needs the running max everywhere
    k[1, 512:1024] *= 40
    k[2, :512] *= 40
    want = K.attention(*(x.astype(np.float64) for x in (q, k, v)), causal=True)
    for workers in (1, 2):
        got = K.flash_attention(q, k, v, causal=True, workers=workers)
        np.testing.assert_allclose(got, want, atol=5e-5, err_msg=f"workers={workers}")


def test_released_scratch_counts_again_in_a_memory_measurement():
    """Buffers kept from an earlier call would hide from tracemalloc; after release_scratch
    the call measured allocates them again (the 64×128 float32 score tile at least)."""
    rng = np.random.default_rng(24)
    q, k, v = (rand(rng, 300, 16, dtype=np.float32) for _ in range(3))
    K.flash_attention(q, k, v, block=(64, 128))
    tracemalloc.start()
    try:
        K.flash_attention(q, k, v, block=(64, 128))
        warm = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    measured = _peak(lambda: K.flash_attention(q, k, v, block=(64, 128)))
    assert measured - warm >= 64 * 128 * 4


def test_a_finished_threads_kept_scratch_is_freed_with_it():
    """Each thread that calls flash keeps its own buffers; when it ends they go too, so
    demos run from short-lived worker threads do not pile them up."""
    import gc

    rng = np.random.default_rng(25)
    q, k, v = (rand(rng, 300, 16, dtype=np.float32) for _ in range(3))
    before = len(K._KEPT)
    kept_while_running: list[int] = []

    def run() -> None:
        K.flash_attention(q, k, v)
        kept_while_running.append(len(K._KEPT))

    t = threading.Thread(target=run)
    t.start()
    t.join()
    del t
    gc.collect()
    assert kept_while_running and kept_while_running[0] > before  # the thread kept some
    assert len(K._KEPT) == before


def test_flash_reuses_its_scratch_without_mixing_up_calls():
    """Scratch buffers are kept between calls: a second call with other inputs of the same
    shape (threaded and not) is exact, and the first call's result is left untouched."""
    rng = np.random.default_rng(23)
    calls = [tuple(rand(rng, 1100, 16, dtype=np.float32) for _ in range(3)) for _ in range(2)]
    got = []
    for q, k, v in calls:
        got.append(K.flash_attention(q, k, v, causal=True, workers=2))
        got.append(K.flash_attention(q, k, v, causal=True, workers=1))
    for i, (q, k, v) in enumerate(calls):
        want = K.attention(*(x.astype(np.float64) for x in (q, k, v)), causal=True)
        for out in got[2 * i : 2 * i + 2]:
            np.testing.assert_allclose(out, want, atol=5e-5)
    assert not np.shares_memory(got[0], got[2])


@pytest.mark.parametrize("workers", [1, 2])
def test_causal_flash_never_touches_values_of_skipped_key_blocks(workers):
    """NaN values past key 512 cannot reach rows < 512 unless their tiles were computed
    (0·NaN is NaN even where the softmax weight is 0): those rows stay finite and exact."""
    rng = np.random.default_rng(21)
    n = 1024
    q, k, v = (rand(rng, n, 16) for _ in range(3))
    v[512:] = np.nan
    got = K.flash_attention(q, k, v, causal=True, block=(256, 256), workers=workers)
    assert np.all(np.isnan(got[512:]))
    np.testing.assert_allclose(
        got[:512], ref_attention(q[:512], k[:512], v[:512], causal=True), rtol=1e-11, atol=1e-11
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_causal_flash_with_diagonal_tiles_matches_float64_attention(dtype):
    """Sizes where diagonal blocks are cut into tiles, rows not on block edges, batched."""
    rng = np.random.default_rng(22)
    q, k, v = (rand(rng, 2, 700, 24, dtype=dtype) for _ in range(3))
    q *= 4  # peaky rows: the running max changes inside diagonal tiles
    want = K.attention(*(x.astype(np.float64) for x in (q, k, v)), causal=True)
    for block in [None, (300, 200), (129, 513)]:
        got = K.flash_attention(q, k, v, causal=True, block=block)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=50 * TOL[dtype], err_msg=str(block))


def test_a_failed_set_up_releases_the_workers_it_woke(monkeypatch):
    """The pool's workers are woken before the call is set up; when the set-up fails they
    must not wait forever: the error reaches the caller and the next call runs normally."""
    rng = np.random.default_rng(27)
    q, k, v = (rand(rng, 1100, 32, dtype=np.float32) for _ in range(3))
    if K._pool()[0] is None:
        pytest.skip("no flash worker pool here (one core, or no BLAS thread control)")

    def broken(*args, **kwargs):
        raise MemoryError("no room for the scratch buffers")

    with monkeypatch.context() as m:
        m.setattr(K, "_prepare", broken)
        with pytest.raises(MemoryError):
            K.flash_attention(q, k, v, causal=True, workers=2)
    pool, size = K._pool()
    assert pool is not None
    every_worker_free = threading.Barrier(size, timeout=60)  # one stuck worker breaks it
    for f in [pool.submit(every_worker_free.wait) for _ in range(size)]:
        f.result()
    want = K.attention(*(x.astype(np.float64) for x in (q, k, v)), causal=True)
    np.testing.assert_allclose(K.flash_attention(q, k, v, causal=True, workers=2), want, atol=5e-5)
