"""Numeric answers with units: `5.12e6`, `2 GiB`, `3.2 GFLOPs`, `512M`, `3 ms`.

A response is read as a formula (through the safe parser) optionally followed by
one unit word. Decimal (k, M, G, …) and binary (Ki, Mi, Gi, …) prefixes are kept
apart, because "2 GB" for "2 GiB" is a classic slip that deserves its own feedback
rather than a bare "wrong".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from engine.answers.errors import MathDomainError, ParseError, SpecError
from engine.answers.verdict import Verdict, invalid
from engine.formula import (
    UNLIMITED,
    Budget,
    evaluate_formula,
    make_symbols,
    number_text,
    parse_node,
    render,
)
from engine.formula.evaluate import evaluate
from engine.formula.exact import values_of
from engine.formula.grammar import Node
from engine.units import BINARY_PREFIXES, DECIMAL_PREFIXES, format_bytes, format_count

#: unit word -> family. Families are what must match between answer and response.
_UNIT_WORDS: dict[str, str] = {
    "FLOP/s": "FLOP/s",
    "FLOPs/s": "FLOP/s",
    "FLOPS/s": "FLOP/s",
    "flop/s": "FLOP/s",
    "FLOP": "FLOP",
    "FLOPs": "FLOP",
    "FLOPS": "FLOP",
    "flop": "FLOP",
    "flops": "FLOP",
    "MAC": "MAC",
    "MACs": "MAC",
    "macs": "MAC",
    "B": "B",
    "byte": "B",
    "bytes": "B",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "element": "elements",
    "elements": "elements",
    "elems": "elements",
    "param": "params",
    "params": "params",
    "parameter": "params",
    "parameters": "params",
    "token": "tokens",
    "tokens": "tokens",
}
_FAMILY_NAMES = {
    "FLOP": "FLOP",
    "MAC": "multiply-accumulates (MAC)",
    "B": "bytes (B)",
    "s": "seconds (s)",
    "elements": "elements",
    "params": "parameters",
    "tokens": "tokens",
    "FLOP/s": "FLOP/s",
}
#: Count-like families that may stand in for each other (a count is a count).
_COUNTS = {"elements", "params", "tokens"}
_TIME_PREFIXES = {"m": 1e-3, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "n": 1e-9, "p": 1e-12}
_WORD_MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORD_MULTIPLIERS |= {f"{word}s": mult for word, mult in _WORD_MULTIPLIERS.items()}
_WORD_MULTIPLIERS |= {"mn": 10**6, "mln": 10**6, "mio": 10**6, "bn": 10**9}
#: Longer spans of time, in seconds: training runs are quoted in hours and days.
_TIME_WORDS = {"min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600}
_TIME_WORDS |= {"hrs": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
#: A number followed by one or two unit words: "2 GiB", "5.12M MACs", "2.15 billion FLOPs".
_TAIL = re.compile(
    r"^(?P<head>.*?[0-9)\u00b2\u00b3\u00b9\u2070-\u2079.])\s*"
    r"(?P<first>[A-Za-zµμ/]+)(?:\s+(?P<second>[A-Za-zµμ/]+))?\s*$"
)
#: Count words before which B means billion ("7B params"), not bytes.
_COUNT_WORDS = {"params", "parameters", "tokens", "elements"}
#: Units spelled out in full, as people type them.
_SPELLED_UNITS = {
    "kilobyte": "kB",
    "megabyte": "MB",
    "gigabyte": "GB",
    "terabyte": "TB",
    "petabyte": "PB",
    "kibibyte": "KiB",
    "mebibyte": "MiB",
    "gibibyte": "GiB",
    "tebibyte": "TiB",
    "pebibyte": "PiB",
    "millisecond": "ms",
    "microsecond": "us",
    "nanosecond": "ns",
    "megaflop": "MFLOP",
    "gigaflop": "GFLOP",
    "teraflop": "TFLOP",
    "petaflop": "PFLOP",
    "exaflop": "EFLOP",
}
#: Words and marks around a number that say "about" or name it: ~5M, ≈2e22, n = 256.
_LEADING = re.compile(
    r"^(?:(?:~|≈|about|approx\.?|approximately|roughly|around|circa|ca\.)\s*)+"
    r"|^[A-Za-z_][A-Za-z0-9_]*\s*(?:=|≈|~)\s*(?:(?:~|≈|about|approximately|roughly)\s*)*",
    re.IGNORECASE,
)
#: A percentage mark at the end: 25%, 25 percent, 25 per cent.
_PERCENT = re.compile(r"\s*(?:%|percent|per cent|pct)$", re.IGNORECASE)
#: A ratio written with a times sign or word: 64x, 2.8×, 2.3 times.
_TIMES = re.compile(r"^(?P<head>.*[0-9)])(?:[x×]|\s*times)$", re.IGNORECASE)


#: FLOP words in any case, as datasheets and people write them: TFLOPS, tflops, Gflop/sec.
_FLOP_WORD = re.compile(r"([kmgtpe]?)(flop)(s?)(/s|/sec)?", re.IGNORECASE)
#: Bytes written out after a prefix: MBytes, GByte, KiBytes.
_BYTE_WORD = re.compile(r"([kKMGTPE]i?)?[Bb]ytes?")


def _spelled(word: str) -> str:
    """'mebibytes' -> 'MiB', 'milliseconds' -> 'ms', 'tflops' -> 'TFLOPs', 'MBytes' -> 'MB';
    other words unchanged.

    A FLOP prefix is read in capitals whatever its case (a milli-FLOP means nothing, so
    'mflops' is MFLOPs), and the plural keeps its ambiguity for `check_number` to settle:
    'TFLOPS' is a count on a datasheet's rate.
    """
    flop = _FLOP_WORD.fullmatch(word)
    if flop:
        prefix, _, plural, rate = flop.groups()
        prefix = "k" if prefix in ("k", "K") else prefix.upper()
        return f"{prefix}FLOP{'s' if plural else ''}{'/s' if rate else ''}"
    byte = _BYTE_WORD.fullmatch(word)
    if byte:
        return f"{byte.group(1) or ''}B"
    key = word.lower()
    key = key[:-1] if key.endswith("s") and key[:-1] in _SPELLED_UNITS else key
    return _SPELLED_UNITS.get(key, word)


def strip_decorations(text: str) -> str:
    """The number itself, without '~', '≈', 'about', 'n =' before it or 'x' after it."""
    text = text.strip()
    if len(text) > 1 and text.endswith("."):  # a full stop closing the answer: "256 MiB."
        text = text[:-1].rstrip()
    m = _LEADING.match(text)
    if m and m.end() < len(text):
        text = text[m.end() :].strip()
    m = _TIMES.match(text)
    return m.group("head").strip() if m else text


@dataclass(frozen=True)
class Quantity:
    """A number as typed: its value in base units, and the unit and prefix it was written with."""

    value: float
    family: str | None
    prefix: str  # "", "k", "Gi", "m", …
    binary: bool
    head: str  # the rendered numeric part
    unit_text: str  # the unit as typed ("GiB", "M", "")
    number: float = 0.0  # the number before any unit of a family (4.9 for "4.9 days")
    label: str = ""  # words naming what is counted, read and ignored ("GPUs", "per token")

    def echo(self) -> str:
        """How the response was understood, e.g. '2 GiB = 2,147,483,648 B', '28 GPUs'."""
        base = _FAMILY_SHORT.get(self.family or "", "")
        plain = f"{number_text(self.value)} {base}".strip()
        if not self.unit_text:
            return f"{plain} {self.label}".rstrip()
        written = f"{self.head} {self.unit_text}"
        shown = written if self.prefix == "" else f"{written} = {plain}"
        return f"{shown} {self.label}".rstrip()


_FAMILY_SHORT = {"FLOP": "FLOP", "MAC": "MAC", "B": "B", "s": "s", "FLOP/s": "FLOP/s"}
_FAMILY_SHORT |= {"elements": "elements", "params": "params", "tokens": "tokens"}


def parse_unit(word: str) -> tuple[str | None, str, float, bool]:
    """Split a unit word into (family, prefix, multiplier, is_binary); ParseError if unknown."""
    time_word = word if len(word) == 1 else word.lower()  # "Days", but H and D are no units
    if time_word in _TIME_WORDS:
        return "s", word, float(_TIME_WORDS[time_word]), False
    if word.lower() in _WORD_MULTIPLIERS:
        return None, word, float(_WORD_MULTIPLIERS[word.lower()]), False
    if word == "%":  # only as a spec's `in_unit`: a response's % is read by parse_quantity
        return None, "%", 0.01, False
    for name in sorted(_UNIT_WORDS, key=len, reverse=True):
        if not word.endswith(name):
            continue
        prefix = word[: -len(name)]
        family = _UNIT_WORDS[name]
        mult = _prefix_multiplier(prefix, family)
        if mult is not None:
            return family, prefix, mult[0], mult[1]
    mult = _prefix_multiplier(word, None)
    if mult is not None:
        return None, word, mult[0], mult[1]
    if word in ("m", "b", "g", "t"):
        hint = {"m": "M (million) or ms", "b": "B (bytes)", "g": "G", "t": "T"}[word]
        raise ParseError(f"{word!r} is ambiguous; write {hint}")
    if word.endswith("b") and word[:-1] in ("k", "K", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"):
        raise ParseError(f"{word!r} would be bits; write {word[:-1]}B for bytes")
    raise ParseError(f"unknown unit {word!r}")


def _prefix_multiplier(prefix: str, family: str | None) -> tuple[float, bool] | None:
    if prefix == "":
        return (1.0, False) if family is not None else None
    if prefix == "K":
        prefix = "k"
    if prefix in DECIMAL_PREFIXES:
        return float(DECIMAL_PREFIXES[prefix]), False
    if prefix == "Ki" or prefix in BINARY_PREFIXES:
        return float(BINARY_PREFIXES[prefix]), True
    if family == "s" and prefix in _TIME_PREFIXES:
        return _TIME_PREFIXES[prefix], False
    return None


def unit_family(unit: str | None) -> str | None:
    """The family of a spec's `unit` field ('bytes' -> 'B'); SpecError when unknown."""
    if unit in (None, ""):
        return None
    try:
        family, prefix, _, _ = parse_unit(str(unit))
    except ParseError:
        raise SpecError(f"unknown unit {unit!r}") from None
    if prefix or family is None:
        raise SpecError(f"give the unit without a prefix: {unit!r}")
    return family


