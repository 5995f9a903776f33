"""Growth-rate answers: `O(n^2 d)`, `Θ(d·n²)`, `n log n`, `n²d + nd²`, `2^n`, `n!`.

Rather than asking sympy for limits (slow, and sometimes undecided), every term is
reduced to a monomial profile per variable v:

    exp(a·v·ln v + b·v) · v^p · (ln v)^q · (ln ln v)^r      ->  (a, b, p, q, r)

so n! ≈ (1, −1, ½, 0, 0) by Stirling, 2ⁿ = (0, ln 2, 0, 0, 0), n^1.5 = (0, 0, 1.5, 0, 0).
With variables growing independently, t₂ = O(t₁) exactly when every variable's
profile of t₂ is lexicographically ≤ that of t₁; a regime such as `n >> d` chains
variables into one lexicographic key, `d: n` merges them, `d: constant` drops d.
A class is the set of undominated terms: comparing classes is comparing sets.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import cast

import sympy

from engine.answers.errors import MathDomainError, ParseError, SpecError, Undecided
from engine.answers.verdict import Verdict, invalid
from engine.formula import UNLIMITED, Budget, evaluate, parse_growth, render
from engine.formula.grammar import case_aliases

Profile = tuple[float, float, float, float, float]
_ZERO: Profile = (0.0, 0.0, 0.0, 0.0, 0.0)
_EPS = 1e-9
MAX_TERMS = 200


class NotGrowth(Exception):
    """The expression is not a growth rate (zero, negative, undefined)."""


@dataclass(frozen=True)
class Term:
    """coef · Π_v profile_v. `shown` is the written rational coefficient (log bases excluded)."""

    coef: float
    shown: float
    prof: tuple[tuple[str, Profile], ...]  # sorted by variable, zero profiles omitted

    @property
    def profile(self) -> dict[str, Profile]:
        return dict(self.prof)

    def times(self, other: Term) -> Term:
        merged = dict(self.prof)
        for v, p in other.prof:
            merged[v] = _add(merged.get(v, _ZERO), p)
        return Term(self.coef * other.coef, self.shown * other.shown, _norm(merged))

    def power(self, k: float) -> Term:
        if self.coef < 0 and not float(k).is_integer():
            raise NotGrowth("a negative quantity to a fractional power")
        coef = self.coef**k if self.coef != 0 else 0.0
        shown = abs(self.shown) ** k * (1 if self.shown >= 0 or k % 2 == 0 else -1)
        return Term(coef, shown, _norm({v: _scale(p, k) for v, p in self.prof}))


def _add(p: Profile, q: Profile) -> Profile:
    return tuple(a + b for a, b in zip(p, q, strict=True))  # type: ignore[return-value]


def _scale(p: Profile, k: float) -> Profile:
    return tuple(a * k for a in p)  # type: ignore[return-value]


def _clean(x: float) -> float:
    r = round(x)
    return float(r) if abs(x - r) < _EPS else round(x, 9)


def _norm(profiles: Mapping[str, Profile]) -> tuple[tuple[str, Profile], ...]:
    out: list[tuple[str, Profile]] = []
    for v in sorted(profiles):
        p = cast(Profile, tuple(_clean(x) for x in profiles[v]))
        if any(p):
            out.append((v, p))
    return tuple(out)


def _combine(terms: Iterable[Term]) -> list[Term]:
    """Add like terms (same profile), dropping those that cancel."""
    acc: dict[tuple, tuple[float, float]] = {}
    for t in terms:
        c, s = acc.get(t.prof, (0.0, 0.0))
        acc[t.prof] = (c + t.coef, s + t.shown)
    out = [Term(c, s, prof) for prof, (c, s) in acc.items() if abs(c) > 1e-12]
    if len(out) > MAX_TERMS:
        raise Undecided("too many terms")
    return out


# -- sympy expression -> terms ------------------------------------------------


class _Converter:
    def __init__(self, variables: Sequence[str], deadline: Budget) -> None:
        self.variables = set(variables)
        self.deadline = deadline

    def terms(self, e: sympy.Expr) -> list[Term]:
        self.deadline.check()
        if e.is_Number:
            if e.is_zero:
                return []
            if not e.is_finite:
                raise NotGrowth("undefined")
            v = _constant(e, self.deadline)
            return [Term(v, v, ())]
        if not e.free_symbols:  # log(2), sqrt(2), pi: constant, not a written coefficient
            v = _constant(e, self.deadline)
            if not math.isfinite(v):
                raise NotGrowth("undefined")
            if v == 0:
                return []
            return [Term(v, math.copysign(1.0, v), ())]
        if e.is_Symbol:
            return [Term(1.0, 1.0, ((e.name, (0.0, 0.0, 1.0, 0.0, 0.0)),))]
        if e.is_Add:
            out: list[Term] = []
            for a in e.args:
                out.extend(self.terms(a))
            return _combine(out)
        if e.is_Mul:
            acc = [Term(1.0, 1.0, ())]
            for a in e.args:
                part = self.terms(a)
                if len(acc) * len(part) > MAX_TERMS:
                    raise Undecided("too many terms")
                acc = _combine(x.times(y) for x in acc for y in part)
            return acc
        if e.is_Pow:
            return self.pow(e.base, e.exp)
        if isinstance(e, sympy.exp):
            return [self.exponential(e.args[0])]
        if isinstance(e, sympy.log):
            return self.log(e.args[0])
        if isinstance(e, sympy.factorial):
            return [self.factorial(e.args[0])]
        if isinstance(e, sympy.Max):  # Θ(max(a, b)) = Θ(a + b) for positive a, b
            out = []
            for a in e.args:
                out.extend(self.terms(a))
            return undominated(_combine(out), _Order(), self.deadline)
        if isinstance(e, sympy.ceiling | sympy.floor):
            return self.terms(e.args[0])
        raise Undecided(f"cannot compare {type(e).__name__}")

    def pow(self, base: sympy.Expr, ex: sympy.Expr) -> list[Term]:
        if not ex.free_symbols:
            k = _constant(ex, self.deadline)
            parts = self.terms(base)
            if not parts:
                if k <= 0:
                    raise NotGrowth("division by zero")
                return []
            if len(parts) == 1:
                return [parts[0].power(k)]
            if float(k).is_integer() and 0 < k <= 6:
                acc = parts
                for _ in range(int(k) - 1):
                    if len(acc) * len(parts) > MAX_TERMS:
                        raise Undecided("too many terms")
                    acc = _combine(x.times(y) for x in acc for y in parts)
                return acc
            top = undominated(parts, _Order(), self.deadline)
            if k > 0:
                return _combine(t.power(k) for t in top)
            if len(top) == 1:
                return [top[0].power(k)]
            raise Undecided("cannot compare a reciprocal of a sum")
        if not base.free_symbols:
            c = _constant(base, self.deadline)
            if c <= 0:
                raise NotGrowth("non-positive base")
            return [self.exponential(ex * sympy.log(base))]
        return [self.exponential(ex * sympy.log(base))]

    def exponential(self, arg: sympy.Expr) -> Term:
        """exp(arg), where arg must be a sum of a·v·ln v, b·v, p·ln v, q·ln ln v and constants."""
        total: dict[str, list[float]] = {}
        for t in self.terms(sympy.expand(arg) if _small(arg) else arg):
            if not t.prof:
                continue  # a constant in the exponent is a constant factor
            if len(t.prof) != 1:
                raise Undecided("an exponent mixing variables")
            v, p = t.prof[0]
            slot = {
                (0.0, 0.0, 1.0, 1.0, 0.0): 0,
                (0.0, 0.0, 1.0, 0.0, 0.0): 1,
                (0.0, 0.0, 0.0, 1.0, 0.0): 2,
                (0.0, 0.0, 0.0, 0.0, 1.0): 3,
            }.get(p)
            if slot is None:
                raise Undecided("an exponent I cannot compare")
            total.setdefault(v, [0.0] * 5)[slot] += t.coef
        prof = {v: (c[0], c[1], c[2], c[3], 0.0) for v, c in total.items()}
        return Term(1.0, 1.0, _norm(prof))

    def log(self, arg: sympy.Expr) -> list[Term]:
        """log of a sum ≍ the sum of the logs of its undominated terms (leading part only)."""
        parts = self.terms(arg)
        if not parts:
            raise NotGrowth("log of 0")
        out: list[Term] = []
        for t in undominated(parts, _Order(), self.deadline):
            if t.coef <= 0:
                raise NotGrowth("log of a negative quantity")
            for v, (a, b, p, q, _r) in t.prof:
                if a:
                    lead = (a, (0.0, 0.0, 1.0, 1.0, 0.0))
                elif b:
                    lead = (b, (0.0, 0.0, 1.0, 0.0, 0.0))
                elif p:
                    lead = (p, (0.0, 0.0, 0.0, 1.0, 0.0))
                elif q:
                    lead = (q, (0.0, 0.0, 0.0, 0.0, 1.0))
                else:
                    raise Undecided("log log log is beyond what I compare")
                out.append(Term(lead[0], math.copysign(1.0, lead[0]), ((v, lead[1]),)))
            if not t.prof:
                out.append(Term(math.log(t.coef) or 1.0, 1.0, ()))
        return _combine(out)

    def factorial(self, arg: sympy.Expr) -> Term:
        parts = self.terms(arg)
        if len(parts) == 1 and len(parts[0].prof) == 1:
            v, p = parts[0].prof[0]
            c = parts[0].coef
            if p == (0.0, 0.0, 1.0, 0.0, 0.0) and c > 0:
                # Stirling: (c·v)! ≍ exp(c·v·ln v + (c·ln c − c)·v) · √v
                return Term(1.0, 1.0, _norm({v: (c, c * math.log(c) - c, 0.5, 0.0, 0.0)}))
        if len(parts) == 1 and not parts[0].prof:
            return Term(1.0, 1.0, ())
        raise Undecided("a factorial of something other than a multiple of one variable")


def _constant(e: sympy.Expr, budget: Budget) -> float:
    """A constant part's value through the formula core (too large to compare: Undecided)."""
    try:
        return float(evaluate(e, {}, budget))
    except MathDomainError as err:
        raise NotGrowth(err.message) from None
    except (ParseError, OverflowError):
        raise Undecided("a constant too large to compare") from None


