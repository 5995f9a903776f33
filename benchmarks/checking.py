"""Latency of answer checking per kind: `python -m benchmarks.checking` (from the repo root).

A corpus of right, wrong and garbage responses is generated programmatically (seeded),
checked after a warm-up, and p50/p99 latencies are printed per kind against the
targets (numbers p99 ≤ 20 ms; big_o and expression p99 ≤ 100 ms), with the live echo
(`interpret`) timed on the same responses. A second corpus of hostile inputs (huge powers
such as `9319e93^0.8711`, towers, long digit strings, random `AeB^0.CDEF`) is checked and
echoed under every kind, and its worst case is compared with the 1 s bound. The cold first
check, sympy import included, is measured in a fresh subprocess and shown apart.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from engine.answers import check, interpret

PARAMS = {"b": 2, "h": 16, "n": 1024, "d": 768, "L": 24}

SPECS: dict[str, dict] = {
    "number": {"kind": "number", "value": "4*b*n^2*d", "unit": "FLOP"},
    "big_o": {"kind": "big_o", "value": "n^2*d + n*d^2", "variables": ["n", "d"], "bound": "O"},
    "expression": {
        "kind": "expression",
        "value": "4*b*n^2*d + 8*b*n*d^2",
        "variables": ["b", "n", "d"],
    },
    "choice": {
        "kind": "choice",
        "options": {"a": "O(n)", "b": "O(n²d)", "c": "O(1)", "d": "O(n d²)"},
        "value": ["b", "d"],
    },
}
TARGET_MS = {"number": 20.0, "big_o": 100.0, "expression": 100.0, "choice": 20.0}
#: No check and no echo may take longer than this on any input.
WORST_CASE_MS = 1000.0
HOSTILE = [
    "9319e93^0.8711",
    "(9319e93*n)^0.8711",
    "n^0.8711 * 9319e93^0.8711",
    "9**9**9**9",
    "2^2^2^2^2^2",
    "1e999999999",
    "(n+d+1)^100",
    "((n+d)^99)^99",
    "factorial(factorial(factorial(n)))",
    "exp(exp(exp(exp(n))))",
    "(-n)^0.5",
    "4.371e-323 million",
    "1" * 299,
    "9" * 4400,
    "(" * 150 + "n" + ")" * 150,
    "n*" * 150,
    "450!",
    "log(9319e93^0.8711)",
    # LaTeX, read by engine.answers.latex before the grammar
    r"\frac{" * 60 + "n" + "}{2}" * 60,
    r"\sqrt{" * 60 + "n" + "}" * 60,
    r"\left(" * 50 + "n" + r"\right)" * 50,
    r"\frac{9^9^9^9}{\sqrt{9319e93^0.8711}}",
    r"\Theta(n^{10^{10^{10}}})",
    "\\" * 300,
    r"\cdot" * 60,
    "{" * 300,
    r"\text{" * 50,
    r"\frac{n}" * 40,
]
GARBAGE_ALPHABET = "0123456789nd+-*/^()., ·×²³!√eEkMGTiBs_lgoqrtb$#@"


def _number_responses(rng: random.Random) -> list[str]:
    right = 4 * 2 * 1024**2 * 768
    forms: list[Callable[[float], str]] = [
        lambda v: str(int(v)),
        lambda v: f"{int(v):,}",
        lambda v: f"{v:.4e}",
        lambda v: f"{v / 1e9:.3f} GFLOP",
        lambda v: f"{v / 1e9:.2f}G",
        lambda v: f"{v / 1e9:.3f} × 10^9",
        lambda v: f"{v / 2**30:.3f} GiB",
        lambda v: f"{v / 1e6:.1f} MFLOPs",
        lambda v: f"{v / 1e3:.1f} ms",
    ]
    factors = [1, 1, 1, 0.5, 2, 16, 1 / 16, 10, 1e-3, 1.074, 0.93, 3.7]
    out = []
    for _ in range(1200):
        if rng.random() < 0.2:
            out.append(_garbage(rng))
        else:
            out.append(rng.choice(forms)(right * rng.choice(factors)))
    return out


def _big_o_responses(rng: random.Random) -> list[str]:
    terms = [
        "n^2 d",
        "n d^2",
        "n^2",
        "n d",
        "n log n",
        "d^2",
        "n^3",
        "2^n",
        "n!",
        "sqrt(n) d",
        "n lg n d",
    ]
    wrappers = ["{}", "O({})", "Θ({})", "theta({})", "Omega({})"]
    out = []
    for _ in range(1200):
        if rng.random() < 0.2:
            out.append(_garbage(rng))
            continue
        k = rng.randint(1, 3)
        body = " + ".join(rng.sample(terms, k))
        if rng.random() < 0.2:
            body = f"{rng.randint(2, 9)} {body}"
        out.append(rng.choice(wrappers).format(body))
    return out


def _expression_responses(rng: random.Random) -> list[str]:
    forms = [
        "4*b*n^2*d + 8*b*n*d^2",
        "4bn²d + 8bnd²",
        "4 b n (n d + 2 d^2)",
        "2*b*n^2*d + 8*b*n*d^2",
        "4*b*n^2*d",
        "4 b n^2 d + 8 b n d^2 + 1",
        "b n d (4 n + 8 d)",
        "(4*b*n^2*d + 8*b*n*d^2) * (n+1)/(n+1)",
        "4*b*n^2*d + 8*b*n*d^2 * log(n)",
        "4 b n^2 d + 4 b n d^2 + 4 b n d^2",
    ]
    return [_garbage(rng) if rng.random() < 0.2 else rng.choice(forms) for _ in range(1200)]


def _choice_responses(rng: random.Random) -> list[str]:
    forms = ["b, d", "b d", "bd", "b", "a", "a, b, c", "z", "(d)", "D, B"]
    return [rng.choice(forms) for _ in range(1200)]


def _garbage(rng: random.Random) -> str:
    return "".join(rng.choice(GARBAGE_ALPHABET) for _ in range(rng.randint(0, 40)))


def _hostile_responses(rng: random.Random) -> list[str]:
    shapes = [
        "{b}^{f}",
        "({b}*n)^{f}",
        "n^{f}*{b}^{f}",
        "sqrt({b})^{f}",
        "{b}^-{f}",
        "({b})^({f})*d",
    ]
    out = list(HOSTILE)
    for _ in range(300):
        base = f"{rng.randint(1, 99999)}e{rng.randint(0, 999)}"
        out.append(rng.choice(shapes).format(b=base, f=f"0.{rng.randint(1, 9999):04d}"))
    return out + [_garbage(rng) for _ in range(100)]


def _worst_case(responses: list[str]) -> tuple[float, float, str]:
    """Slowest check and slowest echo (ms) over every kind, and the slowest input."""
    worst_check = worst_echo = 0.0
    slowest = ""
    for spec in SPECS.values():
        for r in responses:
            t = time.perf_counter()
            check(spec, r, PARAMS)
            elapsed = (time.perf_counter() - t) * 1000
            if elapsed > worst_check:
                worst_check, slowest = elapsed, r
            t = time.perf_counter()
            interpret(spec, r)
            worst_echo = max(worst_echo, (time.perf_counter() - t) * 1000)
    return worst_check, worst_echo, slowest


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cold_first_check() -> tuple[float, float]:
    """(import seconds, first-check seconds) measured in a fresh interpreter."""
    code = (
        "import time; t0 = time.perf_counter();"
        "from engine.answers import check; t1 = time.perf_counter();"
        "check({'kind': 'big_o', 'value': 'n^2*d', 'variables': ['n', 'd']}, 'O(n^2 d)');"
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imp, first = (float(x) for x in out.stdout.split())
    return imp, first


def main() -> None:
    rng = random.Random(3)
    corpora = {
        "number": _number_responses(rng),
        "big_o": _big_o_responses(rng),
        "expression": _expression_responses(rng),
        "choice": _choice_responses(rng),
    }
    for kind, responses in corpora.items():  # warm-up: caches, first sympy paths
        for r in responses[:50]:
            check(SPECS[kind], r, PARAMS)
    print(
        f"{'kind':<11} {'n':>5} {'valid':>6} {'correct':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'echo p99':>9} {'target':>8}  ok"
    )
    all_ok = True
    for kind, responses in corpora.items():
        times, echoes, valid, correct = [], [], 0, 0
        for r in responses:
            t = time.perf_counter()
            v = check(SPECS[kind], r, PARAMS)
            times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            interpret(SPECS[kind], r)
            echoes.append((time.perf_counter() - t) * 1000)
            valid += v.valid
            correct += v.correct
        p50, p99 = statistics.median(times), _percentile(times, 0.99)
        ok = p99 <= TARGET_MS[kind]
        all_ok &= ok
        print(
            f"{kind:<11} {len(responses):>5} {valid:>6} {correct:>8} {p50:>8.2f} {p99:>8.2f} "
            f"{max(times):>8.2f} {_percentile(echoes, 0.99):>9.2f} {TARGET_MS[kind]:>8.0f}  "
            f"{'yes' if ok else 'NO'}"
        )
    hostile = _hostile_responses(rng)
    worst_check, worst_echo, slowest = _worst_case(hostile)
    bounded = max(worst_check, worst_echo) <= WORST_CASE_MS
    all_ok &= bounded
    print(
        f"\nhostile: {len(hostile)} inputs × {len(SPECS)} kinds: slowest check "
        f"{worst_check:.1f} ms ({slowest[:40]!r}), slowest echo {worst_echo:.1f} ms, "
        f"bound {WORST_CASE_MS:.0f} ms: {'yes' if bounded else 'NO'}"
    )
    total = sum(len(r) for r in corpora.values())
    imp, first = cold_first_check()
    print(
        f"\ncorpus: {total} responses; cold start (fresh process): import {imp * 1000:.0f} ms, "
        f"first big_o check {first * 1000:.0f} ms"
    )
    print("all targets met" if all_ok else "SOME TARGETS MISSED")


if __name__ == "__main__":
    main()