def parse_quantity(
    text: str, variables: Mapping[str, float] | None = None, budget: Budget = UNLIMITED
) -> Quantity:
    """Read `text` as a number (or formula over `variables`) with up to two unit words."""
    values = dict(variables or {})
    symbols = make_symbols(values)
    text = strip_decorations(text)
    if not text:
        raise ParseError("empty answer", 0)
    percent = _PERCENT.search(text)
    if percent and percent.start() > 0:  # "25%", "25 percent": the fraction 0.25
        q = parse_quantity(text[: percent.start()], variables, budget)
        if q.family is not None:
            raise ParseError("a percentage takes no unit", percent.start())
        return Quantity(q.value / 100, None, "%", False, q.head, "%", q.value / 100)
    try:
        node = parse_node(text, symbols, budget=budget)
        return _quantity(node, values, symbols, None, "", 1.0, False, "", 1.0)
    except MathDomainError:
        raise
    except ParseError as whole_error:
        m = _TAIL.match(text)
        if not m:
            raise
        try:
            family, prefix, mult, binary, plain = _unit_words(m.group("first"), m.group("second"))
        except ParseError as unit_error:
            if whole_error.position is not None and whole_error.position < m.start("first"):
                raise whole_error from None
            raise ParseError(unit_error.message, m.start("first")) from None
        unit_text = text[m.start("first") :].strip()
        node = parse_node(m.group("head"), symbols, budget=budget)
        return _quantity(node, values, symbols, family, prefix, mult, binary, unit_text, plain)