def _small(e: sympy.Expr) -> bool:
    return sympy.count_ops(e) < 40


# -- dominance -----------------------------------------------------------------


Relation = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class _Order:
    """Variables chained by a regime (`n >> d` -> (("n", "d"),)); others are independent.

    `relations` are assumed inequalities lhs ≤ rhs between monomials, each stored as the
    exponents of lhs/rhs (d ≤ M ≤ n·d gives d/M ≤ 1 and M/(n·d) ≤ 1).
    """

    chains: tuple[tuple[str, ...], ...] = ()
    relations: tuple[Relation, ...] = ()

    def groups(self, t: Term) -> list[tuple[float, ...]]:
        prof = t.profile
        chained = {v for c in self.chains for v in c}
        keys = [tuple(x for v in c for x in prof.get(v, _ZERO)) for c in self.chains]
        keys += [prof[v] for v in sorted(prof) if v not in chained]
        return keys

    def keyed(self, t: Term) -> dict[str, tuple[float, ...]]:
        prof = t.profile
        out: dict[str, tuple[float, ...]] = {}
        chained: set[str] = set()
        for c in self.chains:
            out["|".join(c)] = tuple(x for v in c for x in prof.get(v, _ZERO))
            chained.update(c)
        for v, p in prof.items():
            if v not in chained:
                out[v] = p
        return out


