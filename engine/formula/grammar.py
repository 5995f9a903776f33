"""The grammar: a whitelist tokenizer and Pratt parser that turns typed maths into sympy objects.

Answers and pack formulas are both untrusted, so nothing here hands text to
`eval` or to sympy's string parser: every token is matched against a short list
of allowed forms, and the tree is built from sympy constructors directly.

Every numeric subexpression carries a shadow value computed by the guarded exact
arithmetic of `engine.formula.exact` *before* the sympy object is built, so
`9**9**9**9` or `1e999999999` is refused as "too large" at once instead of filling
memory. A power with a non-integer exponent is never built exactly unless base and
exponent are small (`9319e93^0.8711` becomes a float, where sympy would factor a
40,000-digit integer). Exponents on symbols, nesting depth and text length are
capped, and the budget is polled per token and per node: a parse is always fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

from engine.formula import exact
from engine.formula.budget import UNLIMITED, Budget
from engine.formula.errors import MathDomainError, ParseError
from engine.formula.exact import MAX_LOG10, Exact
from engine.formula.functions import FUNCTION_NAMES, FUNCTIONS

MAX_LENGTH = 300
#: Largest numeric exponent allowed on a symbolic base (n^100 is fine, n^10^6 is not).
MAX_SYMBOLIC_EXPONENT = 100
MAX_DEPTH = 40
#: A fractional power stays exact (√2, 8^(1/3), n^(3/2)) only with a small exponent
#: p/q and a numeric base (or coefficient) below 10^SMALL_BASE_LOG10; else it is a float.
SMALL_EXPONENT = 12
SMALL_BASE_LOG10 = 50


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
    "∗": "*",
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
#: Vulgar fractions, as prompts print them (−½‖q − k‖²): each is its exact value.
VULGAR_FRACTIONS = {
    "½": Fraction(1, 2),
    "⅓": Fraction(1, 3),
    "⅔": Fraction(2, 3),
    "¼": Fraction(1, 4),
    "¾": Fraction(3, 4),
    "⅛": Fraction(1, 8),
}
#: Greek letters, read as the variable they spell out where the question has one (α -> alpha).
#: θ and ω are growth wrappers (Θ, Ω) and stay so.
GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "η": "eta",
    "λ": "lambda",
    "μ": "mu",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
}
#: Subscript digits, read as plain ones: a log base (log₂ n, log₈₉ n). All ten, because the
#: printer writes any integer base this way and a learner must be able to type it back.
SUBSCRIPTS = {sub: plain for sub, plain in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True)}

_NUMBER = re.compile(
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:_\d+)*)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
)
_DIGITS = frozenset("0123456789")
#: One-character tokens and their kinds.
_PUNCTUATION = {c: "op" for c in "+-*/^"} | {
    "(": "lp",
    ")": "rp",
    ",": "comma",
    "!": "bang",
    "√": "sqrt",
    "π": "name",
}
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Growth-rate wrappers, read as the identity: O(n) is understood as n.
WRAPPERS = {"O": "O", "Θ": "Θ", "Ω": "Ω", "Theta": "Θ", "theta": "Θ", "Omega": "Ω", "omega": "Ω"}
#: Constants; `e` is Euler's number only where no variable is called e.
CONSTANTS = {"pi": "pi", "π": "pi", "e": "e"}
#: Functions that may carry a power before their argument: log² n, log^2 n.
_POWERED = frozenset({"log", "ln", "lg", "log2", "log10"})


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, lp, rp, comma, bang, sup, sqrt, sub, end
    text: str
    pos: int
    value: Fraction | None = None


@dataclass(frozen=True)
class Node:
    """A parsed subexpression: the sympy object and, when numeric, its guarded exact value."""

    expr: sympy.Expr
    num: Exact | None = None


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


def tokenize(
    text: str, names: Iterable[str], growth: bool = False, budget: Budget = UNLIMITED
) -> list[Token]:
    """Split text into whitelisted tokens; anything else is a ParseError at its position."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"too long (at most {MAX_LENGTH} characters)", MAX_LENGTH)
    known = set(names) | FUNCTION_NAMES | set(CONSTANTS)
    if growth:
        known |= set(WRAPPERS)
    text = "".join(_CHAR_MAP.get(c, c) for c in text)
    text = _BRACED_LOG_BASE.sub(_unbrace_log_base, text)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        budget.check()
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
        if c in VULGAR_FRACTIONS:
            value = VULGAR_FRACTIONS[c]
            if i > 0 and text[i - 1] in _DIGITS:  # 2½ is 2 + ½, not 2·½: ask for it plainly
                mixed = (tokens[-1].value or 0) + value
                raise ParseError(
                    f"write {tokens[-1].text}{c} as {mixed.numerator}/{mixed.denominator} "
                    f"or {float(mixed):g}",
                    i,
                )
            tokens.append(Token("num", c, i, value))
            i += 1
            continue
        if _is_times_letter(text, i, tokens, known, names):
            tokens.append(Token("op", "*", i))
            i += 1
            continue
        if c.isascii() and c.isalpha():
            m = _IDENT.match(text, i)
            assert m is not None
            word = m.group()
            glued = tokens and tokens[-1].kind == "num" and i > 0 and text[i - 1] in _DIGITS
            if glued and word[0] in "eE" and word[0] not in names:
                raise ParseError("an exponent needs its digits: write 5e9, or 5·e for Euler's e", i)
            pieces = _split_name(word, known, i)
            _refuse_glued_log_base(word, pieces, text, m.end(), i)
            for piece, offset in pieces:
                tokens.append(Token("name", piece, i + offset))
            i = m.end()
            continue
        scripts = SUPERSCRIPTS if c in SUPERSCRIPTS else SUBSCRIPTS if c in SUBSCRIPTS else None
        if scripts is not None:  # a run of ²³ or ₂: read as the plain characters
            j = i
            while j < len(text) and text[j] in scripts:
                j += 1
            kind = "sup" if scripts is SUPERSCRIPTS else "sub"
            tokens.append(Token(kind, "".join(scripts[ch] for ch in text[i:j]), i))
            i = j
            continue
        if text.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
            continue
        if c in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[c], c, i))
        elif growth and c in ("Θ", "Ω"):
            tokens.append(Token("name", c, i))
        elif c in GREEK and GREEK[c] in names:
            tokens.append(Token("name", GREEK[c], i))
        elif c in GREEK:
            raise ParseError(f"unknown name {c!r} ({GREEK[c]}){_known_names_hint(known)}", i)
        else:
            raise ParseError(f"unexpected character {c!r}", i)
        i += 1
    tokens.append(Token("end", "", len(text)))
    return tokens