#: One word naming what a number counts or measures: GPUs, micro-batches, FLOP/B, tok/s.
_LABEL_WORD = re.compile(r"[A-Za-z][A-Za-z-]*(?:/[A-Za-z]+)?")
_MAX_LABEL_WORDS = 4
#: "per second" makes a rate of a count: never a label to drop.
_RATE_WORDS = {"s", "sec", "second", "ms", "us", "µs"} | set(_TIME_WORDS)


def parse_labelled(text: str, family: str | None, budget: Budget = UNLIMITED) -> Quantity:
    """`parse_quantity`, letting a few trailing words name what the number is about.

    "28 GPUs", "32 sequences", "243 FLOP/B" answer a unitless question (any words), and
    "14 GFLOPs per token", "128 KiB per layer" or "128 KiB/token" any question ("per" and
    one word, not a time: "per second" would make a rate). The label is echoed and otherwise ignored;
    units, prefixes and their refusals (bits, ambiguous m) keep their rules.
    """
    try:
        return parse_quantity(text, budget=budget)
    except ParseError as err:
        if "bits" in err.message or "ambiguous" in err.message:
            raise  # "28 Mb", "5 m": the refusal says what to write instead
        words = text.split()
        unit, _, per = words[-1].rpartition("/")
        if unit and per.isalpha() and per.lower() not in _RATE_WORDS and len(words) > 1:
            try:  # "128 KiB/token": the unit, per token
                q = parse_quantity(" ".join([*words[:-1], unit]), budget=budget)
                return replace(q, label=f"per {per}")
            except ParseError:
                pass
        run = 0
        while run < min(len(words) - 1, _MAX_LABEL_WORDS) and _LABEL_WORD.fullmatch(
            words[-1 - run]
        ):
            run += 1
        for k in range(1, run + 1):
            label = words[-k:]
            if family is not None and not (
                k == 2 and label[0].lower() == "per" and label[1].lower() not in _RATE_WORDS
            ):
                continue
            try:
                q = parse_quantity(" ".join(words[:-k]), budget=budget)
            except ParseError:
                continue
            return replace(q, label=" ".join(label))
        raise