def _lex_le(x: tuple[float, ...], y: tuple[float, ...]) -> bool:
    for a, b in zip(x, y, strict=True):
        if a < b - _EPS:
            return True
        if a > b + _EPS:
            return False
    return True


def dominated_by(t2: Term, t1: Term, order: _Order) -> bool:
    """t2 = O(t1) as every variable grows independently (chains compared lexicographically),
    or because the assumed relations bound t2/t1."""
    k1, k2 = order.keyed(t1), order.keyed(t2)
    for g in set(k1) | set(k2):
        size = len(k1.get(g) or k2.get(g) or ())
        if not _lex_le(k2.get(g, (0.0,) * size), k1.get(g, (0.0,) * size)):
            return bool(order.relations) and _bounded_by_relations(t2, t1, order.relations)
    return True


#: Multiples of each relation tried when looking for a bound (a tiny exhaustive LP).
_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def _bounded_by_relations(t2: Term, t1: Term, relations: Sequence[Relation]) -> bool:
    """t2/t1 ≤ Π gᵢ^λᵢ · (a monomial that does not grow) for some λ ≥ 0, gᵢ ≤ 1 the relations.

    Only polynomial parts are combined; exponential parts must already agree, and logs
    decide per variable when the polynomial parts cancel exactly.
    """
    p1, p2 = t1.profile, t2.profile
    names = sorted(set(p1) | set(p2) | {v for r in relations for v, _ in r})
    diff = {
        v: [a - b for a, b in zip(p2.get(v, _ZERO), p1.get(v, _ZERO), strict=True)] for v in names
    }
    if any(abs(d[0]) > _EPS or abs(d[1]) > _EPS for d in diff.values()):
        return False
    rels = [dict(r) for r in relations[:3]]
    for weights in itertools.product(_WEIGHTS, repeat=len(rels)):
        ok = True
        for v in names:
            poly = diff[v][2] - sum(w * r.get(v, 0.0) for w, r in zip(weights, rels, strict=True))
            if not _lex_le((poly, diff[v][3], diff[v][4]), (0.0, 0.0, 0.0)):
                ok = False
                break
        if ok:
            return True
    return False


