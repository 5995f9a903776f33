"""A whitelist tokenizer and Pratt parser that turns typed maths into sympy objects.

Answers and pack formulas are both untrusted, so nothing here hands text to
`eval` or to sympy's string parser: every token is matched against a short list
of allowed forms, and the tree is built from sympy constructors directly.

Every numeric subexpression carries an mpmath shadow value, computed before the
exact sympy object is built, so `9**9**9**9` or `1e999999999` is refused as
"too large" at once instead of filling memory. Exponents on symbols, nesting
depth and text length are capped too: a parse is always fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy

from engine.answers.errors import ParseError

MAX_LENGTH = 300
#: Numbers whose magnitude is beyond 10^±MAX_LOG10 are refused as "too large".
MAX_LOG10 = 1000
#: Largest numeric exponent allowed on a symbolic base (n^100 is fine, n^10^6 is not).
MAX_SYMBOLIC_EXPONENT = 100
MAX_DEPTH = 40
_DPS = 30


class MathDomainError(ParseError):
    """Well-formed text whose value is undefined (1/0, log of 0, sqrt of a negative)."""


_CHAR_MAP = {
    "−": "-",
    "–": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∙": "*",
    "•": "*",
    "÷": "/",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
    "\n": " ",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "ϴ": "Θ",
    "θ": "Θ",
    "ω": "Ω",
}
SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
    "ⁿ": "n",
    "ᵈ": "d",
    "ᵏ": "k",
    "ᵐ": "m",
    "ʳ": "r",
    "ˣ": "x",
    "⁽": "(",
    "⁾": ")",
    "·": "*",
    "˙": "*",
    "ᐟ": "/",
}
SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7"}

_NUMBER = re.compile(
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:_\d+)*)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
)
_DIGITS = frozenset("0123456789")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Growth-rate wrappers, read as the identity: O(n) is understood as n.
WRAPPERS = {"O": "O", "Θ": "Θ", "Ω": "Ω", "Theta": "Θ", "theta": "Θ", "Omega": "Ω", "omega": "Ω"}
FUNCTIONS = frozenset(
    {"log", "lg", "ln", "log2", "log10", "sqrt", "exp", "factorial", "min", "max"}
    | {"ceil", "floor"}
)
CONSTANTS = {"pi": "pi", "π": "pi"}


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, lp, rp, comma, bang, sup, sqrt, sub, end
    text: str
    pos: int
    value: Fraction | None = None


@dataclass(frozen=True)
class Node:
    """A parsed subexpression: the exact sympy object and, when numeric, an mpmath shadow."""

    expr: sympy.Expr
    num: mpmath.mpf | None = None


def _number_value(text: str, pos: int) -> Fraction:
    """Exact value of a numeric literal, refusing exponents that would not fit."""
    clean = text.replace(",", "").replace("_", "")
    mantissa, _, exponent = clean.lower().partition("e")
    exp10 = int(exponent) if exponent else 0
    digits = mantissa.replace(".", "").lstrip("0")
    int_part = mantissa.split(".")[0].lstrip("0")
    magnitude = (len(int_part) if int_part else -(len(digits) - len(digits.lstrip("0")))) + exp10
    if digits and abs(magnitude) > MAX_LOG10:
        raise ParseError("number too large", pos)
    if len(digits) > 60:
        raise ParseError("too many digits", pos)
    value = Fraction(mantissa) if mantissa not in ("", ".") else Fraction(0)
    return value * Fraction(10) ** exp10


def tokenize(text: str, names: Iterable[str], growth: bool = False) -> list[Token]:
    """Split text into whitelisted tokens; anything else is a ParseError at its position."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"too long (at most {MAX_LENGTH} characters)", MAX_LENGTH)
    known = set(names) | FUNCTIONS | set(CONSTANTS)
    if growth:
        known |= set(WRAPPERS)
    text = "".join(_CHAR_MAP.get(c, c) for c in text)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == " ":
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < len(text) and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("num", m.group(), i, _number_value(m.group(), i)))
            i = m.end()
            continue
        if c.isascii() and c.isalpha():
            m = _IDENT.match(text, i)
            assert m is not None
            word = m.group()
            for piece, offset in _split_name(word, known, i):
                tokens.append(Token("name", piece, i + offset))
            i = m.end()
            continue
        if c in SUPERSCRIPTS:
            j = i
            while j < len(text) and text[j] in SUPERSCRIPTS:
                j += 1
            tokens.append(Token("sup", "".join(SUPERSCRIPTS[ch] for ch in text[i:j]), i))
            i = j
            continue
        if c in SUBSCRIPTS:
            j = i
            while j < len(text) and text[j] in SUBSCRIPTS:
                j += 1
            tokens.append(Token("sub", "".join(SUBSCRIPTS[ch] for ch in text[i:j]), i))
            i = j
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if c in "+-*/^":
            tokens.append(Token("op", c, i))
        elif c == "(":
            tokens.append(Token("lp", c, i))
        elif c == ")":
            tokens.append(Token("rp", c, i))
        elif c == ",":
            tokens.append(Token("comma", c, i))
        elif c == "!":
            tokens.append(Token("bang", c, i))
        elif c == "√":
            tokens.append(Token("sqrt", c, i))
        elif c == "π":
            tokens.append(Token("name", "π", i))
        elif growth and c in ("Θ", "Ω"):
            tokens.append(Token("name", c, i))
        else:
            raise ParseError(f"unexpected character {c!r}", i)
        i += 1
    tokens.append(Token("end", "", len(text)))
    return tokens


