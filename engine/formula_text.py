"""How a pack formula is written for people, and with a variant's numbers in place of names.

A derivation step reads best as a textbook line: `2·n²·d = 2·768²·512 = 603,979,776`.
Authors write formulas as `2*n^2*d`; this module re-spells them from the safe
parser's tokens (so it accepts exactly what the checker accepts and never evaluates
anything): `*` becomes `·`, small integer powers become superscripts, implicit products
get their `·` back, and, for the numbers line, each drawn parameter is replaced by its
value as the prompt writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.answers.parser import FUNCTIONS, SUBSCRIPTS, SUPERSCRIPTS, Token, tokenize

#: The parser reads superscripts and subscripts as plain text; these write them back.
_SUPERSCRIPT = str.maketrans({plain: sup for sup, plain in reversed(SUPERSCRIPTS.items())})
_SUBSCRIPT = str.maketrans({plain: sub for sub, plain in SUBSCRIPTS.items()})
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
        is_function = tok.kind == "name" and tok.text in FUNCTIONS
        if (
            prev is not None
            and prev.kind in _ENDS_OPERAND
            and not (prev.kind == "name" and prev.text in FUNCTIONS)
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