#: After one of these tokens a standalone x can only be a times sign (when x is no name).
_ENDS_OPERAND = frozenset({"num", "rp", "sup"})
#: ... and it must be followed by something a factor can start with.
_TIMES_NEXT = re.compile(r"\s*[0-9.(A-Za-z√]")


def _is_times_letter(
    text: str, i: int, tokens: list[Token], known: set[str], names: Iterable[str]
) -> bool:
    """`2.1 x 10^9`, `2.1x10^9`, `n^2 x d`: a lone x or X between factors, where it is no name.

    People type the letter for ×. Only a standalone letter counts (`x10` after a number,
    not `xd`), only after a number, a closing bracket, a superscript or a variable, and only
    when neither x nor X is a name of the question.
    """
    c = text[i]
    if c not in "xX" or c in known or not tokens:
        return False
    after = text[i + 1 : i + 2]
    if after.isalpha() or after == "_":
        return False
    last = tokens[-1]
    if last.kind not in _ENDS_OPERAND and not (last.kind == "name" and last.text in names):
        return False
    return _TIMES_NEXT.match(text, i + 1) is not None


#: A log base in brackets, as LaTeX writes it: log_{k}(n) (braces are brackets by now).
_BRACED_LOG_BASE = re.compile(r"log_\(\s*(\d+|[A-Za-z]\w*)\s*\)")