def undominated(terms: Sequence[Term], order: _Order, budget: Budget = UNLIMITED) -> list[Term]:
    """The terms no other term strictly dominates: the Θ-class of the sum."""
    out = []
    for t in terms:
        budget.check()
        beaten = any(
            dominated_by(t, u, order) and not dominated_by(u, t, order) for u in terms if u is not t
        )
        if not beaten:
            out.append(t)
    return out


def _bounded_by_sum(e: Term, rs: Sequence[Term], order: _Order, names: Sequence[str]) -> bool:
    """e = O(Σ rs): one term dominates e, or a convex mix of two does (AM–GM)."""
    if any(dominated_by(e, r, order) for r in rs):
        return True
    ev = _flat_over(e, names)
    for i, r1 in enumerate(rs):
        for r2 in rs[i + 1 :]:
            a, b = _flat_over(r1, names), _flat_over(r2, names)
            lo, hi = 0.0, 1.0  # need λ·a + (1−λ)·b ≥ e componentwise
            for av, bv, x in zip(a, b, ev, strict=True):
                slope, const = av - bv, bv - x
                if abs(slope) < _EPS:
                    if const < -_EPS:
                        lo, hi = 1.0, 0.0
                elif slope > 0:
                    lo = max(lo, -const / slope)
                else:
                    hi = min(hi, -const / slope)
            if lo <= hi + _EPS:
                return True
    return False


def _all_vars(terms: Iterable[Term]) -> list[str]:
    return sorted({v for t in terms for v, _ in t.prof})


def _flat_over(t: Term, names: Sequence[str]) -> tuple[float, ...]:
    prof = t.profile
    return tuple(x for v in names for x in prof.get(v, _ZERO))


def upper_bound(expected: Sequence[Term], response: Sequence[Term], order: _Order) -> bool:
    """Σ expected = O(Σ response)."""
    names = _all_vars([*expected, *response])
    return all(_bounded_by_sum(e, response, order, names) for e in expected)


# -- regimes -------------------------------------------------------------------


