"""Exact arithmetic with magnitude guards: the one evaluator of every formula in the app.

Draws, answer checks and cost models all evaluate parsed formulas here. Values are
Python `int` and `Fraction` while they can be stated exactly (2·n²·d with n = 4096 is
printed digit for digit) and `float` once a logarithm, a root or a fractional power
makes them irrational. Every operation first checks the size of its result, so
nothing ever builds a huge integer:

- an exact number is at most 10^MAX_LOG10 (and at least 10^−MAX_LOG10 when non-zero);
- a power with a non-integer exponent is always computed in floating point (via logs
  for bases beyond the float range), never exactly — `9319e93^0.8711` is one `math.pow`;
- floats must stay finite and, when non-zero, above 1e−300 (no subnormal digits).

Errors are ParseError("number too large"/"too small") and MathDomainError (undefined).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from engine.formula.errors import MathDomainError, ParseError

Exact = int | Fraction | float
Num = int | float

#: Exact numbers beyond 10^±MAX_LOG10 are refused as "too large" / "too small".
MAX_LOG10 = 1000
_MAX_BITS = int(MAX_LOG10 * math.log2(10)) + 1
#: Non-zero floats below this are refused: their digits would be wrong (subnormals).
MIN_FLOAT = 1e-300


def too_large(position: int | None = None) -> ParseError:
    return ParseError("number too large", position)


def _bits(x: int | Fraction) -> int:
    if isinstance(x, int):
        return x.bit_length()
    return max(x.numerator.bit_length(), x.denominator.bit_length())


def guard(value: Exact) -> Exact:
    """`value` if it is within the magnitude limits; ParseError otherwise.

    A Fraction whose parts grew past the limit while its value is modest becomes a float.
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise MathDomainError("the value is undefined")
        if math.isinf(value):
            raise too_large()
        if value != 0 and abs(value) < MIN_FLOAT:
            raise ParseError("number too small")
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        value = value.numerator
    if _bits(value) <= _MAX_BITS:
        return value
    if isinstance(value, int):
        raise too_large()
    log10 = log10_abs(value)
    if log10 > MAX_LOG10:
        raise too_large()
    if log10 < -MAX_LOG10:
        raise ParseError("number too small")
    return guard(_to_float(value))


def _to_float(value: Exact) -> float:
    try:
        return float(value)
    except OverflowError:
        raise too_large() from None


def log10_abs(value: Exact) -> float:
    """log10 |value| for any non-zero size (big ints and Fractions included)."""
    if isinstance(value, Fraction):
        return math.log10(abs(value.numerator)) - math.log10(value.denominator)
    return math.log10(abs(value))


def add(a: Exact, b: Exact) -> Exact:
    return guard(a + b)


def sub(a: Exact, b: Exact) -> Exact:
    return guard(a - b)


def mul(a: Exact, b: Exact) -> Exact:
    if not isinstance(a, float) and not isinstance(b, float) and a and b:
        if _bits(a) + _bits(b) > 2 * _MAX_BITS + 2:
            raise too_large()
    elif a and b and abs(log10_abs(a) + log10_abs(b)) > 308 + 16:
        raise too_large() if log10_abs(a) + log10_abs(b) > 0 else ParseError("number too small")
    return guard(a * b)


def div(a: Exact, b: Exact) -> Exact:
    if b == 0:
        raise MathDomainError("division by zero")
    if isinstance(a, float) or isinstance(b, float):
        return mul(a, 1.0 / _to_float(b) if abs(log10_abs(b)) < 300 else Fraction(1) / Fraction(b))
    return guard(Fraction(a) / Fraction(b))


def is_whole(x: Exact) -> bool:
    if isinstance(x, int):
        return True
    if isinstance(x, Fraction):
        return x.denominator == 1
    return x.is_integer()


def power(base: Exact, exp: Exact) -> Exact:
    """base^exp: exact for an integer exponent when the result fits, floating otherwise."""
    if base == 0:
        if exp <= 0:
            raise MathDomainError("0 to a non-positive power is undefined")
        return 0
    if base == 1:
        return 1
    whole = is_whole(exp)
    if base < 0 and not whole:
        raise MathDomainError("a negative number to a fractional power is not real")
    size = log10_abs(base) * float(exp)
    if size > MAX_LOG10 or (not whole and size > 308):
        raise too_large()
    if size < -MAX_LOG10 or (not whole and size < -300):
        raise ParseError("number too small")
    if whole and not isinstance(base, float) and not isinstance(exp, float):
        k = int(exp)
        return guard(Fraction(base) ** k if k < 0 else base**k)
    if whole:
        return guard(math.pow(_to_float(base), float(exp)))
    if abs(log10_abs(base)) < 300:
        return guard(math.pow(_to_float(base), float(exp)))
    return guard(10.0**size)


def log(x: Exact) -> float:
    """Natural logarithm of any positive size."""
    if x <= 0:
        raise MathDomainError("logarithm of a non-positive number")
    if isinstance(x, Fraction):
        return math.log(x.numerator) - math.log(x.denominator)
    return math.log(x)


def exp(x: Exact) -> float:
    if x > 700:
        raise too_large()
    result = math.exp(_to_float(x))
    guard(result)
    return result


def factorial(x: Exact) -> int:
    if not is_whole(x) or x < 0:
        raise MathDomainError("factorial needs a whole number ≥ 0")
    k = int(x)
    if k > 450:  # 450! has 1,000 digits
        raise too_large()
    return math.factorial(k)


def floor(x: Exact) -> int:
    return math.floor(x)


def ceil(x: Exact) -> int:
    return math.ceil(x)


def number(value: Exact) -> Num:
    """int if the value is a whole number that can be stated exactly, else float."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        return _to_float(value)
    if isinstance(value, int):
        return value
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def exact_value(value: Num | str | Fraction, what: str = "value") -> Exact:
    """A variable's value as given (int, float, Fraction or digits), guarded."""
    if isinstance(value, bool):
        raise ParseError(f"{what} must be a number, not true/false")
    if isinstance(value, str):
        try:
            value = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ParseError(f"{what} must be a number, got {value!r}") from None
    return guard(value)


def values_of(values: Mapping[str, Num]) -> dict[str, Exact]:
    return {k: exact_value(v, k) for k, v in values.items()}