def _split_name(word: str, known: set[str], pos: int) -> list[tuple[str, int]]:
    """Read an identifier as one known name, or as juxtaposed known names ("nlogn", "nd")."""
    if word in known:
        return [(word, 0)]
    base = re.fullmatch(r"log_(\d+|[A-Za-z]\w*)", word)
    if base and (base.group(1).isdigit() or base.group(1) in known):
        return [(word, 0)]
    # Fewest pieces wins; dynamic programming over prefixes keeps this linear-ish.
    best: list[list[tuple[str, int]] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 12), end):
            prev = best[start]
            piece = word[start:end]
            if prev is not None and piece in known:
                cand = [*prev, (piece, start)]
                current = best[end]
                if current is None or len(cand) < len(current):
                    best[end] = cand
    result = best[len(word)]
    if result is None:
        hint = ", ".join(
            sorted(
                n for n in known if n not in FUNCTIONS and n not in WRAPPERS and n not in CONSTANTS
            )
        )
        hint = f"; known names: {hint}" if hint else ""
        raise ParseError(f"unknown name {word!r}{hint}", pos)
    return result


def _check_num(value: mpmath.mpf | mpmath.mpc, pos: int, what: str = "value") -> mpmath.mpf:
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > 1e-20 * max(1, abs(value.real)):
            raise MathDomainError(f"{what} is not a real number", pos)
        value = value.real
    if not mpmath.isfinite(value):
        raise MathDomainError(f"{what} is undefined", pos)
    if value != 0 and abs(mpmath.log10(abs(value))) > MAX_LOG10:
        raise ParseError("number too large" if abs(value) > 1 else "number too small", pos)
    return value


def _symbolic_exponent_ok(expr: sympy.Expr, pos: int) -> None:
    """Refuse n^10^6 style results, which would make later expansion explode."""
    pows = [expr] if expr.is_Pow else [a for a in expr.args if a.is_Pow] if expr.is_Mul else []
    for p in pows:
        if p.exp.is_Number and abs(p.exp) > MAX_SYMBOLIC_EXPONENT:
            raise ParseError(f"exponent too large (at most {MAX_SYMBOLIC_EXPONENT})", pos)