@dataclass(frozen=True)
class Regime:
    constants: frozenset[str] = frozenset()
    merge: tuple[tuple[str, str], ...] = ()  # (var, into)
    order: _Order = _Order()
    text: str = ""

    def apply(self, terms: Sequence[Term]) -> list[Term]:
        out = []
        for t in terms:
            prof = dict(t.prof)
            for v in self.constants:
                prof.pop(v, None)
            for v, into in self.merge:
                if v in prof:
                    prof[into] = _add(prof.get(into, _ZERO), prof.pop(v))
            out.append(Term(t.coef, t.shown, _norm(prof)))
        return _combine(out)


def parse_regime(regime: object, variables: Sequence[str]) -> Regime:
    """`{d: constant}`, `{d: n}`, `"n >> d"`, `"d << n"`, `"d = n"`, `"d constant"`."""
    if regime in (None, "", {}):
        return Regime()
    known = set(variables)

    def var(name: object) -> str:
        name = str(name).strip()
        if name not in known:
            raise SpecError(f"regime names unknown variable {name!r}")
        return name

    constants: set[str] = set()
    merge: list[tuple[str, str]] = []
    chains: list[tuple[str, ...]] = []
    items: list[tuple[str, str]] = []
    if isinstance(regime, Mapping):
        items = [(str(k), str(v)) for k, v in regime.items()]
    elif isinstance(regime, str):
        for part in regime.replace(";", ",").split(","):
            part = part.strip().replace("≫", ">>").replace("≪", "<<")
            if ">>" in part:
                a, b = part.split(">>", 1)
                chains.append((var(a), var(b)))
            elif "<<" in part:
                a, b = part.split("<<", 1)
                chains.append((var(b), var(a)))
            elif "=" in part or "~" in part:
                a, b = part.replace("~", "=").split("=", 1)
                items.append((a.strip(), b.strip()))
            elif part.endswith("constant") or part.endswith("const"):
                items.append((part.split()[0], "constant"))
            elif part:
                raise SpecError(f"cannot read regime {part!r}")
    else:
        raise SpecError("regime must be a mapping or a string")
    for k, v in items:
        if v.lower() in ("constant", "const", "1", "o(1)", "O(1)".lower()):
            constants.add(var(k))
        else:
            merge.append((var(k), var(v)))
    return Regime(frozenset(constants), tuple(merge), _Order(tuple(chains)), str(regime))


# -- grading -------------------------------------------------------------------


@dataclass
class GrowthClass:
    raw: list[Term]  # like terms combined, regime applied
    top: list[Term]  # undominated
    wrappers: list[str]

    def key(self) -> frozenset:
        return frozenset(t.prof for t in self.top)


def growth_class(
    text: str,
    variables: Sequence[str],
    regime: Regime,
    deadline: Budget,
) -> tuple[GrowthClass, sympy.Expr]:
    """Parse and reduce text to its class; ParseError / NotGrowth / Undecided otherwise."""
    try:
        expr, wrappers = parse_growth(text, variables, deadline)
    except MathDomainError as err:
        raise NotGrowth(err.message) from None
    return reduce_growth(expr, wrappers, variables, regime, deadline), expr


def reduce_growth(
    expr: sympy.Expr,
    wrappers: list[str],
    variables: Sequence[str],
    regime: Regime,
    deadline: Budget,
) -> GrowthClass:
    terms = _Converter(variables, deadline).terms(expr)
    terms = regime.apply(terms)
    if not terms:
        raise NotGrowth("zero")
    top = undominated(terms, regime.order, deadline)
    deadline.check()
    if any(t.coef < 0 for t in top):
        raise NotGrowth("negative for large inputs")
    return GrowthClass(terms, top, wrappers)


def term_text(t: Term, order: Sequence[str], with_coef: bool = False) -> str:
    """Render a term's growth (n²·d, n·log n, 2ⁿ, n!) through sympy objects."""
    e = sympy.Integer(1)
    for v, (a, b, p, q, r) in t.prof:
        s = sympy.Symbol(v, positive=True)
        if a == 1 and abs(b + 1) < 1e-9 and p == 0.5:
            e *= sympy.factorial(s)
            continue
        if a:
            e *= sympy.Pow(s, _num(a) * s)
        if b:
            base = math.exp(b)
            e *= (
                sympy.Pow(sympy.Integer(round(base)), s)
                if abs(base - round(base)) < 1e-9
                else sympy.exp(_num(b) * s)
            )
        if p:
            e *= sympy.Pow(s, _num(p))
        if q:
            e *= sympy.Pow(sympy.log(s), _num(q))
        if r:
            e *= sympy.Pow(sympy.log(sympy.log(s)), _num(r))
    if with_coef and t.shown != 1:
        e *= _num(t.shown)
    return render(e, order)


