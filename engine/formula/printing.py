"""The one printer of formulas: n²·d, n·log n, 2ⁿ, √n, and `2·768²·512` with numbers in.

Two entry points share one notation. `render` prints a parsed (sympy) expression —
the echo of an answer, an expected answer, a cost model's step — with factors in the
question's variable order, superscripts and middle dots (sympy's own `d*n**2` would
make people doubt that their `n^2 d` was read correctly). `spell` re-spells a formula
as its author wrote it, token by token, optionally with each drawn parameter replaced
by its value: a derivation line reads `2·n²·d = 2·768²·512 = 603,979,776`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sympy

from engine.formula.functions import FUNCTION_NAMES, PRINTED_NAME
from engine.formula.grammar import SUBSCRIPTS, SUPERSCRIPTS, Token, tokenize
from engine.units import format_exact

#: The parser reads superscripts and subscripts as plain text; these write them back with
#: the grammar's own tables, so nothing is printed that it cannot read.
_SUPERSCRIPT = str.maketrans({plain: sup for sup, plain in reversed(SUPERSCRIPTS.items())})
_SUBSCRIPT = str.maketrans({plain: sub for sub, plain in SUBSCRIPTS.items()})
#: The variables written as a raised letter (2ⁿ, n^d as nᵈ).
_SUPERSCRIPT_LETTER = {plain: sup for sup, plain in SUPERSCRIPTS.items() if plain.isalpha()}


def number_text(value: float | sympy.Expr) -> str:
    """A plain number: integers with thousands separators, others in 4 significant digits,
    written with ×10ⁿ where 4 digits need an exponent (never `e+04`, never `×10⁰`).

    An exact integer is written from its own digits, not through a float: above 2⁵³ a
    float would print 9,227,446,944,279,201 as …200, a wrong number that looks exact."""
    if isinstance(value, int | sympy.Integer) and abs(int(value)) < 10**16:
        return f"{int(value):,}"
    v = float(value)
    if abs(v) < 1e16 and abs(v) >= 1 and abs(v - round(v)) <= 1e-9 * abs(v):
        return format_exact(float(round(v)))
    text = f"{v:.4g}"
    if "e" not in text:
        return text
    mantissa, exp = text.split("e")
    return f"{mantissa}×10{str(int(exp)).translate(_SUPERSCRIPT)}"


def render(expr: sympy.Expr, order: Sequence[str] = ()) -> str:
    """Unicode rendering of `expr`, factors ordered as in `order` (the declared variables)."""
    return _render(expr, tuple(order))


def _pair_log_bases(num: list[sympy.Expr], den: list[sympy.Expr]) -> list[str]:
    """Turn log(n)/log(2) back into log₂ n (base-2 logs read as lg in CS)."""
    out = []
    for d in list(den):
        if isinstance(d, sympy.log) and d.args[0].is_Integer:
            for f in num:
                if isinstance(f, sympy.log) and f.free_symbols:
                    num.remove(f)
                    den.remove(d)
                    base = str(int(d.args[0])).translate(_SUBSCRIPT)
                    out.append(f"log{base} " + _atom(f.args[0], (), "arg"))
                    break
    return out


def _render(e: sympy.Expr, order: tuple[str, ...]) -> str:
    if e.is_Add:
        terms = sorted(e.args, key=lambda t: _size_key(t, order))
        positive = next((t for t in terms if not _negative(t)), None)
        if positive is not None:  # 1 − alpha, x − m: as written, not −alpha + 1
            terms.remove(positive)
            terms.insert(0, positive)
        out = _render(terms[0], order)
        for t in terms[1:]:
            if _negative(t):
                out += " − " + _render(-t, order)
            else:
                out += " + " + _render(t, order)
        return out
    if e.is_Mul:
        coeff, rest = e.as_coeff_Mul()
        if coeff.is_Number and coeff < 0:
            return "−" + _render(-e, order)
        num, den = [], []
        factors = [rest] if not rest.is_Mul else list(rest.args)
        for f in factors:
            if f.is_Pow and f.exp.is_Number and f.exp < 0:
                den.append(sympy.Pow(f.base, -f.exp))
            else:
                num.append(f)
        if coeff.is_Rational and coeff.q != 1:
            den.insert(0, sympy.Integer(coeff.q))
            coeff = sympy.Integer(coeff.p)
        num.sort(key=lambda f: _factor_key(f, order))
        den.sort(key=lambda f: _factor_key(f, order))
        logs = _pair_log_bases(num, den)
        parts = [] if coeff == 1 else [_atom(coeff, order, "mul")]
        parts += [_atom(f, order, "mul") for f in num] + logs
        text = "·".join(parts) if parts else "1"
        if den:
            d = "·".join(_atom(f, order, "mul") for f in den)
            text += "/" + (f"({d})" if len(den) > 1 else d)
        return text
    if e.is_Pow:
        base, ex = e.base, e.exp
        if ex == sympy.Rational(1, 2):
            return "√" + _atom(base, order)
        if ex.is_Number and ex < 0:
            return "1/" + _atom(sympy.Pow(base, -ex), order)
        b = _atom(base, order)
        if ex.is_Integer:
            return b + str(int(ex)).translate(_SUPERSCRIPT)
        if ex.is_Symbol:
            sup = _SUPERSCRIPT_LETTER.get(ex.name)
            if sup:
                return b + sup
        if ex.is_Rational:
            return f"{b}^{float(ex):g}" if (ex.q in (2, 4, 5, 8, 10)) else f"{b}^({ex})"
        return f"{b}^{_atom(ex, order)}"
    if isinstance(e, sympy.log):
        return "log " + _atom(e.args[0], order, "arg")
    if isinstance(e, sympy.exp):
        return "exp(" + _render(e.args[0], order) + ")"
    if isinstance(e, sympy.factorial):
        return _atom(e.args[0], order) + "!"
    args = e.args
    for node_type, name in PRINTED_NAME.items():
        if isinstance(e, node_type):
            return f"{name}(" + ", ".join(_render(a, order) for a in args) + ")"
    if e is sympy.E:
        return "e"
    if e is sympy.pi:
        return "π"
    if e.is_Number:
        return number_text(e) if e.is_Integer else _rational_text(e)
    if e.is_Symbol:
        return e.name
    return str(e)


def _negative(term: sympy.Expr) -> bool:
    """Whether a term of a sum is printed with a minus (a negative numeric coefficient)."""
    coeff, _ = term.as_coeff_Mul()
    return bool(coeff.is_Number and coeff < 0)


def _rational_text(e: sympy.Expr) -> str:
    if e.is_Rational:
        return f"{e.p}/{e.q}"
    return number_text(e)


def _atom(e: sympy.Expr, order: tuple[str, ...], context: str = "base") -> str:
    """Render, adding parentheses where the result would otherwise read wrong.

    `context` is where the piece goes: "mul" (a factor), "base" (of a power or !),
    or "arg" (of a function written without parentheses, as in log n).
    """
    text = _render(e, order)
    simple = e.is_Symbol or (e.is_Integer and e >= 0) or e is sympy.pi
    simple = simple or isinstance(e, sympy.factorial | sympy.exp)
    if context in ("mul", "arg"):
        simple = simple or isinstance(e, sympy.log)
        simple = simple or (
            e.is_Pow and ((e.exp.is_Integer and e.exp > 0) or e.exp == sympy.Rational(1, 2))
        )
    return text if simple else f"({text})"


def _factor_key(f: sympy.Expr, order: tuple[str, ...]) -> tuple[int, int, str]:
    names = sorted(s.name for s in f.free_symbols)
    rank = min((order.index(n) for n in names if n in order), default=len(order))
    kind = 2 if isinstance(f, sympy.log) else 0 if f.is_Symbol or f.is_Pow else 1
    return (kind, rank, str(f))


def _size_key(t: sympy.Expr, order: tuple[str, ...] = ()) -> tuple[float, str]:
    """Bigger terms first, by their value with the variables near 1000 (earlier ones larger)."""
    from engine.formula.evaluate import evaluate
    from engine.formula.exact import log10_abs

    try:
        values = {
            s.name: 1000.0 - 50.0 * (order.index(s.name) if s.name in order else len(order))
            for s in t.free_symbols
        }
        v = evaluate(t, values)
        return (-log10_abs(v) if v != 0 else 0.0, str(t))
    except (ValueError, OverflowError):
        return (0.0, str(t))


# -- spelling a formula as written ---------------------------------------------

_ENDS_OPERAND = frozenset({"num", "name", "rp", "sup", "bang"})
_STARTS_OPERAND = frozenset({"num", "name", "lp", "sqrt"})


def spell(formula: str, names: Iterable[str], values: Mapping[str, str] | None = None) -> str:
    """`formula` re-spelled for reading; names found in `values` are replaced by their text.

    `values` maps a name to how its number is written (e.g. "1,024"). A value that is
    not a plain number (a sign, an exponent) is parenthesised so the line still reads
    right. Raises the parser's ParseError on text the checker would refuse too.
    """
    values = values or {}
    tokens = [t for t in tokenize(formula, names) if t.kind != "end"]
    out: list[str] = []
    prev: Token | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        is_function = tok.kind == "name" and tok.text in FUNCTION_NAMES
        if (
            prev is not None
            and prev.kind in _ENDS_OPERAND
            and not (prev.kind == "name" and prev.text in FUNCTION_NAMES)
            and tok.kind in _STARTS_OPERAND
        ):
            out.append("·")
        if tok.kind == "op" and tok.text == "^" and i + 1 < len(tokens):
            exponent = _exponent_text(tokens[i + 1], values)
            if exponent is not None:
                out.append(exponent.translate(_SUPERSCRIPT))
                prev = Token("sup", exponent, tok.pos)
                i += 2
                continue
        out.append(_token_text(tok, prev, values, is_function))
        prev = tok
        i += 1
    return "".join(out)


def _exponent_text(tok: Token, values: Mapping[str, str]) -> str | None:
    """The digits of a power that can be written as a superscript, else None."""
    if tok.kind == "num" and tok.text.isdigit():
        return tok.text
    if tok.kind == "name" and tok.text in values and values[tok.text].isdigit():
        return values[tok.text]
    return None


def _token_text(tok: Token, prev: Token | None, values: Mapping[str, str], function: bool) -> str:
    if tok.kind == "name" and not function:
        if tok.text in values:
            text = values[tok.text]
            plain = text.replace(",", "").replace(".", "", 1).isdigit()
            return text if plain else f"({text})"
        return "π" if tok.text == "pi" else tok.text
    if tok.kind == "op":
        unary = prev is None or prev.kind in ("op", "lp", "comma")
        if tok.text == "-":
            return "−" if unary else " − "
        return {"*": "·", "+": "+" if unary else " + "}.get(tok.text, tok.text)
    if tok.kind == "sup":
        text = values.get(tok.text, tok.text)  # 2ⁿ with n drawn
        return (text if text.isdigit() else tok.text).translate(_SUPERSCRIPT)
    if tok.kind == "sub":
        return tok.text.translate(_SUBSCRIPT)
    if tok.kind == "comma":
        return ", "
    return tok.text
