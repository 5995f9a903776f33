"""Question variants: seeded parameter draws, rendered prompts, expected answers, grading.

A question in a pack is a template; a *variant* is that template with numbers drawn
from its `params` by a seed. The same (question id, seed) always gives the same
variant, on every machine and Python version (`random.Random` seeded with a string
is specified to be stable), so a mock interview can be replayed and a history entry
shown again exactly.

Pure on purpose: no files, no pydantic, no UI. A question may be a plain mapping (as
loaded from YAML) or any object with the same attributes (the pack models), so the
engine never depends on how the app stores packs.

Formulas (param formulas, answer values, derivation steps) go through the formula
core, `engine.formula`: each distinct formula text is parsed once (cached) and
evaluated by the core's guarded exact evaluator, so integer arithmetic stays exact
(2·n²·d with n = 4096 is printed digit for digit) and no draw can build a huge number.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Num = int | float


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated, with the text and (maybe) a position."""

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.position = position


class RenderError(ValueError):
    """A template with an unknown `{name}` or an unmatched brace."""

    def __init__(self, message: str, position: int, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.name = name


# --------------------------------------------------------------------------- spec access


def as_mapping(obj: Any) -> dict[str, Any]:
    """A plain dict view of a question or any part of it (mapping, model or plain object).

    Objects with `model_dump` (pydantic models) are dumped without None fields, so
    optional fields left out of the YAML stay out of the checker's spec.
    """
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return _plain(dump(exclude_none=True))
    return {k: _plain(v) for k, v in vars(obj).items() if not k.startswith("_")}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return _plain(dump(exclude_none=True))
    return value


# --------------------------------------------------------------------------- formulas


@dataclass(frozen=True)
class Formula:
    """A parsed formula; calling it evaluates it through the formula core (`engine.formula`)."""

    text: str
    names: frozenset[str]
    expr: Any = None  # the parsed sympy expression; None for a literal number
    literal: Num | None = None

    def __call__(self, values: Mapping[str, Num]) -> Num:
        """The value with `values` substituted; FormulaError if undefined or too large."""
        if self.literal is not None:
            return self.literal
        from engine.formula import ParseError, value

        try:
            return value(self.expr, {k: values[k] for k in self.names})
        except KeyError as exc:
            raise FormulaError(f"no value for {exc.args[0]}", self.text) from None
        except ParseError as err:
            raise FormulaError(f"cannot evaluate {self.text!r}: {err.message}", self.text) from None


@lru_cache(maxsize=4096)
def _compile_cached(text: str, variables: tuple[str, ...]) -> Formula:
    from engine.formula import ParseError, parse_formula

    try:
        expr = parse_formula(text, variables)
    except ParseError as err:
        raise FormulaError(err.message, text, err.position) from None
    names = frozenset(s.name for s in expr.free_symbols)
    return Formula(text, names, expr)


def compile_formula(text: str | Num, variables: Iterable[str]) -> Formula:
    """Parse `text` (or wrap a literal number) over `variables`, cached per (text, variables).

    Raises FormulaError with the parser's message and 0-based position.
    """
    if isinstance(text, bool):
        raise FormulaError("expected a number or a formula, got true/false", str(text))
    if isinstance(text, int | float):
        return Formula(str(text), frozenset(), literal=text)
    if not isinstance(text, str):
        raise FormulaError(f"expected a number or a formula, got {type(text).__name__}")
    return _compile_cached(text.strip(), tuple(sorted(set(variables))))


def evaluate(text: str | Num, values: Mapping[str, Num]) -> Num:
    """A formula's value with every variable taken from `values` (int when exact)."""
    return compile_formula(text, values.keys())(values)


# --------------------------------------------------------------------------- draws


def draw_params(params_spec: Mapping[str, Any] | None, seed: int, qid: str) -> dict[str, Num]:
    """Draw every param in order; later params (formulas) may use earlier ones.

    The generator is seeded with the string "<qid>:<seed>", so each question has its
    own reproducible stream and adding a param to one question changes no other.
    """
    rng = random.Random(f"{qid}:{seed}")
    values: dict[str, Num] = {}
    for name, spec in (params_spec or {}).items():
        values[name] = draw_one(name, spec, rng, values)
    return values


def draw_one(name: str, spec: Any, rng: random.Random, earlier: Mapping[str, Num]) -> Num:
    """One param's value; raises FormulaError/ValueError naming the param on bad specs."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return spec
    spec = as_mapping(spec)
    if "choice" in spec:
        options = list(spec["choice"])
        if not options:
            raise ValueError(f"{name}: choice needs at least one value")
        return rng.choice(options)
    if "range" in spec:
        lo, hi = spec["range"]
        step = int(spec.get("step", 1) or 1)
        return rng.randrange(int(lo), int(hi) + 1, step)
    if "pow2" in spec:
        lo, hi = spec["pow2"]
        powers = [1 << k for k in range(0, int(hi).bit_length() + 1) if lo <= 1 << k <= hi]
        if not powers:
            raise ValueError(f"{name}: no power of two in [{lo}, {hi}]")
        return rng.choice(powers)
    if "formula" in spec:
        return compile_formula(spec["formula"], earlier.keys())(earlier)
    raise ValueError(f"{name}: unknown kind of draw {spec!r}")


# --------------------------------------------------------------------------- rendering

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::([^{}]*))?$")
_FORMAT_SPEC = re.compile(r"^[<>=^]?[+\- ]?[,_]?(\d{1,2})?(\.\d{1,2})?[eEfFgG%d]?$")


def format_value(value: Num) -> str:
    """How a drawn number is written: integers with thousands separators, else 4 digits.

    A large non-integer is rounded to a whole number with separators (1,269,531 s), not
    written as 1.27e+06: a derivation line is read by people, and the digits are right.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if float(value).is_integer() and abs(value) < 2**53:
        return f"{int(value):,}"
    if 1e4 <= abs(value) < 2**53:
        return f"{float(value):,.0f}"
    return f"{value:.4g}"


def placeholders(template: str) -> list[tuple[str, int]]:
    """The `{name}` placeholders of a template, with their 0-based positions.

    Raises RenderError for a lone brace or a placeholder that is not a name.
    """
    found: list[tuple[str, int]] = []
    for m in _PLACEHOLDER.finditer(template):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if m.group(1) is None:
            raise RenderError(
                f"unmatched {token!r} at character {m.start()} (write {token * 2} for a literal"
                " brace)",
                m.start(),
            )
        inner = _NAME.match(m.group(1))
        if inner is None or (inner.group(2) is not None and not _FORMAT_SPEC.match(inner.group(2))):
            raise RenderError(
                f"{token!r} at character {m.start()} is not a {{name}} placeholder (write {{{{ "
                "and }} for literal braces)",
                m.start(),
            )
        found.append((inner.group(1), m.start()))
    return found


def render(template: str, values: Mapping[str, Num]) -> str:
    """Fill `{name}` (or `{name:.2f}`) placeholders with drawn values; `{{`/`}}` are braces.

    Raises RenderError on an unknown name, so a typo never reaches a learner.
    """

    def fill(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        if m.group(1) is None:
            raise RenderError(f"unmatched {token!r} at character {m.start()}", m.start())
        inner = _NAME.match(m.group(1))
        if inner is None:
            raise RenderError(f"{token!r} is not a {{name}} placeholder", m.start())
        name, spec = inner.group(1), inner.group(2)
        if name not in values:
            raise RenderError(f"unknown name {{{name}}}", m.start(), name)
        if spec is None:
            return format_value(values[name])
        if not _FORMAT_SPEC.match(spec):
            raise RenderError(f"bad format {spec!r} for {{{name}}}", m.start(), name)
        try:
            return format(values[name], spec)
        except ValueError as exc:
            raise RenderError(f"bad format {spec!r} for {{{name}}}: {exc}", m.start()) from None

    return _PLACEHOLDER.sub(fill, template)


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class RenderedStep:
    """A derivation step with the drawn numbers: text, its formula, and the formula's value.

    `value` is None for text-only steps and for symbolic steps (expression/big-O answers
    whose formula uses the answer's variables rather than drawn params).
    """

    text: str
    formula: str | None
    value: Num | None
    unit: str | None = None
    spelled: str | None = None  # the formula for reading: 2·n²·d
    numbers: str | None = None  # with the drawn numbers: 2·768²·512

    def equation(self) -> str:
        """The step's formula line, as far as known: `2·n²·d = 2·768²·512 = 603,979,776 FLOP`."""
        parts = [self.spelled or self.formula or ""]
        if self.numbers and self.numbers != parts[0]:
            parts.append(self.numbers)
        if self.value is not None:
            parts.append(format_value(self.value) + (f" {self.unit}" if self.unit else ""))
        return " = ".join(p for p in parts if p)


@dataclass(frozen=True)
class Variant:
    """One concrete question: what the learner sees and what the checker needs."""

    qid: str
    seed: int
    kind: str
    params: dict[str, Num]
    prompt: str
    answer_spec: dict[str, Any]
    expected: str
    derivation: list[RenderedStep] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    explanation: str = ""
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""

    @property
    def answer_value(self) -> Num | None:
        """The numeric answer of a number question for this draw (None for other kinds)."""
        if self.kind != "number":
            return None
        return evaluate(self.answer_spec["value"], self.params)


def answer_variables(answer: Mapping[str, Any]) -> list[str]:
    """The symbols a learner may use in an expression or big-O answer."""
    return [str(v) for v in answer.get("variables") or []]


def draw(question: Any, seed: int, *, qid: str | None = None) -> Variant:
    """The variant of `question` for `seed` (deterministic).

    `question` is a mapping or an object with the pack fields (id, params, prompt,
    answer, mistakes, hints, derivation, explanation, source). `qid` is only a label
    for the variant; the draw is seeded by the question's own `id`, so a question
    keeps its variants when its pack is renamed. Raises FormulaError or RenderError on
    a broken question (validation reports those with file locations first).
    """
    from engine.formula import spell  # imports the parser (sympy), as compile_formula does

    spec = as_mapping(question)
    own_id = str(spec.get("id", ""))
    params = draw_params(spec.get("params"), seed, own_id)
    answer = dict(spec.get("answer") or {})
    kind = str(answer.get("kind", ""))
    if kind == "choice":
        answer["options"] = {k: render(str(t), params) for k, t in answer["options"].items()}
        if answer.get("feedback"):
            answer["feedback"] = {k: render(str(t), params) for k, t in answer["feedback"].items()}
    mistakes = [
        {**m, "feedback": render(str(m.get("feedback", "")), params)}
        for m in spec.get("mistakes") or []
    ]
    symbols = set(params) | set(answer_variables(answer))
    steps = []
    written = {name: format_value(v) for name, v in params.items()}
    for step in spec.get("derivation") or []:
        formula = step.get("formula")
        value = spelled = numbers = None
        if formula is not None:
            compiled = compile_formula(formula, symbols)
            spelled = spell(str(formula), symbols)
            if compiled.names <= params.keys():
                value = compiled(params)
                numbers = spell(str(formula), symbols, written)
        steps.append(
            RenderedStep(
                render(str(step.get("text", "")), params),
                None if formula is None else str(formula),
                value,
                step.get("unit"),
                spelled,
                numbers,
            )
        )
    prompt = render(str(spec.get("prompt", "")), params)
    answer = _with_prompt_facts(answer, prompt, spec.get("params") or {})
    return Variant(
        qid=qid or own_id,
        seed=seed,
        kind=kind,
        params=params,
        prompt=prompt,
        answer_spec=answer,
        expected=expected_text(answer, params),
        derivation=steps,
        hints=[render(str(h), params) for h in spec.get("hints") or []],
        explanation=render(str(spec.get("explanation", "")), params),
        mistakes=mistakes,
        source=str(spec.get("source", "")),
    )


def draw_prompt(question: Any, seed: int) -> str:
    """The prompt of variant `seed` alone, equal to `draw(question, seed).prompt`.

    Cheap (no formula is compiled), for menus that list several questions in their
    own words, such as the follow-up picker. Raises RenderError like `draw`.
    """
    spec = as_mapping(question)
    params = draw_params(spec.get("params"), seed, str(spec.get("id", "")))
    return render(str(spec.get("prompt", "")), params)


_ESTIMATE = re.compile(
    r"\b(approximately|roughly|estimate|ballpark|order of magnitude|about how)\b|≈", re.I
)
_IN_UNIT = re.compile(r"\b(?:in|answer in|give it in)\s+([KMGTP]i?B|[kKMGTP]?B|ms|µs|us|ns)\b")
_CONSTANT = re.compile(
    r"\b(?:some |a |any )?constants? ([a-zA-Z])\b|\b([a-zA-Z]) (?:is|being) (?:a )?constant\b"
)


#: A short product (bounded, so scanning a long prompt stays linear): M, n·d, 2*n^2.
_OPERAND = r"[\w^²³]{1,24}(?:\s?[·*]\s?[\w^²³]{1,24}){0,4}"
#: A chain of inequalities between products, as prompts state them: d ≤ M ≤ n·d.
_INEQUALITY = re.compile(rf"(?<![\w^²³]){_OPERAND}(?:\s*(?:≤|<=)\s*{_OPERAND}){{1,4}}")


def _readable_assumptions(stated: list[str], variables: list[str]) -> bool:
    """Whether the inequalities a prompt states are ones the Big-O checker can use."""
    from engine.answers.bigo import parse_assumptions
    from engine.answers.errors import SpecError
    from engine.formula import Budget

    try:
        return bool(parse_assumptions(stated, variables, Budget()))
    except SpecError:
        return False


def _with_prompt_facts(
    answer: dict[str, Any], prompt: str, params_spec: Mapping[str, Any]
) -> dict[str, Any]:
    """What the prompt tells the checker: an estimate is asked, the unit a bare number is
    in, the constants it names, and which params are drawn inputs (not derived values)."""
    kind = answer.get("kind")
    if kind == "number":
        answer.setdefault(
            "inputs",
            [k for k, v in params_spec.items() if not (isinstance(v, Mapping) and "formula" in v)],
        )
        if _ESTIMATE.search(prompt):
            answer.setdefault("estimate", True)
        units = {m.group(1) for m in _IN_UNIT.finditer(prompt)}
        if len(units) == 1 and "in_unit" not in answer and answer.get("unit"):
            unit = units.pop()
            if unit not in ("B", "s"):
                answer["in_unit"] = unit
    elif kind == "big_o":
        variables = set(answer_variables(answer))
        named = {m.group(1) or m.group(2) for m in _CONSTANT.finditer(prompt)} - variables
        if "assume" not in answer and ("≤" in prompt or "<=" in prompt):
            stated = [m.group(0) for m in _INEQUALITY.finditer(prompt)]
            if stated and _readable_assumptions(stated, sorted(variables)):
                answer["assume"] = stated
        if named and "constants" not in answer:
            answer["constants"] = sorted(named)
    return answer


def expected_text(answer: Mapping[str, Any], params: Mapping[str, Num]) -> str:
    """The expected answer as shown to the learner (engine.answers.expected_text)."""
    from engine import answers

    return answers.expected_text(dict(answer), dict(params))


def grade(variant: Variant, response: str) -> Any:
    """Grade a learner's response to `variant`; returns engine.answers.Verdict."""
    return check_answer(variant.answer_spec, response, variant.params, variant.mistakes)


def check_answer(
    answer: Mapping[str, Any],
    response: str,
    params: Mapping[str, Num],
    mistakes: Sequence[Mapping[str, Any]] = (),
) -> Any:
    """engine.answers.check with the question's classic mistakes."""
    from engine import answers

    return answers.check(
        dict(answer), response, dict(params), mistakes=[dict(m) for m in mistakes] or None
    )