def _num(x: float) -> sympy.Expr:
    return sympy.Rational(x).limit_denominator(1000) if x == x else sympy.Integer(0)


def class_text(terms: Sequence[Term], order: Sequence[str]) -> str:
    return " + ".join(term_text(t, order) for t in _sorted(terms, order)) or "0"


def _sorted(terms: Sequence[Term], order: Sequence[str]) -> list[Term]:
    def key(t: Term) -> tuple:
        prof = t.profile
        return tuple(-x for v in order for x in prof.get(v, _ZERO))

    return sorted(terms, key=key)


def _factor_diff(resp: Term, exp: Term, order: Sequence[str]) -> str:
    """'missing a factor of d', 'extra factor of n', '… of log n'."""
    extra: dict[str, Profile] = {}
    missing: dict[str, Profile] = {}
    names = sorted(set(resp.profile) | set(exp.profile))
    for v in names:
        d = tuple(
            _clean(x - y)
            for x, y in zip(resp.profile.get(v, _ZERO), exp.profile.get(v, _ZERO), strict=True)
        )
        pos = tuple(max(0.0, x) for x in d)
        neg = tuple(max(0.0, -x) for x in d)
        if any(pos):
            extra[v] = pos  # type: ignore[assignment]
        if any(neg):
            missing[v] = neg  # type: ignore[assignment]
    exponential = any(p[0] or p[1] for p in (*extra.values(), *missing.values()))
    mixed = any(v in missing for v in extra)
    if exponential or mixed:
        r, e = term_text(resp, order), term_text(exp, order)
        faster = dominated_by(exp, resp, _Order())
        slower = dominated_by(resp, exp, _Order())
        if faster != slower:
            return f"{r} grows {'faster' if faster else 'slower'} than {e}"
    parts = []
    if missing:
        parts.append("missing a factor of " + term_text(Term(1, 1, _norm(missing)), order))
    if extra:
        parts.append("extra factor of " + term_text(Term(1, 1, _norm(extra)), order))
    return " and ".join(parts)


def diagnose(resp: GrowthClass, exp: GrowthClass, order: Sequence[str]) -> str:
    if len(resp.top) == 1 and len(exp.top) == 1:
        return _factor_diff(resp.top[0], exp.top[0], order)
    rk, ek = resp.key(), exp.key()
    missing = [t for t in exp.top if t.prof not in rk]
    extra = [t for t in resp.top if t.prof not in ek]
    parts = []
    if missing and len(extra) == 1 and len(missing) == 1:
        return _factor_diff(extra[0], missing[0], order)
    if missing:
        names = ", ".join(term_text(t, order) for t in missing)
        parts.append(f"missing the {names} term" + ("s" if len(missing) > 1 else ""))
    if extra:
        names = ", ".join(term_text(t, order) for t in extra)
        parts.append(f"{names} should not be there")
    return "; ".join(parts)


def _names(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.replace(",", " ").split()]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"`{field}` must be a list of names")
    return list(value)


def parse_assumptions(value: object, names: Sequence[str], budget: Budget) -> tuple[Relation, ...]:
    """`"d <= M <= n*d"` (or a list of such chains) -> relations lhs/rhs ≤ 1 as exponents."""
    if value in (None, "", []):
        return ()
    chains = [value] if isinstance(value, str) else value
    if not isinstance(chains, Sequence) or not all(isinstance(c, str) for c in chains):
        raise SpecError("`assume` must be a text such as 'd <= M <= n*d' or a list of them")
    out: list[Relation] = []
    for chain in chains:
        sides = [p.strip() for p in re.split(r"<=|≤|<<|≪|<", str(chain))]
        if len(sides) < 2 or not all(sides):
            raise SpecError(f"cannot read the assumption {chain!r}; write e.g. 'd <= M <= n*d'")
        powers = [_monomial(side, names, budget, chain) for side in sides]
        for lo, hi in itertools.pairwise(powers):
            rel = {v: lo.get(v, 0.0) - hi.get(v, 0.0) for v in set(lo) | set(hi)}
            out.append(tuple(sorted((v, e) for v, e in rel.items() if abs(e) > _EPS)))
    return tuple(out)