def _unit_words(first: str, second: str | None) -> tuple[str | None, str, float, bool, float]:
    """(family, prefix, multiplier, binary, multiplier that is not a unit) of the unit words."""
    if second is None:
        family, prefix, mult, binary = parse_unit(_spelled(first))
        return family, prefix, mult, binary, mult if family is None else 1.0
    if first == "B" and second in _COUNT_WORDS:  # "7B params": B is billion before a count
        return _UNIT_WORDS[second], "B", 1e9, False, 1e9
    scale, scale_prefix, scale_mult, scale_binary = parse_unit(_spelled(first))
    family, prefix, mult, binary = parse_unit(_spelled(second))
    if scale is not None or family is None:
        raise ParseError(f"cannot read the unit {first} {second!r}")
    if prefix:  # "5 million GFLOP": a multiplier and a prefixed unit
        return family, prefix, scale_mult * mult, binary, scale_mult
    return family, scale_prefix, scale_mult, scale_binary, scale_mult


def _quantity(
    node: Node,
    values: Mapping[str, float],
    symbols: Mapping[str, object],
    family: str | None,
    prefix: str,
    mult: float,
    binary: bool,
    unit_text: str,
    plain: float,
) -> Quantity:
    exact = node.num if node.num is not None else evaluate(node.expr, values_of(values))
    try:
        raw = float(exact)
    except OverflowError:
        raise ParseError("number too large") from None
    value = raw * mult
    if not math.isfinite(value) or abs(value) > 1e300:
        raise ParseError("number too large")
    if value != 0 and abs(value) < 1e-300:
        raise ParseError("number too small")
    head = render(node.expr, list(symbols)) if node.num is None else number_text(raw)
    return Quantity(value, family, prefix, binary, head, unit_text, raw * plain)


def expected_number(spec: Mapping, params: Mapping[str, float]) -> tuple[float, str | None]:
    """The expected value in base units and the spec's unit family; SpecError on a bad spec."""
    family = unit_family(spec.get("unit"))
    value = spec.get("value")
    return _spec_value(value, params, "value"), family


def _spec_value(value: object, params: Mapping[str, float], field: str) -> float:
    if isinstance(value, bool) or value is None:
        raise SpecError(f"number answer needs a numeric `{field}`")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise SpecError(f"`{field}` must be a number or a formula, not {type(value).__name__}")
    try:  # the formula core, exactly as draws and `quizapp validate` read it (no units)
        return float(evaluate_formula(value, params))
    except (ParseError, OverflowError) as err:
        raise SpecError(f"cannot read `{field}` {value!r}: {err}") from None


def expected_number_text(spec: Mapping, params: Mapping[str, float]) -> str:
    value, family = expected_number(spec, params)
    return _shown(spec, value, family)


def _shown(spec: Mapping, value: float, family: str | None) -> str:
    """The expected answer as feedback writes it; a fraction asked in % also as a percentage."""
    if spec.get("in_unit") == "%":
        return f"{number_text(value)} ({number_text(float(f'{value * 100:.3g}'))}%)"
    return quantity_text(value, family)