def _unbrace_log_base(m: re.Match[str]) -> str:
    """log_(k) -> log_k, padded with spaces so that every later position stays where typed."""
    plain = f"log_{m.group(1)}"
    return plain + " " * (len(m.group(0)) - len(plain))


def _refuse_glued_log_base(
    word: str, pieces: list[tuple[str, int]], text: str, end: int, pos: int
) -> None:
    """`logk n` could be log_k(n) or log(k)·n: refuse it rather than guess."""
    if len(pieces) != 2 or pieces[0][0] not in _POWERED or pieces[1][0] in FUNCTION_NAMES:
        return
    rest = text[end:].lstrip()
    if rest and (rest[0].isalnum() or rest[0] == "("):
        base, arg = pieces[1][0], rest.split()[0].strip("()")
        raise ParseError(
            f"{word!r} is ambiguous: write log_{base}({arg}) for the base-{base} logarithm, "
            f"or log({base})·{arg}",
            pos,
        )


def _split_name(word: str, known: set[str], pos: int) -> list[tuple[str, int]]:
    """Read an identifier as one known name, or as juxtaposed known names ("nlogn", "nd")."""
    if word in known:
        return [(word, 0)]
    base = re.fullmatch(r"log_(\d+|[A-Za-z]\w*)", word)
    if base and (base.group(1).isdigit() or base.group(1) in known):
        return [(word, 0)]
    joined = word.replace("_", "")
    if joined != word and joined in known and joined not in FUNCTION_NAMES:
        return [(joined, 0)]  # n_q for nq: the subscript the prompt prints, typed with _
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
        raise ParseError(f"unknown name {word!r}{_known_names_hint(known)}", pos)
    return result


def _known_names_hint(known: set[str]) -> str:
    """'; known names: d, n' — the variables a learner may use, for an unknown-name message."""
    names = sorted(
        n for n in known if n not in FUNCTION_NAMES and n not in WRAPPERS and n not in CONSTANTS
    )
    return f"; known names: {', '.join(names)}" if names else ""


def _symbolic_exponent_ok(expr: sympy.Expr, pos: int) -> None:
    """Refuse n^10^6 style results, which would make later expansion explode."""
    pows = [expr] if expr.is_Pow else [a for a in expr.args if a.is_Pow] if expr.is_Mul else []
    for p in pows:
        if p.exp.is_Number and abs(p.exp) > MAX_SYMBOLIC_EXPONENT:
            raise ParseError(f"exponent too large (at most {MAX_SYMBOLIC_EXPONENT})", pos)


