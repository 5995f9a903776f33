"""Semantic checks of question packs, beyond the schema.

The schema (quizapp.pack_schema) says a pack has the right shape; this module says it
is *right*: every name in a prompt or formula exists, the answer is a positive number
for every draw, the derivation ends on the answer, the `calc` cost model agrees with
the answer, demos and follow-ups exist, and the author's own `checks` grade as
stated. Every problem is reported (not only the first) with the file:line:column of
the field, using the marks recorded while the YAML was read.

Variant testing, as STACK and PrairieLearn do it: every question is drawn with `SEEDS`
seeds, and in every distinct draw a listed mistake must differ from the answer, every
`checks` entry must grade as stated, and no example the answer box shows may grade as
the answer; a failure names the seed (`quizapp preview --seed N` reproduces it).
Identical draws are checked once, and every formula is parsed once (engine.problems
caches it), so the full shipped set validates in seconds.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.packs import (
    FieldPath,
    Library,
    LoadedPack,
    Marks,
    PackError,
    iter_files,
    load_all,
    load_files,
    pack_files,
)
from quizapp.words import clip, count

#: Seeds every question is drawn with (the issue asks for at least 20).
SEEDS = 20
#: How many distinct draws `calc` is compared on (sympy substitution is the slow part).
CALC_DRAWS = 4
#: Relative agreement required between the answer and its derivation / cost model.
AGREE_REL = 1e-6
#: Optional keys of a big-O answer that can make it ungradable, each reported at itself.
BIG_O_SPEC_KEYS = ("regime", "assume")
#: Allowed difference between a check's stated score and the checker's.
SCORE_TOL = 0.05
#: Characters of a checker's feedback quoted in an error (feedback can be a whole model answer).
FEEDBACK_CHARS = 160
#: An example a prompt gives for the notation: "(e.g. `n^2*d`)", "for example `12 days`".
PROMPT_EXAMPLE = re.compile(r"(?:e\.g\.|for example|such as)[,:]?\s*`([^`]+)`", re.IGNORECASE)


@dataclass
class Report:
    """The outcome of validating some packs."""

    errors: list[PackError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    packs: int = 0
    questions: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.ok:
            return f"{count(self.packs, 'pack')}, {count(self.questions, 'question')} OK"
        return (
            f"{count(len(self.errors), 'problem')} in {count(self.packs, 'pack')}, "
            f"{count(self.questions, 'question')}"
        )


def _close(name: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(matches)}?" if matches else ""


def _agree(a: float, b: float, rel: float = AGREE_REL) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


def _num(value: Any) -> str:
    from engine.problems import format_value

    return format_value(value) if isinstance(value, int | float) else repr(value)


def _seed_text(seed: int, params: Mapping[str, Any]) -> str:
    """'seed 3: n=1,024, d=64' — enough to reproduce with `quizapp preview --seed 3`."""
    if not params:
        return f"seed {seed}"
    return f"seed {seed}: " + ", ".join(f"{k}={_num(v)}" for k, v in params.items())


class _QuestionChecker:
    """All checks of one question; errors are collected, never raised."""

    def __init__(
        self,
        question: Any,
        prefix: FieldPath,
        marks: Marks,
        pack_id: str,
        resolve_qid: Any,
        notes: list[str],
        seeds: int,
    ) -> None:
        self.q = question
        self.prefix = prefix
        self.marks = marks
        self.pack_id = pack_id
        self.resolve_qid = resolve_qid
        self.notes = notes
        self.seeds = seeds
        self.errors: list[PackError] = []
        self.draws: list[tuple[int, dict[str, Any]]] = []
        self.answer = self.q.answer.model_dump(exclude_none=True)
        self.kind = self.answer["kind"]
        self.variables = list(self.answer.get("variables") or [])

    def error(self, path: FieldPath, message: str) -> None:
        self.errors.append(self.marks.error(self.prefix + tuple(path), message))

    def run(self) -> list[PackError]:
        try:
            if self._params() and self._draws():
                self._templates()
                answer_ok = self._answer()
                self._mistakes()
                if not self.errors:  # the variant can be built: grade the author's checks
                    self._whole_draw()
                    self._checks()
                    self._examples()
                self._derivation(answer_ok)
                self._calc(answer_ok)
            self._demo()
            self._follow_ups()
        except Exception as exc:  # a validator must report, not crash
            self.error((), f"internal error while checking: {type(exc).__name__}: {exc}")
        return self.errors

    # ------------------------------------------------------------------ params & draws

    def _params(self) -> bool:
        from engine.problems import FormulaError, compile_formula

        ok = True
        earlier: list[str] = []
        for name, spec in self.q.params.items():
            try:
                compile_formula(name, [name])
            except FormulaError:
                self.error(("params", name), f"{name!r} cannot be a param name (it is reserved)")
                ok = False
            formula = getattr(spec, "formula", None)
            if formula is not None:
                try:
                    compile_formula(formula, earlier)
                except FormulaError as err:
                    ok = False
                    hint = ""
                    if "unknown" in err.message.lower() or "name" in err.message.lower():
                        hint = f" (params defined above it: {', '.join(earlier) or 'none'})"
                    self.error(("params", name, "formula"), f"{_where(err)}{hint}")
            earlier.append(name)
        return ok

    def _draws(self) -> bool:
        from engine.problems import FormulaError, draw_params

        params_spec = {k: _spec(v) for k, v in self.q.params.items()}
        seen: set[tuple[Any, ...]] = set()
        for seed in range(self.seeds):
            try:
                params = draw_params(params_spec, seed, self.q.id)
            except (FormulaError, ValueError) as err:
                self.error(("params",), f"drawing with seed {seed} fails: {err}")
                return False
            bad = [k for k, v in params.items() if not math.isfinite(v)]
            if bad:
                self.error(("params", bad[0]), f"{bad[0]} is not finite for seed {seed}")
                return False
            key = tuple(params.items())
            if key not in seen:
                seen.add(key)
                self.draws.append((seed, params))
        return True

    # ------------------------------------------------------------------ text

    def _templates(self) -> None:
        from engine.problems import RenderError, placeholders

        names = set(self.q.params)
        fields: list[tuple[FieldPath, str]] = [(("prompt",), self.q.prompt)]
        fields += [(("hints", i), h) for i, h in enumerate(self.q.hints)]
        fields += [(("derivation", i, "text"), s.text) for i, s in enumerate(self.q.derivation)]
        fields += [(("mistakes", i, "feedback"), m.feedback) for i, m in enumerate(self.q.mistakes)]
        fields.append((("explanation",), self.q.explanation))
        if self.kind == "choice":
            fields += [(("answer", "options", k), t) for k, t in self.answer["options"].items()]
            fields += [
                (("answer", "feedback", k), t)
                for k, t in (self.answer.get("feedback") or {}).items()
            ]
        known = ", ".join(self.q.params) or "none"
        for path, text in fields:
            try:
                found = placeholders(text)
            except RenderError as err:
                self.error(path, err.message)
                continue
            for name, _pos in found:
                if name not in names:
                    self.error(
                        path, f"unknown name {{{name}}} (params: {known}){_close(name, names)}"
                    )

    # ------------------------------------------------------------------ answer

    def _formula_vars(self) -> list[str]:
        """Names an answer-side formula may use: params, plus the answer's variables."""
        return [*self.q.params, *self.variables]

    def _compile(self, path: FieldPath, text: Any, variables: Iterable[str]) -> Any:
        from engine.problems import FormulaError, compile_formula

        try:
            return compile_formula(text, variables)
        except FormulaError as err:
            self.error(path, _where(err))
            return None

    def _answer(self) -> bool:
        kind = self.kind
        if kind == "number":
            self._in_unit()
            formula = self._compile(("answer", "value"), self.answer["value"], self.q.params)
            if formula is None:
                return False
            return self._positive(("answer", "value"), formula, "the answer")
        if kind == "expression":
            return (
                self._compile(("answer", "value"), self.answer["value"], self._formula_vars())
                is not None
            )
        if kind == "big_o":
            ok = (
                self._compile(("answer", "value"), self.answer["value"], self.variables) is not None
            )
            for key in self.answer.get("known") or {}:
                if self._compile(("answer", "known", key), key, self.variables) is None:
                    ok = False
            return ok and self._gradable(BIG_O_SPEC_KEYS)
        if kind == "choice":
            options = self.answer["options"]
            ok = True
            for i, key in enumerate(self.answer["value"]):
                if key not in options:
                    self.error(
                        ("answer", "value", i), f"{key!r} is not an option ({', '.join(options)})"
                    )
                    ok = False
            if len(set(self.answer["value"])) != len(self.answer["value"]):
                self.error(("answer", "value"), "a key is listed twice")
            for key in self.answer.get("feedback") or {}:
                if key not in options:
                    self.error(("answer", "feedback", key), f"{key!r} is not an option")
            return ok
        return True

    def _gradable(self, keys: Iterable[str]) -> bool:
        """Grade the answer's own value once, as `quizapp check` and practice would: a spec
        the checker cannot read (a regime naming an unknown variable, say) must fail here,
        not reach every learner as "cannot be graded". The error is pinned on the key at
        fault by grading the spec with each optional key of `keys` alone."""
        from engine.answers import SpecError
        from engine.problems import check_answer

        response = str(self.answer["value"])
        params = self.draws[0][1]

        def problem(spec: Mapping[str, Any]) -> str | None:
            try:
                check_answer(spec, response, params)
            except SpecError as err:
                return str(err)
            return None

        whole = problem(self.answer)
        if whole is None:
            return True
        present = [key for key in keys if key in self.answer]
        base = {k: v for k, v in self.answer.items() if k not in present}
        faults = [(key, problem({**base, key: self.answer[key]})) for key in present]
        faults = [(key, message) for key, message in faults if message is not None]
        if problem(base) is not None or not faults:
            faults = [("", whole)]  # not one optional key's fault: point at the answer
        for key, message in faults:
            self.error(("answer", key) if key else ("answer",), f"cannot be graded: {message}")
        return False

    def _in_unit(self) -> None:
        """`in_unit` (the unit the prompt asks in, e.g. TiB) must be a unit of the answer's family."""
        in_unit = self.answer.get("in_unit")
        if in_unit is None:
            return
        from engine.answers.errors import ParseError
        from engine.answers.numbers import parse_unit

        try:
            family = parse_unit(in_unit)[0]
        except ParseError:
            self.error(("answer", "in_unit"), f"unknown unit {in_unit!r}")
            return
        if family != self.answer.get("unit"):
            self.error(
                ("answer", "in_unit"),
                f"{in_unit!r} is not a unit of {self.answer.get('unit') or 'a unitless answer'}; "
                "state the answer's `unit` family too (e.g. unit: B, in_unit: TiB)",
            )

    def _positive(self, path: FieldPath, formula: Any, what: str) -> bool:
        from engine.problems import FormulaError

        for seed, params in self.draws:
            try:
                value = formula(params)
            except FormulaError as err:
                self.error(
                    path, f"{what} cannot be evaluated ({_seed_text(seed, params)}): {err.message}"
                )
                return False
            if not value > 0:
                self.error(
                    path,
                    f"{what} is {_num(value)} ({_seed_text(seed, params)}): it must be positive",
                )
                return False
        return True

    def _mistakes(self) -> None:
        for i, mistake in enumerate(self.q.mistakes):
            path = ("mistakes", i, "value")
            value = mistake.value
            if self.kind == "choice":
                if not isinstance(value, list):
                    self.error(path, "a choice mistake lists option keys, e.g. [b]")
                    continue
                unknown = [key for key in value if key not in self.answer["options"]]
                for key in unknown:
                    self.error(path, f"{key!r} is not an option")
                if not unknown and sorted(set(value)) == sorted(set(self.answer["value"])):
                    self.error(path, "selects exactly the right options: it is the answer")
            elif self.kind == "recall":
                if not isinstance(value, str):
                    self.error(path, "a recall mistake describes the error in words")
            elif isinstance(value, list):
                self.error(path, f"a {self.kind} mistake is a formula or number, not a list")
            else:
                names = self.variables if self.kind == "big_o" else self._formula_vars()
                formula = self._compile(path, value, names)
                if formula is not None and self.kind == "number":
                    self._mistake_differs(path, formula)
                elif formula is not None and self.kind == "expression":
                    self._expression_differs(path, formula)
                elif formula is not None and self.kind == "big_o":
                    self._graded_as_answer(path, str(value), "this mistake", self.draws[:1])

    def _mistake_differs(self, path: FieldPath, mistake: Any) -> None:
        """A classic slip that equals the answer for some draw would scold a right answer."""
        from engine.problems import FormulaError, compile_formula

        try:
            answer = compile_formula(self.answer["value"], self.q.params)
        except FormulaError:
            return  # reported by _answer
        rel = float(self.answer.get("rel_tol", 0.01))
        abs_tol = float(self.answer.get("abs_tol", 0.0))
        for seed, params in self.draws:
            try:
                want, slip = float(answer(params)), float(mistake(params))
            except FormulaError:
                return
            if math.isclose(want, slip, rel_tol=rel, abs_tol=abs_tol):
                self.error(
                    path,
                    f"equals the answer ({_num(want)}) for {_seed_text(seed, params)}: a right "
                    "answer would get this mistake's feedback; change the draws or the tolerance",
                )
                return

    def _expression_differs(self, path: FieldPath, mistake: Any) -> None:
        """An expression slip must differ from the answer somewhere, for every draw."""
        from engine.problems import FormulaError, compile_formula

        try:
            answer = compile_formula(self.answer["value"], self._formula_vars())
        except FormulaError:
            return
        rng = random.Random(f"{self.q.id}:mistakes")
        for seed, params in self.draws:
            differs = False
            for _ in range(6):
                point = {**params, **{v: rng.uniform(2.0, 60.0) for v in self.variables}}
                try:
                    if not _agree(float(answer(point)), float(mistake(point)), 1e-9):
                        differs = True
                        break
                except FormulaError:
                    differs = True
                    break
            if not differs:
                self.error(
                    path,
                    f"is the answer's expression for {_seed_text(seed, params)}: a right answer "
                    "would get this mistake's feedback",
                )
                return

    def _graded_as_answer(
        self, path: FieldPath, response: str, what: str, draws: list[tuple[int, dict[str, Any]]]
    ) -> bool:
        """Report (once) when `response` scores full marks on this question in some draw."""
        from engine.problems import check_answer

        far = self._far_from_answer(response)
        for seed, params in draws:
            if far(params):
                continue
            try:
                verdict = check_answer(self.answer, response, params)
            except Exception:
                return False  # the checker's own failures are reported by _checks
            if verdict.score >= 1 - SCORE_TOL:
                self.error(
                    path,
                    f"{what} {response!r} is graded as the answer ({_seed_text(seed, params)})",
                )
                return True
        return False

    def _far_from_answer(self, response: str) -> Any:
        """A cheap test that a number `response` cannot be right for a draw (off by over 2×),
        so the full checker runs only near the answer. Anything else is never 'far'."""
        never = lambda params: False  # noqa: E731
        if self.kind != "number" or self.answer.get("in_unit"):
            return never  # a bare number may be read in another unit: ask the checker
        from engine.answers.errors import ParseError
        from engine.answers.numbers import parse_quantity
        from engine.problems import FormulaError, compile_formula

        try:
            typed = float(parse_quantity(response).value)
            answer = compile_formula(self.answer["value"], self.q.params)
        except (ParseError, FormulaError, TypeError, ValueError):
            return never

        def far(params: dict[str, Any]) -> bool:
            try:
                want = float(answer(params))
            except FormulaError:
                return False
            return not (want > 0 and 0.5 < typed / want < 2)

        return far

    # ------------------------------------------------------------------ derivation

    def _derivation(self, answer_ok: bool) -> None:
        from engine.problems import FormulaError

        steps = self.q.derivation
        names = self._formula_vars()
        compiled = []
        for i, step in enumerate(steps):
            f = None
            if step.formula is not None:
                f = self._compile(("derivation", i, "formula"), step.formula, names)
                if f is not None and f.names <= set(self.q.params):
                    for seed, params in self.draws:
                        try:
                            f(params)
                        except FormulaError as err:
                            self.error(("derivation", i, "formula"), f"seed {seed}: {err.message}")
                            f = None
                            break
            compiled.append(f)
        if not steps or not answer_ok or self.kind not in ("number", "expression"):
            return
        last = len(steps) - 1
        if steps[last].formula is None:
            self.error(("derivation", last), "the last step needs a formula equal to the answer")
            return
        f = compiled[last]
        if f is None:
            return
        answer = self._compile(("answer", "value"), self.answer["value"], names)
        if answer is None:
            return
        if self.kind == "number":
            for seed, params in self.draws:
                got, want = f(params), answer(params)
                if not _agree(got, want):
                    self.error(
                        ("derivation", last, "formula"),
                        f"the last step gives {_num(got)} but the answer is {_num(want)} "
                        f"({_seed_text(seed, params)})",
                    )
                    return
        else:
            rng = random.Random(f"{self.q.id}:derivation")
            for _seed, params in self.draws[:3]:
                for _ in range(4):
                    point = {**params, **{v: rng.uniform(2.0, 60.0) for v in self.variables}}
                    try:
                        got, want = f(point), answer(point)
                    except FormulaError:
                        continue
                    if not _agree(got, want, 1e-9):
                        self.error(
                            ("derivation", last, "formula"),
                            f"the last step {steps[last].formula!r} is not the answer "
                            f"{self.answer['value']!r}",
                        )
                        return

    # ------------------------------------------------------------------ calc

    def _calc(self, answer_ok: bool) -> None:
        calc = self.q.calc
        if calc is None:
            return
        from engine import costs
        from engine.units import DTYPE_BYTES

        if calc.op not in costs.OPS:
            self.error(("calc", "op"), f"unknown op {calc.op!r}{_close(calc.op, costs.OPS)}")
            return
        op = costs.OPS[calc.op]
        ok = True
        formulas = {}
        for key, value in calc.params.items():
            if key not in op.param_names:
                self.error(
                    ("calc", "params", key),
                    f"{calc.op} has no parameter {key!r} (it takes {', '.join(op.param_names)})",
                )
                ok = False
                continue
            f = self._compile(("calc", "params", key), value, self.q.params)
            if f is None:
                ok = False
            formulas[key] = f
        if calc.dtype is not None and calc.dtype.lower() not in DTYPE_BYTES:
            self.error(
                ("calc", "dtype"), f"unknown dtype {calc.dtype!r} ({', '.join(DTYPE_BYTES)})"
            )
            ok = False
        for key, value in calc.options.items():
            try:
                costs.model(calc.op, **{key: value})  # the engine's own check of conventions
            except costs.CostError as err:
                self.error(("calc", "options", key), str(err))
                ok = False
        known = costs.quantities(calc.op)
        if calc.quantity not in known:
            self.error(
                ("calc", "quantity"),
                f"{calc.op} has no quantity {calc.quantity!r}{_close(calc.quantity, known)} "
                f"(known: {', '.join(known)})",
            )
            ok = False
        if not ok:
            return
        answer = None
        if self.kind == "number" and answer_ok:
            answer = self._compile(("answer", "value"), self.answer["value"], self.q.params)
        for seed, params in self.draws[:CALC_DRAWS]:
            values = {k: f(params) for k, f in formulas.items()}
            try:
                cost = costs.compute(calc.op, values, dtype=calc.dtype or "fp32", **calc.options)
                got = cost.quantity(calc.quantity)
            except (costs.CostError, KeyError, ValueError) as err:
                self.error(("calc",), f"{_seed_text(seed, params)}: {err}")
                return
            if answer is not None:
                want = answer(params)
                if not _agree(got, want):
                    self.error(
                        ("calc", "quantity"),
                        f"{calc.op}.{calc.quantity} is {_num(got)} but the answer is "
                        f"{_num(want)} ({_seed_text(seed, params)})",
                    )
                    return

    # ------------------------------------------------------------------ the whole variant

    def _whole_draw(self) -> None:
        from engine.problems import draw

        seed, _params = self.draws[0]
        try:
            draw(self.q, seed)
        except Exception as err:
            self.error(("answer",), f"the variant for seed {seed} cannot be built: {err}")

    def _checks(self) -> None:
        if not self.q.checks:
            return
        from engine.problems import RenderError, check_answer, render

        mistakes = [m.model_dump(exclude_none=True) for m in self.q.mistakes]
        for i, chk in enumerate(self.q.checks):
            for seed, params in self.draws:
                try:
                    response = render(chk.response, params)
                except RenderError as err:
                    self.error(("checks", i, "response"), err.message)
                    break
                try:
                    verdict = check_answer(self.answer, response, params, mistakes)
                except Exception as err:
                    self.error(("checks", i), f"the checker fails on {response!r}: {err}")
                    break
                if getattr(verdict, "needs_self_grade", False):
                    note = "checks of recall questions are not run (the learner grades recall)"
                    if note not in self.notes:
                        self.notes.append(note)
                    return
                if abs(verdict.score - chk.score) > SCORE_TOL:
                    self.error(
                        ("checks", i, "score"),
                        f"{response!r} scores {verdict.score:g}, not {chk.score:g} "
                        f"({_seed_text(seed, params)}; read as {verdict.parsed!r}: "
                        f"{clip(verdict.feedback, FEEDBACK_CHARS)})",
                    )
                    break

    def _examples(self) -> None:
        """Examples of notation must not give the answer away: the answer box's placeholder
        (quizapp.answer_examples) and any "e.g. `…`" example in the prompt, in every draw."""
        from engine.problems import RenderError, render
        from quizapp.answer_examples import EXAMPLES

        for example in EXAMPLES.get(self.kind, ()):
            what = "the answer box's example"
            if self._graded_as_answer(("answer", "value"), example, what, self.draws):
                return
        if self.kind == "choice":
            return
        for seed, params in self.draws:
            try:
                prompt = render(self.q.prompt, params)
            except RenderError:
                return  # reported by _templates
            for example in PROMPT_EXAMPLE.findall(prompt):
                what = "the prompt's example"
                if self._graded_as_answer(("prompt",), example, what, [(seed, params)]):
                    return

    # ------------------------------------------------------------------ links

    def _demo(self) -> None:
        demo = self.q.demo
        if demo is None:
            return
        from engine.demos import DEMOS

        if demo.name not in DEMOS:
            self.error(
                ("demo", "name"),
                f"unknown demo {demo.name!r}{_close(demo.name, DEMOS)} (demos: {', '.join(DEMOS)})",
            )
            return
        variables = list(getattr(DEMOS[demo.name], "variables", []) or [])
        if demo.vary is not None and variables and demo.vary not in variables:
            self.error(
                ("demo", "vary"),
                f"demo {demo.name!r} can vary {', '.join(variables)}, not {demo.vary!r}",
            )

    def _follow_ups(self) -> None:
        own = f"{self.pack_id}/{self.q.id}"
        for i, ref in enumerate(self.q.follow_ups):
            qid = ref if "/" in ref else f"{self.pack_id}/{ref}"
            if qid == own:
                self.error(("follow_ups", i), "a question cannot follow up on itself")
                continue
            found, suggestions = self.resolve_qid(qid)
            if not found:
                hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
                self.error(("follow_ups", i), f"unknown question {qid!r}{hint}")


