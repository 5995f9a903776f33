"""LaTeX as interviewees type it: `O(n^2 \\cdot d)`, `\\frac{n^2 d}{B}`, `2 \\times 10^9`.

People who write maths all day type `\\Theta(n^2 d)` or `\\sqrt{d}` without thinking; refusing
that as unreadable costs them a retry for nothing. `plain` rewrites a small, explicit set
of commands into the parser's own syntax *as text* (the result still goes through the
whitelist grammar: nothing is evaluated or handed to sympy here), in one linear pass.

Every command is replaced by text of the same length (padded with spaces), so an error
position the grammar reports still points at the character the learner typed. Only
`\\frac{a}{b}` grows, by two characters, into `((a)/(b))`. A command outside the set is
refused by name, never skipped: `\\binom` silently dropped would change the answer.
"""

from __future__ import annotations

import re

from engine.answers.errors import ParseError
from engine.formula.grammar import MAX_LENGTH

#: Commands replaced by a plain spelling. Names (log, sqrt) get a space before them so
#: `n\log n` stays two factors; growth wrappers and Greek letters become the characters
#: the grammar already reads.
_REPLACEMENTS: dict[str, str] = {
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "approx": "≈",
    "sim": "~",
    "Theta": "Θ",
    "theta": "Θ",
    "Omega": "Ω",
    "log": " log",
    "ln": " ln",
    "lg": " lg",
    "exp": " exp",
    "sqrt": " sqrt",
    "max": " max",
    "min": " min",
    "pi": "π",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "lambda": "λ",
    "mu": "μ",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    # sizing and spacing: the bracket or space after them is what counts
    "left": "",
    "right": "",
    "bigl": "",
    "bigr": "",
    "big": "",
    "Big": "",
    "quad": "",
    "qquad": "",
}
#: One-character commands: thin and negative spaces, escaped percent signs and braces.
_SYMBOLS = {",": "", ";": "", ":": "", "!": "", " ": "", "%": "%", "{": "(", "}": ")"}
#: Commands whose braced argument is kept as typed: \mathcal{O}, \text{GiB}, \operatorname{O}.
_FONTS = frozenset(
    {"text", "textrm", "mathrm", "mathit", "mathcal", "mathbf", "mathsf", "operatorname"}
)
_FRACTIONS = frozenset({"frac", "dfrac", "tfrac"})
_COMMAND = re.compile(r"\\([A-Za-z]+|.?)")
#: What a brace closes: a plain group, a font's argument, a fraction's numerator or denominator.
_PLAIN, _FONT, _NUMERATOR, _DENOMINATOR = "plain", "font", "numerator", "denominator"


def plain(text: str) -> str:
    """`text` with its LaTeX rewritten in the grammar's syntax; ParseError for what is not read.

    Dollar signs around the whole answer (`$O(n^2)$`) are dropped; text without a
    backslash is otherwise returned unchanged.
    """
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] == stripped[-1] == "$":
        text = text.replace("$", " ")
    if "\\" not in text:
        return text
    if len(text) > MAX_LENGTH:  # every rewrite keeps or grows the length: refuse it here
        raise ParseError(f"too long (at most {MAX_LENGTH} characters)", MAX_LENGTH)
    out: list[str] = []
    closes: list[str] = []  # one entry per open brace: what its closing brace becomes
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i = _command(text, i, out, closes)
            continue
        if c == "{":  # a group is a bracket: 10^{9}, log_{2}
            closes.append(_PLAIN)
            c = "("
        elif c == "}" and closes:
            i = _close(text, i, out, closes.pop(), closes)
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _command(text: str, i: int, out: list[str], closes: list[str]) -> int:
    """Rewrite the command at `text[i]` (a backslash) into `out`; the index after it."""
    m = _COMMAND.match(text, i)
    assert m is not None  # the pattern matches any backslash
    name, end = m.group(1), m.end()
    after = _skip_spaces(text, end)
    if name == "sqrt" and text.startswith("[", after):  # \sqrt[3]{x} would read as √3·x
        raise ParseError("write a root of another order as a power: x^(1/3) for \\sqrt[3]{x}", i)
    if name in _REPLACEMENTS or name in _SYMBOLS:
        spelled = _REPLACEMENTS.get(name, _SYMBOLS.get(name, ""))
        out.append(spelled.ljust(end - i))
        return end
    if name in _FONTS or name in _FRACTIONS:
        if not text.startswith("{", after):
            raise ParseError(f"\\{name} needs its argument in braces, as \\{name}{{…}}", i)
        closes.append(_FONT if name in _FONTS else _NUMERATOR)
        out.append(("" if name in _FONTS else "((").ljust(after + 1 - i))
        return after + 1
    shown = f"\\{name}" if name else "a lone \\"
    raise ParseError(f"cannot read the LaTeX command {shown}; write it plainly", i)


def _close(text: str, i: int, out: list[str], kind: str, closes: list[str]) -> int:
    """Rewrite the closing brace at `text[i]` for what it closes; the index after it."""
    if kind == _NUMERATOR:
        brace = _skip_spaces(text, i + 1)
        if not text.startswith("{", brace):
            raise ParseError("\\frac needs two parts in braces: \\frac{a}{b}", i)
        closes.append(_DENOMINATOR)
        out.append(")" + " " * (brace - i - 1) + "/(")
        return brace + 1
    out.append({_PLAIN: ")", _FONT: " ", _DENOMINATOR: "))"}[kind])
    return i + 1


def _skip_spaces(text: str, i: int) -> int:
    """The index of the first character at or after `i` that is not a space."""
    while i < len(text) and text[i] == " ":
        i += 1
    return i