class _Parser:
    def __init__(
        self,
        tokens: list[Token],
        symbols: Mapping[str, sympy.Symbol],
        budget: Budget = UNLIMITED,
    ) -> None:
        self.tokens = tokens
        self.i = 0
        self.symbols = symbols
        self.depth = 0
        self.wrappers: list[str] = []
        self.budget = budget

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
        self.budget.check()
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
            return self.binary("*", Node(sympy.Integer(-1), -1), inner, t.pos)
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
            exponent = parse_node(t.text, self.symbols, t.pos, budget=self.budget)
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
        self.budget.check()
        t = self.tok
        if t.kind == "num":
            self.advance()
            assert t.value is not None
            v = t.value
            return Node(sympy.Rational(v.numerator, v.denominator), exact.guard(v))
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
                if CONSTANTS[name] == "e":
                    return Node(sympy.E, exact.exp(1))
                return Node(sympy.pi, math.pi)
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
            power = self.function_power(name) if name in _POWERED else None
            base_match = re.fullmatch(r"log_(\d+)", name)
            if name == "log" and self.tok.kind == "sub":
                base_match = re.fullmatch(r"(\d+)", self.advance().text)
            if base_match:
                base = int(base_match.group(1))
                if base < 2:
                    raise MathDomainError("a logarithm base must be at least 2", t.pos)
                log_args = self.func_args(t)
                b = Node(sympy.Integer(base), base)
                return self.raised(self.call("log", [log_args[0], b], t.pos), power, t.pos)
            args = self.func_args(t)
            return self.raised(self.call(name, args, t.pos), power, t.pos)
        found = t.text or "the end"
        raise ParseError(f"expected a number or a name, found {found!r}", t.pos)

    def function_power(self, name: str) -> Node | None:
        """The k of `log^k n` or `log² n` (a power of the value, written before the argument)."""
        t = self.tok
        if t.kind == "sup":
            self.advance()
            return parse_node(t.text, {}, t.pos, budget=self.budget)
        if t.kind == "op" and t.text == "^" and self.tokens[self.i + 1].kind == "num":
            self.advance()
            num = self.advance()
            assert num.value is not None
            return Node(sympy.Rational(num.value.numerator, num.value.denominator), num.value)
        return None

    def raised(self, node: Node, power: Node | None, pos: int) -> Node:
        return node if power is None else self.pow(node, power, pos)

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
        self.budget.check()
        if op == "^":
            return self.pow(a, b, pos)
        if op == "/" and (b.expr == 0 or (b.num is not None and b.num == 0)):
            raise MathDomainError("division by zero", pos)
        num: Exact | None = None
        if a.num is not None and b.num is not None:
            compute = {"+": exact.add, "-": exact.sub, "*": exact.mul, "/": exact.div}[op]
            num = _at(pos, compute, a.num, b.num)
        if op == "+":
            expr = a.expr + b.expr
        elif op == "-":
            expr = a.expr - b.expr
        elif op == "*":
            expr = a.expr * b.expr
        else:
            expr = a.expr / b.expr
        if num is None:
            _symbolic_exponent_ok(expr, pos)
        elif isinstance(num, float) and expr.is_Rational:
            expr = sympy.Float(num, 17)
        return Node(expr, num)

    def pow(self, a: Node, b: Node, pos: int) -> Node:
        if b.num is not None and a.num is None and abs(float(b.num)) > MAX_SYMBOLIC_EXPONENT:
            raise ParseError(f"exponent too large (at most {MAX_SYMBOLIC_EXPONENT})", pos)
        if a.num is not None and b.num is not None:
            num = _at(pos, exact.power, a.num, b.num)
            if exact.is_whole(b.num) or _small_power(a.expr, b.expr):
                return Node(sympy.Pow(a.expr, b.expr), num)
            return Node(sympy.Float(num, 17), num)
        if a.num is not None and a.num <= 0 and b.num is None:
            raise MathDomainError("a non-positive base to a symbolic power", pos)
        if a.expr.is_negative and not (b.num is not None and exact.is_whole(b.num)):
            raise MathDomainError("a negative quantity to a fractional power is not real", pos)
        exponent = b.expr
        if b.num is not None and not exact.is_whole(b.num) and not _small_power(a.expr, b.expr):
            exponent = sympy.Float(float(b.num), 17)
        expr = sympy.Pow(a.expr, exponent)
        _symbolic_exponent_ok(expr, pos)
        return Node(expr, None)

    def call(self, name: str, args: list[Node], pos: int) -> Node:
        self.budget.check()
        function = FUNCTIONS[name]
        if len(args) not in function.arities:
            count = " or ".join(str(k) for k in function.arities)
            plural = "s" if function.arities[-1] > 1 else ""
            raise ParseError(f"{name} takes {count} argument{plural}", pos)
        num: Exact | None = None
        if all(a.num is not None for a in args):
            num = _at(pos, function.value, *(a.num for a in args))
        elif name in ("log", "ln", "lg", "log2", "log10", "sqrt", "factorial"):
            if args[0].num is not None and args[0].num <= 0 and name != "factorial":
                _at(pos, function.value, args[0].num)
            if len(args) == 2 and (args[1].num is None or args[1].num <= 1):
                raise MathDomainError("a logarithm base must be a number above 1", pos)
        if name == "sqrt" and num is not None and not _small_power(args[0].expr, sympy.S.Half):
            return Node(sympy.Float(num, 17), num)
        if name == "factorial" and args[0].num is not None:
            return Node(sympy.Integer(num), num)  # exact, size already checked
        expr = function.build(*(a.expr for a in args))
        if num is not None and isinstance(num, float) and expr.is_Rational:
            expr = sympy.Float(num, 17)
        return Node(expr, num)