def _spec(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else value


def _where(err: Any) -> str:
    """A FormulaError as text, with the formula and the caret position when known."""
    text = getattr(err, "text", "")
    pos = getattr(err, "position", None)
    if text and pos is not None:
        return f"{text!r}: {err.message} (at character {pos})"
    if text:
        return f"{text!r}: {err.message}"
    return str(err.message)


def check_pack(
    pack: LoadedPack,
    resolve_qid: Any,
    notes: list[str] | None = None,
    seeds: int = SEEDS,
) -> list[PackError]:
    """Every semantic problem of one schema-valid pack."""
    notes = notes if notes is not None else []
    errors: list[PackError] = []
    for i, q in enumerate(pack.model.questions):
        checker = _QuestionChecker(
            q, ("questions", i), pack.marks, pack.id, resolve_qid, notes, seeds
        )
        errors += checker.run()
    return errors


def _files_for(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[PackError]]:
    """The pack files named by `paths` (files, or directories of packs), each file once
    however often it is named (`validate p p/my-pack.yaml` is one pack, not a duplicate)."""
    files: list[Path] = []
    seen: set[Path] = set()
    errors: list[PackError] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = pack_files(path)
        elif path.is_file():
            found = [path]
        else:
            errors.append(PackError(str(path), 1, 1, "", "no such file or directory"))
            continue
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                files.append(f)
    return files, errors


def _skipped_by_app(library: Library, app: Library) -> list[PackError]:
    """Packs given by path whose id the app already loads from another file (a shipped
    pack, say): the app skips them, so validate must not call them OK."""
    errors: list[PackError] = []
    for pack in library.packs:
        other = app.pack(pack.id)
        if other is not None and other.file.resolve() != pack.file.resolve():
            message = f"duplicate pack id {pack.id!r} (already in {other.file})"
            errors.append(pack.marks.error(("id",), message))
    return errors


def _merged(*libraries: Library) -> Library:
    """One library of every pack in `libraries`, the first holder of an id winning."""
    merged = Library()
    for library in libraries:
        for pack in library.packs:
            if merged.pack(pack.id) is None:
                merged.add(pack)
    return merged


def validate(
    paths: Iterable[str | os.PathLike[str]] = (),
    extra_dirs: Iterable[str | os.PathLike[str]] = (),
    seeds: int = SEEDS,
    beside_app: bool = False,
) -> Report:
    """Validate pack files/directories (default: shipped + user pack directories).

    Follow-ups may point into any pack being validated or any pack the app would load
    (their "did you mean" drawn from both). With `beside_app` (what `quizapp validate`
    asks), a pack given by path whose id the app already loads from another file is an
    error, as the app would skip it; `quizapp packs add` judges ids itself instead, since
    an update's own installed packs do not count.
    """
    extra_dirs = list(extra_dirs)
    paths = list(paths)
    if paths:
        files, errors = _files_for(paths)
    else:
        files, errors = [], []
        for file, _shipped, error in iter_files(extra_dirs):
            if file is not None:
                files.append(file)
            if error is not None:
                errors.append(error)
    library = load_files(files, Library(errors=errors))
    report = Report(packs=len(library.packs), questions=len(library.questions))

    @functools.cache
    def app() -> Library:
        """The packs the app would load, read once and only when needed."""
        return load_all(extra_dirs)

    @functools.cache
    def known() -> Library:
        """Every pack a follow-up may name, for its "did you mean"."""
        return _merged(library, app())

    def resolve(qid: str) -> tuple[bool, list[str]]:
        if library.find(qid) is not None and "/" in qid:
            return True, []
        if app().find(qid) is not None:
            return True, []
        return False, known().close_matches(qid)

    errors = list(library.errors)
    if paths and beside_app:
        errors += _skipped_by_app(library, app())
    for pack in library.packs:
        errors += check_pack(pack, resolve, report.notes, seeds)
    report.errors = sorted(errors, key=lambda e: (e.file, e.line, e.column))
    return report


def validate_library(library: Library, seeds: int = SEEDS) -> list[PackError]:
    """Semantic problems of an already loaded library (for the app to show, e.g. at start)."""

    def resolve(qid: str) -> tuple[bool, list[str]]:
        return library.find(qid) is not None, library.close_matches(qid)

    errors: list[PackError] = []
    for pack in library.packs:
        errors += check_pack(pack, resolve, [], seeds)
    return errors