def quantity_text(value: float, family: str | None) -> str:
    """'5,120,000 FLOP (5.12 MFLOP)', '2,147,483,648 B (2 GiB = 2.15 GB)', '0.003 s (3 ms)'."""
    unit = _FAMILY_SHORT.get(family or "", "")
    exact = f"{number_text(value)} {unit}".strip()
    if family == "s":
        from engine.units import format_seconds

        short = format_seconds(value)
        return exact if short == exact else f"{exact} ({short})"
    if abs(value) < 1000:
        return exact
    if abs(value) >= 1000 * max(DECIMAL_PREFIXES.values()):
        return exact  # past the largest prefix: '315000 EFLOP' reads worse than 3.15×10²³
    decimal = format_count(value, "B" if family == "B" else unit)
    if family == "B":
        return f"{exact} ({format_bytes(value)} = {decimal})"
    return f"{exact} ({decimal})"


def _close(a: float, b: float, rel: float, abs_tol: float = 0.0) -> bool:
    return abs(a - b) <= max(rel * abs(b), abs_tol)


_PARAM_HINTS = {
    "h": "the number of heads",
    "heads": "the number of heads",
    "b": "the batch size",
    "batch": "the batch size",
    "L": "the number of layers",
    "layers": "the number of layers",
    "d": "the model width d",
    "n": "the sequence length n",
    "s": "the sequence length s",
    "tokens": "the number of tokens",
}


#: Counts that are never sized with binary prefixes: 1000 vs 1024 advice does not apply.
_DECIMAL_ONLY = {"FLOP", "MAC", "FLOP/s", "tokens", "params", "elements", "s"}


def diagnose_ratio(
    response: float,
    expected: float,
    family: str | None,
    params: Mapping[str, float],
    rel_tol: float,
    typed_prefix: str = "",
) -> str:
    """Name what is off between a wrong number and the answer, most specific reason first.

    `params` are the question's own drawn inputs (derived values are left out by the
    caller); prefix advice is given only when a prefix was typed, and never for counts.
    """
    if expected == 0 or response == 0:
        return "the answer is 0" if expected == 0 else "0 cannot be right here"
    if (response > 0) != (expected > 0):
        return "the sign is wrong"
    r = response / expected
    tol = max(rel_tol, 0.005)
    # A typed prefix, or a bare number of bytes that is exactly a decimal/binary swap.
    swap_tol = tol / 2 if typed_prefix else 1e-3
    if family not in _DECIMAL_ONLY and (typed_prefix or family == "B"):
        for k in range(1, 7):
            ratio = (1.024) ** k
            if _close(r, 1 / ratio, swap_tol) or _close(r, ratio, swap_tol):
                pre = ["Ki/k", "Mi/M", "Gi/G", "Ti/T", "Pi/P", "Ei/E"][k - 1]
                return (
                    f"off by the 1000 vs 1024 ratio ({ratio:.4g}×): decimal and binary "
                    f"prefixes ({pre}) are mixed up"
                )
    for name, v in sorted(params.items(), key=lambda kv: (-_as_float(kv[1]), kv[0])):
        v = _as_float(v)
        if v <= 2:
            continue
        hint = _PARAM_HINTS.get(name, name)
        if _close(r, v, tol):
            return f"off by a factor of {name} (= {number_text(v)}): did you multiply by {hint}?"
        if _close(r, 1 / v, tol):
            return f"missing a factor of {name} (= {number_text(v)}): {hint} is not counted"
        if _close(r, v * v, tol):
            return f"off by a factor of {name}² (= {number_text(v * v)})"
        if _close(r, 1 / (v * v), tol):
            return f"missing a factor of {name}² (= {number_text(v * v)})"
    if _close(r, 0.5, tol):
        if family == "FLOP":
            return (
                "off by a factor of 2: you counted multiply-adds (MACs), not FLOPs (1 MAC = 2 FLOP)"
            )
        if family == "B":
            return (
                "off by a factor of 2 (half the answer): the 2 for K and V, or 1 byte per element "
                "where the dtype takes 2?"
            )
        return "off by a factor of 2 (half the answer): something is counted once too few"
    if _close(r, 2, tol):
        if family == "FLOP":
            return (
                "off by a factor of 2 (twice the answer): a multiply-add is 2 FLOPs, "
                "so something is counted twice"
            )
        if family == "B":
            return (
                "off by a factor of 2 (twice the answer): 4-byte fp32 where the dtype is 2-byte "
                "fp16/bf16, or K and V counted twice?"
            )
        return "off by a factor of 2 (twice the answer): something is counted twice"
    for f in (4, 8):
        if _close(r, f, tol) or _close(r, 1 / f, tol):
            more = "too large" if r > 1 else "too small"
            dtype = ""
            if family == "B":
                dtype = ": check the bytes per element (fp32 4 B, fp16/bf16 2 B, int8 1 B)"
            return f"off by a factor of {f} ({more}){dtype}"
    if family is None and 0 < abs(expected) < 1 and _close(r, 100, tol):
        return (
            f"100 times the answer: as a percentage, write the % sign "
            f"({number_text(response)}%), or give the fraction ({number_text(response / 100)})"
        )
    k = round(math.log10(abs(r)))
    if k != 0 and _close(r, 10.0**k, tol):
        way = "too large" if k > 0 else "too small"
        return f"off by a power of 10 (10^{k}, {way}): check the zeros and the prefix"
    if 0.9 < r < 1.1:
        way = "too large" if r > 1 else "too small"
        return f"{abs(r - 1) * 100:.2g}% {way}"
    if r > 1:
        return f"too large by a factor of {r:.3g}"
    return f"too small by a factor of {1 / r:.3g}"


