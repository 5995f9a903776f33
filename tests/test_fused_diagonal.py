"""The fused C kernel for causal flash attention's diagonal blocks (engine/_diagonal.c).

Checked against float64 attention computed by numpy, and beside the numpy decomposition it
replaces (both paths must give the same answers); the kernel's own exp against numpy's
float64 exp across the whole ±40 band; its input checks (it writes through raw pointers).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import builds_the_fused_kernel, cpu_runs_the_fused_kernel

from engine import kernels as K

needs_kernel = pytest.mark.skipif(
    not K.FUSED_DIAGONAL, reason="no fused kernel here (not built, or the CPU lacks AVX-512)"
)


@pytest.fixture(params=["fused", "numpy"])
def diagonal(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with each way of computing the diagonal blocks."""
    if request.param == "fused" and not K.FUSED_DIAGONAL:
        pytest.skip("no fused kernel here (not built, or the CPU lacks AVX-512)")
    monkeypatch.setattr(K, "FUSED_DIAGONAL", request.param == "fused")
    return str(request.param)


class Spy:
    """Stands in for the extension module and records each call's shape arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []
        self.real = K._diagonal

    def available(self) -> bool:
        return True

    def blocks(self, *args: object) -> None:
        self.calls.append(tuple(int(a) for a in args[4:]))  # type: ignore[call-overload]
        assert self.real is not None
        self.real.blocks(*args)  # type: ignore[arg-type]


def inputs(rng: np.random.Generator, batch: int, n: int, d: int, dv: int) -> list[np.ndarray]:
    q, k = (rng.standard_normal((batch, n, d), dtype=np.float32) for _ in range(2))
    return [q, k, rng.standard_normal((batch, n, dv), dtype=np.float32)]


def float64_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    return K.attention(*(x.astype(np.float64) for x in (q, k, v)), causal=True)


def test_the_kernel_is_built_and_used_where_it_can_be() -> None:
    """A build on x86-64 Linux with a C compiler (CI's, a developer's) must include the
    kernel: without this, a broken build would quietly fall back to numpy."""
    if not builds_the_fused_kernel():
        pytest.skip("no C compiler for x86-64 Linux here")
    assert K._diagonal is not None
    assert cpu_runs_the_fused_kernel() == K.FUSED_DIAGONAL


@pytest.mark.parametrize(
    ("n", "d", "dv", "block"),
    [
        (1100, 64, 64, None),  # two whole 512-row blocks, then a partial one (numpy's rows)
        (1536, 40, 32, None),  # d not a multiple of 16
        (1024, 7, 16, (256, 128)),
        (980, 64, 48, (96, 200)),  # 96-row blocks: the 32-key steps end mid-block
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_causal_flash_matches_float64_attention_either_way(
    diagonal: str, n: int, d: int, dv: int, block: tuple[int, int] | None, workers: int
) -> None:
    q, k, v = inputs(np.random.default_rng(n + d), 2, n, d, dv)
    got = K.flash_attention(q, k, v, causal=True, block=block, workers=workers)
    np.testing.assert_allclose(got, float64_attention(q, k, v), rtol=0, atol=1e-5)


@pytest.mark.parametrize("where", ["query", "key"])
def test_a_nan_reaches_exactly_the_rows_that_see_it_either_way(diagonal: str, where: str) -> None:
    """Garbage in, NaN out, where float64 attention has it: a NaN in query row 100 makes
    that row NaN; one in key 50 makes every row from 50 on NaN (inside the first diagonal
    block, where the fused kernel's exp must keep it rather than clamp it away)."""
    q, k, v = inputs(np.random.default_rng(4), 1, 1100, 64, 64)
    (q if where == "query" else k)[0, 100 if where == "query" else 50, 5] = np.nan
    got = K.flash_attention(q, k, v, causal=True)
    want = float64_attention(q, k, v)
    np.testing.assert_array_equal(np.isnan(got).any(axis=-1), np.isnan(want).any(axis=-1))
    np.testing.assert_array_equal(np.isnan(got).all(axis=-1), np.isnan(want).any(axis=-1))


@needs_kernel
def test_a_default_causal_call_computes_its_diagonal_blocks_in_the_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy()
    monkeypatch.setattr(K, "_diagonal", spy)
    q, k, v = inputs(np.random.default_rng(1), 1, 1100, 32, 32)
    got = K.flash_attention(q, k, v, causal=True)
    # Blocks 0 and 1, in one task or two (1024–1099 is not a whole block: numpy's rows).
    assert sum(count for count, *_ in spy.calls) == 2
    assert {tuple(shape) for _, *shape in spy.calls} == {(512, 32, 32)}
    np.testing.assert_allclose(got, float64_attention(q, k, v), rtol=0, atol=1e-5)


@needs_kernel
@pytest.mark.parametrize(
    ("what", "dtype", "dv", "block", "scale"),
    [
        ("float64", np.float64, 32, None, 1.0),
        ("dv not a multiple of 16", np.float32, 24, None, 1.0),
        ("dv above 64", np.float32, 80, None, 1.0),
        ("blocks not a multiple of 32 rows", np.float32, 32, 100, 1.0),
        ("scores beyond the ±40 band", np.float32, 32, None, 12.0),
    ],
)
def test_calls_the_kernel_cannot_take_go_through_numpy_exactly(
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    dtype: type[np.floating],
    dv: int,
    block: int | None,
    scale: float,
) -> None:
    spy = Spy()
    monkeypatch.setattr(K, "_diagonal", spy)
    q, k, v = (x.astype(dtype) for x in inputs(np.random.default_rng(2), 1, 1100, 32, dv))
    q *= scale  # ‖q‖·‖k‖/√d far above 40: the running max is needed
    got = K.flash_attention(q, k, v, causal=True, block=block)
    assert spy.calls == [], what
    atol = 1e-10 if dtype == np.float64 else 5e-5
    np.testing.assert_allclose(got, float64_attention(q, k, v), rtol=0, atol=atol, err_msg=what)


@needs_kernel
def test_the_kernels_exp_is_float32_accurate_across_the_whole_band() -> None:
    """Scores from −40 to +40 (the band the caller guarantees), masked causally: row sums
    and P·V within float32 rounding of float64's exp. Query row i is t_i·e₀ and key j is
    s_j·e₀, so score (i, j) = t_i·s_j covers the band."""
    assert K._diagonal is not None
    size, d, dv = 64, 16, 16
    t = np.linspace(-6.3, 6.3, size)
    s = np.linspace(6.3, -6.3, size)
    q, k = np.zeros((size, d), np.float32), np.zeros((size, d), np.float32)
    q[:, 0], k[:, 0] = t, s
    v = np.random.default_rng(3).uniform(0.5, 1.5, (size, dv)).astype(np.float32)
    acc = np.empty((size, dv + 1), np.float32)
    K._diagonal.blocks(q, k, v, acc, 1, size, d, dv)
    scores = q.astype(np.float64) @ k.astype(np.float64).T
    assert scores.min() < -39 and scores.max() > 39
    p = np.where(np.tri(size, dtype=bool), np.exp(scores), 0.0)
    np.testing.assert_allclose(acc[:, dv], p.sum(axis=1), rtol=2e-6)
    np.testing.assert_allclose(acc[:, :dv], p @ v.astype(np.float64), rtol=2e-6)


@needs_kernel
@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"acc_rows": 63}, ValueError, "acc holds"),
        ({"q_rows": 65}, ValueError, "q holds"),
        ({"size": 48}, ValueError, "unsupported shape"),
        ({"dv": 80}, ValueError, "unsupported shape"),
        ({"count": -1}, ValueError, "unsupported shape"),
        ({"count": 2**30, "size": 2**30}, ValueError, "unsupported shape"),  # sizes overflow
        ({"read_only": True}, TypeError, "read-write"),
        ({"strided": True}, ValueError, "contiguous"),
    ],
)
def test_the_kernel_refuses_buffers_that_do_not_match_the_shapes_it_is_told(
    change: dict[str, int], error: type[Exception], message: str
) -> None:
    """The kernel reads and writes through raw pointers: every buffer's length must match
    count·size rows, or it refuses before touching memory."""
    assert K._diagonal is not None
    count, size, d, dv = change.get("count", 2), change.get("size", 32), 16, change.get("dv", 16)
    q = np.zeros((change.get("q_rows", 64), d), np.float32)
    k, v = np.zeros((64, d), np.float32), np.zeros((64, 16), np.float32)
    acc = np.zeros((change.get("acc_rows", 64), 17), np.float32)
    if change.get("read_only"):
        acc.flags.writeable = False
    if change.get("strided"):
        q = np.zeros((64, 2 * d), np.float32)[:, ::2]
    before = acc.copy()
    with pytest.raises(error, match=message):
        K._diagonal.blocks(q, k, v, acc, count, size, d, dv)
    np.testing.assert_array_equal(acc, before)
