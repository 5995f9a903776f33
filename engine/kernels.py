"""Numpy kernels for the operations the quiz talks about, small enough to read and time.

Each kernel exists to make a cost visible: the naive triple loop shows why BLAS matters,
`attention` materialises the n×n score matrix (O(n²) memory), `flash_attention` computes
the same numbers block by block with an online softmax (O(n) extra memory), and the
restricted, linear and LSH variants show how the n² term is traded away. Every kernel
works in float32 and float64 (the dtype of its inputs) and on batched inputs (…, n, d)
where the shape allows; integer inputs are computed in float64. One part is C: the diagonal
blocks of causal flash attention (`FUSED_DIAGONAL`, engine/_diagonal.c), where numpy's small
matmuls cannot reach the speed the rest runs at; numpy computes them where it is not built.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import threading
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import ThreadpoolController

from engine.timing import cpu_count

try:  # the optional C extension (engine/_diagonal.c); absent where no C compiler was found
    from engine import _diagonal
except ImportError:  # pragma: no cover - depends on the install
    _diagonal = None  # type: ignore[assignment]

Array = NDArray[np.floating]


def _float(*arrays: ArrayLike) -> tuple[Array, ...]:
    """The inputs as float arrays of one common dtype (float32 stays float32)."""
    arrs = [np.asarray(a) for a in arrays]
    dtype = np.result_type(*arrs)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    return tuple(a.astype(dtype, copy=False) for a in arrs)


# --------------------------------------------------------------------------- matmul


def matmul_loops(a: ArrayLike, b: ArrayLike) -> Array:
    """C = A·B by the textbook triple loop in pure Python.

    Tiny sizes only: it exists to be timed against `matmul` (BLAS) and lose by a factor
    of thousands, though both perform the same 2·m·k·n FLOPs.
    """
    a_, b_ = _float(a, b)
    if a_.ndim != 2 or b_.ndim != 2 or a_.shape[1] != b_.shape[0]:
        raise ValueError(
            f"matmul_loops needs (m, k) and (k, n) matrices, got {a_.shape}, {b_.shape}"
        )
    m, k = a_.shape
    n = b_.shape[1]
    al, bl = a_.tolist(), b_.tolist()
    out = [[0.0] * n for _ in range(m)]
    for i in range(m):
        row, out_row = al[i], out[i]
        for j in range(n):
            acc = 0.0
            for p in range(k):
                acc += row[p] * bl[p][j]
            out_row[j] = acc
    return np.array(out, dtype=a_.dtype)


def matmul(a: ArrayLike, b: ArrayLike) -> Array:
    """C = A·B through BLAS (numpy's matmul); batched over leading dimensions."""
    a_, b_ = _float(a, b)
    return np.matmul(a_, b_)


# --------------------------------------------------------------------------- softmax


def softmax(x: ArrayLike, axis: int = -1) -> Array:
    """Numerically stable softmax: subtract the row max before exp so nothing overflows.

    A row that is entirely -inf (everything masked) gives NaN, as in torch.
    """
    (x_,) = _float(x)
    m = np.max(x_, axis=axis, keepdims=True)
    e = np.exp(x_ - m)
    return e / np.sum(e, axis=axis, keepdims=True)


# --------------------------------------------------------------------------- attention


def _scale(d: int, scale: float | None) -> float:
    return 1.0 / math.sqrt(d) if scale is None else float(scale)


def causal_mask(nq: int, nk: int) -> NDArray[np.bool_]:
    """True where query i may see key j: j ≤ i (top-left aligned, as torch's is_causal)."""
    return np.arange(nk)[None, :] <= np.arange(nq)[:, None]


def attention(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, *, causal: bool = False, scale: float | None = None
) -> Array:
    """Scaled dot-product attention softmax(Q·Kᵀ/√d)·V that materialises the score matrix.

    Shapes (…, nq, d), (…, nk, d), (…, nk, dv) -> (…, nq, dv). The n×n scores are the
    O(n²) memory that FlashAttention avoids; with `causal`, query i sees keys j ≤ i.
    """
    q_, k_, v_ = _float(q, k, v)
    s = np.matmul(q_, np.swapaxes(k_, -1, -2))
    s *= s.dtype.type(_scale(q_.shape[-1], scale))
    if causal:
        s = np.where(causal_mask(s.shape[-2], s.shape[-1]), s, -np.inf)
    return np.matmul(softmax(s), v_)


def _split_heads(x: Array, h: int) -> Array:
    """(…, n, d) -> (…, h, n, d/h): a reshape and a transpose, no arithmetic."""
    *lead, n, d = x.shape
    return np.swapaxes(x.reshape(*lead, n, h, d // h), -2, -3)


def _check_heads(d: int, h: int) -> None:
    if h < 1 or d % h:
        raise ValueError(f"d = {d} must be divisible by the number of heads h = {h}")


def multihead_attention(
    x: ArrayLike,
    wq: ArrayLike,
    wk: ArrayLike,
    wv: ArrayLike,
    wo: ArrayLike,
    h: int,
    *,
    causal: bool = False,
) -> Array:
    """Multi-head self-attention: project, split heads by reshape/transpose, attend, merge.

    x (…, n, d); wq, wk, wv, wo (d, d); d divisible by h. All heads go through one
    batched attention call: the FLOPs equal single-head attention at width d.
    """
    x_, wq_, wk_, wv_, wo_ = _float(x, wq, wk, wv, wo)
    d = x_.shape[-1]
    _check_heads(d, h)
    q, k, v = (_split_heads(x_ @ w, h) for w in (wq_, wk_, wv_))
    o = attention(q, k, v, causal=causal)  # (…, h, n, d/h)
    o = np.swapaxes(o, -2, -3)
    return o.reshape(*o.shape[:-2], d) @ wo_


def multihead_attention_loop(
    x: ArrayLike,
    wq: ArrayLike,
    wk: ArrayLike,
    wv: ArrayLike,
    wo: ArrayLike,
    h: int,
    *,
    causal: bool = False,
) -> Array:
    """The same as `multihead_attention`, one head at a time (the textbook picture)."""
    x_, wq_, wk_, wv_, wo_ = _float(x, wq, wk, wv, wo)
    d = x_.shape[-1]
    _check_heads(d, h)
    dh = d // h
    heads = []
    for i in range(h):
        cols = slice(i * dh, (i + 1) * dh)
        q, k, v = x_ @ wq_[:, cols], x_ @ wk_[:, cols], x_ @ wv_[:, cols]
        heads.append(attention(q, k, v, causal=causal))
    return np.concatenate(heads, axis=-1) @ wo_


def restricted_attention(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, r: int, *, causal: bool = False
) -> Array:
    """Attention restricted to a window of r keys around each query: O(n·r·d), not O(n²·d).

    Query i sees keys j in [i − r//2, i − r//2 + r − 1] (r positions centred on i; with
    `causal`, [i − r + 1, i]), clipped to the sequence. Self-attention shapes: q, k (…, n, d),
    v (…, n, dv). Only an n × r score array is built, from strided windows of K and V.
    """
    q_, k_, v_ = _float(q, k, v)
    n = q_.shape[-2]
    if k_.shape[-2] != n or v_.shape[-2] != n:
        raise ValueError("restricted_attention is self-attention: q, k and v need the same n")
    if r < 1:
        raise ValueError(f"window r must be at least 1, got {r}")
    left = r - 1 if causal else r // 2
    right = r - 1 - left
    pad = [(0, 0)] * (k_.ndim - 2) + [(left, right), (0, 0)]
    kw = np.lib.stride_tricks.sliding_window_view(np.pad(k_, pad), r, axis=-2)  # (…, n, d, r)
    vw = np.lib.stride_tricks.sliding_window_view(np.pad(v_, pad), r, axis=-2)
    s = np.einsum("...nd,...ndr->...nr", q_, kw) * q_.dtype.type(_scale(q_.shape[-1], None))
    pos = np.arange(n)[:, None] - left + np.arange(r)[None, :]  # key index of each slot
    s = np.where((pos >= 0) & (pos < n), s, -np.inf)
    return np.einsum("...nr,...ndr->...nd", softmax(s), vw)


def distance_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike) -> Array:
    """Attention with the distance score −½‖q − k‖², computed as qᵀk − ½‖k‖².

    −½‖q−k‖² = qᵀk − ½‖k‖² − ½‖q‖², and the ‖q‖² term is the same for every key of a
    query, so it cancels in the softmax: only the key norms are needed (D2L, scoring
    functions). No 1/√d scaling.
    """
    q_, k_, v_ = _float(q, k, v)
    s = np.matmul(q_, np.swapaxes(k_, -1, -2))
    s -= 0.5 * np.sum(k_ * k_, axis=-1)[..., None, :]
    return np.matmul(softmax(s), v_)


def proj_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, w: ArrayLike) -> Array:
    """Attention between queries and keys of different sizes: score qᵀ·W·k, W (dq × dk).

    q (…, nq, dq), k (…, nk, dk), v (…, nk, dv). Q·W is computed first (nq·dq·dk), then
    the usual (nq × dk)·(dk × nk) scores. No scaling.
    """
    q_, k_, v_, w_ = _float(q, k, v, w)
    if w_.shape != (q_.shape[-1], k_.shape[-1]):
        raise ValueError(f"W must be (dq, dk) = {(q_.shape[-1], k_.shape[-1])}, got {w_.shape}")
    s = np.matmul(q_ @ w_, np.swapaxes(k_, -1, -2))
    return np.matmul(softmax(s), v_)


def additive_attention(
    q: ArrayLike, k: ArrayLike, v: ArrayLike, wq: ArrayLike, wk: ArrayLike, wv: ArrayLike
) -> Array:
    """Additive (Bahdanau) attention: score wᵥᵀ·tanh(W_q·q + W_k·k).

    q (…, nq, dq), k (…, nk, dk), v (…, nk, dv); wq (dq, h), wk (dk, h), wv (h,). It
    builds an nq × nk × h tensor of tanh values — the reason dot-product attention, one
    matmul, is much faster in practice at the same O(nq·nk·h) cost.
    """
    q_, k_, v_, wq_, wk_, wv_ = _float(q, k, v, wq, wk, wv)
    feat = np.tanh((q_ @ wq_)[..., :, None, :] + (k_ @ wk_)[..., None, :, :])
    s = feat @ wv_
    return np.matmul(softmax(s), v_)


# --------------------------------------------------------------------------- rnn and conv


def rnn_layer(
    x: ArrayLike,
    wx: ArrayLike,
    wh: ArrayLike,
    b: ArrayLike | None = None,
    h0: ArrayLike | None = None,
) -> Array:
    """Elman RNN, h_t = tanh(x_t·W_x + h_{t−1}·W_h + b): n sequential steps, O(n·d²).

    x (…, n, d_in), wx (d_in, d), wh (d, d), b (d,), h0 (…, d). Returns every hidden
    state (…, n, d). The input projection is one matmul for all steps; the recurrence
    cannot be parallelised over time, which is the point.
    """
    x_, wx_, wh_ = _float(x, wx, wh)
    xw = x_ @ wx_
    if b is not None:
        xw += np.asarray(b, dtype=xw.dtype)
    n = x_.shape[-2]
    out = np.empty(xw.shape, dtype=xw.dtype)
    h = (
        np.zeros(xw.shape[:-2] + xw.shape[-1:], dtype=xw.dtype)
        if h0 is None
        else np.asarray(h0, dtype=xw.dtype)
    )
    for t in range(n):
        h = np.tanh(xw[..., t, :] + h @ wh_)
        out[..., t, :] = h
    return out


def conv1d_layer(x: ArrayLike, w: ArrayLike, b: ArrayLike | None = None) -> Array:
    """1-D convolution (cross-correlation, as in deep learning) with length-keeping padding.

    x (…, n, c_in), w (k, c_in, c_out), b (c_out,) -> (…, n, c_out). Padding (k−1)//2 on
    the left and k//2 on the right keeps n. Computed as k shifted matmuls: O(k·n·d²).
    """
    x_, w_ = _float(x, w)
    kk, cin, _ = w_.shape
    if x_.shape[-1] != cin:
        raise ValueError(f"x has {x_.shape[-1]} channels, the kernel expects {cin}")
    n = x_.shape[-2]
    left = (kk - 1) // 2
    pad = [(0, 0)] * (x_.ndim - 2) + [(left, kk - 1 - left), (0, 0)]
    xp = np.pad(x_, pad)
    out = xp[..., 0:n, :] @ w_[0]
    for j in range(1, kk):
        out += xp[..., j : j + n, :] @ w_[j]
    if b is not None:
        out += np.asarray(b, dtype=out.dtype)
    return out


# --------------------------------------------------------------------------- flash attention

#: Default (query rows, keys) per block, chosen by measurement on two 2-core VMs (AVX2 and
#: AVX-512; see benchmarks/kernels.py): 512 query rows make the d-deep QKᵀ sgemm run near
#: full speed, and a 512×512 block of scores (1 MiB) stays in the per-core L2 cache.
FLASH_BLOCK: tuple[int, int] = (512, 512)


_POOL_LOCK = threading.Lock()
_POOL: ThreadPoolExecutor | None = None
_POOL_WORKERS = 0
#: The BLAS libraries numpy loaded, as threadpoolctl controls them. Flash attention runs
#: query blocks on one Python thread per core; BLAS must be single-threaded meanwhile or the
#: two pools would fight over the same cores. The count is process-wide, so it is set to 1
#: for the call and restored after it: other BLAS users must not be left on one core.
_BLAS: ThreadpoolController | None = None


def _pool() -> tuple[ThreadPoolExecutor | None, int]:
    """A process-wide pool of flash workers, one per core (or none without BLAS control)."""
    global _POOL, _POOL_WORKERS, _BLAS
    with _POOL_LOCK:
        if _POOL is None:
            blas = ThreadpoolController().select(user_api="blas")
            workers = cpu_count()
            if not blas.lib_controllers or workers < 2:
                _POOL_WORKERS = 1
                return None, 1
            _BLAS = blas
            _POOL = ThreadPoolExecutor(workers, thread_name_prefix="flash")
            _POOL_WORKERS = workers
        return _POOL, _POOL_WORKERS


#: While a block's scores stay within ±NO_SHIFT_BAND, exp needs no max subtracted:
#: e^40 ≈ 2.4e17 leaves float32 (up to 3.4e38) room for sums over millions of keys, and a
#: row whose first block reaches −40 keeps its largest term far above underflow. When
#: ‖q‖·‖k‖ (Cauchy–Schwarz) already bounds a block inside the band, neither the row max
#: nor the subtraction is needed: one pass over the scores (exp) instead of three.
NO_SHIFT_BAND = 40.0


#: Width of the key strips `key_tiles` cuts the diagonal of a block of query rows into (a
#: staircase of columns): the strip of keys [c, c + CAUSAL_TILE) is one tile for the rows
#: from c to the end of the block, so each tile is as tall as the rows that see its keys and
#: only its top rows hold masked scores (one small triangle). Used for the rows that go
#: through their keys in order (`_Rows`: scores that need the running max, and blocks the
#: diagonal split does not take); tall, narrow tiles ran about 3 % faster than 128-row strips
#: in an interleaved comparison here.
CAUSAL_TILE = 128

#: Scratch buffers up to this size are kept per thread between calls: fresh memory costs a
#: page fault per 4 KiB on first touch (≈ 0.15 ms per MiB here), as much as a whole tile.
SCRATCH_KEEP_BYTES = 8 << 20


def key_tiles(
    i0: int, i1: int, nk: int, bk: int, *, causal: bool, tile: int = CAUSAL_TILE
) -> list[tuple[int, int, int, int]]:
    """The score tiles query rows [i0, i1) compute, in order: (first row, end row, first key,
    end key), each rows [first row, end row) against keys [first key, end key).

    Without `causal` these are the key blocks of width bk for all rows. With `causal` (query
    i sees keys j ≤ i), the keys before i0, seen by every row, come in whole blocks of width
    bk; the keys from i0 on (the diagonal; keys after the last row are never listed) form a
    staircase of columns: strips of `tile` keys, each for the rows from its first key on, so
    each strip is one tile whose masked part is the small triangle in its top rows. Every
    row's first tile starts at key 0 (where its softmax state starts), and each row meets its
    keys in increasing order.
    """
    if not causal:
        return [(i0, i1, j0, min(j0 + bk, nk)) for j0 in range(0, nk, bk)]
    whole = min(nk, i0)  # keys [0, i0] are seen by every row of the block
    kend = min(nk, i1)  # keys j ≥ i1 are hidden from every row of the block
    tiles = [(i0, i1, j0, min(j0 + bk, whole)) for j0 in range(0, whole, bk)]
    return tiles + key_strips(whole, kend, i1, tile)


def key_strips(first: int, end: int, rows_end: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Keys [first, end) of a causal block whose rows end at rows_end, as a column
    staircase: the strip of keys [c, c + tile) is one tile for the rows from c to rows_end
    (the rows that see any of it), masked only in its top rows. Tiles as in `key_tiles`."""
    return [(c0, rows_end, c0, min(c0 + tile, end)) for c0 in range(first, end, tile)]


@functools.lru_cache(maxsize=64)
def _hidden(rows: int, cols: int, offset: int) -> NDArray[np.bool_]:
    """True where local key u lies after local query row t: u − t > offset (read-only)."""
    mask = np.triu(np.ones((rows, cols), dtype=bool), offset + 1)
    mask.flags.writeable = False
    return mask


@functools.lru_cache(maxsize=8)
def _ones(n: int, dtype: np.dtype) -> Array:
    """A read-only vector of n ones: P·1 is the softmax denominator of the rows of P."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


class _Kept(dict[str, Array]):
    """One thread's kept buffers (a dict subclass, so a WeakSet can hold it: the buffers of
    a thread that ended are freed with it; hashed by identity, as a set needs)."""

    __hash__ = object.__hash__  # type: ignore[assignment]


_LOCAL = threading.local()
_KEPT: weakref.WeakSet[_Kept] = weakref.WeakSet()  # every live thread's, for release_scratch


def _scratch(name: str, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """An uninitialised buffer, kept per thread under `name` when small (SCRATCH_KEEP_BYTES)
    and reused by the next call that asks for the same shape and dtype."""
    kept: _Kept | None = getattr(_LOCAL, "buffers", None)
    if kept is None:
        kept = _LOCAL.buffers = _Kept()
        with _POOL_LOCK:
            _KEPT.add(kept)
    buf = kept.get(name)
    if buf is not None and buf.shape == shape and buf.dtype == dtype:
        return buf
    buf = np.empty(shape, dtype)
    if buf.nbytes <= SCRATCH_KEEP_BYTES:
        kept[name] = buf
    else:
        kept.pop(name, None)
    return buf


def release_scratch() -> None:
    """Drop the buffers flash_attention keeps between calls, in every thread: a memory
    measurement that starts after this counts them in the call it measures."""
    with _POOL_LOCK:
        for kept in list(_KEPT):
            kept.clear()


class _Rows(NamedTuple):
    """Query rows [i0, i1) of batch item bi against every key they see, tile after tile
    (`key_tiles`), with a running shift when the scores need one; written to `out`."""

    bi: int
    i0: int
    i1: int


class _Below(NamedTuple):
    """Causal: rows [i0, i1) of item bi, in the diagonal block that starts at key `start`,
    against the keys before it (which all those rows see), in whole blocks; summed into
    `job.below` with the rows' shifts in `job.below_shift`. The block itself is a
    `_Diagonals` task's, and whichever of a block's tasks finishes last writes its rows."""

    bi: int
    i0: int
    i1: int
    start: int


class _Diagonals(NamedTuple):
    """Causal: the diagonal blocks b0 … b1 − 1 of item bi (each bq rows against the same bq
    keys), as batched matmuls over the blocks (`diagonal_plan`) when no shift is needed;
    summed into `job.diagonal`, shifts in `job.diagonal_shift`."""

    bi: int
    b0: int
    b1: int


_Task = _Rows | _Below | _Diagonals


@dataclass(frozen=True)
class _FlashJob:
    """One flash_attention call's inputs, shared read-only by its workers (`out`, `below`,
    `diagonal` excepted: each task writes its own rows). q is unscaled: a worker scales its
    rows."""

    q: Array  # (batch, nq, d)
    k: Array  # (batch, nk, d)
    v: Array  # (batch, nk, dv)
    out: Array  # (batch, nq, dv)
    k_norm: Array  # ‖k‖ of every key
    k_max: Array  # the largest ‖k‖ of each batch item
    scale: float
    bq: int
    bk: int
    causal: bool
    below: Array | None = None  # (batch, nq, dv + 1): what _Below tasks sum
    diagonal: Array | None = None  # (batch, nq, dv + 1): what _Diagonals tasks sum
    below_shift: Array | None = None  # (batch, nq): the shift of each row of `below`
    diagonal_shift: Array | None = None  # (batch, nq): the shift of each row of `diagonal`
    parts: dict[tuple[int, int], int] = field(default_factory=dict)  # (item, block): tasks left
    lock: threading.Lock = field(default_factory=threading.Lock)


def _flash_worker(job: _FlashJob, tasks: deque[_Task]) -> None:
    """Take tasks from the shared queue until it is empty (popleft is atomic: workers share
    the queue without a lock)."""
    while True:
        try:
            task = tasks.popleft()
        except IndexError:
            return
        if isinstance(task, _Diagonals):
            _diagonals(job, task)
        elif isinstance(task, _Below):
            bi, i0, i1, start = task
            below = [(i0, i1, j0, min(j0 + job.bk, start)) for j0 in range(0, start, job.bk)]
            assert job.below is not None and job.below_shift is not None
            shift = _accumulate(job, bi, i0, i1, below, job.below[bi, i0:i1])
            job.below_shift[bi, i0:i1] = 0 if shift is None else shift[:, 0]
            _part_done(job, bi, start // job.bq)
        else:
            bi, i0, i1 = task
            acc = _scratch("acc", (_rows_max(job), job.out.shape[-1] + 1), job.q.dtype)[: i1 - i0]
            tiles = key_tiles(i0, i1, job.k.shape[-2], job.bk, causal=job.causal)
            _accumulate(job, bi, i0, i1, tiles, acc)
            _normalise(acc, job.out[bi, i0:i1])


def _rows_max(job: _FlashJob) -> int:
    """The most query rows a task of the call has (scratch buffers are this tall)."""
    return min(job.bq, job.q.shape[-2])


def _normalise(acc: Array, out: Array) -> None:
    """Rows of P·V divided by their softmax denominator (the last column of acc)."""
    np.divide(acc[:, :-1], acc[:, -1:], out=out)


def _accumulate(
    job: _FlashJob,
    bi: int,
    i0: int,
    i1: int,
    tiles: list[tuple[int, int, int, int]],
    acc: Array,
) -> Array | None:
    """The online softmax of query rows [i0, i1) over `tiles` (each row's keys in order; the
    first tile covers all the rows and starts their state), into acc (rows, dv + 1). Returns
    each row's shift m (rows, 1) if one was needed, else None (the shift is 0).

    acc holds P·V and, in its last column, the softmax denominator ℓ = Σ exp(s − m)
    (P times a vector of ones: cheaper than a column of ones appended to V, which costs a
    copy of V per call and a 65th column the sgemm kernel pads), rescaled together. The shift m
    is any value that keeps exp in range (it cancels in the final division): 0 while the
    scores allow it, else the running row max, as in FlashAttention. A tile that covers only
    some rows of the block updates only those rows.
    """
    q, k, bk, causal = job.q, job.k, job.bk, job.causal
    nk, d, dv = k.shape[-2], q.shape[-1], job.out.shape[-1]
    dtype = q.dtype
    r, rows_max = i1 - i0, _rows_max(job)  # scratch of one shape for all of a call's tasks
    s_flat = _scratch("scores", (rows_max * min(max(bk, CAUSAL_TILE), nk),), dtype)  # tiles: views
    q_blk = _scratch("queries", (rows_max, d), dtype)[:r]
    tmp = _scratch("acc_tmp", (rows_max, dv + 1), dtype)
    m = np.empty((r, 1), dtype)
    m_blk = np.empty_like(m)
    alpha = np.empty_like(m)
    k_b, v_b, k_norm = k[bi], job.v[bi], job.k_norm[bi]
    ones = _ones(max(bk, CAUSAL_TILE), dtype)
    np.multiply(q[bi, i0:i1], dtype.type(job.scale), out=q_blk)  # fold 1/√d into the queries
    shifted = False  # whether m holds the running row max (else the shift is 0)
    q_largest = math.sqrt(float(np.einsum("ij,ij->i", q_blk, q_blk).max()))
    # ‖q‖·‖k‖ bounds every score: when the block's largest bound is inside the band no
    # tile needs its own check (one test per task instead of one per tile).
    in_band = q_largest * float(job.k_max[bi]) <= NO_SHIFT_BAND
    for t, (r0, r1, j0, j1) in enumerate(tiles):
        first = t == 0
        lo, hi = r0 - i0, r1 - i0
        cols = j1 - j0
        s = s_flat[: (hi - lo) * cols].reshape(hi - lo, cols)
        np.matmul(q_blk[lo:hi], k_b[j0:j1].T, out=s)
        if causal and j1 - 1 > r0:  # the first rows do not see the tile's last keys
            top = min(hi - lo, j1 - 1 - r0)  # rows from here on see the whole tile
            np.copyto(s[:top], -np.inf, where=_hidden(top, cols, r0 - j0))
        a = acc[lo:hi]
        if in_band or (not shifted and q_largest * k_norm[j0:j1].max() <= NO_SHIFT_BAND):
            np.exp(s, out=s)  # every |score| is within the band: no max needed
        else:
            mr, mb = m[lo:hi], m_blk[lo:hi]
            np.max(s, axis=1, keepdims=True, out=mb)
            if not shifted and _within_band(mb, first=first):
                np.exp(s, out=s)
            elif first:
                mr[...] = mb
                np.subtract(s, mr, out=s)
                np.exp(s, out=s)
                shifted = True
            else:
                if not shifted:
                    m[:] = 0  # what was accumulated so far used the shift 0
                    shifted = True
                al = alpha[lo:hi]
                np.maximum(mb, mr, out=mb)
                np.subtract(mr, mb, out=al)
                np.exp(al, out=al)  # rescale factor for what was accumulated so far
                mr[...] = mb
                np.subtract(s, mr, out=s)
                np.exp(s, out=s)
                a *= al
        into = a if first else tmp[lo:hi]
        np.matmul(s, v_b[j0:j1], out=into[:, :dv])
        np.matmul(s, ones[:cols], out=into[:, dv])
        if not first:
            a += into
    return m if shifted else None


#: Diagonal blocks are halved down to blocks of at most this many rows: each halving leaves a
#: square of rows × keys wholly below the diagonal (one batched matmul at near full speed),
#: and only the small diagonal blocks at the bottom are cut into strips. With 512-row blocks:
#: one 256 × 256 square and two 256-row diagonals per block, 0.56 of a block's scores
#: instead of 0.63 in 128-key strips: 11 % less time for the diagonals alone, within the noise
#: of a whole causal call (see README, "Measured").
DIAGONAL_LEAF = 256
#: Width of the key strips of those small diagonal blocks: narrow strips waste the least (a
#: triangle of DIAGONAL_STRIP² / 2 each); batched over all blocks they stay efficient.
DIAGONAL_STRIP = 64


def diagonal_plan(bq: int) -> tuple[int, list[int]]:
    """How `_diagonals` cuts a diagonal block of bq rows (against the same bq keys): the
    size of the small diagonal blocks it is halved into, and the sizes of the blocks whose
    lower-left squares (second half of the rows against the first half of the keys) are
    computed whole, smallest first."""
    leaf, halvings = bq, []
    while leaf > DIAGONAL_LEAF and leaf % 2 == 0:
        halvings.append(leaf)
        leaf //= 2
    return leaf, halvings[::-1]


def diagonal_strips(size: int, tile: int = DIAGONAL_STRIP) -> list[tuple[int, int, int]]:
    """The strips a small diagonal block (size rows against the same keys, causal) is cut
    into: (first row, first key, end key), each rows [first row, size) against its keys, where
    first row = first key. The column staircase of `key_tiles`: the masked part of each strip
    is the triangle in its top rows."""
    return [(r0, j0, j1) for r0, _, j0, j1 in key_strips(0, size, size, tile)]


#: Whether causal calls compute their diagonal blocks with the fused C kernel
#: (engine/_diagonal.c: scores, exp, P·V and row sums in registers, one pass per block) when
#: the shapes allow: float32, blocks of a multiple of 32 rows, dv up to 64 in steps of 16.
#: It needs the optional extension and an AVX-512 CPU; False keeps the numpy decomposition
#: (tests set it to check both; benchmarks/kernels.py times both).
FUSED_DIAGONAL: bool = _diagonal is not None and _diagonal.available()


def _fused(dtype: np.dtype, bq: int, dv: int) -> bool:
    """Whether a call's diagonal blocks (bq rows, dv value columns) go through the fused C
    kernel."""
    return FUSED_DIAGONAL and dtype == np.float32 and bq % 32 == 0 and dv % 16 == 0 and dv <= 64


def _diagonals(job: _FlashJob, task: _Diagonals) -> None:
    """Blocks b0 … b1 − 1 of item bi against their own keys, with the shift 0: by the fused
    C kernel when it applies (`_fused`), else as batched matmuls over the blocks
    (`diagonal_plan`): one numpy call per strip or square for all of them, so the GIL is
    taken once per step, not once per block and step (which slowed two workers on small
    diagonal tiles). When ‖q‖·‖k‖ allows scores outside the band, the blocks go one by one
    through `_accumulate` instead, in key strips, with the running max."""
    bi, b0, b1 = task
    assert job.diagonal is not None and job.diagonal_shift is not None
    blocks, bq, d, dv = b1 - b0, job.bq, job.q.shape[-1], job.out.shape[-1]
    rows = slice(b0 * bq, b1 * bq)
    dtype = job.q.dtype
    qd = _scratch("diagonal_queries", (blocks * bq, d), dtype)
    np.multiply(job.q[bi, rows], dtype.type(job.scale), out=qd)
    kd, vd = job.k[bi, rows], job.v[bi, rows]
    acc = job.diagonal[bi, rows]
    q_largest = math.sqrt(float(np.einsum("ij,ij->i", qd, qd).max()))
    if q_largest * float(job.k_norm[bi, rows].max()) > NO_SHIFT_BAND:
        # Scores that need a shift: block by block, in order, with the running max.
        for b in range(b0, b1):
            i0, i1 = b * bq, (b + 1) * bq
            strips = key_strips(i0, i1, i1, CAUSAL_TILE)
            shift = _accumulate(job, bi, i0, i1, strips, job.diagonal[bi, i0:i1])
            job.diagonal_shift[bi, i0:i1] = 0 if shift is None else shift[:, 0]
            _part_done(job, bi, b)
        return
    job.diagonal_shift[bi, rows] = 0
    if _fused(dtype, bq, dv):
        assert _diagonal is not None
        kd, vd = np.ascontiguousarray(kd), np.ascontiguousarray(vd)  # no copy when they are
        _diagonal.blocks(qd, kd, vd, acc, blocks, bq, d, dv)  # releases the GIL
        for b in range(b0, b1):
            _part_done(job, bi, b)
        return
    leaf, halvings = diagonal_plan(bq)
    tile = min(DIAGONAL_STRIP, leaf)
    largest = max([blocks * bq * tile] + [blocks * bq * h // 4 for h in halvings])
    s_flat = _scratch("diagonal_scores", (largest,), dtype)
    t_flat = _scratch("diagonal_tmp", (blocks * bq * (dv + 1),), dtype)

    def step(q_: Array, k_: Array, v_: Array, into: Array, mask: bool) -> None:
        """(m, h, d) queries against (m, w, d) keys, exp, into (m, h, dv + 1)."""
        (m, h, _), w = q_.shape, k_.shape[1]
        s = s_flat[: m * h * w].reshape(m, h, w)
        np.matmul(q_, k_.transpose(0, 2, 1), out=s)
        if mask:  # key u after row t in the top w rows
            np.copyto(s[:, :w], -np.inf, where=_hidden(w, w, 0))
        np.exp(s, out=s)
        np.matmul(s, v_, out=into[..., :dv])
        np.matmul(s, _ones(w, dtype), out=into[..., dv])

    def tmp(m: int, h: int) -> Array:
        return t_flat[: m * h * (dv + 1)].reshape(m, h, dv + 1)

    m = blocks * bq // leaf  # the small diagonal blocks, strip by strip
    ql, kl, vl, al = (x.reshape(m, leaf, -1) for x in (qd, kd, vd, acc))
    for c0, j0, j1 in diagonal_strips(leaf, tile):
        into = al if c0 == 0 else tmp(m, leaf - c0)
        step(ql[:, c0:], kl[:, j0:j1], vl[:, j0:j1], into, mask=True)
        if c0:
            al[:, c0:] += into
    for size in halvings:  # then the squares under each halving, smallest first
        m, h = blocks * bq // size, size // 2
        qs, ks, vs, as_ = (x.reshape(m, size, -1) for x in (qd, kd, vd, acc))
        into = tmp(m, h)
        step(qs[:, h:], ks[:, :h], vs[:, :h], into, mask=False)
        as_[:, h:] += into
    for b in range(b0, b1):
        _part_done(job, bi, b)


def _part_done(job: _FlashJob, bi: int, b: int) -> None:
    """One of block b's tasks is done; the last one adds the parts and writes the rows:
    each part's sums are rescaled to the larger of the two shifts first, when either part
    needed one (as FlashAttention-2 merges the blocks of a split row)."""
    with job.lock:
        job.parts[bi, b] -= 1
        if job.parts[bi, b]:
            return
    assert job.diagonal is not None and job.below is not None
    assert job.diagonal_shift is not None and job.below_shift is not None
    i0, i1 = b * job.bq, (b + 1) * job.bq
    acc = job.diagonal[bi, i0:i1]
    if i0:
        below = job.below[bi, i0:i1]
        m_below, m_diagonal = job.below_shift[bi, i0:i1], job.diagonal_shift[bi, i0:i1]
        if m_below.any() or m_diagonal.any():
            m = np.maximum(m_below, m_diagonal)
            acc *= np.exp(m_diagonal - m)[:, None]
            below = below * np.exp(m_below - m)[:, None]
        acc += below
    _normalise(acc, job.out[bi, i0:i1])


#: A score of a diagonal block costs about 4/3 of one in a whole tile (smaller matmuls, the
#: mask): a 512-row diagonal block took 0.77–0.88 of a whole 512 × 512 tile's time here for
#: 0.56 of its scores.
_DIAGONAL_COST = 4 / 3
#: The same with the fused kernel (engine/_diagonal.c), per score of its triangle (rounded up
#: to 32 keys per row): 8 diagonal blocks took 4.8 tiles' time for 4.25 tiles of scores.
_FUSED_COST = 1.15
#: At most this many diagonal blocks in one _Diagonals task: the scores of one batched step
#: (8 blocks × 256 × 256 float32 = 2 MiB with 512-row blocks) stay within a core's L2 cache.
_DIAGONALS_PER_TASK = 8


def _diagonal_work(bq: int, fused: bool) -> int:
    """About how many whole-tile scores one diagonal block's work is worth (by the fused
    kernel, or as `diagonal_plan` cuts it)."""
    if fused:
        return int(bq * (bq + 32) // 2 * _FUSED_COST)
    leaf, halvings = diagonal_plan(bq)
    strips = (bq // leaf) * leaf * (leaf + min(DIAGONAL_STRIP, leaf)) // 2
    squares = sum((bq // size) * (size // 2) ** 2 for size in halvings)
    return int((strips + squares) * _DIAGONAL_COST)


def _plan(
    nq: int, nk: int, bq: int, causal: bool, batch: int, *, fused: bool = False
) -> list[tuple[int, _Task]]:
    """The tasks of one call, each with about how many scores it computes, largest first:
    workers take them from a shared queue as they get free, so the work stays balanced, on
    a busy machine too, and the last tasks are short.

    Without `causal`: the blocks of bq query rows (`_Rows`). With it, each whole diagonal
    block's rows are split in two: the keys before the block (`_Below`) and the block itself
    (`_Diagonals`, several blocks to a task), each with its own shift, merged at the end
    (`_part_done`). Other rows (`_Rows`: the last block when it is not whole) go through their
    tiles in order; the first block, the smallest, is cut into strips of CAUSAL_TILE rows
    when it is not split, so that no worker waits long for the other at the end. `fused`:
    whether the diagonal blocks go through the fused kernel (only their cost differs).
    """
    blocks = [(i0, min(i0 + bq, nq)) for i0 in range(0, nq, bq)]
    if not causal:
        return [((i1 - i0) * nk, _Rows(bi, i0, i1)) for bi in range(batch) for i0, i1 in blocks]
    whole = [b for b, (i0, i1) in enumerate(blocks) if i1 - i0 == bq and i1 <= nk]
    rest = [blocks[b] for b in range(len(blocks)) if b not in whole]
    if rest and rest[0][0] == 0:  # the first block: strips
        r1 = rest.pop(0)[1]
        rest += [(r0, min(r0 + CAUSAL_TILE, r1)) for r0 in range(0, r1, CAUSAL_TILE)]
    item: list[tuple[int, Callable[[int], _Task]]] = [
        ((i1 - i0) * min(nk, i1), functools.partial(_Rows, i0=i0, i1=i1)) for i0, i1 in rest
    ]
    for b in (b for b in whole if b):  # block 0 has no keys before it
        i0, i1 = bq * b, bq * (b + 1)
        # The smallest tasks come last: in halves, so that the two workers end together.
        cuts = [i0, i0 + bq // 2, i1] if b <= 2 and bq >= 256 else [i0, i1]
        item += [
            (bq * (r1 - r0) * b, functools.partial(_Below, i0=r0, i1=r1, start=i0))
            for r0, r1 in itertools.pairwise(cuts)
        ]
    work = _diagonal_work(bq, fused)
    largest = max((w for w, _ in item), default=0)
    per_task = max(1, min(_DIAGONALS_PER_TASK, largest // work))
    runs = [whole[i : i + per_task] for i in range(0, len(whole), per_task)]  # consecutive
    item += [
        (len(run) * work, functools.partial(_Diagonals, b0=run[0], b1=run[-1] + 1)) for run in runs
    ]
    plan = [(w, make(bi)) for bi in range(batch) for w, make in item]
    return sorted(plan, key=lambda wt: wt[0], reverse=True)


def _row_norms(x: Array) -> Array:
    """‖x‖ of every row (…, n, d) -> (…, n): einsum, several times faster than linalg.norm
    (on rows of a 2-D view: einsum's broadcasting over leading axes is slower)."""
    rows = x.reshape(-1, x.shape[-1])
    return np.sqrt(np.einsum("ij,ij->i", rows, rows)).reshape(x.shape[:-1])


def _within_band(row_max: Array, *, first: bool) -> bool:
    """Whether exp(s) needs no shift: no score above the band, and (for a row's first
    block) every row reaching above its bottom, so the row's largest term cannot vanish."""
    return bool(row_max.max() <= NO_SHIFT_BAND and (not first or row_max.min() >= -NO_SHIFT_BAND))


def flash_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    causal: bool = False,
    block: int | tuple[int, int] | None = None,
    scale: float | None = None,
    workers: int | None = None,
) -> Array:
    """Attention computed block by block with an online softmax (FlashAttention-style).

    Equal to `attention` within float rounding, but never holds the n×n score matrix:
    for each block of query rows it walks over blocks of keys keeping a running max m and
    sum ℓ per row (Milakov & Gimelshein 2018), rescaling the partial output when m grows.
    Extra memory is O(block + n·d) instead of O(n²). Same FLOPs as `attention`; with
    `causal`, key blocks wholly above the diagonal are never computed: each whole block of
    rows is split into the keys before its diagonal block and that block (`_plan`); the
    diagonal blocks go through the fused C kernel (`FUSED_DIAGONAL`) or, without it, through
    batched matmuls together, halved into squares and thin key strips (`diagonal_plan`), so
    about half the FLOPs.

    block: int (same for queries and keys) or (query rows, keys); default FLASH_BLOCK.
    workers: threads over query blocks (default: one per core when BLAS can be limited to
    one thread per caller; otherwise 1).
    """
    q_, k_, v_ = _float(q, k, v)
    *lead, nq, d = q_.shape
    nk, dv = k_.shape[-2], v_.shape[-1]
    if k_.shape[:-2] != tuple(lead) or v_.shape[:-1] != k_.shape[:-1] or k_.shape[-1] != d:
        raise ValueError(f"incompatible shapes q {q_.shape}, k {k_.shape}, v {v_.shape}")
    bq, bk = (block, block) if isinstance(block, int) else (block or FLASH_BLOCK)
    if bq < 1 or bk < 1:
        raise ValueError(f"block sizes must be positive, got {block}")
    batch = math.prod(lead)
    out = np.empty((batch, nq, dv), q_.dtype)
    if batch == 0 or nq == 0:
        return out.reshape(*lead, nq, dv)
    q3, k3, v3 = q_.reshape(batch, nq, d), k_.reshape(batch, nk, d), v_.reshape(batch, nk, dv)
    prepare = functools.partial(_prepare, q3, k3, v3, out, _scale(d, scale), bq, bk, causal)
    pool, available = _pool()
    n_workers = available if workers is None else max(1, workers)
    if pool is None or n_workers < 2 or batch * nq * nk < 1 << 20:
        _flash_worker(*prepare())
        return out.reshape(*lead, nq, dv)
    assert _BLAS is not None
    with _BLAS.limit(limits=1):
        # The workers are woken first, so that waking them (≈ 0.1 ms) overlaps the set-up;
        # the calling thread takes its share too: one thread fewer to wake up.
        ready = threading.Event()
        prepared: list[tuple[_FlashJob, deque[_Task]]] = []
        futures = [pool.submit(_when_ready, ready, prepared) for _ in range(n_workers - 1)]
        try:
            prepared.append(prepare())
        finally:
            ready.set()  # also when the set-up failed: the workers then find nothing to do
        _flash_worker(*prepared[0])
        for f in futures:
            f.result()
    return out.reshape(*lead, nq, dv)


def _when_ready(ready: threading.Event, prepared: list[tuple[_FlashJob, deque[_Task]]]) -> None:
    """A pool worker's share of a call, once the calling thread has set the call up."""
    ready.wait()
    if prepared:
        _flash_worker(*prepared[0])


def _prepare(
    q: Array, k: Array, v: Array, out: Array, scale: float, bq: int, bk: int, causal: bool
) -> tuple[_FlashJob, deque[_Task]]:
    """A call's job and its queue of tasks (`_plan`); q, k, v, out are (batch, n, ·)."""
    batch, nq, nk = q.shape[0], q.shape[1], k.shape[1]
    k_norm = _row_norms(k)
    k_max = k_norm.max(axis=-1) if nk else np.zeros(batch, q.dtype)
    fused = _fused(q.dtype, bq, out.shape[-1])
    plan = [task for _, task in _plan(nq, nk, bq, causal, batch, fused=fused)]
    job = _FlashJob(q, k, v, out, k_norm, k_max, scale, bq, bk, causal)
    split = [t for t in plan if not isinstance(t, _Rows)]
    if split:
        acc_shape = (batch, nq, out.shape[-1] + 1)
        job = dataclasses.replace(
            job,
            below=_scratch("below", acc_shape, q.dtype),
            diagonal=_scratch("diagonal", acc_shape, q.dtype),
            below_shift=np.zeros((batch, nq), q.dtype),
            diagonal_shift=np.zeros((batch, nq), q.dtype),
        )
        for t in split:
            for b in range(t.b0, t.b1) if isinstance(t, _Diagonals) else [t.start // bq]:
                job.parts[t.bi, b] = job.parts.get((t.bi, b), 0) + 1
    return job, deque(plan)


# --------------------------------------------------------------------------- approximate


def elu_feature_map(x: Array) -> Array:
    """φ(x) = elu(x) + 1, positive everywhere (Katharopoulos et al. 2020)."""
    return np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))


def linear_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    causal: bool = False,
    feature_map: Callable[[Array], Array] = elu_feature_map,
    chunk: int = 256,
) -> Array:
    """Kernelized linear attention: φ(Q)·(φ(K)ᵀ·V) / (φ(Q)·Σφ(K)), O(n·d²) time.

    Replacing exp(qᵀk) by φ(q)ᵀφ(k) lets the sum over keys be done once (a d × dv state),
    so no n×n matrix exists. With `causal`, the state is a running sum, carried from chunk
    to chunk (quadratic only inside a chunk of `chunk` rows).
    """
    q_, k_, v_ = _float(q, k, v)
    fq, fk = feature_map(q_), feature_map(k_)
    if not causal:
        kv = np.swapaxes(fk, -1, -2) @ v_  # (…, d, dv)
        z = np.sum(fk, axis=-2)  # (…, d)
        return (fq @ kv) / (fq @ z[..., None])
    n = q_.shape[-2]
    if k_.shape[-2] != n:
        raise ValueError("causal linear attention needs as many keys as queries")
    out = np.empty(q_.shape[:-1] + v_.shape[-1:], dtype=q_.dtype)
    state = np.zeros((*fk.shape[:-2], fk.shape[-1], v_.shape[-1]), dtype=q_.dtype)
    z = np.zeros((*fk.shape[:-2], fk.shape[-1], 1), dtype=q_.dtype)
    for c0 in range(0, n, chunk):
        c1 = min(c0 + chunk, n)
        fq_c, fk_c, v_c = fq[..., c0:c1, :], fk[..., c0:c1, :], v_[..., c0:c1, :]
        a = np.tril(fq_c @ np.swapaxes(fk_c, -1, -2))  # within the chunk, j ≤ i
        num = fq_c @ state + a @ v_c
        den = fq_c @ z + np.sum(a, axis=-1, keepdims=True)
        out[..., c0:c1, :] = num / den
        state += np.swapaxes(fk_c, -1, -2) @ v_c
        z += np.sum(fk_c, axis=-2)[..., None]
    return out


def lsh_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    *,
    n_buckets: int = 8,
    n_hashes: int = 1,
    seed: int = 0,
) -> Array:
    """Reformer-style LSH attention: each query attends only to keys in its hash bucket.

    Angular LSH (random rotation R, bucket = argmax[xR; −xR] of the unit vector) puts
    vectors with similar directions in the same bucket, so the largest scores are likely
    kept. Cost about n²/n_buckets per round instead of n². With several rounds the
    per-round outputs are combined by their softmax mass (log-sum-exp weights). A query
    whose bucket holds no key falls back to attending to all keys. Approximate unless
    n_buckets == 1 (then it is exact attention). Inputs (nq, d), (nk, d), (nk, dv) or
    batched; the batch is processed one item at a time.
    """
    q_, k_, v_ = _float(q, k, v)
    if n_buckets < 1 or n_hashes < 1:
        raise ValueError("n_buckets and n_hashes must be at least 1")
    if q_.ndim > 2:
        lead = q_.shape[:-2]
        items = [
            lsh_attention(qi, ki, vi, n_buckets=n_buckets, n_hashes=n_hashes, seed=seed)
            for qi, ki, vi in zip(
                q_.reshape(-1, *q_.shape[-2:]),
                k_.reshape(-1, *k_.shape[-2:]),
                v_.reshape(-1, *v_.shape[-2:]),
                strict=True,
            )
        ]
        return np.stack(items).reshape(*lead, q_.shape[-2], v_.shape[-1])
    d = q_.shape[-1]
    scale = q_.dtype.type(_scale(d, None))
    rng = np.random.default_rng(seed)
    outs, lses = [], []
    for _ in range(n_hashes):
        rot = rng.standard_normal((d, max(1, (n_buckets + 1) // 2))).astype(q_.dtype)

        def bucket(x: Array, rot: Array = rot) -> NDArray[np.intp]:
            xr = (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-30)) @ rot
            return np.argmax(np.concatenate([xr, -xr], axis=-1)[:, :n_buckets], axis=-1)

        bq_, bk_ = bucket(q_), bucket(k_)
        out = np.empty((q_.shape[0], v_.shape[-1]), q_.dtype)
        lse = np.empty(q_.shape[0], q_.dtype)
        for b in range(n_buckets):
            qi = np.flatnonzero(bq_ == b)
            if qi.size == 0:
                continue
            ki = np.flatnonzero(bk_ == b)
            if ki.size == 0:
                ki = np.arange(k_.shape[0])
            s = (q_[qi] @ k_[ki].T) * scale
            m = s.max(axis=-1, keepdims=True)
            e = np.exp(s - m)
            tot = e.sum(axis=-1, keepdims=True)
            out[qi] = (e @ v_[ki]) / tot
            lse[qi] = (m + np.log(tot))[:, 0]
        outs.append(out)
        lses.append(lse)
    if n_hashes == 1:
        return outs[0]
    w = softmax(np.stack(lses), axis=0)[..., None]  # weight each round by its softmax mass
    return np.sum(w * np.stack(outs), axis=0)
