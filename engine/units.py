"""Units, prefixes and dtypes: the single table every number in the app is written with.

Decimal prefixes (k, M, G, …) and binary prefixes (Ki, Mi, Gi, …) are kept apart
on purpose: "2 GB" and "2 GiB" differ by 7 %, and interviewers notice.
"""

from __future__ import annotations

import math

#: Bytes per element for the dtypes the cost models accept.
DTYPE_BYTES: dict[str, float] = {
    "fp64": 8,
    "fp32": 4,
    "tf32": 4,
    "fp16": 2,
    "bf16": 2,
    "fp8": 1,
    "int8": 1,
    "int4": 0.5,
}

DECIMAL_PREFIXES: dict[str, int] = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}

BINARY_PREFIXES: dict[str, int] = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}

#: Unit family -> canonical unit symbol. A number answer states its family.
UNIT_FAMILIES: dict[str, str] = {
    "FLOP": "FLOP",
    "MAC": "MAC",
    "B": "B",
    "s": "s",
    "elements": "elements",
    "params": "params",
    "tokens": "tokens",
    "FLOP/s": "FLOP/s",
}


def dtype_bytes(dtype: str) -> float:
    """Bytes per element of `dtype`; raises ValueError naming the valid choices."""
    try:
        return DTYPE_BYTES[dtype.lower()]
    except KeyError:
        choices = ", ".join(DTYPE_BYTES)
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {choices}") from None


def _scaled(value: float, base: int, prefixes: list[tuple[str, int]]) -> tuple[float, str]:
    """Pick the largest prefix not exceeding |value| (at least the unprefixed one)."""
    magnitude = abs(value)
    chosen = ("", 1)
    for symbol, factor in prefixes:
        if magnitude >= factor:
            chosen = (symbol, factor)
    return value / chosen[1], chosen[0]


def _digits(x: float, significant: int = 3) -> str:
    """Round to `significant` figures without scientific notation for modest numbers."""
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 10**significant:
        return str(int(x))
    decimals = max(0, significant - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_count(value: float, unit: str = "", significant: int = 3) -> str:
    """A count with a decimal prefix: 2147483648 FLOP -> '2.15 GFLOP'."""
    prefixes = sorted(DECIMAL_PREFIXES.items(), key=lambda kv: kv[1])
    scaled, prefix = _scaled(value, 10, prefixes)
    return f"{_digits(scaled, significant)} {prefix}{unit}".rstrip()


def format_bytes(value: float, significant: int = 3) -> str:
    """Bytes with a binary prefix, the way memory is sized: 268435456 -> '256 MiB'."""
    prefixes = [("", 1), *sorted(BINARY_PREFIXES.items(), key=lambda kv: kv[1])]
    scaled, prefix = _scaled(value, 2, prefixes)
    return f"{_digits(scaled, significant)} {prefix}B"


def format_seconds(value: float) -> str:
    """Seconds at a readable scale: 0.00012 -> '120 µs', 423177 -> '4.9 days'.

    Training runs are asked for in hours and days; 423,177 s says nothing to a reader.
    """
    magnitude = abs(value)
    for unit, factor in (("day", 86400.0), ("h", 3600.0)):
        if magnitude >= factor:
            shown = _digits(value / factor)
            plural = "s" if unit == "day" and shown != "1" else ""
            return f"{shown} {unit}{plural}"
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if magnitude >= factor:
            return f"{_digits(value / factor)} {unit}"
    return f"{_digits(value / 1e-9)} ns"


def format_exact(value: float) -> str:
    """An integer with thousands separators (5,120,000); a non-integer in 4 significant digits;
    ∞ for a threshold never reached (a crossover batch past the roofline's ridge)."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.4g}"