def _monomial(text: str, names: Sequence[str], budget: Budget, chain: str) -> dict[str, float]:
    try:
        expr, _ = parse_growth(text, names, budget)
        terms = _Converter(names, budget).terms(expr)
    except (ParseError, NotGrowth, Undecided) as err:
        raise SpecError(f"cannot read {text!r} in the assumption {chain!r}: {err}") from None
    if len(terms) != 1 or any(p[0] or p[1] or p[3] or p[4] for _, p in terms[0].prof):
        raise SpecError(f"{text!r} in the assumption {chain!r} must be a product of powers")
    return {v: p[2] for v, p in terms[0].prof}


def check_big_o(
    spec: Mapping,
    response: str,
    params: Mapping[str, float],
    mistakes: Sequence[Mapping],
    deadline: Budget,
) -> Verdict:
    declared = spec_variables(spec)
    constants = [c for c in _names(spec.get("constants"), "constants") if c not in declared]
    variables = [*declared, *constants]
    regime = parse_regime(spec.get("regime"), variables)
    regime = replace(
        regime,
        constants=regime.constants | frozenset(constants),
        order=replace(
            regime.order, relations=parse_assumptions(spec.get("assume"), variables, deadline)
        ),
    )
    bound = str(spec.get("bound", "theta")).lower()
    if bound not in ("theta", "o", "big_o", "θ"):
        raise SpecError(f"bound must be theta or O, not {bound!r}")
    loose_ok = bound in ("o", "big_o")
    expected = _spec_class(spec.get("value"), variables, regime, deadline, "value")
    shown = "Θ(" + class_text(expected.top, variables) + ")"
    try:
        expr, wrappers = parse_growth(response, variables, deadline, case_aliases(variables))
    except MathDomainError as err:
        msg = f"That is not a valid growth rate ({err.message}); the answer is {shown}."
        return Verdict(False, 0.0, msg, None, response.strip())
    except ParseError as err:
        where = "" if err.position is None else f" (at character {err.position + 1})"
        return invalid(f"Could not read that as a growth rate: {err.message}{where}.")
    wrapper = wrappers[0] if wrappers else ""
    parsed = f"{wrapper}({render(expr, variables)})" if wrapper else render(expr, variables)
    try:
        resp = reduce_growth(expr, wrappers, variables, regime, deadline)
    except NotGrowth as err:
        msg = f"That is not a valid growth rate ({err}); the answer is {shown}."
        return Verdict(False, 0.0, msg, None, parsed)
    if regime.text:
        parsed += f" → Θ({class_text(resp.top, variables)}) when {_regime_words(regime)}"
    order = regime.order
    deadline.check()
    if resp.key() == expected.key():
        # A constant the prompt names (O(c·n³)) earns the same note as a number (O(4·n³)).
        named = [c for c in constants if sympy.Symbol(c, positive=True) in expr.free_symbols]
        parts = [f"drop the constant {c}" for c in sorted(named)]
        style = _style_notes(resp, variables)
        if style:
            parts.append(style)
        notes = "; ".join(parts)
        if notes:
            return Verdict(True, 0.75, f"Right class, but {notes}.", notes, parsed)
        return Verdict(True, 1.0, "Correct.", None, parsed)
    for m in mistakes:
        text = m.get("big_o") if isinstance(m, Mapping) else None
        if text is None and isinstance(m, Mapping) and isinstance(m.get("value"), str):
            text = m.get("value")
        if not text:
            continue
        try:
            mc = _spec_class(text, variables, regime, deadline, "mistakes")
        except SpecError:
            continue
        if mc.key() == resp.key():
            fb = str(m.get("feedback", "")).strip() or "a classic mistake"
            return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", fb, parsed)
    known = spec.get("known") or {}
    if isinstance(known, Mapping):
        for text, fb in known.items():
            try:
                kc = _spec_class(str(text), variables, regime, deadline, "known")
            except SpecError:
                continue
            if kc.key() == resp.key():
                return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", str(fb), parsed)
    diagnosis = diagnose(resp, expected, variables)
    is_upper = upper_bound(expected.top, resp.top, order)
    if is_upper and loose_ok:
        return Verdict(
            False,
            0.5,
            f"Correct but not tight: the tight bound is {shown}.",
            f"not tight: {diagnosis}",
            parsed,
        )
    if is_upper:
        diagnosis = f"an upper bound, but not tight: {diagnosis}"
    return Verdict(False, 0.0, f"Not quite: the answer is {shown}.", diagnosis, parsed)