class _Parser:
    def __init__(self, tokens: list[Token], symbols: Mapping[str, sympy.Symbol]) -> None:
        self.tokens = tokens
        self.i = 0
        self.symbols = symbols
        self.depth = 0
        self.wrappers: list[str] = []

    # -- helpers -------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            found = self.tok.text or "the end"
            raise ParseError(f"expected {what}, found {found!r}", self.tok.pos)
        return self.advance()

    def _starts_operand(self, t: Token) -> bool:
        return t.kind in ("num", "name", "lp", "sqrt")

    # -- grammar -------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ParseError("empty answer", 0)
        node = self.expr()
        if self.tok.kind != "end":
            raise ParseError(f"unexpected {self.tok.text!r}", self.tok.pos)
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("too deeply nested", self.tok.pos)
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance()
            rhs = self.term()
            node = self.binary(op.text, node, rhs, op.pos)
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in "*/":
                self.advance()
                rhs = self.unary()
                node = self.binary(t.text, node, rhs, t.pos)
            elif self._starts_operand(t):
                if t.kind == "num" and self.tokens[self.i - 1].kind == "num":
                    raise ParseError("two numbers in a row", t.pos)
                rhs = self.power()
                node = self.binary("*", node, rhs, t.pos)
            else:
                return node

    def unary(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ParseError("too deeply nested", t.pos)
            inner = self.unary()
            self.depth -= 1
            if t.text == "+":
                return inner
            return self.binary("*", Node(sympy.Integer(-1), mpmath.mpf(-1)), inner, t.pos)
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        t = self.tok
        if t.kind == "op" and t.text == "^":
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ParseError("too deeply nested", t.pos)
            exponent = self.unary()
            self.depth -= 1
            return self.binary("^", base, exponent, t.pos)
        if t.kind == "sup":
            self.advance()
            exponent = parse_node(t.text, self.symbols, t.pos)
            node = self.binary("^", base, exponent, t.pos)
            return node
        return base

    def postfix(self) -> Node:
        node = self.primary()
        while self.tok.kind == "bang":
            t = self.advance()
            node = self.call("factorial", [node], t.pos)
        return node

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.advance()
            assert t.value is not None
            v = t.value
            return Node(sympy.Rational(v.numerator, v.denominator), _frac_mp(v))
        if t.kind == "lp":
            self.advance()
            node = self.expr()
            self.expect("rp", "')'")
            return node
        if t.kind == "sqrt":
            self.advance()
            return self.call("sqrt", [self.power()], t.pos)
        if t.kind == "name":
            self.advance()
            name = t.text
            if name in self.symbols:
                return Node(self.symbols[name])
            if name in CONSTANTS:
                return Node(sympy.pi, mpmath.pi)
            if name in WRAPPERS:
                self.wrappers.append(WRAPPERS[name])
                self.expect("lp", f"'(' after {name}")
                node = self.expr()
                self.expect("rp", "')'")
                return node
            symbol_base = re.fullmatch(r"log_([A-Za-z]\w*)", name)
            if symbol_base and symbol_base.group(1) in self.symbols:  # log_k n = log n / log k
                arg = self.func_args(t)[0]
                if arg.num is not None and arg.num <= 0:
                    raise MathDomainError("logarithm of a non-positive number", t.pos)
                base_expr = self.symbols[symbol_base.group(1)]
                return Node(sympy.log(arg.expr) / sympy.log(base_expr), None)
            base_match = re.fullmatch(r"log_(\d+)", name)
            if name == "log" and self.tok.kind == "sub":
                base_match = re.fullmatch(r"(\d+)", self.advance().text)
            if base_match:
                base = int(base_match.group(1))
                if base < 2:
                    raise MathDomainError("a logarithm base must be at least 2", t.pos)
                log_args = self.func_args(t)
                b = Node(sympy.Integer(base), mpmath.mpf(base))
                return self.call("log", [log_args[0], b], t.pos)
            args = self.func_args(t)
            return self.call(name, args, t.pos)
        found = t.text or "the end"
        raise ParseError(f"expected a number or a name, found {found!r}", t.pos)

    def func_args(self, name_tok: Token) -> list[Node]:
        """Arguments in parentheses, or a bare operand: `log n`, `sqrt n`, `log log n`."""
        if self.tok.kind == "lp":
            self.advance()
            args = [self.expr()]
            while self.tok.kind == "comma":
                self.advance()
                args.append(self.expr())
            self.expect("rp", "')'")
            return args
        if self._starts_operand(self.tok):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ParseError("too deeply nested", self.tok.pos)
            arg = self.power()
            self.depth -= 1
            return [arg]
        raise ParseError(f"expected an argument after {name_tok.text!r}", self.tok.pos)

    # -- node construction ---------------------------------------------------
    def binary(self, op: str, a: Node, b: Node, pos: int) -> Node:
        x, y = a.num, b.num
        with mpmath.workdps(_DPS):
            if op == "+":
                num = x + y if x is not None and y is not None else None
                expr = a.expr + b.expr
            elif op == "-":
                num = x - y if x is not None and y is not None else None
                expr = a.expr - b.expr
            elif op == "*":
                num = x * y if x is not None and y is not None else None
                expr = a.expr * b.expr
            elif op == "/":
                if y is not None and y == 0:
                    raise MathDomainError("division by zero", pos)
                if b.expr == 0:
                    raise MathDomainError("division by zero", pos)
                num = x / y if x is not None and y is not None else None
                expr = a.expr / b.expr
            else:
                return self.pow(a, b, pos)
        if num is not None:
            num = _check_num(num, pos)
        else:
            _symbolic_exponent_ok(expr, pos)
        return Node(expr, num)

    def pow(self, a: Node, b: Node, pos: int) -> Node:
        if b.num is not None and a.num is None and abs(b.num) > MAX_SYMBOLIC_EXPONENT:
            raise ParseError(f"exponent too large (at most {MAX_SYMBOLIC_EXPONENT})", pos)
        if a.num is not None and b.num is not None:
            if a.num == 0 and b.num <= 0:
                raise MathDomainError("0 to a non-positive power is undefined", pos)
            if a.num < 0 and b.num != int(b.num):
                raise MathDomainError("a negative number to a fractional power", pos)
            with mpmath.workdps(_DPS):
                if a.num != 0 and abs(b.num * mpmath.log10(abs(a.num))) > MAX_LOG10:
                    raise ParseError("number too large", pos)
                num = _check_num(mpmath.power(a.num, b.num), pos)
            return Node(sympy.Pow(a.expr, b.expr), num)
        if a.num is not None and a.num <= 0 and b.num is None:
            raise MathDomainError("a non-positive base to a symbolic power", pos)
        expr = sympy.Pow(a.expr, b.expr)
        _symbolic_exponent_ok(expr, pos)
        return Node(expr, None)

    def call(self, name: str, args: list[Node], pos: int) -> Node:
        arity = 2 if name in ("min", "max") else None
        if name == "log" and len(args) == 2:
            arity = 2
        if arity is None and len(args) != 1:
            raise ParseError(f"{name} takes one argument", pos)
        if arity == 2 and len(args) != 2:
            raise ParseError(f"{name} takes two arguments", pos)
        x = args[0]
        with mpmath.workdps(_DPS):
            if name in ("log", "ln", "lg", "log2", "log10"):
                base: int | Node | None = {"lg": 2, "log2": 2, "log10": 10}.get(name)
                if len(args) == 2:
                    if args[1].num is None or args[1].num <= 1:
                        raise MathDomainError("a logarithm base must be a number above 1", pos)
                    base = args[1]
                if x.num is not None and x.num <= 0:
                    raise MathDomainError("logarithm of a non-positive number", pos)
                if isinstance(base, Node):
                    expr = sympy.log(x.expr, base.expr)
                    num = mpmath.log(x.num) / mpmath.log(base.num) if x.num is not None else None
                elif base is not None:
                    expr = sympy.log(x.expr, sympy.Integer(base))
                    num = mpmath.log(x.num, base) if x.num is not None else None
                else:
                    expr = sympy.log(x.expr)
                    num = mpmath.log(x.num) if x.num is not None else None
            elif name == "sqrt":
                if x.num is not None and x.num < 0:
                    raise MathDomainError("square root of a negative number", pos)
                expr = sympy.sqrt(x.expr)
                num = mpmath.sqrt(x.num) if x.num is not None else None
            elif name == "exp":
                if x.num is not None and x.num > MAX_LOG10 * 2.3:
                    raise ParseError("number too large", pos)
                expr = sympy.exp(x.expr)
                num = mpmath.exp(x.num) if x.num is not None else None
            elif name == "factorial":
                if x.num is not None:
                    if x.num < 0 or x.num != int(x.num):
                        raise MathDomainError("factorial needs a whole number ≥ 0", pos)
                    if x.num > 1 and mpmath.loggamma(x.num + 1) / math.log(10) > MAX_LOG10:
                        raise ParseError("number too large", pos)
                expr = sympy.factorial(x.expr)
                num = mpmath.factorial(x.num) if x.num is not None else None
            elif name in ("min", "max"):
                y = args[1]
                fn = sympy.Min if name == "min" else sympy.Max
                expr = fn(x.expr, y.expr)
                num = None
                if x.num is not None and y.num is not None:
                    num = min(x.num, y.num) if name == "min" else max(x.num, y.num)
            elif name in ("ceil", "floor"):
                expr = sympy.ceiling(x.expr) if name == "ceil" else sympy.floor(x.expr)
                num = None
                if x.num is not None:
                    num = mpmath.ceil(x.num) if name == "ceil" else mpmath.floor(x.num)
            else:  # pragma: no cover - the tokenizer only lets known names through
                raise ParseError(f"unknown function {name!r}", pos)
        if num is not None:
            num = _check_num(num, pos, f"{name}(…)")
        return Node(expr, num)


def _frac_mp(v: Fraction) -> mpmath.mpf:
    with mpmath.workdps(_DPS):
        return mpmath.mpf(v.numerator) / v.denominator


def make_symbols(variables: Iterable[str]) -> dict[str, sympy.Symbol]:
    """Positive real symbols: sizes in cost formulas are never negative or zero."""
    out = {}
    for name in variables:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name in FUNCTIONS:
            raise ParseError(f"invalid variable name {name!r}")
        out[name] = sympy.Symbol(name, positive=True)
    return out


def parse_node(
    text: str,
    symbols: Mapping[str, sympy.Symbol],
    offset: int = 0,
    growth: bool = False,
) -> Node:
    """Parse text into a Node; positions in errors are shifted by `offset`."""
    try:
        tokens = tokenize(text, symbols, growth=growth)
        return _Parser(tokens, symbols).parse()
    except ParseError as err:
        if offset and err.position is not None:
            raise type(err)(err.message, err.position + offset) from None
        raise


def parse_growth(text: str, variables: Iterable[str]) -> tuple[sympy.Expr, list[str]]:
    """Parse a growth rate such as `O(n^2 d)`; returns the expression and the wrappers seen."""
    symbols = make_symbols(variables)
    tokens = tokenize(text, symbols, growth=True)
    parser = _Parser(tokens, symbols)
    return parser.parse().expr, parser.wrappers


def parse_formula(text: str, variables: Iterable[str]) -> sympy.Expr:
    """Parse `text` over the declared `variables` into a sympy expression.

    Raises ParseError (with `.message` and `.position`) for anything outside the
    whitelist: unknown names, stray characters, numbers too large, text too long.
    """
    if not isinstance(text, str):
        raise ParseError("a formula must be text")
    return parse_node(text, make_symbols(variables)).expr


def evaluate_formula(text: str | float | int, params: Mapping[str, float]) -> float:
    """The value of a formula with every variable set from `params` (pack formulas, answers)."""
    if isinstance(text, bool):
        raise ParseError("a formula must be text or a number")
    if isinstance(text, int | float):
        return float(text)
    expr = parse_formula(text, params.keys())
    value = evaluate(expr, params)
    return float(value)


def evaluate(expr: sympy.Expr, values: Mapping[str, float]) -> mpmath.mpf:
    """Evaluate a parsed expression with mpmath by walking the tree (no code generation).

    Raises MathDomainError for undefined values (division by zero, log of 0).
    """
    with mpmath.workdps(_DPS):
        result = _value_of(expr, values)
        if isinstance(result, mpmath.mpc):
            if abs(result.imag) > 1e-12 * max(1, abs(result.real)):
                raise MathDomainError("the value is not a real number")
            result = result.real
        if not mpmath.isfinite(result):
            raise MathDomainError("the value is undefined")
        return result


def _value_of(e: sympy.Basic, values: Mapping[str, float]) -> mpmath.mpf:
    if e.is_Symbol:
        try:
            return mpmath.mpf(values[e.name])
        except KeyError:
            raise MathDomainError(f"no value for {e.name}") from None
    if e.is_Integer:
        return mpmath.mpf(int(e))
    if e.is_Rational:
        return mpmath.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return mpmath.mpf(e._mpf_)
    if e is sympy.pi:
        return +mpmath.pi
    if e is sympy.E:
        return +mpmath.e
    if e.is_Add:
        total = mpmath.mpf(0)
        for a in e.args:
            total += _value_of(a, values)
        return total
    if e.is_Mul:
        prod = mpmath.mpf(1)
        for a in e.args:
            prod *= _value_of(a, values)
        return prod
    if e.is_Pow:
        base = _value_of(e.base, values)
        ex = _value_of(e.exp, values)
        if base == 0 and ex <= 0:
            raise MathDomainError("division by zero")
        if base != 0 and abs(ex * mpmath.log10(abs(base))) > 10 * MAX_LOG10:
            raise MathDomainError("overflow")
        return mpmath.power(base, ex)
    if isinstance(e, sympy.log):
        x = _value_of(e.args[0], values)
        if x <= 0:
            raise MathDomainError("logarithm of a non-positive number")
        return mpmath.log(x)
    if isinstance(e, sympy.exp):
        x = _value_of(e.args[0], values)
        if x > 10 * MAX_LOG10:
            raise MathDomainError("overflow")
        return mpmath.exp(x)
    if isinstance(e, sympy.factorial):
        x = _value_of(e.args[0], values)
        if x < 0:
            raise MathDomainError("factorial of a negative number")
        if x > 10**6:
            raise MathDomainError("overflow")
        return mpmath.factorial(x)
    if isinstance(e, sympy.Min | sympy.Max):
        vals = [_value_of(a, values) for a in e.args]
        return min(vals) if isinstance(e, sympy.Min) else max(vals)
    if isinstance(e, sympy.ceiling):
        return mpmath.ceil(_value_of(e.args[0], values))
    if isinstance(e, sympy.floor):
        return mpmath.floor(_value_of(e.args[0], values))
    if e.is_Number:  # zoo, nan, oo
        raise MathDomainError("the value is undefined")
    raise MathDomainError(f"cannot evaluate {type(e).__name__}")
