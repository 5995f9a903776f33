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
from dataclasses import dataclass

from engine.answers.errors import ParseError, SpecError
from engine.answers.parser import MathDomainError, Node, evaluate, make_symbols, parse_node
from engine.answers.render import number_text, render
from engine.answers.verdict import Verdict, invalid
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
#: Longer spans of time, in seconds: training runs are quoted in hours and days.
_TIME_WORDS = {"min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600}
_TIME_WORDS |= {"hrs": 3600, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_COUNT_TAIL = re.compile(
    r"^(?P<head>.*?[0-9)])\s*(?P<mult>[kKMGTB])\s+(?P<word>params|parameters|tokens|elements)\s*$"
)
_TAIL = re.compile(
    r"^(?P<head>.*?[0-9)\u00b2\u00b3\u00b9\u2070-\u2079.])\s*(?P<unit>[A-Za-zµμ/]+)\s*$"
)


@dataclass(frozen=True)
class Quantity:
    """A number as typed: its value in base units, and the unit and prefix it was written with."""

    value: float
    family: str | None
    prefix: str  # "", "k", "Gi", "m", …
    binary: bool
    head: str  # the rendered numeric part
    unit_text: str  # the unit as typed ("GiB", "M", "")

    def echo(self) -> str:
        """How the response was understood, e.g. '2 GiB = 2,147,483,648 B'."""
        base = _FAMILY_SHORT.get(self.family or "", "")
        plain = f"{number_text(self.value)} {base}".strip()
        if not self.unit_text:
            return plain
        written = f"{self.head} {self.unit_text}"
        return written if self.prefix == "" else f"{written} = {plain}"


_FAMILY_SHORT = {"FLOP": "FLOP", "MAC": "MAC", "B": "B", "s": "s", "FLOP/s": "FLOP/s"}
_FAMILY_SHORT |= {"elements": "elements", "params": "params", "tokens": "tokens"}


def parse_unit(word: str) -> tuple[str | None, str, float, bool]:
    """Split a unit word into (family, prefix, multiplier, is_binary); ParseError if unknown."""
    if word in _TIME_WORDS:
        return "s", word, float(_TIME_WORDS[word]), False
    if word.lower() in _WORD_MULTIPLIERS:
        return None, word, float(_WORD_MULTIPLIERS[word.lower()]), False
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


def parse_quantity(text: str, variables: Mapping[str, float] | None = None) -> Quantity:
    """Read `text` as a number (or formula over `variables`) with an optional unit word."""
    values = dict(variables or {})
    symbols = make_symbols(values)
    text = text.strip()
    if not text:
        raise ParseError("empty answer", 0)
    if text.endswith("%") and len(text) > 1:  # "25%" is the fraction 0.25
        q = parse_quantity(text[:-1], variables)
        if q.family is not None:
            raise ParseError("a percentage takes no unit", len(text) - 1)
        return Quantity(q.value / 100, None, "%", False, q.head, "%")
    try:
        node = parse_node(text, symbols)
        return _quantity(node, values, symbols, None, "", 1.0, False, "")
    except MathDomainError:
        raise
    except ParseError as whole_error:
        m = _COUNT_TAIL.match(text)
        if m:  # "7B params", "1.4 T tokens": B means billion only before a count word
            family: str | None = _UNIT_WORDS[m.group("word")]
            prefixed = _prefix_multiplier(m.group("mult"), family) or (1.0, False)
            mult = 1e9 if m.group("mult") == "B" else float(prefixed[0])
            node = parse_node(m.group("head"), symbols)
            unit = f"{m.group('mult')} {m.group('word')}"
            return _quantity(node, values, symbols, family, m.group("mult"), mult, False, unit)
        m = _TAIL.match(text)
        if not m:
            raise
        try:
            family, prefix, mult, binary = parse_unit(m.group("unit"))
        except ParseError as unit_error:
            if whole_error.position is not None and whole_error.position < m.start("unit"):
                raise whole_error from None
            raise ParseError(unit_error.message, m.start("unit")) from None
        node = parse_node(m.group("head"), symbols)
        return _quantity(node, values, symbols, family, prefix, mult, binary, m.group("unit"))


def _quantity(
    node: Node,
    values: Mapping[str, float],
    symbols: Mapping[str, object],
    family: str | None,
    prefix: str,
    mult: float,
    binary: bool,
    unit_text: str,
) -> Quantity:
    raw = float(node.num) if node.num is not None else float(evaluate(node.expr, values))
    value = raw * mult
    if not math.isfinite(value) or abs(value) > 1e300:
        raise ParseError("number too large")
    head = render(node.expr, list(symbols)) if node.num is None else number_text(raw)
    return Quantity(value, family, prefix, binary, head, unit_text)


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
    try:
        return parse_quantity(value, params).value
    except ParseError as err:
        raise SpecError(f"cannot read `{field}` {value!r}: {err.message}") from None


def expected_number_text(spec: Mapping, params: Mapping[str, float]) -> str:
    value, family = expected_number(spec, params)
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
    if family == "B":
        return f"{exact} ({format_bytes(value)} = {format_count(value, 'B')})"
    return f"{exact} ({format_count(value, unit)})"


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


def diagnose_ratio(
    response: float,
    expected: float,
    family: str | None,
    params: Mapping[str, float],
    rel_tol: float,
) -> str:
    """Name what is off between a wrong number and the answer, most specific reason first."""
    if expected == 0 or response == 0:
        return "the answer is 0" if expected == 0 else "0 cannot be right here"
    if (response > 0) != (expected > 0):
        return "the sign is wrong"
    r = response / expected
    tol = max(rel_tol, 0.005)
    for k in range(1, 7):
        ratio = (1.024) ** k
        if _close(r, 1 / ratio, tol / 2) or _close(r, ratio, tol / 2):
            pre = ["Ki/k", "Mi/M", "Gi/G", "Ti/T", "Pi/P", "Ei/E"][k - 1]
            return (
                f"off by the 1000 vs 1024 ratio ({ratio:.4g}×): decimal and binary prefixes "
                f"({pre}) are mixed up"
            )
    for name, v in sorted(params.items()):
        try:
            v = float(v)
        except (TypeError, ValueError):
            continue
        if v <= 2 or v in (4, 8, 10, 100, 1000):
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
        return "off by a factor of 2 (half the answer): MACs vs FLOPs, or the 2 for K and V?"
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
            if family in ("B", None):
                dtype = ": check the bytes per element (fp32 4 B, fp16/bf16 2 B, int8 1 B)"
            return f"off by a factor of {f} ({more}){dtype}"
    k = round(math.log10(abs(r)))
    if k != 0 and _close(r, 10.0**k, tol):
        way = "too large" if k > 0 else "too small"
        return f"off by a power of 10 (10^{k}, {way}): check the zeros and the prefix"
    if r > 1:
        return f"too large by a factor of {r:.3g}"
    return f"too small by a factor of {1 / r:.3g}"


def _prefix_swap(q: Quantity, expected: float, rel: float) -> str | None:
    """'That is 2 GB; the answer is 2 GiB = 2.147 GB' when only the prefix kind is wrong."""
    if not q.prefix or q.family not in (None, "B", "FLOP", "elements", "params", "tokens"):
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


def check_number(
    spec: Mapping,
    response: str,
    params: Mapping[str, float],
    mistakes: Sequence[Mapping],
) -> Verdict:
    expected, family = expected_number(spec, params)
    rel = float(spec.get("rel_tol", 0.01))
    abs_tol = float(spec.get("abs_tol", 0.0))
    shown = quantity_text(expected, family)
    try:
        q = parse_quantity(response)
    except ParseError as err:
        return invalid(_parse_message(err))
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
    if _close(q.value, expected, rel, abs_tol):
        note = "" if q.value == expected else f"; exactly {shown}"
        return Verdict(True, 1.0, f"Correct{note}.", None, parsed)
    for mistake in mistakes:
        if "value" not in mistake:
            continue
        try:
            wrong = _spec_value(mistake["value"], params, "mistakes.value")
        except SpecError:
            continue
        if _close(q.value, wrong, rel, abs_tol):
            text = str(mistake.get("feedback", "")).strip() or "a classic mistake"
            return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", text, parsed)
    swap = _prefix_swap(q, expected, rel)
    if swap:
        return Verdict(False, 0.5, f"Nearly: {swap}.", swap, parsed)
    diagnosis = diagnose_ratio(q.value, expected, family, params, rel)
    return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", diagnosis, parsed)


def _parse_message(err: ParseError) -> str:
    where = "" if err.position is None else f" (at character {err.position + 1})"
    return f"Could not read that as a number: {err.message}{where}."


def interpret_number(response: str) -> str:
    try:
        return parse_quantity(response).echo()
    except ParseError as err:
        return f"? {err.message}"