def _style_notes(resp: GrowthClass, order: Sequence[str]) -> str:
    """'drop the constant 4', 'n·d is dominated by n²·d' for a right class written loosely."""
    notes = []
    top_key = {t.prof for t in resp.top}
    lower = [t for t in resp.raw if t.prof not in top_key]
    consts = sorted({_coef_text(t.shown) for t in resp.top if abs(abs(t.shown) - 1) > 1e-9})
    if consts:
        notes.append("drop the constant " + " and ".join(consts))
    if lower:
        lead = term_text(_sorted(resp.top, order)[0], order)
        for t in _sorted(lower, order):
            name = term_text(t, order)
            if name == "1":
                notes.append("drop the constant term")
            else:
                notes.append(f"{name} is dominated by {lead}")
    return "; ".join(notes)


def _coef_text(x: float) -> str:
    r = sympy.Rational(x).limit_denominator(1000)
    return str(r) if r.q != 1 else str(r.p)


def _regime_words(regime: Regime) -> str:
    parts = [f"{v} is constant" for v in sorted(regime.constants)]
    parts += [f"{v} = {into}" for v, into in regime.merge]
    parts += [" ≫ ".join(c) for c in regime.order.chains]
    return ", ".join(parts)


def spec_variables(spec: Mapping) -> list[str]:
    variables = spec.get("variables")
    if variables is None:
        return ["n"]
    if isinstance(variables, str):
        variables = [v.strip() for v in variables.replace(",", " ").split()]
    if not isinstance(variables, Sequence) or not all(isinstance(v, str) for v in variables):
        raise SpecError("`variables` must be a list of names")
    return list(variables)


def _spec_class(
    value: object, variables: Sequence[str], regime: Regime, deadline: Budget, field: str
) -> GrowthClass:
    if not isinstance(value, str | int):
        raise SpecError(f"`{field}` must be a growth rate such as 'n^2*d'")
    try:
        cls, _ = growth_class(str(value), variables, regime, deadline)
    except (ParseError, NotGrowth) as err:
        raise SpecError(f"cannot read `{field}` {value!r}: {err}") from None
    return cls


def expected_big_o_text(spec: Mapping) -> str:
    variables = spec_variables(spec)
    value = spec.get("value")
    try:
        expr, _ = parse_growth(str(value), variables)
    except ParseError as err:
        raise SpecError(f"cannot read `value` {value!r}: {err.message}") from None
    bound = str(spec.get("bound", "theta")).lower()
    sym = "O" if bound in ("o", "big_o") else "Θ"
    return f"{sym}({render(expr, variables)})"


def interpret_big_o(spec: Mapping, response: str, budget: Budget) -> str:
    declared = spec_variables(spec)
    variables = declared + [c for c in _names(spec.get("constants"), "c") if c not in declared]
    try:
        expr, wrappers = parse_growth(response, variables, budget, case_aliases(variables))
    except ParseError as err:
        return f"? {err.message}"
    w = wrappers[0] if wrappers else ""
    return f"{w}({render(expr, variables)})" if w else render(expr, variables)
