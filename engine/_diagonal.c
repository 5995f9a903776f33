/* The diagonal blocks of causal flash attention, fused in one pass (engine.kernels).
 *
 * Why this is C: below the diagonal, flash attention is whole tiles of scores, which BLAS
 * computes near the machine's peak. A diagonal block is a triangle: as numpy calls it is
 * cut into thin strips and small squares (small matmuls at half BLAS speed, plus masks and
 * passes over memory), and it cost 6½ tiles' time for 4½ tiles of scores, which kept a
 * causal call at 1.7× a non-causal one instead of the 1.8× the triangle allows. Here each
 * group of 4 query rows walks its visible keys 32 at a time: scores, exp, P·V and the row
 * sums stay in registers, and only the last group of keys of a row is masked.
 *
 * Scope: float32, scores already known (by ‖q‖·‖k‖) to lie within ±40, so exp needs no
 * shift; the caller (engine.kernels._diagonals) checks that and the shapes, and falls back
 * to numpy otherwise. The kernel needs AVX-512F; `available()` says whether this CPU has
 * it. Built as an optional extension: without a C compiler quizapp installs without it.
 */
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030B0000
#include <Python.h>
#include <stdlib.h>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_KERNEL 1
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))
#define ROWS 4      /* query rows per group: their P·V sums (4 × 4 registers) stay in registers */
#define KEYS 32     /* keys per step: two registers of scores per row */
#define MAX_DV16 4  /* dv up to 64, in 16-float registers */

/* e^x for x in [-87, 88] (the band is ±40): Cephes' expf, within 2 ulp. x = n·ln 2 + r
 * with |r| ≤ ln 2 / 2, e^r by its degree-7 polynomial, times 2^n (scalef). A NaN stays NaN
 * (maxps/minps return their second operand when one is NaN), as numpy's exp keeps it. */
TARGET static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(_mm512_set1_ps(-87.0f), x));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/* kt (d × n) = kᵀ (n × d), in 16-row slabs so the rows read stay in L1. */
static void transpose(const float *restrict k, float *restrict kt, int n, int d) {
    for (int j0 = 0; j0 < n; j0 += 16)
        for (int e = 0; e < d; e++)
            for (int j = j0; j < j0 + 16 && j < n; j++) kt[(size_t)e * n + j] = k[(size_t)j * d + e];
}

/* One diagonal block: query row i sees keys j ≤ i of the same n rows. q is scaled; kt is
 * scratch for kᵀ; acc (n × (dv + 1)) receives P·V and, in its last column, the row sums
 * of P = exp(q kᵀ). n is a multiple of KEYS, dv = 16·dv16. */
TARGET static inline __attribute__((always_inline)) void block(
    const float *q, const float *k, const float *v, float *acc, float *kt, int n, int d,
    const int dv16) {
    const int dv = 16 * dv16;
    float p_rows[ROWS][KEYS] __attribute__((aligned(64)));
    float sums[ROWS][16] __attribute__((aligned(64)));
    transpose(k, kt, n, d);
    for (int i0 = 0; i0 < n; i0 += ROWS) {
        __m512 o[ROWS][MAX_DV16];
        for (int r = 0; r < ROWS; r++) {
            _mm512_store_ps(sums[r], _mm512_setzero_ps());
            for (int t = 0; t < dv16; t++) o[r][t] = _mm512_setzero_ps();
        }
        const int seen = i0 + ROWS; /* the group's rows see keys [0, seen) at most */
        for (int j0 = 0; j0 < seen; j0 += KEYS) {
            __m512 s[ROWS][2];
            for (int r = 0; r < ROWS; r++) s[r][0] = s[r][1] = _mm512_setzero_ps();
            const float *kp = kt + j0, *qp = q + (size_t)i0 * d;
            for (int e = 0; e < d; e++) {
                __m512 k0 = _mm512_loadu_ps(kp + (size_t)e * n);
                __m512 k1 = _mm512_loadu_ps(kp + (size_t)e * n + 16);
                for (int r = 0; r < ROWS; r++) {
                    __m512 qb = _mm512_set1_ps(qp[(size_t)r * d + e]);
                    s[r][0] = _mm512_fmadd_ps(qb, k0, s[r][0]);
                    s[r][1] = _mm512_fmadd_ps(qb, k1, s[r][1]);
                }
            }
            const int masked = j0 + KEYS - 1 > i0; /* some key after some row of the group */
            for (int r = 0; r < ROWS; r++) {
                __m512 sum = _mm512_load_ps(sums[r]);
                for (int h = 0; h < 2; h++) {
                    __m512 p = exp16(s[r][h]);
                    if (masked) { /* lanes of keys j ≤ i0 + r only */
                        int shown = i0 + r - (j0 + 16 * h) + 1;
                        __mmask16 m = shown >= 16 ? 0xFFFF
                                      : shown <= 0 ? 0
                                                   : (__mmask16)((1u << shown) - 1);
                        p = _mm512_maskz_mov_ps(m, p);
                    }
                    sum = _mm512_add_ps(sum, p);
                    _mm512_store_ps(p_rows[r] + 16 * h, p);
                }
                _mm512_store_ps(sums[r], sum);
            }
            const int keys = seen - j0 < KEYS ? seen - j0 : KEYS;
            for (int c = 0; c < keys; c++) {
                const float *vp = v + (size_t)(j0 + c) * dv;
                __m512 vc[MAX_DV16];
                for (int t = 0; t < dv16; t++) vc[t] = _mm512_loadu_ps(vp + 16 * t);
                for (int r = 0; r < ROWS; r++) {
                    __m512 pb = _mm512_set1_ps(p_rows[r][c]);
                    for (int t = 0; t < dv16; t++) o[r][t] = _mm512_fmadd_ps(pb, vc[t], o[r][t]);
                }
            }
        }
        for (int r = 0; r < ROWS; r++) {
            float *ap = acc + (size_t)(i0 + r) * (dv + 1);
            for (int t = 0; t < dv16; t++) _mm512_storeu_ps(ap + 16 * t, o[r][t]);
            ap[dv] = _mm512_reduce_add_ps(_mm512_load_ps(sums[r]));
        }
    }
}