def _as_float(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _prefix_swap(q: Quantity, expected: float, rel: float, family: str | None) -> str | None:
    """'That is 2 GB; the answer is 2 GiB = 2.147 GB' when only the prefix kind is wrong.

    Only for bytes: FLOPs, tokens and other counts never take binary prefixes."""
    if not q.prefix or q.family not in (None, "B") or "B" not in (family, q.family):
        return None
    p = q.prefix.rstrip("i")
    p = "k" if p in ("K", "k") else p
    if p not in DECIMAL_PREFIXES or p == "":
        return None
    other = p + "i" if not q.binary else p
    if other == "ki":
        other = "Ki"
    dec = DECIMAL_PREFIXES[p]
    binm = BINARY_PREFIXES.get(("K" if p == "k" else p) + "i")
    if binm is None:
        return None
    base_unit = q.unit_text[len(q.prefix) :]
    swapped = q.value / dec * binm if not q.binary else q.value / binm * dec
    if not _close(swapped, expected, rel):
        return None
    number = q.head
    if not q.binary:
        other = ("K" if p == "k" else p) + "i"
        dec_equiv = number_text(float(f"{swapped / dec:.4g}"))
        return (
            f"that is {number} {q.unit_text} (decimal, {number_text(q.value)}); the answer is "
            f"{number} {other}{base_unit} = {dec_equiv} {p}{base_unit}"
        )
    bin_equiv = number_text(float(f"{q.value / dec:.4g}"))
    return (
        f"that is {number} {q.unit_text} = {bin_equiv} {p}{base_unit}; the answer is "
        f"{number} {p}{base_unit} (decimal)"
    )


#: Beyond the tolerance, answers this close (relative) still earn partial credit.
NEAR_MISS = 0.05
#: ... and this close when the question asks for an estimate ("approximately", "about how").
NEAR_MISS_ESTIMATE = 0.15


def _read_in(q: Quantity, spec: Mapping, family: str | None) -> Quantity:
    """A bare number on a question that names its unit (`in_unit: TiB`) is read in that unit;
    a bare B after a count ("60B" parameters) is a billion, as in "7B params"."""
    if q.family == "B" and q.unit_text == "B" and family in _COUNTS:
        return Quantity(q.number * 1e9, family, "B", False, q.head, "B", q.number * 1e9)
    unit = spec.get("in_unit")
    if not unit or q.unit_text:
        return q
    if unit == "%" and abs(q.value) <= 1:
        return q  # a fraction asked "as a fraction or a percentage": 0.46 is 0.46, 46 is 46%
    try:
        family, prefix, mult, binary = parse_unit(_spelled(str(unit)))
    except ParseError:
        raise SpecError(f"unknown unit in `in_unit`: {unit!r}") from None
    return Quantity(q.value * mult, family, prefix, binary, q.head, str(unit), q.number)


def _near_credit(value: float, expected: float, rel: float, estimate: bool) -> float:
    """Partial credit for a near miss, falling linearly from 0.75 to 0.25 across the band."""
    if expected == 0:
        return 0.0
    off = abs(value - expected) / abs(expected)
    band = max(NEAR_MISS_ESTIMATE if estimate else NEAR_MISS, 3 * rel)
    if off <= rel or off > band:
        return 0.0
    return round(0.75 - 0.5 * (off - rel) / (band - rel), 2)


def check_number(
    spec: Mapping,
    response: str,
    params: Mapping[str, float],
    mistakes: Sequence[Mapping],
    budget: Budget = UNLIMITED,
) -> Verdict:
    expected, family = expected_number(spec, params)
    rel = float(spec.get("rel_tol", 0.01))
    abs_tol = float(spec.get("abs_tol", 0.0))
    shown = _shown(spec, expected, family)
    try:
        typed = parse_labelled(response, family, budget=budget)
        q = _read_in(typed, spec, family)
    except ParseError as err:
        return invalid(_parse_message(err))
    plainly_base = _close(typed.value, expected, rel, abs_tol)
    if q is not typed and plainly_base and not _close(q.value, expected, rel, abs_tol):
        q = typed  # 2,000,000,000,000 on a question in TiB: plainly bytes
    if family == "FLOP/s" and q.family == "FLOP" and q.unit_text.lower().endswith("flops"):
        q = replace(q, family="FLOP/s")  # "989 TFLOPS", as datasheets write a rate
    parsed = q.echo()
    if (
        family
        and q.family
        and q.family != family
        and not (q.family in _COUNTS and family in _COUNTS)
    ):
        msg = f"The answer is in {_FAMILY_NAMES[family]}, but you gave {_FAMILY_NAMES[q.family]}."
        if {q.family, family} == {"MAC", "FLOP"}:
            msg += " One multiply-accumulate is 2 FLOP."
        return invalid(msg + " Try again in those units.", parsed)
    value = q.value
    if family is None and q.family is not None and not _close(value, expected, rel, abs_tol):
        value = q.number  # a unitless key: the number is what counts ("4.9 days" for 4.9)
    if _close(value, expected, rel, abs_tol):
        note = "" if value == expected else f"; exactly {shown}"
        return Verdict(True, 1.0, f"Correct{note}.", None, parsed)
    slip_tol = max(rel, 0.01)
    swap = _prefix_swap(q, expected, rel, family)
    for mistake in mistakes:
        if "value" not in mistake:
            continue
        try:
            wrong = _spec_value(mistake["value"], params, "mistakes.value")
        except SpecError:
            continue
        if _close(value, wrong, slip_tol, abs_tol) and abs(value - wrong) < abs(value - expected):
            text = str(mistake.get("feedback", "")).strip() or "a classic mistake"
            if swap and spec.get("in_unit") != q.unit_text:
                # The pack names the GB-for-GiB slip: its words, the slip's usual half credit.
                # Not when the prompt asks in that very unit: then the conversion is the test.
                return Verdict(False, 0.5, f"Nearly: {swap}.", text, parsed)
            return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", text, parsed)
    if swap:
        return Verdict(False, 0.5, f"Nearly: {swap}.", swap, parsed)
    credit = _near_credit(value, expected, rel, bool(spec.get("estimate")))
    if credit:
        off = abs(value / expected - 1) * 100
        way = "high" if value > expected else "low"
        diagnosis = f"{off:.2g}% {way}: close, but rounded too far (or one input rounded early)"
        return Verdict(False, credit, f"Close: the answer is {shown}.", diagnosis, parsed)
    inputs = spec.get("inputs")
    own = params if inputs is None else {k: v for k, v in params.items() if k in set(inputs)}
    diagnosis = diagnose_ratio(value, expected, family, own, rel, q.prefix)
    return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", diagnosis, parsed)


def _parse_message(err: ParseError) -> str:
    where = "" if err.position is None else f" (at character {err.position + 1})"
    return f"Could not read that as a number: {err.message}{where}."


def interpret_number(spec: Mapping, response: str, budget: Budget = UNLIMITED) -> str:
    """The echo while typing, read as the check reads it (a bare number in `in_unit`)."""
    try:
        family = unit_family(spec.get("unit"))
        return _read_in(parse_labelled(response, family, budget), spec, family).echo()
    except ParseError as err:
        return f"? {err.message}"