def _at(pos: int, compute: Callable[..., Exact], *args: Exact | None) -> Exact:
    """Run a guarded operation, tagging its error with the operator's position."""
    try:
        return compute(*args)
    except ParseError as err:
        raise type(err)(err.message, pos) from None


def _small_power(base: sympy.Expr, exponent: sympy.Expr) -> bool:
    """True when sympy may build base^exponent exactly without any risk of a slow factoring."""
    if not exponent.is_Rational:
        return False
    if abs(exponent.p) > SMALL_EXPONENT or exponent.q > SMALL_EXPONENT:
        return False
    coefficient, _ = base.as_coeff_Mul()
    if not coefficient.is_Rational:
        return coefficient.is_Float is not True
    return all(abs(part) < 10**SMALL_BASE_LOG10 for part in (coefficient.p, coefficient.q))


def make_symbols(
    variables: Iterable[str], aliases: Mapping[str, str] | None = None
) -> dict[str, sympy.Symbol]:
    """Positive real symbols: sizes in cost formulas are never negative or zero.

    `aliases` maps other spellings to a variable (N -> n); they parse to its symbol.
    """
    out = {}
    for name in variables:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name in FUNCTION_NAMES:
            raise ParseError(f"invalid variable name {name!r}")
        out[name] = sympy.Symbol(name, positive=True)
    for alias, target in (aliases or {}).items():
        if alias not in out and target in out:
            out[alias] = out[target]
    return out


def case_aliases(variables: Iterable[str]) -> dict[str, str]:
    """N for n (and n for N) where the other case is not a variable of its own."""
    names = set(variables)
    return {
        v.swapcase(): v for v in names if len(v) == 1 and v.isalpha() and v.swapcase() not in names
    }


def parse_node(
    text: str,
    symbols: Mapping[str, sympy.Symbol],
    offset: int = 0,
    growth: bool = False,
    budget: Budget = UNLIMITED,
) -> Node:
    """Parse text into a Node; positions in errors are shifted by `offset`."""
    try:
        tokens = tokenize(text, symbols, growth=growth, budget=budget)
        return _Parser(tokens, symbols, budget).parse()
    except ParseError as err:
        if offset and err.position is not None:
            raise type(err)(err.message, err.position + offset) from None
        raise


def parse_growth(
    text: str,
    variables: Iterable[str],
    budget: Budget = UNLIMITED,
    aliases: Mapping[str, str] | None = None,
) -> tuple[sympy.Expr, list[str]]:
    """Parse a growth rate such as `O(n^2 d)`; returns the expression and the wrappers seen."""
    symbols = make_symbols(variables, aliases)
    tokens = tokenize(text, symbols, growth=True, budget=budget)
    parser = _Parser(tokens, symbols, budget)
    return parser.parse().expr, parser.wrappers


def parse_formula(
    text: str,
    variables: Iterable[str],
    budget: Budget = UNLIMITED,
    aliases: Mapping[str, str] | None = None,
) -> sympy.Expr:
    """Parse `text` over the declared `variables` into a sympy expression.

    Raises ParseError (with `.message` and `.position`) for anything outside the
    whitelist: unknown names, stray characters, numbers too large, text too long.
    """
    if not isinstance(text, str):
        raise ParseError("a formula must be text")
    return parse_node(text, make_symbols(variables, aliases), budget=budget).expr