/* One compiled copy per dv, so that its loops unroll and o stays in registers. */
#define BLOCK_FOR(N)                                                                            \
    TARGET static void block_##N(const float *q, const float *k, const float *v, float *acc, \
                                 float *kt, int n, int d) {                                    \
        block(q, k, v, acc, kt, n, d, N);                                                      \
    }
BLOCK_FOR(1)
BLOCK_FOR(2)
BLOCK_FOR(3)
BLOCK_FOR(4)
typedef void (*block_fn)(const float *, const float *, const float *, float *, float *, int, int);
static const block_fn BLOCKS[MAX_DV16 + 1] = {NULL, block_1, block_2, block_3, block_4};

static int cpu_has_kernel(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
#else
static int cpu_has_kernel(void) { return 0; }
#endif

static int has_kernel = 0;

static PyObject *available(PyObject *self, PyObject *unused) {
    return PyBool_FromLong(has_kernel);
}

static int check_length(const char *name, Py_buffer *buf, Py_ssize_t floats) {
    if (buf->len != floats * (Py_ssize_t)sizeof(float)) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, expected %zd float32 values", name,
                     buf->len, floats);
        return 0;
    }
    return 1;
}

static PyObject *blocks(PyObject *self, PyObject *args) {
    Py_buffer q, k, v, acc;
    int count, size, d, dv;
    if (!PyArg_ParseTuple(args, "y*y*y*w*iiii", &q, &k, &v, &acc, &count, &size, &d, &dv))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t rows = (Py_ssize_t)count * size;
    if (!has_kernel) {
        PyErr_SetString(PyExc_RuntimeError, "this CPU or build has no fused diagonal kernel");
    } else if (count < 0 || size <= 0 || size % 32 || d <= 0 || dv <= 0 || dv % 16 || dv > 64 ||
               rows > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(float) / (d > dv + 1 ? d : dv + 1)) {
        PyErr_Format(PyExc_ValueError, "unsupported shape: count %d, size %d, d %d, dv %d", count,
                     size, d, dv);
    } else if (check_length("q", &q, rows * d) && check_length("k", &k, rows * d) &&
               check_length("v", &v, rows * dv) && check_length("acc", &acc, rows * (dv + 1))) {
#ifdef HAVE_KERNEL
        float *kt = malloc((size_t)size * d * sizeof(float));
        if (kt == NULL) {
            PyErr_NoMemory();
        } else {
            const float *qf = q.buf, *kf = k.buf, *vf = v.buf;
            float *af = acc.buf;
            block_fn fn = BLOCKS[dv / 16];
            Py_BEGIN_ALLOW_THREADS
            for (int b = 0; b < count; b++) {
                size_t r0 = (size_t)b * size;
                fn(qf + r0 * d, kf + r0 * d, vf + r0 * dv, af + r0 * (dv + 1), kt, size, d);
            }
            Py_END_ALLOW_THREADS
            free(kt);
            Py_INCREF(Py_None);
            result = Py_None;
        }
#endif
    }
    PyBuffer_Release(&q);
    PyBuffer_Release(&k);
    PyBuffer_Release(&v);
    PyBuffer_Release(&acc);
    return result;
}

static PyMethodDef methods[] = {
    {"available", available, METH_NOARGS,
     "available() -> bool: whether this CPU runs the kernel (it needs AVX-512F)."},
    {"blocks", blocks, METH_VARARGS,
     "blocks(q, k, v, acc, count, size, d, dv) -> None\n\n"
     "count consecutive causal diagonal blocks of size rows each: acc[i] gets P·V and, in\n"
     "its last column, Σ P for P = exp(q kᵀ) over keys j ≤ i of the same block. q (scaled),\n"
     "k: count·size × d; v: count·size × dv; acc: count·size × (dv + 1); all C-contiguous\n"
     "float32. size a multiple of 32, dv one of 16, 32, 48, 64; scores within ±40."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_diagonal",
    "The causal diagonal blocks of flash attention in one fused pass (see engine.kernels).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__diagonal(void) {
    has_kernel = cpu_has_kernel();
    return PyModule_Create(&module);
}
